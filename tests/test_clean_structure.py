"""Two kinds the cleaner now tells apart by shape, never by a site or a phrase:

* a post's meta line (a byline, stamp or category strung together with share, comment or
  print controls) is removed; a line of labelled facts without controls is kept;
* a list-shaped article (a meal plan, a recipe collection) keeps the item labels it
  repeats in every section, while a menu printed twice around the article still goes.

The removed meta lines are real lines of pages in ext-dev/dragnet and aeb-dupes-dev;
the kept ones are real lines of a recipe page and of news pages' bylines."""

from __future__ import annotations

import json
import re

import pytest

from newsdedup.clean import draft, finish
from newsdedup.clean.rules import is_meta_line
from newsdedup.clean.text import META_LINE, REPEATED, REPEATED_BLOCK
from newsdedup.records import Record

from .conftest import FIXTURES, shared
from .test_clean_rules import BODY

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


def clean(lines: list[str]):
    return finish(draft(Record(doc_id="t", source="t", text="\n".join(lines))))


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


# A real list-shaped article: aeb-dupes-dev's original_txt 4221892a160208e3 copied byte for
# byte (built from the AEB dev pages, MIT licence; the content belongs to its publisher): a
# menu printed twice, three paragraphs of prose, six sections that repeat their item labels
# ("Meal 1", "Eat every 2-3 hours"), a related-articles list, social links and legal lines.
LIST_PAGE = (FIXTURES / "list_article.txt").read_text(encoding="utf-8")
ARTICLE_LINES = (163, 590)  # 1-based lines of the page that hold the article (its clean truth)


def test_a_list_article_keeps_the_labels_it_repeats_in_every_section_and_loses_its_menus():
    lines = [line.strip() for line in LIST_PAGE.splitlines()]
    first, last = ARTICLE_LINES
    article = [line for line in lines[first:last] if line]
    c = finish(draft(Record(doc_id="t", source="t", text=LIST_PAGE)))
    assert c.paragraphs == article
    removed = {text for _, text, _ in c.removed}
    assert {line for line in lines[:first] + lines[last:] if line} - {c.title} <= removed


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def test_a_real_meal_plan_page_keeps_its_list_body():
    """The aeb-dupes-dev meal plan (found by the shape of its truth: one label line in
    the truth more than five times) lost 3/4 of its body as 'repeated' before."""
    data = shared("aeb-dupes-dev")
    meta = dict(line.strip().split(",")[::2][:1] + [line.strip().split(",")[2]]
                for line in (data / "meta.csv").read_text().splitlines()[1:])
    truths = {r["id"]: r["text"] for r in map(json.loads, (data / "clean_truth.jsonl").read_text().splitlines())}
    pages = [i for i, kind in meta.items() if kind == "original_txt"
             and max((truths[i].split("\n").count(line) for line in set(truths[i].split("\n")) if line.strip()),
                     default=0) > 5]
    if not pages:
        pytest.skip("no list-shaped page in this build of aeb-dupes-dev")
    for i in pages:
        c = finish(draft(Record(doc_id=i, source=i, text=(data / "docs" / f"{i}.txt").read_text(encoding="utf-8"))))
        truth, got = _words(truths[i]), _words(c.text)
        assert len(got) >= 0.95 * len(truth), (i, len(got), len(truth))
