"""A profile closing the page (plain text): a heading naming someone and a paragraph about
them, after the article, goes as ``after_article``; the article's own sections under names
(a list of profiles, a subheading whose word the paragraph repeats) stay. The removed
profiles are real lines: an AEB dev page (MIT) and a Readability test page (Apache-2.0);
the kept lists are written for these tests in the shape of real pages."""

from __future__ import annotations

from newsdedup.clean.text import FOOTER, _mark_profile_box

from .test_clean_rules import BODY, clean, marked

AUTHOR_PT = [
    "Sobre Carlos Nadalim",
    "Pai de Francesco e Teresa e marido de Bárbara, Carlos Nadalim é também coordenador pedagógico na escola "
    "Mundo do Balão Mágico, em Londrina, cidade onde mora.",
]
STORY_EN = [
    "Admittedly, the differences between the original trilogy’s unaltered cuts and the Special Editions appeal to "
    "more hardcore fans. Casual fans are less likely to care about whether Greedo or Han Solo shot first.",
    "ILM supervisor John Knoll, who first pitched the story idea for Rogue One, said last year that ILM finished a "
    "brand new 4K restoration print of A New Hope.",
]
AUTHOR_EN = [
    "James Akinaka",
    "James Akinaka arrives at Fandom by way of Wookieepedia. He covers Star Wars, superheroes, and animation and "
    "values bold, inclusive stories.",
]
PROFILES = [  # an article that is a list of people, each under a name
    "Ada Lovelace", "Ada Lovelace wrote the first published program for a machine that was never finished in her lifetime.",
    "Grace Hopper", "Grace Hopper built one of the first compilers and spent decades arguing for readable languages.",
    "Alan Turing", "Alan Turing described the universal machine that every computer today still follows in principle.",
]
ACRONYM_SECTION = [  # a closing section under a subheading whose word the paragraph repeats
    "Protect IP",
    "Keeping your IP safe starts with knowing what you own, who made it and under which contract it was made.",
]


def reasons_of(lines: list[str]) -> list[str | None]:
    return marked(_mark_profile_box, lines)


def test_an_authors_profile_after_the_article_goes():
    assert reasons_of(BODY + AUTHOR_PT) == [None] * len(BODY) + [FOOTER] * 2
    assert reasons_of(STORY_EN + AUTHOR_EN) == [None] * len(STORY_EN) + [FOOTER] * 2


def test_a_whole_page_keeps_the_article_without_the_profile():
    cleaned = clean(["Night buses to the airport", *BODY, *AUTHOR_PT])
    assert cleaned.paragraphs == BODY


def test_a_list_of_profiles_is_the_article():
    assert reasons_of(BODY[:2] + PROFILES) == [None] * (2 + len(PROFILES))


def test_a_profile_needs_an_article_before_it():
    assert reasons_of(AUTHOR_EN) == [None, None]


def test_a_profile_is_the_end_of_the_page():
    lines = BODY[:4] + AUTHOR_EN + BODY[4:]
    assert reasons_of(lines) == [None] * len(lines)


def test_a_subheading_of_capitals_is_no_name():
    assert reasons_of(BODY + ACRONYM_SECTION) == [None] * (len(BODY) + 2)
