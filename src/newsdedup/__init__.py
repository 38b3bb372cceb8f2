"""newsdedup: clean, de-duplicate and cluster scraped news.

>>> import newsdedup, pandas as pd
>>> result = newsdedup.run(pd.DataFrame({"id": ["a", "b"], "text": [
...     "Officials said the new bridge will open next spring after years of delays and debate.",
...     "Officials said the new bridge will open next spring after years of delays and debate."]}))
>>> result.documents[["doc_id", "status", "canonical_id"]].values.tolist()
[['a', 'kept', 'a'], ['b', 'duplicate', 'a']]
"""

from __future__ import annotations

__version__ = "0.1.0"

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())

from .config import Config

__all__ = ["run", "clean_html", "clean_text", "Config", "Index", "Result", "__version__"]


def __getattr__(name: str):
    # imported on first use: the pipeline and its tables need pandas, cleaning alone (and a
    # cleaning worker) does not, and `import newsdedup` (the CLI's --help) loads no numba
    if name in ("clean_html", "clean_text"):
        from . import clean

        return getattr(clean, name)
    if name == "run":
        from .runners import run

        return run
    if name == "Index":
        from .index.api import Index

        return Index
    if name == "Result":
        from .result import Result

        return Result
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
