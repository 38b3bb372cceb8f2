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
    counts = _Counts(kept)
    flags = []
    if is_short_for_page(counts, raw_chars):
        flags.append(SHORT_FOR_PAGE)
    if is_list_page(counts):
        flags.append(LIST_PAGE)
    if is_notice_text(counts):
        flags.append(NOTICE_TEXT)
    return flags


class _Counts:
    """What the flags read of the kept paragraphs, counted in one pass."""

    __slots__ = ("items", "chars", "words", "prose_words", "not_sentences", "notice_words")

    def __init__(self, kept: list[Paragraph]) -> None:
        self.items = len(kept)
        chars = words = prose_words = not_sentences = notice_words = 0
        for p in kept:
            n = p.n_words
            chars += len(p.text)
            words += n
            if p.sentence:
                prose_words += n if n >= PROSE_WORDS else 0
            else:
                not_sentences += 1
            cues = p.cues
            if cues.kind in NOTICE_KINDS and cues.strong > 0:
                notice_words += n
        self.chars = chars + 2 * max(len(kept) - 1, 0)  # the clean text joins them by a blank line
        self.words, self.prose_words, self.not_sentences, self.notice_words = (
            words, prose_words, not_sentences, notice_words)


def is_short_for_page(c: _Counts, raw_chars: int) -> bool:
    return raw_chars > 0 and c.words < SHORT_WORDS and c.chars < SHORT_SHARE * raw_chars


def is_list_page(c: _Counts) -> bool:
    """Many items, most of them lines that do not read as sentences, and prose carrying few
    of the words: a list of links or headlines. (Sections of a headline and one teaser each
    also flagged listicles and deal round-ups, which are articles: 28 of 44 flags fell on
    pages cleaned well, against 11 of 21 without that test.)"""
    if c.items < LIST_MIN_ITEMS:
        return False
    prose_share = c.prose_words / (c.words or 1)
    short_share = c.not_sentences / c.items
    return short_share >= LIST_SHORT_SHARE and prose_share < LIST_PROSE_SHARE


def is_notice_text(c: _Counts) -> bool:
    return c.words > 0 and c.notice_words >= NOTICE_SHARE * c.words
