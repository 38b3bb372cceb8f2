"""The local runner's documents and boilerplate tables: streamed from the clean rows (and
the spill) to their files a block at a time, the same bytes as the whole tables, and made
whole only when a caller asks for them."""

from __future__ import annotations

import dataclasses
import random
import tracemalloc

import pytest

import newsdedup
from newsdedup import tables, write
from newsdedup.tables import LazyTables

from .stories import paragraph
from .test_pipeline import make_dump


@pytest.fixture(scope="module")
def spilled_run(tmp_path_factory):
    dump = make_dump(tmp_path_factory.mktemp("dump"), 60)
    return newsdedup.run(dump, newsdedup.Config(workers=1, spill_min_mb=0))


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "summary.json"}


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv"])
def test_streamed_tables_are_the_bytes_of_the_whole_tables(tmp_path, monkeypatch, spilled_run, fmt):
    """Blocks of 7 documents and row groups of 5 rows: the blocks are cut across row groups
    (and a document's removed paragraphs across them), and the files are those written
    from the whole DataFrames."""
    monkeypatch.setattr(LazyTables, "BLOCK", 7)
    monkeypatch.setattr(write, "ROW_GROUP_ROWS", 5)
    assert isinstance(spilled_run.__dict__["_documents"], LazyTables)
    streamed = spilled_run.write(tmp_path / "streamed", fmt)
    assert isinstance(spilled_run.__dict__["_documents"], LazyTables)  # writing did not make it whole
    whole = dataclasses.replace(spilled_run, documents=spilled_run.rows_of("documents"),
                                boilerplate=spilled_run.rows_of("boilerplate")).write(tmp_path / "whole", fmt)
    assert _files(streamed) == _files(whole)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(streamed / "documents.parquet").metadata
        assert meta.num_row_groups == -(-spilled_run.counts["inputs"] // 5)
        assert {meta.row_group(i).num_rows for i in range(meta.num_row_groups - 1)} == {5}


def test_counts_and_the_reports_part_need_no_whole_table(tmp_path, monkeypatch):
    """The summary, the CLI's lines and the report's shown part read the table without its
    texts and the rows of the shown documents only: the same values as the whole tables."""
    dump = make_dump(tmp_path / "dump", 60)
    run = newsdedup.run(dump, newsdedup.Config(workers=1, spill_min_mb=0, report_max_docs=20))
    whole = dataclasses.replace(run, documents=run.documents.copy(), boilerplate=run.boilerplate.copy())
    lazy = newsdedup.run(dump, newsdedup.Config(workers=1, spill_min_mb=0, report_max_docs=20))
    made = []
    frame = LazyTables.frame
    monkeypatch.setattr(LazyTables, "frame", lambda self, name, doc_ids=None: made.append(doc_ids) or
                        frame(self, name, doc_ids))
    assert lazy.counts == whole.counts and lazy.gates == whole.gates
    assert dict(lazy.boilerplate_by_reason()) == dict(whole.boilerplate_by_reason())
    from newsdedup.report import report_data

    assert report_data(lazy) == report_data(whole)
    assert made and all(ids is not None and len(ids) <= 20 for ids in made)


def test_a_results_repr_is_its_counts_without_making_the_tables(tmp_path, monkeypatch):
    run = newsdedup.run(make_dump(tmp_path / "dump", 30), newsdedup.Config(workers=1))
    monkeypatch.setattr(LazyTables, "frame", lambda *args, **kwargs: pytest.fail("a table was made"))
    c = run.counts
    assert repr(run) == (f"<Result: {c['inputs']} inputs, kept {c['kept']}, duplicates {c['duplicates']}, "
                         f"rejected {c['rejected']}; {c['clusters']} clusters ({c['clusters_with_duplicates']} "
                         f"with duplicates), {c['matches']} paragraph matches, "
                         f"{c['boilerplate_paragraphs']} boilerplate paragraphs>")
    assert c["inputs"] >= 30 and c["duplicates"] > 0


def test_writing_holds_one_block_of_the_corpus_text(tmp_path, monkeypatch):
    """Traced memory while a run of 300 long documents (about 2.7 MB of clean text) is
    written: a block of 16 documents at a time stays far below the text, which the whole
    ``documents`` table alone holds."""
    rng = random.Random(5)
    dump = tmp_path / "dump"
    dump.mkdir()
    for i in range(300):
        (dump / f"d{i:03d}.txt").write_text("\n\n".join(paragraph(rng) for _ in range(40)))
    run = newsdedup.run(dump, newsdedup.Config(workers=1, spill_min_mb=0))
    text_bytes = int(run.documents_without_text()["clean_chars"].sum())
    assert text_bytes > 2_500_000
    monkeypatch.setattr(LazyTables, "BLOCK", 16)
    monkeypatch.setattr(write, "ROW_GROUP_ROWS", 16)
    tracemalloc.start()
    try:
        run.write(tmp_path / "out", "parquet", report=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < text_bytes / 4
    assert isinstance(run.__dict__["_documents"], tables.LazyTables)
    assert run.documents["text"].str.len().sum() == text_bytes  # made when asked


def test_a_spilled_runs_report_is_built_after_its_tables(tmp_path, monkeypatch, spilled_run):
    """The page packs up to ``report_max_docs`` documents' texts (0.25 GB for 10k): on a run
    large enough to spill, it does not sit beside a block of the tables."""
    from newsdedup.result import Result

    seen = []
    write_report = Result._write_report
    monkeypatch.setattr(Result, "_write_report", lambda self, stage, *texts: seen.append(
        sorted(p.name for p in stage.iterdir())) or write_report(self, stage, *texts))
    out = spilled_run.write(tmp_path / "out", "jsonl")
    assert {"documents.jsonl", "boilerplate.jsonl", "summary.json"} <= set(seen[0])
    assert (out / "report.html").stat().st_size > 0
