"""The plain-text cleaner on the five seed articles: boilerplate gone, every article paragraph kept."""

from __future__ import annotations

import pytest

from newsdedup.clean import clean_records, draft, finish
from newsdedup.normalize import tidy
from newsdedup.read import read_inputs

from .conftest import CORPUS, SEED

HEADLINES = {
    "000": "This Obama Official Is Going to Bat for Hillary in Nevada",
    "001": "This Obama Official Is Going to Bat for Hillary in Nevada",
    "002": "Secretary Of Labor Thomas Perez Endorses Hillary Clinton For President",
    "003": "Labor Secretary Tom Perez is Backing Hillary Clinton for President",
}

# Lines of each seed that are not article text (the headline goes to title).
BOILERPLATE = {
    "000": [],
    "001": ["Fight disinformation: Sign up for the free Mother Jones Daily newsletter",
            "WE'LL BE BLUNT.", "We have a considerable $390,000 gap", "We'll also be quite transparent",
            "In \"News Never Pays,\"", "And it's what MoJo and our community", "But staying afloat is harder",
            "In \"This Is Not a Crisis.", "You're here for reporting like that", "And we hope you might consider",
            "payment methods", "We Recommend", "Latest", "Sign up for our free newsletter",
            "Subscribe to the Mother Jones Daily", "Get our award-winning magazine", "Save big on a full year",
            "Subscribe", "Support our journalism", "Help Mother Jones' reporters", "Donate"],
    "002": ["Elections", "Daily Caller News Foundation logo", "Font Size:", "Follow Connor on Twitter",
            "Content created by The Daily Caller News Foundation", "All content created by the Daily Caller"],
    "003": ["IE 11 is not supported.", "Follow NBC News Latino on Facebook"],
    "004": [],
}

MUST_NOT_APPEAR = ["WE'LL BE BLUNT", "payment methods", "Sign up", "Subscribe", "Donate", "newsletter",
                   "Font Size:", "Daily Caller News Foundation logo", "Follow Connor on Twitter",
                   "licensing@dailycallernewsfoundation.org", "available without charge",
                   "IE 11 is not supported", "Follow NBC News Latino", "We Recommend", "Latest"]


@pytest.fixture(scope="module")
def cleaned():
    return {c.doc_id.split("_")[0]: c for c in clean_records(read_inputs(CORPUS))}


def _lines(seed: str) -> list[str]:
    return [line for line in tidy((CORPUS / f"{SEED[seed]}.txt").read_text()).split("\n") if line]


@pytest.mark.parametrize("seed", sorted(SEED))
def test_no_boilerplate_left(cleaned, seed):
    text = cleaned[seed].text
    for phrase in MUST_NOT_APPEAR:
        assert phrase not in text, f"{phrase!r} survived in {seed}"


@pytest.mark.parametrize("seed", sorted(SEED))
def test_every_article_paragraph_kept(cleaned, seed):
    kept = cleaned[seed].paragraphs
    noise = BOILERPLATE[seed] + ([HEADLINES[seed]] if seed in HEADLINES else [])
    article = [line for line in _lines(seed) if not any(line.startswith(n) for n in noise)]
    assert article, "the seed has article text"
    assert kept == article


@pytest.mark.parametrize("seed", sorted(HEADLINES))
def test_headline_goes_to_title(cleaned, seed):
    assert cleaned[seed].title == HEADLINES[seed]
    assert HEADLINES[seed] not in cleaned[seed].text


def test_article_without_headline_has_no_title(cleaned):
    assert cleaned["004"].title is None


def test_two_copies_clean_to_the_same_text(cleaned):
    assert cleaned["000"].text.split() == cleaned["001"].text.split()


def test_every_removal_has_a_reason(cleaned):
    for c in cleaned.values():
        assert all(reason for _, _, reason in c.removed)
        removed_lines = {text for _, text, _ in c.removed}
        assert not removed_lines & set(c.paragraphs)


def test_repeated_appeal_is_removed_as_a_repeated_block(cleaned):
    reasons = {text: reason for _, text, reason in cleaned["001"].removed}
    assert reasons["WE'LL BE BLUNT."] == "repeated_block"
    assert reasons["payment methods"] == "repeated_block"


def test_removed_paragraphs_are_indexed_in_the_input(cleaned):
    lines = _lines("002")
    for index, text, _ in cleaned["002"].removed:
        assert lines[index] == text


def test_cleaning_one_document_alone_gives_the_same_text(cleaned):
    """The seeds need no corpus evidence: each cleans the same on its own."""
    for seed, name in SEED.items():
        alone = finish(draft(next(iter(read_inputs(CORPUS / f"{name}.txt")))))
        assert alone.text == cleaned[seed].text
