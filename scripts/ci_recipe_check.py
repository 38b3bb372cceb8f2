#!/usr/bin/env python
"""The GitHub Actions recipe of docs/ci.md, tried as written, here: its job run step by
step on two drops, each as a pull request (the check) and then as a push to main (the
drop added), every job on a fresh "machine" (a new clone of the repository in a new
workspace), with the caches kept between jobs in a folder.

What is simulated (no GitHub here): ``actions/checkout`` (a fresh clone at the commit,
history kept so ``HEAD^`` exists), ``setup-python`` (this interpreter), ``pip install
newsdedup`` (a ``newsdedup`` command running this worktree's package), ``actions/cache``,
``cache/restore``, ``cache/save`` (copies into and out of the cache folder: ``restore-keys``
by prefix, newest first, the way GitHub picks), ``upload-artifact`` (nothing). Every
``run:`` step runs as GitHub runs it (``bash -e -o pipefail``, ``GITHUB_ENV``,
``GITHUB_STEP_SUMMARY``), with the ``${{ }}`` expressions the recipe uses, and ``if:``
conditions (``github.event_name == '...'``, ``always()``; a failed step skips the steps
after it that do not say ``always()``).

    scripts/ci_recipe_check.py DROP_DIR_1 DROP_DIR_2 [--work DIR]

Checks: a pull request job adds nothing to the index it restored; a push job adds the
drop under its folder's name and keeps the index; each job writes ``summary.md`` to the
step summary. Prints each job's steps (outcome, seconds) and exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def recipe(doc: Path) -> dict:
    """The first ```yaml block of ``doc``."""
    block = re.search(r"```yaml\n(.*?)```", doc.read_text(), re.S)
    if block is None:
        raise SystemExit(f"{doc}: no ```yaml block")
    return yaml.safe_load(block.group(1))


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "ci", "GIT_AUTHOR_EMAIL": "ci@example.org",
           "GIT_COMMITTER_NAME": "ci", "GIT_COMMITTER_EMAIL": "ci@example.org"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout


