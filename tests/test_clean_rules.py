"""Each boilerplate kind, removed; the article text next to it, kept (snippets written for these tests)."""

from __future__ import annotations

import pytest

import newsdedup
from newsdedup.clean import clean_records, draft, finish
from newsdedup.clean.paragraphs import make_paragraphs, segment
from newsdedup.clean.templates import find_templates
from newsdedup.records import Record

from .conftest import FIXTURES

BODY = [
    "The city council voted on Tuesday to extend the night bus service to the airport, after a year of complaints from shift workers.",
    "Transit officials said the new routes would cost about $2 million a year and start running in the spring.",
    "\"People who clean the terminals at 4 a.m. deserve a way to get there,\" said council member Ana Ruiz, who sponsored the measure.",
    "Until now, the last bus from the city centre left at 11:40 p.m., and the first one in the morning did not reach the terminals before 5:30.",
    "Workers described paying for taxis they could barely afford, or sleeping in their cars between shifts, during a hearing that lasted more than four hours.",
    "The airport authority has agreed to cover a third of the cost for the first two years, according to a memo seen by the council.",
    "Two council members voted against the plan, arguing that the money should go first to repairing the existing fleet, much of which is more than fifteen years old.",
    "The plan still needs the mayor's signature, which aides said was expected within a week.",
]
MIDDLE = 4


def clean(lines: list[str]) -> newsdedup.clean.Cleaned:
    return finish(draft(Record(doc_id="t", source="t", text="\n".join(lines))))


def marked(mark, lines: list[str], long_words: int = 12) -> list[str | None]:
    """The reasons one rule of :mod:`newsdedup.clean.text` (``mark(paras, reasons,
    long_words=...)``) gives the paragraphs of ``lines``, nothing removed before it."""
    paras = make_paragraphs(lines)
    reasons: list[str | None] = [None] * len(paras)
    mark(paras, reasons, long_words=long_words)
    return reasons


def removed_reasons(cleaned) -> dict[str, str]:
    return {text: reason for _, text, reason in cleaned.removed}


@pytest.mark.parametrize("line, kind", [
    ("Already a subscriber? Log in to continue.", "call_to_action"),
    ("Get the best of our reporting delivered to your inbox every morning. Sign up now.", "call_to_action"),
    ("Please consider a donation to support our nonprofit newsroom.", "call_to_action"),
    ("Follow us on Facebook and Instagram for more local news.", "social"),
    ("Share this article", "social"),
    ("© 2021 Example Media Group. All rights reserved.", "legal"),
    ("This material may not be published, broadcast, rewritten or redistributed without permission.", "legal"),
    ("We use cookies to improve your experience. By continuing you accept our cookie policy.", "notice"),
    ("Please enable JavaScript in your browser to view the comments.", "notice"),
    ("Most Popular", "navigation"),
    ("Advertisement", "navigation"),
])
def test_furniture_inside_an_article_is_removed_with_its_kind(line, kind):
    cleaned = clean(BODY[:MIDDLE] + [line] + BODY[MIDDLE:])
    assert cleaned.paragraphs == BODY
    assert removed_reasons(cleaned)[line] == kind


@pytest.mark.parametrize("sentence", [
    "The streaming service said it lost two million subscribers in the quarter, its first decline in a decade.",
    "She shared the video on Facebook, where it was viewed more than three million times before it was removed.",
    "The newspaper's licence to print in the province was revoked in 1998, the court heard.",
    "Researchers said the browser flaw had been patched in the latest release.",
])
def test_article_sentences_that_mention_furniture_words_stay(sentence):
    cleaned = clean(BODY[:MIDDLE] + [sentence] + BODY[MIDDLE:])
    assert sentence in cleaned.paragraphs


def test_in_body_subheading_and_caption_stay():
    lines = BODY[:MIDDLE] + ["What happens next", "Buses at the central depot on Monday. Photo: J. Smith"] + BODY[MIDDLE:]
    assert clean(lines).paragraphs == lines


def test_header_navigation_and_byline_go_headline_becomes_title():
    lines = ["Home", "News", "Local", "Night buses will run to the airport", "By Sam Lee", *BODY, "Related Stories",
             "Council approves the new budget", "High school team wins state title"]
    cleaned = clean(lines)
    assert cleaned.title == "Night buses will run to the airport"
    assert cleaned.paragraphs == BODY


