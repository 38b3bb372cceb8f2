"""Reading every input format; doc ids; bad input becomes rejected records, never an exception."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

import newsdedup
from newsdedup.config import Config
from newsdedup.read import read_inputs, strip_extensions

from .conftest import CORPUS, FIXTURES

ARTICLE = "Officials said the bridge will reopen on Monday after repairs.\nTraffic will be limited to one lane."


def ids(records):
    return [r.doc_id for r in records]


def test_directory_walk_is_sorted_and_ids_are_relative_paths_without_extensions(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z9.txt").write_text(ARTICLE)
    (tmp_path / "a1.html.gz").write_bytes(gzip.compress((FIXTURES / "page.html").read_bytes()))
    (tmp_path / "c.v2.txt.gz").write_bytes(gzip.compress(ARTICLE.encode()))
    (tmp_path / ".hidden.txt").write_text(ARTICLE)
    records = list(read_inputs(tmp_path))
    assert ids(records) == ["a1", "b/z9", "c.v2"]
    assert records[0].html is not None and records[1].text == ARTICLE and records[2].text == ARTICLE


def test_a_file_given_directly_is_named_without_extensions():
    assert ids(read_inputs(CORPUS / "000_1e2aa86ac4d7e57c.txt")) == ["000_1e2aa86ac4d7e57c"]
    assert strip_extensions("html/ab12.html.gz") == "html/ab12"


def test_jsonl_rows_with_and_without_ids_and_bad_lines(tmp_path):
    lines = [json.dumps({"id": "x1", "text": ARTICLE, "url": "https://e.example/1", "title": "T"}),
             json.dumps({"html": "<p>Hello there, this is a page.</p>"}),
             "",
             "{not json",
             json.dumps(["a", "list"]),
             json.dumps({"id": "x2"}),
             json.dumps({"id": 7, "text": 12}),
             json.dumps({"id": "x3", "text": " \n ", "html": None})]
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(lines) + "\n")
    records = list(read_inputs(path))
    assert ids(records) == ["x1", "dump:2", "dump:4", "dump:5", "x2", "7", "x3"]
    assert records[0].url == "https://e.example/1" and records[0].title == "T"
    assert records[1].html.startswith("<p>")
    assert "malformed JSON" in records[2].error
    assert "not an object" in records[3].error
    assert "no 'text' or 'html'" in records[4].error
    assert "not text" in records[5].error
    assert records[6].error == "'text' empty or only whitespace"
    assert records[2].source.endswith("dump.jsonl:4")


def test_csv_and_parquet_and_dataframe_share_columns(tmp_path):
    df = pd.DataFrame({"id": ["r1", None], "text": [ARTICLE, ARTICLE + " More."], "date": ["2024-01-02", None]})
    df.to_csv(tmp_path / "t.csv", index=False)
    df.to_parquet(tmp_path / "t.parquet")
    for name in ("t.csv", "t.parquet"):
        records = list(read_inputs(tmp_path / name))
        assert ids(records) == ["r1", "t:2"]
        assert records[0].date == "2024-01-02" and records[1].text.endswith("More.")
    assert ids(read_inputs(df)) == ["r1", "dataframe:2"]


def test_doc_id_names_the_id_when_id_is_absent(tmp_path):
    """newsdedup's own tables call the id doc_id: a table fed back in keeps its ids."""
    df = pd.DataFrame({"doc_id": ["d1", None, "d3"], "id": [None, None, "i3"],
                       "text": [ARTICLE, ARTICLE + " Two.", ARTICLE + " Three."]})
    df.to_csv(tmp_path / "t.csv", index=False)
    df.to_parquet(tmp_path / "t.parquet")
    df.to_json(tmp_path / "t.jsonl", orient="records", lines=True)
    for name in ("t.csv", "t.parquet", "t.jsonl"):
        assert ids(read_inputs(tmp_path / name)) == ["d1", "t:2", "i3"], name
    assert ids(read_inputs(df)) == ["d1", "dataframe:2", "i3"]
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"doc_id": "b1", "text": "cut sho\n')
    assert ids(read_inputs(broken)) == ["b1"]


