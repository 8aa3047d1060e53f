"""Output sets (issue 13): `run --out` replaces its files as one set, under a lock, never over
what gigawatt did not write; a kill at any moment leaves the previous set or the new one."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from gigawatt.errors import GigawattError, InputError
from gigawatt.io import MANIFEST, output_set, read_manifest, sha256_file, write_text

NAMES = ["a.txt", "b.txt", "c.txt"]


def write_set(target: Path, tag: str) -> None:
    with output_set(target, NAMES, {"tag": tag}) as tmp:
        for name in NAMES:
            (tmp / name).write_text(tag * 1000, encoding="utf-8")


def assert_complete(target: Path) -> str:
    """The folder holds one whole set: every file matches the manifest, all from one write."""
    manifest = read_manifest(target)
    assert manifest is not None, sorted(os.listdir(target))
    for entry in manifest["files"]:
        assert sha256_file(target / entry["name"]) == entry["sha256"], entry["name"]
    tags = {(target / n).read_text(encoding="utf-8")[: len(manifest["tag"])] for n in NAMES}
    assert tags == {manifest["tag"]}
    return manifest["tag"]


def test_a_set_replaces_the_previous_one_whole(tmp_path):
    target = tmp_path / "out"
    write_set(target, "one")
    write_set(target, "two")
    assert assert_complete(target) == "two"
    assert sorted(os.listdir(target)) == [*NAMES, MANIFEST]
    # nothing left beside it but the lock file
    assert sorted(os.listdir(tmp_path)) == [".out.lock", "out"]


def test_other_files_in_the_folder_are_kept(tmp_path):
    target = tmp_path / "out"
    write_set(target, "one")
    (target / "sweeps.duckdb").write_bytes(b"a store")
    (target / "png").mkdir()
    (target / "png" / "chart.png").write_bytes(b"png")
    write_set(target, "two")
    assert (target / "sweeps.duckdb").read_bytes() == b"a store"
    assert (target / "png" / "chart.png").read_bytes() == b"png"


def test_a_failed_write_leaves_the_previous_set(tmp_path):
    target = tmp_path / "out"
    write_set(target, "one")
    with pytest.raises(RuntimeError), output_set(target, NAMES, {"tag": "two"}) as tmp:
        (tmp / "a.txt").write_text("two", encoding="utf-8")
        raise RuntimeError("disk full")
    assert assert_complete(target) == "one"
    with pytest.raises(GigawattError, match="incomplete"), output_set(target, NAMES, {}) as tmp:
        (tmp / "a.txt").write_text("two", encoding="utf-8")
    assert assert_complete(target) == "one"
    assert sorted(os.listdir(tmp_path)) == [".out.lock", "out"]


def test_a_folder_of_gigawatt_files_without_a_manifest_is_adopted(tmp_path):
    """`gigawatt sweep`, `report` and `report --compare` write into `gigawatt-out` by default
    too."""
    target = tmp_path / "out"
    target.mkdir()
    (target / "sweeps.duckdb").write_bytes(b"a store")
    (target / "report-x.html").write_text("a report", encoding="utf-8")
    (target / "compare-x-y.html").write_text("side by side", encoding="utf-8")
    write_set(target, "one")
    assert assert_complete(target) == "one"
    assert (target / "sweeps.duckdb").read_bytes() == b"a store"
    assert (target / "report-x.html").read_text(encoding="utf-8") == "a report"
    assert (target / "compare-x-y.html").read_text(encoding="utf-8") == "side by side"


@pytest.mark.parametrize("name", ["b.txt", MANIFEST, "notes.txt"])
def test_a_folder_we_did_not_write_is_refused_and_untouched(tmp_path, name):
    target = tmp_path / "out"
    target.mkdir()
    (target / name).write_text("the user's", encoding="utf-8")
    with pytest.raises(InputError, match="did not write") as exc:
        write_set(target, "one")
    assert exc.value.field == "out" and "\n" not in str(exc.value)
    assert os.listdir(target) == [name]
    assert (target / name).read_text(encoding="utf-8") == "the user's"


def test_a_file_in_place_of_the_folder_is_refused(tmp_path):
    (tmp_path / "out").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is a file"):
        write_set(tmp_path / "out", "one")


def test_a_second_writer_is_refused(tmp_path):
    target = tmp_path / "out"
    with output_set(target, NAMES, {"tag": "one"}) as tmp:
        with pytest.raises(InputError, match="another gigawatt process"):
            write_set(target, "two")
        for name in NAMES:
            (tmp / name).write_text("one", encoding="utf-8")
    assert assert_complete(target) == "one"


def test_leftovers_of_killed_runs_are_cleaned(tmp_path):
    target = tmp_path / "out"
    write_set(target, "one")
    (tmp_path / ".out.tmp-99999999-dead").mkdir()
    (tmp_path / ".out.tmp-99999999-dead" / "a.txt").write_text("half", encoding="utf-8")
    write_set(target, "two")
    assert sorted(os.listdir(tmp_path)) == [".out.lock", "out"]


def test_a_set_left_aside_by_a_killed_swap_is_put_back(tmp_path):
    """Where folders cannot be exchanged in one step, a kill between the two renames leaves
    the previous set aside; the next writer puts it back before anything else."""
    target = tmp_path / "out"
    write_set(target, "one")
    target.rename(tmp_path / ".out.old-99999999-dead")
    with pytest.raises(RuntimeError), output_set(target, NAMES, {}):
        raise RuntimeError("stop before the swap")
    assert assert_complete(target) == "one"


def test_stale_single_file_temporaries_are_cleaned(tmp_path):
    stale = tmp_path / ".report.html.99999999.abc.tmp"
    stale.write_text("half", encoding="utf-8")
    mine = tmp_path / f".report.html.{os.getpid()}.abc.tmp"  # a live process's: kept
    mine.write_text("being written", encoding="utf-8")
    write_text(tmp_path / "report.html", "whole")
    assert sorted(os.listdir(tmp_path)) == [mine.name, "report.html"]


def test_a_store_creation_killed_midway_is_cleaned(tmp_path):
    from gigawatt.sweep import SweepStore

    stale = tmp_path / ".s.duckdb.99999999.xyz"
    stale.mkdir()
    (stale / "s.duckdb").write_bytes(b"half")
    SweepStore(tmp_path / "s.duckdb").close()
    assert sorted(os.listdir(tmp_path)) == ["s.duckdb"]


#: Forks writers that replace the set in a loop, so each kill costs no interpreter start-up.
#: For each delay read, it forks a writer, kills it with SIGKILL after the delay, reaps it and
#: reports how it ended: the zygote is its only parent, so the pid it kills is always the
#: writer's, and a writer that stopped by itself (refused, failed) is told apart from a kill.
ZYGOTE = textwrap.dedent(
    """
    import os, signal, sys, time, traceback
    from pathlib import Path
    from gigawatt.io import output_set, write_bytes
    target = Path(sys.argv[1])
    names = ["a.txt", "b.txt", "c.txt"]
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            try:
                i = 0
                while True:
                    i += 1
                    tag = f"{os.getpid()}-{i}:"
                    with output_set(target, names, {"tag": tag}) as tmp:
                        for name in names:
                            write_bytes(tmp / name, (tag * 20000).encode())
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(1)
        time.sleep(float(line))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            print("killed", os.WTERMSIG(status), flush=True)
        else:
            print("exited", os.WEXITSTATUS(status), flush=True)
    """
)


def assert_lock_free(lock_path: Path) -> None:
    """Nothing holds the output lock: a killed writer's lock went with it (the kernel releases
    a `flock` when the last descriptor of it closes; a child process the writer had started
    would keep it held)."""
    import fcntl

    with open(lock_path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if still held
        fcntl.flock(f, fcntl.LOCK_UN)


def test_kill_at_any_moment_leaves_one_complete_set(tmp_path):
    target = tmp_path / "out"
    write_set(target, "first:")
    proc = subprocess.Popen(
        [sys.executable, "-c", ZYGOTE, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    rng = random.Random(13)
    tags = set()
    try:
        # 15 kills at least; on a loaded machine a writer may finish no set before its kill,
        # so go on (up to 60) until some sets were swapped in.
        for kill in range(60):
            if kill >= 15 and len(tags) > 1:
                break
            proc.stdin.write(f"{rng.uniform(0.0, 0.3)}\n")  # the kill's moment
            proc.stdin.flush()
            # reaped, and killed while writing (not refused or failed before the kill)
            assert proc.stdout.readline().strip() == f"killed {int(signal.SIGKILL)}"
            assert_lock_free(tmp_path / ".out.lock")
            tags.add(assert_complete(target))
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
        proc.stdout.close()
    assert len(tags) > 1  # the kills landed after some sets were swapped in
    write_set(target, "last:")  # and the next run cleans what the kills left
    assert sorted(os.listdir(tmp_path)) == [".out.lock", "out"]


def test_swapping_a_set_starts_no_process(tmp_path, monkeypatch):
    """A process started under the lock holds a copy of it until it execs: killed then, a
    writer would leave its lock held after its death. (`ctypes.util.find_library` ran
    `ldconfig -p` at every swap, and a kill under load left the lock held.)"""
    write_set(tmp_path / "out", "one:")

    started = []

    def refuse(*args: object, **kwargs: object) -> None:
        started.append(args[1:2] or args)  # recorded: the code under test may catch the error
        raise AssertionError("a process was started under the output lock")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(os, "fork", refuse)
    monkeypatch.setattr(os, "posix_spawn", refuse)
    write_set(tmp_path / "out", "two:")
    assert started == []
    assert assert_complete(tmp_path / "out") == "two:"


def _hold_lock(lock_path: Path, holder: str):
    """Hold the output lock from another open file (as another process would), with `holder`
    written in it as the holder's pid."""
    import fcntl

    held = open(lock_path, "w")  # noqa: SIM115 - closed by the caller
    held.write(holder)
    held.flush()
    fcntl.flock(held, fcntl.LOCK_EX)
    return held


