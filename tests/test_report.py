"""report.html (written by every run, rebuilt by `newsdedup report`) and the terminal summary."""

from __future__ import annotations

import json
import re

import pandas as pd
from click.testing import CliRunner

import newsdedup
from newsdedup import schema
from newsdedup.cli import main
from newsdedup.report import (EXECUTION_BEGIN, EXECUTION_END, chaining_flags, isin, read_run, render_report,
                              without_execution)
from newsdedup.report.textpack import unpack_texts

from .conftest import CORPUS
from .stories import INJECTION, stories, write_jsonl


def _run(*args: str) -> str:
    res = CliRunner().invoke(main, ["run", *args, "--workers", "1"])
    assert res.exit_code == 0, res.output
    return res.output


def _page_data(page: str) -> dict:
    block = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S).group(1)
    return json.loads(block)


def test_every_run_writes_report_html_unless_no_report(tmp_path):
    _run(str(CORPUS), "--out", str(tmp_path / "with"))
    page = (tmp_path / "with" / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    summary = json.loads((tmp_path / "with" / "summary.json").read_text())
    assert _page_data(page)["counts"] == summary["counts"]
    execution = page[page.index(EXECUTION_BEGIN):page.index(EXECUTION_END)]
    assert json.dumps(summary["execution"]["timings_s"], separators=(",", ":")) in execution
    output = _run(str(CORPUS), "--out", str(tmp_path / "without"), "--no-report")
    assert not (tmp_path / "without" / "report.html").exists() and "report.html" not in output


def test_the_page_is_self_contained_and_its_data_cannot_end_the_script(tmp_path):
    _run(str(write_jsonl([INJECTION], tmp_path / "in.jsonl")), "--out", str(tmp_path / "out"))
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert len(re.findall(r"<script\b", page)) == 3  # data, execution, the page's own script
    assert "<img" not in page and "javascript:" not in page
    assert "default-src 'none'" in page and "unsafe-inline" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    data = _page_data(page)
    texts = unpack_texts(data["texts"])
    assert any("<script>" in t and "</script><script>" in t for t in texts)


def test_rebuilt_report_equals_the_written_one_in_every_format(tmp_path):
    for fmt in ("parquet", "jsonl", "csv"):
        out = tmp_path / fmt
        _run(str(CORPUS), "--out", str(out), "--format", fmt)
        written = (out / "report.html").read_text(encoding="utf-8")
        (out / "report.html").unlink()
        res = CliRunner().invoke(main, ["report", str(out)])
        assert res.exit_code == 0, res.output
        assert (out / "report.html").read_text(encoding="utf-8") == written, fmt


def test_report_of_a_folder_without_tables_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert res.exit_code == 2 and "no documents table" in res.output


def test_reruns_give_the_same_page_apart_from_the_execution_block(tmp_path):
    pages = []
    for name in ("a", "b"):
        _run(str(CORPUS), "--out", str(tmp_path / name))
        pages.append((tmp_path / name / "report.html").read_text(encoding="utf-8"))
    assert without_execution(pages[0]) == without_execution(pages[1])


def test_read_run_gives_back_the_tables_of_a_csv_run(tmp_path, seed_result):
    seed_result.write(tmp_path / "out", "csv")
    result, _ = read_run(tmp_path / "out")
    for name in ("documents", "clusters", "matches", "boilerplate", "pairs", "rejects"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(seed_result, name), check_dtype=False)


def test_chaining_flags_name_members_joined_only_through_others():
    """a-b and b-c verified; c is far from its canonical a (low similarity, little of it
    aligned with a, no verified pair), b is not (aligned with a although dissimilar)."""
    row = lambda doc_id, status, sim, text: (doc_id, "s", None, None, None, status, "c1", "a", sim, text, 1, 1, None, None)  # noqa: E731
    docs = schema.frame([row("a", "kept", 1.0, "p0\n\np1\n\np2"), row("b", "duplicate", 0.4, "q0\n\np1\n\np2"),
                         row("c", "duplicate", 0.3, "r0\n\nr1\n\np2")], schema.DOCUMENTS)
    clusters = schema.frame([("c1", 3, "a", ["a", "b", "c"])], schema.CLUSTERS)
    pairs = schema.frame([("a", "b", 0.4, 0.4, 0.9, 1, 1, "duplicate", ""), ("b", "c", 0.7, 0.7, 0.8, 1, 1, "duplicate", ""),
                          ("a", "c", 0.3, 0.3, 0.4, 0.5, 0.5, "distinct", "")], schema.PAIRS)
    matches = schema.frame([("a", 1, "b", 1, 100.0, True), ("a", 2, "b", 2, 100.0, True), ("a", 2, "c", 2, 100.0, True)],
                           schema.MATCHES)
    empty = {name: schema.frame([], columns) for name, columns in (("boilerplate", schema.BOILERPLATE), ("rejects", schema.REJECTS))}
    result = newsdedup.Result(documents=docs, clusters=clusters, pairs=pairs, matches=matches, config=newsdedup.Config(), **empty)
    assert chaining_flags(result) == [{"cluster": "c1", "size": 3, "far_members": ["c"], "least_aligned": 0.333}]
    assert "c1" in render_report(result)


def test_terminal_summary_stays_within_40_lines_on_many_clusters(tmp_path):
    records = stories(40, 2, quotes=6, bad=12)
    output = _run(str(write_jsonl(records, tmp_path / "in.jsonl")), "--out", str(tmp_path / "out"), "--format", "jsonl")
    lines = output.splitlines()
    assert len(lines) <= 40, output
    clusters = pd.read_json(tmp_path / "out" / "clusters.jsonl", lines=True)
    multi = clusters[clusters["size"] > 1]
    assert len(multi) == 40
    largest = multi.sort_values(["size", "cluster_id"], ascending=[False, True]).head(10)
    listed = [line.split()[0] for line in lines if re.match(r"  c[0-9a-f]{16}  size", line)]
    assert listed == list(largest["cluster_id"])
    assert "  ... 30 more in clusters" in lines
    assert sum(1 for line in lines if " ~ " in line) == 10 and any("more in paragraph_matches" in line for line in lines)
    assert sum(1 for line in lines if line.startswith("  bad")) == 5 and "  ... 7 more in rejects.jsonl" in lines
    assert f"report: {tmp_path / 'out' / 'report.html'}" in lines


def test_report_rebuilds_an_older_run_without_pairs_summary_or_marker(tmp_path):
    out = tmp_path / "out"
    _run(str(CORPUS), "--out", str(out), "--format", "jsonl", "--no-report")
    for name in ("pairs.jsonl", "summary.json", ".newsdedup-run"):
        (out / name).unlink()
    res = CliRunner().invoke(main, ["report", str(out)])
    assert res.exit_code == 0, res.output
    data = _page_data((out / "report.html").read_text(encoding="utf-8"))
    assert data["counts"]["inputs"] == 5 and data["counts"]["pairs_examined"] == 0
    assert data["counts"]["boilerplate_paragraphs"] == len((out / "boilerplate.jsonl").read_text().splitlines())


def test_terminal_summary_worst_case_is_40_lines(tmp_path):
    """Every section full: two input folders (the id base line), every removal reason,
    long ids with newlines in them, hundreds of clusters, matches and rejects."""
    from newsdedup.clean.text import REASONS
    from newsdedup.cli import report

    n = 300
    ids = [f"folder/doc{i:04d}\nwith a newline " + "x" * 200 for i in range(n)]
    docs = schema.frame([(d, "s", None, None, None, "kept" if i % 3 == 0 else "duplicate", f"c{i // 3:04d}", ids[i - i % 3],
                          1.0 - (i % 3) / 10, "t", 1, 1, None, None) for i, d in enumerate(ids)], schema.DOCUMENTS)
    clusters = schema.frame([(f"c{k:04d}", 3, ids[3 * k], ids[3 * k:3 * k + 3]) for k in range(n // 3)], schema.CLUSTERS)
    matches = schema.frame([(ids[i], 0, ids[i + 3], 1, 90.0, False) for i in range(n - 3)], schema.MATCHES)
    boilerplate = schema.frame([(ids[i], 0, "x", REASONS[i % len(REASONS)]) for i in range(n)], schema.BOILERPLATE)
    rejects = schema.frame([(f"bad{i}", "s", "error\n" * 50) for i in range(50)], schema.REJECTS)
    result = newsdedup.Result(documents=docs, clusters=clusters, matches=matches, boilerplate=boilerplate,
                              pairs=schema.frame([], schema.PAIRS), rejects=rejects, config=newsdedup.Config())
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    lines = report(result, [tmp_path / "a", tmp_path / "b"], tmp_path / "out").splitlines()
    assert len(lines) == 40 and all(len(line) <= 200 for line in lines)
    assert sum(line.startswith("    by reason") or line.startswith("      ") for line in lines) == 2


def test_a_run_larger_than_report_max_docs_shows_whole_clusters_largest_first_and_counts_the_whole_run(tmp_path):
    import base64
    import zlib

    from newsdedup.report import report_data, shown_part

    # story i has i % 3 copies, all stories quote one of three passages; three records
    # without text: clusters of 3, 3, six of 2 and six single documents, 27 records
    records = stories(12, 0, quotes=3, bad=3)
    result = newsdedup.run(write_jsonl(records, tmp_path / "in.jsonl"), newsdedup.Config(workers=1, report_max_docs=9))
    assert sorted(result.clusters["size"]) == [1] * 6 + [2] * 6 + [3, 3]
    part = shown_part(result, 9)
    sizes = result.clusters.set_index("cluster_id")["size"]
    shown_clusters = part.documents.groupby("cluster_id")["doc_id"].count()
    assert len(part.documents) == 9
    assert sorted(sizes[shown_clusters.index]) == [1, 2, 3, 3]  # 3 + 3 + 2, a second 2 does not fit
    assert (shown_clusters == sizes[shown_clusters.index]).all()  # every shown cluster whole
    single = part.documents[part.documents["cluster_id"].map(sizes) == 1]["doc_id"].tolist()
    sharing = set(result.matches.loc[~result.matches["same_cluster"], ["doc_a", "doc_b"]].values.ravel())
    assert single[0] in sharing  # the first single story by id that shares a passage
    assert set(part.matches["doc_a"]) | set(part.matches["doc_b"]) <= set(part.documents["doc_id"])
    data = report_data(result)
    assert data["shown"] == {"documents": 9, "of": len(records)}
    assert data["counts"] == result.counts  # the overview counts the whole run
    tables = json.loads(zlib.decompress(base64.b64decode(data["tables"])))
    assert sorted(tables["docs"]["id"]) == sorted(part.documents["doc_id"])
    whole = shown_part(result, len(records))  # the whole run (its tables made for the page)
    for name in ("documents", "clusters", "matches", "boilerplate", "pairs", "rejects"):
        pd.testing.assert_frame_equal(getattr(whole, name), getattr(result, name), obj=name)


def test_isin_agrees_with_pandas_on_every_kind_of_id_column():
    """The page's membership tests (Arrow ``is_in``) give pandas' answers: missing ids are
    in no set, other column types fall back to pandas."""
    values = ["d1", None, "d3", "d1", "é"]
    for dtype in ("string[pyarrow]", "string[python]", object, pd.ArrowDtype(__import__("pyarrow").large_string())):
        series = pd.Series(values, dtype=dtype)
        for wanted in ({"d1", "é"}, set(), {"x"}, ["d3"]):
            assert isin(series, wanted).tolist() == series.isin(wanted).fillna(False).tolist(), (dtype, wanted)
    numbers = pd.Series([1, 2, 3])
    assert isin(numbers, {2}).tolist() == [False, True, False]


def test_the_page_is_the_same_with_its_texts_packed_in_a_forked_child(tmp_path):
    """Result.write has a forked child pack the page's texts (the larger part of the page)
    while it writes the tables: the same page as one made whole in this process, for a
    plain and a spilled run, a run larger than report_max_docs (the texts of the shown
    part) and a result whose tables are DataFrames."""
    import dataclasses

    from newsdedup.report import packed_texts
    from newsdedup.runners.fork import Forked

    from .test_pipeline import make_dump

    path = make_dump(tmp_path / "dump", 60)  # pages with removed paragraphs, a few rejected records
    for settings in ({"report_max_docs": 9}, {}, {"spill_min_mb": 0}):
        result = newsdedup.run(path, newsdedup.Config(workers=1, **settings))
        assert result.report_beside is None  # one worker: the page is packed in this process
        page = render_report(result)
        assert render_report(result, texts=Forked(packed_texts, result)) == page
        made = dataclasses.replace(result, documents=result.documents, boilerplate=result.boilerplate)
        assert render_report(made, texts=Forked(packed_texts, made)) == page
        assert len(result.boilerplate) and len(_page_data(page)["texts"]["ids"]) > 0
