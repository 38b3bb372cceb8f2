"""The CLI's own process ends at once after a run (no interpreter teardown): its summary,
its logs and its exit code come out whole, through a pipe as on a terminal."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import CORPUS, ROOT


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "newsdedup", "run", str(CORPUS), "--workers", "1", *args],
                          capture_output=True, text=True, env=env, timeout=600)


def test_a_run_ends_with_its_whole_summary_logs_and_exit_code(tmp_path):
    done = _cli("--out", str(tmp_path / "out"), "-v")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("newsdedup ") and lines[-1].startswith(f"outputs in {tmp_path / 'out'}/")
    assert "INFO newsdedup.runners.local: tables:" in done.stderr  # the log handler's lines, flushed
    assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "summary.json").is_file()


def test_a_failed_gate_keeps_its_exit_code_and_message(tmp_path):
    done = _cli("--out", str(tmp_path / "out"), "--max-duplicate-share", "0")
    assert done.returncode == 3, done.stderr[-3000:]
    assert "gate failed: duplicate share" in done.stderr
    assert done.stdout.splitlines()[-1].startswith("outputs in ")
