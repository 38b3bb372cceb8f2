"""A post's meta line (a byline, stamp or category strung together with share, comment or
print controls) is removed, by its shape, never by a site or a phrase; a line of labelled
facts without controls is kept. The removed meta lines are real lines of pages in
ext-dev/dragnet and aeb-dupes-dev (one byline written for the test); the kept ones are real
lines of a recipe page and of news pages' bylines."""

from __future__ import annotations

import pytest

from newsdedup.clean.rules import is_meta_line
from newsdedup.clean.text import META_LINE

from .test_clean_rules import BODY, clean

META_LINES = [
    "Posted in C++, Effective Concurrency, Reader Q&A | 7 Comments",
    "October 12, 2018 / 0 Comments / in Jeongdong Promotion / by jdadmin",
    "Posted October 29, 2012 at 9:35 am | Permalink",
    "Entries RSS | Comments RSS",
    "digg this | reddit",
    "By Jane Morrow | Share | Tweet",
]
NOT_META = [
    "Prep Time: 2 Hours | Cook Time: 10 Minutes | Difficulty: Easy | Servings: 16",
    "By Amy Kuperinsky | NJ Advance Media for NJ.com",
    "ABC News | Univision",
    "Share prices fell 3% on Tuesday / Wednesday, traders said.",
    "The vote was 5 | 4, with one abstention, and the measure now goes to the mayor for a signature.",
]


@pytest.mark.parametrize("line", META_LINES)
def test_meta_lines_are_recognised(line):
    assert is_meta_line(line)


@pytest.mark.parametrize("line", NOT_META)
def test_labelled_facts_and_plain_bylines_are_not_meta_lines(line):
    assert not is_meta_line(line)


def test_a_meta_line_above_the_article_is_removed_as_meta_line_and_the_article_kept():
    c = clean(["Night buses to the airport", META_LINES[1], *BODY, META_LINES[0]])
    reasons = {text: reason for _, text, reason in c.removed}
    assert reasons.get(META_LINES[1]) == META_LINE
    assert reasons.get(META_LINES[0]) == META_LINE
    assert c.paragraphs == BODY


def test_fast_checks_answer_as_the_slow_ones():
    """The shortcuts taken for speed (clean.paragraphs.has_digit, comments._says) give the
    answers of the checks they replace, on ASCII and other scripts' digits and spaces."""
    import re

    from newsdedup.clean.comments import _AGO, _DATE, _SAYS, _TIME, STAMP_OTHER_WORDS, STAMP_WORDS, _says, _stamp_others
    from newsdedup.clean.paragraphs import has_digit, make_paragraph

    def stamp_others(text: str) -> int | None:  # _stamp_others without its shortcuts
        if _AGO.search(text):
            rest = _AGO.sub(" ", text)
        elif _TIME.search(text) and _DATE.search(text):
            rest = _TIME.sub(" ", _DATE.sub(" ", text))
        else:
            return None
        others = len(re.findall(r"\w+", rest))
        return others if others <= STAMP_OTHER_WORDS else None

    lines = ["Area 12 km", "Area km²", "٣ days", "no digits here", "Jan Smith says:", "Jan said,  ",
             "Jan said,\u2003", "Jan says: hello", "by Ann (1234) writes :", "Ann says;", "Ann said,\n",
             "Jan Smith 3 DAYS AGO", "posted 2 Hours Ago by Ann", "August 8, 2018 at 3:17 pm",
             "Ann on Aug 9 at 9:02", "at 9:02 on a day", "Aug 9, 2018 Ann"]
    for line in lines:
        assert has_digit(line) == any(ch.isdigit() for ch in line), line
        assert _says(line) == bool(_SAYS.search(line)), line
        p = make_paragraph(line)
        if 0 < p.n_words <= STAMP_WORDS:
            assert _stamp_others(p) == stamp_others(p.text), line


def test_list_siblings_shape_only_what_can_match():
    """_keep_list_siblings shapes only the kept lines whose digits, full stops and commas
    can match a candidate's: it brings back what shaping every kept line brings back."""
    from collections import Counter

    from newsdedup.clean.paragraphs import make_paragraphs
    from newsdedup.clean.text import (LOW_CONTENT, SHORT_LINE_WORDS, SIBLINGS, _keep_list_siblings, line_shape,
                                      line_shapes)

    lines = ["Palm Bay d. Rockledge 70-44", "Cocoa d. West Shore 61-21", "Viera d. Melbourne 55-40",
             "Step 1, mix the flour", "Step 2, stir", "Step 3, bake", "Area km²", "Volume m²", "Depth ft²",
             "In 2018, the team won 3 games. Then it lost 2.", "Score 12 to 3", "Score 7 to 1", "Menu 4",
             "A line with no digit, at all.", "Chapter 9", "Chapter 10"]
    assert line_shapes(lines) == [line_shape(line) for line in lines]
    assert line_shapes(["a 1\nb 2", "c"]) == [line_shape("a 1\nb 2"), "a"] and line_shapes([]) == []
    paras = make_paragraphs(lines)
    before_model = [None] * len(paras)
    restored = 0
    for removed in range(1 << 5):  # which of a few lines the model removed
        picked = [i for b, i in enumerate((1, 4, 7, 11, 14)) if removed >> b & 1] + [12]
        reasons = [LOW_CONTENT if i in picked else None for i in range(len(paras))]
        expected = list(reasons)
        kept = Counter(line_shape(p.text) for p, r in zip(paras, reasons) if r is None)
        for i in picked:
            p = paras[i]
            if (p.n_words <= SHORT_LINE_WORDS and p.cues.kind is None and any(ch.isdigit() for ch in p.text)
                    and kept[line_shape(p.text)] >= SIBLINGS):
                expected[i] = None
        _keep_list_siblings(paras, reasons, before_model)
        assert reasons == expected
        restored += sum(reasons[i] is None for i in picked)
    assert restored > 0


def test_same_title_length_bound_changes_no_answer():
    """_same_title skips fuzz.ratio for lines far from the title's length: same answers as asking it."""
    import numpy as np
    from rapidfuzz import fuzz

    from newsdedup.align import scores
    from newsdedup.clean.text import _same_title

    def asked(a: str, b: str) -> bool:
        if not a or not b:
            return False
        if scores([a], [b], fuzz.ratio, 90, np.float64)[0] >= 90:
            return True
        short, long_ = sorted((a, b), key=len)
        return (len(short) >= 0.5 * len(long_) and len(short) >= 15
                and scores([short], [long_], fuzz.partial_ratio, 95, np.float64)[0] >= 95)

    title = "storm closes schools across the county"
    lines = [title, title + " - the daily news", title[:30], title[:34], title[:36], title + "!", "home", "menu",
             title.replace("county", "city"), "storm closes schools across the county as rain goes on", ""]
    for line in lines:
        for a, b in ((line, title), (title, line)):
            assert _same_title(a, b) == asked(a, b), (a, b)
    assert sum(_same_title(line, title) for line in lines) >= 3
