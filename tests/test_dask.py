"""The Dask engine: the local runner's stages on Dask workers, the same tables (issue 17)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed", reason="the Dask engine needs the [dask] extra")

import newsdedup  # noqa: E402
from newsdedup import _jit  # noqa: E402
from newsdedup._arrays import unique_pairs as _unique_pairs  # noqa: E402
from newsdedup.runners import dask as dask_runner  # noqa: E402

from .conftest import CORPUS, ROOT, SHARED_DATA, shared  # noqa: E402
from .incremental_corpus import corpus  # noqa: E402

TABLES = ("documents", "clusters", "matches", "boilerplate", "pairs", "rejects")
MAKE_CORPUS = SHARED_DATA.parent / "eval" / "make_corpus.py"


def assert_same_answer(a: newsdedup.Result, b: newsdedup.Result) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name).reset_index(drop=True), getattr(b, name).reset_index(drop=True),
                                      obj=name)
    summary_a, summary_b = a.summary, b.summary
    summary_a.pop("execution"), summary_b.pop("execution")
    assert summary_a == summary_b


@pytest.fixture
def small_partitions(monkeypatch):
    """Partitions of a few documents, so that a small corpus spreads over many tasks."""
    monkeypatch.setattr(dask_runner, "MIN_PARTITION_BYTES", 8_000)
    monkeypatch.setattr(dask_runner, "PARTITION_BYTES", 8_000)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A few hundred documents as files: plain-text pages with site chrome in a tree of
    .txt files, and near-duplicate news in a JSONL file (../shared's generator, if here)."""
    root = tmp_path_factory.mktemp("generated")
    pages = corpus(stories=90, seed=11)
    for i, (doc_id, text) in enumerate(zip(pages["id"], pages["text"])):
        folder = root / "pages" / f"{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    news = root / "news.jsonl"
    if MAKE_CORPUS.is_file():
        subprocess.run([sys.executable, str(MAKE_CORPUS), "--n", "300", "--seed", "5", "--out", str(news)], check=True)
    else:
        pages = corpus(stories=80, seed=12)
        news.write_text("".join(json.dumps({"id": f"n-{i}", "text": t}) + "\n" for i, t in zip(pages["id"], pages["text"])))
    # a clash and rejects: the later record of an id is rejected, whichever partition holds it
    (root / "pages" / "0" / "clash.jsonl").write_text(json.dumps({"id": "same", "text": "A first text of many words."})
                                                       + "\n" + json.dumps({"id": "same", "text": "another"}) + "\n")
    (root / "pages" / "6" / "z.jsonl").write_text(json.dumps({"id": "same", "text": "A third text."}) + "\nnot json\n")
    (root / "pages" / "6" / "notes.bin").write_bytes(b"\x00")
    return root


def test_seed_corpus_same_tables(client, small_partitions):
    local = newsdedup.run(CORPUS, newsdedup.Config(workers=2))
    on_dask = newsdedup.run(CORPUS, newsdedup.Config(workers=2), client=client)
    assert on_dask.config.engine == "dask" and on_dask.summary["execution"]["engine"] == "dask"
    assert len(dask_runner.plan(CORPUS, newsdedup.Config(), 2)) > 1
    assert_same_answer(local, on_dask)


def test_generated_corpus_same_tables_over_many_partitions(client, generated, small_partitions):
    inputs = [generated / "pages", generated / "news.jsonl"]
    assert len(dask_runner.plan(inputs, newsdedup.Config(), 2)) >= 10
    local = newsdedup.run(inputs, newsdedup.Config(workers=1))
    on_dask = newsdedup.run(inputs, newsdedup.Config(workers=2), client=client)
    documents = on_dask.documents
    assert len(documents) > 400 and (documents["status"] == "duplicate").sum() > 50
    assert on_dask.rejects["error"].str.contains("duplicate id 'same'").sum() == 2
    assert (documents["status"] == "rejected").sum() >= 4  # the clashes, a bad line, an unsupported file
    assert_same_answer(local, on_dask)


