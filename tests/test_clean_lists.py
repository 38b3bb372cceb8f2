"""Short list items whose siblings are article text stay with them (a score line among
results); a numbered line without siblings does not come back."""

from __future__ import annotations


from newsdedup.clean.paragraphs import make_paragraphs
from newsdedup.clean.text import NAVIGATION, _keep_list_siblings, line_shape

from .conftest import cleaned_dev_pages

RESULTS = [  # written for this test, in the shape of a results page
    "Harbor City d. Lakeside 70-44",
    "Harbor City (1-0): Tolbert 25 points. Davies 17 points. Burgess 10 points. Bozeman 10 points.",
    "Northgate d. Riverside 53-9",
    "Northgate (1-0): Amira Shelton 19 points and 3 steals. Kelly Howe 6 steals.",
    "Central d. West Shore 61-21",
    "Page 2 of 10",
]


def test_line_shape_sees_the_list_not_the_names():
    assert line_shape("Harbor City d. Lakeside 70-44") == line_shape("Central d. West Shore 61-21") == "a. a 0-0"


def test_a_removed_score_line_with_kept_siblings_comes_back_and_a_lone_numbered_line_does_not():
    paras = make_paragraphs(RESULTS)
    reasons = [NAVIGATION, None, None, None, None, NAVIGATION]  # the model dropped the first and last lines
    _keep_list_siblings(paras, reasons, before_model=[None] * len(paras))
    assert reasons == [None, None, None, None, None, NAVIGATION]


def test_the_first_result_of_a_real_results_page_is_kept():
    for name, c in cleaned_dev_pages("Palm Bay d. Rockledge 70-44", "results page"):
        assert "Palm Bay d. Rockledge 70-44" in c.paragraphs, name
