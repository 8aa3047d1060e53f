"""A demanding new user's bad input, end to end through the command line (in-process, through
`gigawatt.cli.main` so that the exit codes and messages are those a shell sees): every case is
exit code 2, nothing on stdout, one message on stderr naming the field or flag, the value and
what is allowed, never a traceback; nothing the user wrote is overwritten. One parametrised test
per class of failure."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
import yaml

from cli_cases import cli
from conftest import USER_SCENARIO_YAML

PERF = ["perf", "--model", "llama3-70b", "--system", "dgx-h100", "--gpus"]


def refused(capsys, *args: str) -> str:
    """The message of a refused command, after the checks every refusal must pass."""
    code, out, err = cli(capsys, *args)
    assert (code, out) == (2, ""), (code, out, err)
    assert err.startswith("error: ") and "Traceback" not in err and "internal error" not in err
    return err


def scenario(tmp_path: Path, power: str = "1.0", file: str = "s.yaml", **top: object) -> str:
    data = yaml.safe_load(USER_SCENARIO_YAML.replace("power_gw: 1.0", f"power_gw: {power}"))
    data.update(top)
    path = tmp_path / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


# --- scenario files that cannot be read --------------------------------------------------------

UNREADABLE = {
    "yaml syntax": ("s.yaml", "name: t\nstart: [2026\n", "not valid YAML (line 3"),
    "a tab": ("s.yaml", "name: t\n\tstart: 2026-01\n", "not valid YAML (line 2"),
    "toml syntax": ("s.toml", 'name = "t"\nstart = \n', "not valid TOML"),
    "empty": ("s.yaml", "", "the file is empty; expected a mapping of scenario fields"),
    "only a comment": ("s.yaml", "# nothing\n", "the file is empty; expected a mapping"),
    "a list": ("s.yaml", "- a\n- b\n", "expected a mapping of scenario fields"),
    "a scalar": ("s.yaml", "just text\n", "expected a mapping of scenario fields"),
    "empty toml": ("s.toml", "", "name: required field is missing"),
    "binary": ("s.yaml", b"\xff\xfe\x00bin", "not a text file (UTF-8 expected)"),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_a_scenario_file_that_cannot_be_read(capsys, tmp_path, case):
    name, content, says = UNREADABLE[case]
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    err = refused(capsys, "finance", str(path))
    assert says in err


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: (p / "d.yaml").mkdir(), "is a folder; allowed: a scenario file"),
        (lambda p: None, "no such file"),
    ],
    ids=["a folder", "missing"],
)
def test_a_scenario_path_that_is_no_file(capsys, tmp_path, make, says):
    make(tmp_path)
    err = refused(capsys, "finance", str(tmp_path / "d.yaml"))
    assert says in err and "d.yaml" in err


# --- scenario values: wrong type, not finite, out of range, unknown keys and ids -----------------

VALUES = {
    "zero": ("0", "power_gw: 0 is not allowed: must be > 0 and <= 50"),
    "negative": ("-1", "power_gw: -1 is not allowed: must be > 0"),
    "nan": (".nan", "power_gw: nan is not allowed: must be a finite number"),
    "inf": (".inf", "power_gw: inf is not allowed: must be a finite number"),
    "huge": ("1e30", "power_gw: 1e+30 is not allowed: must be > 0 and <= 50"),
    "text": ('"lots"', "power_gw: 'lots' is not allowed: expected a number or one distribution"),
    "boolean": ("true", "power_gw: True is not allowed: expected a number, not true/false"),
    "list": ("[1, 2]", "power_gw: [1, 2] is not allowed: expected a number or one distribution"),
    "unknown distribution": (
        "{gamma: {k: 1}}",
        "power_gw: a mapping of gamma is not allowed: expected a number or one distribution",
    ),
    # before: "a mapping of uniform is not allowed: expected ... {uniform: {low, high}}"
    "unknown distribution field": (
        "{uniform: {low: 0.5, high: 1.5, mid: 1}}",
        "power_gw.uniform.mid: unknown field; allowed: high, low",
    ),
    "misspelt distribution field": (
        "{normal: {mean: 1, sd: 0.1, lo: 0.5, high: 2}}",
        "power_gw.normal.lo: unknown field; did you mean 'low'?",
    ),
}


@pytest.mark.parametrize("case", sorted(VALUES))
def test_a_bad_number_in_a_scenario(capsys, tmp_path, case):
    power, says = VALUES[case]
    err = refused(capsys, "finance", scenario(tmp_path, power))
    assert f"sites[0].phases[0].{says}" in err


@pytest.mark.parametrize(
    ("top", "says"),
    [
        ({"name": ["x"]}, "name: ['x'] is not allowed: expected a valid string"),
        ({"name": "My Plan"}, "name: 'My Plan' is not allowed: expected lowercase letters"),
        ({"start": "2026-13"}, "start: '2026-13' is not allowed: expected a month YYYY-MM"),
        ({"end": "2200-01"}, "end: '2200-01' is not allowed: must be a month from 1990-01"),
        ({"seed": -5}, "seed: -5 is not allowed: must be >= 0"),
        ({"seed": 1.5}, "seed: 1.5 is not allowed: must be a whole number"),
        ({"colour": "red"}, "colour: unknown field; allowed: costs, deals, description, end,"),
        ({"strat": "2026-01"}, "strat: unknown field; did you mean 'start'?"),
        ({"start": "2028-01"}, "start: 2028-01 is after end (2027-12); allowed: a month up"),
    ],
    ids=["type", "pattern", "month", "horizon", "negative", "fraction", "unknown", "typo", "order"],
)
def test_a_bad_top_level_field(capsys, tmp_path, top, says):
    assert says in refused(capsys, "finance", scenario(tmp_path, **top))


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("dgx-b200", "dgx-b20", "system: unknown system 'dgx-b20'; did you mean 'dgx-b200'"),
        ("us-ercot", "us-ercott", "region: unknown region 'us-ercott'; did you mean 'us-ercot'"),
        ("us-ercot", "mars", "region: unknown region 'mars'"),
    ],
)
def test_an_unknown_id_in_a_scenario_points_to_the_catalog(capsys, tmp_path, old, new, says):
    path = Path(scenario(tmp_path))
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    err = refused(capsys, "finance", str(path))
    kind = "systems" if old.startswith("dgx") else "regions"
    assert says in err and f"(see `gigawatt catalog {kind}`)" in err


# --- command-line values -----------------------------------------------------------------------

FLAGS = [
    ([*PERF, "0"], "--gpus: 0 is not allowed: must be >= 1"),
    ([*PERF, "-5"], "--gpus: -5 is not allowed: must be >= 1"),
    ([*PERF, "1e30"], "--gpus: 1e30 is not allowed: expected a whole number like 1024"),
    ([*PERF, "1" + "0" * 30], "--gpus: 1" + "0" * 30 + " is not allowed: must be <= 100000000"),
    ([*PERF, "many"], "--gpus: 'many' is not allowed: expected a whole number like"),
    ([*PERF, "8", "--seq-len", "0"], "--seq-len: 0 is not allowed: must be >= 1"),
    ([*PERF, "8", "--precision", "fp7"], "--precision: 'fp7' is not allowed: expected 'fp16'"),
    (["reliability", "--gpus", "8", "--days", "nan"], "--days: nan is not allowed: must be a fin"),
    (["reliability", "--gpus", "8", "--days", "-1"], "--days: -1 is not allowed: must be > 0"),
    (["footprint", "--system", "h100", "--gpu-hours", "inf"], "--gpu-hours: inf is not allowed"),
    (["footprint", "--system", "h100", "--gpu-hours", "1", "--pue", "0.9"], "--pue: 0.9 is not"),
    (["energy", "--hours", "0"], "--hours: 0 is not allowed: must be >= 1"),
    (["energy", "--grid-import-mw", "nan"], "--grid-import-mw: nan is not allowed: must be a fin"),
    (["energy", "--co2-cap-t", "-1"], "--co2-cap-t: -1 is not allowed: must be >= 0"),
    (["sensitivity", "--top", "0"], "--top: 0 is not allowed: must be >= 1"),
    (
        ["sensitivity", "nvidia-openai-10gw", "--method", "tornado", "--samples", "64"],
        "--samples: applies to the Sobol indices; the tornado runs each input at its P10 and",
    ),
    (["market", "--date", "2025-13-01"], "--date: '2025-13-01' is not allowed: expected a date YY"),
    (["market", "--date", "2025-09"], "--date: '2025-09' is not allowed: expected a date YYYY-MM"),
    (["market", "--date", "1900-01-02"], "--date: '1900-01-02' is not allowed: must be a date f"),
    (["market", "--date", "2025-09-22"], "--date: an event not in the catalog needs the tickers"),
    (
        ["sweep", "nvidia-openai-10gw", "--samples", "2", "--scheduler", "tcp://127.0.0.1:99999"],
        "--scheduler: 'tcp://127.0.0.1:99999' is not allowed: port 99999 is not a TCP port",
    ),
    (
        ["sensitivity", "nvidia-openai-10gw", "--scheduler", "tcp://host:0"],
        "--scheduler: 'tcp://host:0' is not allowed: port 0 is not a TCP port; allowed: tcp://",
    ),
    (["sweep", "nvidia-openai-10gw", "--samples", "abc"], "--samples: 'abc' is not allowed"),
    (
        ["sensitivity", "nvidia-openai-10gw", "--seed", "-1"],
        "--seed: -1 is not allowed: must be >= 0",
    ),
    (
        ["sensitivity", "nvidia-openai-10gw", "--seed", "1" + "0" * 20],
        "--seed: 1" + "0" * 20 + " is not allowed: must",
    ),
    (
        [
            "train",
            "--model",
            "llama3-8b",
            "--tokens",
            "1T",
            "--system",
            "dgx-h100",
            "--gpus",
            "8",
            "--start",
            "1900-01",
        ],
        "--start: 1900-01 is not allowed: must be a month from 1990-01 to 2100-12",
    ),
]


@pytest.mark.parametrize(("args", "says"), FLAGS, ids=[" ".join(a[-2:]) for a, _ in FLAGS])
def test_a_bad_flag_value_is_named_with_its_value(capsys, args, says):
    """Before: `market --date` said Click's "does not match the formats '%Y-%m-%d'" and took
    1900-01-02; `--scheduler tcp://HOST:99999` waited out a 10 s connect timeout, exit 1;
    `sensitivity --method tornado --samples 64` ignored the Sobol base it was given."""
    err = refused(capsys, *args)
    assert says in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--system", "dgx-h101"], "--system: unknown system 'dgx-h101'; did you mean 'dgx-h100'"),
        (["--model", "nope"], "--model: unknown model 'nope'"),
        (["--framework", "nope"], "--framework: unknown framework 'nope'"),
    ],
)
def test_an_unknown_id_flag_points_to_the_catalog(capsys, args, says):
    base = {"--model": "llama3-70b", "--system": "dgx-h100", "--framework": None}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = ["perf", "--gpus", "8"] + [x for k, v in base.items() if v for x in (k, v)]
    err = refused(capsys, *argv)
    kind = {"--system": "systems", "--model": "models", "--framework": "frameworks"}[args[0]]
    assert says in err and f"`gigawatt catalog {kind}`" in err


# --- plans that cannot exist -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gpus", "plan", "says"),
    [
        ("1024", "tp=128,gbs=1024", "tp must divide the attention heads"),
        ("1024", "pp=128", "pp x vp must not exceed the layers"),
        ("1024", "tp=8,gbs=1001", "dp x mb must divide the global batch gbs"),
        ("1024", "tp=3", "tp x pp x cp = 3 must divide the accelerator count 1024"),
        ("1024", "tp=8,ep=2", "ep must divide the expert count"),
        ("8", "tp=0", "--plan tp: '0' is not allowed: must be > 0"),
        ("8", "tp=8.5", "--plan tp: '8.5' is not allowed"),
        ("8", "zero=4", "--plan zero: '4' is not allowed: must be <= 3"),
        ("8", "foo=1", "unknown key 'foo'; allowed: tp, pp,"),
        ("8", "tpp=2", "unknown key 'tpp' (did you mean 'tp' or 'pp' or 'etp'?); allowed:"),
        ("8", "tp=8,tp=4", "'tp' given twice"),
        ("8", "tp", "'tp' is not KEY=VALUE"),
    ],
)
def test_an_impossible_plan(capsys, gpus, plan, says):
    err = refused(capsys, *PERF, gpus, "--plan", plan)
    assert says in err and "--plan" in err and "plan." not in err


# --- flags that would be ignored, or contradict each other -------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([*PERF, "8", "--plan", "tp=8", "--allow-overflow"], "--allow-overflow: applies to a sea"),
        (["energy", "--hours", "24"], "--hours: applies to a site's least-cost supply: give --su"),
        (["energy", "--co2-cap-t", "5"], "--co2-cap-t: applies to a site's least-cost supply"),
        (["energy", "--job-accelerators", "8"], "--job-accelerators: applies to a site's power"),
        (["market", "--window", "-1,1"], "--window: applies to an event study: give --prices"),
        (["reliability", "--gpus", "8", "--days", "1", "--seed", "3"], "--seed: applies to the"),
        (["market", "--model", "constant-mean"], "--model: applies to an event study"),
        (["market", "--ticker", "NVDA"], "--ticker: applies to an event study: give --prices"),
        (
            [
                "footprint",
                "--system",
                "h100",
                "--gpu-hours",
                "1",
                "--region",
                "fr",
                "--grid-gco2-per-kwh",
                "50",
            ],
            "--region and --grid-gco2-per-kwh are alternatives",
        ),
        (
            [
                "sweep",
                "nvidia-openai-10gw",
                "--samples",
                "2",
                "--workers",
                "2",
                "--scheduler",
                "tcp://127.0.0.1:1",
            ],
            "--workers is for local sweeps",
        ),
    ],
    ids=[
        *("overflow", "hours", "co2", "job", "window", "seed", "model", "ticker"),
        *("region", "workers"),
    ],
)
def test_flags_that_would_be_ignored_are_refused(capsys, args, says):
    assert says in refused(capsys, *args)


# --- outputs: never over the user's files, a clear refusal where nothing can be written ---------


def test_a_report_never_replaces_a_file_gigawatt_did_not_write(capsys, tmp_path):
    mine = tmp_path / "mine.html"
    mine.write_text("<p>my notes</p>\n", encoding="utf-8")
    src = scenario(tmp_path)
    for args in (
        ["report", src, "--out", str(mine)],
        ["compare", src, "nvidia-openai-10gw", "--out", str(mine)],
        ["report", src, "--compare", "nvidia-openai-10gw", "--out", str(mine)],
    ):
        err = refused(capsys, *args)
        assert f"--out: {str(mine)!r} exists and gigawatt did not write it; allowed:" in err
    assert mine.read_text(encoding="utf-8") == "<p>my notes</p>\n"
    ours = tmp_path / "ours.html"
    for _ in range(2):  # a report gigawatt wrote is replaced by the next one
        code, _, err = cli(capsys, "report", src, "--out", str(ours), "--no-sensitivity")
        assert code == 0, err


def _unwritable(tmp_path: Path) -> list[Path]:
    """Folders no file can be made in: a path under /proc (no new entries there, even for
    root) and, when not root, a folder without write permission."""
    places = [Path("/proc/gigawatt-test")] if Path("/proc/self").exists() else []
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        places.append(locked / "sub")
    return places


@pytest.mark.parametrize(
    ("flag", "args", "name"),
    [
        ("--out", ["run", "SCENARIO", "--no-sensitivity"], "o"),
        ("--out", ["report", "SCENARIO", "--no-sensitivity"], "r.html"),
        ("--out", ["compare", "SCENARIO", "SCENARIO"], "c.html"),
        ("--png", ["report", "SCENARIO", "--no-sensitivity", "--out", "TMP/r.html"], "png"),
        ("--store", ["sweep", "SCENARIO", "--samples", "2"], "s.duckdb"),
    ],
)
def test_an_output_location_that_cannot_be_written(capsys, tmp_path, flag, args, name):
    places = _unwritable(tmp_path)
    if not places:
        pytest.skip("no unwritable place on this system")
    src = scenario(tmp_path)
    argv = [a.replace("SCENARIO", src).replace("TMP", str(tmp_path)) for a in args]
    for place in places:
        err = refused(capsys, *argv, flag, str(place / name))
        assert f"error: {flag}: {str(place / name)!r} cannot be written (" in err
        assert "allowed: a path in a folder you can write to" in err and ".tmp" not in err


@pytest.mark.parametrize(
    ("flag", "args"),
    [
        ("--out", ["run", "SCENARIO", "--no-sensitivity"]),
        ("--out", ["report", "SCENARIO", "--no-sensitivity"]),
        ("--store", ["sweep", "SCENARIO", "--samples", "2"]),
    ],
)
def test_an_output_under_a_file(capsys, tmp_path, flag, args):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n", encoding="utf-8")
    src = scenario(tmp_path)
    err = refused(capsys, *[a.replace("SCENARIO", src) for a in args], flag, f"{notes}/x.html")
    assert f"{str(notes)!r} is a file; allowed: a folder" in err
    assert notes.read_text(encoding="utf-8") == "mine\n"


def test_unicode_paths_work(capsys, tmp_path):
    src = scenario(tmp_path / "dossier é", file="scé nario ☃.yaml")
    out = tmp_path / "sortie ☃"
    code, stdout, err = cli(capsys, "run", src, "--out", str(out), "--no-sensitivity", "--json")
    assert code == 0, err
    assert json.loads(stdout)["scenario"] == "t"
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "report.html",
        "results.parquet",
        "summary.json",
    ]


# --- model, system and catalog files ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "flag", "says"),
    [
        ("", "--model", "holds no record (empty); allowed: a mapping of the record's fields"),
        ("just text\n", "--system", "holds no record (str); allowed: a mapping"),
        ("- {a: 1}\n- {b: 2}\n", "--model", "holds 2 records; allowed: a single record"),
    ],
)
def test_a_record_file_that_holds_no_record(capsys, tmp_path, content, flag, says):
    path = tmp_path / "r.yaml"
    path.write_text(content, encoding="utf-8")
    args = {"--model": "llama3-8b", "--system": "dgx-h100", flag: str(path)}
    err = refused(capsys, "perf", "--gpus", "8", *[x for kv in args.items() for x in kv])
    assert f"{flag}: {str(path)!r} {says}" in err


def test_an_empty_catalog_folder(capsys, tmp_path):
    err = refused(capsys, "--catalog", str(tmp_path), "catalog", "accelerators")
    assert f"--catalog: {str(tmp_path)!r} holds no catalog file; allowed:" in err


# --- paths no file system takes ------------------------------------------------------------------

LONG = "x" * 300  # a name over the 255 bytes of ext4, XFS, Btrfs, APFS, NTFS


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["finance", f"{LONG}.yaml"], "SCENARIO"),
        (["show", f"{LONG}.yaml"], "NAME"),
        (["perf", "--system", "dgx-h100", "--gpus", "8", "--model", f"{LONG}.yaml"], "--model"),
        (["run", "SCENARIO", "--out", LONG], "--out"),
        (["report", "SCENARIO", "--out", f"{LONG}.html"], "--out"),
        (["report", "SCENARIO", "--png", LONG], "--png"),
        (["sweep", "SCENARIO", "--samples", "2", "--store", f"{LONG}.duckdb"], "--store"),
        (["market", "--prices", f"{LONG}.csv"], "--prices"),
        (["--catalog", LONG, "catalog"], "--catalog"),
    ],
    ids=lambda v: v if isinstance(v, str) else " ".join(a[:12] for a in v[:2]),
)
def test_a_name_too_long_for_the_file_system(capsys, tmp_path, monkeypatch, args, field):
    monkeypatch.chdir(tmp_path)
    src = scenario(tmp_path)
    err = refused(capsys, *[a.replace("SCENARIO", src) for a in args])
    assert err.startswith(f"error: {field}: '") and "xxxx" in err and "is not allowed: " in err
    assert "allowed: names of at most 255 bytes between slashes" in err


@pytest.mark.parametrize(
    ("flag", "args", "name"),
    [
        ("--out", ["run", "SCENARIO", "--no-sensitivity"], "x"),
        ("--out", ["report", "SCENARIO", "--no-sensitivity"], "x.html"),
        ("--store", ["sweep", "SCENARIO", "--samples", "2"], "x.duckdb"),
    ],
)
def test_a_loop_of_symbolic_links(capsys, tmp_path, flag, args, name):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    src = scenario(tmp_path)
    err = refused(
        capsys, *[a.replace("SCENARIO", src) for a in args], flag, str(tmp_path / "a" / name)
    )
    assert f"error: {flag}: " in err and "loop of symbolic links" in err


@pytest.mark.parametrize("store", [".", "/", ".."])  # "": test_an_empty_value_is_not_the_default
def test_a_store_that_names_no_file(capsys, tmp_path, store):
    err = refused(capsys, "sweep", scenario(tmp_path), "--samples", "2", "--store", store)
    assert "is not allowed: a folder, not a file; allowed: a file name like sweeps.duckdb" in err


def test_a_yaml_alias_bomb_is_refused_quickly_in_one_bounded_message(capsys, tmp_path):
    """Nine levels of ten aliases: a billion strings if spelled out (what a plain repr of the
    refused value did: minutes and gigabytes)."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join([*lines, "name: *a8"]) + "\n", encoding="utf-8")
    err = refused(capsys, "finance", str(path))
    assert "name: [[[[...]" in err and "is not allowed: expected a valid string" in err
    assert len(err) < 2000


