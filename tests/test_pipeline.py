"""The whole run: outputs, conservation, determinism, rejects, CLI and library API."""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import newsdedup
from newsdedup import schema
from newsdedup.cli import main
from newsdedup.report import without_execution

from .conftest import CORPUS, FIXTURES, ROOT, SEED

TABLES = ("documents", "clusters", "paragraph_matches", "boilerplate", "pairs")


def read_table(out: Path, name: str, fmt: str) -> pd.DataFrame:
    path = out / f"{name}.{fmt}"
    if fmt == "parquet":
        return pd.read_parquet(path)
    if fmt == "jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def output_bytes(out: Path) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    summary = json.loads(files.pop("summary.json"))
    summary.pop("execution")
    files["summary.json"] = json.dumps(summary, sort_keys=True).encode()
    if "report.html" in files:
        files["report.html"] = without_execution(files["report.html"].decode()).encode()
    return files


def make_dump(root: Path, n: int, seed: int = 1) -> Path:
    """n documents of mixed formats built from the seeds: copies, shuffled-chrome variants, bad files."""
    rng = random.Random(seed)
    texts = [(CORPUS / f"{name}.txt").read_text() for name in SEED.values()]
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        text = texts[i % len(texts)]
        lines = text.split("\n")
        if i % 3 == 1:
            lines = ["Home", "Sections", *lines, "Share this article", f"Related: item {i}"]
        variant = "\n".join(lines)
        if i % 4 == 0:
            rows.append({"id": f"j{i:03d}", "text": variant, "url": f"https://example.org/{i}"})
        elif i % 4 == 1:
            (root / f"t{i:03d}.txt.gz").write_bytes(gzip.compress(variant.encode()))
        else:
            (root / f"t{i:03d}.txt").write_text(variant)
    rng.shuffle(rows)
    with open(root / "dump.jsonl", "w") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
        fh.write("{broken\n")
    (root / "page.html").write_text((FIXTURES / "page.html").read_text())
    (root / "binary.txt").write_bytes(b"\x00\x01" * 100)
    (root / "empty.txt").write_text("   \n")
    return root


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv"])
def test_seed_run_writes_every_table_in_every_format(tmp_path, fmt):
    result = newsdedup.run(CORPUS, newsdedup.Config(workers=1))
    out = result.write(tmp_path / "out", fmt)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"{t}.{fmt}" for t in TABLES] + ["rejects.jsonl", "summary.json", "summary.md", "report.html", ".newsdedup-run"])
    docs = read_table(out, "documents", fmt)
    assert list(docs.columns) == list(schema.DOCUMENTS)
    assert docs["doc_id"].tolist() == sorted(SEED.values())
    assert list(read_table(out, "clusters", fmt).columns) == list(schema.CLUSTERS)
    assert list(read_table(out, "paragraph_matches", fmt).columns) == list(schema.MATCHES)
    assert list(read_table(out, "boilerplate", fmt).columns) == list(schema.BOILERPLATE)
    clusters = read_table(out, "clusters", fmt)
    members = clusters["member_ids"].map(lambda v: json.loads(v) if isinstance(v, str) else list(v))
    assert sorted(m for ms in members for m in ms) == sorted(SEED.values())


def test_seed_summary_counts_and_versions(tmp_path, seed_result):
    out = seed_result.write(tmp_path)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["inputs"] == 5
    assert summary["counts"]["duplicates"] == 1
    assert summary["counts"]["clusters"] == 4
    assert summary["counts"]["boilerplate_chars_removed"] > 3000
    assert summary["settings"]["threshold"] == 0.7
    assert set(summary["versions"]) >= {"newsdedup", "trafilatura", "datasketch", "rapidfuzz", "pandas"}
    assert set(summary["execution"]["timings_s"]) >= {"read", "clean", "dedup", "match"}
    memory = summary["execution"]["peak_memory_mb"]
    assert set(memory) == {"this_process", "largest_child"} and memory["this_process"] > 50  # numba and pandas alone


def test_documents_keep_their_own_text_duplicates_included(seed_result):
    docs = seed_result.documents.set_index("doc_id")
    d0, d1 = SEED["000"], SEED["001"]
    assert docs.at[d1, "status"] == "duplicate" and docs.at[d1, "canonical_id"] == d0
    assert docs.at[d1, "text"] == docs.at[d0, "text"]
    assert docs.at[d1, "raw_chars"] > 3 * docs.at[d0, "raw_chars"] / 2
    assert (docs["clean_chars"] == docs["text"].str.len()).all()


