"""report.html in headless Chromium, as a person sees it (Debian's chromium; .ci/run installs
it). Skipped, with the reason, only where no Chromium can be found."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from newsdedup.cli import main
from newsdedup.report.browser import Chromium, find_chromium

from .conftest import CORPUS
from .stories import INJECTION, stories, write_jsonl

pytest.importorskip("websocket", reason="websocket-client (a dev extra) drives Chromium")
if find_chromium() is None:
    pytest.skip("no Chromium found: install Debian's chromium (apt-get install -y chromium; .ci/run does) "
                "or set NEWSDEDUP_CHROMIUM", allow_module_level=True)

WATCH = """window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective));"""


def _run(inputs: list[Path], out: Path) -> Path:
    res = CliRunner().invoke(main, ["run", *map(str, inputs), "--out", str(out), "--workers", "1", "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def seed_out(tmp_path_factory):
    return _run([CORPUS], tmp_path_factory.mktemp("seed") / "out")


@pytest.fixture(scope="module")
def stories_out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stories")
    return _run([write_jsonl(stories(3, 1, quotes=2) + [INJECTION], folder / "in.jsonl")], folder / "out")


@pytest.fixture(scope="module")
def browser():
    with Chromium() as chromium:
        chromium.on_new_document(WATCH)
        yield chromium
        assert chromium.exceptions() == []


def _table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_json(out / f"{name}.jsonl", lines=True, dtype=False)


def test_overview_numbers_are_those_of_summary_json(browser, seed_out):
    browser.open((seed_out / "report.html").as_uri())
    shown = browser.evaluate("Object.fromEntries([...document.querySelectorAll('[data-count]')]"
                             ".map((e) => [e.dataset.count, e.textContent]))")
    counts = json.loads((seed_out / "summary.json").read_text())["counts"]
    assert {k: int(v.replace(",", "")) for k, v in shown.items()} == {k: counts[k] for k in shown}
    assert {"inputs", "kept", "duplicates", "rejected", "clusters", "matches"} <= set(shown)
    plots = browser.evaluate("document.querySelector('main').textContent")
    assert "repeated_block" in plots and "stage timings" in plots and "clean" in plots


def test_clicking_a_cluster_shows_its_members_beside_the_canonical_with_differences(browser, stories_out):
    browser.open((stories_out / "report.html").as_uri())
    browser.click("#nav a[href='#clusters']")
    browser.wait_for("!!document.querySelector('#cluster-list tbody a.cluster')")
    biggest = browser.evaluate("document.querySelector('#cluster-list tbody a.cluster').textContent")
    browser.click("#cluster-list tbody a.cluster")
    browser.wait_for("!!document.querySelector('#cluster-view')")
    cluster = _table(stories_out, "clusters").set_index("cluster_id").loc[biggest]
    docs = _table(stories_out, "documents").set_index("doc_id")
    members = browser.evaluate("[...document.querySelectorAll('section.member')].map((s) => s.dataset.member)")
    assert sorted(members) == sorted(m for m in cluster["member_ids"] if m != cluster["canonical_id"]) and members
    for member in members:
        rows = browser.evaluate(f"""[...document.querySelectorAll('section.member[data-member={json.dumps(member)}] .cell')]
            .map((c) => [c.dataset.kind, c.classList.contains('left') ? 'left' : 'right',
                         [...c.querySelectorAll('.del')].map((s) => s.textContent.trim()),
                         [...c.querySelectorAll('.ins')].map((s) => s.textContent.trim())])""")
        kinds = {kind for kind, *_ in rows}
        assert {"same", "edited", "added", "missing"} <= kinds  # one word-edited, one added, one dropped paragraph
        canonical_text, member_text = docs.at[cluster["canonical_id"], "text"], docs.at[member, "text"]
        deleted = [w for kind, side, dels, _ in rows if kind == "edited" and side == "left" for w in dels]
        inserted = [w for kind, side, _, ins in rows if kind == "edited" and side == "right" for w in ins]
        assert deleted and inserted
        assert all(w in canonical_text for w in deleted) and all(w in member_text for w in inserted)


def test_a_document_shows_its_removed_paragraphs_in_place_with_reasons(browser, seed_out):
    boilerplate = _table(seed_out, "boilerplate")
    doc_id = boilerplate["doc_id"].value_counts().sort_index().idxmax()
    removed = boilerplate[boilerplate["doc_id"] == doc_id].sort_values("para_index")
    kept = _table(seed_out, "documents").set_index("doc_id").at[doc_id, "text"].split("\n\n")
    browser.open((seed_out / "report.html").as_uri())
    browser.go("#doc/" + doc_id)
    shown = browser.evaluate("""[...document.querySelectorAll('#document-text > p')].map((p) =>
        [p.className, p.dataset.reason || null, p.firstChild.nodeType === 3 ? p.firstChild.textContent : p.childNodes[1].textContent])""")
    assert len(shown) == len(kept) + len(removed)
    at = {int(i): (text, reason) for i, text, reason in removed[["para_index", "text", "reason"]].itertuples(index=False)}
    for position, (cls, reason, text) in enumerate(shown):
        if position in at:
            assert (cls, reason, text) == ("removed", at[position][1], at[position][0])
        else:
            assert cls == "kept" and reason is None
    assert [text for cls, _, text in shown if cls == "kept"] == kept
    assert browser.evaluate("getComputedStyle(document.querySelector('p.removed')).color") != \
        browser.evaluate("getComputedStyle(document.querySelector('p.kept')).color")  # greyed


def test_markup_and_script_in_the_data_show_as_text_and_run_nothing(browser, stories_out):
    browser.open((stories_out / "report.html").as_uri())
    docs = _table(stories_out, "documents").set_index("doc_id")
    cluster = docs.at[INJECTION["id"], "cluster_id"]
    for fragment in ("#documents", "#doc/" + INJECTION["id"], "#cluster/" + cluster, "#passages", "#clusters", "#rejects"):
        browser.go(fragment.replace(INJECTION["id"], browser.evaluate(f"encodeURIComponent({json.dumps(INJECTION['id'])})")))
        assert browser.evaluate("document.documentElement.getAttribute('data-pwned')") is None, fragment
        assert browser.evaluate("document.querySelectorAll('main script, main img, main iframe, main b').length") == 0
        assert browser.evaluate("document.querySelectorAll('a[href^=\"javascript\" i]').length") == 0
    browser.go("#doc/" + browser.evaluate(f"encodeURIComponent({json.dumps(INJECTION['id'])})"))
    text = browser.evaluate("document.querySelector('#document-view').textContent")
    assert INJECTION["title"] in text and INJECTION["url"] in text and INJECTION["id"] in text
    for paragraph in INJECTION["text"].split("\n\n"):
        assert paragraph in text
    assert browser.evaluate("window.__violations") == []  # nothing even tried to load or run
    assert browser.evaluate("document.documentElement.getAttribute('data-pwned')") is None


def test_shared_passages_show_both_paragraphs_side_by_side_with_their_score(browser, stories_out):
    matches = _table(stories_out, "paragraph_matches")
    across = matches[~matches["same_cluster"].astype(bool)]
    texts = _table(stories_out, "documents").set_index("doc_id")["text"]
    browser.open((stories_out / "report.html").as_uri())
    browser.go("#passages")
    shown = browser.evaluate("""[...document.querySelectorAll('#passage-list .passage')].map((g) => ({
        docs: [...g.querySelectorAll('.aligned > .head a.doc')].map((a) => a.textContent),
        cells: [...g.querySelectorAll('.aligned > .cell')].map((c) => c.lastChild.textContent),
        tags: [...g.querySelectorAll('.aligned > .cell .tag')].map((t) => t.textContent)}))""")
    pairs = {(a, b) for a, b in zip(across["doc_a"], across["doc_b"])}
    assert len(shown) == len(pairs) and across["doc_a"].nunique() > 1
    for group in shown:
        a, b = group["docs"]
        rows = across[(across["doc_a"] == a) & (across["doc_b"] == b)].sort_values(["para_a", "para_b"])
        expected = [text for pa, pb in zip(rows["para_a"], rows["para_b"])
                    for text in (texts[a].split("\n\n")[pa], texts[b].split("\n\n")[pb])]
        assert group["cells"] == expected
        assert group["tags"][0] == f"¶{rows['para_a'].iloc[0]} · score {rows['score'].iloc[0]:.1f}"


def test_a_large_cluster_shows_its_members_a_page_at_a_time(browser, tmp_path):
    out = _run([write_jsonl(stories(1, 25), tmp_path / "in.jsonl")], tmp_path / "out")
    clusters = _table(out, "clusters")
    big = clusters.loc[clusters["size"].idxmax()]
    rest = big["size"] - 21  # members beyond the first page of 20
    assert rest > 0
    browser.open((out / "report.html").as_uri())
    browser.go("#cluster/" + big["cluster_id"])
    members = "[...document.querySelectorAll('section.member')].map((s) => s.dataset.member)"
    first = browser.evaluate(members)
    pager = browser.evaluate("document.querySelector('#cluster-view .pager').textContent")
    assert len(first) == 20 and f"1–20 of {20 + rest}" in pager
    browser.click("#cluster-view .pager button:last-child")
    browser.wait_for(f"document.querySelectorAll('section.member').length === {rest}")
    second = browser.evaluate(members)
    assert sorted(first + second) == sorted(m for m in big["member_ids"] if m != big["canonical_id"])


def test_a_browser_that_cannot_inflate_still_shows_the_overview_and_says_why(seed_out):
    with Chromium() as old:
        old.on_new_document("delete window.DecompressionStream;")
        old.open((seed_out / "report.html").as_uri())
        assert old.evaluate("document.querySelector('[data-count=inputs]').textContent") == "5"
        old.go("#clusters")
        assert "cannot unpack" in old.evaluate("document.querySelector('main').textContent")