def test_short_prose_after_the_article_stays_unless_cut_off_by_furniture():
    ending = "The vote was 7 to 2."
    assert clean(BODY + [ending]).paragraphs == BODY + [ending]
    promo = "Save on a year of great reading today."
    cleaned = clean(BODY + ["Our magazine", promo])
    assert cleaned.paragraphs[: len(BODY) - 1] == BODY[:-1]  # the last sentence, beside a promo, is the model's call
    assert removed_reasons(cleaned)[promo] == "after_article"
    assert "Our magazine" not in cleaned.paragraphs


def test_a_repeated_block_goes_in_every_copy_but_a_repeated_quote_keeps_its_first():
    appeal = ["WE NEED YOUR HELP.", "Our reporting depends on readers like you, and this month we are short."]
    cleaned = clean(BODY[:MIDDLE] + appeal + BODY[MIDDLE:] + appeal)
    assert cleaned.paragraphs == BODY
    quote = BODY[2]
    cleaned = clean(BODY + [quote])
    assert cleaned.paragraphs == BODY


def test_a_short_text_is_still_an_article():
    cleaned = clean(["Storm closes mountain pass", "Snow closed the pass on Friday."])
    assert cleaned.error is None
    assert cleaned.paragraphs
    only_headline = clean(["Storm closes mountain pass"])
    assert only_headline.error is None and only_headline.text == "Storm closes mountain pass"


def test_empty_and_furniture_only_texts_are_rejected():
    assert clean([""]).error
    assert clean(["Subscribe", "Log in", "Menu"]).error


# four different stories of three long paragraphs each (unrelated documents share no long paragraph)
STORIES = [
    ["The harbour authority approved a plan on Tuesday to rebuild the eastern pier before next winter's storms arrive.",
     "Engineers found that salt water had eaten through several steel supports, forcing the closure of two berths.",
     "Fishing crews welcomed the decision but asked for temporary moorings while the work goes on through the spring."],
    ["A primary school in the valley will start serving free breakfasts to every pupil from the autumn term onwards.",
     "Teachers said that children who skip the morning meal struggle to concentrate during their first lessons of the day.",
     "The programme is funded by a local bakery, which will deliver bread and fruit to the school kitchen each morning."],
    ["Heavy rain pushed the river over its banks overnight, flooding the low road and several gardens near the mill.",
     "Volunteers filled sandbags in the church hall until dawn while firefighters pumped water out of basement flats.",
     "Residents asked the county to raise the flood wall that was promised after the last serious flood six years ago."],
    ["The city council voted to paint protected cycle lanes along the ring road, linking the station with the university.",
     "Shop owners worried about losing parking spaces, while student groups collected thousands of signatures in support.",
     "Work on the first stretch will begin in March, and the whole network is expected to open by the end of the year."],
]


def _site_page(i: int, story: list[str]) -> list:
    return segment("\n".join(["Sections", "Weather alerts for your area", *story,
                              "Get our free app for breaking news alerts", "About us"]))


def test_templates_need_several_unrelated_documents():
    docs = [_site_page(i, s) for i, s in enumerate(STORIES)]
    found = find_templates(docs, min_docs=3)
    texts = {p.text for d in docs for p in d if p.key in found}
    assert texts == {"Sections", "Weather alerts for your area", "Get our free app for breaking news alerts",
                     "About us"}
    # four copies of ONE story are one piece of evidence, not four
    copies = [_site_page(i, STORIES[0]) for i in range(4)]
    assert not find_templates(copies, min_docs=3)


def test_templates_are_found_when_every_page_of_the_site_ends_with_the_same_prose_blurbs():
    # long prose printed on every page of a site (an "about us" text) must not make all of
    # the site's stories copies of each other: their menus are still templates
    blurbs = ["Our newsroom is an independent team of reporters who have covered the valley and its towns for over a century.",
              "We rely on readers like you to keep local reporting alive, and we publish every story free for everyone to read."]
    docs = [segment("\n".join(["Sections", "Weather alerts for your area", *story, *blurbs, "About us"]))
            for story in STORIES]
    found = find_templates(docs, min_docs=3)
    assert {p.text for d in docs for p in d if p.key in found} == {"Sections", "Weather alerts for your area", "About us"}