def test_jsonl_files_of_uneven_sizes_are_cut_into_even_partitions(tmp_path, client, monkeypatch):
    """Files of 3 to 40 lines fill partitions of about the same size (a file cut where a
    partition is full), and every record is read once, as from the files whole."""
    monkeypatch.setattr(dask_runner, "MIN_PARTITION_BYTES", 1)
    pages = corpus(stories=60, seed=21)
    rows = [json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(pages["id"], pages["text"])]
    folder = tmp_path / "dump"
    folder.mkdir()
    start = 0
    for f, n in enumerate([40, 3, 17, 5, 29, 11]):
        (folder / f"part-{f}.jsonl").write_text("".join(rows[start:start + n]), encoding="utf-8")
        start += n
    config = newsdedup.Config(workers=2)
    partitions = dask_runner.plan(folder, config, 2)
    sizes = [p.size for p in partitions]
    assert len(partitions) == dask_runner.PARTITIONS_PER_WORKER * 2
    assert max(sizes) - min(sizes) <= max(sizes) // 4  # uneven at a line's length, not a file's
    assert any(isinstance(s, dask_runner.Piece) for p in partitions for s in p.sources)
    assert_same_answer(newsdedup.run(folder, config.replace(workers=1)), newsdedup.run(folder, config, client=client))


@pytest.mark.parametrize("contents", [{}, {"notes.bin": b"\x00", "bad.jsonl": b"not json\n"}])
def test_an_input_without_a_readable_document_gives_the_local_engines_tables(tmp_path, client, contents):
    """An empty folder (no partition at all), or one of rejects only: empty tables and the
    rejects, as the local engine gives them, not an error from a step with nothing to do."""
    folder = tmp_path / "dump"
    folder.mkdir()
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    config = newsdedup.Config(workers=2)
    on_dask = newsdedup.run(folder, config, client=client)
    assert len(on_dask.documents) == len(contents) and len(on_dask.clusters) == 0
    assert (on_dask.documents["status"] == "rejected").all()
    assert_same_answer(newsdedup.run(folder, config), on_dask)


def test_a_dataframe_input_on_a_local_cluster_started_for_the_run():
    frame = corpus(stories=30, seed=3)[["id", "text"]]
    local = newsdedup.run(frame, newsdedup.Config(workers=1))
    threads = set(threading.enumerate())
    on_dask = newsdedup.run(frame, newsdedup.Config(workers=2, engine="dask"))
    assert_same_answer(local, on_dask)
    # the run's cluster, client and their threads are gone (the local engine forks its
    # helpers only from a process running no other thread)
    assert set(threading.enumerate()) <= threads


def test_aeb_dupes_same_tables(client):
    data = shared("aeb-dupes-dev")
    local = newsdedup.run(data / "docs", newsdedup.Config(workers=2))
    on_dask = newsdedup.run(data / "docs", newsdedup.Config(workers=2), client=client)
    assert len(on_dask.documents) == len(os.listdir(data / "docs"))
    assert_same_answer(local, on_dask)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_on_a_dask_scheduler_with_two_worker_processes(tmp_path, generated):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cache = _jit.cache_dir()  # the workers' kernels come from this process's numba cache
    if cache is not None and cache != _jit.PACKAGE_DIR:  # (the package's own: found without a setting)
        env[_jit.ENV] = str(cache)
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        pytest.skip("no dask command beside this Python")
    logs = open(tmp_path / "cluster.log", "wb")
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"], env=env, stdout=logs, stderr=logs, start_new_session=True)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([str(dask), "worker", address, "--host", "127.0.0.1", "--nworkers", "1",
                                           "--nthreads", "1", "--no-dashboard", "--preload", "newsdedup.runners.dask"],
                                          env=env, stdout=logs, stderr=logs,
                                          start_new_session=True))
        with distributed.Client(address, timeout=60) as c:
            c.wait_for_workers(2, timeout=120)
            assert set(c.run(lambda: str(_jit.cache_dir())).values()) == {str(cache)}
        started = time.time()
        inputs = [str(generated / "pages"), str(generated / "news.jsonl")]
        outs = {}
        for engine in ("local", "dask"):
            out = tmp_path / engine
            cmd = [sys.executable, "-m", "newsdedup", "run", *inputs, "--out", str(out), "--format", "jsonl",
                   "--quiet", "--engine", engine, "--workers", "2"] + (["--scheduler", address] if engine == "dask" else [])
            subprocess.run(cmd, env=env, check=True, timeout=600)
            outs[engine] = out
        for name in ("documents", "clusters", "paragraph_matches", "boilerplate", "pairs"):
            assert (outs["local"] / f"{name}.jsonl").read_bytes() == (outs["dask"] / f"{name}.jsonl").read_bytes(), name
        if cache is not None:  # the kernels were loaded from the cache, not compiled again
            assert not [f for f in cache.rglob("*.nbc") if f.stat().st_mtime > started]
        summaries = [json.loads((outs[e] / "summary.json").read_text()) for e in ("local", "dask")]
        assert summaries[1]["execution"]["engine"] == "dask"
        assert [{k: v for k, v in s.items() if k != "execution"} for s in summaries][0] == \
               [{k: v for k, v in s.items() if k != "execution"} for s in summaries][1]
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        logs.close()
        dask_runner.release_threads()


