"""The command line: `clean` on files of many records, progress and logging on stderr."""

from __future__ import annotations

import json
import logging

import pandas as pd
import pytest
from click.testing import CliRunner

import newsdedup.runners.local as local
from newsdedup.cli import main

from .conftest import CORPUS


def _prose(chars: int, seed: int) -> str:
    """Sentences of words of the seed corpus, drawn at random."""
    import random
    import re

    vocab = sorted({w.lower() for p in sorted(CORPUS.glob("*.txt")) for w in re.findall(r"[A-Za-z]{3,}", p.read_text())})
    rng, out = random.Random(seed), []
    while sum(map(len, out)) < chars:
        out.append(" ".join(rng.choice(vocab) for _ in range(rng.randint(8, 20))).capitalize() + ".")
    return " ".join(out)

ROWS = [
    {"id": "first", "title": "Harbour", "text": "The storm destroyed most of the old pier on Tuesday night, "
                                                  "leaving a gap of two hundred metres."},
    {"id": "broken"},  # neither text nor html: rejected
    {"id": "second", "text": "Repairs are expected to take at least four months, according to the harbour office."},
]


def _write(path, rows):
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        frame = pd.DataFrame(rows)
        frame.to_csv(path, index=False) if path.suffix == ".csv" else frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_clean_prints_every_record_of_a_table_file(tmp_path, suffix):
    path = _write(tmp_path / f"rows{suffix}", ROWS)
    res = CliRunner().invoke(main, ["clean", str(path)])
    assert res.exit_code == 0, res.output
    assert res.stdout == ("==> first <==\n# Harbour\n\n" + ROWS[0]["text"] + "\n\n"
                          "==> second <==\n" + ROWS[2]["text"] + "\n")
    # a CSV row has every column of the header: its missing text is an empty cell
    why = "'text' empty or only whitespace" if suffix == ".csv" else "no 'text' or 'html' field"
    assert f"broken: {why}" in res.stderr


def test_clean_fails_when_no_record_can_be_cleaned(tmp_path):
    path = _write(tmp_path / "rows.jsonl", [{"id": "a"}, {"id": "b"}])
    res = CliRunner().invoke(main, ["clean", str(path)])
    assert res.exit_code == 1
    assert res.stdout == "" and "a: no 'text'" in res.stderr and "no record could be cleaned" in res.stderr


def test_clean_of_one_text_file_prints_its_title_and_text(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("A Title Line\n\n" + ROWS[0]["text"] + "\n")
    res = CliRunner().invoke(main, ["clean", str(path)])
    assert res.exit_code == 0, res.output
    assert "==>" not in res.stdout and ROWS[0]["text"] in res.stdout


@pytest.fixture(scope="module")
def many_docs(tmp_path_factory):
    """Enough records (200) for the progress bar to be considered."""
    folder = tmp_path_factory.mktemp("many")
    _write(folder / "docs.jsonl", [{"id": f"d{i:03d}", "text": _prose(600, i)} for i in range(220)])
    return folder


def _chatty_reader(monkeypatch):
    """The run's reader, wrapped to log as a third-party library would."""
    read = local.read_inputs

    def reading(*args, **kwargs):
        chatter = logging.getLogger("urllib3.connectionpool")
        chatter.info("third-party info")
        chatter.warning("third-party warning")
        return read(*args, **kwargs)

    monkeypatch.setattr(local, "read_inputs", reading)


def _run(folder, tmp_path, *options):
    return CliRunner().invoke(main, ["run", str(folder), "--out", str(tmp_path / "out"), "--workers", "1", *options])


def test_no_progress_bar_when_stderr_is_not_a_terminal(many_docs, tmp_path):
    res = _run(many_docs, tmp_path)
    assert res.exit_code == 0, res.output
    assert res.stderr == ""  # neither a bar nor a bare stage label ("clean ")
    assert "220 records from" in res.stdout


def test_verbose_logs_the_stages_and_not_other_libraries_chatter(many_docs, tmp_path, monkeypatch):
    _chatty_reader(monkeypatch)
    res = _run(many_docs, tmp_path, "-v", "--quiet")
    assert res.exit_code == 0, res.output
    lines = res.stderr.splitlines()
    for stage in ("read: 220 records", "clean: 220 records", "dedup: ", "match: ", "tables: "):
        assert any(line.startswith("INFO newsdedup.runners.local: " + stage) for line in lines), (stage, lines)
    assert "WARNING urllib3.connectionpool: third-party warning" in lines
    assert not any("third-party info" in line or line.startswith("DEBUG") for line in lines)
    assert all(line.startswith(("INFO newsdedup.", "WARNING ")) for line in lines), lines


def test_very_verbose_adds_debug_lines_and_other_libraries_info(many_docs, tmp_path, monkeypatch):
    _chatty_reader(monkeypatch)
    res = _run(many_docs, tmp_path, "-vv", "--quiet")
    assert res.exit_code == 0, res.output
    assert "DEBUG newsdedup.runners.local: dedup: started" in res.stderr
    assert "INFO urllib3.connectionpool: third-party info" in res.stderr


def test_quiet_run_logs_only_warnings(many_docs, tmp_path, monkeypatch):
    _chatty_reader(monkeypatch)
    res = _run(many_docs, tmp_path, "--quiet")
    assert res.exit_code == 0, res.output
    assert res.stderr == "WARNING urllib3.connectionpool: third-party warning\n"


def test_the_report_says_ids_are_relative_to_the_common_parent_of_input_folders(tmp_path):
    for folder in ("html", "text"):
        (tmp_path / "dump" / folder).mkdir(parents=True)
    story = "The council approved the budget after a long debate about the new library and roads."
    (tmp_path / "dump" / "html" / "x.html").write_text(f"<html><body><article><p>{story}</p></article></body></html>")
    (tmp_path / "dump" / "text" / "x.txt").write_text(story + "\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tmp_path / "dump" / "html"), str(tmp_path / "dump" / "text"),
                                       "-o", str(out), "--format", "jsonl", "-j", "1"])  # short names
    assert result.exit_code == 0, result.output
    assert f"relative to {tmp_path / 'dump'}/" in result.output
    ids = [json.loads(line)["doc_id"] for line in (out / "documents.jsonl").read_text().splitlines()]
    assert ids == ["html/x", "text/x"]


def test_an_output_folder_that_cannot_be_replaced_is_refused_before_the_run(tmp_path, monkeypatch):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("a user's own file")
    ran = []
    monkeypatch.setattr(local, "run", lambda *a, **k: ran.append(1))
    result = CliRunner().invoke(main, ["run", str(CORPUS), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 1
    assert "cannot write outputs to" in result.output
    assert ran == [] and (out / "notes.txt").read_text() == "a user's own file"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
