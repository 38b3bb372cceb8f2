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


def assert_thread_removed(thread: list[str], posts: slice) -> None:
    """The article followed by ``thread``: its lines ``posts`` removed as comments, the
    article kept whole."""
    c = clean(["Night buses to the airport", *BODY, *thread])
    reasons = {text: reason for _, text, reason in c.removed}
    for line in thread[posts]:
        assert reasons.get(line) == COMMENTS, line
    assert c.paragraphs == BODY


def test_a_comment_thread_after_the_article_is_removed_as_comments():
    assert_thread_removed(THREAD, slice(1, 11))


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
    assert_thread_removed(SAYS_THREAD, slice(1, None))


def test_an_article_quoting_mail_under_wrote_heads_is_not_a_thread():
    assert comment_block(make_paragraphs(BODY + QUOTED_MAIL)) == []


# Post heads in three more shapes real blog threads use (ext-dev/dragnet; snippets written
# for these tests): "Name said," above the post; a stamp whose date leaves out the year;
# a stamp under the post, "by Name on <date> at <time>. Reply".
SAID_THREAD = [
    "Frugal Fox said,",
    "I have been saving half my pay for two years now and this is exactly how it went for me.",
    "Mara said,",
    "The hardest part was the first month. After that it felt normal.",
    "Lurker Joe said,",
    "Good write-up, though I think rent is where most people fail.",
]
NO_YEAR_THREAD = [
    "Kit Marlowe On Thursday, November 1 at 3:03 pm",
    "We did the same thing with our kids this year and they loved it.",
    "Jo Bean On Thursday, November 1 at 3:14 pm",
    "My youngest wore the costume for three days straight.",
    "Sam On Friday, November 2 at 8:40 am",
    "What a sweet evening. Thank you for sharing the pictures.",
]
FOOTED_THREAD = [
    "Great post. We ran into the same hiring problems last year and ended up training people ourselves.",
    "by Eric Stone on November 9, 2010 at 6:10 am. Reply #",
    "Training works, but it takes a year before a junior hire carries their weight.",
    "by Lena Ortiz on November 9, 2010 at 7:02 am. Reply #",
    "Pay is the other half of the story, and nobody wants to talk about it.",
    "by Tom Reed on November 9, 2010 at 9:45 am. Reply #",
    "Agreed on all counts.",
]


def test_posts_under_said_heads_are_a_thread():
    assert comment_block(make_paragraphs(BODY + SAID_THREAD)) == list(range(len(BODY), len(BODY) + len(SAID_THREAD)))


def test_stamps_without_a_year_are_a_thread():
    assert comment_block(make_paragraphs(BODY + NO_YEAR_THREAD)) == list(range(len(BODY), len(BODY) + len(NO_YEAR_THREAD)))


def test_stamps_under_the_posts_are_a_thread_from_the_first_stamp():
    # the post above the first stamp cannot be told from the article's last paragraph: it stays
    found = comment_block(make_paragraphs(BODY + FOOTED_THREAD))
    assert found == list(range(len(BODY) + 1, len(BODY) + len(FOOTED_THREAD)))


# "Name said..." above the post and its stamp under it (a blog platform's thread, in the
# shape of real ext-dev/dragnet pages; written for this test)
ELLIPSIS_THREAD = [
    "13 comments:",
    "tRiSh said...",
    "That is exactly what I needed to read today. Even if it is going to be hard, I will stay positive.",
    "September 10, 2012 4:45 AM",
    "Ankita said…",
    "Wish I could think this way more often :)",
    "September 10, 2012 6:14 AM",
    "MangoWhirl said...",
    "Oh my, you are back! Hope you are well!",
    "September 10, 2012 8:44 AM",
]


def test_posts_under_said_ellipsis_heads_are_a_thread_with_their_count():
    found = comment_block(make_paragraphs(BODY + ELLIPSIS_THREAD))
    assert found == list(range(len(BODY), len(BODY) + len(ELLIPSIS_THREAD)))


def test_a_story_trailing_off_after_said_is_not_a_thread():
    lines = [*BODY[:3], "And then she said...", "Nothing at all, for a long while.", *BODY[3:]]
    assert comment_block(make_paragraphs(lines)) == []


def test_an_article_quoting_people_who_said_is_not_a_thread():
    lines = ["The mayor said,", "We will open the new line in the spring.", *BODY]
    assert comment_block(make_paragraphs(lines)) == []


# A thread whose posts are mostly a line or two, with one reader's letter of several
# paragraphs in the middle (the shape of a real blog thread in ext-dev/dragnet: heads
# "Name — <date>, <time>", each post closed by a "Reply" control).
LETTER_THREAD = [
    "Dan Cole — July 7th, 2012, 11:07 am",
    "I don’t think the diet is that amazing. My wife and I both followed it for four months.",
    "Reply",
    "Jamie Ross — July 11th, 2012, 8:02 am",
    "Body weight is a useless metric here. Body fat on the other hand is worth tracking.",
    "Reply",
    "Teresa Pereira — July 8th, 2012, 10:57 am",
    "Hi Tim,",
    "I’ve tried the diet twice, and since you are always researching, I thought my story could help.",
    "The diet worked for me for the first three weeks, and I lost eight pounds.",
    "Then I had a condition flare up that affects digestion, and I had to stop.",
    "My doctor said the food was not the cause, and I am recovering now.",
    "I am thirty now and only now do I understand how this works for me.",
    "If you ever find a way to undo this kind of effect, please let me know.",
    "If you need data for research, I am happy to share mine.",
    "Thanks and keep up the good work,",
    "Teresa",
    "Reply",
    "Danny Wong — July 21st, 2012, 9:30 pm",
    "Those photos are inspiring, especially the second set. Holy cow.",
    "Reply",
]


def test_a_long_post_inside_a_thread_is_removed_with_it():
    assert_thread_removed(LETTER_THREAD, slice(6, 17))


def test_long_dated_sections_are_not_a_thread():
    # an article in dated sections, each longer than a post: no thread begins
    lines = []
    for stamp in ["Ana Ruiz — March 4, 2021, 7:34 pm", "Ana Ruiz — March 5, 2021, 8:02 am",
                  "Ana Ruiz — March 6, 2021, 9:15 am"]:
        lines += [stamp, *BODY, *BODY[:3]]
    assert comment_block(make_paragraphs(lines)) == []
