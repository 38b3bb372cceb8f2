"""The normalisation helpers every stage compares text with, against their plain definitions."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from newsdedup.normalize import compare_key, compare_keys, tidy, word_counts

# Basic Multilingual Plane text with the characters scraped pages are made of: letters of
# several scripts, digits, punctuation, every kind of space and line break
BMP_TEXT = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=60)


CJK_CHAR = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@given(st.lists(BMP_TEXT.map(lambda t: t.replace("\n", " ")), max_size=20))
def test_word_counts_are_word_runs_or_half_the_cjk_characters(lines):
    assert word_counts(lines).tolist() == [max(len(re.findall(r"\w+", line)), len(CJK_CHAR.findall(line)) // 2)
                                           for line in lines]


def test_a_japanese_sentence_counts_as_many_words():
    sentence = "使わない時はタスクバーに格納しておき、いつでも呼び出せるようにしていました。"
    assert len(re.findall(r"\w+", sentence)) == 2
    assert word_counts([sentence, "Two words"]).tolist() == [18, 2]  # 36 CJK characters


@given(BMP_TEXT)
def test_compare_key_collapses_whitespace_like_a_regex(text):
    key = compare_key(text)
    assert key == re.sub(r"\s+", " ", key).strip()


def test_compare_key_folds_case_quotes_dashes_and_width():
    assert compare_key("  \u201cIt\u2019s  ＯＫ\u201d \u2014 she\u00a0said\n") == "\"it's ok\" - she said"


@given(st.lists(BMP_TEXT.map(lambda t: t.replace("\n", " ")), max_size=10))
def test_compare_keys_is_compare_key_of_each_line(lines):
    assert compare_keys(lines) == [compare_key(line) for line in lines]


@given(st.lists(BMP_TEXT.map(lambda t: tidy(t.replace("\n", " "))), max_size=10))
@example(["\u00a8a", "b \u00a8", "a \u00a8 b", "x"])  # NFKC: a space and a combining mark, at an end or by a space
def test_compare_keys_of_tidied_lines_skip_nothing(lines):
    assert compare_keys(lines, tidied=True) == [compare_key(line) for line in lines]


def test_word_counts_refuse_a_line_holding_a_line_break():
    import pytest

    with pytest.raises(ValueError, match="line break"):
        word_counts(["one line", "two\nlines"])


@given(BMP_TEXT)
@example("a\u00a0b\n c \nd\te\u2028f  g\u3000")
def test_tidy_is_lines_split_into_words_and_joined(text):
    """The quick check that spares most lines the split changes nothing."""
    import unicodedata

    plain = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    for ch in "\u200b\u200c\u200d\u2060\ufeff\u00ad":
        plain = plain.replace(ch, "")
    assert tidy(text) == "\n".join(" ".join(line.split()) for line in plain.split("\n"))


def test_tidy_lines_whole_text_check_agrees_line_by_line():
    """tidy_lines' check of the whole text answers as the line-by-line one does."""
    from newsdedup.normalize import _tidy_line, _tidy_text

    for text in ["a\nb c", "a \nb", "a\n b", " a\nb", "a\nb ", "a\n\nb", "a  b\nc", "a\tb\nc", "a\nb\u00a0c", "",
                 "\n", "a\u2028b\nc", "x\n\ny z."]:
        assert _tidy_text(text) == all(_tidy_line(line) for line in text.split("\n")), repr(text)
