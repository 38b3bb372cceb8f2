"""HTML pages → paragraphs and metadata, through trafilatura.

trafilatura (its recall mode, comments left out) finds the main content with the DOM in
hand; its text lines become paragraphs, which then go through the corpus templates, the
cue rules and the comment-thread rule (see :mod:`.text`). Its precision mode with a
learned post-filter scored F1 0.971 / 0.903 / 0.908 on aeb-dev / dragnet / readability,
each set cleaned by a post-filter trained on the other two; the default mode with the
rules alone 0.969 / 0.907 / 0.936, the recall mode with them 0.970 / 0.914 / 0.939 (on
its own, recall beats default on each of the three sets: 0.966 / 0.918 / 0.940 against
0.965 / 0.911 / 0.938, so any two sets choose it and the third agrees). Where its text misses the
page's title words, readability-lxml is asked too (:mod:`.second_opinion`). The page's whole
visible text is read from the same parsed tree, so that what the extractor left out is accounted for
(its size and text, never markup) and a page's size is its visible text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ..normalize import tidy
from .second_opinion import arbitrate

log = logging.getLogger(__name__)

MAX_HTML_CHARS = 20_000_000  # trafilatura's own default limit (MAX_FILE_SIZE)

# Elements whose boundaries break a line of visible text (as a browser lays them out).
_BLOCKS = frozenset(
    "address article aside blockquote body br dd details dialog div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol option p pre section summary table tbody td tfoot th thead "
    "tr ul".split())
# Elements whose text is never shown.
_HIDDEN = frozenset("script style noscript template head title svg math iframe object select textarea".split())
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


@dataclass(slots=True)
class Extracted:
    lines: list[str]
    title: str | None
    date: str | None
    url: str | None
    visible: list[str] = field(default_factory=list)  # the page's visible text lines
    dropped: list[str] = field(default_factory=list)  # visible lines the extractor left out

    @property
    def visible_chars(self) -> int:
        """Characters of the page's visible text (its lines joined by newlines)."""
        return sum(map(len, self.visible)) + max(len(self.visible) - 1, 0)


def extract(html: str, url: str | None = None) -> Extracted:
    """Main text lines and metadata of an HTML page. Raises ``ValueError`` if it cannot be parsed."""
    import trafilatura
    from trafilatura.utils import load_html

    try:
        tree = load_html(html, MAX_HTML_CHARS)
        visible = visible_lines(tree) if tree is not None else []
        # trafilatura works on a copy of a tree it is given: the same result as from the string
        doc = None if tree is None else trafilatura.bare_extraction(
            tree, url=url, with_metadata=True, include_comments=False, favor_recall=True,
            include_tables=True, include_images=False, deduplicate=False,
        )
    except Exception as exc:  # trafilatura/lxml raise many types on hostile markup
        raise ValueError(f"unparseable HTML: {type(exc).__name__}: {exc}") from exc
    if doc is None:
        return Extracted([], None, None, url, visible, visible)
    lines = [line for line in tidy(doc.text or "").split("\n") if line]
    lines = arbitrate(tree, lines, doc.title, visible_lines)  # readability-lxml, when the title says so
    return Extracted(lines=lines, title=_text_or_none(doc.title), date=_text_or_none(doc.date),
                     url=url or _text_or_none(doc.url), visible=visible, dropped=left_out(visible, lines))


def visible_lines(tree) -> list[str]:
    """The text a browser shows of a parsed page, one line per block (whitespace collapsed)."""
    from lxml import etree

    pieces: list[str] = []
    walk = etree.iterwalk(tree, events=("start", "end"))
    for event, el in walk:
        tag = el.tag if isinstance(el.tag, str) else None  # comments and processing instructions
        if event == "start":
            if tag is None or tag.lower() in _HIDDEN:
                walk.skip_subtree()  # its "end" still comes, for the tail
                continue
            if tag.lower() in _BLOCKS:
                pieces.append("\n")
            if el.text:
                pieces.append(el.text)
        else:
            if tag is not None and tag.lower() in _BLOCKS:
                pieces.append("\n")
            if el.tail and el is not tree:
                pieces.append(el.tail)
    text = "".join(_SPACE.sub(" ", p) if p != "\n" else p for p in pieces)
    return [line for line in tidy(text).split("\n") if line]


SHORT_LINE_WORDS = 4   # a visible line shorter than this is found only as a line, or in a short one
SHORT_HOST_WORDS = 12  # (a table row, a caption): a menu word must not hide in the article's prose


def left_out(visible: list[str], extracted: list[str]) -> list[str]:
    """The visible lines whose words the extracted text does not hold (compared as word
    sequences: the extractor joins and splits lines its own way)."""
    keys = [" ".join(_WORD.findall(line.casefold())) for line in extracted]
    whole = f" {' | '.join(keys)} "
    short = f" {' | '.join(k for k in keys if k.count(' ') < SHORT_HOST_WORDS)} "
    lines = set(keys)
    out = []
    for line in visible:
        words = " ".join(_WORD.findall(line.casefold()))
        if not words or words in lines:
            continue
        host = whole if words.count(" ") + 1 >= SHORT_LINE_WORDS else short
        if f" {words} " not in host:
            out.append(line)
    return out


def _text_or_none(value) -> str | None:
    if value is None:
        return None
    value = tidy(str(value)).replace("\n", " ").strip()
    return value or None
