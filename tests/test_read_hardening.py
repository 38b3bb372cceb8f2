"""Readers under hostile input (issue 15): no record stops the run, no delimitable row is
lost, ids stay unique, directories are walked safely, work is bounded."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import tracemalloc
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newsdedup import outdir, read
from newsdedup.config import Config
from newsdedup.read import read_inputs

ARTICLE = "Officials said the bridge will reopen on Monday after repairs."


def by_id(records):
    return {r.doc_id: r for r in records}


def jsonl(*objects) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objects)


# ----------------------------------------------------------------- item 4: one record, one reject


def test_deep_nesting_and_huge_integers_reject_their_line_and_keep_its_id(tmp_path):
    path = tmp_path / "d.jsonl"
    deep = 100_000  # past the parser's recursion limit on every Python (3.13's C parser takes 1,000)
    path.write_text(jsonl('{"id": "deep", "text": ' + "[" * deep + "]" * deep + "}",
                          "[" * deep + "]" * deep,
                          '{"id": "big", "n": ' + "9" * 5000 + ', "text": "x"}',
                          {"id": "fine", "text": ARTICLE}))
    records = by_id(read_inputs(path))
    assert list(records) == ["deep", "d:2", "big", "fine"]
    assert "RecursionError" in records["deep"].error and "RecursionError" in records["d:2"].error
    assert "ValueError" in records["big"].error and "digits" in records["big"].error
    assert records["fine"].text == ARTICLE


def test_parquet_timestamp_past_year_9999_rejects_that_row_only(tmp_path):
    table = pa.table({"id": ["far", "near"], "text": [ARTICLE, ARTICLE],
                      "date": pa.array([253402300800000000, 0], type=pa.timestamp("us"))})
    pq.write_table(table, tmp_path / "t.parquet")
    far, near = read_inputs(tmp_path / "t.parquet")
    assert far.doc_id == "far" and "field 'date'" in far.error and "OverflowError" in far.error
    assert near.error is None and near.text == ARTICLE


def test_any_failure_building_a_record_rejects_that_record(tmp_path, monkeypatch):
    real = read.make_record

    def flaky(row, *args):
        if row.get("id") == "bad":
            raise KeyError("surprise")
        return real(row, *args)

    monkeypatch.setattr(read, "make_record", flaky)
    (tmp_path / "a.jsonl").write_text(jsonl({"id": "bad", "text": "x"}, {"id": "ok", "text": ARTICLE}))
    (tmp_path / "b.csv").write_text("id,text\nbad,x\nok2,fine\n")
    frame = pd.DataFrame({"id": ["bad", "ok3"], "text": ["x", ARTICLE]})
    records = list(read_inputs([tmp_path, frame]))
    assert [r.doc_id for r in records] == ["bad", "ok", "bad@" + str(tmp_path / "b.csv") + ":1", "ok2",
                                           "bad@dataframe:1", "ok3"]
    assert "unreadable record: KeyError" in records[0].error
    assert all(r.error is None for r in (records[1], records[3], records[5]))


def test_a_reader_failure_mid_file_rejects_the_rest_and_the_run_goes_on(tmp_path, monkeypatch):
    real = read._lines

    def breaking(fh, max_line):
        for n, item in enumerate(real(fh, max_line)):
            if n == 2:
                raise RuntimeError("reader bug")
            yield item

    monkeypatch.setattr(read, "_lines", breaking)
    (tmp_path / "a.jsonl").write_text(jsonl(*({"id": f"r{i}", "text": ARTICLE} for i in range(5))))
    (tmp_path / "b.txt").write_text(ARTICLE)
    records = list(read_inputs(tmp_path))
    assert [r.doc_id for r in records] == ["r0", "r1", "a:3", "b"]
    assert "reading stopped: RuntimeError: reader bug; no records read after 2" in records[2].error


# ----------------------------------------------------------------- item 5: CSV rows


def test_an_oversized_csv_field_rejects_its_row_and_later_rows_come_out(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text('id,text\na,"good one"\nb,"' + "long line\n" * 40 + '"\nc,"good three"\nd,plain\n')
    records = list(read_inputs(path, Config(max_record_bytes=100)))
    kept = {r.doc_id: r.text for r in records if r.error is None}
    assert kept == {"a": "good one", "c": "good three", "d": "plain"}
    rejected = [r for r in records if r.error]
    assert rejected[0].doc_id == "b" and "row larger than 100 bytes" in rejected[0].error
    assert all(" " not in r.doc_id for r in records)


def test_an_unbalanced_quote_loses_no_later_row_and_makes_no_fragment_record(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('id,text\n'
                    'a,"First good article, with a comma."\n'
                    'b,"The quote opens here and never closes\n'
                    'so this line, with a comma, is article text\n'
                    'c,"Third article, also fine."\n'
                    'd,"Fourth, with ""quoted"" words\nover two lines."\n'
                    'e,plain fifth\n')
    records = list(read_inputs(path))
    kept = {r.doc_id: r.text for r in records if r.error is None}
    assert kept == {"a": "First good article, with a comma.", "c": "Third article, also fine.",
                    "d": 'Fourth, with "quoted" words\nover two lines.', "e": "plain fifth"}
    rejects = [r for r in records if r.error]
    assert [r.doc_id for r in rejects] == ["b", "q:3"]
    assert "malformed CSV row at line 3" in rejects[0].error
    assert "lines 4-4" in rejects[1].error
    assert len({r.doc_id for r in records}) == len(records)


def test_a_latin1_csv_is_decoded_like_a_txt(tmp_path):
    text = "Le café coûte deux euros à Paris, dit-il, et la crème brûlée est très appréciée."
    (tmp_path / "l.csv").write_bytes(f'id,text\nl1,"{text}"\n'.encode("latin-1"))
    (tmp_path / "l.txt").write_bytes(text.encode("latin-1"))
    records = by_id(read_inputs(tmp_path))
    assert records["l1"].error is None and records["l1"].text == records["l"].text


# ----------------------------------------------------------------- item 6: stray bytes in UTF-8


def test_one_stray_byte_keeps_utf8_replaces_the_byte_and_says_so(tmp_path):
    body = "“Curly” quotes — and an em dash, in every line.\n" * 50
    (tmp_path / "s.txt").write_bytes(body.encode() + b"caf\xe9\n")
    (tmp_path / "s2.csv").write_bytes(b"id,text\nr1,\"" + "“fine” row".encode() + b"\"\nr2,\"bad \xff byte\"\n")
    records = by_id(read_inputs(tmp_path))
    assert records["s"].text.startswith(body) and records["s"].text.endswith("caf\ufffd\n")
    assert records["s"].warning == "invalid UTF-8: 1 byte sequence replaced with U+FFFD"
    assert records["r1"].warning is None and records["r2"].text == "bad \ufffd byte"
    assert records["r2"].warning == "invalid UTF-8: 1 byte sequence replaced with U+FFFD"


def test_a_mostly_ascii_cp1252_file_still_gets_the_charset_guess(tmp_path):
    (tmp_path / "w.txt").write_bytes(b"He said \x93yes\x94 and left the town hall early on Monday.\n" * 5)
    [record] = read_inputs(tmp_path)
    assert "“yes”" in record.text and record.warning is None


# ----------------------------------------------------------------- item 7: unique ids


def test_clash_ids_are_unique_even_against_ids_that_look_like_clash_keys(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(jsonl({"id": f"a@{path}:3", "text": "z"}, {"id": "a", "text": "x"}, {"id": "a", "text": "y"}))
    records = list(read_inputs([path, path, path]))
    assert len(records) == 9 and len({r.doc_id for r in records}) == 9
    assert [r.error is None for r in records] == [True, True] + [False] * 7
    assert records[2].doc_id == f"a@{path}:3#2"


def test_each_dataframe_of_a_list_has_its_own_ids():
    frames = [pd.DataFrame({"text": ["one", "two"]}), pd.DataFrame({"text": ["three"]})]
    records = list(read_inputs(frames))
    assert [r.doc_id for r in records] == ["dataframe:1", "dataframe:2", "dataframe-2:1"]
    assert all(r.error is None for r in records)


def test_same_names_in_two_input_folders_are_both_kept(tmp_path):
    (tmp_path / "html").mkdir()
    (tmp_path / "text").mkdir()
    (tmp_path / "html" / "x.html.gz").write_bytes(gzip.compress(b"<p>A page about the bridge.</p>"))
    (tmp_path / "text" / "x.txt").write_text(ARTICLE)
    records = list(read_inputs([tmp_path / "html", tmp_path / "text"]))
    assert [(r.doc_id, r.error) for r in records] == [("html/x", None), ("text/x", None)]
    again = list(read_inputs([tmp_path / "text", tmp_path / "text"]))
    assert [r.doc_id for r in again] == ["x", f"x@{tmp_path / 'text' / 'x.txt'}"]
    assert "duplicate id 'x'" in again[1].error


# ----------------------------------------------------------------- item 10: own outputs


def test_the_output_folder_and_folders_holding_a_run_are_not_read(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "documents.jsonl").write_text(jsonl({"id": "o", "text": "x"}))
    (tmp_path / "older").mkdir()
    (tmp_path / "older" / outdir.MARKER).write_text("")
    (tmp_path / "older" / "documents.jsonl").write_text(jsonl({"id": "p", "text": "x"}))
    records = list(read_inputs(tmp_path, Config(out=str(tmp_path / "out"))))
    assert [r.doc_id for r in records] == ["a"]
    assert list(read_inputs(tmp_path / "older")) == []


# ----------------------------------------------------------------- item 12: bounded work


def test_a_newline_bomb_is_bounded_by_bytes_and_by_blank_lines(tmp_path, monkeypatch):
    (tmp_path / "n.jsonl.gz").write_bytes(gzip.compress(b"\n" * 3_000_000 + jsonl({"id": "z", "text": "x"}).encode()))
    [record] = read_inputs(tmp_path, Config(max_file_bytes=1_000_000))
    assert "larger than 1,000,000 bytes" in record.error
    monkeypatch.setattr(read, "MAX_BLANK_LINES", 1000)
    path = tmp_path / "m.jsonl"
    path.write_text(jsonl({"id": "a", "text": "x"}) + "\n \n" * 500 + jsonl({"id": "b", "text": "y"})
                    + "\n" * 5000 + jsonl({"id": "c", "text": "z"}))
    records = list(read_inputs(path))
    assert [r.doc_id for r in records] == ["a", "b", "m:1003"]
    assert "more than 1,000 blank lines in a row" in records[2].error
    (tmp_path / "c.csv.gz").write_bytes(gzip.compress(b"id,text\nc1,one\n" + b"\r\n" * 5000 + b"c2,two\n"))
    rows = list(read_inputs(tmp_path / "c.csv.gz"))
    assert [r.doc_id for r in rows] == ["c1", "c:2"] and "more than 1,000 blank lines" in rows[1].error


def test_blank_lines_inside_a_quoted_csv_field_are_kept(tmp_path):
    (tmp_path / "p.csv").write_text('id,text\na,"Para one.\n\n\n  \nPara two."\n\n\nb,next\n')
    records = by_id(read_inputs(tmp_path))
    assert records["a"].text == "Para one.\n\n\n  \nPara two." and records["b"].text == "next"


def _peak(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_csv_and_parquet_gzip_bombs_are_bounded_before_parsing(tmp_path):
    (tmp_path / "b.csv.gz").write_bytes(gzip.compress(b"id,text\na," + b"x" * 20_000_000 + b"\nb,fine\n"))
    table = pa.table({"id": ["p"], "text": ["y" * 40_000_000]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="none")
    (tmp_path / "c.parquet.gz").write_bytes(gzip.compress(buffer.getvalue()))
    config = Config(max_record_bytes=1_000_000, max_file_bytes=30_000_000)
    records = []
    peak = _peak(lambda: records.extend(read_inputs(tmp_path, config)))
    assert [(r.doc_id, r.error is None) for r in records] == [("a", False), ("b", True), ("c", False)]
    assert "row larger than 1,000,000 bytes" in records[0].error
    assert "larger than 30,000,000 bytes after decompression" in records[2].error
    assert peak < 16_000_000  # the CSV line is 20 MB, the Parquet text 40 MB


def test_parquet_declaring_more_than_the_file_limit_is_rejected_before_reading(tmp_path):
    pq.write_table(pa.table({"text": ["z" * 3_000_000]}), tmp_path / "s.parquet", compression="zstd")
    [record] = read_inputs(tmp_path, Config(max_file_bytes=1_000_000))
    assert "larger than 1,000,000 bytes uncompressed" in record.error


# ----------------------------------------------------------------- item 14: links, FIFOs, folders


def test_symlinks_out_of_the_tree_are_rejects_unless_allowed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("root:x:0:0")
    tree = tmp_path / "in"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text(ARTICLE)
    (tree / "link.txt").symlink_to(outside / "secret.txt")
    (tree / "dirlink").symlink_to(outside)
    (tree / "inner.txt").symlink_to(tree / "a.txt")
    (tree / "loop").symlink_to(tree)
    (tree / "broken.txt").symlink_to(tmp_path / "nothing")
    records = by_id(read_inputs(tree))
    assert records["a"].error is None and records["inner"].error is None
    assert records["link"].error.startswith("symlink leaves the input tree")
    assert records["dirlink"].error.startswith("symlink leaves the input tree")
    assert "broken symlink" in records["broken"].error
    assert "loop" not in records and not any("root:x" in (r.text or "") for r in records.values())
    allowed = by_id(read_inputs(tree, Config(follow_symlinks=True)))
    assert allowed["link"].text == "root:x:0:0" and allowed["dirlink/secret"].text == "root:x:0:0"


def test_a_fifo_is_rejected_without_being_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "a.txt").write_text(ARTICLE)
    records = by_id(read_inputs(tmp_path))
    assert records["pipe"].error == "not a regular file (FIFO)" and records["a"].error is None
    [direct] = read_inputs(tmp_path / "pipe.txt")
    assert direct.error == "not a regular file (FIFO)"


def test_an_unreadable_subfolder_is_a_reject_naming_it(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "x.txt").write_text(ARTICLE)
    (tmp_path / "a.txt").write_text(ARTICLE)
    real = os.scandir

    def scandir(path):  # root reads a chmod-000 folder, so the refusal is simulated
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(read.os, "scandir", scandir)
    records = list(read_inputs(tmp_path))
    assert [(r.doc_id, r.error) for r in records] == [("a", None),
                                                      ("locked", "unreadable directory: Permission denied")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod-000 folder")
def test_an_unreadable_subfolder_really_unreadable(tmp_path):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked").chmod(0)
    try:
        [record] = read_inputs(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert record.doc_id == "locked" and "unreadable directory" in record.error


def test_csv_rows_read_with_the_csv_module_match(tmp_path):
    rows = [["id", "text"], ["q1", 'He said "no", twice.\nThen left.'], ["q2", "plain"], ["q3", ""]]
    with open(tmp_path / "w.csv", "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    records = list(read_inputs(tmp_path / "w.csv"))
    assert [(r.doc_id, r.text) for r in records] == [("q1", rows[1][1]), ("q2", "plain"), ("q3", None)]


def test_a_short_latin1_text_prefers_cp1252_on_a_tie(tmp_path):
    (tmp_path / "s.csv").write_bytes("id,text\ns,\"Le café coûte deux euros à Paris.\"\n".encode("latin-1"))
    [record] = read_inputs(tmp_path)
    assert record.text == "Le café coûte deux euros à Paris."


def test_a_jsonl_line_that_does_not_parse_keeps_its_leading_id(tmp_path):
    (tmp_path / "k.jsonl").write_bytes(b'{"id": "mine", "text": "caf\xe9"}\n{"id": 42, "text": "unterminated\n')
    assert [r.doc_id for r in read_inputs(tmp_path)] == ["mine", "42"]


def test_a_repair_made_while_reading_reaches_documents_and_the_summary(tmp_path):
    import newsdedup

    body = ("“Curly” quotes and an em dash — in a line about the council's budget vote today.\n\n"
            "The council approved the budget after a long debate about the new library and roads.\n")
    (tmp_path / "fixed.txt").write_bytes(body.encode() + b"Caf\xe9 owners spoke against the plan at the meeting.\n")
    (tmp_path / "fine.txt").write_text("A different story about the weather turning cold this weekend in the hills.\n")
    result = newsdedup.run(tmp_path, Config(workers=1))
    docs = result.documents.set_index("doc_id")
    assert docs.at["fixed", "warning"] == "invalid UTF-8: 1 byte sequence replaced with U+FFFD"
    assert "“Curly”" in docs.at["fixed", "text"]  # not mojibake
    assert pd.isna(docs.at["fine", "warning"])
    assert result.summary["counts"]["read_with_warnings"] == 1


def test_a_mirrored_sites_pages_without_an_html_suffix_are_read_as_html(tmp_path):
    """wget and httrack save a page under its URL's name (story.php, index.html?p=2, a path
    with no suffix): opened like an HTML page, such a file is one; anything else of no known
    type stays an unsupported file."""
    from newsdedup.read import holds_html_page

    page = (Path(__file__).parent / "fixtures" / "page.html").read_bytes()
    site = tmp_path / "news.example"
    (site / "2024" / "03").mkdir(parents=True)
    (site / "story.php").write_bytes(page)
    (site / "index.html?p=2").write_bytes(b"\xef\xbb\xbf<!-- saved by a mirror -->\n" + page)
    (site / "2024" / "03" / "river-towns").write_bytes(page)
    (site / "old.shtml.gz").write_bytes(gzip.compress(page))
    (site / "feed").write_bytes(b'<?xml version="1.0"?><rss><channel><title>News</title></channel></rss>')
    (site / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    (site / "notes").write_text("Plain words in a file with no suffix are not known to be an article.")
    records = by_id(read_inputs(site))
    for doc_id in ("story.php", "index.html?p=2", "2024/03/river-towns", "old.shtml"):
        assert records[doc_id].error is None and records[doc_id].html is not None, doc_id
    assert records["feed"].error == "unsupported file type '(none)'"
    assert records["logo.png"].error == "unsupported file type '.png'"
    assert records["notes"].error == "unsupported file type '(none)'"
    assert not holds_html_page(site)  # a folder is not a page
