"""The persistent corpus index: drops deduplicated against everything accepted before."""

from .store import IncompatibleIndex, IndexBusy, IndexRefused, NotAnIndex

__all__ = ["Index", "IncompatibleIndex", "IndexBusy", "IndexRefused", "NotAnIndex"]


def __getattr__(name: str):
    if name == "Index":
        from .api import Index

        return Index
    raise AttributeError(name)
