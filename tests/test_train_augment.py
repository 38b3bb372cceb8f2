"""The trainer's shifted pages (``train_text_model.py --shift``): a page again below the
furniture that opens another page of its own set, its answer unchanged."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import aeb  # noqa: E402
import train_text_model  # noqa: E402

MENU = ["Home", "World", "Business", "Sport", "Weather", "Contact us"]


def page(page_id: str, article: list[str]) -> aeb.Page:
    return aeb.Page(page_id, "\n".join(MENU + article + ["Terms of use"]), "", "\n".join(article))


def test_a_page_is_shifted_below_the_next_pages_opening_furniture_of_its_own_set():
    first = page("one/a", ["The council voted on Tuesday to close the old bridge for good after a long debate."])
    second = page("one/b", ["Heavy rain flooded the lower town overnight, and the river rose by two metres."])
    alone = page("two/a", ["The museum reopened its east wing after three years of careful restoration work."])
    out = {p.id: p for p in train_text_model.shifted([first, second, alone])}
    assert sorted(out) == ["one/a~shift", "one/b~shift"]  # a set of one page has no other page to lend
    shifted = out["one/a~shift"]
    assert shifted.text.split("\n")[:len(MENU)] == MENU  # the next page's furniture, above
    assert shifted.text.endswith(first.text) and shifted.truth == first.truth
    assert "Heavy rain" not in shifted.text  # the donor's article never comes along


def test_a_shifted_copy_shares_its_pages_inner_fold():
    assert train_text_model._same_lines_as("one/a~shift") == "one/a"
    assert train_text_model._same_lines_as("one/a~distill") == "one/a"
    assert train_text_model._same_lines_as("one/a~brief") == "one/a~brief"
