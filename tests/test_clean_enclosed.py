"""Lines the text model drops between two kept prose paragraphs come back when no rule
removed anything there: an article's text is contiguous (lines in the shape of real
pages of ext-dev/readability: a code listing with its output table, lines of dialogue)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from newsdedup.clean.model import text_model
from newsdedup.clean.paragraphs import make_paragraphs
from newsdedup.clean.text import label

from .test_clean_rules import BODY

LISTING = [
    "db=# WITH stats AS (SELECT status_code, AVG (entries) AS mean_entries FROM server_log GROUP BY status_code)",
    "status_code │ mean_entries │ zscore │ alert",
    "404 │ 12.5 │ 3.1 │ t",
]
DIALOGUE = ["“Richy?”", "“Gotcha.”", "“Do you want to come?”"]


def labelled(lines: list[str], dropped: set[int], model=None):
    """Labels of ``lines`` as if the model scored the ``dropped`` lines as furniture."""
    paras = make_paragraphs(lines)
    scores = np.array([0.01 if i in dropped else 0.99 for i in range(len(paras))])
    return label(paras, model=model or text_model(), scores=scores).reasons


@pytest.mark.parametrize("inner", [LISTING, DIALOGUE])
def test_lines_the_model_dropped_inside_the_article_come_back(inner):
    lines = BODY[:4] + inner + BODY[4:]
    reasons = labelled(lines, set(range(4, 4 + len(inner))))
    assert reasons == [None] * len(lines)


def test_not_across_a_line_a_rule_removed():
    # the rule alone, lines kept by a per-line threshold: the page's segmentation
    # (test_clean_segmentation.py) keeps two short lines between prose whatever they score
    lines = BODY[:4] + [DIALOGUE[0], "Advertisement", DIALOGUE[1]] + BODY[4:]
    reasons = labelled(lines, {4, 6}, replace(text_model(), switch_cost=0.0))
    assert reasons[4] is not None and reasons[5] == "navigation" and reasons[6] is not None


def test_not_after_the_last_prose_paragraph():
    lines = BODY + DIALOGUE
    reasons = labelled(lines, set(range(len(BODY), len(lines))))
    assert all(r is not None for r in reasons[len(BODY):])


def test_a_text_without_prose_comes_back_whole_whatever_the_model_picks():
    # an index page: headlines only; the model's pick of a few of them would glue an
    # arbitrary fragment together, the whole list comes back (and is flagged as a list)
    headlines = ["Storm knocks out power to 40,000 homes across the valley", "School board delays vote on new start times",
                 "Police identify driver in Route 9 crash", "Local bakery wins state award for sourdough",
                 "What to know about the new recycling rules", "Council approves budget with 3% tax increase"]
    reasons = labelled(headlines, {0, 2, 3, 5})
    assert [r for r in reasons if r not in (None, "headline")] == []
