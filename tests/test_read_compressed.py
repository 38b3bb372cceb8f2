"""Compressed inputs: ``.bz2``, ``.xz`` and ``.zst`` read like ``.gz``, bounded, and a
broken stream costs only what comes after the break."""

from __future__ import annotations

import bz2
import io
import json
import lzma
import tracemalloc

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from click.testing import CliRunner

from newsdedup.cli import main
from newsdedup.config import Config
from newsdedup.read import read_inputs

from .conftest import FIXTURES


def _zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


COMPRESS = {".bz2": bz2.compress, ".xz": lzma.compress, ".zst": _zstd}
KINDS = pytest.mark.parametrize("suffix", list(COMPRESS))
ROWS = [{"id": f"r{i}", "text": f"Report {i}: the council met on Tuesday about the bridge. " * 30}
        for i in range(400)]


def _jsonl(rows) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def _members(suffix: str, data: bytes, parts: int = 3) -> bytes:
    """``data`` compressed as ``parts`` members one after another, as ``cat a.gz b.gz`` or
    a parallel compressor (pbzip2, pixz, zstd -T) writes it."""
    step = len(data) // parts + 1
    return b"".join(COMPRESS[suffix](data[i:i + step]) for i in range(0, len(data), step))


@KINDS
def test_every_format_reads_the_same_records_compressed(tmp_path, suffix):
    (tmp_path / "plain").mkdir()
    (tmp_path / "packed").mkdir()
    page = (FIXTURES / "page.html").read_bytes()
    parquet = io.BytesIO()
    pd.DataFrame(ROWS[150:200]).to_parquet(parquet, index=False)
    files = {"a.jsonl": _jsonl(ROWS[:100]), "b.txt": ROWS[0]["text"].encode(), "c.html": page,
             "d.csv": pd.DataFrame(ROWS[100:150]).to_csv(index=False).encode(), "e.parquet": parquet.getvalue(),
             "f.json": json.dumps(ROWS[200:220]).encode()}
    for name, data in files.items():
        (tmp_path / "plain" / name).write_bytes(data)
        (tmp_path / "packed" / (name + suffix)).write_bytes(_members(suffix, data))
    plain = [(r.doc_id, r.error, r.text, r.html) for r in read_inputs(tmp_path / "plain")]
    packed = [(r.doc_id, r.error, r.text, r.html) for r in read_inputs(tmp_path / "packed")]
    assert packed == plain
    assert len(plain) == 100 + 1 + 1 + 50 + 50 + 20 and all(error is None for _, error, _, _ in plain)
    assert {doc_id for doc_id, *_ in plain} >= {"b", "c", "r0", "r219"}


