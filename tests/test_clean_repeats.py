"""An article that repeats its own structure keeps every copy (the same headings and
items in each part of a meal plan: lines in the shape of a real aeb-dupes-dev page),
while furniture printed twice (a menu at the top and the bottom) still goes; a lede
stays with its body across a capitalised dateline line."""

from __future__ import annotations

import numpy as np

from newsdedup.clean.model import text_model
from newsdedup.clean.paragraphs import make_paragraphs
from newsdedup.clean.text import label

from .conftest import cleaned_dev_pages
from .test_clean_rules import BODY

MENU = ["Home", "Workouts", "Recipes", "Shop"]
PART = [  # written for this test, in the shape of a meal plan's parts
    "Breakfast",
    "Eat within an hour of waking",
    "Oatmeal with berries, 1 cup almond milk, 1 tsp. honey",
    "Lunch",
    "Eat every 3 hours",
]


def plan() -> tuple[list[str], set[int]]:
    """A page: the menu, two paragraphs, three parts of a plan (each part its own dish
    after the shared lines), the menu again. Returns the lines and those the model scores
    as furniture (the menus)."""
    lines = MENU + BODY[:2]
    for dish in ("Grilled chicken salad with 2 tbsp. dressing", "Lentil soup with a slice of toast",
                 "Tuna wrap with spinach and a small apple"):
        lines += [f"Plan part {len(lines)}"] + PART + [dish]
    lines += MENU
    furniture = set(range(len(MENU))) | set(range(len(lines) - len(MENU), len(lines)))
    return lines, furniture


def labelled(lines: list[str], furniture: set[int]):
    paras = make_paragraphs(lines)
    scores = np.array([0.01 if i in furniture else 0.99 for i in range(len(paras))])
    return label(paras, model=text_model(), scores=scores).reasons


def test_the_repeated_lines_of_a_plan_stay_in_every_part_and_the_menu_printed_twice_goes():
    lines, furniture = plan()
    reasons = labelled(lines, furniture)
    kept = [line for line, r in zip(lines, reasons) if r is None]
    for line in PART:
        assert kept.count(line) == 3, line
    assert not any(line in kept for line in MENU)


def test_repeated_lines_the_model_scores_as_furniture_somewhere_still_go():
    lines, furniture = plan()
    first_copy = lines.index(PART[0])  # one copy scored as furniture: the line is not the article's own
    reasons = labelled(lines, furniture | {first_copy})
    assert all(r is not None for line, r in zip(lines, reasons) if line == PART[0])


def test_the_real_meal_plan_keeps_its_parts():
    for name, c in cleaned_dev_pages("Meal Prep Menu for Eating Plan B", "meal-plan page"):
        assert c.paragraphs.count("Pre-Workout Meal") >= 4, name


LEDE = "Two hospital groups announced on Thursday a partnership to exchange patient records across the region."


def test_a_lede_before_a_capitalised_dateline_comes_back_and_a_caption_before_a_credit_does_not():
    lines = ["Menu", LEDE, "GENEVA, SWITZERLAND"] + BODY
    reasons = labelled(lines, {0, 1})
    assert reasons[1] is None  # the lede
    caption = "A nurse checks the monitors in the intensive care unit of the hospital on Monday night."
    lines = ["Menu", caption, "Photo: Staff photographer"] + BODY
    reasons = labelled(lines, {0, 1, 2})
    assert reasons[1] is not None


def test_an_article_printed_twice_keeps_its_first_copy():
    # the page prints the whole story twice (a print view and a screen view): every
    # prose paragraph is repeated, the model scores them as article
    lines = MENU[:2] + BODY[:4] + MENU[2:] + BODY[:4]
    reasons = labelled(lines, set(range(2)) | {6, 7})
    kept = [line for line, r in zip(lines, reasons) if r is None]
    assert kept == BODY[:4]


def test_repeated_prose_beside_an_article_of_its_own_still_goes_in_every_copy():
    teaser = ["Readers who took the night bus last winter told us what the trip was like.",
              "Their stories, and the photos they sent, are collected in our new series on the city's transit."]
    lines = MENU + teaser + BODY + teaser
    reasons = labelled(lines, set(range(len(MENU))))
    kept = [line for line, r in zip(lines, reasons) if r is None]
    assert kept == BODY


def test_a_thread_whose_posts_open_with_the_same_line_is_still_a_thread():
    # posts opening with the same short line (a greeting, a sign-off): repeated lines of a
    # thread must not end its posts
    from newsdedup.clean.comments import COMMENTS

    from .test_clean_rules import clean

    thread = ["On March 4, 2021 at 7:34pm, Marta said...", "Thanks!", "Great news for shift workers here.",
              "On March 4, 2021 at 9:02pm, Dave said...", "Thanks!", "Who is going to pay for all of this?",
              "On March 5, 2021 at 8:15am, Ana said...", "Thanks!", "The airport pays a third of it, I read."]
    footer = ["About us", "Contact", "Careers", "Advertise", "Newsletters", "Archive", "Site map", "Help"]
    c = clean(["Night buses to the airport", *BODY, *thread, *footer])
    reasons = {text: reason for _, text, reason in c.removed}
    assert c.paragraphs == BODY
    assert reasons["The airport pays a third of it, I read."] == COMMENTS