def test_an_edited_update_is_a_copy_of_its_story_for_the_template_rule():
    # a story's subheading, in the story, in its update (a word changed in every long
    # paragraph: no long paragraph identical) and in one other page quoting it, is in two
    # unrelated documents, not three: not a template
    subheading = "What happens next"
    story = [STORIES[0][0], subheading, *STORIES[0][1:]]
    update = [p.replace("the", "a", 1) for p in story]
    other = [STORIES[1][0], subheading, *STORIES[1][1:]]
    docs = [segment("\n".join(d)) for d in (story, update, other)]
    assert not {p.key for p in docs[0] if p.n_words >= 12} & {p.key for p in docs[1]}
    assert not find_templates(docs, min_docs=3)
    assert find_templates([segment("\n".join(d)) for d in (story, other, [STORIES[2][0], subheading, *STORIES[2][1:]])],
                          min_docs=3)


def test_a_quote_shared_by_a_few_stories_is_not_a_template():
    quote = "\"We will not rest until every family has a safe place to live,\" the governor said on Monday."
    docs = [segment("\n".join([f"Report {i} on the housing plan opens with a long paragraph about district {i} and its needs.",
                               quote, f"Report {i} closes with reactions from district {i} residents and officials."]))
            for i in range(4)]
    assert not find_templates(docs, min_docs=3)


def test_a_japanese_quote_shared_by_a_few_stories_is_not_a_template():
    # no spaces between words: a sentence is one or two \w+ runs, yet it is long prose
    quote = "市長は月曜日の会見で、すべての家族が安心して暮らせる住まいを確保するまで努力を続けると述べました。"
    docs = [segment("\n".join([f"報告{i}は、地区{i}の住宅計画とその課題について詳しく説明する長い段落で始まります。", quote,
                               f"報告{i}は、地区{i}の住民と関係者の反応で締めくくられています。"]))
            for i in range(4)]
    assert all(p.sentence for d in docs for p in d)
    assert not find_templates(docs, min_docs=3)


def test_a_list_item_shared_by_stories_is_not_a_template_but_a_menu_row_is():
    # a bullet of running text without a full stop (quoted by mashups, kept by syndicated
    # copies) is article text; a row of Title Case menu entries recurring the same way is not
    item = "Hundreds of new tasks that will make your weekend plans fuller and more interesting for everyone"
    menu = "Home News Sport Business Opinion Lifestyle Travel Culture Weather Video Podcasts Newsletters"
    docs = [segment("\n".join([menu, story[0], item, story[2]])) for story in STORIES]
    found = find_templates(docs, min_docs=3)
    assert {p.text for d in docs for p in d if p.key in found} == {menu}


def test_corpus_templates_are_removed_in_the_pipeline():
    records = []
    for i, story in enumerate(STORIES):
        records.append(Record(doc_id=f"d{i}", source="t", text="\n".join(["Weather alerts for your area", *story])))
    for c in clean_records(records):
        assert "Weather alerts for your area" not in c.text
        assert ("template" in {r for _, _, r in c.removed})


def test_html_page_through_trafilatura():
    html = (FIXTURES / "page.html").read_text()
    cleaned = finish(draft(Record(doc_id="p", source="p", html=html)))
    assert cleaned.title == "River towns prepare for record spring flooding"
    text = cleaned.text
    assert text.startswith("Emergency crews in three river towns")
    assert "Farmers north of the towns" in text
    assert "Evacuation plans" in text
    for furniture in ("Subscribe today", "Sign up for our morning newsletter", "All rights reserved", "Most Read",
                      "Council approves"):
        assert furniture not in text
    assert cleaned.date == "2024-03-18"


def test_public_single_document_functions():
    html = (FIXTURES / "page.html").read_text()
    assert newsdedup.clean_html(html).startswith("Emergency crews")
    assert newsdedup.clean_text("\n".join(["Menu", *BODY, "Subscribe"])) == "\n\n".join(BODY)


