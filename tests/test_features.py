"""The compiled line features against their plain-Python definitions, on generated pages."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsdedup.clean.features import INDEX, line_features, stoplists
from newsdedup.clean.paragraphs import segment
from newsdedup.normalize import compare_key

WORDS = ["the", "of", "and", "council", "voted", "bridge", "2024", "menu", "share", "it", "der", "und",
         "Über", "news", "said", "«", "|", "-", "/", "12", "Tuesday", "(3)", "“quoted”", "ok."]
LINE = st.lists(st.sampled_from(WORDS), min_size=1, max_size=25).map(" ".join)
ENDING = st.sampled_from(["", ".", "!", ":", ".”", "?)", " 🙂"])
PAGE = st.lists(st.tuples(LINE, ENDING, st.sampled_from(["\n", "\n\n"])), min_size=1, max_size=30).map(
    lambda lines: "".join(text + end + gap for text, end, gap in lines))


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", compare_key(text))


@settings(max_examples=60, deadline=None)
@given(PAGE)
def test_line_features_match_their_definitions(page):
    paragraphs = segment(page)
    X = line_features(paragraphs)
    texts = [p.text for p in paragraphs]
    tokens = [_tokens(t) for t in texts]
    every = [w for line in tokens for w in line]
    lists = stoplists()
    english = lists["English"]
    if every and sum(w in english for w in every[:400]) < 0.25 * len(every[:400]):
        vocabulary = set(every[:400])
        english = max(lists.values(), key=lambda s: len(s & vocabulary))  # first max: dicts keep order
    title = set(tokens[0])
    for i, (text, words) in enumerate(zip(texts, tokens)):
        row = X[i]
        assert row[INDEX["log_chars"]] == np.float32(np.log1p(len(text)))
        stops = sum(w in english for w in words)
        assert row[INDEX["stop_ratio"]] == np.float32(stops / max(len(words), 1))
        assert row[INDEX["comma_per_word"]] == np.float32(text.count(",") / max(len(words), 1))
        separators = sum(text.count(c) for c in "|»›•·►▶→←«‹") + text.count(" - ") + text.count(" / ")
        assert row[INDEX["separators"]] == separators
        assert row[INDEX["ends_colon"]] == text.endswith(":")
        assert row[INDEX["terminal"]] == (text.rstrip("\"'”’»)]」』")[-1:] in ".!?…。！？")
        distinct = set(words)
        expected_title = 1.0 if i == 0 else len(distinct & title) / max(len(distinct), 1)
        assert row[INDEX["title_overlap"]] == np.float32(expected_title)
        assert row[INDEX["repeats_in_doc"]] == sum(p.key == paragraphs[i].key for p in paragraphs) - 1
        assert row[INDEX["mean_word_len"]] == np.float32(sum(map(len, words)) / max(len(words), 1))


@settings(max_examples=60, deadline=None)
@given(PAGE)
def test_vocabulary_overlap_counts_words_of_other_prose_lines(page):
    paragraphs = segment(page)
    X = line_features(paragraphs)
    prose = X[:, INDEX["prose"]] > 0
    english = stoplists()["English"]
    tokens = [_tokens(p.text) for p in paragraphs]
    if any(len(t) for t in tokens) and (lambda s: sum(w in english for w in s) < 0.25 * len(s))(
            [w for t in tokens for w in t][:400]):
        return  # another stoplist decides what a content word is; the definition above covers picking it
    content = [[w for w in t if len(w) > 2 and w not in english and not w.isdigit()] for t in tokens]
    for i, words in enumerate(content):
        others = set().union(*(set(c) for j, c in enumerate(content) if j != i and prose[j]))
        expected = sum(w in others for w in words) / max(len(words), 1)
        assert X[i, INDEX["vocab_overlap"]] == np.float32(expected)


DATE = re.compile(  # the definition is_date implements: one pattern, no hints
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?[^\S\n]*\d{1,2}\b|\b\d{1,2}:\d{2}\b|\b\d+\s*(?:[mhd]|min|mins|hrs?|"
    r"hours?|days?|minutes?)[^\S\n]+ago\b|\b(?:19|20)\d{2}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", re.I)
DATE_PARTS = ["Jan", "JANUARY", "Sept", "sep", "ſep", "Dec.", "Dec.5", "Jan5", "may", "April", "Aprıl", "5", "12", "2019-11-18", "10:30",
              "3 hours ago", "5h ago", "1/5/24", "١٢", "１２", "²", " ", ".", "-", "/", ":", "x", "Über", "ago"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(DATE_PARTS), min_size=1, max_size=8).map("".join))
@example("Aprıl 5")  # re.IGNORECASE reads a dotless i as i
@example("ſept. 12")
@example("Dec.5")
def test_is_date_is_its_pattern(text):
    from newsdedup.clean.features import is_date
    from newsdedup.normalize import tidy

    text = tidy(text)
    assert is_date(text, compare_key(text)) == (DATE.search(text) is not None)


COUNT = re.compile(r"\d+$|\d+[.)]\s|.*\(\d+\)$")  # the count column's definition, anchored at the start


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(DATE_PARTS + ["(3)", "1. ", "2)", "x "]), min_size=1, max_size=8)
                .map("".join), min_size=1, max_size=6).map("\n".join))
@example("the 3 jan5 things\nJan\u00a05, 10:30\n4) ſept. 12\n𝟓 cats (12)")
def test_count_and_date_columns_are_their_patterns_on_every_line(page):
    """The compiled hints only skip lines: every line's columns are what the patterns say."""
    paragraphs = segment(page)
    X = line_features(paragraphs)
    for i, p in enumerate(paragraphs):
        has_digit = X[i, INDEX["digit_ratio"]] > 0  # lines without a digit are not searched at all
        assert X[i, INDEX["date_time"]] == (has_digit and DATE.search(p.text) is not None), p.text
        assert X[i, INDEX["count_pattern"]] == (has_digit and COUNT.match(p.text) is not None), p.text
