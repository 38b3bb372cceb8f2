"""The corpus index: drops deduplicated against everything added before (issue 16)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import newsdedup
from newsdedup.index import IncompatibleIndex, IndexBusy, NotAnIndex
from newsdedup.index.store import Store

from .conftest import ROOT, shared
from .incremental_corpus import corpus, drops, page, paragraph

CONFIG = newsdedup.Config(workers=1)


def partition(documents: pd.DataFrame) -> set[frozenset[str]]:
    kept = documents[documents["status"] != "rejected"]
    return {frozenset(g["doc_id"]) for _, g in kept.groupby("cluster_id")}


def export(path: Path) -> dict[str, pd.DataFrame]:
    return newsdedup.Index.open(path).tables()


def same_export(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> bool:
    return all(a[k].equals(b[k]) for k in ("documents", "clusters"))


@pytest.fixture(scope="module")
def generated() -> pd.DataFrame:
    return corpus()


@pytest.fixture(scope="module")
def built(generated, tmp_path_factory) -> Path:
    """An index of the generated corpus added in 3 drops."""
    path = tmp_path_factory.mktemp("idx") / "corpus.ndx"
    for drop in drops(generated):
        newsdedup.run(drop, CONFIG, index=path)
    return path


def test_three_drops_give_the_partition_of_one_run(generated, built):
    one = newsdedup.run(generated[["id", "text"]], CONFIG)
    tables = export(built)
    assert partition(tables["documents"]) == partition(one.documents)
    assert len(tables["documents"]) == len(generated)
    assert (tables["documents"]["status"] == "duplicate").sum() == (one.documents["status"] == "duplicate").sum()
    # earlier documents are named as canonicals of later ones
    last = newsdedup.run(drops(generated)[2], CONFIG, index=built, dry_run=True)  # all re-submitted
    assert (last.documents["status"] == "rejected").all()


def test_the_same_drops_give_a_byte_identical_export(generated, built, tmp_path):
    again = tmp_path / "again.ndx"
    for drop in drops(generated):
        newsdedup.run(drop, CONFIG, index=again)  # (a DataFrame row number is its source: same order)
    newsdedup.Index.open(built).export(tmp_path / "a", "jsonl")
    newsdedup.Index.open(again).export(tmp_path / "b", "jsonl")
    for name in ("documents.jsonl", "clusters.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_aeb_dupes_dev_in_three_drops_agrees_with_one_run(tmp_path):
    """In either order of the drops: the partition of one run (ARI >= 0.99) and its
    pairwise F1 against the truth (within 0.005)."""
    metrics = pytest.importorskip("sklearn.metrics")
    data = shared("aeb-dupes-dev")
    truth = pd.read_csv(data / "truth.csv", dtype=str).set_index("id")["cluster"]
    files = sorted((data / "docs").iterdir())
    for k in range(3):
        (tmp_path / f"d{k}").mkdir()
    for i, f in enumerate(files):
        (tmp_path / f"d{i % 3}" / f.name).symlink_to(f)
    config = CONFIG.replace(follow_symlinks=True)
    one = labels(newsdedup.run(data / "docs", CONFIG).documents).reindex(truth.index)
    one_f1 = pairwise_f1(metrics, truth, one)
    for order in ((0, 1, 2), (2, 1, 0)):
        index = tmp_path / f"aeb{''.join(map(str, order))}.ndx"
        for k in order:
            newsdedup.run(tmp_path / f"d{k}", config, index=index)
        split = labels(export(index)["documents"]).reindex(truth.index)
        assert metrics.adjusted_rand_score(one, split) >= 0.99
        assert abs(pairwise_f1(metrics, truth, split) - one_f1) <= 0.005, (order, one_f1)
    assert one_f1 > 0.9  # (0.990: the truth is read as meant)


def labels(documents: pd.DataFrame) -> pd.Series:
    """doc id -> cluster id, a rejected document its own singleton."""
    cluster = documents["cluster_id"].astype(object)
    return pd.Series([c if isinstance(c, str) else f"rejected:{d}" for d, c in zip(documents["doc_id"], cluster)],
                     index=documents["doc_id"])


def pairwise_f1(metrics, truth: pd.Series, predicted: pd.Series) -> float:
    (_, false_pos), (false_neg, true_pos) = metrics.cluster.pair_confusion_matrix(truth, predicted)
    precision, recall = true_pos / (true_pos + false_pos), true_pos / (true_pos + false_neg)
    return 2 * precision * recall / (precision + recall)


def test_a_later_copy_names_the_earlier_canonical(tmp_path):
    rng = random.Random(5)
    body = [paragraph(rng) for _ in range(6)]
    path = tmp_path / "i.ndx"
    newsdedup.run(pd.DataFrame({"id": ["old"], "text": [page(body, 0)]}), CONFIG, index=path)
    # a later, more complete copy: the accepted canonical stays
    later = newsdedup.run(pd.DataFrame({"id": ["new"], "text": [page(body + [paragraph(rng)], 1)]}), CONFIG,
                          index=path)
    row = later.documents.iloc[0]
    assert (row["status"], row["canonical_id"]) == ("duplicate", "old")
    assert list(later.pairs[["doc_a", "doc_b", "decision"]].iloc[0]) == ["new", "old", "duplicate"]
    old = export(path)["documents"].set_index("doc_id").loc["old"]
    assert (old["status"], old["cluster_id"]) == ("kept", row["cluster_id"])


def test_dry_run_adds_nothing(generated, built, tmp_path):
    before = export(built)
    size = built.stat().st_size
    fresh = corpus(stories=8, seed=11)[["id", "text"]]
    result = newsdedup.run(fresh, CONFIG, index=built, dry_run=True)
    assert result.index["added"] is False and len(result.documents) == len(fresh)
    assert same_export(before, export(built)) and built.stat().st_size == size
    # a dry run on an index not made yet creates nothing
    assert newsdedup.run(fresh, CONFIG, index=tmp_path / "none.ndx", dry_run=True).counts["inputs"] == len(fresh)
    assert not (tmp_path / "none.ndx").exists()


def test_resubmitted_documents_are_rejected_and_not_added_twice(generated, tmp_path):
    path = tmp_path / "i.ndx"
    first, second = drops(generated, 2)
    newsdedup.run(first, CONFIG, index=path, drop="one")
    mixed = pd.concat([first.head(5), second.head(5)], ignore_index=True)
    result = newsdedup.run(mixed, CONFIG, index=path)
    docs = result.documents.set_index("doc_id")
    for doc in first.head(5)["id"]:
        assert docs.at[doc, "status"] == "rejected"
        assert result.rejects.set_index("doc_id").at[doc, "error"] == "already in the index (drop one)"
    assert (docs.loc[list(second.head(5)["id"]), "status"] != "rejected").all()
    assert newsdedup.Index.open(path).info()["documents"] == len(first) + 5


def test_a_bridging_document_merges_two_clusters(tmp_path):
    rng = random.Random(3)
    p = [paragraph(rng) for _ in range(16)]
    path = tmp_path / "i.ndx"
    newsdedup.run(pd.DataFrame({"id": ["a", "b"], "text": [page(p[0:12], 0), page(p[4:16], 1)]}), CONFIG,
                  index=path)
    before = export(path)["documents"].set_index("doc_id")
    assert before.at["a", "cluster_id"] != before.at["b", "cluster_id"]
    result = newsdedup.run(pd.DataFrame({"id": ["c"], "text": [page(p[2:14], 2)]}), CONFIG, index=path)
    after = export(path)["documents"].set_index("doc_id")
    assert after["cluster_id"].nunique() == 1
    survivor = before.at["a", "cluster_id"]  # the cluster of the smallest member keeps its id
    assert after.at["c", "cluster_id"] == survivor
    assert result.merges[["old_cluster_id", "new_cluster_id"]].values.tolist() == [[before.at["b", "cluster_id"],
                                                                                     survivor]]
    assert (after["status"] == "kept").sum() == 1


def test_removing_a_drop_restores_the_export(generated, tmp_path):
    path = tmp_path / "i.ndx"
    d1, d2, d3 = drops(generated)
    newsdedup.run(d1, CONFIG, index=path, drop="a")
    newsdedup.run(d2, CONFIG, index=path, drop="b")
    before = export(path)
    newsdedup.run(d3, CONFIG, index=path, drop="c")
    newsdedup.Index.open(path).remove("c")
    assert same_export(before, export(path))
    # a middle drop: later drops decided again, as if it had never been added
    newsdedup.run(d3, CONFIG, index=path, drop="c")
    newsdedup.Index.open(path).remove("b")
    direct = tmp_path / "direct.ndx"
    newsdedup.run(d1, CONFIG, index=direct, drop="a")
    newsdedup.run(d3, CONFIG, index=direct, drop="c")
    assert partition(export(path)["documents"]) == partition(export(direct)["documents"])


def test_bridging_merge_is_undone_by_removing_the_bridge(tmp_path):
    rng = random.Random(3)
    p = [paragraph(rng) for _ in range(16)]
    path = tmp_path / "i.ndx"
    newsdedup.run(pd.DataFrame({"id": ["a", "b"], "text": [page(p[0:12], 0), page(p[4:16], 1)]}), CONFIG, index=path)
    before = export(path)
    newsdedup.run(pd.DataFrame({"id": ["c"], "text": [page(p[2:14], 2)]}), CONFIG, index=path, drop="bridge")
    newsdedup.Index.open(path).remove("bridge")
    assert same_export(before, export(path))


def test_a_template_learnt_in_earlier_drops_is_removed_later(tmp_path):
    rng = random.Random(9)
    footer = "Nugel lomas tudor vefin kapun."  # kept by the rules of one document alone
    story = lambda: "\n\n".join([paragraph(rng), paragraph(rng), footer])  # noqa: E731
    path = tmp_path / "i.ndx"
    for k in range(3):  # one document of the site a drop: never three in one drop
        newsdedup.run(pd.DataFrame({"id": [f"s{k}"], "text": [story()]}), CONFIG, index=path)
    last = pd.DataFrame({"id": ["s9"], "text": [story()]})
    alone = newsdedup.run(last, CONFIG)
    assert footer in alone.documents.at[0, "text"]
    indexed = newsdedup.run(last, CONFIG, index=path)
    assert footer not in indexed.documents.at[0, "text"]
    assert indexed.boilerplate["text"].tolist() == [footer]
    assert "template" in indexed.boilerplate["reason"].iloc[0]
    # earlier drops are not cleaned again
    assert footer in export(path)["documents"].set_index("doc_id").at["s0", "text"]


# ---------------------------------------------------------------- refusals


def cli(*args: str, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "newsdedup", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, **kw)


@pytest.fixture
def small_drop(tmp_path) -> Path:
    path = tmp_path / "drop.jsonl"
    corpus(stories=10, seed=4)[["id", "text"]].to_json(path, orient="records", lines=True)
    return path


def test_incompatible_settings_are_refused(tmp_path, small_drop):
    path = tmp_path / "i.ndx"
    newsdedup.run(small_drop, CONFIG, index=path)
    with pytest.raises(IncompatibleIndex) as info:
        newsdedup.run(small_drop, CONFIG.replace(num_perm=64), index=path)
    assert info.value.setting == "num_perm"
    before = path.read_bytes()
    done = cli("run", str(small_drop), "--index", str(path), "--out", str(tmp_path / "o"), "--shingle-size", "4", "-q")
    assert done.returncode == 2 and "shingle_size" in done.stderr
    assert path.read_bytes() == before


def test_an_index_of_another_format_version_is_refused(tmp_path, small_drop):
    import sqlite3

    from newsdedup.index.store import FORMAT_VERSION

    path = tmp_path / "i.ndx"
    newsdedup.run(small_drop, CONFIG, index=path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value=? WHERE key='format_version'", (str(FORMAT_VERSION - 1),))
    before = path.read_bytes()
    done = cli("run", str(small_drop), "--index", str(path), "--out", str(tmp_path / "o"), "-q")
    assert done.returncode == 2 and "format version" in done.stderr
    assert path.read_bytes() == before


def test_damaged_or_foreign_files_are_refused(tmp_path, small_drop):
    foreign = tmp_path / "notes.ndx"
    foreign.write_bytes(b"just some text, not an index\n" * 100)
    done = cli("run", str(small_drop), "--index", str(foreign), "--out", str(tmp_path / "o"), "-q")
    assert done.returncode == 1 and "not a newsdedup index" in done.stderr
    assert foreign.read_bytes() == b"just some text, not an index\n" * 100
    good = tmp_path / "i.ndx"
    newsdedup.run(small_drop, CONFIG, index=good)
    # a page anywhere (its start: the middle of a page may be free space, not damage): reading
    # the whole index (info, export) checks every page
    page_size = 65536
    damaged = damage(good, tmp_path / "damaged.ndx", len(good.read_bytes()) // 2 // page_size * page_size)
    done = cli("index", "info", str(damaged))
    assert done.returncode == 1 and ("damaged" in done.stderr or "not a newsdedup index" in done.stderr)
    with pytest.raises(NotAnIndex):
        newsdedup.Index.open(damaged).export(tmp_path / "export")
    # a page a run reads (the schema; the band keys a new drop looks up): refused, nothing written
    other = tmp_path / "other.jsonl"
    corpus(stories=10, seed=5)[["id", "text"]].assign(id=lambda d: "o" + d["id"]).to_json(
        other, orient="records", lines=True)
    for at in (page_of(good, "sqlite_schema") + 100, page_of(good, "bands")):
        damaged = damage(good, tmp_path / f"damaged{at}.ndx", at)
        before = damaged.read_bytes()
        with pytest.raises(NotAnIndex):
            newsdedup.run(other, CONFIG, index=damaged)
        done = cli("run", str(other), "--index", str(damaged), "--out", str(tmp_path / "o"), "-q")
        assert done.returncode == 1 and ("damaged" in done.stderr or "not a newsdedup index" in done.stderr)
        assert damaged.read_bytes() == before


def page_of(path: Path, table: str) -> int:
    """The file offset of ``table``'s root page (0 for the schema's, which follows the header)."""
    if table == "sqlite_schema":
        return 0
    store = Store(path)
    try:
        root = store.db.execute("SELECT rootpage FROM sqlite_schema WHERE name=?", (table,)).fetchone()[0]
        return (root - 1) * store.db.execute("PRAGMA page_size").fetchone()[0]
    finally:
        store.close()


def damage(good: Path, out: Path, at: int) -> Path:
    data = bytearray(good.read_bytes())
    data[at:at + 4096] = b"\xff" * 4096
    out.write_bytes(bytes(data))
    return out


def test_a_second_writer_waits_then_is_refused(tmp_path, small_drop):
    path = tmp_path / "i.ndx"
    newsdedup.run(small_drop, CONFIG, index=path)
    holder = Store(path, write=True)  # another run, writing
    try:
        with pytest.raises(IndexBusy, match="another run is writing"):
            newsdedup.run(small_drop, CONFIG, index=path, timeout=0.5)
        done = cli("run", str(small_drop), "--index", str(path), "--out", str(tmp_path / "o"), "--index-wait", "0.5",
                   "-q")
        assert done.returncode == 1 and "another run is writing" in done.stderr
    finally:
        holder.close()
    assert newsdedup.Index.open(path).info()["documents"] == len(small_drop.read_text().splitlines())


def test_gates_exit_3_after_writing_and_add_nothing(tmp_path, generated):
    path = tmp_path / "i.ndx"
    first, second = drops(generated, 2)
    newsdedup.run(first, CONFIG, index=path)
    second_file = tmp_path / "second.jsonl"
    second.to_json(second_file, orient="records", lines=True)
    before = export(path)
    out = tmp_path / "o"
    done = cli("run", str(second_file), "--index", str(path), "--out", str(out), "--max-duplicate-share", "0.05", "-q")
    assert done.returncode == 3 and "duplicate share" in done.stderr
    import json

    summary = json.loads((out / "summary.json").read_text())
    assert summary["gates"]["max_duplicate_share"]["passed"] is False
    assert summary["index"]["added"] is False
    assert "FAIL" in (out / "summary.md").read_text()
    assert same_export(before, export(path))
    done = cli("run", str(second_file), "--index", str(path), "--out", str(out), "-q")
    assert done.returncode == 0 and len(export(path)["documents"]) == len(generated)


# ---------------------------------------------------------------- killed runs

KILLED_RUN = """
import os, sys, time
import newsdedup
from newsdedup.index import store
commit = store.Store.commit
def slow_commit(self):
    self.db.execute("SELECT 1")
    open(sys.argv[3], "w").close()  # every row written, the transaction not committed yet
    time.sleep(60)
    commit(self)
