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