def test_hostile_html_is_rejected_not_raised():
    for html in ["<html><body>" + "<div>" * 5000 + "x", "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a SYSTEM 'file:///etc/passwd'>]><x>&a;</x>",
                 "\x00\x01\x02 binary junk"]:
        cleaned = finish(draft(Record(doc_id="h", source="h", html=html)))
        assert cleaned.error or "root:" not in cleaned.text


def test_prose_the_model_dropped_right_before_the_article_comes_back():
    from newsdedup.clean.text import LOW_CONTENT, NAVIGATION, _keep_opening_lines

    lede = "Officials said on Monday that the bridge would stay closed for at least another month of repairs."
    promo = "Subscribe today and get every story about the bridge and the city council delivered to you."
    lines = ["Menu", promo, "Updated 2 hours ago", lede] + BODY
    paras = segment("\n".join(lines))
    before_model = [NAVIGATION, "call_to_action", None, None] + [None] * len(BODY)
    reasons = [NAVIGATION, "call_to_action", NAVIGATION, LOW_CONTENT] + [None] * len(BODY)
    _keep_opening_lines(paras, reasons, before_model, long_words=12)
    assert reasons[3] is None  # the lede, next to the article, is article
    assert reasons[:3] == [NAVIGATION, "call_to_action", NAVIGATION]  # the walk stops at the short dateline
    reasons = [NAVIGATION, "call_to_action", LOW_CONTENT, LOW_CONTENT] + [None] * len(BODY)
    paras[2] = segment(promo)[0]  # a prose line with a cue (the model removed it) stops the walk too
    _keep_opening_lines(paras, reasons, before_model, long_words=12)
    assert reasons[2] == LOW_CONTENT and reasons[3] is None


def test_prose_brought_back_comes_with_the_run_of_prose_it_stands_in():
    # the model kept no prose (two article paragraphs in a page of furniture, both scored
    # under its threshold): the likelier comes back, and its prose neighbour with it; a
    # prose paragraph apart from that run (a site blurb after the share buttons) does not
    from newsdedup.clean.text import LOW_CONTENT, _keep_best_prose

    first, second = STORIES[2][:2]
    blurb = "Nobody covers the valley and the towns around it like our newsroom has done for a hundred years."
    paras = segment("\n".join(["Local News", first, second, "Share on Facebook", blurb]))
    reasons = ["navigation", LOW_CONTENT, LOW_CONTENT, "social", LOW_CONTENT]
    _keep_best_prose(paras, reasons, [None] * 5, [0.0, 0.41, 0.36, 0.0, 0.05], long_words=12)
    assert reasons == ["navigation", None, None, "social", LOW_CONTENT]


def test_a_page_whose_only_kept_prose_is_a_pitch_gets_its_plain_prose_back():
    from newsdedup.clean.text import FOOTER, _keep_best_prose

    pitch = "The best reporting from our newsroom, every single day. Subscribe now for more from the people who cover your city."
    lede = "Officials said on Monday that the bridge would stay closed for at least another month of repairs."
    paras = segment("\n".join(["Menu", pitch, "Updated 2 hours ago", lede, "Read the full story"]))
    assert paras[1].cues.kind == "call_to_action" and paras[3].cues.kind is None
    before_model = [None] * 5
    scores = [0.0, 0.7, 0.0, 0.1, 0.0]
    reasons = ["navigation", None, "navigation", FOOTER, "call_to_action"]
    _keep_best_prose(paras, reasons, before_model, scores, long_words=12)
    assert reasons[3] is None  # the teaser's lede: the only prose without a cue
    reasons = ["navigation", None, "navigation", None, "call_to_action"]
    _keep_best_prose(paras, reasons, before_model, scores, long_words=12)
    assert reasons == ["navigation", None, "navigation", None, "call_to_action"]  # cue-free prose kept: nothing to do
    reasons = ["navigation", "call_to_action", "navigation", "call_to_action", "call_to_action"]
    paras[3] = segment(pitch)[0]  # every prose line a pitch, none kept: the likeliest comes back
    _keep_best_prose(paras, reasons, before_model, scores, long_words=12)
    assert reasons[1] is None and reasons[3] == "call_to_action"