def test_a_worker_killed_mid_run_costs_a_retry_not_the_answer(generated, small_partitions):
    inputs = [generated / "pages", generated / "news.jsonl"]
    local = newsdedup.run(inputs, newsdedup.Config(workers=1))
    killed: list[int] = []
    with _two_workers() as c:
        pids = c.run(os.getpid)
        done = threading.Event()
        # the workers hold their drafts: a partition cleaned again after its worker is lost
        # drafts its records again, from its task's inputs
        assert dask_runner.holds_drafts(c, dask_runner.plan(inputs, newsdedup.Config(workers=2), 2))

        def kill_a_worker_holding_drafts() -> None:
            # once a partition's pass-1 documents are held on a worker, that worker's process
            # dies: its documents and its running task are lost, and must be made again
            while not done.is_set() and not killed:
                for key, holders in c.who_has().items():
                    if "held_documents" in str(key) and holders:
                        os.kill(pids[holders[0]], signal.SIGKILL)
                        killed.append(pids[holders[0]])
                        return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_a_worker_holding_drafts, daemon=True)
        killer.start()
        try:
            on_dask = newsdedup.run(inputs, newsdedup.Config(workers=2), client=c)
        finally:
            done.set()
            killer.join()
        assert killed, "no worker was killed during the run"
        assert set(c.run(os.getpid).values()) != set(pids.values())  # the nanny started a new worker
    dask_runner.release_threads()
    assert_same_answer(local, on_dask)


@contextmanager
def _two_workers():
    """A client of a fresh LocalCluster of two single-thread worker processes (each a
    process of its own, which a test may kill)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        yield client


def _killed(client, pids: dict[str, int], address: str) -> str:
    """``address``'s worker process SIGKILLed, once the scheduler has let it go."""
    os.kill(pids[address], signal.SIGKILL)
    while address in client.scheduler_info()["workers"]:
        time.sleep(0.05)
    return address


def test_a_worker_killed_after_cleaning_costs_a_retry_not_the_answer(generated, small_partitions, monkeypatch):
    """Each worker dies in turn once every partition is cleaned (as dedup asks for the
    candidates' texts): their clean documents are made again from the input, which needs
    pass 2's template evidence still on the cluster (a restarted worker never had it)."""
    from newsdedup.runners import dask_corpus

    inputs = [generated / "pages", generated / "news.jsonl"]
    local = newsdedup.run(inputs, newsdedup.Config(workers=1))
    killed: list[str] = []
    fetched = dask_corpus.fetched

    with _two_workers() as c:
        pids = c.run(os.getpid)

        def fetched_after_a_kill(client, finished, *args):
            if not killed:
                for holder in sorted(pids):  # the first worker, then the second once the first is back
                    killed.append(_killed(client, pids, holder))
                    client.wait_for_workers(2, timeout=60)
            return fetched(client, finished, *args)

        monkeypatch.setattr(dask_corpus, "fetched", fetched_after_a_kill)
        on_dask = newsdedup.run(inputs, newsdedup.Config(workers=2), client=c)
    dask_runner.release_threads()
    assert killed, "no worker was killed during the run"
    assert_same_answer(local, on_dask)


