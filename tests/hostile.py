"""A corpus of hostile input files, of every supported format, with its expected record count.

``write_corpus(root)`` writes ``root/in`` (the input directory), ``root/outside`` (what its
symbolic links point to) and returns ``(input directory, expected records)``: how many rows
the run's ``documents`` table must hold (each kept, duplicate or rejected exactly once),
when read with :data:`OPTIONS` (small limits, so bombs stay small). Every file's count is
stated beside it; files that must yield nothing (hidden, a previous run's output) count 0.

    python -c "from tests.hostile import write_corpus; print(write_corpus(__import__('pathlib').Path('/tmp/h')))"
"""

from __future__ import annotations

import gzip
import io
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MAX_RECORD_BYTES = 200_000
MAX_FILE_BYTES = 5_000_000
OPTIONS = ["--max-record-bytes", str(MAX_RECORD_BYTES), "--max-file-bytes", str(MAX_FILE_BYTES)]

ARTICLE = ("The city council voted on Tuesday to reopen the old harbour bridge after two years of "
           "repairs, officials said. Traffic will be limited to one lane until the spring.")


def _jsonl(*lines) -> bytes:
    return b"".join((line if isinstance(line, bytes) else
                     (line if isinstance(line, str) else json.dumps(line)).encode("utf-8", "surrogatepass")) + b"\n"
                    for line in lines)


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def warc_response(text: bytes) -> bytes:
    page = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>" + text + b"</p></body></html>"
    return (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://h.example/a\r\n"
            b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n"
            % (len(page), page))


