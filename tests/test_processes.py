"""Child processes: none from a daemonic process, none left behind when the run's process
dies, and SIGTERM or an interrupt lost inside a library stopping the CLI like Ctrl-C."""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import newsdedup
from newsdedup.runners import local

from .conftest import CORPUS

SEED_TEXTS = [path.read_text() for path in sorted(CORPUS.iterdir())]
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; children die with their parent on Linux")


def _frame(n: int) -> pd.DataFrame:
    """``n`` documents: the seeds, each copy with its own first line."""
    return pd.DataFrame({"id": [f"d{i:05d}" for i in range(n)],
                         "text": [f"Bulletin {i} of the day\n{SEED_TEXTS[i % len(SEED_TEXTS)]}" for i in range(n)]})


def _statuses(inputs, config: newsdedup.Config) -> list[str]:
    return newsdedup.run(inputs, config).documents["status"].tolist()


def test_run_inside_a_pool_worker_on_the_seeds():
    """A daemonic process may not start children: the run stays in it."""
    with multiprocessing.get_context("fork").Pool(1) as pool:
        statuses = pool.apply_async(_statuses, (CORPUS, newsdedup.Config(workers=2, workers_min_mb=0))).get(120)
    assert statuses == ["kept", "duplicate", "kept", "kept", "kept"]


def test_run_inside_a_pool_worker_on_an_input_large_enough_for_every_child():
    """Enough records for cleaning helpers and for the later stages' forked children
    (``FORK_MIN_DOCS``), which the worker runs itself; the tables are the same."""
    frame = _frame(local.FORK_MIN_DOCS + 100)
    config = newsdedup.Config(workers=2, workers_min_mb=0)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        statuses = pool.apply_async(_statuses, (frame, config)).get(300)
    assert len(statuses) == len(frame) and "duplicate" in statuses
    assert statuses == _statuses(frame, newsdedup.Config(workers=1))


# ------------------------------------------------------------------ the CLI's processes, killed


def _children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == pid and state != "Z":
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> Path:
    """A JSONL file large enough that cleaning runs for a few seconds on helpers."""
    path = tmp_path_factory.mktemp("dump") / "dump.jsonl"
    with open(path, "w") as fh:
        for row in _frame(3000).to_dict("records"):
            fh.write(json.dumps(row) + "\n")
    return path


def _start_run(dump: Path, out: Path, stderr: Path) -> tuple[subprocess.Popen, set[int]]:
    """``newsdedup run`` with two workers, and its helpers once they are cleaning (its
    output goes to files: a pipe would stay open as long as an orphan holds it)."""
    with open(stderr, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "newsdedup", "run", str(dump), "--out", str(out),
                                 "--workers", "2", "--workers-min-mb", "0"], stdout=subprocess.DEVNULL, stderr=err)
    helpers: set[int] = set()
    assert _wait_for(lambda: bool(helpers.update(_children(proc.pid)) or helpers) or proc.poll() is not None)
    time.sleep(1.0)  # into the cleaning
    helpers |= _children(proc.pid)
    assert proc.poll() is None and helpers, "the run ended before its helpers could be seen"
    return proc, helpers


def test_sigkill_to_the_run_leaves_no_child_behind(dump, tmp_path):
    proc, helpers = _start_run(dump, tmp_path / "out", tmp_path / "stderr")
    proc.kill()
    proc.wait()
    survivors = lambda: {pid for pid in helpers if _alive(pid)}  # noqa: E731
    try:
        assert _wait_for(lambda: not survivors(), timeout=10.0), f"orphans: {survivors()}"
    finally:
        for pid in survivors():
            os.kill(pid, signal.SIGKILL)


def test_a_forked_child_dies_with_its_parent(tmp_path):
    code = ("import time; from newsdedup.runners.fork import Forked\n"
            "child = Forked(time.sleep, 120)\n"
            "print(child._process.pid, flush=True); time.sleep(120)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    try:
        assert _wait_for(lambda: not _alive(child), timeout=10.0)
    finally:
        if _alive(child):
            os.kill(child, signal.SIGKILL)


def test_sigterm_stops_the_run_like_ctrl_c(dump, tmp_path):
    proc, helpers = _start_run(dump, tmp_path / "out", tmp_path / "stderr")
    proc.terminate()
    proc.wait(timeout=60)
    stderr = (tmp_path / "stderr").read_text()
    _wait_for(lambda: not any(_alive(pid) for pid in helpers), timeout=5.0)
    survivors = {pid for pid in helpers if _alive(pid)}
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert stderr.rstrip().endswith("Aborted!") and "Traceback" not in stderr, stderr
    assert not survivors
    assert not (tmp_path / "out" / "summary.json").exists()


# ------------------------------------------------------------------ an interrupt a library loses


def _interrupt_lost_in_a_callback(*args, **kwargs):
    """What numba does when Ctrl-C lands while it compiles: the KeyboardInterrupt is
    raised inside a ctypes callback (llvmlite's object cache), where Python can only print
    it, and the compilation then fails with another error."""
    callback = ctypes.CFUNCTYPE(None)(lambda: os.kill(os.getpid(), signal.SIGINT) or time.sleep(1.0))
    callback()
    raise RuntimeError("no compiled object yet")


def test_an_interrupt_lost_in_a_library_still_aborts_quietly(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from newsdedup.cli import INTERRUPTED, main

    monkeypatch.setattr(local, "run", _interrupt_lost_in_a_callback)
    # a background job of a non-interactive shell starts with SIGINT ignored, which the CLI respects
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        res = CliRunner().invoke(main, ["run", str(CORPUS), "--out", str(tmp_path / "o"), "--workers", "1"])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert res.exit_code == INTERRUPTED, res.output
    assert res.output.rstrip().endswith("Aborted!") and "Traceback" not in res.output
    assert "Exception ignored" not in res.output and "RuntimeError" not in res.output


SLOW_HELPERS = """
import sys, time
import pandas as pd
import newsdedup
from newsdedup.runners import cleaning
warm_up = cleaning._warm_up
cleaning._warm_up = lambda: (time.sleep(8), warm_up())  # a helper that starts after the parent's pass 1
texts = [f"Bulletin {i} of the day\\n" + sys.argv[i % 5 + 1] for i in range(200)]
frame = pd.DataFrame({"id": [f"d{i:03d}" for i in range(200)], "text": texts})
result = newsdedup.run(frame, newsdedup.Config(workers=2, workers_min_mb=0))
print(",".join(result.documents["status"]))
"""


def test_a_helper_that_starts_late_still_sees_each_pass_end():
    """The parent cleans (and takes back) every chunk of pass 1 before a slow helper (a fork
    server's, on a loaded machine) takes its first task; the helper must still find the
    end of each pass, not wait for a second one forever."""
    done = subprocess.run([sys.executable, "-c", SLOW_HELPERS, *SEED_TEXTS], capture_output=True, text=True,
                          timeout=150)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().split(",") == _statuses(_frame(200), newsdedup.Config(workers=1))