def test_band_key_shuffle_gives_the_candidate_pairs_of_one_sort():
    """Band keys split over partitions and shards, buckets made per shard: the pairs of
    ``candidate_pairs`` over the whole corpus, large buckets linked as the same star."""
    from newsdedup.dedup.lsh import candidate_pairs, optimal_bands
    from newsdedup.dedup.signatures import MAX_HASH
    from newsdedup.runners import dask_corpus

    config = newsdedup.Config(max_bucket_size=4)
    rng = np.random.default_rng(7)
    n = 400
    sigs = rng.integers(0, 3, size=(n, config.num_perm)).astype(np.uint32)  # few values: big buckets
    sigs[rng.random(n) < 0.5] = rng.integers(0, 2**32 - 1, size=config.num_perm, dtype=np.uint32)
    sigs[::37] = MAX_HASH  # texts without words
    distinct = rng.random(n) < 0.9  # the rest: exact copies, left out
    keep = np.flatnonzero(distinct & (sigs != MAX_HASH).any(axis=1))
    bands, rows = optimal_bands(config.candidate_threshold, config.num_perm)
    a, b = candidate_pairs(sigs[keep], bands, rows, config.max_bucket_size)
    expected = (keep[a], keep[b])
    assert expected[0].size > 1000
    parts = np.array_split(rng.permutation(n), 5)  # partitions hold documents in any order
    banded = [dask_corpus.band_shards(dask_corpus.Finished([], sigs[p]), p, distinct[p], config, 3) for p in parts]
    found = [dask_corpus.bucket_pairs(config.max_bucket_size, *[shards[s] for shards in banded]) for s in range(3)]
    got = _unique_pairs(np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found]))
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


def test_only_the_candidates_texts_come_to_the_client(client, generated, small_partitions, monkeypatch):
    from newsdedup.runners import dask_corpus

    asked: list[int] = []
    fetched = dask_corpus.fetched

    def recorded(client, finished, corpus, wanted, num_perm):
        asked.extend(wanted.tolist())
        return fetched(client, finished, corpus, wanted, num_perm)

    monkeypatch.setattr(dask_corpus, "fetched", recorded)
    on_dask = newsdedup.run([generated / "pages", generated / "news.jsonl"], newsdedup.Config(workers=2),
                            client=client)
    readable = sorted(on_dask.documents.loc[on_dask.documents["status"] != "rejected", "doc_id"])
    pairs = on_dask.pairs[on_dask.pairs["reason"] != "identical clean text"]  # candidates (not exact copies)
    assert {readable[i] for i in asked} == set(pairs["doc_a"]) | set(pairs["doc_b"])
    assert 0 < len(asked) < len(readable)


def test_partitioned_tables_written_by_the_workers_over_many_partitions(tmp_path, client, generated,
                                                                         small_partitions, monkeypatch):
    """Files of 7 rows: a partition's documents and removed paragraphs go to many files, and
    a file gets rows of many partitions; the files equal the local engine's, byte for byte."""
    from newsdedup import write

    monkeypatch.setattr(write, "PARTITION_ROWS", 7)
    inputs = [generated / "pages", generated / "news.jsonl"]
    local = newsdedup.run(inputs, newsdedup.Config(workers=1, partitioned=True)).write(tmp_path / "local", report=False)
    config = newsdedup.Config(workers=2, partitioned=True, out=str(tmp_path / "dask"))
    on_dask = newsdedup.run(inputs, config, client=client)
    assert set(on_dask.written) == {"documents", "boilerplate"}
    out = on_dask.write(report=False)
    for name in ("documents", "boilerplate", "clusters", "paragraph_matches", "pairs"):
        files = sorted(p.name for p in (local / name).iterdir())
        assert files == sorted(p.name for p in (out / name).iterdir()), name
        assert all((local / name / f).read_bytes() == (out / name / f).read_bytes() for f in files), name
    assert len(list((out / "boilerplate").iterdir())) > 20
    assert (out / "rejects.jsonl").read_bytes() == (local / "rejects.jsonl").read_bytes()


def test_dask_counts_held_clean_documents_by_their_text():
    """A worker's memory limit moves held partitions to disk by their real size: Dask
    counts an object it does not know as a few bytes."""
    from dask.sizeof import sizeof

    from newsdedup.clean import Evidence
    from newsdedup.runners import dask_corpus

    config = newsdedup.Config(workers=1)
    partition = dask_runner.plan(CORPUS, config, 1)[0]
    first, _ = dask_runner.clean_first(partition, config)
    finished = dask_runner.finish_partition(first, partition, [], {}, Evidence(), config)
    raw = sum(c.raw_chars for c in first.cleaned)
    clean = sum(len(c.text) for c in finished.cleaned)
    assert raw > 1000 and 2 * clean <= sizeof(first) <= 3 * raw
    assert sizeof(first) < sizeof(finished) <= 3 * raw
    outline = dask_corpus.outline_of(finished)
    keys = sum(len(k) for doc in outline.keys for k in doc)
    assert keys > 1000 and keys <= sizeof(outline) <= 3 * keys