@KINDS
def test_a_truncated_file_keeps_the_records_before_the_break(tmp_path, suffix):
    data = _members(suffix, _jsonl(ROWS), parts=8)
    path = tmp_path / f"t.jsonl{suffix}"
    path.write_bytes(data[: len(data) * 3 // 4])
    records = list(read_inputs(path))
    *kept, last = records
    assert len(kept) >= 100 and all(r.error is None for r in kept)
    assert [r.doc_id for r in kept] == [f"r{i}" for i in range(len(kept))]
    name = {".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}[suffix]
    assert last.error.startswith(f"truncated {name}: compressed data ended early; no records read past line")


@KINDS
def test_corrupt_data_is_one_reject_and_the_other_files_are_read(tmp_path, suffix):
    data = COMPRESS[suffix](_jsonl(ROWS))
    (tmp_path / f"bad.jsonl{suffix}").write_bytes(data[:64] + bytes(range(256)) * 8 + data[2200:])
    (tmp_path / f"good.txt{suffix}").write_bytes(COMPRESS[suffix](ROWS[1]["text"].encode()))
    (tmp_path / f"noise.txt{suffix}").write_bytes(b"this was never compressed")
    records = {r.doc_id: r for r in read_inputs(tmp_path)}
    name = {".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}[suffix]
    assert records["good"].error is None and records["good"].text == ROWS[1]["text"]
    assert f"corrupt {name}" in records["noise"].error
    *before, broken = read_inputs(tmp_path / f"bad.jsonl{suffix}")
    assert broken.error.startswith(f"corrupt {name}: ") and all(r.error is None for r in before)


@KINDS
def test_a_decompression_bomb_is_bounded_while_it_is_read(tmp_path, suffix):
    (tmp_path / f"bomb.txt{suffix}").write_bytes(COMPRESS[suffix](b"\0" * 120_000_000))
    (tmp_path / f"line.jsonl{suffix}").write_bytes(COMPRESS[suffix](b'{"text": "' + b"x" * 120_000_000))
    config = Config(max_record_bytes=1_000_000, max_file_bytes=30_000_000)
    tracemalloc.start()
    try:
        records = {r.doc_id: r for r in read_inputs(tmp_path, config)}
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "larger than 1,000,000 bytes after decompression" in records["bomb"].error
    assert "larger than 30,000,000 bytes after decompression" in records["line:1"].error
    assert peak < 40_000_000  # 120 MB behind each file (xz decodes with an 8 MB dictionary)


def test_a_zstd_file_with_skippable_frames_reads_its_data_frames(tmp_path):
    skippable = (0x184D2A50).to_bytes(4, "little") + (6).to_bytes(4, "little") + b"index!"
    data = _jsonl(ROWS[:5])
    (tmp_path / "s.jsonl.zst").write_bytes(skippable + _zstd(data[:300]) + skippable + _zstd(data[300:]))
    assert [r.text for r in read_inputs(tmp_path)] == [row["text"].strip() for row in ROWS[:5]]


def test_the_cli_runs_on_a_compressed_dump_and_cleans_one_file(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "part-1.jsonl.zst").write_bytes(_zstd(_jsonl(ROWS[:30])))
    (dump / "part-2.jsonl.xz").write_bytes(lzma.compress(_jsonl(ROWS[30:60])))
    table = io.BytesIO()
    pq.write_table(pa.table(pd.DataFrame(ROWS[60:90])), table)
    (dump / "part-3.parquet.bz2").write_bytes(bz2.compress(table.getvalue()))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(dump), "--out", str(out), "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    documents = pd.read_parquet(out / "documents.parquet")
    assert sorted(documents["doc_id"]) == sorted(row["id"] for row in ROWS[:90])
    assert documents["text"].notna().all()
    (tmp_path / "one.txt.xz").write_bytes(lzma.compress(ROWS[0]["text"].encode()))
    cleaned = CliRunner().invoke(main, ["clean", str(tmp_path / "one.txt.xz")])
    assert cleaned.exit_code == 0 and "the council met on Tuesday" in cleaned.output
    (tmp_path / "one.txt.lz4").write_bytes(b"\x04\x22\x4d\x18")
    unknown = CliRunner().invoke(main, ["clean", str(tmp_path / "one.txt.lz4")])
    assert unknown.exit_code != 0 and ".zst" in unknown.output


@pytest.mark.parametrize("packed_dictionary", [False, True])
def test_a_warc_zst_with_its_dictionary_reads_like_the_plain_warc(tmp_path, packed_dictionary):
    from .test_warc import write_crawl

    write_crawl(tmp_path / "crawl.warc", gzipped=False)
    plain = (tmp_path / "crawl.warc").read_bytes()
    samples = [plain[i:i + 512] for i in range(0, len(plain) - 512, 97)]
    dictionary = zstandard.train_dictionary(2048, samples * 4)
    content = dictionary.as_bytes()
    if packed_dictionary:
        content = _zstd(content)
    frame = (0x184D2A5D).to_bytes(4, "little") + len(content).to_bytes(4, "little") + content
    # one frame a WARC record, each compressed with the dictionary, as the WARC-zstd format has it
    compressor = zstandard.ZstdCompressor(dict_data=dictionary)
    starts = [i for i in range(len(plain)) if plain.startswith(b"WARC/1.", i) and (i == 0 or plain[i - 4:i] == b"\r\n\r\n")]
    records = [plain[a:b] for a, b in zip(starts, starts[1:] + [len(plain)])]
    (tmp_path / "packed").mkdir()
    (tmp_path / "packed" / "crawl.warc.zst").write_bytes(frame + b"".join(compressor.compress(r) for r in records))
    expected = [(r.doc_id, r.url, r.html) for r in read_inputs(tmp_path / "crawl.warc")]
    got = [(r.doc_id, r.url, r.html) for r in read_inputs(tmp_path / "packed")]
    assert got == expected and len(expected) == 3
    with pytest.raises(zstandard.ZstdError):  # the frames need the dictionary
        zstandard.ZstdDecompressor().decompress(compressor.compress(records[2]))
