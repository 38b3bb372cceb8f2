"""The whole-page decoding of the text model's line scores (clean/decode.py): the best
segmentation against brute force, and on real pages (../shared/data, skipped when absent)
what it keeps and removes that a per-line threshold did not."""

from __future__ import annotations

import gzip
import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.clean import clean_records
from newsdedup.clean.decode import keep_mask
from newsdedup.clean.model import text_model
from newsdedup.records import Record

from .conftest import shared


def _brute_force(scores, candidates, threshold, cost):
    idx = [i for i, c in enumerate(candidates) if c]
    best = -np.inf
    for states in itertools.product([0, 1], repeat=len(idx)):
        total = sum(s * (scores[i] - threshold) for s, i in zip(states, idx))
        edges = (0, *states, 0)  # the page starts and ends outside the article
        total -= cost * sum(a != b for a, b in zip(edges, edges[1:]))
        best = max(best, total)
    return best


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=10), st.floats(0.01, 0.5))
def test_segmentation_finds_the_best_labelling(lines, cost):
    scores = np.array([s for s, _ in lines])
    candidates = np.array([c for _, c in lines])
    keep = keep_mask(scores, candidates, 0.5, cost)
    idx = np.flatnonzero(candidates)
    states = [int(keep[i]) for i in idx]
    edges = (0, *states, 0)
    total = sum(s * (scores[i] - 0.5) for s, i in zip(states, idx)) - cost * sum(
        a != b for a, b in zip(edges, edges[1:]))
    assert math.isclose(total, _brute_force(scores, candidates, 0.5, cost), abs_tol=1e-9)
    # lines the rules removed keep the per-line decision (the caller ignores them)
    assert all(keep[i] == (scores[i] >= 0.5) for i in np.flatnonzero(~candidates))


def test_without_a_switch_cost_the_threshold_decides():
    scores = np.array([0.9, 0.45, 0.9, 0.1, 0.55, 0.1])
    assert keep_mask(scores, np.ones(6, bool), 0.5, 0.0).tolist() == (scores >= 0.5).tolist()


def _clean_lines(path) -> list[str]:
    text = gzip.open(path, "rt", encoding="utf-8").read() if path.suffix == ".gz" else path.read_text(encoding="utf-8")
    return clean_records([Record(doc_id="page", source="page", text=text)])[0].text.split("\n")


def test_the_shipped_model_segments_the_page():
    assert text_model().switch_cost > 0


def test_an_articles_closing_info_box_stays_with_it():
    # an event article ending in its staff list, ticket prices and contact: short label and
    # value lines, a few of them scored just under the threshold, between the article's
    # prose and the share buttons
    lines = _clean_lines(shared("aeb-dev") / "text" /
                         "5211188428849a31e309ef2475746563ff788b1591c89818c08d5abedec4ef5e.txt.gz")
    for kept in ("Ticketing", "VIP : 60,000₩", "R : 50,000₩", "Inquiry", "02-751-1500"):
        assert kept in lines
    assert "We hope to see you soon! 🙂" in lines  # the article's prose
    assert not any(line.startswith("Share on") for line in lines)


def test_a_related_headline_above_the_article_goes_with_the_links_around_it():
    # a news page whose list of other stories' headlines ends right above the article: the
    # last headline, scored as article text beside the lede, is a segment of its own
    lines = _clean_lines(shared("ext-dev") / "readability" / "text" / "nytimes-2.txt")
    assert "Chris Rokos Is Said to Be Seeking to Raise More Than $2 Billion" not in lines
    assert lines[0].startswith("Yahoo ’s $4.8 billion sale to Verizon is a complicated beast")


def test_prose_the_model_keeps_stays_outside_the_segment():
    # a lede set apart from the body by a caption and a link is kept on its own score
    scores = np.array([0.7, 0.1, 0.1, 0.95, 0.95, 0.95])
    protected = np.array([True, False, False, True, True, True])
    weights = np.array([4.0, 2.0, 1.0, 4.0, 4.0, 4.0])
    assert keep_mask(scores, np.ones(6, bool), 0.5, 0.6, weights).tolist()[0] is False
    assert keep_mask(scores, np.ones(6, bool), 0.5, 0.6, weights, protected).tolist() == [
        True, False, False, True, True, True]
