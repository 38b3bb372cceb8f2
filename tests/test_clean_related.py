""""Related stories" lists after the article (plain text): a run of other stories'
headlines goes as navigation; lists that are the article's own (inside it, or results
and dates sharing one shape) stay. The removed list is three real lines of an AEB dev
page (MIT); the kept ones are written for these tests in the shape of real pages."""

from __future__ import annotations

from newsdedup.clean.text import NAVIGATION, _mark_related_lists

from .test_clean_rules import BODY, clean, marked

RELATED = [
    "15 Amazing Images of Stars",
    "11 Fascinating Facts About Our Milky Way Galaxy",
    "The 11 Biggest Unanswered Questions About Dark Matter",
]
TOUR_DATES = [
    "June 9 – West Palm Beach, FL @ Harbor Amphitheatre",
    "June 10 – Tampa, FL @ Bayside Arena",
    "June 14 – Alpharetta, GA @ Northgate Pavilion",
    "June 17 – Nashville, TN @ River Arena",
]
RESULTS = ["Harbor City d. Lakeside 70-44", "Northgate d. Riverside 53-9", "Central d. West Shore 61-21"]
STANDINGS = ["Pos. Driver Points Wins", "1 Kyle Lane 5040 5", "2 Martin Shaw Jr. 5035 7", "3 Kevin Hart 5033 4",
             "4 Denny Hale 5027 6"]
TEAM_POINTS = ["Harbor City 44", "Northgate Rangers 40", "Central 38", "West Shore Owls 31"]


def reasons_after(lines: list[str]) -> list[str | None]:
    return marked(_mark_related_lists, lines)


def test_headlines_after_the_last_paragraph_are_navigation_with_their_heading():
    reasons = reasons_after(BODY + ["Related Reading"] + RELATED)
    assert reasons == [None] * len(BODY) + [NAVIGATION] * (1 + len(RELATED))


def test_a_whole_page_loses_the_list_and_keeps_the_article():
    cleaned = clean(["Night buses to the airport", *BODY, *RELATED, "Originally published on the wire."])
    assert cleaned.paragraphs == BODY
    assert not any(line in cleaned.paragraphs for line in RELATED)


def test_headlines_inside_the_article_are_kept():
    assert reasons_after(BODY[:4] + RELATED + BODY[4:]) == [None] * (len(BODY) + len(RELATED))


def test_two_headlines_are_not_a_list():
    assert reasons_after(BODY + RELATED[:2]) == [None] * (len(BODY) + 2)


def test_tour_dates_and_results_after_the_article_are_its_own_lists():
    assert reasons_after(BODY + TOUR_DATES) == [None] * (len(BODY) + len(TOUR_DATES))
    assert reasons_after(BODY + RESULTS) == [None] * (len(BODY) + len(RESULTS))


def test_a_standings_table_after_the_article_is_kept():
    assert reasons_after(BODY + STANDINGS) == [None] * (len(BODY) + len(STANDINGS))
    assert reasons_after(BODY + TEAM_POINTS) == [None] * (len(BODY) + len(TEAM_POINTS))