# --- price files ----------------------------------------------------------------------------

PRICES = Path(__file__).parents[1] / "data" / "prices-synthetic.csv"


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda rows: rows[:1], "p.csv: no rows of prices; allowed: a header line, then one row"),
        (
            lambda rows: [r.replace("2025-09-23,6145.1674,158.1235", "2025-09-23,6145.1674,inf")
                          for r in rows],
            "p.csv: NVDA on 2025-09-23: 'inf' is not a price; allowed: a positive number",
        ),
        (
            lambda rows: [r.replace("2025-09-23,6145.1674,158.1235", "2025-09-23,6145.1674,-5")
                          for r in rows],
            "p.csv: NVDA has a non-positive price -5 on 2025-09-23; allowed: prices > 0",
        ),
        (lambda rows: [*rows, rows[-1]], "p.csv: ^GSPC has two prices on 2025-10-06"),
    ],
    ids=["header only", "inf", "negative", "a day twice"],
)  # fmt: skip
def test_a_bad_price_file(capsys, tmp_path, edit, says):
    """Before, a header-only file was an internal IndexError and an `inf` price gave a NaN
    abnormal return with exit 0."""
    rows = PRICES.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "p.csv"
    path.write_text("\n".join(edit(rows)) + "\n", encoding="utf-8")
    err = refused(capsys, "market", "--prices", str(path), "--event", "nvidia-openai-2025-09-22")
    assert f"error: --prices: {says}" in err


