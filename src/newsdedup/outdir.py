"""The output directory: one complete run at a time, swapped in whole, under a lock.

A run is written into a fresh hidden sibling of ``--out`` (``.<name>.newsdedup-tmp-<random>``),
its files and the directory are fsynced, and the directory is then exchanged with ``--out``
in one step by Linux ``renameat2(RENAME_EXCHANGE)``: a reader of ``--out`` sees the old run or
the new one, never a mix. Where that call is missing (another OS, a filesystem without it)
the old run is renamed aside and the new one renamed in: for the moment between the two
renames ``--out`` does not exist, but it never holds a mix either.

Runs into one ``--out`` take turns through ``flock`` on ``.<name>.newsdedup-lock`` beside it;
siblings left by a run that was killed are removed by the next one that holds the lock.
Every output directory carries the marker file ``.newsdedup-run``; a directory that is not
empty and has no marker is never replaced, unless it holds only the output files of an
older newsdedup (its own ``summary.json`` among them).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import logging
import math
import os
import platform
import secrets
import shutil
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .config import FORMATS

log = logging.getLogger(__name__)

MARKER = ".newsdedup-run"
MARKER_TEXT = '{"newsdedup_output": 1}\n'
LOCK_TIMEOUT_S = 30.0
OUTPUT_TABLES = ("documents", "clusters", "paragraph_matches", "boilerplate", "pairs", "merges")
OUTPUT_NAMES = frozenset([f"{t}.{f}" for t in OUTPUT_TABLES for f in FORMATS]
                         + ["rejects.jsonl", "summary.json", "summary.md", "report.html", MARKER])

TMP_TAG, OLD_TAG, LOCK_TAG = "newsdedup-tmp-", "newsdedup-old-", "newsdedup-lock"


class OutputError(OSError):
    """The outputs cannot be written where asked; the message says why and what to do."""


class OutputBusy(OutputError):
    """Another run holds the lock of this output directory."""


class NotAnOutputDirectory(OutputError):
    """The output path holds something newsdedup did not write; it is left alone."""


def sibling(out: Path, tag: str) -> Path:
    return out.parent / f".{out.name}.{tag}"


def is_output_directory(path: Path) -> bool:
    """True for a directory holding a newsdedup run (readers skip these)."""
    return (path / MARKER).is_file()


# --------------------------------------------------------------------------- lock


@dataclass
class _Holder:
    """This process's hold on one lock file: threads queue on ``turn``; nested holds count."""

    turn: threading.RLock
    fd: int = -1
    depth: int = 0


_holders: dict[Path, _Holder] = {}
_holders_guard = threading.Lock()


