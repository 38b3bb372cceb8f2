"""--partitioned: every table a folder of Parquet files that readers take as one table (issue 17)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner

import newsdedup
from newsdedup import outdir, write
from newsdedup.cli import main
from newsdedup.report import read_run
from newsdedup.schema import TABLES

from .conftest import CORPUS
from .incremental_corpus import corpus

ROWS_PER_FILE = 2  # small files, so that the seed corpus's tables span several


@pytest.fixture
def small_files(monkeypatch):
    monkeypatch.setattr(write, "PARTITION_ROWS", ROWS_PER_FILE)


@pytest.fixture(scope="module")
def seed_run() -> newsdedup.Result:
    return newsdedup.run(CORPUS, newsdedup.Config(workers=1))


def partitioned(result: newsdedup.Result) -> newsdedup.Result:
    return dataclasses.replace(result, config=result.config.replace(partitioned=True))


def files_of(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` by relative path; summary.json without its execution section."""
    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    summary = json.loads(files.pop("summary.json"))
    summary.pop("execution")
    files["summary.json"] = json.dumps(summary).encode()
    return files


def test_each_table_read_back_as_one_equals_its_single_file(tmp_path, seed_run, small_files):
    single = seed_run.write(tmp_path / "single", report=False)
    parts = partitioned(seed_run).write(tmp_path / "parts", report=False)
    assert (parts / "rejects.jsonl").is_file() and not list(parts.glob("*.parquet"))
    for name in TABLES:
        files = sorted(p.name for p in (parts / name).iterdir())
        rows = len(pd.read_parquet(single / f"{name}.parquet"))
        assert files == [f"part-{i:05d}.parquet" for i in range(max(1, -(-rows // ROWS_PER_FILE)))], name
        expected = pd.read_parquet(single / f"{name}.parquet")
        pd.testing.assert_frame_equal(pd.read_parquet(parts / name), expected, obj=name)
        pd.testing.assert_frame_equal(ds.dataset(parts / name).to_table().to_pandas(), expected, obj=name)
    assert len(list((parts / "documents").iterdir())) == 3  # 5 documents, 2 a file


def test_dask_reads_a_partitioned_table_as_one(tmp_path, seed_run, small_files):
    dd = pytest.importorskip("dask.dataframe", reason="reading with Dask needs the [dask] extra")
    parts = partitioned(seed_run).write(tmp_path / "parts", report=False)
    frame = dd.read_parquet(parts / "documents")
    assert frame.npartitions == len(list((parts / "documents").iterdir()))
    read = frame.compute(scheduler="synchronous").reset_index(drop=True)  # no thread pool left behind
    pd.testing.assert_frame_equal(read, seed_run.documents, check_dtype=False)


def test_an_empty_table_keeps_its_columns(tmp_path, seed_run):
    few = newsdedup.run(sorted(CORPUS.iterdir())[:1], newsdedup.Config(workers=1, partitioned=True))
    out = few.write(tmp_path / "out", report=False)
    assert len(few.matches) == 0 and os.listdir(out / "paragraph_matches") == ["part-00000.parquet"]
    assert list(pd.read_parquet(out / "paragraph_matches").columns) == list(few.matches.columns)


def test_reruns_are_byte_identical_and_read_run_reads_them(tmp_path, seed_run, small_files):
    a = partitioned(seed_run).write(tmp_path / "a")
    b = partitioned(seed_run).write(tmp_path / "b")
    assert files_of(a) == files_of(b)
    result, _ = read_run(a)
    for name in ("documents", "clusters", "matches", "boilerplate", "pairs", "rejects"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(seed_run, name), obj=name)


def test_local_and_dask_engines_write_the_same_bytes(tmp_path, small_files):
    pytest.importorskip("distributed", reason="the Dask engine needs the [dask] extra")
    frame = corpus(stories=30, seed=3)[["id", "text"]]
    local = newsdedup.run(frame, newsdedup.Config(workers=1, partitioned=True))
    out = tmp_path / "dask"
    on_dask = newsdedup.run(frame, newsdedup.Config(workers=2, engine="dask", partitioned=True, out=str(out)))
    # documents and boilerplate were written by the workers, beside the output, before it is written
    scratch = [p for p in tmp_path.iterdir() if p.name.startswith(".dask.newsdedup-tmp-")]
    assert set(on_dask.written) == {"documents", "boilerplate"} and len(scratch) == 1
    assert all(on_dask.written[name].parent == scratch[0] for name in on_dask.written)
    a, b = local.write(tmp_path / "local", report=False), on_dask.write(report=False)
    assert len(list((a / "documents").iterdir())) > 2 and len(list((a / "boilerplate").iterdir())) > 2
    assert files_of(a) == files_of(b)
    for name in ("documents", "boilerplate"):
        pd.testing.assert_frame_equal(getattr(on_dask, name), getattr(local, name), obj=name)
    del on_dask
    assert not scratch[0].exists() and (out / "documents").is_dir()  # the workers' files live on in the output only


def test_a_partitioned_run_and_a_single_file_run_replace_each_other(tmp_path, seed_run):
    out = tmp_path / "out"
    partitioned(seed_run).write(out, report=False)
    assert (out / "documents").is_dir() and outdir.is_output_directory(out)
    seed_run.write(out, "jsonl", report=False)
    assert not (out / "documents").exists() and (out / "documents.jsonl").is_file()
    partitioned(seed_run).write(out, report=False)
    assert not (out / "documents.jsonl").exists() and (out / "documents").is_dir()


def test_cli_partitioned_run_then_report(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(CORPUS), "--out", str(out), "--workers", "1", "--partitioned", "-q"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(TABLES)
    assert json.loads((out / "summary.json").read_text())["settings"]["partitioned"] is True
    (out / "report.html").unlink()
    res = CliRunner().invoke(main, ["report", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "report.html").stat().st_size > 10_000


def test_cli_refuses_partitioned_outputs_in_another_format(tmp_path):
    res = CliRunner().invoke(main, ["run", str(CORPUS), "--out", str(tmp_path / "o"), "--partitioned", "--format", "csv"])
    assert res.exit_code == 2 and "format must be parquet" in res.output