def test_mixed_dump_conserves_every_record(tmp_path):
    dump = make_dump(tmp_path / "dump", 40)
    result = newsdedup.run(dump, newsdedup.Config(workers=1))
    docs = result.documents
    expected = 40 + 1 + 1 + 2  # documents, broken JSONL line, html page, binary + empty
    assert len(docs) == expected and docs["doc_id"].is_unique
    assert docs["status"].value_counts().sum() == expected
    rejected = docs[docs["status"] == "rejected"]
    assert sorted(rejected["doc_id"]) == sorted(result.rejects["doc_id"]) == ["binary", "dump:11", "empty"]
    assert rejected["cluster_id"].isna().all()
    live = docs[docs["status"] != "rejected"]
    assert live["cluster_id"].notna().all()
    assert set(live["doc_id"]) == {m for ms in result.clusters["member_ids"] for m in ms}
    errors = dict(zip(result.rejects["doc_id"], result.rejects["error"]))
    assert "malformed JSON" in errors["dump:11"] and "binary" in errors["binary"] and "empty" in errors["empty"]


def test_outputs_are_byte_identical_whatever_the_order_and_the_workers(tmp_path, monkeypatch):
    from newsdedup.runners import local
    from newsdedup.runners.fork import Forked
    from newsdedup.runners.later import Later
    from newsdedup.match import passage_index, within_columns

    # with two workers, the passage index, the alignments and the report page are made in forked children
    forked = []
    monkeypatch.setattr(local, "FORK_MIN_DOCS", 0)
    monkeypatch.setattr(local, "Forked", lambda fn, *args: forked.append(fn) or Forked(fn, *args))
    _record_report_forks(monkeypatch, forked)
    dump = make_dump(tmp_path / "dump", 80)
    files = sorted(p for p in dump.iterdir())
    a = newsdedup.run(dump, newsdedup.Config(workers=1)).write(tmp_path / "a")
    assert forked == []
    b = newsdedup.run(list(reversed(files)), newsdedup.Config(workers=2, workers_min_mb=0)).write(tmp_path / "b")
    assert [getattr(fn, "func", fn) for fn in forked] == [passage_index, within_columns, "report"]
    # the index child takes both cores once dedup is done, and gets the clusters from it
    assert forked[0].keywords["threads"] == 2 and isinstance(forked[0].keywords["clusters_later"], Later)
    dump2 = make_dump(tmp_path / "dump2", 80, seed=2)  # same documents, JSONL rows in another order
    c = newsdedup.run(dump2, newsdedup.Config(workers=2, workers_min_mb=0)).write(tmp_path / "c")
    assert (~pd.read_parquet(a / "paragraph_matches.parquet")["same_cluster"]).sum() > 0
    assert output_bytes(a) == output_bytes(b)
    docs_a = pq.read_table(a / "documents.parquet").drop(["source"]).to_pandas()
    docs_c = pq.read_table(c / "documents.parquet").drop(["source"]).to_pandas()
    pd.testing.assert_frame_equal(docs_a, docs_c)


def test_two_workers_fork_no_child_above_the_cap_and_give_the_same_bytes(tmp_path, monkeypatch):
    """Past ``FORK_MAX_DOCS`` documents the passage index and the alignments are made in
    this process (a forked child would come to own a copy of the parent's heap), and the
    two halves of matching one after the other (on two threads their peaks add up)."""
    from newsdedup import match
    from newsdedup.runners import local
    from newsdedup.runners.fork import Forked

    forked, pools = [], []
    monkeypatch.setattr(local, "FORK_MIN_DOCS", 0)
    monkeypatch.setattr(local, "FORK_MAX_DOCS", 40)
    monkeypatch.setattr(local, "Forked", lambda fn, *args: forked.append(fn) or Forked(fn, *args))
    monkeypatch.setattr(match, "ThreadPoolExecutor", lambda n: pools.append(n) or ThreadPoolExecutor(n))
    _record_report_forks(monkeypatch, forked)
    dump = make_dump(tmp_path / "dump", 80)
    a = newsdedup.run(dump, newsdedup.Config(workers=1)).write(tmp_path / "a")
    b = newsdedup.run(dump, newsdedup.Config(workers=2, workers_min_mb=0)).write(tmp_path / "b")
    assert forked == [] and pools == []
    assert output_bytes(a) == output_bytes(b)


