"""End to end on the public evaluation data beside the repository (skipped where it is absent)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections import Counter

import pandas as pd
from click.testing import CliRunner

from newsdedup.cli import main

from .conftest import shared

WORD = re.compile(r"\w+")


def token_recall(truth: str, pred: str) -> float:
    t, p = Counter(WORD.findall(truth)), Counter(WORD.findall(pred))
    return sum((t & p).values()) / max(1, sum(t.values()))


def test_cli_on_benchmark_pages_gives_one_row_per_page_named_by_its_id(tmp_path):
    aeb = shared("aeb-dev")
    truth = json.loads((aeb / "ground-truth.dev.json").read_text())
    ids = sorted(truth)[:12]
    for kind, ext in (("html", ".html.gz"), ("text", ".txt.gz")):
        src = tmp_path / kind
        src.mkdir()
        for i in ids:
            shutil.copy(aeb / kind / f"{i}{ext}", src / f"{i}{ext}")
        res = CliRunner().invoke(main, ["run", str(src), "--format", "jsonl", "--out", str(tmp_path / f"out-{kind}"),
                                        "--quiet", "--workers", "1"])
        assert res.exit_code == 0, res.output
        docs = pd.read_json(tmp_path / f"out-{kind}" / "documents.jsonl", lines=True, dtype=False)
        assert docs["doc_id"].tolist() == ids
        assert (docs["status"] != "rejected").all()
        recall = [token_recall(truth[i]["articleBody"], t) for i, t in zip(docs["doc_id"], docs["text"])]
        assert sum(recall) / len(recall) > 0.85, (kind, recall)
        shorter = [len(t) < len(gzip.open(aeb / kind / f"{i}{ext}", "rt").read()) for i, t in zip(docs["doc_id"], docs["text"])]
        assert all(shorter)


def test_aeb_dupes_distinct_stories_never_share_a_cluster(tmp_path):
    data = shared("aeb-dupes-dev")
    truth = pd.read_csv(data / "truth.csv")
    meta = pd.read_csv(data / "meta.csv").set_index("id")
    # the documents of the three largest clusters (recrawls, syndicated, edited copies, html variants)
    big = truth["cluster"].value_counts().index[:3]
    chosen = truth[truth["cluster"].isin(big)]
    src = tmp_path / "docs"
    src.mkdir()
    for doc_id in chosen["id"]:
        ext = ".html" if meta.at[doc_id, "format"] == "html" else ".txt"
        shutil.copy(data / "docs" / f"{doc_id}{ext}", src / f"{doc_id}{ext}")
    res = CliRunner().invoke(main, ["run", str(src), "--format", "jsonl", "--out", str(tmp_path / "o"), "--quiet",
                                    "--workers", "1"])
    assert res.exit_code == 0, res.output
    docs = pd.read_json(tmp_path / "o" / "documents.jsonl", lines=True, dtype=False).set_index("doc_id")
    assert len(docs) == len(chosen)
    predicted = docs.loc[chosen["id"], "cluster_id"].to_numpy()
    # no two true clusters share a predicted one
    for a in big:
        for b in big:
            if a < b:
                pa = set(predicted[(chosen["cluster"] == a).to_numpy()])
                pb = set(predicted[(chosen["cluster"] == b).to_numpy()])
                assert not pa & pb
