"""Plain text: what a page prints under a comment section's heading goes as comments, even
when the posts carry no stamps for the structure rules (snippets in the shape of real blog
and news pages of the development sets, written for these tests)."""

from __future__ import annotations

import numpy as np

from newsdedup.clean.comments import COMMENTS, is_section_heading
from newsdedup.clean.model import text_model
from newsdedup.clean.paragraphs import make_paragraphs
from newsdedup.clean.text import label

from .test_clean_rules import BODY

POSTS = [  # reader posts without stamps: names alone, then what they say
    "Alayna F",
    "Don't worry, everyone has a slow year now and then! You'll get back to it in the spring.",
    "Mike Merrill",
    "Thanks for the honest update and the reminder that we control our own habits. I am back at it too.",
]


def labelled(lines: list[str], high: set[int]) -> list[str | None]:
    paras = make_paragraphs(lines)
    scores = np.array([0.95 if i in high else 0.1 for i in range(len(paras))])
    return label(paras, model=text_model(), scores=scores).reasons


def test_posts_under_a_comment_heading_after_the_article_go_as_comments():
    for heading in ("7 Comments", "Leave a Reply", "Comments (2)", "2 responses"):
        lines = BODY + [heading] + POSTS
        reasons = labelled(lines, set(range(len(lines))))  # the model keeps the posts as prose
        assert reasons[:len(BODY)] == [None] * len(BODY), heading
        assert reasons[len(BODY)] is not None, heading  # as comments, or by its cue
        assert reasons[len(BODY) + 1:] == [COMMENTS] * len(POSTS), heading


def test_a_comment_count_above_the_article_body_cuts_nothing():
    # the toolbar under a headline ("11 Comments") above the story the model scores highest
    lines = ["Night buses to the airport", BODY[0], "11 Comments"] + BODY[1:]
    reasons = labelled(lines, set(range(3, len(lines))))
    assert all(r is None for r in reasons[3:])


def test_a_repeated_comments_button_or_a_line_of_dialogue_is_no_heading():
    lines = BODY[:4] + ["Comments"] + BODY[4:6] + ["Comments"] + BODY[6:]
    reasons = labelled(lines, set(range(len(lines))))
    assert [reasons[i] for i in (5, 6, 8, 9)] == [None] * 4
    dialogue = BODY[:4] + ['"Bartleby," said I, gently calling to him behind the screen.', "No reply."] + BODY[4:]
    assert all(r is None for r in labelled(dialogue, set(range(len(dialogue))))[6:])


def test_section_headings():
    heads = ["Comments", "7 comments:", "Comments (0)", "0 Comments »", "Add a Comment", "Leave a Reply",
             "View Comments", "2 responses"]
    others = ["No reply.", "Comments are closed.", "Readers' comments on the plan were mostly positive",
              "100 of 427 comments loaded twitter facebook"]
    assert all(is_section_heading(p) for p in make_paragraphs(heads))
    assert not any(is_section_heading(p) for p in make_paragraphs(others))
