""".json files, as scrapers write them: an array of articles (Scrapy's -o items.json), one
article object per file (news-please), or one object a line under a .json name."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

import newsdedup
from newsdedup.config import Config
from newsdedup.read import read_inputs

from .incremental_corpus import corpus


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return corpus(stories=10, seed=8)[["id", "text"]]


def rows(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


def same_documents(a: newsdedup.Result, b: newsdedup.Result) -> None:
    columns = ["doc_id", "status", "cluster_id", "canonical_id", "similarity", "text"]
    pd.testing.assert_frame_equal(a.documents[columns].reset_index(drop=True), b.documents[columns].reset_index(drop=True))


@pytest.mark.parametrize("indent", [None, 2])
def test_an_array_of_articles_is_read_as_its_jsonl(tmp_path, frame, indent):
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows(frame)))
    (tmp_path / "b.json").write_text(json.dumps(rows(frame), indent=indent))
    from_lines = newsdedup.run(tmp_path / "a.jsonl", Config(workers=1))
    from_array = newsdedup.run(tmp_path / "b.json", Config(workers=1))
    assert (from_array.documents["status"] == "duplicate").sum() > 0
    same_documents(from_lines, from_array)
    assert from_array.documents["source"].iloc[0].startswith(str(tmp_path / "b.json:"))


def test_one_object_a_file_is_one_record_named_after_the_file(tmp_path):
    article = {"maintext": "A pretty-printed article file of several words.", "title": "T", "url": "https://example.org/a"}
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a1.json").write_text(json.dumps(article, indent=4))
    (tmp_path / "news" / "a2.json").write_text(json.dumps({**article, "id": "own"}))
    first, second = read_inputs(tmp_path / "news", Config(fields="text=maintext"))
    assert (first.doc_id, first.source, first.title) == ("a1", str(tmp_path / "news" / "a1.json"), "T")
    assert first.text == article["maintext"] and second.doc_id == "own"


def test_one_object_a_line_under_a_json_name_is_jsonl(tmp_path):
    (tmp_path / "items.json").write_text('{"id": "x", "text": "One."}\n{"id": "y", "text": "Two."}\nnot json\n')
    records = list(read_inputs(tmp_path / "items.json"))
    assert [r.doc_id for r in records] == ["x", "y", "items:3"]
    assert records[2].error.startswith("malformed JSON")


def test_bad_json_files_and_elements_are_rejects_and_the_rest_is_read(tmp_path):
    (tmp_path / "broken.json").write_text('[{"id": "p1", "text": "Words of a story."}, 5, {"text": "No id."}, {"id": "p4", "te')
    (tmp_path / "bad.json").write_text('{"text": \n')
    (tmp_path / "str.json").write_text('"a string"')
    (tmp_path / "empty.json").write_text("  \n")
    (tmp_path / "bom.json.gz").write_bytes(gzip.compress(b'\xef\xbb\xbf [{"id": "g", "text": "Zipped, with a BOM."}]'))
    by_id = {r.doc_id: r for r in read_inputs(tmp_path)}
    assert by_id["p1"].error is None
    assert by_id["broken:2"].error == "array element is a JSON number, not an object"
    assert by_id["broken:3"].text == "No id." and by_id["broken:3"].source == str(tmp_path / "broken.json:3")
    assert "no records read past element 3" in by_id["broken:4"].error
    assert by_id["bad"].error.startswith("malformed JSON: Expecting value at line 2")
    assert by_id["str"].error == "not a JSON object or array of objects"
    assert by_id["empty"].error == "empty file"
    assert by_id["g"].text == "Zipped, with a BOM."
    assert len(by_id) == 8


def test_a_truncated_gzip_array_keeps_the_elements_before_the_cut(tmp_path, frame):
    data = gzip.compress(json.dumps(rows(frame)).encode())
    (tmp_path / "cut.json.gz").write_bytes(data[: len(data) * 2 // 3])
    records = list(read_inputs(tmp_path / "cut.json.gz"))
    assert sum(r.error is None for r in records) > 5 and records[-1].error


def test_the_dask_engine_and_two_workers_read_json_as_one_worker_does(tmp_path, frame, client):
    (tmp_path / "b.json").write_text(json.dumps(rows(frame)))
    (tmp_path / "c.json").write_text(json.dumps({"id": "solo", "text": frame["text"].iloc[0]}))
    one = newsdedup.run(tmp_path, Config(workers=1))
    same_documents(one, newsdedup.run(tmp_path, Config(workers=2, workers_min_mb=0)))
    same_documents(one, newsdedup.run(tmp_path, Config(workers=2), client=client))
