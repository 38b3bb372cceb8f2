"""--fields: a dump whose fields have other names (news-please's maintext, a uuid, a body
column) is read as if they were called text, id, ...: the same tables either way."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import newsdedup
from newsdedup.config import Config
from newsdedup.read import read_inputs

from .incremental_corpus import corpus

OWN_NAMES = "text=maintext,id=uuid,date=date_publish,title=headline"
RENAMED = {"text": "maintext", "id": "uuid", "date": "date_publish", "title": "headline"}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    docs = corpus(stories=12, seed=4)[["id", "text"]].copy()
    docs["title"] = [f"Story {i}" for i in range(len(docs))]
    docs["date"] = [f"2024-01-{i % 28 + 1:02d}" for i in range(len(docs))]
    docs.loc[3, "text"] = "   "  # a rejected row, named by its input's field name
    return docs


def tables(result: newsdedup.Result) -> dict[str, pd.DataFrame]:
    return {name: getattr(result, name).reset_index(drop=True)
            for name in ("documents", "clusters", "matches", "boilerplate", "pairs")}


def assert_same_tables(a: newsdedup.Result, b: newsdedup.Result) -> None:
    ta, tb = tables(a), tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], obj=name)
    assert list(a.rejects["doc_id"]) == list(b.rejects["doc_id"])


def write(frame: pd.DataFrame, path, kind: str) -> None:
    if kind == "jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in frame.to_dict("records")))
    elif kind == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False, row_group_size=5)


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_a_file_with_its_own_field_names_gives_the_tables_of_the_usual_names(tmp_path, frame, kind):
    path = tmp_path / f"news.{kind}"  # one path for both: it is each record's source
    write(frame, path, kind)
    expected = newsdedup.run(path, Config(workers=1))
    write(frame.rename(columns=RENAMED).assign(text="a summary that is not the article"), path, kind)
    got = newsdedup.run(path, Config(workers=1, fields=OWN_NAMES))
    assert (expected.documents["status"] == "duplicate").sum() > 0
    assert_same_tables(expected, got)
    [error] = got.rejects["error"]
    assert error == "'maintext' empty or only whitespace"
    # without the names, the file is read by its 'text' column: the summaries, ids made up
    plain = newsdedup.run(path, Config(workers=1))
    assert not plain.documents["doc_id"].isin(frame["id"]).any()


def test_a_dataframe_with_its_own_column_names(frame):
    expected = newsdedup.run(frame, Config(workers=1))
    got = newsdedup.run(frame.rename(columns={"text": "Body", "id": "ID_"}), Config(workers=1, fields="text=body,id=id_"))
    assert_same_tables(expected, got)


def test_missing_named_column_says_what_the_table_has(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_text("title,body\nT,A story of several words.\n")
    [record] = read_inputs(path)
    assert "no 'text' or 'html' column" in record.error and "'title', 'body'" in record.error
    assert "--fields" in record.error
    [record] = read_inputs(path, Config(fields="text=content"))
    assert "no 'content' or 'html' column" in record.error
    [record] = read_inputs(path, Config(fields="text=body"))
    assert record.error is None and record.text == "A story of several words."


def test_a_named_id_replaces_id_and_doc_id_also_in_a_broken_line(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_text(json.dumps({"id": "wrong", "doc_id": "wrong2", "key": "k1", "text": "Some words here."}) + "\n"
                    + '{"id": "wrong3", "text": "broken\n')
    first, broken = read_inputs(path, Config(fields="id=key"))
    assert first.doc_id == "k1"
    assert broken.error and broken.doc_id == "dump:2"
    assert [r.doc_id for r in read_inputs(path)] == ["wrong", "wrong3"]


@pytest.mark.parametrize("spec", ["text", "body=x", "text=a,text=b", "text=a,html=a", "text="])
def test_bad_fields_setting_is_a_clear_error(spec):
    with pytest.raises(ValueError, match="fields: "):
        Config(fields=spec)


def test_cli_reads_a_dump_with_its_own_names(tmp_path, frame):
    from click.testing import CliRunner

    from newsdedup.cli import main

    write(frame.rename(columns=RENAMED), tmp_path / "news.jsonl", "jsonl")
    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["run", str(tmp_path / "news.jsonl"), "-o", str(out), "-q", "--format", "jsonl",
                                     "--fields", OWN_NAMES])
    assert done.exit_code == 0, done.output
    documents = pd.read_json(out / "documents.jsonl", lines=True, dtype=False)
    assert sorted(documents["doc_id"]) == sorted(frame["id"])
    bad = CliRunner().invoke(main, ["run", str(tmp_path / "news.jsonl"), "-o", str(out), "--fields", "txt=body"])
    assert bad.exit_code == 2 and "'txt' is not one of" in bad.output


def test_the_dask_engine_reads_the_named_fields_of_row_group_pieces(tmp_path, frame, client, monkeypatch):
    from newsdedup.runners import dask as dask_runner

    monkeypatch.setattr(dask_runner, "MIN_PARTITION_BYTES", 2_000)
    monkeypatch.setattr(dask_runner, "PARTITION_BYTES", 2_000)
    path = tmp_path / "news.parquet"
    big = pd.concat([frame, frame.assign(id=frame["id"] + "-b")], ignore_index=True)
    write(big.rename(columns=RENAMED), path, "parquet")
    config = Config(workers=2, fields=OWN_NAMES)
    pieces = [s for part in dask_runner.plan(path, config, 2) for s in part.sources
              if isinstance(s, dask_runner.Piece)]
    assert len(pieces) > 1  # without the names, the file would be read whole
    assert_same_tables(newsdedup.run(path, config.replace(workers=1)), newsdedup.run(path, config, client=client))


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


@pytest.mark.parametrize("kind", ["jsonl", "json", "parquet", "dataframe"])
def test_list_valued_fields_of_a_scraper_give_the_tables_of_plain_ones(tmp_path, frame, kind):
    """Scrapy's ``getall()`` and item loaders store every field as a list: the text as its
    paragraphs, the title and url as one-element lists."""
    listed = frame.assign(text=[_paragraphs(t) for t in frame["text"]], title=[[t] for t in frame["title"]],
                          id=[[i] for i in frame["id"]], date=[["", d] for d in frame["date"]])
    if kind == "dataframe":
        source = listed
    elif kind == "parquet":
        source = tmp_path / "items.parquet"
        listed.to_parquet(source, index=False)
    else:
        source = tmp_path / f"items.{kind}"
        rows = listed.to_dict("records")
        source.write_text("".join(json.dumps(r) + "\n" for r in rows) if kind == "jsonl" else json.dumps(rows))
    plain = frame.assign(text=["\n\n".join(_paragraphs(t)) for t in frame["text"]])
    expected = newsdedup.run(plain, Config(workers=1))
    got = newsdedup.run(source, Config(workers=1))
    docs, want = got.documents, expected.documents
    assert list(docs["doc_id"]) == list(want["doc_id"]) and list(docs["text"]) == list(want["text"])
    assert list(docs["title"]) == list(want["title"]) and list(docs["date"]) == list(want["date"])
    assert list(docs["status"]) == list(want["status"]) and (docs["status"] == "duplicate").sum() > 0


def test_a_list_holding_objects_is_rejected_and_nested_fields_are_read_by_path(tmp_path):
    path = tmp_path / "api.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in [
        {"uuid": "a", "body": {"text": "The council voted to repair the bridge on Tuesday."},
         "headline": {"main": "Council votes", "print": "Vote"}, "links": {"web": "https://news.example/a"}},
        {"uuid": "b", "body": {"text": [{"para": "not a string"}]}},
        {"uuid": "c", "body": "a string where an object was expected"},
    ]))
    config = Config(fields="id=uuid,text=body.text,title=headline.main,url=links.web")
    a, b, c = read_inputs(path, config)
    assert (a.doc_id, a.text, a.title, a.url) == ("a", "The council voted to repair the bridge on Tuesday.",
                                                   "Council votes", "https://news.example/a")
    assert b.error == "field 'body.text' is a list holding dict, not text"
    assert c.error == "no 'body.text' or 'html' field"