class Runner:
    """Jobs of the recipe on fresh workspaces, the caches kept in ``work/cache``."""

    def __init__(self, job: dict, work: Path, origin: Path):
        self.job, self.work, self.origin = job, work, origin
        self.cache = work / "cache"
        self.cache.mkdir()
        self.bin = work / "bin"
        self.bin.mkdir()
        shim = self.bin / "newsdedup"  # what `pip install newsdedup` puts on PATH
        shim.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT / 'src'} exec {sys.executable} -m newsdedup \"$@\"\n")
        shim.chmod(0o755)
        self.run_id = 1000

    def run(self, event: str, commit: str) -> tuple[Path, list[tuple[str, str, float]]]:
        self.run_id += 1
        ws = self.work / f"job{self.run_id}-{event}"
        subprocess.run(["git", "clone", "-q", str(self.origin), str(ws)], check=True)
        git(ws, "checkout", "-q", commit)
        ctx = {"github.workspace": str(ws), "github.run_id": str(self.run_id), "github.event_name": event,
               "runner.os": "Linux", "steps.python.outputs.python-version": "%d.%d.%d" % sys.version_info[:3]}
        env = {**os.environ, "PATH": f"{self.bin}:{os.environ['PATH']}", "GITHUB_WORKSPACE": str(ws),
               "GITHUB_ENV": str(ws.parent / f"{ws.name}.env"), "GITHUB_STEP_SUMMARY": str(ws.parent / f"{ws.name}.md")}
        env.pop("PYTHONPATH", None)
        for name, value in (self.job.get("env") or {}).items():
            env[name] = expand(str(value), ctx, ws)
        Path(env["GITHUB_ENV"]).write_text("")
        Path(env["GITHUB_STEP_SUMMARY"]).write_text("")
        failed, log, post = False, [], []
        for step in self.job["steps"]:
            label = step.get("name") or step.get("uses") or step.get("run", "").splitlines()[0]
            if not condition(step.get("if"), ctx, failed):
                log.append((label, "skipped", 0.0))
                continue
            start = time.perf_counter()
            ok = self.uses(step, ctx, ws, post) if "uses" in step else self.shell(step["run"], ctx, ws, env)
            log.append((label, "ok" if ok else "FAILED", round(time.perf_counter() - start, 2)))
            failed = failed or not ok
            env.update(read_env(Path(env["GITHUB_ENV"])))
        for save in post:  # actions/cache saves in its post step, when the job succeeded
            if not failed:
                save()
        return ws, log

    def shell(self, script: str, ctx: dict, ws: Path, env: dict) -> bool:
        if script.strip().startswith("pip install"):
            return True  # the shim in bin/ stands for the installed package
        done = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c",
                               expand(script, ctx, ws)], cwd=ws, env=env, capture_output=True, text=True)
        if done.returncode:
            sys.stderr.write(f"--- step failed (exit {done.returncode}): {script.strip()}\n{done.stdout}{done.stderr}")
        return done.returncode == 0

    def uses(self, step: dict, ctx: dict, ws: Path, post: list) -> bool:
        action = step["uses"].split("@")[0]
        args = {k: expand(str(v), ctx, ws) for k, v in (step.get("with") or {}).items()}
        if action in ("actions/cache", "actions/cache/restore"):
            self.restore(args, ws)
            if action == "actions/cache":
                post.append(lambda: self.save(args, ws, only_new=True))
        elif action == "actions/cache/save":
            self.save(args, ws, only_new=False)
        return True  # checkout, setup-python, upload-artifact: nothing to do here

    def restore(self, args: dict, ws: Path) -> None:
        keys = [args["key"]] + [k.strip() for k in args.get("restore-keys", "").splitlines() if k.strip()]
        saved = sorted(self.cache.iterdir(), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for key in keys:
            hit = next((p for p in saved if p.name == key), None) or \
                next((p for p in saved if p.name.startswith(key) and key != args["key"]), None)
            if hit is not None:
                target = ws / args["path"]
                if (hit / "content").is_dir():
                    shutil.copytree(hit / "content", target, dirs_exist_ok=True)
                else:
                    shutil.copyfile(hit / "content", target)
                return

    def save(self, args: dict, ws: Path, only_new: bool) -> None:
        entry, source = self.cache / args["key"], ws / args["path"]
        if entry.exists() or not source.exists():
            return  # GitHub: a cache key is written once; a missing path is a warning
        entry.mkdir()
        if source.is_dir():
            shutil.copytree(source, entry / "content")
        else:
            shutil.copyfile(source, entry / "content")


def expand(text: str, ctx: dict, ws: Path) -> str:
    def value(m: re.Match) -> str:
        expr = m.group(1).strip()
        if expr in ctx:
            return ctx[expr]
        call = re.fullmatch(r"hashFiles\((.*)\)", expr)
        if call:  # GitHub: a hash of the matching files' contents, empty when none match
            files = sorted(f for p in call.group(1).split(",") for f in ws.glob(p.strip(" '\"")) if f.is_file())
            return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest() if files else ""
        raise SystemExit(f"expression not simulated: ${{{{ {expr} }}}}")
    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def condition(expr: str | None, ctx: dict, failed: bool) -> bool:
    """``if:``: ``always()``, ``github.event_name == '...'``, joined by ``&&``; without
    ``always()`` a step runs only while no step has failed."""
    terms = [t.strip() for t in (expr or "").split("&&") if t.strip()]
    ok = "always()" in terms or not failed
    for term in terms:
        if term == "always()":
            continue
        m = re.fullmatch(r"github\.event_name == '(\w+)'", term)
        if m is None:
            raise SystemExit(f"condition not simulated: {term}")
        ok = ok and ctx["github.event_name"] == m.group(1)
    return ok


def read_env(path: Path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def index_drops(path: Path) -> list[str]:
    if not path.exists():
        return []
    sys.path.insert(0, str(ROOT / "src"))
    import newsdedup

    return [d["drop"] for d in newsdedup.Index.open(path).info()["drops"]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("drops", nargs=2, type=Path, help="two folders of documents (a drop each)")
    ap.add_argument("--work", type=Path, help="keep the workspaces here (default: a temporary folder)")
    ap.add_argument("--doc", type=Path, default=ROOT / "docs" / "ci.md")
    args = ap.parse_args()
    workflow = recipe(args.doc)
    (job,) = workflow["jobs"].values()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        origin = work / "origin"
        origin.mkdir()
        git(origin, "init", "-q", "-b", "main")
        (origin / "requirements.txt").write_text("newsdedup\n")
        git(origin, "add", "-A")
        git(origin, "commit", "-q", "-m", "start")
        runner, problems, expected = Runner(job, work, origin), [], []
        for k, drop in enumerate(args.drops, 1):
            name = f"2026-{k:02d}"
            shutil.copytree(drop, origin / "drops" / name)
            git(origin, "add", "-A")
            git(origin, "commit", "-q", "-m", f"drop {name}")
            commit = git(origin, "rev-parse", "HEAD").strip()
            for event in ("pull_request", "push"):
                before = restored_index(runner)
                ws, log = runner.run(event, commit)
                print(f"{event} drop {name}:")
                for label, outcome, seconds in log:
                    print(f"  {outcome:8} {seconds:7.2f}s  {label}")
                index = ws / "corpus.ndx"
                summary = Path(os.fspath(ws) + ".md").read_text()
                if "newsdedup" not in summary and "#" not in summary:
                    problems.append(f"{event} {name}: nothing in the step summary")
                if any(outcome == "FAILED" for _, outcome, _ in log):
                    problems.append(f"{event} {name}: a step failed")
                if event == "pull_request":
                    if before is not None and index.read_bytes() != before:
                        problems.append(f"{event} {name}: the dry run changed the restored index")
                else:
                    expected.append(name)
                    kept = restored_index(runner)
                    if kept is None or index_drops(index) != expected:
                        problems.append(f"{event} {name}: index drops {index_drops(index)}, expected {expected}")
        for p in problems:
            print("PROBLEM:", p)
        print("recipe_ok" if not problems else "recipe_failed")
    return 1 if problems else 0


def restored_index(runner: Runner) -> bytes | None:
    """The newest index in the cache (what the next job restores)."""
    saved = sorted((p for p in runner.cache.iterdir() if p.name.startswith("corpus-index-")),
                   key=lambda p: p.stat().st_mtime_ns, reverse=True)
    return (saved[0] / "content").read_bytes() if saved else None


if __name__ == "__main__":
    sys.exit(main())
