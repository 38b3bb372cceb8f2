"""Reader comments recognised by their structure (a name, a stamp, a post; several in a
row) and removed; bylines, live-blog entries and dated headline lists are not threads
(snippets in the shape of real pages, written for these tests)."""

from __future__ import annotations

from newsdedup.clean import draft, finish
from newsdedup.clean.comments import COMMENTS, comment_block
from newsdedup.clean.paragraphs import make_paragraphs
from newsdedup.records import Record

from .test_clean_rules import BODY, clean

THREAD = [
    "3 thoughts on this story",
    "Marta Lopez",
    "March 4, 2021 at 7:34 pm",
    "I take the last bus home every night and this would change everything for me.",
    "Thank you for covering it.",
    "Dave K. says:",
    "March 4, 2021 at 9:02 pm",
    "Who is going to pay for this? The buses we have already break down every week.",
    "Ana Ruiz",
    "2 days ago",
    "Dave, the memo says the airport pays a third of it.",
    "Comments are closed.",
]


def test_a_comment_thread_after_the_article_is_removed_as_comments():
    c = clean(["Night buses to the airport", *BODY, *THREAD])
    reasons = {text: reason for _, text, reason in c.removed}
    for line in THREAD[1:11]:
        assert reasons.get(line) == COMMENTS, line
    assert c.paragraphs == BODY


def test_the_same_posts_in_an_html_page_are_removed():
    posts = "".join(f"<p>{line}</p>" for line in THREAD[1:11])
    html = (f"<html><body><article><h1>Night buses</h1>{''.join(f'<p>{p}</p>' for p in BODY)}"
            f"<div>{posts}</div></article></body></html>")
    c = finish(draft(Record(doc_id="p", source="p", html=html)))
    assert not any(line in c.paragraphs for line in THREAD[3:11])
    assert all(line in c.paragraphs for line in BODY)


def test_a_byline_with_a_stamp_is_not_a_thread():
    lines = ["By Ana Ruiz", "March 4, 2021 at 7:34 pm", *BODY]
    assert comment_block(make_paragraphs(lines)) == []


def test_live_blog_entries_under_bare_times_are_not_a_thread():
    lines = []
    for time, para in zip(["10:02 am", "10:15 am", "10:31 am", "10:48 am"], BODY):
        lines += [time, para]
    assert comment_block(make_paragraphs(lines)) == []


def test_a_list_of_dated_headlines_under_bylines_is_not_a_thread():
    lines = []
    for i, title in enumerate(["Council approves budget", "Storm knocks out power", "School board delays vote"]):
        lines += [title, "By Staff Reporter", f"11/20/2019 0{i + 1}:14 PM"]
    assert comment_block(make_paragraphs(lines)) == []


# Post heads that name the speaker ("... says:"), without a clock time: real lines of a
# blog's comment thread (ext-dev/dragnet), and real lines of a post that quotes its
# readers' mail under "... wrote:" as its article text (ext-dev/readability).
SAYS_THREAD = [
    "Comments (408)",
    "27. Jun, 2012 / Rand says:",
    "Hey, look at that. It DOES roll off the… er… keyboard.",
    "27. Jun, 2012 / A Montrealer Abroad says:",
    "Anyhow. Best of luck for tomorrow. Perhaps I can send you macarons instead of cupcakes?",
    "27. Jun, 2012 / Nicole says:",
    "Well, whatever Steve turns out to be, I’m sure you’ll kick his ass!",
    "Best of luck to you both… (you and Rand, not you and Steve)",
    "27. Jun, 2012 / Phill Ohren says:",
    "Best of luck. Strong and powerful – positive mindset’s. It’s the only way to be!",
]
QUOTED_MAIL = [
    "Makali wrote:",
    "Whenever a programmer thinks, \"Hey, skins, what a cool idea\", their computer's speakers should "
    "create a sound like a wet fish being slapped.",
    "I am fully in support of this proposed technology.",
    "Various people wrote:",
    "You shouldn't even bother compiling the GUI into the player!",
    "So I should solve the problem of a crappy GUI by replacing it with no GUI at all?",
    "Various other people wrote:",
    "You didn't try the other player!",
    "True, I hadn't. Now I have. It has an overly-complicated UI, and the preferences panel is a festival of options.",
]


def test_posts_under_a_says_head_without_a_clock_time_are_a_thread():
    c = clean(["Night buses to the airport", *BODY, *SAYS_THREAD])
    reasons = {text: reason for _, text, reason in c.removed}
    for line in SAYS_THREAD[1:]:
        assert reasons.get(line) == COMMENTS, line
    assert c.paragraphs == BODY


def test_an_article_quoting_mail_under_wrote_heads_is_not_a_thread():
    assert comment_block(make_paragraphs(BODY + QUOTED_MAIL)) == []
