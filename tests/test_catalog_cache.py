"""The parsed catalog in the persistent cache (gigawatt.catalog, gigawatt.cache): read back equal
to a fresh parse, never when a file, the package's code or version changed, one entry however
many processes fill it at once, and listed and cleared by `gigawatt cache`."""

from __future__ import annotations

import importlib.metadata
import json
import multiprocessing
import shutil
from pathlib import Path

import pytest

from conftest import TOY_CATALOG
from gigawatt import cache
from gigawatt import catalog as catalog_module
from gigawatt.catalog import CACHE_NAMESPACE, Catalog


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_VAR, str(folder))
    return folder


def _load(extra: tuple[str, ...] = ()) -> Catalog:
    """A load as a new process does it (this process's memo bypassed)."""
    return catalog_module._load_cached.__wrapped__(extra)


def _no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(extra):
        raise AssertionError("parsed again")

    monkeypatch.setattr(catalog_module, "_parse_catalog", fail)


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Count the parses from here on."""
    calls: list[tuple[str, ...]] = []
    real = catalog_module._parse_catalog

    def counted(extra):
        calls.append(extra)
        return real(extra)

    monkeypatch.setattr(catalog_module, "_parse_catalog", counted)
    return calls


def test_read_back_equal_to_a_parse(cache_dir: Path, monkeypatch) -> None:
    parsed = _load()
    assert cache.info().namespaces == {CACHE_NAMESPACE: 1}
    _no_parse(monkeypatch)
    again = _load()
    assert again == parsed
    for kind in parsed.records:  # the same order too (tables list records in it)
        assert list(again.records[kind]) == list(parsed.records[kind])
    assert again.get("accelerators", "h100") == parsed.get("accelerators", "h100")


def test_an_edited_file_is_parsed_again(cache_dir: Path, tmp_path: Path, monkeypatch) -> None:
    extra = tmp_path / "extra"
    shutil.copytree(TOY_CATALOG, extra)
    assert _load((str(extra),)).has("accelerators", "toy-chip")
    parses = _parses(monkeypatch)
    _load((str(extra),))
    assert parses == []
    path = extra / "systems.yaml"
    # (on a shipped accelerator, so that the system still names one without the toy chip's file)
    text = path.read_text(encoding="utf-8").replace("accelerator: toy-chip", "accelerator: h100")
    path.write_text(text + "\n# a comment\n", encoding="utf-8")
    _load((str(extra),))
    assert parses == [(str(extra),)]
    (extra / "accelerators.yaml").unlink()  # a file fewer: another catalog
    assert _load((str(extra),)).has("accelerators", "toy-chip") is False
    assert len(parses) == 2
    assert cache.info().namespaces == {CACHE_NAMESPACE: 3}  # one entry per catalog


def test_another_version_or_code_is_parsed_again(cache_dir: Path, monkeypatch) -> None:
    _load()
    parses = _parses(monkeypatch)
    real_version = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata,
        "version",
        lambda name: "99.0" if name == "gigawatt" else real_version(name),
    )
    _load()
    assert len(parses) == 1
    monkeypatch.setattr(cache, "source_digest", lambda: "edited code")
    _load()
    assert len(parses) == 2
    assert cache.info().namespaces == {CACHE_NAMESPACE: 3}


def test_a_damaged_entry_is_parsed_again(cache_dir: Path, monkeypatch) -> None:
    import sqlite3

    parsed = _load()
    with sqlite3.connect(cache.cache_path()) as conn:
        conn.execute("UPDATE entries SET value = ?", (b"\x80\x05garbage",))
    parses = _parses(monkeypatch)
    assert _load() == parsed
    assert len(parses) == 1


def _load_in_process(folder: str) -> str:
    import os

    os.environ[cache.ENV_VAR] = folder
    from gigawatt.catalog import Catalog
    from gigawatt.sweep import catalog_sha256

    return catalog_sha256(Catalog.load())


def test_concurrent_loads_agree_and_store_one_entry(cache_dir: Path) -> None:
    """Four processes load the catalog at once into an empty cache: each gets the same
    catalog, and the cache ends with one entry, which a fifth reads back."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        digests = pool.map(_load_in_process, [str(cache_dir)] * 4)
    assert cache.info().namespaces == {CACHE_NAMESPACE: 1}
    with ctx.Pool(1) as pool:
        digests += pool.map(_load_in_process, [str(cache_dir)])
    assert len(set(digests)) == 1


def test_cache_info_lists_and_clear_empties_it(cache_dir: Path, capsys) -> None:
    from gigawatt.cli import main

    _load()
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["cache", "info", "--json"])
    assert json.loads(capsys.readouterr().out)["namespaces"] == {CACHE_NAMESPACE: 1}
    with pytest.raises(SystemExit):
        main(["cache", "clear", "--json"])
    assert json.loads(capsys.readouterr().out)["removed"] == 1
    assert cache.info().entries == 0


def test_another_yaml_parser_is_parsed_again(cache_dir: Path, monkeypatch) -> None:
    """PyYAML's version (and libyaml's, when it parses) is in the key: another parser may read
    the same files differently."""
    import yaml

    _load()
    parses = _parses(monkeypatch)
    _load()
    assert parses == []
    monkeypatch.setattr(yaml, "__version__", "0.0-other")
    _load()
    assert len(parses) == 1
    assert cache.info().namespaces == {CACHE_NAMESPACE: 2}


def test_the_manifest_digest_memo_is_bounded_and_still_memoises(monkeypatch) -> None:
    """`gigawatt.app` keeps the catalog digests of the last few catalogs only (it held every
    catalog's records alive before); a catalog, and a recording view sharing its records, is
    still hashed once while it is kept."""
    from gigawatt import app, sweep

    monkeypatch.setattr(app, "_CATALOG_DIGESTS", type(app._CATALOG_DIGESTS)())
    hashed: list[int] = []

    def digest(catalog: Catalog) -> str:
        hashed.append(id(catalog.records))
        return f"digest-{len(hashed)}"

    monkeypatch.setattr(sweep, "catalog_sha256", digest)
    base = Catalog.load()
    first = app._catalog_sha256(base)
    assert app._catalog_sha256(base) == first
    assert app._catalog_sha256(base.recording()) == first
    assert len(hashed) == 1
    others = [Catalog(records=dict(base.records)) for _ in range(3 * app._CATALOG_DIGESTS_KEPT)]
    for other in others:
        app._catalog_sha256(other)
    assert len(app._CATALOG_DIGESTS) <= app._CATALOG_DIGESTS_KEPT
    assert app._catalog_sha256(others[-1]) == f"digest-{len(hashed)}"  # the latest is kept
    assert len(hashed) == 1 + len(others)
