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
from dataclasses import dataclass

from ..normalize import WORD, compare_key, key_hash, tidy
from .rules import Cues, paragraph_cues

PARAGRAPH_SEPARATOR = "\n\n"

# Ends like a sentence: terminal punctuation, possibly inside closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$|[\"”»]$")
MIN_SENTENCE_WORDS = 4


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
    key = compare_key(text)
    n_words = len(WORD.findall(key))
    sentence = n_words >= MIN_SENTENCE_WORDS and bool(_SENTENCE_END.search(text))
    return Paragraph(text=text, key=key_hash(text), n_words=n_words, sentence=sentence,
                     cues=paragraph_cues(text, key))


def segment(text: str) -> list[Paragraph]:
    """The paragraphs of a plain text: its non-blank lines, tidied, with the blank lines around them."""
    paragraphs: list[Paragraph] = []
    blanks = 0
    for line in tidy(text).split("\n"):
        if not line:
            blanks += 1
            continue
        p = make_paragraph(line)
        p.gap_before = blanks
        if paragraphs:
            paragraphs[-1].gap_after = blanks
        paragraphs.append(p)
        blanks = 0
    if paragraphs:
        paragraphs[-1].gap_after = blanks
    return paragraphs


def split_clean(text: str) -> list[str]:
    """The paragraphs of a clean text (as written in ``documents.text``)."""
    return [p for p in text.split(PARAGRAPH_SEPARATOR) if p.strip()]


def join(paragraphs: list[str]) -> str:
    return PARAGRAPH_SEPARATOR.join(paragraphs)
