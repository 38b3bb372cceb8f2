"""newsdedup as users deploy it: the built wheel in a fresh environment, a read-only
package without a writable home, and commands that must start without compiling."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import newsdedup

from .conftest import CORPUS

PACKAGE = Path(newsdedup.__file__).resolve().parent
NO_HOME = "/dev/null/home"  # not a directory, and cannot become one, even for root


def _env(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "NEWSDEDUP_", "_NEWSDEDUP_"))}
    env.pop("XDG_CACHE_HOME", None)
    env["PYTHONPATH"] = str(PACKAGE.parent)  # the package under test, from any directory
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["run", "--help"], ["clean", "--help"],
                                  ["run", "no-such-input"], ["run", "--threshold", "high", "x"], ["nonsense"]])
def test_help_version_and_usage_errors_load_no_numba(args):
    code = ("import sys; sys.argv = ['newsdedup', *sys.argv[1:]]\n"
            "import newsdedup.cli\n"
            "try:\n    newsdedup.cli.main()\n"
            "except SystemExit as exc:\n"
            "    print(exc.code, sorted(m for m in ('numba', 'pandas', 'newsdedup._jit') if m in sys.modules),"
            " file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=_env(HOME=NO_HOME))
    code_and_modules = proc.stderr.strip().splitlines()[-1]
    assert code_and_modules.endswith(" []"), proc.stderr
    assert code_and_modules.split()[0] in ("0", "2")


def _read_only_copy(tmp_path: Path) -> tuple[Path, list[str]]:
    """The package copied under ``tmp_path/site``, and a command prefix that runs a program
    with that copy read-only: by permissions for a user, by a read-only bind mount in a
    private mount namespace for root (whom permissions do not stop)."""
    site = tmp_path / "site"
    shutil.copytree(PACKAGE, site / "newsdedup", ignore=shutil.ignore_patterns("__pycache__"))
    if os.geteuid() != 0:
        for path in [site, *site.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        return site, []
    if shutil.which("unshare") is None:
        pytest.skip("as root, the package cannot be made read-only here: no unshare(1)")
    prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
              'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', str(site)]
    probe = subprocess.run([*prefix, "touch", str(site / "probe")], capture_output=True, text=True)
    if "Read-only" not in probe.stderr:
        pytest.skip(f"as root, the package cannot be made read-only here (no mount namespace): {probe.stderr}")
    return site, prefix


def test_read_only_package_without_a_home_runs_with_its_cache_in_the_temp_directory(tmp_path):
    site, prefix = _read_only_copy(tmp_path)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = _env(HOME=NO_HOME, PYTHONPATH=str(site), TMPDIR=str(temp), PYTHONDONTWRITEBYTECODE="1")
    cli = [*prefix, sys.executable, "-m", "newsdedup"]
    helped = subprocess.run([*cli, "--help"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert helped.returncode == 0 and "Usage:" in helped.stdout, helped.stderr
    ran = subprocess.run([*cli, "run", str(CORPUS), "--out", str(tmp_path / "out"), "--quiet"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "Warning" not in ran.stderr, ran.stderr
    assert (tmp_path / "out" / "summary.json").exists()
    assert list(temp.glob("newsdedup-*/**/*.nbi"))  # the compiled kernels were cached there
    assert not list((site / "newsdedup").rglob("__pycache__"))


def test_newsdedup_cache_dir_moves_the_cache(tmp_path):
    cache = tmp_path / "kernels"
    code = ("import numpy as np, newsdedup._jit as jit\n"
            "from newsdedup.dedup.cluster import connected_components\n"
            "print(jit.cache_dir(), connected_components(3, [(0, 2)]).tolist())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(NEWSDEDUP_CACHE_DIR=str(cache)), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == str(cache)
    assert list(cache.glob("**/cluster.*.nbi"))


def test_nowhere_to_cache_compiles_uncached_with_one_warning(tmp_path):
    """Every place refuses a file (here: creating any temporary file fails): the kernels
    run uncached, and one warning says so."""
    code = ("import tempfile, warnings\n"
            "def refuse(*args, **kwargs):\n    raise PermissionError('read-only')\n"
            "tempfile.TemporaryFile = refuse\n"
            "with warnings.catch_warnings(record=True) as caught:\n"
            "    warnings.simplefilter('always')\n"
            "    from newsdedup.dedup.cluster import connected_components\n"
            "    import newsdedup.normalize, newsdedup._jit as jit\n"
            "    labels = connected_components(3, [(0, 2)]).tolist()\n"
            "print(jit.cache_dir(), labels, [str(w.message) for w in caught])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(HOME=NO_HOME), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("None [0, 1, 0] ["), proc.stdout
    assert proc.stdout.count("uncached") == 1, proc.stdout


_OFFLINE = ("NewConnectionError", "Max retries exceeded", "Could not fetch URL", "Temporary failure in name resolution",
            "No matching distribution found")


def _pip(*args: str, cwd: Path) -> None:
    """``pip args``, or skip the test when pip cannot reach an index (nothing to install from)."""
    proc = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, cwd=cwd, env=_env(PYTHONPATH=None))
    offline = proc.returncode and any(marker in proc.stdout + proc.stderr for marker in _OFFLINE)
    if offline and not os.environ.get("NEWSDEDUP_CI"):  # .ci/run has an index: there it fails
        pytest.skip(f"no package index reachable to install the wheel's build tools and dependencies:\n{proc.stderr}")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.install
def test_the_wheel_installed_in_a_fresh_venv_runs_from_another_directory(tmp_path):
    """What ``pip install .`` gives (not the editable checkout): the built wheel, with its
    dependencies, in a new virtual environment, run from a directory holding nothing else."""
    root = Path(__file__).resolve().parents[1]
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ there
    shutil.copytree(root / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ["pyproject.toml", "README.md", *[p.name for p in root.glob("LICEN[CS]E*")]]:
        shutil.copy(root / name, source / name)
    _pip("wheel", "--no-deps", "--wheel-dir", str(tmp_path / "wheels"), str(source), cwd=tmp_path)
    wheel = next((tmp_path / "wheels").glob("newsdedup-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    try:
        python = venv / "bin" / "python"
        _pip("--python", str(python), "install", str(wheel), cwd=tmp_path)
        away = tmp_path / "elsewhere"
        shutil.copytree(CORPUS, away / "seeds")
        env = _env(PYTHONPATH=None)
        ran = subprocess.run([venv / "bin" / "newsdedup", "run", "seeds", "--out", "out", "--quiet"],
                             capture_output=True, text=True, cwd=away, env=env)
        assert ran.returncode == 0, ran.stderr
        assert (away / "out" / "summary.json").exists()
        assert "data-ready" in (away / "out" / "report.html").read_text()  # the template and script are package data
        code = ("import newsdedup; print(newsdedup.__file__); "
                "print(newsdedup.clean_text('Menu\\nA long enough sentence about the news of the day, told in full.'))")
        cleaned = subprocess.run([python, "-c", code], capture_output=True, text=True, cwd=away, env=env)
        assert cleaned.returncode == 0, cleaned.stderr
        installed, text = cleaned.stdout.splitlines()
        assert installed.startswith(str(venv)) and text == "A long enough sentence about the news of the day, told in full."
    finally:
        shutil.rmtree(venv)  # most of a gigabyte of dependencies