@contextmanager
def output_lock(out: str | Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[Path]:
    """Hold the lock of output directory ``out`` (waiting at most ``timeout`` seconds; ``math.inf``: no limit).

    Re-entrant within a process, so a caller may take it for a whole run and
    :meth:`Result.write` take it again inside. Raises :class:`OutputBusy` on timeout.
    """
    out = resolved(out)
    path = sibling(out, LOCK_TAG)
    with _holders_guard:
        holder = _holders.setdefault(path, _Holder(threading.RLock()))
    deadline = time.monotonic() + timeout
    if not holder.turn.acquire(timeout=-1 if math.isinf(timeout) else max(timeout, 0)):
        raise OutputBusy(_busy_message(out, path, timeout))
    try:
        if holder.depth == 0:
            holder.fd = _flock(out, path, deadline, timeout)
        holder.depth += 1
        try:
            yield path
        finally:
            holder.depth -= 1
            if holder.depth == 0:
                os.close(holder.fd)  # releases the flock
    finally:
        holder.turn.release()


def _flock(out: Path, path: Path, deadline: float, timeout: float) -> int:
    _make_parent(out)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except PermissionError as exc:
        raise OutputError(f"cannot create the lock file {path}: newsdedup needs to write beside --out") from exc
    waited = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise OutputBusy(_busy_message(out, path, timeout)) from None
            if not waited:
                log.warning("waiting up to %g s for the newsdedup run writing to %s", timeout, out)
                waited = True
            time.sleep(0.05)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def _busy_message(out: Path, path: Path, timeout: float) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        pid = ""
    holder = f" (process {pid})" if pid else ""
    return (f"another newsdedup run{holder} is writing to {out}; gave up after waiting {timeout:g} s "
            f"for its lock {path.name}: wait for it to finish or choose another --out")


# --------------------------------------------------------------------------- staging and swap


@contextmanager
def staged_output(out: str | Path, keep: Iterable[Path] = ()) -> Iterator[Path]:
    """Yield a fresh directory to write one run into; on success it replaces ``out`` whole.

    The caller must hold :func:`output_lock` for ``out``. On any error (or interruption)
    the staging directory is removed and ``out`` is left as it was. ``keep``: siblings
    this run made itself (see :func:`scratch`), not swept as leftovers.
    """
    out = resolved(out)
    check_replaceable(out)
    _make_parent(out)
    sweep(out, keep)
    stage = _make_stage(out)
    try:
        if out.is_dir():
            os.chmod(stage, stat.S_IMODE(out.stat().st_mode))
        yield stage
        (stage / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        _fsync_tree(stage)
        replace_directory(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def resolved(out: str | Path) -> Path:
    path = Path(out).expanduser().resolve()
    if path == path.parent:
        raise OutputError(f"--out cannot be the root directory {path}")
    return path


def check_replaceable(out: str | Path) -> None:
    """Refuse an ``out`` that is a file, a mount point, or a folder newsdedup did not write.

    Cheap; a caller about to start a long run may call it first to fail early.
    """
    out = resolved(out)
    if not out.exists():
        return
    if not out.is_dir():
        raise NotAnOutputDirectory(f"{out} exists and is not a directory")
    if os.path.ismount(out):
        raise OutputError(f"{out} is a mount point, which cannot be swapped for a new run: "
                          "give a directory inside it as --out")
    names = set(os.listdir(out))
    if names and MARKER not in names and not _older_output(out, names):
        shown = ", ".join(sorted(names)[:3]) + (", ..." if len(names) > 3 else "")
        raise NotAnOutputDirectory(
            f"{out} is not empty and is not a newsdedup output directory (no {MARKER}; holds {shown}); "
            "newsdedup replaces --out as a whole, so give a new or empty directory")


def _older_output(out: Path, names: set[str]) -> bool:
    """The outputs of a version before the marker: only output names, and newsdedup's summary."""
    if "summary.json" not in names or not all(map(_output_name, names)):
        return False
    try:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        return "newsdedup" in summary["versions"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _output_name(name: str) -> bool:
    """An output file name, a partitioned table's folder, or a per-file temporary one
    (``.<name>.<random>.tmp``) of older versions."""
    if name in OUTPUT_NAMES or name in OUTPUT_TABLES:
        return True
    parts = name.split(".")
    return name.startswith(".") and name.endswith(".tmp") and ".".join(parts[1:-2]) in OUTPUT_NAMES


def sweep(out: Path, keep: Iterable[Path] = ()) -> None:
    """Remove staging and old-run siblings of ``out`` that a killed run left (lock held),
    but those in ``keep``."""
    prefixes = (f".{out.name}.{TMP_TAG}", f".{out.name}.{OLD_TAG}")
    kept = {Path(p).resolve() for p in keep}
    for entry in os.scandir(out.parent):
        if entry.name.startswith(prefixes) and entry.is_dir(follow_symlinks=False) and Path(entry.path) not in kept:
            log.info("removing %s, left by an interrupted run", entry.path)
            shutil.rmtree(entry.path, ignore_errors=True)


def replace_directory(new: Path, out: Path) -> None:
    """Put directory ``new`` at ``out`` in one step; the previous ``out`` is deleted after."""
    if not os.path.lexists(out):
        os.rename(new, out)
        _fsync_dir(out.parent)
        return
    try:
        exchange(new, out)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        log.info("renameat2(RENAME_EXCHANGE) unavailable here (%s): replacing %s by two renames", exc, out)
        _replace_by_two_renames(new, out)
        return
    _fsync_dir(out.parent)
    _remove_previous(new)  # the exchange put the previous run there


def _replace_by_two_renames(new: Path, out: Path) -> None:
    old = _random_sibling(out, OLD_TAG)
    os.rename(out, old)
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old, out)
        raise
    _fsync_dir(out.parent)
    _remove_previous(old)


def _remove_previous(path: Path) -> None:
    """Best effort: the new run is in place; what cannot be removed now is swept next time."""
    shutil.rmtree(path, ignore_errors=True)
    if os.path.lexists(path):
        log.warning("could not remove the previous run %s; the next run will", path)


# --------------------------------------------------------------------------- renameat2

AT_FDCWD = -100
RENAME_EXCHANGE = 2
# syscall numbers, for a C library without a renameat2 wrapper (glibc < 2.28)
SYS_RENAMEAT2 = {"x86_64": 316, "aarch64": 276, "arm64": 276, "riscv64": 276, "i386": 353, "i686": 353,
                 "armv7l": 382, "ppc64le": 357, "ppc64": 357, "s390x": 347}


def exchange(a: Path, b: Path) -> None:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); OSError if unsupported."""
    call = _renameat2()
    if call is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available on this system")
    if call(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a), None, str(b))


_renameat2_call = None


def _renameat2():
    """The C library's ``renameat2``, else the raw system call, else None (not Linux)."""
    global _renameat2_call
    if _renameat2_call is None and platform.system() == "Linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if hasattr(libc, "renameat2"):
            _renameat2_call = _libc_renameat2(libc)
        elif platform.machine() in SYS_RENAMEAT2:
            _renameat2_call = _syscall_renameat2(libc, SYS_RENAMEAT2[platform.machine()])
    return _renameat2_call


def _libc_renameat2(libc):
    call = libc.renameat2
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return call


def _syscall_renameat2(libc, number: int):
    syscall = libc.syscall
    syscall.restype = ctypes.c_long

    def call(olddirfd: int, old: bytes, newdirfd: int, new: bytes, flags: int) -> int:
        return syscall(ctypes.c_long(number), ctypes.c_int(olddirfd), ctypes.c_char_p(old),
                       ctypes.c_int(newdirfd), ctypes.c_char_p(new), ctypes.c_uint(flags))

    return call


# --------------------------------------------------------------------------- helpers


def _make_parent(out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise OutputError(f"cannot create {out.parent}: a file is in the way") from exc


def _random_sibling(out: Path, tag: str) -> Path:
    return sibling(out, tag + secrets.token_hex(4))


def scratch(out: str | Path) -> Path:
    """A fresh hidden sibling of ``out`` for files a run writes before its outputs are
    staged (the tables Dask workers write), named as a staging folder is: the next run
    into ``out`` sweeps it away if this one is killed (pass it as ``keep`` meanwhile)."""
    out = resolved(out)
    _make_parent(out)
    return _make_stage(out)


def _make_stage(out: Path) -> Path:
    while True:
        path = _random_sibling(out, TMP_TAG)
        try:
            os.mkdir(path)  # mode 0o777 less the umask, like a directory made by mkdir -p
            return path
        except FileExistsError:
            continue
        except PermissionError as exc:
            raise OutputError(f"cannot create {path.name} in {out.parent}: newsdedup writes a run "
                              "beside --out, then swaps it in whole") from exc


def _fsync_tree(directory: Path) -> None:
    for entry in os.scandir(directory):
        if entry.is_dir(follow_symlinks=False):  # a partitioned table
            _fsync_tree(Path(entry.path))
            continue
        fd = os.open(entry.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