# --- a --scheduler that is no Dask scheduler ----------------------------------------------


@pytest.fixture
def not_dask(monkeypatch):
    """A local TCP server that takes connections and then says `reply` (None: nothing)."""
    import socket
    import threading

    from gigawatt.sweep import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 0.5)
    servers = []

    def start(reply: bytes | None) -> str:
        server = socket.create_server(("127.0.0.1", 0))
        servers.append(server)

        def serve() -> None:
            with contextlib.suppress(OSError):
                conn, _ = server.accept()
                with conn:
                    if reply is not None:
                        conn.sendall(reply)
                        conn.shutdown(socket.SHUT_WR)
                    conn.recv(1 << 16)  # until the client gives up

        threading.Thread(target=serve, daemon=True).start()
        return f"tcp://127.0.0.1:{server.getsockname()[1]}"

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize(
    ("reply", "code", "says"),
    [
        (None, 1, "takes connections but says nothing (a scheduler's dashboard, port 8787"),
        (b"HTTP/1.1 400 Bad Request\r\n\r\n", 2, "is not a Dask scheduler (it answered 'HTTP/1.1"),
        (b"", 2, "is not a Dask scheduler (it answered 'nothing'"),
    ],
    ids=["silent", "http", "closes"],
)
def test_a_scheduler_address_that_is_no_scheduler(
    capsys, tmp_path, monkeypatch, not_dask, reply, code, says
):
    """Before: a silent port hung the sweep for good (distributed waits for the handshake with
    no time limit); a web server's answer was an internal MemoryError (exabytes)."""
    if reply is not None:  # answers arrive when the server thread runs: no 0.5 s race on a
        from gigawatt.sweep import executors  # loaded machine (only silence waits it out)

        monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 30)
    address = not_dask(reply)
    src = scenario(tmp_path, "{uniform: {low: 0.5, high: 1.5}}")
    got, out, err = cli(
        capsys, "sweep", src, "--samples", "2", "--store", str(tmp_path / "s.duckdb"),
        "--scheduler", address,
    )  # fmt: skip
    assert (got, out) == (code, "") and says in err and "Traceback" not in err
    if code == 2:
        assert err.startswith(f"error: --scheduler: '{address}' is not a Dask scheduler")


