"""Work in a forked child process while this one goes on.

A forked child starts in milliseconds with everything this process holds (imported
code, numba's loaded kernels, the records and clean texts), so nothing is pickled on
the way in; only the result travels back. Forking is safe only from a process that runs
no other thread: a fork copies the calling thread alone, and a lock another thread held
would stay held in the child forever.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1  # prctl(2), <linux/prctl.h>


def fork_is_safe() -> bool:
    """Linux (where ``fork`` is a supported start method), and no other Python thread
    running here. The pools the C libraries start on import (OpenBLAS's under numpy,
    Arrow's) reset themselves in a child (their at-fork handlers); Python 3.12+ counts them
    and warns (a DeprecationWarning, hidden by default) all the same."""
    return sys.platform == "linux" and threading.active_count() == 1


def children_allowed() -> bool:
    """False in a daemonic process (a ``multiprocessing.Pool`` worker, say), which may
    start no child process: every stage then runs in it."""
    return not multiprocessing.current_process().daemon


def stop_with_parent(parent: int | None) -> None:
    """Called first thing in a child process: it is killed when its parent ends, however
    that ends (SIGKILL included: Linux's parent-death signal; ``parent``, the pid that
    forked it, catches a parent gone before the signal was asked for). Ctrl-C is left to
    the parent, which stops its children (the terminal sends it to every process of the
    group), and SIGTERM stops the child again (a handler the CLI installed would be copied
    by a fork)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was set up


class Forked:
    """``fn(*args)`` computed in a forked child; :meth:`result` waits for it (an exception
    raised there is raised here; a child that died makes it raise ``RuntimeError``).

    >>> Forked(sum, [1, 2, 3]).result()
    6
    """

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        ctx = multiprocessing.get_context("fork")
        self._receive, send = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=_child, args=(send, os.getpid(), fn, args), daemon=True)
        self._process.start()
        send.close()  # the child holds the sending end: its exit ends the pipe

    def result(self) -> Any:
        try:
            message = self._receive.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(f"a forked helper exited with code {self._process.exitcode}") from None
        except BaseException:  # interrupted while waiting (Ctrl-C, SIGTERM): the child stops too
            self._process.terminate()
            self._process.join()
            raise
        finally:
            self._receive.close()
        self._process.join()
        if isinstance(message, BaseException):
            raise message
        return message

    def stop(self) -> None:
        """Stop the child if it still runs (this process gave up on its result)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._receive.close()


def forked_if_safe(fn: Callable[..., Any], *args: Any) -> Forked | None:
    """``Forked(fn, *args)`` where forking is safe and a child may be started, else None
    (the caller then computes ``fn`` itself)."""
    return Forked(fn, *args) if fork_is_safe() and children_allowed() else None


def _child(send, parent: int, fn, args) -> None:  # pragma: no cover - runs in the child
    stop_with_parent(parent)
    try:
        result = fn(*args)
    except BaseException as exc:  # sent to the parent, which raises it
        result = exc
    send.send(result)
    send.close()
