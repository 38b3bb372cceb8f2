"""An array handed by this process to a child forked before the array was known.

The array's size and type are known before the fork: it lives in a shared anonymous
memory map, which the child inherits, and a pipe tells the child when it is written.
Sending never waits for the child, however large the array (a pipe holds 64 KiB), and a
child that waits for an array its parent gave up on gets an error, not a hang.
"""

from __future__ import annotations

import mmap
import os
import select

import numpy as np


class Later:
    """``n`` values of ``dtype``, written here by :meth:`send` and read in a forked child
    (:meth:`ready`, :meth:`get`); :meth:`forked` here once the child is forked, :meth:`close`
    when giving up (the child's :meth:`get` then raises ``RuntimeError``).

    >>> later = Later(3, np.int64)
    >>> later.send(np.array([4, 5, 6]))
    >>> later.ready(), later.get().tolist()
    (True, [4, 5, 6])
    """

    def __init__(self, n: int, dtype) -> None:
        self.n, self.dtype = n, np.dtype(dtype)
        self._memory = mmap.mmap(-1, max(1, n * self.dtype.itemsize))  # MAP_SHARED: seen by forked children
        self._read, self._write = os.pipe()
        self._owner = os.getpid()

    def send(self, values: np.ndarray) -> None:
        """Write ``values`` (``n`` of them) for the child (once; nothing after :meth:`close`)."""
        if self._write < 0:
            return
        np.frombuffer(self._memory, self.dtype, count=self.n)[:] = values
        try:
            os.write(self._write, b"\1")
        except BrokenPipeError:
            pass  # the child is gone: its own outcome (an error, most likely) is what its parent hears
        finally:
            self._close_write()

    def forked(self) -> None:
        """In this process, once the child is forked: the reading end is the child's."""
        self._close_read()

    def close(self) -> None:
        """In this process: nothing will be sent."""
        self._close_write()
        self._close_read()

    def ready(self) -> bool:
        """In the child: whether the values were sent (or the parent gave up)."""
        self._child_ends()
        return self._read >= 0 and bool(select.select([self._read], [], [], 0)[0])

    def get(self) -> np.ndarray:
        """In the child: the values, once sent (a copy)."""
        self._child_ends()
        sent = os.read(self._read, 1) if self._read >= 0 else b""
        self._close_read()
        if sent != b"\1":
            raise RuntimeError("the values a forked child waited for were never sent")
        return np.frombuffer(self._memory, self.dtype, count=self.n).copy()

    def _child_ends(self) -> None:
        if os.getpid() != self._owner:  # a forked copy of the writing end would keep the pipe open
            self._close_write()

    def _close_write(self) -> None:
        if self._write >= 0:
            os.close(self._write)
            self._write = -1

    def _close_read(self) -> None:
        if self._read >= 0:
            os.close(self._read)
            self._read = -1
