"""numba for newsdedup's kernels, and where their compiled code is cached.

Every kernel module takes :func:`njit` from here, so the cache location is settled once,
before numba is first imported (numba reads ``NUMBA_CACHE_DIR`` when it is imported, and
picks a function's cache when the function is decorated):

1. ``NEWSDEDUP_CACHE_DIR``, if set and writable;
2. else numba's own place, beside the code, if the package directory is writable
   (or ``NUMBA_CACHE_DIR``, if the user set it);
3. else ``$XDG_CACHE_HOME/newsdedup`` (``~/.cache/newsdedup``);
4. else ``newsdedup-<user>`` in the temp directory;
5. else nothing: kernels are compiled in every process, uncached, with one warning.
"""

from __future__ import annotations

import functools
import getpass
import os
import sys
import tempfile
import warnings
from pathlib import Path

ENV = "NEWSDEDUP_CACHE_DIR"
_WARNED = "_NEWSDEDUP_CACHE_WARNED"  # set once warned: processes started from this one stay quiet
PACKAGE_DIR = Path(__file__).resolve().parent


def writable(path: Path) -> bool:
    """``path`` exists or can be made, and a file can be created in it (numba's own test)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError:
        return False
    return True


def _user_cache() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or (os.path.join(os.path.expanduser("~"), ".cache"))
    return Path(base) / "newsdedup" if os.path.isabs(base) else None  # "~" unexpanded: no home


def _temp_cache() -> Path:
    try:
        user = getpass.getuser()
    except Exception:  # no user name (a uid without a passwd entry)
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"newsdedup-{user}"


@functools.cache
def cache_dir() -> Path | None:
    """The directory numba caches newsdedup's kernels in (set in ``NUMBA_CACHE_DIR``, or the
    package's own ``__pycache__`` folders when that is ``PACKAGE_DIR``), or None: uncached."""
    chosen = os.environ.get(ENV)
    if chosen and writable(Path(chosen)):
        return _use(Path(chosen))
    if not chosen:
        if os.environ.get("NUMBA_CACHE_DIR") and writable(Path(os.environ["NUMBA_CACHE_DIR"])):
            return Path(os.environ["NUMBA_CACHE_DIR"])
        if writable(PACKAGE_DIR / "__pycache__"):
            return PACKAGE_DIR
    for fallback in (_user_cache(), _temp_cache()):
        if fallback is not None and writable(fallback):
            if chosen:
                _warn(f"{ENV}={chosen} is not writable: compiled kernels are cached in {fallback}")
            return _use(fallback)
    _warn(f"no writable directory for numba's cache ({ENV}, the package, ~/.cache, the temp "
          f"directory): newsdedup's kernels are compiled in every run, uncached (set {ENV})")
    return None


def _use(path: Path) -> Path:
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    if "numba" in sys.modules:  # imported before newsdedup: make numba read the setting again
        sys.modules["numba"].core.config.reload_config()
    return path


def _warn(message: str) -> None:
    if not os.environ.get(_WARNED):
        os.environ[_WARNED] = "1"
        warnings.warn(message, RuntimeWarning, stacklevel=3)


cache_dir()  # now, before a kernel module imports numba


def njit(*args, cache: bool = True, **options):
    """``numba.njit``, cached where :func:`cache_dir` says (uncached if nowhere)."""
    cached = cache and cache_dir() is not None
    return _numba().njit(*args, cache=cached, **options)


def _numba():
    """numba, its array-math module imported while ``scipy.linalg`` is hidden. That module
    imports it (0.16 s, in the main process and in every helper) only to choose BLAS
    for the inner products of ``np.convolve`` and ``np.correlate``, which no kernel here
    uses (without scipy numba loops instead); ``np.dot`` and ``np.linalg`` import scipy
    themselves when a kernel using them is compiled."""
    import numba

    if "scipy.linalg" not in sys.modules and "numba.np.arraymath" not in sys.modules:
        sys.modules["scipy.linalg"] = None  # type: ignore[assignment]  # its import fails at once
        try:
            import numba.np.arraymath  # noqa: F401
        except ImportError:  # a numba that needs scipy.linalg there: imported as usual later
            pass
        finally:
            if sys.modules.get("scipy.linalg", False) is None:
                del sys.modules["scipy.linalg"]
    return numba
