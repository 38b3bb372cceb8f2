"""HTML mode asks readability-lxml when trafilatura's text misses the page's title words."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from newsdedup.clean import clean_html
from newsdedup.clean import second_opinion as so
from .conftest import shared

WORD = re.compile(r"\w+")

ARTICLE_PAGE = """<html><head><title>Harbour council approves ferry budget</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>Harbour council approves ferry budget</h1>
<p>The harbour council approved the ferry budget on Tuesday after a long debate about fares,
timetables and the cost of repairing the old pier before the winter storms arrive.</p>
<p>Councillors said the ferry service would keep its evening crossings, and that the budget
sets aside money for a new waiting room on the mainland side of the crossing.</p>
<p>Residents who spoke at the meeting asked for cheaper season tickets for pupils and for
workers who cross every day; the council promised to publish a fare review in the spring.</p>
</article><footer>Contact us · Privacy</footer></body></html>"""


def test_title_share_counts_body_lines_not_headline_lines():
    words = so.title_words("The harbour council approves a ferry budget")
    assert words == {"harbour", "council", "approves", "ferry", "budget"}
    headline_only = ["Harbour council approves ferry budget", "Sport results from the weekend games"]
    assert so.title_share(words, headline_only) == 0.0  # the headline repeats the title: no evidence
    body = ["The council met at the harbour to discuss the ferry and its budget."]
    assert so.title_share(words, body) == pytest.approx(4 / 5)


def test_page_holding_its_title_words_never_asks_readability(monkeypatch):
    def fail(*args):
        raise AssertionError("readability asked although trafilatura's text holds the title's words")

    monkeypatch.setattr(so, "readability_lines", fail)
    text = clean_html(ARTICLE_PAGE)
    assert "approved the ferry budget on Tuesday" in text and "Privacy" not in text


def _recall(text: str, truth: str) -> float:
    def grams(t: str) -> set:
        w = WORD.findall(t)
        return {tuple(w[i:i + 4]) for i in range(len(w) - 3)}

    return len(grams(text) & grams(truth)) / len(grams(truth))


def test_page_whose_extraction_misses_its_title_takes_readabilitys_article(monkeypatch):
    """A blog page whose post sits beside a long list of contributors' names: trafilatura
    returns the list (none of the title's words), readability-lxml the post."""
    folder = shared("ext-dev/dragnet")
    truth = json.loads((folder / "ground-truth.json").read_text())["R163"]["articleBody"]
    html = gzip.open(folder / "html" / "R163.html.gz", "rt", encoding="utf-8").read()
    assert _recall(clean_html(html), truth) > 0.9
    monkeypatch.setattr(so, "TITLE_SHARE", 0.0)  # readability never asked: trafilatura's list
    assert _recall(clean_html(html), truth) < 0.1
