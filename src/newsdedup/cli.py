"""The command line: a thin layer over :func:`newsdedup.run`.

Every :class:`~newsdedup.Config` setting is an option of ``newsdedup run``
(``--threshold 0.8``, ``--match-cutoff 90``, ...); ``--config FILE`` reads the same
names from TOML, and options given on the command line win.
"""

from __future__ import annotations

import atexit
import dataclasses
import gc
import logging
import os
import signal
import sys
import textwrap
import threading
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .config import FORMATS, Config

if TYPE_CHECKING:
    from .result import Result

DEFAULT_CORPUS = Path("corpus")
GATE_FAILED = 3  # a CI gate (--max-duplicate-share, --max-rejected-share) failed; outputs written
INTERRUPTED = 130  # exit code after Ctrl-C or SIGTERM (the shell's for SIGINT), "Aborted!" on stderr
_TYPES = {"int": int, "float": float, "str": str, "bool": bool}
_OWN_OPTIONS = {"format", "partitioned"}  # declared by hand below (a choice, a flag)
_SHORT_NAMES = {"out": "-o", "workers": "-j"}  # the letters other tools give these settings


def _config_options(func):
    """One click option per Config field, named after it."""
    for f in reversed(dataclasses.fields(Config)):
        if f.name in _OWN_OPTIONS:
            continue
        names = [f"--{f.name.replace('_', '-')}", *([_SHORT_NAMES[f.name]] if f.name in _SHORT_NAMES else [])]
        func = click.option(*names, f.name, type=_TYPES[f.type], default=None,
                            help=f"{f.metadata['help']}  [default: {f.default}]")(func)
    return func


class _Interruptible(click.Group):
    """Ctrl-C or SIGTERM anywhere in a command (an import, numba compiling, a stage, the
    writing) stops it the same way: the exception unwinds through the stages, which stop
    their child processes; "Aborted!" and exit code ``INTERRUPTED``, no traceback. A
    library may turn the interrupt into another error (numba, compiling, loses it in a
    callback and then fails): after an interrupt, any error is the interrupt."""

    def invoke(self, ctx: click.Context):
        _interrupted.clear()
        try:
            with _interrupts_raised():
                return super().invoke(ctx)
        except KeyboardInterrupt:
            pass
        except Exception:
            if not _interrupted.is_set():
                raise
        click.echo("\nAborted!", err=True)
        ctx.exit(INTERRUPTED)


_interrupted = threading.Event()


