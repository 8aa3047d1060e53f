"""Atomic output: one file through a temporary file renamed over it; a set of files through a
temporary folder swapped in whole.

A set of files (`gigawatt run --out DIR`) must never be left mixed: a kill, a full disk or a
second run leaves either the previous complete set or the new one. `output_set` writes the new
set into a fresh folder beside `DIR`, adds `manifest.json` (what wrote it, each file's sha256)
and exchanges the two folders in one `renameat2(RENAME_EXCHANGE)` (Linux; elsewhere two
renames, repaired by the next run), under a lock file, so two runs into one folder cannot mix.
Nothing that gigawatt did not write is overwritten or deleted: other files in `DIR` (a sweep
store, a report) are carried into the new folder as hard links, and a folder without our
manifest is only adopted when it is empty or holds nothing but what gigawatt writes there.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fnmatch
import functools
import glob
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gigawatt.errors import GigawattError, InputError

try:  # POSIX advisory locks; released by the kernel when the holder dies (kill -9 included)
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

#: The file naming an output set's contents; its presence marks a folder as gigawatt's.
MANIFEST = "manifest.json"
#: `manifest.json`'s `format`, so a foreign file of the same name is not mistaken for ours.
MANIFEST_FORMAT = "gigawatt-output-set"

if TYPE_CHECKING:  # a frame is written by its own method: pandas is not imported here
    import pandas as pd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_temporaries(path: Path) -> None:
    """Remove temporaries `.NAME.PID.*` of `path` (files or folders) left by processes that no
    longer run (a kill -9 leaves them); those of a running process are its own."""
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*"):
        pid = tmp.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            if tmp.is_dir() and not tmp.is_symlink():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    tmp.unlink()


#: The errors that say a location cannot take a file (a full disk or a failing device are not
#: the user's input: they stay errors of exit code 1).
_LOCATION_ERRNOS = frozenset(
    {errno.ENOENT, errno.ENOTDIR, errno.EEXIST, errno.EACCES, errno.EPERM, errno.EROFS}
)


def _unwritable(path: Path, field: str, reason: str) -> InputError:
    return InputError(
        f"{str(path)!r} cannot be written ({reason}); allowed: a path in a folder you can write to",
        field=field,
    )


@contextlib.contextmanager
def creating(path: Path, *, field: str = "out") -> Iterator[None]:
    """Around making `path`'s folder, temporary file or lock: a location that cannot take a
    file (missing under a read-only or virtual file system, no permission) is the user's
    input, said with its flag; other errors pass as they are."""
    try:
        yield
    except OSError as e:
        if e.errno not in _LOCATION_ERRNOS:
            raise
        raise _unwritable(path, field, e.strerror or type(e).__name__) from None


def check_writable(path: Path, *, field: str = "out") -> None:
    """Before any work: the folder `path` goes in (made when missing) can be written in, so a
    run is not computed to fail at its end. The nearest folder on the way that exists must be a
    folder this process may write to."""
    folder = Path(os.path.abspath(path)).parent
    while not os.path.lexists(folder) and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        what = "a symbolic link to nowhere" if folder.is_symlink() else "a file"
        raise InputError(f"{str(folder)!r} is {what}; allowed: a folder", field=field)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _unwritable(path, field, f"no permission to write in {str(folder)!r}")


#: What marks an HTML file as a gigawatt report (the report template's generator tag): a
#: report is replaced by the next one; any other file at that path is the user's, never
#: overwritten.
HTML_GENERATOR = b'<meta name="generator" content="gigawatt'


def check_report_file(path: Path, *, field: str = "out") -> None:
    """Before any work: `path` can be written (`check_writable`) and, when it exists, is a
    report gigawatt wrote."""
    check_writable(path, field=field)
    if not path.is_file():
        return
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise _unwritable(path, field, e.strerror or type(e).__name__) from None
    if HTML_GENERATOR not in head:
        raise InputError(
            f"{str(path)!r} exists and gigawatt did not write it; allowed: a new file, or a "
            "report gigawatt wrote (replaced)",
            field=field,
        )


def _atomic(path: Path, write: Callable[[Path], None], field: str = "out") -> None:
    with creating(path, field=field):
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temporaries(path)
        prefix = f".{path.name}.{os.getpid()}."
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the user's usual mode
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str, *, field: str = "out") -> None:
    _atomic(path, lambda p: p.write_text(text, encoding="utf-8"), field)


def write_bytes(path: Path, data: bytes) -> None:
    _atomic(path, lambda p: p.write_bytes(data))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    _atomic(path, lambda p: frame.to_parquet(p, index=False))


def _resolve(path: Path, field: str) -> Path:
    try:
        return path.resolve()
    except RuntimeError:  # pathlib's "Symlink loop from ..." (Python 3.11, 3.12)
        raise InputError(
            f"{str(path)!r} is not allowed: it runs into a loop of symbolic links; allowed: a "
            "path that leads somewhere",
            field=field,
        ) from None


def check_outputs(outputs: Iterable[Path], inputs: Iterable[Path], *, field: str = "out") -> None:
    """Refuse to write over a file the user gave as input."""
    resolved_inputs = {p.resolve() for p in inputs if p.exists()}
    for out in outputs:
        if _resolve(out, field) in resolved_inputs:
            raise InputError(
                f"{str(out)!r} is an input file; choose another output location", field=field
            )


# --- output sets ------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


@functools.cache
def _renameat2() -> Any:
    """libc's renameat2, or None where there is none. Looked up in the symbols the process has
    loaded already, never with `ctypes.util.find_library`, which runs `ldconfig -p` as a child
    process: started under the output lock, a child holds a copy of the lock until it execs, so
    a writer killed at that moment left its lock held after it died."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError, TypeError):
        return None
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p] * 2 + [ctypes.c_uint]
    return renameat2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where the system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot exchange
        return False
    raise OSError(errno, os.strerror(errno), str(a))


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's gigawatt manifest, or None when it has none (or one that is not ours)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return None
    return data


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: How long a writer waits for a lock whose recorded holder has died [s]. The kernel releases
#: a dead process's lock at once, unless a process it was starting (between fork and exec)
#: still holds a copy of the lock's descriptor; that copy goes within moments.
DEAD_HOLDER_WAIT_S = 5.0
#: How often the lock is tried again meanwhile [s].
_LOCK_RETRY_S = 0.01