def write_corpus(root: Path) -> tuple[Path, int]:
    """Write the hostile corpus under ``root``; (input directory, expected record count)."""
    src, outside = root / "in", root / "outside"
    for folder in (src / "json", src / "csv", src / "parquet", src / "text", src / "warc", src / "links", outside):
        folder.mkdir(parents=True, exist_ok=True)
    expected = 0

    def put(rel: str, data: bytes, records: int) -> Path:
        nonlocal expected
        path = src / rel
        path.write_bytes(data)
        expected += records
        return path

    # JSONL: parser limits, bad bytes, NULs, duplicate and clash-shaped ids, blank-line bombs
    put("json/deep.jsonl", _jsonl('{"id": "deep", "text": ' + "[" * 1000 + "]" * 1000 + "}",
                                  "[" * 5000 + "]" * 5000, {"id": "j-ok", "text": ARTICLE}), 3)
    put("json/bigint.jsonl", _jsonl('{"id": "big", "n": ' + "9" * 5000 + ', "text": "x"}',
                                    '{"id": ' + "8" * 5000 + ', "text": "x"}'), 2)
    put("json/bytes.jsonl", _jsonl(b'{"id": "bad-utf8", "text": "caf\xe9"}', '{"text": "\\ud800 lone surrogate"}',
                                   '{"text": "nul \\u0000 inside ' + ARTICLE + '"}', b'{"text": "raw \x00 nul"}'), 4)
    put("json/types.jsonl", _jsonl({"id": "t-list", "text": ["a"]}, {"id": "t-num", "text": 1e308},
                                   '{"id": NaN, "text": "nan id"}', "null", "[1, 2]", '"just a string"',
                                   '{"text": "unterminated', {"id": None, "html": "<p>" + ARTICLE + "</p>"}), 8)
    clash = src / "json" / "dups.jsonl"
    put("json/dups.jsonl", _jsonl({"id": f"dup@{clash}:3", "text": ARTICLE}, {"id": "dup", "text": ARTICLE},
                                  {"id": "dup", "text": ARTICLE + " Again."}, {"id": "dup", "text": "third"}), 4)
    put("json/long-line.jsonl", _jsonl({"id": "huge", "text": "w " * MAX_RECORD_BYTES}, {"id": "after-huge", "text": ARTICLE}), 2)
    put("json/blank-bomb.jsonl.gz", gzip.compress(_jsonl({"id": "b1", "text": ARTICLE}) + b"\n \r\n" * 50_000
                                                  + _jsonl({"id": "b2", "text": ARTICLE}) + b"\n" * 150_000
                                                  + _jsonl({"id": "never", "text": ARTICLE})), 3)
    put("json/whitespace.jsonl", b"  \n\n\t\n", 0)
    put("json/empty.jsonl", b"", 0)
    put("json/bom.jsonl", b"\xef\xbb\xbf" + _jsonl({"id": "bom", "text": ARTICLE}), 1)
    put("json/truncated.jsonl.gz", gzip.compress(_jsonl({"id": "cut", "text": ARTICLE}) * 50)[:20], 1)
    put("json/corrupt.jsonl.gz", b"\x1f\x8b\x08\x00garbage that is not deflate" * 3, 1)
    put("json/not-gzip.jsonl.gz", _jsonl({"id": "plain-in-gz", "text": ARTICLE}), 1)

    # CSV: unbalanced quotes, oversized fields, wrong widths, encodings, bombs
    put("csv/quote.csv", b'id,text\nq1,"First good article, with a comma."\n'
                         b'q2,"The quote opens and never closes\nso this line, with a comma, is article text\n'
                         b'q3,"Third article, fine."\nq4,plain fourth\n', 5)
    put("csv/oversized.csv", b'id,text\no1,fine\no2,"' + b"long text, " * 30_000 + b'"\no3,"also fine"\n', 3)
    put("csv/oversized-lines.csv", b'id,text\nm1,fine\nm2,"' + b"many lines\n" * 30_000 + b'"\nm3,fine again\n', 4)
    put("csv/widths.csv", b'id,text\nw1,one\nw2,too,many,fields\nw3\nw4,"ok"\n', 4)
    put("csv/latin1.csv", "id,text\nl1,\"Le café coûte deux euros à Paris, dit-il.\"\n".encode("latin-1"), 1)
    put("csv/stray-byte.csv", 'id,text\ns1,"“Curly” quotes in a row with a bad \xff byte."\n'.encode("utf-8", "surrogateescape")
        .replace(b"\xc3\xbf", b"\xff"), 1)
    put("csv/no-text.csv", b"id,body\nx,y\n", 1)
    put("csv/empty.csv", b"", 1)
    put("csv/nul.csv", b"id,text\nn1,a\x00b\n", 1)
    put("csv/header-only.csv", b"id,text\n", 0)
    put("csv/bomb.csv.gz", gzip.compress(b"id,text\nz1," + b"z" * (2 * MAX_FILE_BYTES) + b"\n"), 1)
    put("csv/clash-ids.csv", f'id,text\ndup,"{ARTICLE}"\ndup@{clash}:3,"{ARTICLE}"\n'.encode(), 2)

    # Parquet: wrong types, out-of-range timestamps, corruption, bombs
    put("parquet/int-text.parquet", _parquet(pa.table({"id": ["i1", "i2"], "text": [1, 2]})), 2)
    put("parquet/binary-text.parquet", _parquet(pa.table({"text": pa.array([b"\xff\xfe", b"ok"], type=pa.binary())})), 2)
    put("parquet/struct-text.parquet", _parquet(pa.table({"text": [{"a": 1}]})), 1)
    put("parquet/dates.parquet", _parquet(pa.table({
        "id": ["p-far", "p-near"], "text": [ARTICLE, ARTICLE + " Near."],
        "date": pa.array([253402300800000000, 0], type=pa.timestamp("us"))})), 2)
    put("parquet/no-text.parquet", _parquet(pa.table({"body": ["x"]})), 1)
    put("parquet/truncated.parquet", _parquet(pa.table({"text": [ARTICLE] * 10}))[:-30], 1)
    put("parquet/empty.parquet", b"", 1)
    put("parquet/bomb.parquet.gz", gzip.compress(_parquet(pa.table({"text": ["q" * (2 * MAX_FILE_BYTES)]}))), 1)

    # single-document files
    put("text/stray-byte.txt", ("“Curly” quotes — and dashes. " * 40).encode() + b"\x92\n", 1)
    put("text/latin1.txt", "Le café coûte deux euros à Paris, dit-il.".encode("latin-1"), 1)
    put("text/utf16.txt", ARTICLE.encode("utf-16"), 1)
    put("text/nul.txt", b"\x00\x01\x02PK" * 100, 1)
    put("text/empty.txt", b"", 1)
    put("text/empty.html", b"", 1)
    put("text/laughs.html", b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><html><body><p>&b;</p></body></html>', 1)
    put("text/bomb.txt.gz", gzip.compress(b"a" * (2 * MAX_FILE_BYTES)), 1)
    put("text/truncated.html.gz", gzip.compress(b"<p>" + ARTICLE.encode() + b"</p>")[:25], 1)
    put("text/notes.docx", b"PK\x03\x04", 1)
    put("text/.hidden.txt", ARTICLE.encode(), 0)

    # web archives
    response = warc_response(ARTICLE.encode())
    put("warc/two-pages.warc.gz", gzip.compress(response) + gzip.compress(response.replace(b"/a", b"/b")), 2)
    put("warc/truncated.warc.gz", (gzip.compress(response) + gzip.compress(response))[:-40], 2)  # a page, the break
    put("warc/garbage.warc", b"WARC/1.0\r\nContent-Length: -5\r\n\r\n" + bytes(range(256)), 1)
    put("warc/bad-length.warc", response.replace(b"Content-Length: ", b"Content-Length: 99999"), 1)  # one page, to the end
    # the page is over the record limit, and skipping its rest breaks the file limit: two rejects
    put("warc/bomb.warc.gz", gzip.compress(warc_response(b"w" * (2 * MAX_FILE_BYTES))), 2)

    # links, special files, a previous run's output
    (outside / "secret.txt").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (src / "links" / "passwd.txt").symlink_to(outside / "secret.txt")
    (src / "links" / "elsewhere").symlink_to(outside)
    (src / "links" / "broken.txt").symlink_to(root / "nothing-here")
    (src / "links" / "inside.txt").symlink_to(src / "text" / "latin1.txt")
    (src / "links" / "loop").symlink_to(src)
    expected += 4  # three rejects, and the link inside the tree is read
    os.mkfifo(src / "links" / "pipe.txt")
    expected += 1
    previous = src / "previous-run"
    previous.mkdir()
    (previous / ".newsdedup-run").write_text("")
    (previous / "documents.jsonl").write_bytes(_jsonl({"doc_id": "x", "text": ARTICLE}))
    return src, expected
