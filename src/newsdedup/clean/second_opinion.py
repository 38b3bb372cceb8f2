"""A second extractor, asked when trafilatura's text does not hold the page's title words.

A news page's title names what its article is about: the article's text repeats most of
the title's content words. When trafilatura's lines hold fewer than :data:`TITLE_SHARE` of
them (it took another part of the page: a list of names, an index, a sliver of the
article), readability-lxml reads the same parsed tree, and its lines replace trafilatura's
if they hold more of the title's words. Headline lines (made of title words only) count
for neither side: readability keeps the headline, trafilatura does not.

Measured on aeb-dev / dragnet / readability (docs/benchmarks.md, "HTML mode on unseen
sites"): readability is asked on 10% / 25% / 15% of pages; on aeb-dev and readability no
page changes, on dragnet seven change, each for the better (F1 0.9143 -> 0.9194). The share
is what each held-out set's two others choose (or tie at), on a grid of 0.2-1.0.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

TITLE_SHARE = 0.5  # below this share of its title's words in trafilatura's text, readability is asked
TITLE_WORD_CHARS = 4  # shorter title words ("the", "new", "and") say little about a page
_WORD = re.compile(r"\w+")


def title_words(title: str | None) -> set[str]:
    """The content words of a title (casefolded, at least :data:`TITLE_WORD_CHARS` characters)."""
    return {w for w in _WORD.findall((title or "").casefold()) if len(w) >= TITLE_WORD_CHARS}


def title_share(words: set[str], lines: Sequence[str]) -> float:
    """Share of the title's words that the lines hold, leaving out headline lines (lines
    whose content words are all title words)."""
    seen: set[str] = set()
    for line in lines:
        line_words = title_words(line)
        if line_words and not line_words <= words:
            seen |= line_words & words
    return len(seen) / len(words)


def readability_lines(tree, visible_lines: Callable) -> list[str]:
    """readability-lxml's article as visible text lines. It edits the tree it is given
    (hidden elements dropped): call it last. Any failure is no answer ([])."""
    try:
        import lxml.html
        from readability import Document

        summary = Document(tree).summary(html_partial=True)
        return visible_lines(lxml.html.fromstring(summary)) if summary.strip() else []
    except Exception as exc:  # readability/lxml raise many types on hostile markup
        log.debug("readability-lxml failed: %s: %s", type(exc).__name__, exc)
        return []


def arbitrate(tree, lines: list[str], title: str | None, visible_lines: Callable) -> list[str]:
    """trafilatura's ``lines``, or readability-lxml's when trafilatura's miss the title's words
    and readability's hold more of them."""
    words = title_words(title)
    if not words or not lines:
        return lines
    ours = title_share(words, lines)
    if ours >= TITLE_SHARE:
        return lines
    other = readability_lines(tree, visible_lines)
    return other if other and title_share(words, other) > ours else lines