def _holder_pid(fd: int) -> int | None:
    """The pid the lock's holder wrote into the lock file, if any."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _lock(path: Path, target: Path, field: str) -> int:
    """Take the output lock (`flock`, released by the kernel when its holder dies, kill -9
    included) and write our pid into the lock file. A lock held although the pid written there
    no longer runs is waited for (`DEAD_HOLDER_WAIT_S`), never taken from its holder; any other
    held lock is refused at once."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    if fcntl is None:  # pragma: no cover - not POSIX
        return fd
    deadline: float | None = None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            holder = _holder_pid(fd)
            now = time.monotonic()
            if holder is not None and holder != os.getpid() and not _pid_alive(holder):
                deadline = now + DEAD_HOLDER_WAIT_S if deadline is None else deadline
                if now < deadline:
                    time.sleep(_LOCK_RETRY_S)
                    continue
            os.close(fd)
            raise InputError(
                f"{str(target)!r} is being written by another gigawatt process; wait for it "
                "to finish or choose another folder",
                field=field,
            ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


def _recover(target: Path) -> None:
    """Under the lock: put back a previous set a killed swap left aside; drop temporaries."""
    prefix = f".{target.name}."
    leftovers = sorted(p for p in target.parent.glob(glob.escape(prefix) + "*-*") if p.is_dir())
    for p in leftovers:
        kind = p.name[len(prefix) :].split("-", 1)[0]
        if kind == "old" and not target.exists() and read_manifest(p) is not None:
            os.rename(p, target)  # killed between the two renames of the fallback swap
        elif kind in ("old", "tmp"):
            shutil.rmtree(p, ignore_errors=True)


#: What other gigawatt commands write into an output folder by default (a sweep store and its
#: log, `report`'s pages): a folder without a manifest holding only these is still adopted.
GIGAWATT_FILES = ("*.duckdb", "*.duckdb.wal", "report-*.html", "compare-*.html")


def _check_owned(target: Path, names: Iterable[str], field: str) -> None:
    """Refuse to replace a folder that is not ours: one without our manifest holding anything
    but what gigawatt writes there (the set's own names included: they would be overwritten)."""
    if not target.exists():
        return
    if not target.is_dir():
        raise InputError(f"{str(target)!r} is a file; allowed: a folder", field=field)
    if read_manifest(target) is not None:
        return
    ours = {*names, MANIFEST}
    for entry in sorted(target.iterdir()):
        if entry.name in ours or not (
            entry.is_file() and any(fnmatch.fnmatch(entry.name, p) for p in GIGAWATT_FILES)
        ):
            raise InputError(
                f"{str(target)!r} holds {entry.name} that gigawatt did not write (no gigawatt "
                f"{MANIFEST}); choose another folder, or move it away",
                field=field,
            )


def _carry_over(old: Path, new: Path, skip: set[str]) -> None:
    """Hard-link what else is in `old` (not the set's files) into `new`: nothing of the user's
    is lost when the folders are swapped."""
    for entry in old.iterdir():
        if entry.name in skip:
            continue
        dest = new / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), dest)
        elif entry.is_dir():
            shutil.copytree(entry, dest, symlinks=True, copy_function=os.link)
        else:
            os.link(entry, dest)


