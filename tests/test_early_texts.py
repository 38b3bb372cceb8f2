"""The report page's texts packed in a forked child before the run's matches are known
(``run(..., report_soon=True)``, what the CLI asks): the same files as a run that packs
them when it writes, and no child where the page depends on the matches or is not written."""

from __future__ import annotations

from click.testing import CliRunner

import newsdedup
from newsdedup.cli import main

from .test_pipeline import _record_report_forks, make_dump, output_bytes


def _two_workers(monkeypatch) -> None:
    from newsdedup.runners import local

    monkeypatch.setattr(local, "FORK_MIN_DOCS", 0)  # the small dump takes the forked-children path


def test_texts_packed_before_the_matches_give_the_same_files(tmp_path, monkeypatch):
    _two_workers(monkeypatch)
    forked: list[str] = []
    _record_report_forks(monkeypatch, forked)
    dump = make_dump(tmp_path / "dump", 60)
    one = newsdedup.run(dump, newsdedup.Config(workers=1)).write(tmp_path / "one")
    result = newsdedup.run(dump, newsdedup.Config(workers=2, workers_min_mb=0), report_soon=True)
    assert forked == ["report"] and result.texts_beside is not None  # forked by the run, before it returned
    result.write(tmp_path / "two")
    assert forked == ["report"] and result.texts_beside is None  # the write took it, forking no other
    assert output_bytes(tmp_path / "two") == output_bytes(one)
    result.write(tmp_path / "again")  # a second write packs the texts again
    assert forked == ["report", "report"] and output_bytes(tmp_path / "again") == output_bytes(one)


def test_no_early_texts_where_the_page_shows_part_of_the_run_or_its_texts_are_spilled(tmp_path, monkeypatch):
    _two_workers(monkeypatch)
    dump = make_dump(tmp_path / "dump", 60)
    for settings in ({"report_max_docs": 9}, {"spill_min_mb": 0}):
        one = newsdedup.run(dump, newsdedup.Config(workers=1, **settings)).write(tmp_path / "one")
        result = newsdedup.run(dump, newsdedup.Config(workers=2, workers_min_mb=0, **settings), report_soon=True)
        assert result.texts_beside is None, settings  # the shown part needs the matches; spilled: after the tables
        assert output_bytes(result.write(tmp_path / "two")) == output_bytes(one)


def test_a_write_without_the_page_stops_the_early_child(tmp_path, monkeypatch):
    _two_workers(monkeypatch)
    result = newsdedup.run(make_dump(tmp_path / "dump", 40), newsdedup.Config(workers=2, workers_min_mb=0),
                           report_soon=True)
    child = result.texts_beside
    assert child is not None
    out = result.write(tmp_path / "out", report=False)
    assert not (out / "report.html").exists()
    assert not child._process.is_alive() and child._process.exitcode is not None


def test_the_cli_asks_for_early_texts_only_when_it_writes_the_page(tmp_path, monkeypatch):
    from newsdedup.runners import local

    asked = []
    real = local.run
    monkeypatch.setattr(local, "run", lambda *args, **kwargs: asked.append(kwargs["report_soon"]) or real(*args, **kwargs))
    dump = make_dump(tmp_path / "dump", 20)
    for extra in ([], ["--no-report"]):
        res = CliRunner().invoke(main, ["run", str(dump), "--out", str(tmp_path / "out"), "--workers", "1", "-q", *extra])
        assert res.exit_code == 0, res.output
    assert asked == [True, False]
