"""Per-document flags (what a user should check) and the accounting of what the HTML
extractor leaves out (snippets in the shape of real pages, written for these tests)."""

from __future__ import annotations

import html as html_lib

import newsdedup
from newsdedup import schema
from newsdedup.clean import EXTRACTOR, EXTRACTOR_INDEX, draft, finish
from newsdedup.clean.flags import LIST_PAGE, NOTICE_TEXT, SHORT_FOR_PAGE, document_flags
from newsdedup.clean.paragraphs import make_paragraphs
from newsdedup.records import Record

from .test_clean_rules import BODY

MENU = ["Home", "World", "U.S.", "Politics", "Business", "Tech", "Science", "Health", "Sports", "Opinion",
        "Arts", "Travel", "Food", "Real Estate", "Obituaries", "Podcasts", "Video", "Newsletters"]
HEADLINES = [  # an index page: teaser headlines and links, no article
    "Storm knocks out power to 40,000 homes across the valley",
    "School board delays vote on new start times",
    "Photos: The best moments from the county fair",
    "Police identify driver in Route 9 crash",
    "Opinion: Our parks need more than new benches",
    "High school football scores, Week 6",
    "Local bakery wins state award for sourdough",
    "What to know about the new recycling rules",
    "Council approves budget with 3% tax increase",
    "Weekend events: concerts, markets and a marathon",
]
CONSENT = [
    "We use cookies and similar technologies to improve your experience, to show you personalised content and "
    "to analyse our traffic. By clicking accept, you consent to our use of cookies as described in our cookie policy.",
    "You can change your cookie settings at any time by visiting the privacy settings page of your account.",
]


def page(title: str, body: list[str], menu: list[str] = MENU, footer: list[str] = HEADLINES) -> str:
    nav = "".join(f"<li><a href='/{i}'>{html_lib.escape(m)}</a></li>" for i, m in enumerate(menu))
    paras = "".join(f"<p>{html_lib.escape(p)}</p>" for p in body)
    more = "".join(f"<li><a href='/s{i}'>{html_lib.escape(h)}</a></li>" for i, h in enumerate(footer))
    return (f"<html><head><title>{title}</title><style>p {{ color: red }}</style>"
            f"<script>var tracking = 'never visible';</script></head><body>"
            f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1>{paras}</article></main>"
            f"<aside><h2>More news</h2><ul>{more}</ul></aside><footer><p>Contact us</p></footer></body></html>")


def cleaned_html(markup: str):
    return finish(draft(Record(doc_id="p", source="p", html=markup)))


def test_article_page_has_no_flags():
    assert cleaned_html(page("Night buses to the airport", BODY)).flags == []
    assert document_flags(make_paragraphs(BODY), raw_chars=3 * sum(map(len, BODY))) == []


def test_a_sliver_of_a_long_page_is_short_for_page():
    lines = BODY[:1] + HEADLINES * 12 + MENU * 10  # one sentence in a page of links
    assert document_flags(make_paragraphs(BODY[:1]), raw_chars=sum(map(len, lines))) == [SHORT_FOR_PAGE]
    # the same sentence as the whole input is an article as given
    assert document_flags(make_paragraphs(BODY[:1]), raw_chars=len(BODY[0])) == []


def test_a_list_of_headlines_is_a_list_page_and_an_article_with_a_list_is_not():
    assert LIST_PAGE in document_flags(make_paragraphs(HEADLINES), raw_chars=2000)
    with_list = BODY[:4] + HEADLINES[:4] + BODY[4:]  # an article with a short list inside
    assert LIST_PAGE not in document_flags(make_paragraphs(with_list), raw_chars=4000)


def test_consent_text_is_flagged_and_an_article_mentioning_cookies_is_not():
    assert NOTICE_TEXT in document_flags(make_paragraphs(CONSENT), raw_chars=400)
    about = BODY + ["The airport's website, which asks visitors to accept cookies, will list the new times."]
    assert NOTICE_TEXT not in document_flags(make_paragraphs(about), raw_chars=3000)


def test_flags_reach_the_documents_table(tmp_path):
    (tmp_path / "article.txt").write_text("\n".join(BODY))
    (tmp_path / "index.txt").write_text("\n".join(HEADLINES))
    docs = newsdedup.run(tmp_path).documents.set_index("doc_id")
    assert list(docs.columns) + ["doc_id"] == [c for c in schema.DOCUMENTS if c != "doc_id"] + ["doc_id"]
    assert docs.at["index", "flags"] == LIST_PAGE
    assert docs["flags"].isna()["article"]


def test_what_the_extractor_leaves_out_is_recorded_as_visible_text():
    markup = page("Night buses to the airport", BODY)
    c = cleaned_html(markup)
    extractor = [(i, text) for i, text, reason in c.removed if reason == EXTRACTOR]
    assert len(extractor) == 1 and extractor[0][0] == EXTRACTOR_INDEX
    dropped = extractor[0][1].split("\n")
    assert "Politics" in dropped and HEADLINES[0] in dropped and "Contact us" in dropped
    assert not any("<" in line or "tracking" in line or "color" in line for line in dropped)  # no markup, no script
    assert not any(line in dropped for line in BODY)


def test_raw_chars_of_a_page_count_its_visible_text_and_add_up():
    markup = page("Night buses to the airport", BODY)
    c = cleaned_html(markup)
    removed = sum(len(text) for _, text, _ in c.removed)
    visible = MENU + ["Night buses to the airport"] + BODY + ["More news"] + HEADLINES + ["Contact us"]
    assert c.raw_chars == len("\n".join(visible))  # markup, script and style are not counted
    # visible text = clean text + every removal, up to the line breaks between them
    assert abs(c.raw_chars - (len(c.text) + removed)) <= 2 * (len(c.removed) + len(c.paragraphs) + len(MENU) + len(HEADLINES))
