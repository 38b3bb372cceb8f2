"""Reader comments: runs of posts, each under a stamp (a commenter's name and a date or
time), recognised by that structure, not by any site's markup or wording.

A post's stamp is a short line holding a date (the year may be left out) and a clock
time, or an "N units ago", with at most a few other words (the name, "by", "on", "at",
"reply"), or such a line right after a short name line, or a short line ending in
"says:", "writes:", "said," or "said..." (a name, maybe a date). Three posts or more in a row, each a stamp and a few paragraphs, make a
comment thread: every name, stamp and post in it is removed as ``comments``. A post is
at most a few paragraphs, but once a thread has begun, a longer post (a reader's letter)
followed by another head is one of its posts too. A stamp alone is a byline and stays.

>>> lines = ["Gaye", "August 8, 2018 at 3:17 pm", "What a great piece this is!", "Jan Smith", "3 days ago",
...          "Thanks for writing it up.", "Ann Lee says:", "Aug 9, 2018 at 9:02 am", "I agree with you both."]
>>> from .paragraphs import make_paragraphs
>>> comment_block(make_paragraphs(lines))
[0, 1, 2, 3, 4, 5, 6, 7, 8]
"""

from __future__ import annotations

import re

from ..normalize import compare_key
from .paragraphs import Paragraph, has_digit

COMMENTS = "comments"

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATE = re.compile(rf"\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?\b|\b\d{{1,2}} {_MONTH},? \d{{4}}\b"
                   r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", re.IGNORECASE)
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?: ?[ap]\.?m\b\.?)?", re.IGNORECASE)
# a post's head that says who speaks: "Name says:", "by name (1234) writes:", "date / Name says:", "Name said,",
# "Name said..." (its stamp then under the post)
_SAYS = re.compile(r"\b(?:(?:says|writes)\s*:|said\s*(?:[:,]|\.\.\.|…))\s*$", re.IGNORECASE)
_AGO = re.compile(r"\b(?:\d+|an?|one) (?:sec(?:ond)?|min(?:ute)?|h(?:ou)?r|day|week|month|year)s? ago\b", re.IGNORECASE)
STAMP_WORDS = 12        # a stamp line is short
STAMP_OTHER_WORDS = 6   # words beside the date and time: a name, "by", "on", "at", "says", "reply"
NAME_WORDS = 4          # a name line before a stamp
MIN_POSTS = 3           # one stamped post is a byline; a thread has several
MAX_POST_PARAGRAPHS = 6  # a longer post ends the thread (an article's dated sections are longer)
# a post between two posts of a thread may be longer (a reader's letter): it stays in the thread
LONG_POST_PARAGRAPHS = 25
POST_SENTENCE_SHARE = 0.5  # posts with a sentence in them
COUNT_LABEL_WORDS = 10


def _stamp_others(p: Paragraph) -> int | None:
    """Words of a stamp line beside its date and time (None: not a stamp line). A post's
    stamp tells the time of day (or "N hours ago"), not only the date: a dated quote or
    a list of dated headlines is not a thread."""
    if p.n_words == 0 or p.n_words > STAMP_WORDS:
        return None
    text = p.text
    # literal parts of the patterns first ("ago" has no other case forms than its ASCII
    # ones, a clock time holds a colon): most lines have neither, and a search costs more
    if "ago" in text.lower() and _AGO.search(text):
        rest = _AGO.sub(" ", text)
    elif ":" in text and _TIME.search(text) and _DATE.search(text):
        rest = _TIME.sub(" ", _DATE.sub(" ", text))
    else:
        return None
    others = len(re.findall(r"\w+", rest))
    return others if others <= STAMP_OTHER_WORDS else None


def _says(text: str) -> bool:
    """A head's "says:" (:data:`_SAYS`; its match ends in ":" or "," before trailing spaces,
    checked first: the pattern is slow on the many lines that are not heads)."""
    return text.rstrip().endswith((":", ",", "...", "…")) and _SAYS.search(text) is not None


def _name(p: Paragraph) -> bool:
    return 1 <= p.n_words <= NAME_WORDS and not p.sentence and not has_digit(p.text)