def _set_target(target: Path) -> Path:
    target = Path(os.path.abspath(target))
    return _resolve(target, "out") if target.is_symlink() else target


#: Endings of the files gigawatt reads and writes: a new output folder named with one is a file
#: name given where a folder goes (`run --out results.json`), not a folder the user wants.
FILE_SUFFIXES = frozenset(
    {".json", ".parquet", ".html", ".htm", ".csv", ".yaml", ".yml", ".toml", ".duckdb", ".png"}
)


def check_output_set(target: Path, names: Iterable[str], *, field: str = "out") -> None:
    """`output_set`'s refusals, before the work that makes the files: a new folder named like a
    file, a folder that is not ours, or one another process is writing. Changes nothing
    (`output_set` checks again)."""
    names, given = list(names), target
    target = _set_target(target)
    check_writable(target, field=field)
    if not target.exists() and target.suffix.lower() in FILE_SUFFIXES:
        holds = f", which gets {', '.join(names)} and {MANIFEST}" if names else ""
        raise InputError(f"{str(given)!r} is a file name; allowed: a folder{holds}", field=field)
    _check_owned(target, names, field)
    lock_path = target.parent / f".{target.name}.lock"
    if lock_path.exists():
        os.close(_lock(lock_path, target, field))


@contextlib.contextmanager
def output_set(
    target: Path, names: Iterable[str], about: Mapping[str, Any], *, field: str = "out"
) -> Iterator[Path]:
    """A fresh folder to write the files `names` into; on leaving the block without an error,
    a manifest (`about` plus each file's sha256) is added and the folder replaces `target` whole.

    On an error nothing changes at `target` and the temporary folder is removed; a kill leaves
    the temporary folder, which the next `output_set` of the same target removes.
    """
    names = list(names)
    target = _set_target(target)
    parent = target.parent
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{str(parent)!r} is a file; allowed: a folder", field=field)
    with creating(target, field=field):
        parent.mkdir(parents=True, exist_ok=True)
        lock = _lock(parent / f".{target.name}.lock", target, field)
    try:
        _recover(target)
        _check_owned(target, names, field)
        tmp = parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        tmp.mkdir(mode=0o777 & ~_umask())
        try:
            yield tmp
            missing = [n for n in names if not (tmp / n).is_file()]
            if missing:
                raise GigawattError(f"output set incomplete: {', '.join(missing)} not written")
            files = [
                {"name": n, "bytes": (tmp / n).stat().st_size, "sha256": sha256_file(tmp / n)}
                for n in names
            ]
            manifest = {"format": MANIFEST_FORMAT, **about, "files": files}
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            if target.exists():
                _carry_over(target, tmp, {*names, MANIFEST})
            _swap(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # the new set's folder, or the old set
    finally:
        os.close(lock)  # releases the lock


def _swap(tmp: Path, target: Path) -> None:
    """Put `tmp` at `target`; the previous `target` ends at `tmp` (to be removed)."""
    if not target.exists():
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(target, old)
    os.rename(tmp, target)  # a kill before this line: the next run puts `old` back
    os.rename(old, tmp)