@contextmanager
def _interrupts_raised():
    """Meanwhile, SIGINT (unless ignored) and SIGTERM raise KeyboardInterrupt in the main
    thread and are remembered; once interrupted, errors nothing can raise (in a callback,
    in a destructor of half-compiled code) are not printed, up to the process's exit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = [signal.SIGTERM] + ([signal.SIGINT] if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN else [])
    previous = {sig: signal.signal(sig, _interrupt) for sig in signals}
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None if _interrupted.is_set() else hook(unraisable)
    try:
        yield
    finally:
        if not _interrupted.is_set():
            sys.unraisablehook = hook
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum, frame) -> None:
    _interrupted.set()
    raise KeyboardInterrupt


@click.group(cls=_Interruptible, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="newsdedup")
def main() -> None:
    """Clean, de-duplicate and cluster scraped news."""


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "format", type=click.Choice(FORMATS), default=None,
              help="Table format.  [default: parquet]")
@click.option("--partitioned", "partitioned", is_flag=True, default=None,
              help=Config.__dataclass_fields__["partitioned"].metadata["help"] + "  [default: off]")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML file with settings (the option names, with underscores).")
@_config_options
@click.option("--index", "index", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Corpus index file (SQLite; created on first use): the INPUTs are one drop, deduplicated "
                   "against it and added to it.")
@click.option("--dry-run", is_flag=True, help="With --index: the same outputs, nothing added to the index.")
@click.option("--drop", "drop", default=None, help="With --index: the drop's name  [default: the next number].")
@click.option("--index-wait", type=float, default=30.0, show_default=True,
              help="Seconds to wait for another run writing to the index before giving up.")
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary on stdout.")
@click.option("-v", "--verbose", count=True, help="Log stage details to stderr (-vv for debug).")
def run(inputs: tuple[Path, ...], config_file: Path | None, no_report: bool, quiet: bool, verbose: int,
        index: Path | None, dry_run: bool, drop: str | None, index_wait: float, **settings) -> None:
    """Process INPUT files or directories (default: ./corpus) into --out.

    INPUT: .txt, .html/.htm, .jsonl, .json, .csv, .parquet, .warc files (each optionally
    compressed: .gz, .bz2, .xz or .zst), .zip or .tar archives of them (.tgz, .tar.gz, ...),
    or directories of them, walked recursively in sorted order; `-`: standard input (its
    format and compression told from its first bytes; records named stdin:<line>).
    """
    _log_to_stderr(verbose)
    try:
        config = Config.from_toml(config_file, **settings) if config_file else Config().replace(**settings)
    except (ValueError, TypeError, OSError) as exc:
        raise click.UsageError(str(exc)) from exc
    if not inputs:
        if not DEFAULT_CORPUS.is_dir():
            raise click.UsageError("no INPUT given and there is no ./corpus directory here: "
                                   "pass the files or directories to process, e.g. `newsdedup run dumps/`")
        inputs = (DEFAULT_CORPUS,)
    piped = sum(str(path) == "-" for path in inputs)
    if piped > 1:
        raise click.UsageError("'-' (standard input) can be given once")
    if piped and config.engine == "dask":
        raise click.UsageError("standard input ('-') is read by the local engine only: "
                               "write it to a file the Dask workers can read")
    for path in inputs:
        if str(path) != "-" and not path.exists():
            raise click.UsageError(f"INPUT {str(path)!r} does not exist")

    if (dry_run or drop is not None) and index is None:
        raise click.UsageError("--dry-run and --drop need --index")
    written: list[Path] = []

    def write(result: Result) -> None:
        _freeze_survivors()
        try:
            written.append(result.write(report=not no_report))
        except OSError as exc:
            raise click.ClickException(f"cannot write outputs to {config.out}: {exc}") from exc

    with _output_lock(config.out), _index_errors(), _stdin_spooled(inputs, config) as read_from:
        # the lock first: refused or busy before the run starts, not after it
        indexed = {} if index is None else {"index": index, "drop": drop, "dry_run": dry_run,
                                            "before_commit": write, "timeout": index_wait}
        result = _run_pipeline(read_from, config, quiet, report_soon=index is None and not no_report, **indexed)
        if index is None:
            write(result)
    if not quiet:
        click.echo(report(result, inputs, written[0], with_html=not no_report))
    if result.index is not None and not quiet:
        state = "dry run: nothing added" if dry_run else "added" if result.index["added"] else "NOT added"
        click.echo(f"index {index}: drop {result.index['drop']} {state}; {len(result.merges)} cluster merges")
    failures = result.gate_failures
    if failures:
        click.echo("gate failed: " + "; ".join(failures) + (" (nothing added to the index)" if index else ""), err=True)
    if config.engine == "local":
        _end_process(GATE_FAILED if failures else 0)
    if failures:
        sys.exit(GATE_FAILED)


def _end_process(code: int) -> None:
    """In newsdedup's own process (the console script, ``python -m newsdedup``), once a
    run's outputs are written and its summary printed: end the process with ``code`` now,
    without the interpreter's teardown, which would free the run's objects one by one
    (0.07-0.13 s after 10k documents); its output streams and log handlers are flushed
    first. A caller that invoked the command in its own process (a test's CliRunner) goes on."""
    if getattr(sys.modules.get("__main__"), "main", None) is not main:
        return
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)


