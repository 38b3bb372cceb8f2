"""What a plain run loads: a run over text input does not import what only HTML input, an
index or a settings file needs (each costs start-up time in every process that loads it)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import CORPUS

RUN_AND_LIST = """
import sys
from newsdedup.cli import main
sys.argv = ["newsdedup", "run", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print(" ".join(sorted(sys.modules)))
"""


def test_plain_text_run_loads_no_html_index_or_toml_code(tmp_path):
    proc = subprocess.run([sys.executable, "-c", RUN_AND_LIST, str(CORPUS), "--out", str(tmp_path / "out"), "--quiet",
                           "--workers", "1"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split())
    assert (tmp_path / "out" / "documents.parquet").is_file()
    assert not loaded & {"justext", "lxml", "trafilatura", "readability", "newsdedup.index", "tomllib", "dask"}


def test_stoplists_are_justexts_without_importing_it():
    justext = pytest.importorskip("justext")
    check = ("import sys; from newsdedup.clean.features import stoplists; s = stoplists(); "
             "print('justext' in sys.modules, sum(map(len, s.values())))")
    proc = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    imported, words = proc.stdout.split()
    assert imported == "False"
    from newsdedup.clean.features import STOPLIST_LANGUAGES, _justext_stoplist

    assert all(_justext_stoplist(lang) == justext.get_stoplist(lang) for lang in STOPLIST_LANGUAGES)
    assert int(words) == sum(len({w.casefold() for w in justext.get_stoplist(lang)}) for lang in STOPLIST_LANGUAGES)


def test_the_local_runner_imports_pandas_only_for_the_stages_after_cleaning():
    """Cleaning starts (and hands the forked helpers their first chunks) before pandas and
    the later stages are imported: `newsdedup.runners.local` loads none of them, and a
    DataFrame is told apart without importing pandas."""
    check = ("import sys; import newsdedup.runners.local as local; from newsdedup.read import is_frame, is_dask_frame; "
             "print(is_frame([]), is_dask_frame([]), sorted(m for m in ('pandas', 'newsdedup.match', 'newsdedup.tables',"
             " 'newsdedup.result', 'newsdedup.runners.dask') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False", "[]"]
