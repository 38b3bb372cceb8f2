"""A long article's later sections, each under its own subheading, stay with the article
when the model cut it off after the first ones (lines in the shape of a real technical
blog post of ext-dev/readability); the walk stops at furniture a rule recognised."""

from __future__ import annotations

import numpy as np

from newsdedup.clean.model import text_model
from newsdedup.clean.paragraphs import make_paragraphs
from newsdedup.clean.text import label

from .test_clean_rules import BODY

SECTIONS = [  # written for this test
    "Task scheduling",
    "Clients can schedule tasks to run at a given time, or right away when no time is given.",
    "Priority based execution",
    "Tasks with a higher priority run before tasks with a lower one, whatever order they came in.",
    "Isolation",
    "Tasks of one team never wait for the tasks of another, even when both run on the same workers.",
]
TEASER = "Our most read story this week: how the old tram depot became the city's favourite market hall."


def labelled(lines: list[str], high: set[int]):
    paras = make_paragraphs(lines)
    scores = np.array([0.95 if i in high else 0.1 for i in range(len(paras))])
    return label(paras, model=text_model(), scores=scores).reasons


def test_sections_under_subheadings_after_the_models_cut_stay_with_the_article():
    lines = BODY[:4] + SECTIONS
    reasons = labelled(lines, set(range(4)))
    assert reasons == [None] * len(lines)


def test_the_walk_stops_at_a_line_a_rule_removed():
    lines = BODY[:4] + SECTIONS[:2] + ["Share this article", TEASER]
    reasons = labelled(lines, set(range(4)))
    assert reasons[:6] == [None] * 6
    assert reasons[6] is not None and reasons[7] is not None


def test_not_across_more_than_four_lines():
    lines = BODY[:4] + ["Transit", "City hall", "Weather", "Schools", "Parks", TEASER]
    assert labelled(lines, set(range(4)))[9] is not None
    lines = BODY[:4] + ["Transit", "City hall", "Weather", "Schools", TEASER]
    assert labelled(lines, set(range(4)))[8] is None


BULLETS = [  # a release-notes post in bullet points, as on a readability page (written for this test)
    "Highlights",
    "The new updater no longer starts while another copy of the browser is running on the same machine",
    "It is now possible to turn off search suggestions for each search engine in the settings page",
    "Project updates",
    "The print dialog shows its progress inside the dialog instead of in a separate small window",
]
RELATED = ["More From Our Newsroom", "City Council Approves New Budget For Parks And Libraries",
           "Local Bakery Wins National Award For Its Sourdough Bread", "Five Things To Do This Weekend In Town"]


def test_the_walk_runs_on_to_bullet_points_without_a_full_stop():
    lines = BODY[:4] + BULLETS
    assert labelled(lines, set(range(4))) == [None] * len(lines)


def test_not_to_a_list_of_headlines_in_title_case():
    lines = BODY[:4] + RELATED
    reasons = labelled(lines, set(range(4)))
    assert all(r is not None for r in reasons[4:])


def test_lines_the_model_kept_do_not_count_as_gap():
    # two short kept sentences, then two subheadings the model removed, then a section
    lines = BODY[:4] + ["Lambda: a callback.", "Task: a unit of work.", "Features", "Task scheduling", SECTIONS[1]]
    reasons = labelled(lines, set(range(6)))
    assert reasons == [None] * len(lines)


def test_the_walk_runs_on_to_prose_with_a_weak_cue():
    # a sentence whose vocabulary carries a cue the cue rules did not act on (a technical
    # post about web requests): the article's, when the article runs on to it
    weak = "The updater now shows a notice when a download is ready, so that nobody has to restart the browser to get the fix."
    lines = BODY[:4] + ["Installer and updater", weak]
    assert make_paragraphs(lines)[5].cues.kind is not None
    reasons = labelled(lines, set(range(4)))
    assert reasons == [None] * len(lines)


LONG = ("The early settlers divided the country into provinces, which had a degree of autonomy and their own "
        "councils. Because of financial pressures and the lack of railways, roads and telegraph lines between them, "
        "the provinces were abolished after two decades, and councils took over the running of local areas.")


def test_a_long_paragraph_the_model_cut_inside_the_article_comes_back_beside_removed_lines():
    # an encyclopaedic page: a section's long paragraph between a figure list and the
    # next kept section, all scored low
    lines = BODY[:3] + ["See also: Local government", "Map of the provinces", LONG, "Geography"] + BODY[3:]
    reasons = labelled(lines, set(range(3)) | set(range(7, len(lines))))
    assert reasons[5] is None
    assert reasons[3] is not None and reasons[4] is not None


MIDDLING = ("The provinces kept their own councils for two decades, until the lack of roads and telegraph "
            "lines between them, and the money they cost, led parliament to abolish them and hand their work "
            "to local councils.")  # 33 words
SHORT = "The provinces kept their own councils for two decades before parliament abolished them."  # 13 words


def test_a_paragraph_of_thirty_words_inside_the_article_comes_back_a_single_sentence_does_not():
    assert 30 <= len(MIDDLING.split()) < 40 and len(SHORT.split()) < 30
    for paragraph, kept in ((MIDDLING, True), (SHORT, False)):
        lines = BODY[:3] + ["See also: Local government", "Map of the provinces", paragraph, "Geography"] + BODY[3:]
        reasons = labelled(lines, set(range(3)) | set(range(7, len(lines))))
        assert (reasons[5] is None) is kept


def test_not_outside_the_article_nor_with_a_cue():
    lines = BODY[:4] + ["Comments", LONG]
    assert labelled(lines, set(range(4)))[5] is not None
    pitch = LONG.replace("The early settlers", "Subscribe now: the early settlers")
    lines = BODY[:3] + ["Map of the provinces", pitch, "Geography"] + BODY[3:]
    assert labelled(lines, set(range(3)) | set(range(6, len(lines))))[4] is not None


