"""The hostile corpus through the CLI (issue 15): exit 0, and every record in ``documents``
exactly once (count in = count out, ids unique)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .hostile import OPTIONS, write_corpus

ROOT = Path(__file__).resolve().parents[1]


def test_every_hostile_record_ends_as_one_row(tmp_path):
    src, expected = write_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "newsdedup", "run", str(src), "--out", str(out), "--format", "jsonl",
                           "--workers", "1", "-q", *OPTIONS], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()]
    assert len(rows) == expected
    assert len({row["doc_id"] for row in rows}) == expected
    assert {row["status"] for row in rows} <= {"kept", "duplicate", "rejected"}
    assert not any("root:x:0:0" in json.dumps(row) for row in rows)
