"""WARC input: HTML responses become records, everything else is skipped and counted.

The WARC files are written by warcio, a library independent of the reader (FastWARC).
"""

from __future__ import annotations

import gzip
import io
import shutil
from collections import Counter
from pathlib import Path

import pytest

import newsdedup
from newsdedup import Config
from newsdedup.read import read_inputs

from .conftest import FIXTURES

warcio = pytest.importorskip("warcio", reason="warcio (a [dev] dependency) writes the test WARC files")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

PAGE = (FIXTURES / "page.html").read_bytes()
URL = "https://news.example/2024/03/river-towns?utm_source=x&id=7#top"
DATE = "2024-03-18T06:30:00Z"


def _response(writer, url: str, payload: bytes, content_type: str | None = "text/html; charset=utf-8",
              extra: list[tuple[str, str]] = (), date: str = DATE):
    headers = ([("Content-Type", content_type)] if content_type else []) + list(extra)
    http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=http,
                                     warc_headers_dict={"WARC-Date": date})


def write_crawl(path: Path, gzipped: bool) -> None:
    """Nine records: warcinfo, a request, five responses (three of them HTML) and a
    metadata record and a revisit."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzipped)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))  # 1
        request = StatusAndHeaders("GET /2024/03/river-towns HTTP/1.1", [("Host", "news.example")], is_http_request=True)
        writer.write_record(writer.create_warc_record(URL, "request", http_headers=request))  # 2
        writer.write_record(_response(writer, URL, PAGE))  # 3: HTML
        writer.write_record(_response(writer, "https://news.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
                                      "image/png"))  # 4
        writer.write_record(_response(writer, "https://news.example/b", gzip.compress(PAGE.replace(b"river", b"creek")),
                                      extra=[("Content-Encoding", "gzip")]))  # 5: HTML, gzip-encoded
        writer.write_record(_response(writer, "https://news.example/c", b"  <!DOCTYPE html><html><body><p>No type "
                                      b"header on this page, but it is a page.</p></body></html>", None))  # 6: HTML
        writer.write_record(writer.create_warc_record(URL, "metadata", payload=io.BytesIO(b"fetchTimeMs: 120\n"),
                                                      warc_content_type="application/warc-fields"))  # 7
        writer.write_record(_response(writer, "https://news.example/d.json", b'{"a": 1}', "application/json"))  # 8
        writer.write_record(writer.create_revisit_record(URL, digest="sha1:AAAA", refers_to_uri=URL,
                                                         refers_to_date=DATE))  # 9


@pytest.mark.parametrize("gzipped", [False, True])
def test_html_responses_become_records_and_the_rest_is_counted(tmp_path, gzipped):
    path = tmp_path / ("crawl.warc.gz" if gzipped else "crawl.warc")
    write_crawl(path, gzipped)
    skipped = Counter()
    records = list(read_inputs(path, Config(), skipped))
    assert [r.doc_id for r in records] == ["crawl:3", "crawl:5", "crawl:6"]
    assert all(r.error is None for r in records)
    page, encoded, untyped = records
    assert page.url == URL and page.date == DATE and page.html == PAGE.decode()
    assert encoded.html == PAGE.decode().replace("river", "creek")  # the HTTP content encoding undone
    assert "No type header" in untyped.html
    assert page.source.endswith("crawl.warc" + (".gz" if gzipped else "") + ":3")
    assert skipped == {"warc warcinfo": 1, "warc request": 1, "warc metadata": 1, "warc revisit": 1,
                       "non-HTML response": 2}


def test_a_page_cleans_to_the_same_text_from_a_warc_and_from_an_html_file(tmp_path):
    write_crawl(tmp_path / "crawl.warc.gz", gzipped=True)
    (tmp_path / "page.html").write_bytes(PAGE)
    docs = newsdedup.run(tmp_path, Config(workers=1)).documents.set_index("doc_id")
    assert docs.at["crawl:3", "text"] == docs.at["page", "text"]
    assert "sandbags" in docs.at["page", "text"] and "newsletter" not in docs.at["page", "text"]
    assert docs.at["crawl:3", "url"] == URL and docs.at["crawl:3", "canonical_id"] == docs.at["page", "canonical_id"]


def test_the_summary_counts_what_the_warc_held_besides_pages(tmp_path):
    write_crawl(tmp_path / "crawl.warc", gzipped=False)
    result = newsdedup.run(tmp_path, Config(workers=1))
    assert result.counts["inputs"] == 3
    assert result.summary["skipped_in_inputs"] == {"non-HTML response": 2, "warc metadata": 1, "warc request": 1,
                                                   "warc revisit": 1, "warc warcinfo": 1}


def test_an_oversized_payload_is_rejected_and_reading_goes_on(tmp_path):
    path = tmp_path / "crawl.warc"
    write_crawl(path, gzipped=False)
    records = list(read_inputs(path, Config(max_record_bytes=len(PAGE) - 1)))
    assert [(r.doc_id, r.error is None) for r in records] == [("crawl:3", False), ("crawl:5", False), ("crawl:6", True)]
    assert "larger than" in records[0].error and records[0].url == URL


def test_a_truncated_warc_keeps_the_pages_before_the_break(tmp_path):
    whole = tmp_path / "whole.warc.gz"
    write_crawl(whole, gzipped=True)
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    records = list(read_inputs(cut, Config()))
    assert records[0].doc_id == "cut:3" and records[0].error is None
    assert records[-1].error is not None  # the break is a reject, not a crash
    assert len({r.doc_id for r in records}) == len(records)


def test_the_cli_reads_a_warc_folder(tmp_path):
    from click.testing import CliRunner

    from newsdedup.cli import main

    (tmp_path / "in").mkdir()
    write_crawl(tmp_path / "in" / "crawl.warc.gz", gzipped=True)
    shutil.copy(FIXTURES / "page.html", tmp_path / "in" / "page.html")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(out), "--format", "jsonl", "-q"])
    assert result.exit_code == 0, result.output
    assert len((out / "documents.jsonl").read_text().splitlines()) == 4
