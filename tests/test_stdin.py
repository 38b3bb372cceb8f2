"""Standard input as an input: `newsdedup run -` reads a dump piped in, of any format and
compression, like the same bytes in a file (ids named after `stdin`, source `-`)."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import zipfile

import pandas as pd
import pytest
import zstandard
from click.testing import CliRunner

from newsdedup.cli import main
from newsdedup.config import Config
from newsdedup.read import read_inputs
from newsdedup.spool import spool

from .conftest import CORPUS, FIXTURES
from .incremental_corpus import corpus


@pytest.fixture(scope="module")
def dump() -> pd.DataFrame:
    return corpus(stories=10, seed=3)[["id", "text"]]


def _jsonl(frame: pd.DataFrame) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in frame.to_dict("records")).encode()


def _run(tmp_path, data: bytes, *options: str):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "-", "--out", str(out), "--workers", "1", "--quiet", *options],
                                input=data)
    return result, out


def test_a_piped_jsonl_dump_gives_the_tables_of_the_file(tmp_path, dump):
    (tmp_path / "drop.jsonl").write_bytes(_jsonl(dump))
    from_file = CliRunner().invoke(main, ["run", str(tmp_path / "drop.jsonl"), "--out", str(tmp_path / "file"),
                                          "--workers", "1", "--quiet"])
    assert from_file.exit_code == 0, from_file.output
    piped, out = _run(tmp_path, zstandard.ZstdCompressor().compress(_jsonl(dump)))
    assert piped.exit_code == 0, piped.output
    a = pd.read_parquet(out / "documents.parquet")
    b = pd.read_parquet(tmp_path / "file" / "documents.parquet")
    assert sorted(a["source"]) == sorted(f"-:{n}" for n in range(1, len(dump) + 1))
    pd.testing.assert_frame_equal(a.drop(columns="source"), b.drop(columns="source"))
    assert (a["status"] == "duplicate").sum() > 0
    for name in ("clusters", "paragraph_matches", "pairs"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"),
                                      pd.read_parquet(tmp_path / "file" / f"{name}.parquet"))


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


ARTICLE = next(CORPUS.iterdir()).read_bytes()


@pytest.mark.parametrize("name, data, ids", [
    ("one article", ARTICLE, ["stdin"]),
    ("an html page, gzipped", gzip.compress((FIXTURES / "page.html").read_bytes()), ["stdin"]),
    ("a json array, bz2", bz2.compress(json.dumps([{"text": "First."}, {"text": "Second."}]).encode()),
     ["stdin:1", "stdin:2"]),
    ("a csv file", b"url,text\nhttps://a.example/1,First story.\nhttps://a.example/2,Second story.\n",
     ["stdin:1", "stdin:2"]),
    ("a parquet file", _parquet(pd.DataFrame({"id": ["p1", "p2"], "text": ["One.", "Two."]})), ["p1", "p2"]),
    ("a zip of articles", _zip({"a/x.txt": b"An article.", "b/y.txt": b"Another."}), ["stdin/a/x", "stdin/b/y"]),
])
def test_the_format_and_compression_are_told_from_the_first_bytes(tmp_path, name, data, ids):
    spooled = spool(io.BytesIO(data), tmp_path)
    records = list(read_inputs(spooled))
    assert [r.doc_id for r in records] == ids, name
    assert all(r.error is None and r.source.startswith("-") for r in records), name


def test_a_text_that_only_looks_like_a_table_stays_one_article(tmp_path):
    data = b"Prices rose, the agency said, and wages did not.\n\nMore text follows here."
    [record] = read_inputs(spool(io.BytesIO(data), tmp_path))
    assert record.doc_id == "stdin" and record.text.startswith("Prices rose")


def test_oversized_input_is_one_reject_and_mistakes_are_usage_errors(tmp_path):
    [record] = read_inputs(spool(io.BytesIO(b"x" * 5000), tmp_path, Config(max_file_bytes=1000)))
    assert (record.doc_id, record.source) == ("stdin", "-")
    assert record.error == "standard input larger than 1,000 bytes"
    twice = CliRunner().invoke(main, ["run", "-", "-", "--out", str(tmp_path / "o")], input=b"x")
    assert twice.exit_code == 2 and "can be given once" in twice.output
    dask = CliRunner().invoke(main, ["run", "-", "--engine", "dask", "--out", str(tmp_path / "o")], input=b"x")
    assert dask.exit_code == 2 and "local engine only" in dask.output


def test_standard_input_beside_files_keeps_both(tmp_path):
    result, out = _run(tmp_path, b'{"id": "piped", "text": "A story sent on standard input."}\n', str(CORPUS))
    assert result.exit_code == 0, result.output
    docs = pd.read_parquet(out / "documents.parquet")
    assert set(docs["doc_id"]) == {"piped"} | {p.name.split(".")[0] for p in CORPUS.iterdir()}


def test_the_library_refuses_a_spooled_input_on_the_dask_engine(tmp_path):
    import newsdedup

    spooled = spool(io.BytesIO(b"An article."), tmp_path)
    with pytest.raises(ValueError, match="local engine only"):
        newsdedup.run([spooled], engine="dask")
    assert newsdedup.run(spooled, Config(workers=1)).documents["doc_id"].tolist() == ["stdin"]


def test_clean_prints_the_clean_text_of_standard_input():
    page = gzip.compress((FIXTURES / "page.html").read_bytes())
    shown = CliRunner().invoke(main, ["clean", "-"], input=page)
    assert shown.exit_code == 0 and shown.output.startswith("# River towns prepare for record spring flooding")
    rows = CliRunner().invoke(main, ["clean", "-"], input=b'{"id": "a", "text": "One story."}\n{"id": "b", "text": " "}\n')
    assert rows.exit_code == 0 and "==> a <==\nOne story." in rows.output and "b: " in rows.output
    empty = CliRunner().invoke(main, ["clean", "-"], input=b"\n")
    assert empty.exit_code == 1 and "-: no record could be cleaned" in empty.output
