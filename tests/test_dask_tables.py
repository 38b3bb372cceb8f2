"""The Dask run's documents and boilerplate tables: each partition's sorted rows kept in a
file beside the output as they arrive, merged in the tables' order a block at a time
when written, the same bytes as the local engine's files; never whole on the client
unless a caller asks for them."""

from __future__ import annotations

import random
import tracemalloc

import pandas as pd
import pytest

pytest.importorskip("distributed", reason="the Dask engine needs the [dask] extra")

import newsdedup  # noqa: E402
from newsdedup import write  # noqa: E402
from newsdedup.report import EXECUTION_BEGIN, EXECUTION_END  # noqa: E402
from newsdedup.runners import dask as dask_runner  # noqa: E402
from newsdedup.runners.dask_tables import DaskTables  # noqa: E402
from newsdedup.tables import LazyTables  # noqa: E402

from .stories import paragraph  # noqa: E402
from .test_pipeline import make_dump  # noqa: E402


@pytest.fixture
def small_partitions(monkeypatch):
    monkeypatch.setattr(dask_runner, "MIN_PARTITION_BYTES", 8_000)
    monkeypatch.setattr(dask_runner, "PARTITION_BYTES", 8_000)


def _files(folder):
    """Every output file but summary.json, the report without its execution section."""
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "summary.json"}
    page = files["report.html"].decode()
    start, end = page.index(EXECUTION_BEGIN), page.index(EXECUTION_END)
    files["report.html"] = (page[:start] + page[end:]).encode()
    return files


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv"])
def test_dask_files_are_the_local_engines_bytes(tmp_path, client, small_partitions, monkeypatch, fmt):
    """Blocks of 7 rows and row groups of 5 over many partitions: a block takes rows of
    several partitions (and a document's removed paragraphs are cut across blocks); every
    file equals the local engine's, and the tables stay unmade on the client."""
    dump = make_dump(tmp_path / "dump", 60)
    monkeypatch.setattr(DaskTables, "BLOCK", 7)
    monkeypatch.setattr(LazyTables, "BLOCK", 11)
    monkeypatch.setattr(write, "ROW_GROUP_ROWS", 5)
    assert len(dask_runner.plan(dump, newsdedup.Config(), 2)) > 3
    local = newsdedup.run(dump, newsdedup.Config(workers=1)).write(tmp_path / "local", fmt)
    on_dask = newsdedup.run(dump, newsdedup.Config(workers=2, out=str(tmp_path / "dask")), client=client)
    lazy = on_dask.__dict__["_documents"]
    assert isinstance(lazy, DaskTables) and on_dask.__dict__["_boilerplate"] is lazy
    assert on_dask.counts["boilerplate_paragraphs"] > 7
    out = on_dask.write(format=fmt)
    assert on_dask.__dict__["_documents"] is lazy  # written without being made whole
    assert _files(out) == _files(local)
    assert lazy.rows.is_dir()  # not swept away as a leftover by the write
    assert "report.html" in _files(out)


def test_dask_tables_when_asked_and_their_rows_files_let_go(tmp_path, client, small_partitions):
    """Whole tables, a few documents' rows and the table without its texts equal the
    local engine's; the partitions' rows files go with the result."""
    import gc

    dump = make_dump(tmp_path / "dump", 40)
    local = newsdedup.run(dump, newsdedup.Config(workers=1))
    on_dask = newsdedup.run(dump, newsdedup.Config(workers=2, out=str(tmp_path / "dask")), client=client)
    lazy = on_dask.__dict__["_documents"]
    rows = lazy.rows
    assert rows.is_dir() and any(rows.iterdir())
    some = set(local.documents["doc_id"][::3])
    for name in ("documents", "boilerplate"):
        pd.testing.assert_frame_equal(on_dask.rows_of(name, some), local.rows_of(name, some), obj=name)
    pd.testing.assert_frame_equal(on_dask.documents_without_text(), local.documents.drop(columns="text"))
    pd.testing.assert_frame_equal(on_dask.documents, local.documents)
    pd.testing.assert_frame_equal(on_dask.boilerplate, local.boilerplate)
    del on_dask, lazy
    gc.collect()
    assert not rows.parent.exists()


def test_writing_a_dask_run_holds_one_block_of_the_corpus_text(tmp_path, client, small_partitions, monkeypatch):
    """Memory of the client while a Dask run of 300 long documents (about 2.7 MB of clean
    text) is written: Arrow's allocations (the tables' strings live there) each time the
    Parquet writer takes a row group, above what the process held before the run, and
    Python's traced peak: a block of 16 rows at a time stays far below the text, which the
    whole ``documents`` table alone holds (as the client held it before)."""
    import pyarrow as pa

    rng = random.Random(5)
    dump = tmp_path / "dump"
    dump.mkdir()
    for i in range(300):
        (dump / f"d{i:03d}.txt").write_text("\n\n".join(paragraph(rng) for _ in range(40)))
    before = pa.total_allocated_bytes()
    run = newsdedup.run(dump, newsdedup.Config(workers=2, out=str(tmp_path / "out")), client=client)
    text_bytes = int(run.documents_without_text()["clean_chars"].sum())
    assert text_bytes > 2_500_000
    monkeypatch.setattr(DaskTables, "BLOCK", 16)
    monkeypatch.setattr(write, "ROW_GROUP_ROWS", 16)
    held: list[int] = []
    slices = write._arrow_slices

    def counted(blocks, rows):
        for piece in slices(blocks, rows):
            held.append(pa.total_allocated_bytes() - before)
            yield piece

    monkeypatch.setattr(write, "_arrow_slices", counted)
    tracemalloc.start()
    try:
        run.write(format="parquet", report=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(held) > 2 * 300 // 16
    assert max(held) < text_bytes / 4
    assert peak < text_bytes / 4
    assert isinstance(run.__dict__["_documents"], DaskTables)
    assert run.documents["text"].str.len().sum() == text_bytes  # made when asked
