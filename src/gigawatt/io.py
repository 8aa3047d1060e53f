"""Atomic output: write to a temporary file beside the target, then rename over it."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gigawatt.errors import InputError

if TYPE_CHECKING:  # a frame is written by its own method: pandas is not imported here
    import pandas as pd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the user's usual mode
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str) -> None:
    _atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    _atomic(path, lambda p: p.write_bytes(data))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    _atomic(path, lambda p: frame.to_parquet(p, index=False))


def check_outputs(outputs: Iterable[Path], inputs: Iterable[Path]) -> None:
    """Refuse to write over a file the user gave as input."""
    resolved_inputs = {p.resolve() for p in inputs if p.exists()}
    for out in outputs:
        if out.resolve() in resolved_inputs:
            raise InputError(
                f"{str(out)!r} is an input file; choose another output location", field="out"
            )
