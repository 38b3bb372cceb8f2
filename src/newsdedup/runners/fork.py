"""Work in a forked child process while this one goes on.

A forked child starts in milliseconds with everything this process holds (imported
code, numba's loaded kernels, the records and clean texts), so nothing is pickled on
the way in; only the result travels back. Forking is safe only from a process that runs
no other thread: a fork copies the calling thread alone, and a lock another thread held
would stay held in the child forever.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable
from typing import Any


def fork_is_safe() -> bool:
    """Linux (where ``fork`` is a supported start method), and no other thread running here."""
    return sys.platform == "linux" and threading.active_count() == 1


class Forked:
    """``fn(*args)`` computed in a forked child; :meth:`result` waits for it (an exception
    raised there is raised here; a child that died makes it raise ``RuntimeError``).

    >>> Forked(sum, [1, 2, 3]).result()
    6
    """

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        ctx = multiprocessing.get_context("fork")
        self._receive, send = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
        self._process.start()
        send.close()  # the child holds the sending end: its exit ends the pipe

    def result(self) -> Any:
        try:
            message = self._receive.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(f"a forked helper exited with code {self._process.exitcode}") from None
        finally:
            self._receive.close()
        self._process.join()
        if isinstance(message, BaseException):
            raise message
        return message


def _child(send, fn, args) -> None:  # pragma: no cover - runs in the child
    try:
        result = fn(*args)
    except BaseException as exc:  # sent to the parent, which raises it
        result = exc
    send.send(result)
    send.close()
