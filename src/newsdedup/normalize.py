"""Unicode normalisation and tokenising shared by every stage that compares text.

Output text keeps its characters (NFC, whitespace tidied); comparisons use
:func:`compare_key`, which also folds compatibility forms (NFKC), case, typographic
quotes and dashes, so ``“Don’t” — she said`` and ``"don't" - she said`` compare equal.

>>> compare_key("“Don’t” — she said")
'"don\\'t" - she said'
>>> words("It’s 52-41, they said.")
['it', 's', '52', '41', 'they', 'said']
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np

_QUOTES_DASHES = str.maketrans({
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\uff07", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
})
_SPACES = re.compile(r"[^\S\n]+")
_BLANKS = re.compile(r"\s+")
WORD = re.compile(r"\w+")


_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def _replace_present(text: str, table: dict[int, str]) -> str:
    """``text.translate(table)``, but only scanning for the characters that occur
    (str.translate with a dict costs a lookup per character; ``in`` is a fast scan)."""
    for code, repl in table.items():
        ch = chr(code)
        if ch in text:
            text = text.replace(ch, repl or "")
    return text


def tidy(text: str) -> str:
    """NFC, no zero-width characters, single spaces inside lines, lines stripped."""
    text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for ch in _INVISIBLE:
        if ch in text:
            text = text.replace(ch, "")
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


def compare_key(text: str) -> str:
    """The form of ``text`` that comparisons use: NFKC, casefolded, plain quotes and dashes, single spaces."""
    text = _replace_present(unicodedata.normalize("NFKC", text), _QUOTES_DASHES).casefold()
    return " ".join(text.split())  # what \s+ → " " does, without a regex match per space


def fold(text: str) -> str:
    """NFKC and casefold only: all that word tokens need (they ignore spacing and punctuation)."""
    return text.lower() if text.isascii() else unicodedata.normalize("NFKC", text).casefold()


def compare_keys(lines: list[str]) -> list[str]:
    """:func:`compare_key` of many lines at once (one normalisation pass over all of them)."""
    if not lines:
        return []
    joined = _replace_present(unicodedata.normalize("NFKC", "\n".join(lines)), _QUOTES_DASHES).casefold()
    keys = joined.split("\n")
    if len(keys) != len(lines):  # a character that normalises to a line break: do it line by line
        return [compare_key(line) for line in lines]
    return [" ".join(k.split()) for k in keys]


# Character classes of the Basic Multilingual Plane, for per-line counts with numpy.
WORD_CHAR, DIGIT, UPPER, PUNCT, CJK, NEWLINE = 1, 2, 4, 8, 16, 32


@lru_cache(maxsize=1)
def char_classes() -> np.ndarray:
    table = np.zeros(0x10000, dtype=np.uint8)
    for code in range(0x10000):
        ch = chr(code)
        bits = 0
        if ch.isalnum() or ch == "_":
            bits |= WORD_CHAR
        if ch.isdigit():
            bits |= DIGIT
        if ch.isupper():
            bits |= UPPER
        if not (bits & WORD_CHAR) and not ch.isspace():
            bits |= PUNCT
        if 0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF:
            bits |= CJK
        table[code] = bits
    table[ord("\n")] = NEWLINE
    return table


def line_char_classes(lines: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(class, line number, code point) of every character of ``lines`` joined by newlines."""
    codes, classes = _code_classes(lines)
    line_of = np.cumsum(classes == NEWLINE)
    return classes, line_of, codes


def _code_classes(lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of ``lines`` joined by newlines, and their classes."""
    codes = np.frombuffer("\n".join(lines).encode("utf-32-le"), dtype=np.uint32)
    classes = char_classes()[np.minimum(codes, 0xFFFF)]
    classes[codes > 0xFFFF] = PUNCT  # astral planes: emoji and symbols, for these counts
    return codes, classes


def word_counts(lines: list[str]) -> np.ndarray:
    """Number of ``\\w+`` runs in each line (as ``len(re.findall(r"\\w+", line))``)."""
    if not lines:
        return np.zeros(0, dtype=np.int64)
    codes, classes = _code_classes(lines)
    word = (classes & WORD_CHAR) != 0
    starts = np.flatnonzero(word & ~np.concatenate(([False], word[:-1])))
    # word starts before each line's end, differenced: no per-character line numbers
    line_ends = np.append(np.flatnonzero(codes == 10), codes.size)
    return np.diff(np.searchsorted(starts, line_ends), prepend=0)


def words(text: str) -> list[str]:
    """Word tokens (maximal runs of ``\\w``) of the compare key."""
    return WORD.findall(compare_key(text))


def key_hash(text: str) -> int:
    """A stable 64-bit hash of the compare key (the same in every process and run)."""
    return hash_key(compare_key(text))


def hash_key(key: str) -> int:
    """A stable 64-bit hash of an already computed compare key."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")
