"""The command line run in-process, as the CLI tests run it: its exit code and what it
printed, a JSON result, or the one-line error of a refused command line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gigawatt.cli import main


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `gigawatt ARGS`."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err  # type: ignore[return-value]


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    """The object `gigawatt ARGS` prints (ARGS include `--json`); the command must succeed."""
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    return json.loads(out)


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """stderr of a command line the CLI refuses: exit 2 and nothing on stdout."""
    code, out, err = cli(capsys, *args)
    assert (code, out) == (2, ""), err
    return err
