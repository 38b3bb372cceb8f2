"""The quick paths of cleaning answer exactly as the plain definitions they stand in for."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from newsdedup.normalize import _tidy_line, _tidy_text, tidy_lines

# ASCII with every control character, spaces and line breaks in runs
ASCII_TEXT = st.lists(st.sampled_from([chr(c) for c in range(128)] + [" ", "  ", "\n", "\n\n", " \n", "ab", "Cd."]),
                     max_size=40).map("".join)


@given(ASCII_TEXT)
@example("")
@example("\n")
@example(" ")
@example("a\n b")
@example("a \nb")
@example("a\x7fb")
@example("a\tb")
@example("a\x0bb")
@example("a\x1fb\nc")
@example("a b\n\nc d.")
def test_the_compiled_ascii_check_is_the_line_by_line_one(text):
    assert text.isascii()
    assert _tidy_text(text) == all(_tidy_line(line) for line in text.split("\n")), repr(text)
    plain = text.replace("\r\n", "\n").replace("\r", "\n")
    assert tidy_lines(text) == [" ".join(line.split()) for line in plain.split("\n")]


SCRAPED_PAGE = """Home | World | Sport

Storm closes the coast road

The council voted on Tuesday to close the old coast road for a week after the storm.
Engineers said the sea wall had moved by half a metre and needed repairs before traffic returns.
Share this article
Residents of the village will reach the town by the inland road, which adds twenty minutes.
The council voted on Tuesday to close the old coast road for a week after the storm.
Ok
© 2024 The Paper. All rights reserved.
"""


def test_a_drafts_summary_from_its_scored_words_is_the_summary_from_its_keys():
    """key_summary sums a draft up from the word tokens its scoring read, and lets them
    go; the summary is the one made from the draft's keys alone (sketches of the prose
    lines only)."""
    import numpy as np

    from newsdedup.clean import draft, key_summary
    from newsdedup.records import Record

    d = draft(Record(doc_id="a", source="a", text=SCRAPED_PAGE))
    assert d.words is not None and d.keys
    given = key_summary(d)
    assert d.words is None  # a kept draft does not hold its tokens
    alone = key_summary(d)
    assert alone.about.sum() >= 3 and alone.sketches.size >= 3 * 3  # several prose lines, sketched
    for field in ("keys", "about", "shaped", "sketches"):
        a, b = getattr(given, field), getattr(alone, field)
        assert a.dtype == b.dtype and np.array_equal(a, b), field


def test_sketches_of_chosen_lines_are_the_sketches_of_those_lines_alone():
    import numpy as np

    from newsdedup.clean.features import word_tokens
    from newsdedup.clean.templates import sketches, sketches_of_lines
    from newsdedup.normalize import char_classes, code_points

    keys = ["one two", "the council met on monday to vote", "", "menu", "a storm closed the coast road for a week",
            "x y z", "the council met on monday to vote"]
    hashes, _, lines, _ = word_tokens(code_points(keys), char_classes())
    for chosen in ([1, 1, 1, 1, 1, 1, 1], [0, 1, 0, 0, 1, 0, 0], [1, 0, 1, 1, 0, 1, 1], [0] * 7):
        mask = np.array(chosen, dtype=bool)
        expected = sketches([k for k, c in zip(keys, chosen) if c])
        assert sketches_of_lines(hashes, lines, mask).tolist() == expected.tolist(), chosen


@given(st.lists(st.text(max_size=12).map(lambda t: t.replace("\n", " ")), max_size=6))
@example(["plain ascii", "two"])
@example(["caf\u00e9", "\U0001f600 x"])
def test_code_points_are_the_utf32_code_points_of_the_joined_lines(lines):
    import numpy as np

    from newsdedup.normalize import code_points

    codes = code_points(lines)
    assert codes.dtype == np.uint32
    assert codes.tolist() == [ord(ch) for ch in "\n".join(lines)]
