"""A sentence followed by footnote or citation marks (``... in 1642. [31]``) is still a
sentence, as encyclopedias, reports and long reads print them (lines in the shape of real
pages of ext-dev/readability); other bracketed endings are not made sentences."""

from __future__ import annotations

import pytest

from newsdedup.clean.paragraphs import ends_like_sentence, make_paragraphs


@pytest.mark.parametrize("line", [
    "The first Europeans known to have reached the islands were Dutch sailors in 1642. [31]",
    "The colony gained a representative government in 1852 and the first parliament met in 1854. [48] [49]",
    "Its climate is predominantly temperate maritime, with mean annual temperatures of 10 to 16 °C.[164]",
    "The race came to be known as the Chozo, who possessed great strength and intelligence. [a]",
    "Wool was the country's major agricultural export during the late 19th century. [n 3]",
])
def test_a_sentence_with_reference_marks_is_a_sentence(line):
    assert ends_like_sentence(line)
    assert make_paragraphs([line])[0].sentence


@pytest.mark.parametrize("line", [
    "Cheapest And Most Expensive Islands On The Market For Purchase [Pics]",
    "As a long time resident, now home owner to see my village in the news [ more ]",
    "Coordinates: 42°S 174°E [12]",
])
def test_other_bracketed_endings_are_not_sentences(line):
    assert not ends_like_sentence(line)