# --- an empty value (an unset shell variable) is not the default --------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([*PERF, "8", "--plan", "tp=8", "--framework", ""], "--framework: '' is not allowed: ex"),
        ([*PERF, "8", "--plan", " "], "--plan: ' ' is not allowed: expected a value (leave --pl"),
        (["perf", "--model", "", "--system", "h100", "--gpus", "8"], "--model: '' is not allo"),
        (["footprint", "--system", "h100", "--gpu-hours", "1", "--region", ""], "--region: ''"),
        (["reliability", "--gpus", "8", "--days", "1", "--policy", ""], "--policy: '' is not"),
        (["finance", ""], "SCENARIO: '' is not allowed: expected a value (leave SCENARIO out"),
        (["run", "--out", ""], "--out: '' is not allowed: expected a path (leave --out out"),
        (["report", "--png="], "--png: '' is not allowed: expected a path"),
        (["sweep", "x.yaml", "--samples", "1", "--store", " "], "--store: ' ' is not allowed"),
        (["--catalog", "", "catalog"], "--catalog: '' is not allowed: expected a path (leave"),
        (["market", "--prices="], "--prices: '' is not allowed: expected a path"),
        (["show", ""], "NAME: '' is not allowed: expected a scenario file, or a built-in name"),
        (["compare", "nvidia-openai-10gw", ""], "SCENARIOS: '' is not allowed: expected a sc"),
        (["report", "--compare", ""], "--compare: '' is not allowed: expected a scenario file"),
        (["catalog", ""], "KIND: '' is not allowed: expected a kind, one of: accelerators,"),
        (["catalog", "systems", " "], "ID: ' ' is not allowed: expected a record id or alias"),
    ],
    ids=[
        *("framework", "plan", "model", "region", "policy", "scenario", "out", "png", "store"),
        *("catalog folder", "prices", "show", "compare", "report compare", "kind", "id"),
    ],
)
def test_an_empty_value_is_not_the_default(capsys, args, says):
    """Before, `--region ""` (say `--region "$REGION"` with REGION unset) silently used the
    default region, `--framework ""` the default framework, `--plan ""` the default plan, and
    `run --out ""` wrote into the current folder (an empty path reads as `.`); `--catalog ""`
    read the current folder as a catalog folder, `catalog ""` listed every kind, and an empty
    scenario name was called "a folder"."""
    assert says in refused(capsys, *args)