@contextmanager
def _index_errors():
    """The index's refusals as exit codes: 2 for settings that do not match, 1 otherwise."""
    try:
        yield
    except Exception as exc:
        store = sys.modules.get("newsdedup.index.store")  # not loaded: no index was opened (a plain run)
        if store is not None and isinstance(exc, store.IncompatibleIndex):
            raise _Refused(str(exc), 2) from exc
        if store is not None and isinstance(exc, store.IndexRefused):
            raise click.ClickException(str(exc)) from exc
        raise


class _Refused(click.ClickException):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.exit_code = code


@main.command("report")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report_cmd(folder: Path) -> None:
    """Rebuild FOLDER/report.html from the tables of the run in FOLDER (any format).

    Reads documents, clusters, paragraph_matches, boilerplate and pairs (.parquet, .jsonl
    or .csv, or a --partitioned run's folders), rejects.jsonl and summary.json; a table that is missing counts as empty.
    """
    from .outdir import output_lock
    from .report import REPORT_NAME, read_run, write_report

    if not any((folder / f"documents.{fmt}").is_file() for fmt in FORMATS) and not (folder / "documents").is_dir():
        raise click.UsageError(f"{folder} holds no documents table: not a newsdedup output folder")
    try:
        with output_lock(folder):  # not while a run swaps the folder
            result, execution = read_run(folder)
            path = write_report(result, folder / REPORT_NAME, execution)
    except OSError as exc:
        raise click.ClickException(f"cannot write {folder / REPORT_NAME}: {exc}") from exc
    click.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")


@contextmanager
def _stdin_spooled(inputs: tuple[Path, ...], config: Config):
    """``inputs`` with ``-`` replaced by standard input copied to a temporary file (see
    :mod:`newsdedup.spool`), removed when the run is over."""
    if not any(str(path) == "-" for path in inputs):
        yield inputs
        return
    import tempfile

    from .spool import spool

    with tempfile.TemporaryDirectory(prefix="newsdedup-stdin-") as folder:
        spooled = spool(sys.stdin.buffer, Path(folder), config)
        yield tuple(spooled if str(path) == "-" else path for path in inputs)


def _output_lock(out: str) -> ExitStack:
    """The lock of ``out``, held by the returned stack, once ``out`` is known to be replaceable."""
    from .outdir import check_replaceable, output_lock

    stack = ExitStack()
    try:
        check_replaceable(out)
        stack.enter_context(output_lock(out))
    except OSError as exc:
        raise click.ClickException(f"cannot write outputs to {out}: {exc}") from exc
    return stack


def _run_pipeline(inputs: tuple[Path, ...], config: Config, quiet: bool, report_soon: bool = False,
                  **index) -> Result:
    """The run (``report_soon``: its outputs and page are written next, see ``runners.local.run``)."""
    _fewer_collections()
    from .runners.cleaning import prestart

    prestart(config, inputs)  # before the rest of the pipeline is imported: see prestart
    from .runners import run as run_pipeline

    _freeze_survivors()
    _no_final_collection()
    with _progress(quiet) as progress:
        return run_pipeline(list(inputs), config, progress=progress, report_soon=report_soon, **index)


YOUNG_OBJECTS = 10_000  # the collector's first threshold in a run (Python's default: 700)


def _freeze_survivors() -> None:
    """Everything alive now leaves the garbage collector's view (``gc.freeze``): once the
    pipeline is imported (its modules' objects live as long as the process) and once the
    run is done, before its outputs are written (its tables and clean documents stay
    until the process ends). Each full collection after that walks only what is made
    later: writing 10k documents' outputs met one that walked the whole run, 0.24 s.
    """
    gc.freeze()


def _fewer_collections() -> None:
    """Young objects collected after ``YOUNG_OBJECTS`` allocations, not 700: importing the
    pipeline and its stages make many short-lived containers and few cycles."""
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])


