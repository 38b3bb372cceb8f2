"""Runners decide where the stages run; the stages never know."""

from .local import run

__all__ = ["run"]