def test_every_problem_of_a_scenario_is_an_error_line(capsys, tmp_path):
    """A file with several problems: one line per problem, each marked `error: ` (not only the
    first), each naming its field; exit 2."""
    path = scenario(tmp_path, "-1", start="2026-13", deals=["no-such-deal"])
    err = refused(capsys, "run", path, "--out", str(tmp_path / "out"))
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert all(line.startswith("error: ") for line in lines), err
    for field in ("start: ", "sites[0].phases[0].power_gw: ", "deals[0]: "):
        assert sum(line.startswith(f"error: {field}") for line in lines) == 1, (field, err)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["report", "nvidia-openai-10gw", "--compare", "nope"], ["--compare: unknown scenario"]),
        (["report", "nope", "--compare", "nope2"],
         ["SCENARIO: unknown scenario 'nope'", "--compare: unknown scenario 'nope2'"]),
        (["compare", "nvidia-openai-10gw", "nope"], ["SCENARIOS: unknown scenario 'nope'"]),
    ],
    ids=["report compare", "both", "compare"],
)  # fmt: skip
def test_an_unknown_scenario_is_named_by_the_argument_it_came_from(capsys, args, says):
    """Before, `report A --compare nope` blamed SCENARIO (A was fine) and `compare A nope`
    named a field `scenario` that the command line has not."""
    lines = refused(capsys, *args).splitlines()
    assert len(lines) == len(says)
    for line, said in zip(lines, says, strict=True):
        assert line.startswith(f"error: {said}")


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("ZZZ={PRICES}", "ZZZ=prices-synthetic.csv: the file holds the tickers ^GSPC, NVDA, AMD, "
         "not ZZZ alone; allowed: TICKER=FILE for a one-ticker (Yahoo-style) file, and a "
         "wide or long table given as FILE alone"),
        ("NVDA=", "'NVDA=' is not allowed: expected TICKER=FILE, a file after the '='"),
    ],
    ids=["a wide file named as one ticker", "no file after ="],
)  # fmt: skip
def test_a_ticker_file_spec_that_names_no_one_ticker_file(capsys, spec, says):
    """Before: `ZZZ=prices.csv` dropped the name ZZZ and read the file's three tickers, exit 0;
    `NVDA=` (an unset variable after it) said `'.' is not a file`."""
    err = refused(capsys, "market", "--prices", spec.format(PRICES=PRICES), "--event",
                  "nvidia-openai-2025-09-22")  # fmt: skip
    assert err == f"error: --prices: {says}\n"


def test_a_one_column_file_takes_the_ticker_it_is_given_as(capsys, tmp_path):
    rows = PRICES.read_text(encoding="utf-8").splitlines()
    one = tmp_path / "amd.csv"  # Date,Close: one column, named by the TICKER= before it
    cells = [r.split(",") for r in rows[1:]]
    one.write_text("\n".join(["Date,Close", *(f"{c[0]},{c[-1]}" for c in cells)]) + "\n")
    wide = tmp_path / "two.csv"
    wide.write_text("\n".join(r.rsplit(",", 1)[0] for r in rows), encoding="utf-8")
    args = ["--prices", str(wide), "--prices", f"AMD={one}", "--ticker", "AMD", "--json"]
    code, out, err = cli(capsys, "market", "--event", "nvidia-openai-2025-09-22", *args)
    assert code == 0, err
    study = json.loads(out)["events"][0]["study"]
    assert [t["ticker"] for t in study["tickers"]] == ["AMD"]
