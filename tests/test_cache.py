"""The persistent cache (gigawatt.cache) and the perf search's use of it: round trips, damaged
entries and files replaced, concurrent writers, and a search read back instead of recomputed."""

from __future__ import annotations

import importlib
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from gigawatt import cache
from gigawatt.errors import InputError
from gigawatt.perf.search import CACHE_NAMESPACE, clear_cache, search

# the module (`gigawatt.perf.search` the attribute is the function)
search_module = importlib.import_module("gigawatt.perf.search")


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_VAR, str(folder))
    return folder


def test_folder_from_environment(cache_dir: Path) -> None:
    assert cache.cache_path() == cache_dir / cache.FILE_NAME


def test_round_trip_info_and_clear(cache_dir: Path) -> None:
    assert cache.info().entries == 0
    assert not (cache_dir / cache.FILE_NAME).exists()  # asking does not create it
    cache.put("ns", "a", {"x": 1.5})
    cache.put("ns", "b", [1, 2])
    cache.put("other", "a", "text")
    assert cache.get("ns", "a") == {"x": 1.5}
    assert cache.get("other", "a") == "text"
    assert cache.get("ns", "missing") is None
    info = cache.info()
    assert (info.entries, info.namespaces) == (3, {"ns": 2, "other": 1})
    assert info.size_bytes > 0
    assert info.to_json()["path"] == str(cache_dir / cache.FILE_NAME)
    assert cache.clear().entries == 3
    assert cache.info().entries == 0
    assert cache.get("ns", "a") is None


def test_damaged_entry_is_ignored_then_replaced(cache_dir: Path) -> None:
    cache.put("ns", "k", 1)
    with sqlite3.connect(cache.cache_path()) as conn:
        conn.execute("UPDATE entries SET value = ? WHERE key = 'k'", (b"\x80\x05garbage",))
    assert cache.get("ns", "k") is None
    cache.put("ns", "k", 2)
    assert cache.get("ns", "k") == 2


def test_file_that_is_not_a_database_is_moved_aside(cache_dir: Path) -> None:
    cache_dir.mkdir(parents=True)
    cache.cache_path().write_bytes(b"this is not sqlite" * 100)
    cache.put("ns", "k", "value")
    assert cache.get("ns", "k") == "value"
    assert list(cache_dir.glob(f"{cache.FILE_NAME}.corrupt-*"))


def _writer(args: tuple[str, int]) -> None:
    folder, worker = args
    import os

    os.environ[cache.ENV_VAR] = folder
    for i in range(50):
        cache.put("ns", f"{worker}-{i}", (worker, i))
        cache.get("ns", f"{worker}-{max(i - 1, 0)}")


def test_concurrent_writers_lose_nothing(cache_dir: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        pool.map(_writer, [(str(cache_dir), w) for w in range(4)])
    assert cache.info().entries == 200
    assert cache.get("ns", "3-49") == (3, 49)


def test_search_is_read_back_not_recomputed(cache_dir: Path, monkeypatch, catalog) -> None:
    clear_cache()
    first = search("gpt3-175b", "dgx-a100", 64, catalog=catalog, top=3)
    assert cache.info().namespaces == {CACHE_NAMESPACE: 1}
    clear_cache()  # a new process: only the disk cache remembers

    def fail(*args, **kwargs):
        raise AssertionError("searched again")

    monkeypatch.setattr(search_module, "_search_plans", fail)
    again = search("gpt3-175b", "dgx-a100", 64, catalog=catalog, top=3)
    assert again == first
    # a different pinned knob is another key
    with pytest.raises(AssertionError, match="searched again"):
        search("gpt3-175b", "dgx-a100", 64, catalog=catalog, top=3, fixed={"tp": 8})
    clear_cache()


def test_no_valid_plan_is_cached_as_such(cache_dir: Path, monkeypatch, catalog) -> None:
    clear_cache()
    with pytest.raises(InputError) as first:
        search("gpt3-175b", "dgx-a100", 64, catalog=catalog, fixed={"tp": 7})
    clear_cache()
    monkeypatch.setattr(search_module, "_search_plans", lambda *a, **k: pytest.fail("again"))
    with pytest.raises(InputError) as again:
        search("gpt3-175b", "dgx-a100", 64, catalog=catalog, fixed={"tp": 7})
    assert str(again.value) == str(first.value)
    clear_cache()


def _cli(args: list[str], capsys) -> tuple[int, str, str]:
    from gigawatt.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_cli_info_and_clear(cache_dir: Path, capsys) -> None:
    import json

    cache.put(CACHE_NAMESPACE, "k1", 1)
    cache.put(CACHE_NAMESPACE, "k2", 2)
    code, out, _ = _cli(["cache", "info", "--json"], capsys)
    info = json.loads(out)
    assert code == 0
    assert info["path"] == str(cache_dir / cache.FILE_NAME)
    assert (info["entries"], info["namespaces"], info["removed"]) == (2, {CACHE_NAMESPACE: 2}, None)
    code, out, _ = _cli(["cache"], capsys)  # info is the default action
    assert code == 0 and "2 entries" in out and str(cache_dir) in out.replace("\n", "")
    code, out, _ = _cli(["cache", "clear", "--json"], capsys)
    cleared = json.loads(out)
    assert (cleared["action"], cleared["removed"], cleared["entries"]) == ("clear", 2, 0)
    code, out, err = _cli(["cache", "purge"], capsys)
    assert code == 2 and not out and "purge" in err
