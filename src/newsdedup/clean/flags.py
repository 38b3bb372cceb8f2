"""What a user should check about a cleaned document: flags from the clean text's shape.

Every flag is a ratio or a structure of the kept paragraphs (their lengths, whether
they read as sentences, the boilerplate kinds their words suggest); none names a site
or a phrase. Flags advise, they remove nothing:

* ``short_for_page``: the clean text is a sliver of the page's visible text (the
  article may have been lost, or the page holds none);
* ``list_page``: the clean text is a list of items (headlines, links) rather than an
  article;
* ``notice_text``: much of the clean text reads like a consent, cookie, subscription
  or paywall notice.

>>> from .paragraphs import make_paragraphs
>>> document_flags(make_paragraphs(["A short note."]), raw_chars=20_000)
['short_for_page']
"""

from __future__ import annotations

from .paragraphs import Paragraph

SHORT_FOR_PAGE, LIST_PAGE, NOTICE_TEXT = "short_for_page", "list_page", "notice_text"
FLAGS = (SHORT_FOR_PAGE, LIST_PAGE, NOTICE_TEXT)

# short_for_page: below this share of the page's visible text and this many words.
# Every article of the AEB dev pages is at least 0.061 of its page (and 42 words); chosen
# there, then checked on dragnet and readability (see docs/benchmarks.md, Cleaning).
SHORT_SHARE, SHORT_WORDS = 0.05, 100
# list_page: at least this many items, this share of them not sentences, prose below this share of words
LIST_MIN_ITEMS, LIST_SHORT_SHARE, LIST_PROSE_SHARE = 8, 0.7, 0.3
PROSE_WORDS = 12
# notice_text: this share of the clean words in paragraphs a notice cue marks
NOTICE_KINDS = frozenset({"notice", "call_to_action", "legal"})
NOTICE_SHARE = 0.5  # at 0.3, 13 of 17 flags fell on articles about donations, sharing... (dragnet)


def document_flags(kept: list[Paragraph], raw_chars: int) -> list[str]:
    """The flags of a document from its kept paragraphs and its page's visible characters."""
    flags = []
    if is_short_for_page(kept, raw_chars):
        flags.append(SHORT_FOR_PAGE)
    if is_list_page(kept):
        flags.append(LIST_PAGE)
    if is_notice_text(kept):
        flags.append(NOTICE_TEXT)
    return flags


def is_short_for_page(kept: list[Paragraph], raw_chars: int) -> bool:
    chars = sum(len(p.text) for p in kept) + 2 * max(len(kept) - 1, 0)
    words = sum(p.n_words for p in kept)
    return raw_chars > 0 and words < SHORT_WORDS and chars < SHORT_SHARE * raw_chars


def _prose(p: Paragraph) -> bool:
    return p.sentence and p.n_words >= PROSE_WORDS


def is_list_page(kept: list[Paragraph]) -> bool:
    """Many items, most of them lines that do not read as sentences, and prose carrying few
    of the words: a list of links or headlines. (Sections of a headline and one teaser each
    also flagged listicles and deal round-ups, which are articles: 28 of 44 flags fell on
    pages cleaned well, against 11 of 21 without that test.)"""
    if len(kept) < LIST_MIN_ITEMS:
        return False
    words = sum(p.n_words for p in kept) or 1
    prose_share = sum(p.n_words for p in kept if _prose(p)) / words
    short_share = sum(not p.sentence for p in kept) / len(kept)
    return short_share >= LIST_SHORT_SHARE and prose_share < LIST_PROSE_SHARE


def is_notice_text(kept: list[Paragraph]) -> bool:
    words = sum(p.n_words for p in kept)
    marked = sum(p.n_words for p in kept if p.cues.kind in NOTICE_KINDS and p.cues.strong > 0)
    return words > 0 and marked >= NOTICE_SHARE * words