store.Store.commit = slow_commit
newsdedup.run(sys.argv[1], newsdedup.Config(workers=1), index=sys.argv[2])
"""


def kill_when_flagged(script: str, drop: Path, path: Path, flag: Path) -> int:
    """Run ``script`` on the drop and the index; SIGKILL it once it has made ``flag``; its exit code."""
    proc = subprocess.Popen([sys.executable, "-c", script, str(drop), str(path), str(flag)],
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    deadline = time.monotonic() + 300
    while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert flag.exists()
    os.kill(proc.pid, signal.SIGKILL)
    return proc.wait()


def test_sigkill_while_committing_leaves_the_index_as_it_was(tmp_path, generated):
    path = tmp_path / "i.ndx"
    first, second = drops(generated, 2)
    newsdedup.run(first, CONFIG, index=path)
    newsdedup.Index.open(path).export(tmp_path / "before", "jsonl")
    drop = tmp_path / "second.jsonl"
    second.to_json(drop, orient="records", lines=True)
    kill_when_flagged(KILLED_RUN, drop, path, tmp_path / "committing")
    newsdedup.Index.open(path).export(tmp_path / "after", "jsonl")
    for name in ("documents.jsonl", "clusters.jsonl"):
        assert (tmp_path / "before" / name).read_bytes() == (tmp_path / "after" / name).read_bytes()
    # usable: the same drop is added afterwards
    newsdedup.run(drop, CONFIG, index=path)
    assert len(export(path)["documents"]) == len(generated)


CLEANING_RUN = """
import sys, time
import newsdedup
from newsdedup import clean
finish = clean.finish
def slow_finish(*args, **kw):
    open(sys.argv[3], "w").close()  # cleaning has started, the index is open for writing
    time.sleep(60)
    return finish(*args, **kw)