def test_a_lock_whose_holder_died_is_waited_for_not_refused(tmp_path, monkeypatch):
    """The holder written in the lock file no longer runs but the lock is still held (a
    process it was starting still has it, for a moment): the writer waits for the kernel to
    release it, then writes. The release comes at the writer's first wait, not after a time."""
    import gigawatt.io as gio

    held = _hold_lock(tmp_path / ".out.lock", "99999999")
    waits = []

    def release(seconds: float) -> None:
        waits.append(seconds)
        held.close()  # the last copy of the dead holder's lock goes

    monkeypatch.setattr(gio.time, "sleep", release)
    write_set(tmp_path / "out", "one:")
    assert len(waits) == 1 and assert_complete(tmp_path / "out") == "one:"
    assert (tmp_path / ".out.lock").read_text(encoding="utf-8") == f"{os.getpid()}\n"


def test_a_lock_whose_holder_died_but_stays_held_is_refused_in_the_end(tmp_path, monkeypatch):
    import gigawatt.io as gio

    clock = [0.0]

    def advance(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr(gio.time, "sleep", advance)
    monkeypatch.setattr(gio.time, "monotonic", lambda: clock[0])
    held = _hold_lock(tmp_path / ".out.lock", "99999999")
    with held, pytest.raises(InputError, match="another gigawatt process"):
        write_set(tmp_path / "out", "one:")
    assert gio.DEAD_HOLDER_WAIT_S <= clock[0] < gio.DEAD_HOLDER_WAIT_S + 1.0
    assert not (tmp_path / "out").exists()


def test_a_lock_whose_holder_runs_is_refused_at_once(tmp_path, monkeypatch):
    import gigawatt.io as gio

    def no_wait(seconds: float) -> None:
        raise AssertionError("waited for a lock whose holder runs")

    monkeypatch.setattr(gio.time, "sleep", no_wait)
    held = _hold_lock(tmp_path / ".out.lock", str(os.getppid()))
    with held, pytest.raises(InputError, match="another gigawatt process"):
        write_set(tmp_path / "out", "one:")


def _run(capsys, out: Path) -> tuple[int, str, str]:
    from gigawatt.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["run", "--out", str(out), "--json"])
    got, err = capsys.readouterr()
    return exc.value.code, got, err


