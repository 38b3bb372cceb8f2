"""Cue anchors are only a shortcut: the cues found through them are the cues every pattern finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.clean.rules import _COMPILED, CUES, UI_LABEL, Cues, _tally, document_cues
from newsdedup.normalize import compare_key

# every word the cue patterns spell, split at their spaces, plus neighbours that look alike
PATTERN_WORDS = sorted({w for _, _, pattern, _ in CUES
                        for w in re.findall(r"[a-z@©]+", re.sub(r"\\[a-zA-Z]", " ", pattern)) if len(w) > 1})
WORDS = PATTERN_WORDS + ["a", "the", "an", "us", "me", "2024", "(c)", "-", "@user", "blog", "login", "e-mail",
                         "follow", "here", "read", "like", "top", "all", "log-in", "sign-up", "you", "may"]
LINE = st.lists(st.sampled_from(WORDS), min_size=1, max_size=9).map(lambda ws: compare_key(" ".join(ws)))


def every_pattern(key: str) -> Cues:
    """The cues of a line with no anchor shortcut: every pattern runs."""
    if len(key) <= 40 and UI_LABEL.match(key):
        return Cues("navigation", 1, 0)
    if UI_LABEL.match(key):
        return Cues(None, 0, 0)
    return _tally((c, len(c[2].findall(key))) for c in _COMPILED)


# text each cue pattern matches, as hypothesis spells it, among ordinary words
MATCHING = st.one_of(*(st.from_regex(pattern, fullmatch=True) for _, _, pattern, _ in CUES)).map(
    lambda text: text.replace("\n", " "))
MIXED_LINE = st.lists(st.one_of(MATCHING, st.sampled_from(WORDS)), min_size=1, max_size=5).map(" ".join)


@settings(max_examples=400)
@given(st.lists(LINE, min_size=1, max_size=6))
def test_anchored_cues_equal_every_pattern_on_every_line(keys):
    assert document_cues(keys) == [every_pattern(k) for k in keys]


@settings(max_examples=300)
@given(st.lists(MIXED_LINE, min_size=1, max_size=4))
def test_every_spelling_a_pattern_matches_holds_one_of_its_anchors(keys):
    assert document_cues(keys) == [every_pattern(k) for k in keys]


# long lines: matches far apart, so that a pattern runs on a span of the line around its anchors
LONG_LINE = st.lists(st.one_of(MATCHING, st.sampled_from(WORDS), st.just("the council met on tuesday and said")),
                     min_size=8, max_size=40).map(" ".join)


@settings(max_examples=300)
@given(st.lists(LONG_LINE, min_size=1, max_size=3))
def test_patterns_run_around_their_anchors_count_what_they_count_on_the_whole_line(keys):
    assert document_cues(keys) == [every_pattern(k) for k in keys]


def test_keys_holding_a_line_break_get_their_own_cues():
    keys = ["subscribe\nnow", "menu\n", "share", "the council met\non tuesday", "more" + "." * 40 + "\n"]
    assert document_cues(keys) == [every_pattern(k) for k in keys]


def test_cues_of_lines_with_characters_outside_the_anchor_alphabet():
    keys = ["😀 subscribe now", "日本語 newsletter © 2024", "", "ünsubscribe", "sign up\u2028here"]
    assert document_cues(keys) == [every_pattern(k) for k in keys]


def test_a_line_holding_every_cue_anchor():
    """More (line, cue) spans than lines: the compiled scan's span table grows."""
    line = " ".join(anchors[0] for _, _, _, anchors in CUES)
    keys = [line, "the council met on tuesday", line + " and more"]
    assert document_cues(keys) == [every_pattern(k) for k in keys]
    assert document_cues(keys)[0].kind is not None
