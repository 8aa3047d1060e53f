"""A persistent cache of results that are costly to compute and pure in their inputs, shared by
every command and every sweep worker of the same user: perf searches (`perf-search`), the
parsed catalog (`catalog`), the report's tornado (`tornado`) and what Plotly writes the same
each time (`plotly-template`), each in its namespace.

One SQLite file, `cache.sqlite3`, in the user's cache directory (platformdirs:
`~/.cache/gigawatt` on Linux), or in `GIGAWATT_CACHE_DIR` when that is set (the tests point it
at a temporary folder). SQLite in WAL mode lets many processes read while one writes; a writer
that finds the file locked longer than `BUSY_TIMEOUT_S` skips its write (the cache is an
optimisation: a result not stored is computed again, never wrong). An entry that cannot be
read back (a truncated or foreign value) is ignored and replaced; a file that is not a SQLite
database is moved aside and a new one started.

Entries are pickles written by this package into the user's own directory (as Python's own
bytecode cache is); the key is a sha256 of everything the result depends on, which the caller
states (perf.search: the resolved workload, hardware and framework records, the accelerator
count, the pinned knobs, the package version and the digest of the perf code; the catalog: its
files' bytes, the package's source and version; a tornado: the scenario, the catalog's digest,
the package's source and version).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Overrides the cache folder (a path); the tests set it to a temporary folder.
ENV_VAR = "GIGAWATT_CACHE_DIR"
FILE_NAME = "cache.sqlite3"
#: How long a reader or writer waits for another process's write lock [s].
BUSY_TIMEOUT_S = 5.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    created_s REAL NOT NULL,
    PRIMARY KEY (namespace, key)
)
"""

_lock = threading.Lock()
_conn: tuple[int, Path, sqlite3.Connection] | None = None  # (pid, path, connection)


@functools.cache
def source_digest() -> str:
    """sha256 of this package's Python source (every module, by relative path): part of the
    key of a cached result that depends on more than one module (a parsed catalog, the
    report's tornado), so that an entry written by other code is never read back."""
    package = Path(__file__).parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def cache_dir() -> Path:
    """The cache folder: `GIGAWATT_CACHE_DIR`, else the platform's user cache folder."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    import platformdirs  # deferred: only commands that search need it

    return Path(platformdirs.user_cache_dir("gigawatt", appauthor=False))


def cache_path() -> Path:
    return cache_dir() / FILE_NAME


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        _prepare(conn)
    except sqlite3.DatabaseError:  # not a database (or a damaged one): start afresh beside it
        conn.close()
        with contextlib.suppress(OSError):
            os.replace(path, path.with_name(f"{path.name}.corrupt-{os.getpid()}"))
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        _prepare(conn)
    return conn


def _prepare(conn: sqlite3.Connection) -> None:
    """WAL mode; commits not flushed to disk one by one (`synchronous=NORMAL`: a power cut may
    lose the last entries, never damage the file; a lost entry is computed again)."""
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(_SCHEMA)


def _connection() -> sqlite3.Connection | None:
    """This process's connection to the current cache file (reopened after a fork or when
    `GIGAWATT_CACHE_DIR` changes); None when the cache cannot be opened (then nothing is
    cached, and nothing fails)."""
    global _conn
    path = cache_path()
    pid = os.getpid()
    if _conn is not None and _conn[0] == pid and _conn[1] == path and path.exists():
        return _conn[2]
    if _conn is not None and _conn[0] == pid:
        with contextlib.suppress(sqlite3.Error):
            _conn[2].close()
    try:
        conn = _open(path)
    except (OSError, sqlite3.Error):
        _conn = None
        return None
    _conn = (pid, path, conn)
    return conn


def get(namespace: str, key: str) -> Any | None:
    """The value stored under (namespace, key), or None (absent, unreadable, or no cache)."""
    with _lock:
        conn = _connection()
        if conn is None:
            return None
        try:
            row = conn.execute(
                "SELECT value FROM entries WHERE namespace = ? AND key = ?", (namespace, key)
            ).fetchone()
        except sqlite3.Error:
            return None
    if row is None:
        return None
    try:
        return pickle.loads(row[0])
    except Exception:  # a damaged entry, or one pickled by a version without its class
        return None  # the caller computes the value and `put` replaces the entry


def put(namespace: str, key: str, value: Any) -> None:
    """Store `value` under (namespace, key), replacing what was there; skipped silently when
    the cache is locked or cannot be written."""
    blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    with _lock:
        conn = _connection()
        if conn is None:
            return
        with contextlib.suppress(sqlite3.Error):
            conn.execute(
                "INSERT OR REPLACE INTO entries (namespace, key, value, created_s) "
                "VALUES (?, ?, ?, ?)",
                (namespace, key, blob, time.time()),
            )


@dataclass(frozen=True)
class CacheInfo:
    """`gigawatt cache info`: where the cache is, how many entries it holds, its size."""

    path: Path
    entries: int
    size_bytes: int
    namespaces: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "entries": self.entries,
            "size_bytes": self.size_bytes,
            "namespaces": dict(self.namespaces),
        }


def _size_bytes(path: Path) -> int:
    """The database and its write-ahead log on disk [bytes]."""
    total = 0
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            total += p.stat().st_size
    return total


def info() -> CacheInfo:
    """The cache's path, entries (by namespace) and size on disk; an absent cache is empty
    (and is not created by asking)."""
    path = cache_path()
    counts: dict[str, int] = {}
    if path.exists():
        with _lock:
            conn = _connection()
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    rows = conn.execute(
                        "SELECT namespace, COUNT(*) FROM entries GROUP BY namespace ORDER BY 1"
                    ).fetchall()
                    counts = {str(ns): int(n) for ns, n in rows}
    return CacheInfo(path, sum(counts.values()), _size_bytes(path), counts)


def clear() -> CacheInfo:
    """Remove every entry; returns what the cache held before."""
    before = info()
    if before.path.exists():
        with _lock:
            conn = _connection()
            if conn is not None:
                conn.execute("DELETE FROM entries")
                with contextlib.suppress(sqlite3.Error):  # give the space back
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    conn.execute("VACUUM")
    return before
