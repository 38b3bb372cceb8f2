"""The output directory holds one complete run: swapped in whole, locked, swept, never someone else's folder."""

from __future__ import annotations

import errno
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import newsdedup
from newsdedup import outdir, result as result_module

from .conftest import CORPUS

TABLES = ("documents", "clusters", "paragraph_matches", "boilerplate", "pairs")
SRC = Path(newsdedup.__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def two_runs():
    """Two results that differ in every table: the seed corpus, and its first three documents."""
    full = newsdedup.run(CORPUS, newsdedup.Config(workers=1))
    few = newsdedup.run(sorted(CORPUS.iterdir())[:3], newsdedup.Config(workers=1))
    assert len(full.documents) != len(few.documents)
    return full, few


def files_of(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def assert_one_complete_run(out: Path, fmt: str) -> int:
    """Every table of one format, the marker, and a summary that counts the documents table; returns that count."""
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"{t}.{fmt}" for t in TABLES] + ["rejects.jsonl", "summary.json", "summary.md", "report.html", ".newsdedup-run"])
    assert (out / ".newsdedup-run").read_text() == outdir.MARKER_TEXT
    lines = (out / "documents.jsonl").read_text().splitlines() if fmt == "jsonl" else None
    n_docs = len(lines) if lines is not None else len(pd.read_parquet(out / f"documents.{fmt}"))
    assert json.loads((out / "summary.json").read_text())["counts"]["inputs"] == n_docs
    return n_docs


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.newsdedup-")
                  and not p.name.endswith("-lock"))


def run_child(code: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env, **kwargs)


def wait_for(path: Path, proc: subprocess.Popen) -> None:
    while not path.exists():
        assert proc.poll() is None, "the child ended before it was ready"
        time.sleep(0.02)


# --------------------------------------------------------------------------- one complete run


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_kill_while_writing_leaves_the_old_run_and_the_next_run_sweeps(tmp_path, two_runs, sig):
    full, few = two_runs
    out = tmp_path / "out"
    full.write(out, "jsonl")
    before = files_of(out)
    (tmp_path / "few.pickle").write_bytes(pickle.dumps(few))
    ready = tmp_path / "one-table-written"
    # the child writes the other run; after its first table it says so and waits to be killed
    child = run_child("""
        import pickle, sys, time
        from pathlib import Path
        from newsdedup import result
        few = pickle.loads(Path(sys.argv[1]).read_bytes())
        write_table = result.write_table
        def first_table_then_wait(df, path, fmt):
            write_table(df, path, fmt)
            Path(sys.argv[3]).touch()
            time.sleep(600)
        result.write_table = first_table_then_wait
        few.write(sys.argv[2], "jsonl")
        """, str(tmp_path / "few.pickle"), str(out), str(ready))
    try:
        wait_for(ready, child)
    finally:
        child.send_signal(sig)
        child.wait()
    assert files_of(out) == before
    if sig == signal.SIGKILL:
        assert leftovers(out)  # the killed run's staging directory (SIGTERM may clean it up itself)
    few.write(out, "jsonl")
    assert assert_one_complete_run(out, "jsonl") == len(few.documents)
    assert leftovers(out) == []