def test_run_into_a_folder_being_written_is_refused_at_once(capsys, tmp_path):
    import fcntl

    out = tmp_path / "o"
    with open(tmp_path / ".o.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another run writing `o`
        code, got, err = _run(capsys, out)
    assert code == 2 and got == "" and err.count("\n") == 1
    assert err.startswith("error: --out: ") and "another gigawatt process" in err
    assert not out.exists()


def test_run_into_a_users_folder_is_refused_and_untouched(capsys, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "summary.json").write_text("mine", encoding="utf-8")
    code, got, err = _run(capsys, out)
    assert code == 2 and got == "" and err.count("\n") == 1 and "did not write" in err
    assert os.listdir(out) == ["summary.json"]
    assert sorted(os.listdir(tmp_path)) == ["o"]


def _assert_whole_run_set(out: Path) -> None:
    manifest = read_manifest(out)
    assert manifest is not None, sorted(os.listdir(out))
    names = sorted(entry["name"] for entry in manifest["files"])
    assert names == ["report.html", "results.parquet", "summary.json"]
    for entry in manifest["files"]:
        assert sha256_file(out / entry["name"]) == entry["sha256"], entry["name"]


def _children_cpu_s() -> float:
    """The CPU time [s] (user + system) of this process's children that have ended."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_s(pid: int) -> float:
    """The CPU time the process has used [s] (user + system, /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_kill_9_of_the_real_run_leaves_one_complete_set(tmp_path):
    """The whole `gigawatt run --out` killed with SIGKILL at moments spread over a run (most
    late, where it writes): the folder always holds one complete set, and the next run cleans
    whatever the kills left beside it. A moment is the CPU time the run has used, so the kills
    land where they are meant to on a loaded machine as on an idle one."""
    exe = Path(sys.executable).with_name("gigawatt")
    out = tmp_path / "o"
    cmd = [str(exe), "run", "--out", str(out), "--json"]
    env = {**os.environ, "COLUMNS": "80"}
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=600)  # warms the cache
    before_s = _children_cpu_s()
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=600)
    took_s = _children_cpu_s() - before_s  # a warm run's CPU time, as the killed ones are
    _assert_whole_run_set(out)
    rng = random.Random(7)
    for _ in range(6):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_at_s = rng.uniform(0.5, 1.0) * took_s
        deadline = time.monotonic() + 600
        while proc.poll() is None and _cpu_s(proc.pid) < kill_at_s:
            assert time.monotonic() < deadline, f"the run used less than {kill_at_s} s of CPU"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)  # nothing if the run has ended
        proc.wait(timeout=60)
        _assert_whole_run_set(out)
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=600)
    _assert_whole_run_set(out)
    assert sorted(os.listdir(tmp_path)) == [".o.lock", "o"]


def test_an_output_over_an_input_names_the_callers_flag(tmp_path):
    """`check_outputs(..., field=...)` names that field, not always `out`."""
    from gigawatt.io import check_outputs

    src = tmp_path / "in.yaml"
    src.write_text("x: 1\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        check_outputs([src], [src], field="store")
    assert exc.value.field == "store" and "is an input file" in str(exc.value)