def _record_report_forks(monkeypatch, forked: list) -> None:
    """``forked`` gets "report" whenever a run's page is handed to a forked child,
    "documents" whenever its documents table is."""
    from newsdedup import result as result_module
    from newsdedup.runners import fork, local

    def recorded(fn, *args):
        child = fork.forked_if_safe(fn, *args)
        if child is not None:
            forked.append("documents" if fn is result_module._write_documents else "report")
        return child

    monkeypatch.setattr(local, "forked_if_safe", recorded)


def test_a_page_failing_in_its_forked_child_fails_the_write_and_keeps_the_previous_run(tmp_path, monkeypatch):
    import newsdedup.report as report
    from newsdedup.runners import local

    forked = []
    _record_report_forks(monkeypatch, forked)
    out = newsdedup.run(CORPUS, newsdedup.Config(workers=1)).write(tmp_path / "out")
    before = output_bytes(out)
    result = newsdedup.run(CORPUS, newsdedup.Config(workers=2, workers_min_mb=0))
    assert result.report_beside is not None and len(result.documents) <= local.FORK_MAX_DOCS

    def broken(*args, **kwargs):
        raise ValueError("the page could not be made")

    monkeypatch.setattr(report, "render_report", broken)  # the child forked from this process has it too
    with pytest.raises(ValueError, match="the page could not be made"):
        result.write(out)
    assert forked == ["report"]
    assert output_bytes(out) == before


def test_a_spilled_run_with_two_workers_writes_its_documents_table_in_a_forked_child(tmp_path, monkeypatch):
    """On a spilled run the page comes after the tables, so with two workers the documents
    table (its texts read back from the spill file) is written by a forked child beside
    the other tables and the page: the same files as one worker's run; a failure there
    fails the write and keeps the previous run."""
    from newsdedup import result as result_module

    forked = []
    _record_report_forks(monkeypatch, forked)
    dump = make_dump(tmp_path / "dump", 60)
    one = newsdedup.run(dump, newsdedup.Config(workers=1, spill_min_mb=0)).write(tmp_path / "one")
    two = newsdedup.run(dump, newsdedup.Config(workers=2, workers_min_mb=0, spill_min_mb=0))
    assert two.write(tmp_path / "two") and sorted(forked) == ["documents", "report"]
    assert output_bytes(tmp_path / "two") == output_bytes(one)

    def broken(*args):
        raise ValueError("the documents could not be written")

    monkeypatch.setattr(result_module, "_write_documents", broken)  # the forked child has it too
    again = newsdedup.run(dump, newsdedup.Config(workers=2, workers_min_mb=0, spill_min_mb=0))
    with pytest.raises(ValueError, match="the documents could not be written"):
        again.write(tmp_path / "two")
    assert output_bytes(tmp_path / "two") == output_bytes(one)


def test_rerun_replaces_outputs_and_leaves_no_temporary_files(tmp_path):
    out = tmp_path / "out"
    newsdedup.run(CORPUS, newsdedup.Config(workers=1)).write(out, "csv")
    newsdedup.run(CORPUS, newsdedup.Config(workers=1)).write(out, "jsonl")
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"{t}.jsonl" for t in TABLES] + ["rejects.jsonl", "summary.json", "summary.md", "report.html", ".newsdedup-run"])


def test_library_takes_a_dataframe_and_prints_nothing(capsys):
    texts = [(CORPUS / f"{name}.txt").read_text() for name in SEED.values()]
    df = pd.DataFrame({"id": list(SEED.values()), "text": texts, "title": [None] * 5})
    result = newsdedup.run(df, newsdedup.Config(workers=1))
    assert isinstance(result.documents, pd.DataFrame)
    assert result.documents["status"].tolist() == ["kept", "duplicate", "kept", "kept", "kept"]
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# --------------------------------------------------------------------------- CLI


