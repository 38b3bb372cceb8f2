"""HTML pages → paragraphs and metadata, through trafilatura.

trafilatura (in its precision mode) finds the main content with the DOM in hand; its
text lines become paragraphs, which then go through the corpus templates, the cue
rules and a learned post-filter (see :mod:`.text`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..normalize import tidy

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Extracted:
    lines: list[str]
    title: str | None
    date: str | None
    url: str | None


def extract(html: str, url: str | None = None) -> Extracted:
    """Main text lines and metadata of an HTML page. Raises ``ValueError`` if it cannot be parsed."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, favor_precision=True,
            include_tables=True, include_images=False, deduplicate=False,
        )
    except Exception as exc:  # trafilatura/lxml raise many types on hostile markup
        raise ValueError(f"unparseable HTML: {type(exc).__name__}: {exc}") from exc
    if doc is None:
        return Extracted([], None, None, url)
    lines = [line for line in tidy(doc.text or "").split("\n") if line]
    return Extracted(lines=lines, title=_text_or_none(doc.title), date=_text_or_none(doc.date),
                     url=url or _text_or_none(doc.url))


def _text_or_none(value) -> str | None:
    if value is None:
        return None
    value = tidy(str(value)).replace("\n", " ").strip()
    return value or None
