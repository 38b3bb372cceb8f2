"""The Dask engine splits a big JSONL file by byte ranges and a big Parquet file by row
groups, and takes a Dask DataFrame partition by partition; the tables equal the local
engine's (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed", reason="the Dask engine needs the [dask] extra")

import newsdedup  # noqa: E402
from newsdedup.runners import dask as dask_runner  # noqa: E402

from .conftest import CORPUS as CORPUS_DIR  # noqa: E402
from .incremental_corpus import corpus  # noqa: E402
from .test_dask import assert_same_answer  # noqa: E402

PIECE_BYTES = 8_000
CONFIG = newsdedup.Config(workers=2, max_record_bytes=16_000)


@pytest.fixture
def small_pieces(monkeypatch):
    monkeypatch.setattr(dask_runner, "MIN_PARTITION_BYTES", PIECE_BYTES)
    monkeypatch.setattr(dask_runner, "PARTITION_BYTES", PIECE_BYTES)


def big_jsonl(path: Path) -> Path:
    """Near-duplicate stories, most without an id (their ids are line numbers), with what
    a piece boundary must not disturb: blank lines, a bad line, an id clash, and lines
    longer than a piece (one of them over max_record_bytes)."""
    stories = corpus(stories=60, seed=21)
    lines = []
    for i, text in enumerate(stories["text"]):
        row = {"text": text} if i % 5 else {"id": f"story-{i // 10}", "text": text}
        lines.append(json.dumps(row))
        if i % 17 == 3:
            lines += ["", "  ", "{not json"]
        if i % 41 == 7:
            size = 9_000 if i < 41 else 17_000  # longer than a piece; over max_record_bytes
            lines.append(json.dumps({"text": " ".join([text] * (size // len(text) + 1))}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_big_jsonl_file_split_by_bytes_gives_the_local_tables(tmp_path, client, small_pieces):
    path = big_jsonl(tmp_path / "news.jsonl")
    partitions = dask_runner.plan(path, CONFIG, 2)
    pieces = [s for p in partitions for s in p.sources if isinstance(s, dask_runner.Piece)]
    assert len(pieces) >= 10 and path.stat().st_size > 10 * PIECE_BYTES
    local = newsdedup.run(path, CONFIG.replace(workers=1))
    on_dask = newsdedup.run(path, CONFIG, client=client)
    documents = on_dask.documents
    assert documents["doc_id"].str.startswith("news:").sum() > 40  # ids made of line numbers
    assert on_dask.rejects["error"].str.contains("longer than").sum() == 2
    assert (documents["status"] == "duplicate").sum() > 10
    assert_same_answer(local, on_dask)


def test_a_big_parquet_file_split_by_row_groups_gives_the_local_tables(tmp_path, client, small_pieces):
    stories = corpus(stories=60, seed=22)
    frame = pd.DataFrame({"text": stories["text"], "title": [f"t{i}" for i in range(len(stories))]})
    path = tmp_path / "news.parquet"
    frame.to_parquet(path, row_group_size=15)
    partitions = dask_runner.plan(path, CONFIG, 2)
    pieces = [s for p in partitions for s in p.sources if isinstance(s, dask_runner.Piece)]
    assert len(pieces) >= 3 and all(p.kind == "parquet" for p in pieces)
    local = newsdedup.run(path, CONFIG.replace(workers=1))
    on_dask = newsdedup.run(path, CONFIG, client=client)
    assert len(on_dask.documents) == len(frame) and on_dask.documents["doc_id"].str.startswith("news:").all()
    assert_same_answer(local, on_dask)


def test_a_dask_dataframe_gives_the_tables_of_the_pandas_dataframe(client):
    dd = pytest.importorskip("dask.dataframe")
    stories = corpus(stories=40, seed=23)
    frame = pd.DataFrame({"id": [None if i % 3 else f"s{i // 6}" for i in range(len(stories))],  # clashes too
                          "text": stories["text"]})
    frame.index = frame.index * 7  # an index that is not row numbers
    lazy = dd.from_pandas(frame, npartitions=5, sort=False)
    assert lazy.npartitions == 5
    partitions = dask_runner.plan(lazy, CONFIG, 2)
    assert [len(p.sources) for p in partitions] == [1] * 5
    local = newsdedup.run(frame, CONFIG.replace(workers=1))
    on_dask = newsdedup.run(lazy, CONFIG, client=client)
    ids = on_dask.documents["doc_id"]
    assert ids.str.startswith("dataframe:").sum() > 20 and ids.isin([f"dataframe:{len(frame)}"]).any()
    assert on_dask.rejects["error"].str.contains("duplicate id").sum() > 0
    assert_same_answer(local, on_dask)
    # beside files, as a second frame would be: ids of the later partitions go on from the earlier ones
    mixed = newsdedup.run([frame.iloc[:10], lazy], CONFIG, client=client)
    assert mixed.documents["doc_id"].str.startswith("dataframe-2:").sum() > 20
    assert_same_answer(newsdedup.run([frame.iloc[:10], frame], CONFIG.replace(workers=1)), mixed)


def test_the_local_engine_refuses_a_dask_dataframe_clearly():
    dd = pytest.importorskip("dask.dataframe")
    lazy = dd.from_pandas(corpus(stories=3, seed=1)[["id", "text"]], npartitions=2)
    for inputs in (lazy, [CORPUS_DIR, lazy]):
        with pytest.raises(ValueError, match='engine="dask"'):
            newsdedup.run(inputs, CONFIG.replace(workers=1))