def test_the_walk_crosses_a_question_as_subheading_or_a_short_sentence():
    # a news analysis whose later sections open with a question in capitals, as in an
    # aeb-dev wire story; and a sentence wrapped over two lines, as on a readability page
    lines = BODY[:4] + ["CAN THE PLAN WORK?", SECTIONS[1], "Tasks wait in a queue.", SECTIONS[3]]
    assert labelled(lines, set(range(4))) == [None] * len(lines)


def test_the_walk_stops_at_a_short_sentence_with_a_cue():
    lines = BODY[:4] + ["Sign up for our newsletter today.", SECTIONS[1]]
    reasons = labelled(lines, set(range(4)))
    assert reasons[4] is not None and reasons[5] is not None


NAMES = ["Resolved bugs", "Fixed more than one bug", "Ana Lima", "Ben Okafor", "Chen Wei", "Dara Novak"]


def test_the_article_resumes_after_an_interruption_of_more_than_four_lines():
    # a release-notes post: a list of contributors' names between two parts of the notes
    lines = BODY[:4] + NAMES + SECTIONS
    reasons = labelled(lines, set(range(4)))
    assert all(r is None for r in reasons[10:])


def test_not_after_a_share_line_nor_into_a_comment_section():
    lines = BODY[:4] + ["Share on Facebook", *SECTIONS]
    reasons = labelled(lines, set(range(4)))
    assert all(r is not None for r in reasons[4:])
    lines = BODY[:4] + NAMES + ["3 Comments", *SECTIONS]
    reasons = labelled(lines, set(range(4)))
    assert all(r is not None for r in reasons[4:])


SENTENCE_CASE_HEADLINES = [  # other stories' headlines in sentence case (written for this test)
    "Harbour bridge: engineers close two lanes for repairs after cracks found in the old deck",
    "Weather warning: heavy rain and strong winds expected across the north from tomorrow night",
    "School meals: parents say the new menu leaves children hungry by the middle of the afternoon",
]


def test_no_resuming_into_a_list_of_headlines_in_sentence_case():
    lines = BODY[:4] + ["Most read in the region"] + SENTENCE_CASE_HEADLINES
    reasons = labelled(lines, set(range(4)))
    assert all(r is not None for r in reasons[4:])


STANDINGS = ["Final standings after 36 races:", "Pos. Driver Points Wins Poles",
             "1 Ana Lima 5040 5 1", "2 Ben Okafor 5035 7 0", "3 Chen Wei 5033 4 6", "4 Dara Novak 5027 6 3",
             "5 Eli Stone 2380 2 3", "6 Femi Ade 2339 1 1"]
NUMBERED_TEASERS = ["Top 10 gadgets of the year", "5 ways to save on heating", "Why 2020 felt so long",
                    "Our 3 favourite soups", "The 7 best walks near town", "Tickets from £12"]


def test_a_table_of_results_after_the_article_is_the_articles_and_ends_it():
    # a standings page: the article's text, then its table (rows in one shape with figures),
    # then the page's own teasers
    lines = BODY[:4] + STANDINGS + ["Weekly column", TEASER]
    reasons = labelled(lines, set(range(4)))
    assert reasons[:-2] == [None] * (len(lines) - 2)
    assert reasons[-1] is not None


def test_short_lines_with_figures_in_no_common_shape_are_no_table():
    lines = BODY[:4] + NUMBERED_TEASERS
    reasons = labelled(lines, set(range(4)))
    assert all(r is not None for r in reasons[4:])


COPYRIGHT = ("This document is subject to copyright. Apart from any fair dealing for the purpose of private study "
             "or research, no part may be reproduced without the written permission.")
LINKED_TEASERS = ["» Weekly column", "Click the photo to read every column our editor has written about the season so far.",
                  "» Power ranking", "See how the drivers stand in the ranking after the last race of the season, and overall.",
                  "» Race preview", "Find out the times of the broadcast, the track, the statistics and the tyres for the race."]


def test_a_copyright_notice_under_the_article_does_not_continue_it():
    lines = BODY[:4] + ["Provided by the agency", COPYRIGHT]
    reasons = labelled(lines, set(range(4)))
    assert reasons[5] is not None


def test_the_walk_stops_at_a_line_led_by_an_arrow_and_does_not_resume():
    lines = BODY[:4] + LINKED_TEASERS
    reasons = labelled(lines, set(range(4)))
    assert all(r is not None for r in reasons[4:])


LATER = [  # a long feature's later paragraphs (written for this test)
    "Generations passed before the expedition found the blue planet, and by then its crew had changed twice.",
    "The scientists on board learned to use the radiation around them, hoping to turn it into power.",
    "What they made instead escaped the ship and spread across the surface within a single season.",
]


def test_the_walk_crosses_advertisement_labels_printed_between_paragraphs():
    # an advertisement's label printed five times between each two of the article's paragraphs
    labels = ["Advertisement"] * 5
    lines = BODY[:4] + labels + [LATER[0]] + labels + LATER[1:]
    reasons = labelled(lines, set(range(4)))
    later = [i for i, line in enumerate(lines) if line in LATER]
    assert [reasons[i] for i in later] == [None] * len(LATER)
    assert all(reasons[i] is not None for i, line in enumerate(lines) if line == "Advertisement")


def test_a_label_printed_once_still_counts_toward_the_walks_limit():
    # five different short lines printed once each are a gap the walk does not cross
    once = ["Advertisement", "Sponsored", "Promoted", "Partner content", "Ad feedback"]
    lines = BODY[:4] + once + LATER[:1]
    assert labelled(lines, set(range(4)))[-1] is not None
