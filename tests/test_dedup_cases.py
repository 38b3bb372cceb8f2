"""Cluster decisions on one real story and its look-alikes (tests/fixtures/aeb_dupes)."""

from __future__ import annotations

import random

import pytest

import newsdedup

from .conftest import FIXTURES

CASES = FIXTURES / "aeb_dupes"
STORY = {"original", "page", "recrawl", "syndicated", "edited"}


def files():
    return sorted(p for p in CASES.iterdir() if p.suffix in (".txt", ".html"))


@pytest.fixture(scope="module")
def result():
    return newsdedup.run(files(), newsdedup.Config(workers=1))


def clusters(result) -> dict[str, str]:
    return dict(zip(result.documents["doc_id"], result.documents["cluster_id"]))


def test_recrawl_syndicated_edited_and_html_copies_form_one_cluster(result):
    c = clusters(result)
    assert len({c[d] for d in STORY}) == 1


@pytest.mark.parametrize("lookalike", ["mashup", "teaser"])
def test_mashup_and_teaser_stay_out_of_the_story(result, lookalike):
    c = clusters(result)
    assert c[lookalike] != c["original"]
    assert sum(v == c[lookalike] for v in c.values()) == 1


def test_every_story_pair_was_verified_with_a_reason(result):
    pairs = result.pairs[result.pairs["decision"] == "duplicate"]
    verified = {frozenset((a, b)) for a, b in zip(pairs["doc_a"], pairs["doc_b"])}
    # the story's members are connected through verified pairs, each with its numbers
    assert all(pairs["reason"].str.len() > 0)
    assert (pairs["jaccard"] > 0.5).all()
    assert any("original" in p for p in verified)


def test_the_edited_copy_is_similar_but_not_identical(result):
    docs = result.documents.set_index("doc_id")
    assert docs.at["edited", "status"] == "duplicate"
    assert 0.6 < docs.at["edited", "similarity"] < 0.95


def test_the_mashup_shares_paragraphs_with_the_story_across_clusters(result):
    m = result.matches
    across = m[~m["same_cluster"] & ((m["doc_a"] == "mashup") | (m["doc_b"] == "mashup"))]
    partners = set(across["doc_a"]) | set(across["doc_b"])
    assert partners & STORY
    assert (across["score"] >= 80).all()


def test_clusters_do_not_depend_on_input_order():
    paths = files()
    reference = clusters(newsdedup.run(paths, newsdedup.Config(workers=1)))
    for seed in range(3):
        shuffled = list(paths)
        random.Random(seed).shuffle(shuffled)
        assert clusters(newsdedup.run(shuffled, newsdedup.Config(workers=1))) == reference
