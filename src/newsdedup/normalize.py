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
import hashlib

_QUOTES_DASHES = str.maketrans({
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\uff07", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
})
_SPACES = re.compile(r"[^\S\n]+")
_BLANKS = re.compile(r"\s+")
WORD = re.compile(r"\w+")


def tidy(text: str) -> str:
    """NFC, no zero-width characters, single spaces inside lines, lines stripped."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate({0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None, 0xFEFF: None, 0xAD: None})
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def compare_key(text: str) -> str:
    """The form of ``text`` that comparisons use: NFKC, casefolded, plain quotes and dashes, single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES_DASHES).casefold()
    return _BLANKS.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """Word tokens (maximal runs of ``\\w``) of the compare key."""
    return WORD.findall(compare_key(text))


def key_hash(text: str) -> int:
    """A stable 64-bit hash of the compare key (the same in every process and run)."""
    digest = hashlib.blake2b(compare_key(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")