clean.finish = slow_finish
newsdedup.run(sys.argv[1], newsdedup.Config(workers=1), index=sys.argv[2])
"""


def test_sigkill_while_cleaning_leaves_the_index_as_it_was(tmp_path, generated):
    path = tmp_path / "i.ndx"
    first, second = drops(generated, 2)
    newsdedup.run(first, CONFIG, index=path)
    before = path.read_bytes()
    drop = tmp_path / "second.jsonl"
    second.to_json(drop, orient="records", lines=True)
    assert kill_when_flagged(CLEANING_RUN, drop, path, tmp_path / "cleaning") == -signal.SIGKILL
    assert path.read_bytes() == before
    assert newsdedup.Index.open(path).info()["documents"] == len(first)


def test_index_commands(tmp_path, built):
    done = cli("index", "info", str(built))
    assert done.returncode == 0 and "3 drops" in done.stdout
    done = cli("index", "export", str(built), "--out", str(tmp_path / "x"), "--format", "csv")
    assert done.returncode == 0
    assert len(pd.read_csv(tmp_path / "x" / "documents.csv")) == len(export(built)["documents"])
    assert "drop" in pd.read_csv(tmp_path / "x" / "documents.csv").columns


def test_template_summaries_round_trip_with_sketches_derived_from_the_clean_text(generated):
    from newsdedup.clean import draft, finish, key_summary, templates_from
    from newsdedup.index.store import compress, pack_summary, unpack_summary
    from newsdedup.records import Record

    drafts = [draft(Record(doc_id=i, source="t", text=t)) for i, t in zip(generated["id"], generated["text"])]
    summaries = [key_summary(d, CONFIG) for d in drafts]
    evidence = templates_from(zip(generated["id"], summaries), CONFIG)
    derived = 0
    for d, s in zip(drafts, summaries):
        text = finish(d, evidence, CONFIG).text
        blob = pack_summary(s, text)
        back = unpack_summary(blob, compress(text))
        assert all(np.array_equal(getattr(back, f), getattr(s, f)) for f in ("keys", "about", "shaped", "sketches"))
        assert back.keys.dtype == s.keys.dtype and back.sketches.dtype == s.sketches.dtype
        derived += len(blob) < len(pack_summary(s, None))
    assert derived >= 0.9 * len(drafts)  # the sketches left out of most blobs


def test_the_ci_recipe_runs_as_written_on_two_drops(tmp_path):
    """docs/ci.md's GitHub Actions job, step by step (scripts/ci_recipe_check.py): a pull
    request's check adds nothing, the push to main adds the drop and keeps the index; the
    second drop's clusters join the first's (the terminal summary once failed on them)."""
    pytest.importorskip("yaml")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    first = corpus(stories=20, seed=3)
    # the second drop: new stories, and copies of documents of the first drop's clusters
    joining = first[first.duplicated("story", keep=False)].drop_duplicates("story").head(3)
    second = pd.concat([corpus(stories=20, seed=4).drop_duplicates("story"), joining.assign(id="copy" + joining["id"])])
    for k, drop in enumerate([first, second], 1):
        folder = tmp_path / f"d{k}"
        folder.mkdir()
        for r in drop.itertuples():
            (folder / f"{r.id}.txt").write_text(r.text)
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "ci_recipe_check.py"), str(tmp_path / "d1"),
                           str(tmp_path / "d2"), "--work", str(tmp_path / "ci")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("recipe_ok")


def test_key_tables_keep_a_recent_level_merged_a_slice_at_a_time(tmp_path):
    """A drop's band and template keys go to a small recent level (the commit does not
    touch every page of the corpus's key B-tree); each drop moves one slice of the key
    range (in turn) into the main level, never the whole level at once, and lookups read
    both, so decisions do not change."""
    from newsdedup.index.store import MERGE_SLICES

    df = corpus(stories=80, seed=11)
    path = tmp_path / "i.ndx"
    newsdedup.run(df.iloc[:100][["id", "text"]], CONFIG, index=path)
    levels = []
    for k in range(100, len(df), 5):  # small drops: under 1/WHOLE_MERGE_SHARE of the index
        newsdedup.run(df.iloc[k:k + 5][["id", "text"]], CONFIG, index=path)
        store = Store(path)
        try:
            levels.append([store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                           for t in ("bands", "bands_recent")])
        finally:
            store.close()
    drops_so_far = len(levels) + 1
    assert drops_so_far > MERGE_SLICES
    assert all(recent for _, recent in levels)  # never emptied whole
    assert all(b[0] > a[0] for a, b in zip(levels, levels[1:]))  # every drop merges a slice
    one = tmp_path / "one.ndx"
    newsdedup.run(df[["id", "text"]], CONFIG, index=one)
    assert partition(export(path)["documents"]) == partition(export(one)["documents"])


def level_sizes(path: Path) -> dict[str, tuple[int, int]]:
    """Rows of the main and the recent level of each key table."""
    from newsdedup.index.store import LEVELLED

    store = Store(path)
    try:
        return {t: tuple(store.db.execute(f"SELECT COUNT(*) FROM {level}").fetchone()[0] for level in (t, f"{t}_recent"))
                for t in LEVELLED}
    finally:
        store.close()


def test_a_big_drop_leaves_the_recent_level_empty(tmp_path):
    """A drop of at least 1/WHOLE_MERGE_SHARE of the index's documents merges the recent
    level whole and puts its own keys in the main level, so the small drops after it do
    not pay for a recent level full of big drops' keys; a small drop still goes to the
    recent level; decisions are those of one run."""
    from newsdedup.index.store import WHOLE_MERGE_SHARE

    df = corpus(stories=110, seed=13)[["id", "text"]]
    path = tmp_path / "i.ndx"
    newsdedup.run(df.iloc[:100], CONFIG, index=path)
    for k in range(100, 120, 5):
        newsdedup.run(df.iloc[k:k + 5], CONFIG, index=path)
    assert 5 * WHOLE_MERGE_SHARE < 100 and level_sizes(path)["bands"][1] > 0
    newsdedup.run(df.iloc[120:-5], CONFIG, index=path)  # 78 documents
    assert all(recent == 0 and main > 0 for main, recent in level_sizes(path).values())
    newsdedup.run(df.iloc[-5:], CONFIG, index=path)
    assert level_sizes(path)["bands"][1] > 0
    one = tmp_path / "one.ndx"
    newsdedup.run(df, CONFIG, index=one)
    assert partition(export(path)["documents"]) == partition(export(one)["documents"])


def test_a_passage_shared_with_an_unrelated_earlier_story_is_matched(tmp_path):
    """A new story quoting one long paragraph of an unrelated story of an earlier drop
    (printed twice there: a kept copy and its duplicate): they share no LSH band (not
    duplicates), but the index's paragraph keys (of kept documents) bring the earlier
    story and its cluster to the matching, so the passage is in paragraph_matches with
    both copies, as one run over both drops has it."""
    rng = random.Random(21)
    shared_passage = paragraph(rng)
    earlier = [paragraph(rng) for _ in range(8)] + [shared_passage]
    later = [paragraph(rng) for _ in range(4)] + [shared_passage] + [paragraph(rng) for _ in range(4)]
    others = [page([paragraph(rng) for _ in range(6)], 3) for _ in range(3)]
    first = pd.DataFrame({"id": ["e", "e2", "o1", "o2", "o3"], "text": [page(earlier, 0), page(earlier, 2)] + others})
    second = pd.DataFrame({"id": ["n"], "text": [page(later, 1)]})
    path = tmp_path / "i.ndx"
    newsdedup.run(first, CONFIG, index=path)
    result = newsdedup.run(second, CONFIG, index=path)
    one = newsdedup.run(pd.concat([first, second], ignore_index=True), CONFIG)
    assert result.documents.at[0, "cluster_id"] != export(path)["documents"].set_index("doc_id").at["e", "cluster_id"]
    key = ["doc_a", "para_a", "doc_b", "para_b", "score"]
    expected = one.matches[(one.matches["doc_a"] == "n") | (one.matches["doc_b"] == "n")][key]
    assert sorted(map(sorted, expected[["doc_a", "doc_b"]].values.tolist())) == [["e", "n"], ["e2", "n"]]
    assert result.matches[key].values.tolist() == expected.values.tolist()
