"""Archives read as folders: a .zip or .tar of a dump gives the records of the unpacked
folder, named under the archive's name; what cannot be read is a rejected row."""

from __future__ import annotations

import gzip
import io
import json
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import zstandard
from click.testing import CliRunner

import newsdedup
from newsdedup.cli import main
from newsdedup.config import Config
from newsdedup.read import read_inputs

from .conftest import CORPUS, FIXTURES

ROWS = [{"id": f"r{i}", "text": f"Report {i}: the council met on Tuesday about the bridge. " * 20} for i in range(40)]


def _dump(folder: Path) -> Path:
    """A scraped dump as files: the bundled corpus, an HTML page, a JSONL file (gzipped)
    and a Parquet file, in subfolders."""
    for path in sorted(CORPUS.iterdir()):
        (folder / "text").mkdir(parents=True, exist_ok=True)
        (folder / "text" / path.name).write_bytes(path.read_bytes())
    (folder / "html").mkdir()
    (folder / "html" / "page.html").write_bytes((FIXTURES / "page.html").read_bytes())
    (folder / "feed").mkdir()
    (folder / "feed" / "items.jsonl.gz").write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in ROWS[:20]).encode()))
    pd.DataFrame(ROWS[20:]).to_parquet(folder / "feed" / "more.parquet", index=False)
    return folder


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _zip(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in _files(folder):
            zf.write(path, path.relative_to(folder).as_posix())
    return target


def _tar(folder: Path, target: Path, mode: str = "w:gz") -> Path:
    with tarfile.open(target, mode) as tf:
        for path in _files(folder):
            tf.add(path, path.relative_to(folder).as_posix())
    return target


def _as_read(records, prefix: str = "") -> list[tuple]:
    return [(r.doc_id.removeprefix(prefix), r.text, r.html, r.url, r.error) for r in records]


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> Path:
    return _dump(tmp_path_factory.mktemp("dump") / "dump")


@pytest.mark.parametrize("kind", ["zip", "tar.gz", "tgz", "tar", "tar.zst"])
def test_an_archive_reads_like_its_unpacked_folder(dump, tmp_path, kind):
    if kind == "zip":
        archive = _zip(dump, tmp_path / "dump.zip")
    elif kind == "tar.zst":
        plain = _tar(dump, tmp_path / "plain.tar", "w")
        archive = tmp_path / "dump.tar.zst"
        archive.write_bytes(zstandard.ZstdCompressor().compress(plain.read_bytes()))
    else:
        archive = _tar(dump, tmp_path / f"dump.{kind}", "w" if kind == "tar" else "w:gz")
    unpacked = sorted(_as_read(read_inputs(dump)))
    packed = list(read_inputs(archive))
    assert sorted(_as_read(packed, "dump/")) == unpacked
    assert len(unpacked) == 5 + 1 + 40 and all(error is None for *_, error in unpacked)
    sources = {r.doc_id: r.source for r in packed}
    assert sources["dump/html/page"] == f"{archive}/html/page.html"
    assert sources["r3"] == f"{archive}/feed/items.jsonl.gz:4"


def test_the_bundled_corpus_zipped_cleans_and_clusters_like_the_folder(tmp_path):
    archive = tmp_path / "corpus.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(CORPUS.iterdir()):
            zf.write(path, path.name)
    folder = newsdedup.run(CORPUS, Config(workers=1)).documents
    zipped = newsdedup.run(archive, Config(workers=1)).documents
    assert list(zipped["doc_id"]) == [f"corpus/{doc_id}" for doc_id in folder["doc_id"]]
    assert list(zipped["text"]) == list(folder["text"])
    assert list(zipped["status"]) == list(folder["status"])
    canonical = folder["canonical_id"].map(lambda c: f"corpus/{c}" if isinstance(c, str) else c)
    assert list(zipped["canonical_id"]) == list(canonical)
    assert (folder["status"] == "duplicate").sum() == 1  # the two copies of one story, found in either


def _member(zf: zipfile.ZipFile, name: str, data: bytes, mode: int | None = None) -> None:
    info = zipfile.ZipInfo(name)
    if mode is not None:
        info.create_system = 3
        info.external_attr = mode << 16
    zf.writestr(info, data)


def test_what_a_zip_holds_besides_articles_is_skipped_or_rejected(tmp_path):
    archive = tmp_path / "mixed.zip"
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("x.txt", "An article inside an archive inside an archive.")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("news/", b"")  # a folder entry
        zf.writestr("news/a.txt", ROWS[0]["text"])
        zf.writestr("__MACOSX/news/._a.txt", b"\0\5\26\7 resource fork")  # hidden: skipped like a dot file
        zf.writestr("news/.DS_Store", b"\0\0\0\1Bud1")
        zf.writestr("news/logo.png", b"\x89PNG\r\n\x1a\n")
        zf.writestr("news/inner.zip", inner.getvalue())
        zf.writestr("../escape.txt", "A member whose path leaves the archive.")
        _member(zf, "news/link.txt", b"a.txt", stat.S_IFLNK | 0o777)
        zf.writestr("news/b.txt", ROWS[1]["text"])
    records = {r.doc_id: r for r in read_inputs(archive)}
    assert list(records) == ["mixed/news/a", "mixed/news/logo.png", "mixed/news/inner", "mixed/../escape",
                             "mixed/news/link", "mixed/news/b"]
    assert records["mixed/news/a"].text == ROWS[0]["text"] and records["mixed/news/b"].error is None
    assert records["mixed/news/logo.png"].error == "unsupported file type '.png'"
    assert records["mixed/news/inner"].error == "an archive inside an archive is not read"
    assert "leaves the archive" in records["mixed/../escape"].error
    assert records["mixed/news/link"].error == "not a regular file (symlink)"


def test_a_bomb_member_is_rejected_and_the_next_members_are_read(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    archive = tmp_path / "b.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", b"\0" * 40_000_000)
        zf.writestr("ok.txt", ROWS[2]["text"])
    records = {r.doc_id: r for r in read_inputs(archive, Config(max_file_bytes=10_000_000))}
    assert records["b/big"].error == "larger than 10,000,000 bytes uncompressed (40,000,000)"
    assert records["b/ok"].error is None
    assert not list(scratch.iterdir())  # no member left behind


def test_a_truncated_tar_keeps_the_members_before_the_break(dump, tmp_path):
    whole = _tar(dump, tmp_path / "whole.tar.gz").read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    records = list(read_inputs(cut))
    *kept, last = records
    assert kept and all(r.error is None for r in kept)
    assert last.doc_id == f"cut:{len(kept) + 1}" and "no members read after" in last.error
    assert "truncated gzip" in last.error or "unreadable archive" in last.error
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\3\4 not really a zip")
    [record] = read_inputs(broken)
    assert record.doc_id == "broken" and record.error.startswith("unreadable archive: BadZipFile")


def test_the_cli_runs_on_an_archive_and_cleans_one(dump, tmp_path):
    archive = _zip(dump, tmp_path / "dump.zip")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(archive), "--out", str(out), "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    documents = pd.read_parquet(out / "documents.parquet")
    assert len(documents) == 46 and (documents["status"] != "rejected").all()
    shown = CliRunner().invoke(main, ["clean", str(archive)])
    assert shown.exit_code == 0 and "==> dump/html/page <==" in shown.output and "==> r39 <==" in shown.output


def test_the_dask_engine_reads_archives_like_the_local_engine(client, dump, tmp_path):
    inputs = [_zip(dump, tmp_path / "a.zip"), _tar(dump / "text", tmp_path / "b.tar.gz")]
    local = newsdedup.run(inputs, Config(workers=1))
    on_dask = newsdedup.run(inputs, Config(workers=2), client=client)
    pd.testing.assert_frame_equal(on_dask.documents, local.documents)
    assert local.documents["doc_id"].str.startswith("b/").sum() == 5
