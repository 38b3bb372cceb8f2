"""Output writers: CSV cells a spreadsheet would run as formulas are neutralised, other formats are exact."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

import newsdedup

BODY = "Officials said the new bridge will open next spring after years of delays and debate. " * 3
HOSTILE_TITLE = '=HYPERLINK("http://example.invalid/x","click")'


@pytest.fixture(scope="module")
def hostile_result():
    df = pd.DataFrame({
        "id": ["=1+2", "@SUM(A1)", "-3", "plain"],
        "text": ["-" + BODY, "+" + BODY + "Two.", "@" + BODY + "Three.", "=cmd|' /C calc'!A0 " + BODY + "Four."],
        "title": [HOSTILE_TITLE, "+cmd", "-minus", None],
    })
    return newsdedup.run(df, newsdedup.Config(workers=1))


def csv_rows(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_csv_cells_that_start_a_formula_get_a_quote_prefix(tmp_path, hostile_result):
    out = hostile_result.write(tmp_path / "out", "csv")
    by_id = {row["doc_id"]: row for row in csv_rows(out / "documents.csv")}
    assert set(by_id) == {"'=1+2", "'@SUM(A1)", "'-3", "plain"}
    assert by_id["'=1+2"]["title"] == "'" + HOSTILE_TITLE
    assert by_id["'=1+2"]["text"].startswith("'-Officials")
    assert by_id["'@SUM(A1)"]["title"] == "'+cmd" and by_id["'@SUM(A1)"]["text"].startswith("'+Officials")
    assert by_id["'-3"]["title"] == "'-minus" and by_id["'-3"]["text"].startswith("'@Officials")
    assert by_id["plain"]["text"].startswith("'=cmd|")
    assert by_id["'=1+2"]["canonical_id"] in ("'=1+2", "'@SUM(A1)", "'-3", "plain")
    every_cell = [cell for row in csv_rows(out / "documents.csv") for cell in row.values()]
    assert not [c for c in every_cell if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    members = [json.loads(row["member_ids"]) for row in csv_rows(out / "clusters.csv")]
    assert sorted(m for ms in members for m in ms) == ["-3", "=1+2", "@SUM(A1)", "plain"]  # JSON inside


def test_csv_numbers_stay_numbers_even_when_negative(tmp_path, hostile_result):
    result = hostile_result
    pairs = result.pairs.copy()
    pairs["jaccard"] = -0.5  # a number column: written as a number, not a neutralised string
    shifted = newsdedup.Result(result.documents, result.clusters, result.matches, result.boilerplate, pairs,
                               result.rejects, result.config)
    out = shifted.write(tmp_path / "out", "csv")
    assert {row["jaccard"] for row in csv_rows(out / "pairs.csv")} == {"-0.5"}
    assert pd.read_csv(out / "pairs.csv")["jaccard"].dtype == "float64"


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_jsonl_and_parquet_keep_the_exact_text(tmp_path, hostile_result, fmt):
    out = hostile_result.write(tmp_path / "out", fmt)
    if fmt == "jsonl":
        docs = pd.DataFrame([json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()])
    else:
        docs = pq.read_table(out / "documents.parquet").to_pandas()
    by_id = docs.set_index("doc_id")
    assert sorted(by_id.index) == ["-3", "=1+2", "@SUM(A1)", "plain"]
    assert by_id.at["=1+2", "title"] == HOSTILE_TITLE
    assert by_id.at["=1+2", "text"].startswith("-Officials")
    assert by_id.at["plain", "text"].startswith("=cmd|")


@pytest.mark.parametrize("cell, safe", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("a=b", "a=b"), ("", ""), ("'=x", "'=x"), (" =x", " =x"),
])
def test_spreadsheet_safe(cell, safe):
    from newsdedup.write import spreadsheet_safe

    assert spreadsheet_safe(cell) == safe
