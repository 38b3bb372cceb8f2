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
    assert tidy_lines(text) == [" ".join(line.split()) for line in text.split("\n")]