def _counting_drafts(client, run):
    """``run()``'s result, and how many times the workers drafted each doc id during it."""
    def count_drafts() -> None:
        from newsdedup import clean as on_worker

        original, seen = on_worker.draft, []

        def counted(record):
            seen.append(record.doc_id)
            return original(record)

        counted.seen, counted.original = seen, original
        on_worker.draft = counted

    def stop_counting() -> list[str]:
        from newsdedup import clean as on_worker

        counted = on_worker.draft
        on_worker.draft = counted.original
        return counted.seen

    client.run(count_drafts)
    try:
        result = run()
    finally:
        drafted = Counter(doc_id for seen in client.run(stop_counting).values() for doc_id in seen)
    return result, drafted


@pytest.mark.parametrize("held", [True, False])
def test_pass_two_drafts_again_only_the_documents_holding_a_template_unless_drafts_are_held(
        client, generated, small_partitions, monkeypatch, tmp_path, held):
    """Workers that hold their drafts draft each record once (and the id clashes again,
    rejected); else pass 1 finishes each record at once and drops its draft, and pass 2
    drafts again only the records whose clean text the corpus templates change: the ones
    holding a template paragraph. The same tables either way, with a record empty once
    cleaned (readable, with a template summary) before the pages of the first partition."""
    from newsdedup import clean
    from newsdedup.read import read_inputs

    if not held:  # the drafts of a worker's share of the input are bigger than this share of its memory
        monkeypatch.setattr(dask_runner, "DRAFT_SHARE", 1e-9)
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"id": "empty", "text": "Menu\nSubscribe"}) + "\n")
    inputs, config = [empty, generated / "pages", generated / "news.jsonl"], newsdedup.Config(workers=2)
    assert dask_runner.holds_drafts(client, dask_runner.plan(inputs, config, 2)) is held
    on_dask, drafted = _counting_drafts(client, lambda: newsdedup.run(inputs, config, client=client))
    drafts = [clean.draft(r) for r in read_inputs(inputs, config)]
    summaries = [(d.doc_id, clean.key_summary(d, config)) for d in drafts if d.error is None]
    needing = clean.needing_templates(summaries, clean.templates_from(summaries, config))
    clashes = on_dask.rejects["error"].str.contains("duplicate id").sum()
    assert 20 < len(needing) < len(summaries) / 2
    assert {doc_id for doc_id, n in drafted.items() if n == 2} == (set() if held else needing)
    assert sum(drafted.values()) == len(on_dask.documents) + (0 if held else len(needing)) + clashes
    assert (on_dask.rejects["error"] == clean.EMPTY).sum() >= 1
    assert_same_answer(newsdedup.run(inputs, newsdedup.Config(workers=1)), on_dask)


class _Cluster:
    """What :func:`dask_runner.holds_drafts` reads of a client: its workers' memory limits."""

    def __init__(self, *limits: int) -> None:
        self.limits = limits

    def scheduler_info(self) -> dict:
        return {"workers": {f"w{i}": {"memory_limit": limit} for i, limit in enumerate(self.limits)}}


