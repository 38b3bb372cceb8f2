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

import re
import unicodedata
from functools import lru_cache

import numpy as np

from ._jit import njit

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


_QUOTES_DASHES_PAIRS = tuple((chr(code), repl or "") for code, repl in _QUOTES_DASHES.items())
assert all(code > 127 for code in _QUOTES_DASHES)  # so ASCII text skips the scan


def _replace_present(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """``text.translate`` with the table ``pairs`` came from, but only scanning for the
    characters that occur (str.translate with a dict costs a lookup per character;
    ``in`` is a fast scan). An ASCII text has none of them."""
    if text.isascii():
        return text
    for ch, repl in pairs:
        if ch in text:
            text = text.replace(ch, repl)
    return text


def tidy(text: str) -> str:
    """NFC, no zero-width characters, single spaces inside lines, lines stripped."""
    return "\n".join(tidy_lines(text))


def tidy_lines(text: str) -> list[str]:
    """The lines of :func:`tidy` (``tidy(text).split("\\n")``, without joining them first)."""
    text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for ch in _INVISIBLE:
        if ch in text:
            text = text.replace(ch, "")
    lines = text.split("\n")
    if _tidy_text(text):
        return lines
    return [line if _tidy_line(line) else " ".join(line.split()) for line in lines]


def _tidy_text(text: str) -> bool:
    """Every line of ``text`` passes :func:`_tidy_line` (most pages' text: then no line
    needs a look of its own). An ASCII text is checked by one compiled pass over its
    bytes (three substring searches and a copy cost ten times more)."""
    if text.isascii():
        return _tidy_ascii(np.frombuffer(text.encode("ascii"), dtype=np.uint8))
    return ("  " not in text and " \n" not in text and "\n " not in text and text[:1] != " " and text[-1:] != " "
            and text.replace("\n", "").isprintable())


@njit(cache=True, nogil=True)
def _tidy_ascii(raw):  # pragma: no cover - compiled
    """:func:`_tidy_text` of ASCII bytes: no space at a line's start or end or after a
    space, and no control character but the line break (the unprintable ASCII)."""
    prev = 10  # the text's start is a line's start
    for c in raw:
        if c == 32:
            if prev == 32 or prev == 10:
                return False
        elif c == 10:
            if prev == 32:
                return False
        elif c < 32 or c == 127:
            return False
        prev = c
    return prev != 32


def _tidy_line(line: str) -> bool:
    """The line is already what ``" ".join(line.split())`` makes of it: no whitespace but
    single inner spaces (every other whitespace character is unprintable). A cheap check
    that spares splitting almost every line into words."""
    return line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " "


def compare_key(text: str) -> str:
    """The form of ``text`` that comparisons use: NFKC, casefolded, plain quotes and dashes, single spaces."""
    text = _replace_present(unicodedata.normalize("NFKC", text), _QUOTES_DASHES_PAIRS).casefold()
    return text if _tidy_line(text) else " ".join(text.split())  # what \s+ → " " does, without a regex


def fold(text: str) -> str:
    """NFKC and casefold only: all that word tokens need (they ignore spacing and punctuation)."""
    return text.lower() if text.isascii() else unicodedata.normalize("NFKC", text).casefold()


def compare_keys(lines: list[str], tidied: bool = False) -> list[str]:
    """:func:`compare_key` of many lines at once (one normalisation pass over all of them).

    ``tidied``: the lines come from :func:`tidy` (single spaces, stripped), so their keys
    need no whitespace pass unless NFKC made a space next to a space or a line's end
    (``¨`` becomes a space and a combining mark); folding case and quotes never makes
    spaces, nor does NFKC make any other whitespace."""
    if not lines:
        return []
    joined = "\n".join(lines)
    normalized = tidied and unicodedata.is_normalized("NFKC", joined)
    joined = _replace_present(joined if normalized else unicodedata.normalize("NFKC", joined),
                              _QUOTES_DASHES_PAIRS).casefold()
    keys = joined.split("\n")
    if len(keys) != len(lines):  # a character that normalises to a line break: do it line by line
        return [compare_key(line) for line in lines]
    if normalized or (tidied and not _loose_spaces(joined)):
        return keys
    return [k if _tidy_line(k) else " ".join(k.split()) for k in keys]


def _loose_spaces(joined: str) -> bool:
    """Lines (joined by line breaks) with a double space or a space at an end."""
    return "  " in joined or " \n" in joined or "\n " in joined or joined[:1] == " " or joined[-1:] == " "


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


def code_points(lines: list[str]) -> np.ndarray:
    """Code points of ``lines`` joined by newlines (what the compiled passes read)."""
    joined = "\n".join(lines)
    if joined.isascii():  # one byte a character: widened by numpy, quicker than Python's UTF-32 encoder
        return np.frombuffer(joined.encode("ascii"), dtype=np.uint8).astype(np.uint32)
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)


@njit(cache=True, nogil=True)
def code_class(table, code):  # pragma: no cover - compiled
    """The class bits of a code point (``table``: :func:`char_classes`); astral planes
    (emoji and symbols, for these counts) are punctuation."""
    return table[code] if code < 0x10000 else np.uint8(PUNCT)


def word_counts(lines: list[str]) -> np.ndarray:
    """Words in each line: its ``\\w+`` runs (``len(re.findall(r"\\w+", line))``), or half
    its CJK characters where that is more (Chinese and Japanese put no spaces between
    words, so a whole sentence is one run; every rule that asks whether a paragraph is
    long enough to be prose counts it this way)."""
    return line_stats(lines)[0]


def line_stats(lines: list[str], codes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per line (compare keys, without line breaks): its words (as :func:`word_counts`
    counts them), and a stable 64-bit hash (FNV-1a of the code points, then a murmur3 finaliser), the same
    in every process and run (``codes``: the lines' :func:`code_points`, if at hand)."""
    if not lines:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    if codes is None:
        if any("\n" in line for line in lines):
            raise ValueError("line_stats counts lines: a line may not hold a line break")
        codes = code_points(lines)
    return _line_stats(codes, char_classes(), len(lines))


@njit(cache=True, nogil=True, inline="always")
def mix64(h):  # pragma: no cover - compiled
    """murmur3's 64-bit finaliser: every input bit moves every output bit."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@njit(cache=True, nogil=True)
def _line_stats(codes, table, n):  # pragma: no cover - compiled
    counts = np.zeros(n, dtype=np.int64)
    hashes = np.zeros(n, dtype=np.uint64)
    line, prev_word, cjk = 0, False, 0
    h = np.uint64(0xCBF29CE484222325)
    for i in range(codes.size + 1):
        if i == codes.size or codes[i] == 10:
            counts[line] = max(counts[line], cjk // 2)
            cjk = 0
            hashes[line] = mix64(h)
            line += 1
            h = np.uint64(0xCBF29CE484222325)
            prev_word = False
            continue
        bits = code_class(table, codes[i])
        word = (bits & WORD_CHAR) != 0
        cjk += (bits & CJK) != 0
        if word and not prev_word:
            counts[line] += 1
        prev_word = word
        h = (h ^ np.uint64(codes[i])) * np.uint64(0x100000001B3)
    return counts, hashes


def words(text: str) -> list[str]:
    """Word tokens (maximal runs of ``\\w``) of the compare key."""
    return WORD.findall(compare_key(text))


def key_hash(text: str) -> int:
    """A stable 64-bit hash of the compare key (the same in every process and run)."""
    return int(line_stats([compare_key(text)])[1][0])