def _post_heads(paras: list[Paragraph]) -> list[tuple[int, int]]:
    """(first line, stamp line) of every post: a stamp under a name line, a stamp line
    carrying a name (two words or more beside the date: a bare time is a live blog's), or
    a short line ending in a name's "says:" or "writes:" (not above a stamp: then the
    stamp is the head's second line)."""
    heads = []
    stamp_others = [_stamp_others(p) if p.n_words <= STAMP_WORDS else None for p in paras]  # each line's, once
    for i, p in enumerate(paras):
        if (2 <= p.n_words <= STAMP_WORDS and _says(p.text)
                and not (i + 1 < len(paras) and stamp_others[i + 1] is not None)):
            heads.append((i, i))
            continue
        others = stamp_others[i]
        if others is None:
            continue
        if i > 0 and _name(paras[i - 1]) and stamp_others[i - 1] is None:
            heads.append((i - 1, i))
        elif others >= 2:
            heads.append((i, i))
    return heads


def comment_block(paras: list[Paragraph], removed: list[bool] | None = None) -> list[int]:
    """Indices of the paragraphs that form reader-comment threads (empty if none):
    posts that follow each other, each a head and at least one paragraph of text.
    The last post of a thread ends at the first paragraph already ``removed`` (the
    thread's furniture), at most ``MAX_POST_PARAGRAPHS`` after its stamp."""
    heads = _post_heads(paras)
    if len(heads) < MIN_POSTS:
        return []
    removed = removed or [False] * len(paras)
    stamps = {stamp for _, stamp in heads}
    out: list[int] = []
    thread: list[range] = []
    for k, (head, stamp) in enumerate(heads):
        nxt = heads[k + 1][0] if k + 1 < len(heads) else len(paras)
        body_end = min(nxt, stamp + 1 + MAX_POST_PARAGRAPHS)
        # the next post follows this one (after a long post too, once a thread has begun)
        bridged = thread and k + 1 < len(heads) and nxt - stamp - 1 <= LONG_POST_PARAGRAPHS
        if nxt == body_end or bridged:
            if stamp + 1 < nxt:
                thread.append(range(head, nxt))
                continue
            out.extend(_thread(thread, paras, stamps))  # a head without text: not a post
            thread = []
            continue
        end = next((i for i in range(stamp + 1, body_end) if removed[i]), body_end)
        if stamp + 1 < end:
            thread.append(range(head, end))
        out.extend(_thread(thread, paras, stamps))
        thread = []
    out.extend(_thread(thread, paras, stamps))
    return out


def _thread(posts: list[range], paras: list[Paragraph], stamps: set[int]) -> list[int]:
    """The thread's paragraphs, when most of its posts say something in sentences (a list
    of dated headlines, each under its byline, is no thread)."""
    if len(posts) < MIN_POSTS:
        return []
    talking = sum(any(paras[i].sentence and i not in stamps for i in post) for post in posts)
    if talking < POST_SENTENCE_SHARE * len(posts):
        return []
    first = posts[0].start
    label = first > 0 and _count_label(paras[first - 1])  # "12 comments", "3 thoughts on ..."
    return ([first - 1] if label else []) + [i for post in posts for i in post]


def _count_label(p: Paragraph) -> bool:
    """A short line that is not a sentence and starts with a count: a thread's heading."""
    return not p.sentence and 1 < p.n_words <= COUNT_LABEL_WORDS and p.text.split(" ", 1)[0].isdigit()


# A comment section's heading: "Comments", "7 comments:", "Comments (0)", "Leave a Reply",
# "Add a Comment", "2 responses": a count or a call, then the section's name, nothing else.
_SECTION_HEADING = re.compile(r"^(?:\d+ |no |one |(?:add|leave|post|load|show|view|read|write|join) "
                              r"(?:an? |all |the |your )?)?(?:comments?|repl(?:y|ies)|responses?|discussion)"
                              r"(?: \(?\d+\)?)?[\W\d]*$")
SECTION_HEADING_WORDS = 6
_SECTION_WORDS = ("comment", "repl", "respons", "discussion")


def is_section_heading(p: Paragraph) -> bool:
    """A short line that names a comment section and says nothing else (not a sentence:
    "No reply." in a story's dialogue is text)."""
    if not 0 < p.n_words <= SECTION_HEADING_WORDS or p.sentence:
        return False
    text = p.text.rstrip()
    lower = text.lower()  # the pattern's literal parts first: most short lines hold none
    return (not text.endswith((".", "!", "?")) and any(w in lower for w in _SECTION_WORDS)
            and _SECTION_HEADING.match(compare_key(text)) is not None)
