"""The tiny document record that flows from reading into cleaning."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Record:
    """One input record: an article as a scraper stored it.

    Exactly one of ``text`` / ``html`` is set for a readable record; ``error`` is set
    (and both are None) for a record that could not be read, which the pipeline
    carries to the output as a rejected row.
    """

    doc_id: str
    source: str
    text: str | None = None
    html: str | None = None
    url: str | None = None
    title: str | None = None
    date: str | None = None
    error: str | None = None
    warning: str | None = None  # a readable record read with a repair (e.g. invalid UTF-8 bytes replaced)

    @property
    def raw_chars(self) -> int:
        return len(self.html if self.html is not None else self.text or "")

    @property
    def is_html(self) -> bool:
        return self.html is not None
