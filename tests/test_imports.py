"""Every module imports on its own, first thing after a fresh start of the package (no
import cycle hidden by the order in which the package happens to load its modules)."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import newsdedup
modules = sorted(m.name for m in pkgutil.walk_packages(newsdedup.__path__, "newsdedup.") if m.name != "newsdedup.__main__")
failed = []
for module in modules:
    for name in [k for k in sys.modules if k == "newsdedup" or k.startswith("newsdedup.")]:
        del sys.modules[name]
    try:
        importlib.import_module(module)
    except Exception as exc:
        failed.append(f"{module}: {type(exc).__name__}: {exc}")
print(len(modules))
sys.exit("\\n".join(failed) or None)
"""


def test_every_module_imports_first():
    proc = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 20  # the walk found the package's modules


KERNEL_START = """
import sys
from newsdedup.dedup.signatures import signatures
signatures(["a b c d e f g"])  # numba's lowering modules loaded
print("scipy.linalg" in sys.modules)
import scipy.linalg  # still importable afterwards, whole
print(callable(scipy.linalg.norm))
"""


def test_kernels_start_without_scipy_linalg():
    """numba's array math imports scipy.linalg (0.16 s a process) only for the inner
    products of np.convolve and np.correlate: newsdedup's kernels load without it, and
    scipy.linalg imports normally afterwards."""
    import pytest

    pytest.importorskip("scipy.linalg", reason="scipy is not installed: numba cannot import it anyway")
    proc = subprocess.run([sys.executable, "-c", KERNEL_START], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True"]
