"""Paragraphs: the unit every cleaning rule, the dedup shingles and the matcher share.

A paragraph of plain text is one non-blank line (scrapers store a page's blocks
one per line; blank lines only add spacing). Clean text is the kept paragraphs
joined by a blank line, so paragraph ``i`` of the clean text is its ``i``-th
blank-line-separated block.

>>> [p.text for p in segment("Title\\n\\nFirst  line.\\nSecond line.\\n")]
['Title', 'First line.', 'Second line.']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from ..normalize import code_points, compare_keys, line_stats, tidy_lines
from .rules import Cues, document_cues

PARAGRAPH_SEPARATOR = "\n\n"

# Ends like a sentence: terminal punctuation (also the ideographic and full-width stops of
# Chinese and Japanese), possibly inside closing quotes or brackets.
_SENTENCE_ENDS = frozenset(".!?…:;。！？：；")
_CLOSING = "\"'”’»)]」』）"


def _strip_symbols(text: str) -> str:
    """Without trailing emoji, symbols and marks (``Great show! 🙂`` ends with ``!``)."""
    end = len(text)
    while end and (text[end - 1].isspace() or unicodedata.category(text[end - 1])[0] in "SMC"):
        end -= 1
    return text[:end]


# Reference marks after a sentence's stop: footnote and citation numbers (``[12]``,
# ``[a]``, ``[n 3]``), as encyclopedias, reports and long reads print them
_REFERENCE_MARKS = re.compile(r"(?:\s*\[\s*(?:\d{1,4}|[a-z]{1,2}(?: \d{1,3})?)\s*\])+$")


def ends_like_sentence(text: str) -> bool:
    """``Done.``, ``he said:``, ``“Go!”``, ``(see below.)``, ``Wow! 🙂``, ``Done. [12]``,
    or a closing quote."""
    if text.endswith("]"):
        text = _REFERENCE_MARKS.sub("", text)
    if text and not text[-1].isalnum() and text[-1] not in _SENTENCE_ENDS and text[-1] not in _CLOSING:
        text = _strip_symbols(text)
    end = text[-1:]
    if end in _CLOSING and end:
        if end in "\"”»":
            return True
        end = text.rstrip(_CLOSING)[-1:]
    return end != "" and end in _SENTENCE_ENDS
MIN_SENTENCE_WORDS = 4
_ASCII_DIGIT = re.compile(r"[0-9]")


def has_digit(text: str) -> bool:
    """Whether a character of ``text`` is a digit (``str.isdigit``), without a Python
    loop over an ASCII line's characters."""
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return any(ch.isdigit() for ch in text)


@dataclass(slots=True)
class Paragraph:
    text: str
    key: int  # stable hash of the compare key
    n_words: int
    sentence: bool  # reads like prose: enough words and terminal punctuation
    cues: Cues
    gap_before: int = 0  # blank lines before it in the input (layout evidence)
    gap_after: int = 0

    @property
    def cue_score(self) -> int:
        return 2 * self.cues.strong + self.cues.weak


def make_paragraph(text: str) -> Paragraph:
    return make_paragraphs([text])[0]


def make_paragraphs(lines: list[str], gaps_before: list[int] | None = None,
                    gaps_after: list[int] | None = None) -> list[Paragraph]:
    return build_paragraphs(lines, gaps_before, gaps_after)[0]


def build_paragraphs(lines: list[str], gaps_before: list[int] | None = None,
                     gaps_after: list[int] | None = None) -> tuple[list[Paragraph], list[str]]:
    """Paragraphs of a document's non-blank, tidied lines, and their compare keys
    (whole-document passes where possible: one normalisation, one cue scan, one word count)."""
    return paragraphs_keys_codes(lines, gaps_before, gaps_after)[:2]


def paragraphs_keys_codes(lines: list[str], gaps_before: list[int] | None = None,
                          gaps_after: list[int] | None = None) -> tuple[list[Paragraph], list[str], np.ndarray]:
    """:func:`build_paragraphs`, and the keys' :func:`~newsdedup.normalize.code_points`
    it read (the line features read them too)."""
    keys = compare_keys(lines, tidied=True)
    codes = code_points(keys)
    cues = document_cues(keys, codes)
    counts, hashes = (a.tolist() for a in line_stats(keys, codes))
    before = gaps_before or [0] * len(lines)
    after = gaps_after or [0] * len(lines)
    # positional arguments: a dataclass's keyword call costs more than the rest of the line
    out = [Paragraph(text, key_hash, n_words, n_words >= MIN_SENTENCE_WORDS and ends_like_sentence(text), cue, gb, ga)
           for text, key_hash, cue, n_words, gb, ga in zip(lines, hashes, cues, counts, before, after)]
    return out, keys, codes


def split_lines(text: str) -> tuple[list[str], list[int], list[int]]:
    """Non-blank tidied lines of a text, and the number of blank lines before and after each."""
    lines: list[str] = []
    before: list[int] = []
    blanks = 0
    for line in tidy_lines(text):
        if line:
            lines.append(line)
            before.append(blanks)
            blanks = 0
        else:
            blanks += 1
    return lines, before, before[1:] + [blanks]


def segment(text: str) -> list[Paragraph]:
    """The paragraphs of a plain text: its non-blank lines, tidied, with the blank lines around them."""
    return build_paragraphs(*split_lines(text))[0]


def split_clean(text: str) -> list[str]:
    """The paragraphs of a clean text (as written in ``documents.text``)."""
    return [p for p in text.split(PARAGRAPH_SEPARATOR) if p.strip()]


def join(paragraphs: list[str]) -> str:
    return PARAGRAPH_SEPARATOR.join(paragraphs)
