"""Runners decide where the stages run; the stages never know."""

from __future__ import annotations

__all__ = ["run"]


def __getattr__(name: str):
    # the local runner imports every stage (pandas among them); the CLI first starts the
    # cleaning helpers from runners.cleaning, which needs none of that
    if name == "run":
        from .local import run

        return run
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