def test_malformed_csv_rows_are_rejected_one_by_one(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text('id,text\na,"A fine article about the town."\nb,too,many,fields\nc,"Another fine article."\n')
    records = list(read_inputs(path))
    assert ids(records) == ["a", "bad:2", "c"]
    assert "malformed CSV row" in records[1].error


def test_csv_without_text_column_is_one_reject(tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("id,body\na,hello\n")
    [record] = read_inputs(path)
    assert "no 'text' or 'html' column" in record.error


def test_duplicate_ids_reject_the_later_record_naming_both(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    for name in ("one", "two"):
        (tmp_path / name / "s.jsonl").write_text(json.dumps({"id": "s", "text": ARTICLE}) + "\n")
    records = list(read_inputs([tmp_path / "one", tmp_path / "two"]))
    assert records[0].error is None
    assert "duplicate id 's'" in records[1].error and str(tmp_path / "one" / "s.jsonl") in records[1].error
    assert len({r.doc_id for r in records}) == 2


def test_a_rejected_record_whose_id_clashes_keeps_its_own_error(tmp_path):
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "b", "text": ARTICLE}) + "\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "b.csv").write_text("title,body\nT,hello\n")  # the file's id is its stem: b
    first, second = read_inputs([tmp_path / "b.jsonl", tmp_path / "data" / "b.csv"])
    assert first.error is None
    assert "no 'text' or 'html' column" in second.error and "'b' already used by" in second.error
    assert second.doc_id != "b"


def test_binary_undecodable_and_empty_files(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 au lait co\xfbte deux euros \xe0 Paris.".encode("latin-1"))
    (tmp_path / "empty.txt").write_bytes(b"")
    records = {r.doc_id: r for r in read_inputs(tmp_path)}
    assert "binary" in records["bin"].error
    assert records["latin"].error is None and "Café" in records["latin"].text
    assert records["empty"].error is None and records["empty"].text == ""


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    rows = "".join(json.dumps({"id": f"r{i}", "text": ARTICLE + f" Row {i}."}) + "\n" for i in range(2000))
    data = gzip.compress(rows.encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    (tmp_path / "cut1.txt.gz").write_bytes(gzip.compress(ARTICLE.encode())[:20])
    records = list(read_inputs(tmp_path))
    good = [r for r in records if r.error is None]
    bad = [r for r in records if r.error]
    assert 0 < len(good) < 2000
    assert [r.doc_id for r in good] == [f"r{i}" for i in range(len(good))]
    assert len(bad) == 2 and all("truncated gzip" in r.error for r in bad)


def test_decompression_is_bounded(tmp_path):
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * 5_000_000))
    [record] = read_inputs(tmp_path, Config(max_record_bytes=1_000_000))
    assert "larger than 1,000,000 bytes" in record.error


def test_unsupported_and_missing_paths_are_rejects(tmp_path):
    (tmp_path / "notes.docx").write_bytes(b"PK")
    [record] = read_inputs(tmp_path)
    assert "unsupported file type" in record.error
    [missing] = read_inputs(tmp_path / "nope")
    assert "no such file" in missing.error


def test_dataframe_without_text_column_is_a_usage_error():
    with pytest.raises(ValueError, match="'text' or 'html'"):
        list(read_inputs(pd.DataFrame({"body": ["x"]})))


def test_an_html_page_stored_as_text_is_cleaned_as_html(tmp_path):
    page = (FIXTURES / "page.html").read_text()
    (tmp_path / "page.html").write_text(page)
    (tmp_path / "stored.txt").write_text("\n  " + page)
    (tmp_path / "rows.jsonl").write_text(json.dumps({"id": "row", "text": page}) + "\n"
                                         + json.dumps({"id": "prose", "text": "<b>Update:</b> an <html> tag, she wrote.\n" + ARTICLE}) + "\n")
    by_id = {r.doc_id: r for r in read_inputs(tmp_path)}
    assert by_id["stored"].html.strip() == by_id["row"].html.strip() and by_id["stored"].text is None
    assert by_id["row"].warning == "the field 'text' holds an HTML page, not plain text: cleaned as HTML"
    assert by_id["prose"].html is None and by_id["prose"].warning is None
    result = newsdedup.run(tmp_path, Config(workers=1))
    texts = result.documents.set_index("doc_id")["text"]
    assert texts["stored"] == texts["row"] == texts["page"] and "<" not in texts["page"]


def test_binary_columns_are_decoded_as_files_are(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    page = (FIXTURES / "page.html").read_text()
    latin = "Caf\u00e9 owners said the bridge will reopen on Monday after repairs to the road."
    table = pa.table({"id": ["utf8", "cp1252", "binary"],
                      "html": pa.array([page.encode(), None, None], pa.binary()),
                      "text": pa.array([None, latin.encode("cp1252"), b"\x00\x01\x02" * 40], pa.binary())})
    pq.write_table(table, tmp_path / "pages.parquet")
    (tmp_path / "page.html").write_text(page)
    by_id = {r.doc_id: r for r in read_inputs(tmp_path)}
    assert by_id["utf8"].html.strip() == by_id["page"].html.strip()
    assert by_id["cp1252"].text == latin
    assert by_id["binary"].error == "field 'text': binary content (NUL bytes)"