def test_cli_default_corpus_and_report(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(main, ["run", "--out", str(tmp_path / "o"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "5 records from corpus" in res.output
    assert "kept 4, duplicates 1, rejected 0; 4 clusters" in res.output
    assert "002_2a98c4d2bb50c8d0:" in res.output
    assert (tmp_path / "o" / "documents.parquet").exists()


def test_cli_without_input_or_corpus_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["run"])
    assert res.exit_code == 2
    assert "no INPUT given" in res.output and "newsdedup run dumps/" in res.output


def test_cli_quiet_prints_nothing_and_bad_records_exit_zero(tmp_path):
    dump = make_dump(tmp_path / "dump", 10)
    res = CliRunner().invoke(main, ["run", str(dump), "--out", str(tmp_path / "o"), "--quiet",
                                    "--format", "jsonl"])
    assert res.exit_code == 0 and res.output == ""
    rejects = [json.loads(line) for line in (tmp_path / "o" / "rejects.jsonl").read_text().splitlines()]
    assert {r["doc_id"] for r in rejects} == {"binary", "empty", "dump:4"}


def test_cli_unwritable_output_is_an_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = CliRunner().invoke(main, ["run", str(CORPUS), "--out", str(blocker / "sub"), "--quiet"])
    assert res.exit_code == 1 and "cannot write outputs" in res.output


def test_cli_config_file_and_bad_settings(tmp_path):
    cfg = tmp_path / "nd.toml"
    cfg.write_text('threshold = 0.9\nformat = "csv"\n')
    res = CliRunner().invoke(main, ["run", str(CORPUS), "--config", str(cfg), "--out", str(tmp_path / "o"),
                                    "--quiet", "--match-cutoff", "95"])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["settings"]["threshold"] == 0.9 and summary["settings"]["match_cutoff"] == 95.0
    assert (tmp_path / "o" / "documents.csv").exists()
    cfg.write_text("thresold = 0.9\n")
    res = CliRunner().invoke(main, ["run", str(CORPUS), "--config", str(cfg)])
    assert res.exit_code == 2 and "unknown setting(s): thresold" in res.output
    res = CliRunner().invoke(main, ["run", str(CORPUS), "--threshold", "1.5"])
    assert res.exit_code == 2 and "threshold must be in (0, 1]" in res.output


def test_cli_clean_command_prints_clean_text():
    res = CliRunner().invoke(main, ["clean", str(CORPUS / f"{SEED['001']}.txt")])
    assert res.exit_code == 0
    assert res.output.startswith("# This Obama Official")
    assert "WE'LL BE BLUNT" not in res.output


def test_python_dash_m_runs_the_cli(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "newsdedup", "run", str(CORPUS), "--out", str(tmp_path / "o"),
                           "--quiet", "--workers", "1"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "summary.json").exists()


class _ExitOnUnpickle:
    """Kills any other process that unpickles it (a worker dying mid-run); unpickled in
    the process that made it (the parent drafting a queued chunk itself), it is None."""

    def __reduce__(self):
        return eval, (f"__import__('os')._exit(3) if __import__('os').getpid() != {os.getpid()} else None",)


def test_a_worker_that_dies_fails_the_run_instead_of_hanging(monkeypatch):
    import time

    from newsdedup.records import Record
    from newsdedup.runners import cleaning

    # every record kills the helper that unpickles it; this process drafts slowly (the
    # helper starts meanwhile and takes a queued chunk) and survives the ones it drafts
    records = [Record(doc_id=f"d{i}", source="s", text=f"Story {i} tells of the council and the bridge.",
                      url=_ExitOnUnpickle()) for i in range(100)]  # type: ignore[arg-type]
    draft = cleaning.clean_stage.draft
    monkeypatch.setattr(cleaning.clean_stage, "draft", lambda record: time.sleep(0.2) or draft(record))
    with pytest.raises(RuntimeError, match="worker exited with code 3"):
        cleaning.clean_on_workers(records, newsdedup.Config(), workers=2)


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_this_process_and_a_helper_share_the_cleaning_and_agree_with_one_process(tmp_path, monkeypatch, start):
    import time

    from newsdedup.read import read_inputs
    from newsdedup.runners import cleaning
    from newsdedup.runners.local import clean_records

    context = cleaning._context
    monkeypatch.setattr(cleaning, "_context", lambda: context(start))

    # more chunks than a helper's queue holds (AHEAD), so that this process takes some
    records = list(read_inputs(make_dump(tmp_path / "dump", 16 * (2 * cleaning.AHEAD + 4))))
    alone, alone_evidence = clean_records(records, newsdedup.Config(workers=1))
    drafted_here = []
    draft = cleaning.clean_stage.draft
    # this process drafts slowly, so that the helper (starting meanwhile) takes chunks too;
    # a forked helper has this slow draft too, but runs at full speed
    parent = os.getpid()
    monkeypatch.setattr(cleaning.clean_stage, "draft", lambda record: (
        os.getpid() == parent and (drafted_here.append(record.doc_id) or time.sleep(0.05))) or draft(record))
    shared, evidence = cleaning.clean_on_workers(records, newsdedup.Config(), workers=2)
    assert 0 < len(drafted_here) < len(records)
    assert evidence == alone_evidence
    assert sorted(shared, key=lambda c: c.doc_id) == alone


def test_a_forked_helper_returns_its_result_or_its_error():
    from newsdedup.runners.fork import Forked

    assert Forked(sorted, [3, 1, 2]).result() == [1, 2, 3]
    with pytest.raises(ZeroDivisionError):
        Forked(divmod, 1, 0).result()
    with pytest.raises(RuntimeError, match="exited with code 7"):
        Forked(os._exit, 7).result()


def test_helpers_start_before_reading_only_for_files_large_enough_and_stop_if_unused():
    """With two workers the cleaning helpers are forked before the input is read if its
    files on disk reach ``workers_min_mb``; none for a smaller input. Forked, and then too
    few records for them (the seeds, below one chunk), they are stopped."""
    import multiprocessing

    from newsdedup.runners import cleaning

    started = []
    real = cleaning.Helpers
    try:
        cleaning.Helpers = lambda *args: started.append(real(*args)) or started[-1]
        small = newsdedup.run(CORPUS, newsdedup.Config(workers=2))
        assert started == []
        result = newsdedup.run(CORPUS, newsdedup.Config(workers=2, workers_min_mb=0))
    finally:
        cleaning.Helpers = real
    assert result.documents["status"].tolist() == ["kept", "duplicate", "kept", "kept", "kept"]
    assert small.documents.equals(result.documents)
    assert len(started) == 1  # forking is safe here: pytest runs no other thread
    assert all(p.exitcode is not None for p in started[0].procs)
    assert multiprocessing.active_children() == []


def test_forked_helpers_inherit_the_cleaning_kernels_loaded_once_here():
    """Before forking the cleaning helpers this process loads the cleaning kernels (it needs
    them for its own share of cleaning): the helpers do not load them each."""
    code = ("from pathlib import Path\n"
            "from newsdedup import Config\n"
            "from newsdedup.clean import features\n"
            "from newsdedup.runners import cleaning\n"
            "before = len(features._fill.signatures)\n"
            "pool = cleaning.helpers_for(Config(workers=2, workers_min_mb=0), [Path(%r)])\n"
            "print(before, pool is not None, len(features._fill.signatures))\n"
            "pool.close()\n" % str(CORPUS))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")}).stdout.split()
    assert out == ["0", "True", "1"]


def test_files_reach_judges_sizes_on_disk(tmp_path):
    from newsdedup.runners.cleaning import COMPRESSED_CHARS, files_reach

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x" * 600)
    (tmp_path / "y.txt.gz").write_bytes(b"y" * 100)
    assert files_reach([tmp_path], 600 + 100 * COMPRESSED_CHARS)
    assert not files_reach([tmp_path], 601 + 100 * COMPRESSED_CHARS)
    assert files_reach([str(tmp_path / "a" / "x.txt")], 600)
    assert not files_reach([tmp_path / "missing", object()], 1)


def test_prestarted_helpers_serve_only_a_run_with_their_config():
    """The CLI forks the cleaning helpers before it imports the rest of the pipeline (if
    the input files are large enough); the run takes them if its config is theirs, and
    stops them for a new pool if not."""
    import multiprocessing

    from newsdedup.runners import cleaning

    cleaning.prestart(newsdedup.Config(workers=2), [CORPUS])
    assert cleaning._prestarted is None  # the seeds are far below workers_min_mb
    config = newsdedup.Config(workers=2, workers_min_mb=0)
    cleaning.prestart(config, [CORPUS])
    first = cleaning._prestarted
    assert first is not None and all(p.is_alive() for p in first.procs)
    assert cleaning.helpers_for(config, [CORPUS]) is first and cleaning._prestarted is None
    first.close()
    cleaning.prestart(config, [CORPUS])
    stale = cleaning._prestarted
    other = cleaning.helpers_for(config.replace(threshold=0.8), [CORPUS])
    try:
        assert other is not stale and other.config.threshold == 0.8
        assert all(p.exitcode is not None for p in stale.procs)  # stopped and reaped
    finally:
        other.close()
    assert multiprocessing.active_children() == []


def test_the_cli_starts_its_helpers_before_importing_pandas():
    """What the CLI imports before it forks the cleaning helpers holds no later stage: the
    helpers start loading the cleaning kernels without waiting for pandas."""
    code = ("import sys, newsdedup.cli, newsdedup.runners.cleaning, newsdedup.runners; "
            "print(sorted(m for m in ('pandas', 'pyarrow', 'newsdedup.runners.local') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("workers,hold_mb", [(1, 0), (2, 0), (2, 0.5)])
def test_streamed_cleaning_drafts_again_only_documents_holding_a_template_and_gives_the_same_answer(
        tmp_path, monkeypatch, workers, hold_mb):
    """With no room to keep drafts (or room for a few chunks' in each process: both
    finish their kept drafts while the helper drafts the others again), cleaning reads the
    input a second time and drafts only the documents whose text holds a site template
    again; the tables are those of a run that kept every draft."""
    from newsdedup.runners import local

    from .test_dask import assert_same_answer

    dump = make_dump(tmp_path / "dump", 400 if hold_mb else 60)
    held = newsdedup.run(dump, newsdedup.Config(workers=1))
    assert (held.boilerplate["reason"] == "template").any()
    reads, drafts = [], []
    read, draft = local.read_inputs, local.clean_stage.draft
    monkeypatch.setattr(local, "read_inputs", lambda *args, **kwargs: reads.append(1) or read(*args, **kwargs))
    monkeypatch.setattr(local.clean_stage, "draft", lambda record: drafts.append(record.doc_id) or draft(record))
    streamed = newsdedup.run(dump, newsdedup.Config(workers=workers, workers_min_mb=0, hold_drafts_mb=hold_mb))
    assert len(reads) == 2
    if workers == 1:  # a forked helper's drafts are not counted here
        with_template = set(held.boilerplate.loc[held.boilerplate["reason"] == "template", "doc_id"])
        again = drafts[len(held.documents):]
        assert with_template <= set(again) and len(again) < len(held.documents) - len(held.rejects)
    assert_same_answer(held, streamed)


@pytest.mark.parametrize("workers", [1, 2])
def test_clean_texts_kept_in_a_temporary_file_give_the_same_answer(tmp_path, monkeypatch, workers):
    """With ``spill_min_mb=0`` every clean text, paragraph key and removed paragraph goes
    to the spill file as cleaning hands it over (none is kept in memory) and is read back
    by dedup, matching (in forked children too) and the tables: the tables are those of a
    run that kept them."""
    from newsdedup.runners import local, spill

    from .test_dask import assert_same_answer

    dump = make_dump(tmp_path / "dump", 60)
    monkeypatch.setattr(local, "FORK_MIN_DOCS", 1)  # two workers: forked children read the spill too
    kept = newsdedup.run(dump, newsdedup.Config(workers=workers, workers_min_mb=0))
    spills = []
    monkeypatch.setattr(local, "Spill", lambda: spills.append(spill.Spill()) or spills[-1])
    spilled = newsdedup.run(dump, newsdedup.Config(workers=workers, workers_min_mb=0, spill_min_mb=0))
    assert len(spills) == 1
    texts = kept.documents["text"].dropna()
    assert spills[0].bytes > texts.str.len().sum()  # every text went through the file
    assert_same_answer(kept, spilled)


def test_rows_whose_parts_a_helper_pickled_are_spilled_as_they_are():
    """A cleaning helper sends the parts of its rows pickled when this process spills them
    (``Spill.put`` says it takes them): the spill writes those bytes as they are, and reads
    back the rows a list-holding row gives."""
    import pickle

    from newsdedup.clean import Cleaned
    from newsdedup.runners import cleaning
    from newsdedup.runners.spill import Pickled, Spill, as_row, from_row

    def rows():
        return [Cleaned(f"d{i}", "s", 10, paragraphs=[f"Para {i}.", "Two é."], keys=[f"para {i}.", "two e."],
                        n_words=[2, 2], removed=[(2, "Menu", "navigation")]) for i in range(3)]

    plain, packed = Spill(), Spill()
    sent = [from_row(row) for row in pickle.loads(pickle.dumps([as_row(c, pickled=True) for c in rows()]))]
    assert all(type(c.paragraphs) is Pickled and type(c.removed) is Pickled for c in sent)
    a, b = plain.put(rows()), packed.put(sent)
    plain.seal(), packed.seal()
    assert [(list(c.paragraphs), list(c.keys), list(c.removed), c.text) for c in a] == \
        [(list(c.paragraphs), list(c.keys), list(c.removed), c.text) for c in b]
    assert plain.bytes == packed.bytes
    assert getattr(packed.put, "pickled_parts", False) and not getattr(cleaning.clean_stage.in_memory,
                                                                         "pickled_parts", False)


def test_a_spill_compacts_clean_rows_into_fresh_objects_keeping_their_parts_in_the_file():
    """After cleaning, the clean rows are copied into fresh objects (so that the memory
    pages they were scattered over among the freed drafts go back to the system): the
    copies equal the rows, their texts, keys and removed paragraphs stay in the spill as
    references (nothing is read back or written again), and the old rows are let go."""
    from newsdedup.clean import Cleaned
    from newsdedup.runners.spill import Spill, Spilled

    spill = Spill()
    rows = spill.put([Cleaned(f"d{i}", "s", 10, title=f"T{i}", paragraphs=[f"Para {i}.", "Two."], keys=[f"k{i}"],
                              n_words=[2, 1], removed=[(2, "Menu", "navigation")], flags=["short"])
                      for i in range(50)])
    expected = [(c.doc_id, c.title, list(c.paragraphs), list(c.keys), c.n_words, list(c.removed), c.flags)
                for c in rows]
    spill.seal()
    written, old = spill.bytes, list(rows)
    fresh = spill.compacted(rows)
    assert rows == []  # the caller's list let go of the old rows
    assert all(a is not b for a, b in zip(fresh, old))
    assert all(isinstance(c.paragraphs, Spilled) and c.paragraphs._spill is spill for c in fresh)
    assert [(c.doc_id, c.title, list(c.paragraphs), list(c.keys), c.n_words, list(c.removed), c.flags)
            for c in fresh] == expected
    assert spill.bytes == written


def test_spilled_keys_are_reordered_for_dedup_without_being_read(monkeypatch):
    """Dedup sorts the documents by doc id; spilled paragraph keys are put in that order
    as positions in the spill, not read into lists (the keys of 100k documents would be
    0.3 GB), and give the clusters of the same keys held as lists."""
    from newsdedup.dedup import JoinedTexts, deduplicate
    from newsdedup.runners.spill import Spill, Spilled, SpilledColumn, column

    texts = [["The council voted on the budget for next year after a long debate."],
             ["A storm closed the coast road for a week and cut off three villages."],
             ["The council voted on the budget for next year after a long debate."]]
    keys = [[t.lower().rstrip(".")] for t in (p[0] for p in texts)]
    spill = Spill()
    rows = [spill._append(k) for k in keys]
    spill.seal()
    spilled = column([Spilled(spill, r) for r in rows])
    assert isinstance(spilled, SpilledColumn)
    reads = []
    monkeypatch.setattr(spill, "read", lambda item, read=spill.read: reads.append(item) or read(item))
    reordered = spilled.reordered([2, 0, 1])
    assert not reads
    assert [list(k) for k in reordered] == [keys[2], keys[0], keys[1]]
    ids = ["d2", "d0", "d1"]
    from_spill = deduplicate(ids, JoinedTexts(texts), newsdedup.Config(), spilled)
    from_lists = deduplicate(ids, JoinedTexts(texts), newsdedup.Config(), keys)
    assert from_spill.cluster_ids == from_lists.cluster_ids and from_spill.canonical_ids == from_lists.canonical_ids
