"""The README against the code: set-up commands, output columns, removal reasons, settings
and the sample output cannot drift from what newsdedup does."""

from __future__ import annotations

import dataclasses
import re
import shutil

import pytest
from click.testing import CliRunner

from newsdedup import schema
from newsdedup.clean.text import REASONS
from newsdedup.cli import main
from newsdedup.config import Config

from .conftest import CORPUS, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SETUP = ['python -m pip install -U pip && pip install -e ".[dev]" && newsdedup run',
         'python -m pip install -U pip && pip install -e ".[dev]" && pytest']


def _section(title: str) -> str:
    start = README.index(f"\n## {title}")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def _ticked(cell: str) -> list[str]:
    return [name.strip() for quoted in re.findall(r"`([^`]*)`", cell) for name in quoted.split(",")]


def test_the_readme_starts_with_the_two_set_up_commands_and_ci_runs_the_second():
    assert README.splitlines()[:4] == ["```", *SETUP, "```"]
    assert SETUP[1] in (ROOT / ".ci" / "run").read_text()


def test_output_table_columns_are_those_of_schema():
    rows = {}
    for line in _section("Outputs").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[2]
    tables = {**{f"{name}.<fmt>": columns for name, columns in schema.TABLES.items()}, "rejects.jsonl": schema.REJECTS}
    for name, columns in tables.items():
        assert _ticked(rows[name]) == list(columns), name
    assert {"summary.json", "report.html"} <= set(rows)


def test_removal_reasons_are_those_of_the_code(seed_result):
    listed = re.search(r"Removal reasons \(`boilerplate.reason`\):(.*?)\n\n", README, re.S).group(1)
    assert sorted(re.findall(r"`(\w+)`", listed)) == sorted(REASONS)
    assert set(seed_result.boilerplate["reason"]) <= set(REASONS)


def test_settings_named_in_the_readme_exist_with_those_defaults():
    defaults = {f.name: f.default for f in dataclasses.fields(Config)}
    rows = re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", _section("Configuration"), re.M)
    assert len(rows) >= 5
    for name, default in rows:
        assert str(defaults[name]) == default, name


def test_sample_output_is_what_newsdedup_run_prints_on_the_bundled_corpus(tmp_path, monkeypatch):
    sample = re.search(r"```\n\$ newsdedup run\n(.*?)```", README, re.S).group(1)
    shutil.copytree(CORPUS, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["run"])
    assert res.exit_code == 0, res.output
    masked = lambda text: re.sub(r"\d+\.\d\ds", "<t>s", text)  # noqa: E731
    assert masked(res.output) == masked(sample)


def test_files_the_readme_points_to_are_in_the_repository():
    for path in ("docs/report.png", "docs/benchmarks.md", "DESIGN.md", "scripts/report_check.py",
                 "scripts/report_screenshot.py"):
        assert path in README and (ROOT / path).exists(), path


@pytest.mark.parametrize("command", ["run", "report", "clean"])
def test_every_command_in_the_readme_exists(command):
    assert f"newsdedup {command}" in _section("Command line")
    assert CliRunner().invoke(main, [command, "--help"]).exit_code == 0