def test_workers_hold_drafts_while_their_share_fits_in_a_share_of_their_memory_limit():
    """Two 3 GB workers hold the drafts of 100 MB of input (250 MB a worker at 5 bytes a
    character), not those of 1M synthetic documents (3.3 GB); workers without a memory
    limit hold them; the smallest limit decides."""
    parts = [dask_runner.Partition(i, size=50 * 10**6) for i in range(2)]
    million = [dask_runner.Partition(i, size=52 * 10**6) for i in range(64)]
    gb = 10**9
    assert dask_runner.holds_drafts(_Cluster(3 * gb, 3 * gb), parts)
    assert not dask_runner.holds_drafts(_Cluster(3 * gb, 3 * gb), million)
    assert not dask_runner.holds_drafts(_Cluster(12 * gb, 12 * gb), million)
    assert dask_runner.holds_drafts(_Cluster(0, 0), million)
    assert not dask_runner.holds_drafts(_Cluster(12 * gb, gb // 5), parts)
    assert dask_runner.holds_drafts(_Cluster(12 * gb, gb), parts)


def test_held_drafts_are_finished_as_the_records_read_again_are(tmp_path, generated):
    """A partition's held drafts, finished in pass 2, give the documents that pass 1's
    documents give with the records holding a template read and drafted again; a record
    empty once cleaned still has its draft's template summary (it is readable in the heads,
    which have a summary for each readable record)."""
    from dask.sizeof import sizeof

    from newsdedup.clean import holding_templates, key_summary, templates_from

    config = newsdedup.Config(workers=1)
    empty = tmp_path / "a.jsonl"
    empty.write_text(json.dumps({"id": "empty", "text": "Menu\nSubscribe"}) + "\n")
    partition, = dask_runner.plan([empty, generated / "pages"], config, 1)
    held, (heads, _) = dask_runner.clean_first(partition, config, hold=True)
    kept, (heads_kept, _) = dask_runner.clean_first(partition, config)
    assert held.drafts is not None and not held.cleaned and kept.drafts is None
    assert heads.ids[0] == "empty" and heads.readable[0] and kept.cleaned[0].error  # readable draft, empty text
    summaries = [(d.doc_id, key_summary(d, config)) for d in held.drafts if d.error is None]
    for h in (heads, heads_kept):
        assert h.readable.sum() == len(h.summaries.sizes()) == len(summaries)
        assert (h.summaries.flat("keys") == np.concatenate([s.keys for _, s in summaries])).all()
    evidence = templates_from(summaries, config)
    readable = np.flatnonzero(heads.readable)
    redo = readable[holding_templates(heads.summaries.flat("keys"), heads.summaries.sizes(), evidence)].tolist()
    assert 0 < len(redo) < len(held.drafts)
    from_drafts = dask_runner.finish_partition(held, partition, [], {}, evidence, config)
    read_again = dask_runner.finish_partition(kept, partition, redo, {}, evidence, config)
    assert [dataclasses.astuple(c) for c in from_drafts.cleaned] == [dataclasses.astuple(c) for c in read_again.cleaned]
    assert (from_drafts.signatures == read_again.signatures).all()
    assert sizeof(held) >= 3 * sum(d.raw_chars for d in held.drafts)  # Dask counts the drafts' memory


def test_each_partitions_clean_documents_let_go_once_its_table_rows_are_made(client, generated, small_partitions,
                                                                              monkeypatch):
    """The workers do not hold every partition's clean documents while the table rows are
    made and gathered: once the last partition's rows are here, none is held."""
    from newsdedup.runners import dask_corpus

    held_after_rows: list[int] = []
    gather_each = dask_corpus.gather_each

    def finished_held() -> int:
        return sum(1 for keys in client.has_what().values() for key in keys if str(key).startswith("finish_partition"))

    def recorded(dask_client, futures, *each):
        tables = any(getattr(f, "key", "").startswith(("table_rows", "write_rows")) for f in futures)
        results = gather_each(dask_client, futures, *each)
        if tables:
            for _ in range(50):  # the scheduler lets them go a moment after the last task is done
                if not finished_held():
                    break
                time.sleep(0.1)
            held_after_rows.append(finished_held())
        return results

    monkeypatch.setattr(dask_corpus, "gather_each", recorded)
    inputs = [generated / "pages", generated / "news.jsonl"]
    on_dask = newsdedup.run(inputs, newsdedup.Config(workers=2), client=client)
    assert len(dask_runner.plan(inputs, newsdedup.Config(), 2)) > 4
    assert held_after_rows == [0]
    assert len(on_dask.documents) > 400


def test_the_passage_index_reads_keys_on_the_workers_while_the_client_deduplicates(client, generated,
                                                                                  small_partitions, monkeypatch):
    """The cross-cluster search's passage index is built from the keys' stats sent with
    the partitions' outlines and from their long keys' shingles made on the workers (the
    client's own readers fail here), and the tables are the local engine's."""
    from newsdedup import match

    inputs = [generated / "pages", generated / "news.jsonl"]
    local = newsdedup.run(inputs, newsdedup.Config(workers=1))

    def not_here(*args, **kwargs):
        raise AssertionError("the keys were read for the passage index on the client")

    for name in ("key_stats", "shingled_keys", "shingled_texts"):
        monkeypatch.setattr(match, name, not_here)
    assert_same_answer(local, newsdedup.run(inputs, newsdedup.Config(workers=2), client=client))


def test_shingles_too_big_for_the_workers_memory_are_made_by_the_client(client, generated, small_partitions,
                                                                       monkeypatch):
    """Past ``SHINGLE_SHARE`` of a worker's memory limit the long keys are not shingled on the
    workers (none is asked to); the client shingles them from the plan made of the outlines'
    stats (it does not read every key again for them), and the tables are the same."""
    from newsdedup import match
    from newsdedup.runners import dask_corpus

    inputs = [generated / "pages", generated / "news.jsonl"]
    local = newsdedup.run(inputs, newsdedup.Config(workers=1))
    monkeypatch.setattr(dask_corpus, "SHINGLE_SHARE", 0.0)

    def not_there(*args, **kwargs):
        raise AssertionError("the keys were shingled on a worker or read again for the plan")

    monkeypatch.setattr(dask_corpus, "shingled_keys_of", not_there)
    monkeypatch.setattr(match, "key_stats", not_there)
    assert_same_answer(local, newsdedup.run(inputs, newsdedup.Config(workers=2), client=client))


def test_long_keys_shingled_by_a_worker_lost_after_are_shingled_again(generated, small_partitions, monkeypatch):
    """A worker that shingled long keys for the passage index dies before the client takes
    them: its tasks are made again (from the input, on the other worker), same tables."""
    from newsdedup.runners import dask_corpus

    inputs = [generated / "pages", generated / "news.jsonl"]
    local = newsdedup.run(inputs, newsdedup.Config(workers=1))
    killed: list[str] = []
    on_workers = dask_corpus.shingling_on_workers
    with _two_workers() as c:
        pids = c.run(os.getpid)

        def shingled_then_lost(client, finished, corpus, config):
            shingling = on_workers(client, finished, corpus, config)
            distributed.wait(shingling.tasks)
            killed.append(_killed(client, pids, c.who_has(shingling.tasks[0])[shingling.tasks[0].key][0]))
            return shingling

        monkeypatch.setattr(dask_corpus, "shingling_on_workers", shingled_then_lost)
        on_dask = newsdedup.run(inputs, newsdedup.Config(workers=2), client=c)
    dask_runner.release_threads()
    assert killed, "no long keys were shingled on a worker"
    assert_same_answer(local, on_dask)


def test_workers_keep_clean_documents_in_a_spill_file_with_the_same_answer(client, generated, small_partitions,
                                                                          monkeypatch):
    """Past ``spill_min_mb`` a worker keeps its clean documents' paragraphs in a file (a
    partition's held documents then count as a few bytes each), and the tables are the
    local engine's."""
    from dask.sizeof import sizeof

    from newsdedup.clean import Evidence
    from newsdedup.runners.spill import Spilled

    inputs = [generated / "pages", generated / "news.jsonl"]
    local = newsdedup.run(inputs, newsdedup.Config(workers=1))
    assert_same_answer(local, newsdedup.run(inputs, newsdedup.Config(workers=2, spill_min_mb=0), client=client))
    config = newsdedup.Config(workers=1)
    partition = dask_runner.plan(CORPUS, config, 1)[0]
    kept, _ = dask_runner.clean_first(partition, config)
    spilled, _ = dask_runner.clean_first(partition, config, spill=True)
    assert all(isinstance(c.paragraphs, Spilled) for c in spilled.cleaned)
    assert [c.text for c in spilled.cleaned] == [c.text for c in kept.cleaned]
    finished = dask_runner.finish_partition(spilled, partition, [0], {}, Evidence(), config)
    assert all(isinstance(c.paragraphs, Spilled) for c in finished.cleaned)
    assert sizeof(spilled) * 5 < sizeof(kept)


def test_held_documents_stay_spilled_when_dask_moves_them_to_disk_or_another_worker():
    """Dask pickles a held partition to spill it to its disk or send it to another worker:
    loaded again, its rows are in a spill file of the loading process, not in memory (a
    pickled spilled part carries its list), with the same texts."""
    import pickle

    from newsdedup.clean import Evidence
    from newsdedup.runners.spill import Spilled

    config = newsdedup.Config(workers=1)
    partition = dask_runner.plan(CORPUS, config, 1)[0]
    first, _ = dask_runner.clean_first(partition, config, spill=True)
    finished = dask_runner.finish_partition(first, partition, [], {}, Evidence(), config)
    texts = [c.text for c in finished.cleaned]
    for held in (first, finished):
        back = pickle.loads(pickle.dumps(held, protocol=5))
        assert all(isinstance(c.paragraphs, Spilled) and isinstance(c.keys, Spilled) and isinstance(c.removed, Spilled)
                   for c in back.cleaned)
        assert [c.text for c in back.cleaned] == texts
        assert [list(c.keys) for c in back.cleaned] == [list(c.keys) for c in held.cleaned]
    kept, _ = dask_runner.clean_first(partition, config)
    back = pickle.loads(pickle.dumps(kept))
    assert not any(isinstance(c.paragraphs, Spilled) for c in back.cleaned)  # in memory stays in memory
    assert [c.text for c in back.cleaned] == texts


def test_the_client_keeps_the_paragraph_keys_in_a_file_past_spill_min_mb(client, generated, small_partitions,
                                                                         monkeypatch):
    """Past ``spill_min_mb`` the client writes each partition's paragraph keys to a file as
    its outline arrives and matches from there (8 bytes a document in memory), with the
    local engine's tables."""
    from newsdedup.runners.spill import SpilledColumn

    seen: list = []
    matched = dask_runner.matched

    def recorded(client, corpus, *args):
        seen.append(corpus.keys)
        return matched(client, corpus, *args)

    monkeypatch.setattr(dask_runner, "matched", recorded)
    inputs = [generated / "pages", generated / "news.jsonl"]
    local = newsdedup.run(inputs, newsdedup.Config(workers=1))
    assert_same_answer(local, newsdedup.run(inputs, newsdedup.Config(workers=2, spill_min_mb=0), client=client))
    assert isinstance(seen[0], SpilledColumn) and len(seen[0]) > 400
    newsdedup.run(inputs, newsdedup.Config(workers=2), client=client)
    assert isinstance(seen[1], list)


def test_an_outline_lets_the_key_hashes_go_and_made_again_gives_the_same_stats():
    """The carried key hashes are read once, by the outline: the worker then lets them go,
    and an outline made again (a retried task) reads the keys for the same stats."""
    from newsdedup.clean import Evidence
    from newsdedup.runners import dask_corpus

    config = newsdedup.Config(workers=1)
    partition = dask_runner.plan(CORPUS, config, 1)[0]
    first, _ = dask_runner.clean_first(partition, config)
    finished = dask_runner.finish_partition(first, partition, [], {}, Evidence(), config)
    good = [c for c in finished.cleaned if c.error is None]
    assert all(len(c.key_hashes) == 8 * len(c.keys) for c in good)
    once = dask_corpus.outline_of(finished)
    assert all(c.key_hashes == b"" for c in good)
    again = dask_corpus.outline_of(finished)
    assert once.stats.hashes.size > 20
    for name in ("n_paras", "words", "hashes"):
        assert np.array_equal(getattr(once.stats, name), getattr(again.stats, name))


def test_a_spilled_partitions_keys_reach_the_clients_spill_pickled_as_they_are():
    """For a client that spills the paragraph keys, a partition's outline carries each
    document's keys as the bytes of the worker's spill file, and the client writes them to
    its own file as they are: matching reads back the same lists, and the lengths and
    digests are those of the outline of lists."""
    from newsdedup.clean import Evidence
    from newsdedup.runners import dask_corpus
    from newsdedup.runners.spill import Spill, SpilledColumn

    config = newsdedup.Config(workers=1)
    partition = dask_runner.plan(CORPUS, config, 1)[0]
    first, _ = dask_runner.clean_first(partition, config, spill=True)
    finished = dask_runner.finish_partition(first, partition, [], {}, Evidence(), config)
    plain, pickled = dask_corpus.outline_of(finished), dask_corpus.outline_of(finished, pickled=True)
    assert len(plain.keys) >= 5 and all(isinstance(k, bytes) for k in pickled.keys)
    assert (plain.lengths == [len(c.text) for c in finished.cleaned if c.error is None]).all()
    assert (plain.digests == pickled.digests).all() and (plain.lengths == pickled.lengths).all()
    on_client = dask_corpus.keys_to_disk(Spill())(0, pickled)
    column = SpilledColumn(on_client.keys_spill, on_client.keys)
    assert [column[i] for i in range(len(column))] == plain.keys
