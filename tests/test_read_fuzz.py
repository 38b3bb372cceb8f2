"""Fuzzing the readers (issue 15, item 4): whatever the bytes, no exception escapes, every
record comes out once with a unique id, and every good row survives its bad neighbours."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdedup.config import Config
from newsdedup.read import read_inputs

from .hostile import warc_response

CONFIG = Config(max_record_bytes=2000, max_file_bytes=200_000)
FUZZ = settings(max_examples=int(os.environ.get("NEWSDEDUP_FUZZ_EXAMPLES", "120")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXTS = (".txt", ".html", ".jsonl", ".csv", ".parquet", ".warc", ".txt.gz", ".jsonl.gz", ".csv.gz", ".parquet.gz",
        ".warc.gz")


def read_bytes(data: bytes, ext: str) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{ext}"
        path.write_bytes(data)
        records = list(read_inputs(path, CONFIG))
    check_records(records)
    return records


def check_records(records) -> None:
    assert len({r.doc_id for r in records}) == len(records)
    for r in records:
        assert isinstance(r.doc_id, str) and r.doc_id
        assert (r.error is not None) + (r.text is not None) + (r.html is not None) == 1


def _parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["One article.", "Two articles."],
                             "date": pa.array([0, 1], type=pa.timestamp("us"))}), buffer)
    return buffer.getvalue()


SEEDS = {
    ".jsonl": b'{"id": "a", "text": "One article."}\n{"html": "<p>Two</p>"}\n',
    ".csv": b'id,text\na,"One, article."\nb,"Two\narticles."\n',
    ".parquet": _parquet_bytes(),
    ".txt": "Plain “text” here.\n".encode(),
    ".warc": warc_response(b"One <b>article</b>.") + warc_response(b"Two articles."),
}


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(EXTS))
def test_arbitrary_bytes_never_raise(data, ext):
    read_bytes(data, ext)
    if ext.endswith(".gz"):
        read_bytes(gzip.compress(data), ext)


@FUZZ
@given(st.sampled_from(sorted(SEEDS)), st.booleans(),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8))
def test_corrupted_valid_files_never_raise(ext, gz, flips):
    data = bytearray(gzip.compress(SEEDS[ext], mtime=0) if gz else SEEDS[ext])
    for position, value in flips:
        data[position % len(data)] = value
    read_bytes(bytes(data), ext + (".gz" if gz else ""))


# ----------------------------------------------------------------- structured JSONL

HOSTILE_LINES = st.one_of(
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(4301, 6000).map(lambda n: '{"id": "big", "text": ' + "7" * n + "}"),
    st.integers(1, 2000).map(lambda n: '{"text": ' + "[" * n + "]" * n + "}"),
    st.sampled_from(['{"text": "\\ud800"}', '{"id": NaN, "text": "x"}', '{"text": 1e999}', "null", "[]",
                     '{"text": {"a": 1}}', '{"id": "x"}', '{"text": "a"', "\ufeff{}", '"\\u0000"',
                     '{"id": ' + "1" * 45 + ', "text": "t"}']),
    st.text(st.characters(blacklist_characters="\n\r", blacklist_categories=("Cs",)), max_size=200),
)


@FUZZ
@given(st.lists(st.one_of(st.text(max_size=80).map(lambda t: ("good", t)), HOSTILE_LINES.map(lambda t: ("bad", t)),
                          st.just(("blank", "   "))), max_size=30))
def test_every_jsonl_line_comes_out_once(lines):
    rendered, good = [], {}
    for i, (kind, value) in enumerate(lines):
        if kind == "good":
            good[f"g{i}"] = value.strip()
            rendered.append(json.dumps({"id": f"g{i}", "text": value}))
        else:
            rendered.append(value)
    data = "\n".join(rendered).encode("utf-8", "surrogatepass")
    records = read_bytes(data, ".jsonl")
    assert len(records) == sum(1 for line in data.split(b"\n") if line.strip())
    found = {r.doc_id: r for r in records}
    for doc_id, text in good.items():
        assert found[doc_id].text == (text or None)


# ----------------------------------------------------------------- structured CSV

ARTICLE_TEXT = st.builds(lambda a, body, z: a + body + z, st.sampled_from("AbZ"),
                         st.text(st.sampled_from('abc xyz,."\'\n;:-“”é'), max_size=300), st.sampled_from("qRs."))


def hostile_row(kind: str, n: int) -> str:
    # not here: a later lone quote that closes an unbalanced one makes the lines between one
    # valid multi-line field, which no reader can tell from a real one
    return {
        "unbalanced": f'h{n},"an opening quote, never closed, in article text\n',
        "multiline": f'h{n},"an opening quote\nover lines, never closed\n',
        "wide": f"h{n},too,many,fields\n",
        "oversized": f'h{n},"' + "long text, " * 300 + '"\n',
        "junk": f'h{n},"closed" then junk\n',
    }[kind]


@FUZZ
@given(st.lists(st.one_of(ARTICLE_TEXT.map(lambda t: ("good", t)),
                          st.sampled_from(["unbalanced", "multiline", "wide", "oversized", "junk"])
                          .map(lambda k: ("bad", k))), max_size=25))
def test_every_good_csv_row_survives_its_bad_neighbours(rows):
    out = io.StringIO()
    out.write("id,text\n")
    good = {}
    for i, (kind, value) in enumerate(rows):
        if kind == "good":
            good[f"g{i}"] = value
            csv.writer(out, lineterminator="\n").writerow([f"g{i}", value])
        else:
            out.write(hostile_row(value, i))
    records = read_bytes(out.getvalue().encode(), ".csv")
    found = {r.doc_id: r for r in records}
    for doc_id, text in good.items():
        assert found[doc_id].error is None and found[doc_id].text == text.strip()
    assert not any(ch.isspace() for r in records for ch in r.doc_id)