def test_a_write_that_fails_midway_leaves_the_previous_run(tmp_path, two_runs, monkeypatch):
    full, few = two_runs
    out = tmp_path / "out"
    full.write(out, "parquet")
    before = files_of(out)
    calls = []

    def disk_full_on_second_table(df, path, fmt):
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        result_module.write_table.__wrapped__(df, path, fmt)

    disk_full_on_second_table.__wrapped__ = result_module.write_table  # type: ignore[attr-defined]
    monkeypatch.setattr(result_module, "write_table", disk_full_on_second_table)
    with pytest.raises(OSError) as info:
        few.write(out, "parquet")
    assert info.value.errno == errno.ENOSPC
    assert files_of(out) == before
    assert leftovers(out) == []


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A 1 MiB tmpfs (needs root; skipped otherwise)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_leaves_the_previous_run_and_reports(tiny_filesystem, two_runs):
    full, few = two_runs
    out = tiny_filesystem / "out"
    few.write(out, "jsonl")
    before = files_of(out)
    boilerplate = full.boilerplate.copy()  # a late table, 3 MB: more than the disk holds
    boilerplate["text"] = [f"{i} " + os.urandom(1_500_000 // len(boilerplate)).hex() for i in range(len(boilerplate))]
    big = newsdedup.Result(full.documents, full.clusters, full.matches, boilerplate, full.pairs, full.rejects,
                           full.config)
    with pytest.raises(OSError) as info:
        big.write(out, "jsonl")
    assert info.value.errno == errno.ENOSPC
    assert files_of(out) == before
    assert leftovers(out) == []


def test_a_mount_point_as_out_is_refused_clearly(tiny_filesystem, two_runs):
    with pytest.raises(outdir.OutputError, match="mount point"):
        two_runs[1].write(tiny_filesystem, "jsonl")


def test_without_renameat2_two_renames_replace_the_run(tmp_path, two_runs, monkeypatch):
    full, few = two_runs
    out = tmp_path / "out"
    full.write(out, "jsonl")

    def unsupported(a, b):
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(outdir, "exchange", unsupported)
    few.write(out, "jsonl")
    assert assert_one_complete_run(out, "jsonl") == len(few.documents)
    assert leftovers(out) == []


def test_exchange_swaps_two_directories(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "in_a").touch()
    (b / "in_b").touch()
    outdir.exchange(a, b)
    assert os.listdir(a) == ["in_b"] and os.listdir(b) == ["in_a"]


@pytest.mark.skipif(os.uname().machine not in outdir.SYS_RENAMEAT2, reason="no syscall number for this machine")
def test_the_raw_system_call_swaps_too_for_an_older_c_library(tmp_path):
    import ctypes

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    (b / "sub").mkdir(parents=True)
    call = outdir._syscall_renameat2(ctypes.CDLL(None, use_errno=True), outdir.SYS_RENAMEAT2[os.uname().machine])
    assert call(outdir.AT_FDCWD, bytes(a), outdir.AT_FDCWD, bytes(b), outdir.RENAME_EXCHANGE) == 0
    assert os.listdir(a) == ["sub"] and os.listdir(b) == []


def test_a_new_run_keeps_the_permissions_of_the_directory_it_replaces(tmp_path, two_runs):
    out = tmp_path / "out"
    two_runs[0].write(out, "jsonl")
    out.chmod(0o750)
    two_runs[1].write(out, "jsonl")
    assert out.stat().st_mode & 0o777 == 0o750


# --------------------------------------------------------------------------- lock


HOLD_LOCK = """
    import sys, time
    from pathlib import Path
    from newsdedup.outdir import output_lock
    with output_lock(sys.argv[1]):
        Path(sys.argv[2]).touch()
        time.sleep(600)
    """


def test_a_second_writer_waits_a_bounded_time_then_fails_clearly(tmp_path, two_runs):
    full, few = two_runs
    out = tmp_path / "out"
    full.write(out, "jsonl")
    before = files_of(out)
    ready = tmp_path / "locked"
    holder = run_child(HOLD_LOCK, str(out), str(ready))
    try:
        wait_for(ready, holder)
        with pytest.raises(outdir.OutputBusy, match=f"another newsdedup run \\(process {holder.pid}\\) is writing"):
            few.write(out, "jsonl", lock_timeout=0.3)
        assert files_of(out) == before
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    few.write(out, "jsonl", lock_timeout=0.3)  # the kernel released the dead holder's lock
    assert assert_one_complete_run(out, "jsonl") == len(few.documents)


def test_two_concurrent_writers_leave_one_complete_run(tmp_path, two_runs):
    full, few = two_runs
    out = tmp_path / "out"
    for name, result in (("full", full), ("few", few)):
        (tmp_path / f"{name}.pickle").write_bytes(pickle.dumps(result))
    writers = [run_child("""
        import pickle, sys
        from pathlib import Path
        for _ in range(3):
            pickle.loads(Path(sys.argv[1]).read_bytes()).write(sys.argv[2], "jsonl")
        """, str(tmp_path / f"{name}.pickle"), str(out), stderr=subprocess.PIPE) for name in ("full", "few")]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err.decode()
    assert assert_one_complete_run(out, "jsonl") in (len(full.documents), len(few.documents))
    assert leftovers(out) == []


def test_the_lock_is_reentrant_in_one_process(tmp_path, two_runs):
    out = tmp_path / "out"
    with outdir.output_lock(out, timeout=0.1):
        two_runs[1].write(out, "jsonl", lock_timeout=0.1)
    assert_one_complete_run(out, "jsonl")


# --------------------------------------------------------------------------- whose folder


def test_a_folder_newsdedup_did_not_write_is_refused_and_left_alone(tmp_path, two_runs):
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(outdir.NotAnOutputDirectory, match="not a newsdedup output directory"):
        two_runs[1].write(out, "jsonl")
    assert os.listdir(out) == ["holiday.jpg"]
    assert sorted(os.listdir(tmp_path)) == ["photos"]  # not even a lock file beside it
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(outdir.NotAnOutputDirectory, match="not a directory"):
        two_runs[1].write(a_file, "jsonl")
    assert a_file.read_text() == "x"
    with pytest.raises(outdir.OutputError, match="root directory"):
        two_runs[1].write("/", "jsonl")


def test_an_empty_folder_and_an_older_unmarked_output_are_replaced(tmp_path, two_runs):
    empty = tmp_path / "empty"
    empty.mkdir()
    two_runs[1].write(empty, "jsonl")
    assert_one_complete_run(empty, "jsonl")
    older = tmp_path / "older"
    older.mkdir()
    for name in ("documents.csv", "rejects.jsonl", ".pairs.csv.k2j4x9.tmp"):
        (older / name).write_text("")
    (older / "summary.json").write_text('{"counts": {}, "versions": {"newsdedup": "0.1.0"}}')
    two_runs[1].write(older, "jsonl")
    assert_one_complete_run(older, "jsonl")


def test_a_folder_with_output_names_but_no_newsdedup_summary_is_refused(tmp_path, two_runs):
    other = tmp_path / "other"
    other.mkdir()
    (other / "summary.json").write_text('{"total": 3}')
    with pytest.raises(outdir.NotAnOutputDirectory):
        two_runs[1].write(other, "jsonl")
    assert os.listdir(other) == ["summary.json"]


def test_a_format_switch_leaves_only_the_new_format(tmp_path, two_runs):
    out = tmp_path / "out"
    two_runs[0].write(out, "parquet")
    two_runs[1].write(out, "jsonl")
    assert assert_one_complete_run(out, "jsonl") == len(two_runs[1].documents)


def test_reruns_are_byte_identical_marker_included(tmp_path, two_runs):
    a = two_runs[1].write(tmp_path / "a", "parquet")
    b = two_runs[1].write(tmp_path / "b", "parquet")
    files_a, files_b = files_of(a), files_of(b)
    for files in (files_a, files_b):
        summary = json.loads(files.pop("summary.json"))
        summary.pop("execution")
        files["summary.json"] = json.dumps(summary).encode()
    assert files_a == files_b and ".newsdedup-run" in files_a
    assert outdir.is_output_directory(a)


def test_out_reached_through_a_symlink_is_replaced_behind_it(tmp_path, two_runs):
    real = tmp_path / "real"
    two_runs[0].write(real, "jsonl")
    link = tmp_path / "link"
    link.symlink_to(real)
    two_runs[1].write(link, "jsonl")
    assert link.is_symlink()
    assert assert_one_complete_run(real, "jsonl") == len(two_runs[1].documents)