def _no_final_collection() -> None:
    """At exit, everything still alive is frozen before the interpreter's last garbage
    collection, which would otherwise walk all of it (the run's tables) just before the
    process ends: 0.35 s after a run over 10k documents. Registered once per process."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


@main.group("index")
def index_group() -> None:
    """Inspect, export or change a corpus index (see `newsdedup run --index`)."""


@index_group.command("info")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the information as JSON.")
def index_info(path: Path, as_json: bool) -> None:
    """Drops, documents, clusters, settings and size on disk of the index PATH."""
    import json

    from .index.api import Index

    with _index_errors():
        info = Index.open(path).info()
    if as_json:
        click.echo(json.dumps(info, indent=2, sort_keys=True))
        return
    click.echo(f"{path}: {info['documents']} documents in {len(info['drops'])} drops, {info['clusters']} clusters, "
               f"{info['merges']} merges, {info['size_bytes']:,} bytes")
    click.echo("  by status: " + ", ".join(f"{k} {v}" for k, v in info["by_status"].items()))
    click.echo("  bytes per document: " + ", ".join(f"{k} {v}" for k, v in info["bytes_per_document"].items()))
    click.echo("  drops: " + ", ".join(f"{d['drop']} ({d['documents']})" for d in info["drops"]))
    click.echo("  settings: " + ", ".join(f"{k}={v}" for k, v in sorted(info["settings"].items())))


@index_group.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Folder for the tables.")
@click.option("--format", "format", type=click.Choice(FORMATS), default="parquet", show_default=True)
def index_export(path: Path, out: Path, format: str) -> None:
    """Write the corpus as it stands: documents and clusters tables, into --out."""
    from .index.api import Index

    with _index_errors():
        index = Index.open(path)
        try:
            index.export(out, format)
        except OSError as exc:
            raise click.ClickException(f"cannot write to {out}: {exc}") from exc
    click.echo(f"{out}/documents.{format}, {out}/clusters.{format}")


@index_group.command("remove")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--drop", "drop", required=True, help="Name of the drop to take out.")
@click.option("--index-wait", type=float, default=30.0, show_default=True,
              help="Seconds to wait for another run writing to the index before giving up.")
def index_remove(path: Path, drop: str, index_wait: float) -> None:
    """Take drop --drop out of the index PATH (the drops after it are decided again)."""
    from .index.api import Index

    with _index_errors():
        try:
            done = Index.open(path, index_wait).remove(drop)
        except KeyError as exc:
            raise click.ClickException(exc.args[0]) from exc
    later = f"; drops decided again: {', '.join(done['drops_redecided'])}" if done["drops_redecided"] else ""
    click.echo(f"{path}: drop {drop} removed ({done['documents_removed']} documents){later}")


@main.command("clean")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--show-removed", is_flag=True, help="Also print each removed paragraph with its reason.")
@click.option("--fields", "fields", default="", metavar="FIELD=NAME,...",
              help="Input names of the fields, as for `newsdedup run --fields`.")
def clean_cmd(file: Path, show_removed: bool, fields: str) -> None:
    """Print the clean text of each record of FILE (no corpus evidence; `-`: standard input).

    A .txt or .html file is one record: its title (as `# title`) and clean text. A .jsonl,
    .csv or .parquet file is one record a line or row, and a .zip or .tar file one record a
    member (or a member's line or row): each is printed after a line `==> DOC_ID <==`, and
    a record that cannot be cleaned is named on stderr with the reason. Exit status 1 when
    no record could be cleaned.
    """
    try:
        config = Config(fields=fields)
    except ValueError as exc:
        raise click.BadParameter(str(exc).removeprefix("invalid configuration: fields: "), param_hint="--fields") from None
    with _stdin_spooled((file,), config) as (given,):
        _print_clean(given, show_removed, config)


def _print_clean(given, show_removed: bool, config: Config) -> None:
    from .clean import draft, finish
    from .compression import COMPRESSIONS
    from .read import (ARCHIVES, SUPPORTED, TABLE_EXTS, archive_kind, file_format, holds_html_page, read_file,
                       read_inputs, strip_extensions)
    from .spool import Spooled

    piped = isinstance(given, Spooled)
    if piped and given.error:
        raise click.ClickException(given.error)
    file, shown = Path(given), given.shown if piped else str(given)
    if file_format(file) is None and not archive_kind(file.name) and not holds_html_page(file):
        raise click.UsageError(f"{shown}: not a supported file type ({', '.join(SUPPORTED + ARCHIVES)}, "
                               f"optionally compressed: {', '.join(COMPRESSIONS)})")
    several = file_format(file) in TABLE_EXTS or bool(archive_kind(file.name))  # one record a line, row or member
    cleaned_any = failed = False
    records = read_inputs(given, config) if piped else read_file(file, strip_extensions(file.name), config)
    for record in records:
        cleaned = finish(draft(record))
        if cleaned.error:
            failed = True
            click.echo(f"{record.doc_id if several else shown}: {cleaned.error}", err=True)
            continue
        if several:
            click.echo(f"{chr(10) if cleaned_any else ''}==> {record.doc_id} <==")
        cleaned_any = True
        if cleaned.title:
            click.echo(f"# {cleaned.title}\n")
        click.echo(cleaned.text)
        if show_removed:
            for index, text, reason in cleaned.removed:
                click.echo(f"[removed {record.doc_id + ' ' if several else ''}#{index} {reason}] {text}", err=True)
    if not cleaned_any:
        raise click.ClickException(f"{shown}: no record could be cleaned" if failed else f"{shown}: no records")


class _ByOrigin(logging.Filter):
    """Passes newsdedup's records from one level and other libraries' from another."""

    def __init__(self, own: int, others: int) -> None:
        super().__init__()
        self.own, self.others = own, others

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == "newsdedup" or record.name.startswith("newsdedup.")
        return record.levelno >= (self.own if own else self.others)


_handler: logging.Handler | None = None


def _log_to_stderr(verbose: int) -> None:
    """newsdedup's own log at INFO with -v and DEBUG with -vv; other libraries' (trafilatura,
    numba, urllib3, ...) stay at WARNING unless -vv (INFO) or -vvv (DEBUG). The handler
    filters too: a library that sets its own logger's level cannot flood stderr."""
    global _handler
    own = max(logging.DEBUG, logging.WARNING - 10 * verbose)
    others = max(logging.DEBUG, logging.WARNING - 10 * max(0, verbose - 1))
    root = logging.getLogger()
    if _handler is not None:  # a second run in this process: stderr may be another stream
        root.removeHandler(_handler)
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    _handler.addFilter(_ByOrigin(own, others))
    root.addHandler(_handler)
    root.setLevel(others)
    logging.getLogger("newsdedup").setLevel(own)


class _progress:
    """A click progress bar on stderr, one per stage, driven by the runner's callback; none
    when stderr is not a terminal (click would print each stage's bare label there)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.bar, self.stage, self.done = quiet, None, None, 0

    def __enter__(self):
        return None if self.quiet or not _is_terminal(sys.stderr) else self.update

    def update(self, stage: str, done: int, total: int) -> None:
        if total < 200:
            return
        if stage != self.stage:
            self._close()
            self.bar = click.progressbar(length=total, label=f"{stage:<6}", file=sys.stderr)
            self.bar.__enter__()
            self.stage, self.done = stage, 0
        self.bar.update(done - self.done)
        self.done = done

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __exit__(self, *exc) -> None:
        self._close()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


TOP = 10  # clusters and matches listed by the terminal summary
REJECTS_SHOWN = 5
LINE_WIDTH = 160


def report(result: Result, inputs, out: Path, with_html: bool = True) -> str:
    """The summary printed after a run: at most 40 lines, whatever the input."""
    c = result.counts
    lines = [
        f"newsdedup {__version__}: {c['inputs']:,} records from {_one_line(', '.join(map(str, inputs)))}",
        f"  kept {c['kept']:,}, duplicates {c['duplicates']:,}, rejected {c['rejected']:,}; "
        f"{c['clusters']:,} clusters ({c['clusters_with_duplicates']:,} with duplicates)",
        f"  boilerplate removed: {c['boilerplate_paragraphs']:,} paragraphs, "
        f"{c['boilerplate_chars_removed']:,} of {c['raw_chars']:,} chars",
        f"  paragraph matches: {c['matches']:,} ({c['matches_across_clusters']:,} across clusters)",
    ]
    from .read import id_base

    base = id_base(list(inputs))
    if base is not None:
        lines.insert(1, f"  doc ids of files are paths relative to {_one_line(str(base))}/ (the input directories' common parent)")
    reasons = result.boilerplate_by_reason()
    if len(reasons):
        by_reason = _one_line(", ".join(f"{r} {n:,}" for r, n in sorted(reasons.items())), width=2 * LINE_WIDTH)
        lines[-1:-1] = textwrap.wrap("    by reason: " + by_reason, width=LINE_WIDTH, subsequent_indent="      ",
                                     max_lines=2, placeholder=" …")
    lines += _largest_clusters(result) + _best_matches(result) + _first_rejects(result)
    timing = ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
    if with_html:
        lines.append(f"report: {_one_line(str(out / 'report.html'))}")
    lines.append(f"outputs in {_one_line(str(out))}/ ({result.config.format}{', partitioned' if result.config.partitioned else ''}); {timing}")
    return "\n".join(lines)


def _largest_clusters(result: Result) -> list[str]:
    multi = result.clusters[result.clusters["size"] > 1]
    if not len(multi):
        return []
    top = multi.sort_values(["size", "cluster_id"], ascending=[False, True], kind="stable").head(TOP)
    similarity = result.documents_without_text().set_index("doc_id")["similarity"]
    lines = [f"largest clusters ({len(multi):,} with duplicates):"]
    for row in top.itertuples():
        # with an index, members of earlier drops are not in this run's documents
        least = min((float(similarity[m]) for m in row.member_ids if m != row.canonical_id and m in similarity.index),
                    default=None)
        tail = "" if least is None else f"  least similarity {least:.3f}"
        lines.append(_one_line(f"  {row.cluster_id}  size {row.size}  canonical {row.canonical_id}{tail}"))
    if len(multi) > TOP:
        lines.append(f"  ... {len(multi) - TOP:,} more in clusters")
    return lines


def _best_matches(result: Result) -> list[str]:
    across = result.matches[~result.matches["same_cluster"]]
    if not len(across):
        return []
    top = across.sort_values(["score", "doc_a", "para_a", "doc_b", "para_b"],
                             ascending=[False, True, True, True, True], kind="stable").head(TOP)
    lines = ["best shared passages across clusters (doc:paragraph):"]
    for row in top.itertuples():
        lines.append(_one_line(f"  {row.doc_a}:{row.para_a} ~ {row.doc_b}:{row.para_b}  score {row.score:.1f}"))
    if len(across) > TOP:
        lines.append(f"  ... {len(across) - TOP:,} more in paragraph_matches")
    return lines


def _first_rejects(result: Result) -> list[str]:
    rejects = result.rejects
    if not len(rejects):
        return []
    lines = ["rejected:"] + [_one_line(f"  {row.doc_id}: {row.error}") for row in rejects.head(REJECTS_SHOWN).itertuples()]
    if len(rejects) > REJECTS_SHOWN:
        lines.append(f"  ... {len(rejects) - REJECTS_SHOWN:,} more in rejects.jsonl")
    return lines


def _one_line(text: str, width: int = LINE_WIDTH) -> str:
    """``text`` on one line of at most ``width`` characters (ids and errors come from the input)."""
    flat = "".join(ch if ch.isprintable() else "\ufffd" for ch in str(text))
    return flat if len(flat) <= width else flat[:width - 1] + "…"
