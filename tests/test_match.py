"""Paragraph alignment inside clusters and shared passages across them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz, process

from newsdedup.config import Config
from newsdedup.align import align, found_chars, scores
from newsdedup.match import paragraph_matches

QUOTE = "\"We will rebuild the pier before the summer season starts, whatever it costs,\" the mayor said on Friday."
A = ["The storm destroyed most of the old pier on Tuesday night, leaving a gap of two hundred metres.",
     QUOTE,
     "Repairs are expected to take at least four months, according to the harbour office."]
B = ["Fishermen in the bay say the season is already lost after the storm wrecked their moorings.",
     "In a statement, " + QUOTE + " Critics called the promise unrealistic.",
     "The fishing cooperative will meet next week to discuss compensation claims."]


def test_align_pairs_identical_then_similar_paragraphs():
    edited = [A[0], A[1].replace("Friday", "Saturday"), "A new closing line about other things entirely."]
    pairs = align(edited, A, 80)
    assert [(i, j) for i, j, _ in pairs] == [(0, 0), (1, 1)]
    assert pairs[0][2] == 100.0 and 80 <= pairs[1][2] < 100


def test_quote_shared_by_two_stories_is_matched_across_clusters():
    matches = paragraph_matches(["a", "b"], [A, B], ["c1", "c2"], ["a", "b"], Config())
    assert [(m[0], m[1], m[2], m[3], m[5]) for m in matches] == [("a", 1, "b", 1, False)]
    assert matches[0][4] >= 90


def test_unrelated_paragraphs_do_not_match():
    matches = paragraph_matches(["a", "b"], [A[:1] + A[2:], B[:1] + B[2:]], ["c1", "c2"], ["a", "b"], Config())
    assert matches == []


def test_duplicates_are_aligned_with_their_canonical():
    copy = A[:2] + ["Repairs are expected to take at least five months, according to the harbour office."]
    matches = paragraph_matches(["a", "b"], [A, copy], ["c", "c"], ["a", "a"], Config())
    assert [(m[1], m[3], m[5]) for m in matches] == [(0, 0, True), (1, 1, True), (2, 2, True)]
    assert matches[2][4] < 100


def test_frequent_passages_propose_no_pairs():
    credit = "This story was produced with the help of the regional news agency and its partner stations."
    topics = ["wheat prices", "a chess final", "bridge repairs", "a jazz festival", "school meals", "river otters"]
    docs = [[f"Reporters followed {t} for {i + 2} weeks, speaking to {10 * i + 7} people along the way.", credit]
            for i, t in enumerate(topics)]
    ids = [f"d{i}" for i in range(6)]
    every = paragraph_matches(ids, docs, ids, ids, Config())
    assert len(every) == 15
    capped = paragraph_matches(ids, docs, ids, ids, Config(match_max_postings=5))
    assert capped == []


@pytest.mark.parametrize("shingles_at_once", [1 << 22, 16])
def test_editorial_notes_are_aligned_inside_clusters_but_never_matched_across(shingles_at_once, monkeypatch):
    """Two stories carrying the same templated correction share no passage; the same note
    in an edited copy is still aligned with its canonical, and an update that goes on with
    news is story text and still matches across clusters (the keys after a note numbered
    again, their shingles in one share or in many)."""
    from newsdedup import match

    monkeypatch.setattr(match, "SHINGLES_AT_ONCE", shingles_at_once)
    correction = "Correction, May 2, 2024: An earlier version of this article misstated the date of the vote."
    news_update = "Update, May 3: Officials said on Saturday that the toll had risen to twelve people in the town."
    a = A + [correction, news_update]
    b = B + [correction, news_update]
    a_copy = A[:2] + [A[2].replace("four", "five"), correction, news_update]
    ids, clusters, canonical = ["a", "a2", "b"], ["c1", "c1", "c2"], ["a", "a", "b"]
    matches = paragraph_matches(ids, [a, a_copy, b], clusters, canonical, Config())
    across = [(m[0], m[1], m[2], m[3]) for m in matches if not m[5]]
    assert across == [("a", 1, "b", 1), ("a", 4, "b", 4), ("a2", 1, "b", 1), ("a2", 4, "b", 4)]
    inside = [(m[1], m[3]) for m in matches if m[5]]
    assert (3, 3) in inside and (4, 4) in inside


def test_seed_statement_is_matched_between_two_outlets(seed_result):
    m = seed_result.matches
    across = m[(~m["same_cluster"]) & m["doc_a"].str.startswith("002") & m["doc_b"].str.startswith("003")]
    assert len(across) >= 1
    docs = seed_result.documents.set_index("doc_id")
    for row in across.itertuples():
        para_a = docs.at[row.doc_a, "text"].split("\n\n")[row.para_a]
        para_b = docs.at[row.doc_b, "text"].split("\n\n")[row.para_b]
        assert "Progressives believe" in para_a
        assert "Progressives believe" in para_b or "Secretary Clinton is tough" in para_b


def test_matches_are_the_same_on_one_thread_and_two():
    """With two workers the cross-cluster half runs on a second thread: same matches."""
    topics = ["wheat prices", "a chess final", "bridge repairs", "a jazz festival", "school meals", "river otters"]
    docs, ids, clusters, canonical = [], [], [], []
    for i, topic in enumerate(topics):
        story = [f"Reporters followed {topic} for {i + 2} weeks, speaking to {10 * i + 7} people along the way.",
                 QUOTE if i % 2 else f"Officials said {topic} would be reviewed again before the end of the year.",
                 f"The report on {topic} will be published next month by the regional council, it said."]
        edited = story[:2] + [story[2].replace("next month", "in the spring")]
        for copy, paras in enumerate((story, edited)):
            ids.append(f"s{i}-{copy}")
            docs.append(paras)
            clusters.append(f"c{i}")
            canonical.append(f"s{i}-0")
    one = paragraph_matches(ids, docs, clusters, canonical, Config(workers=1))
    two = paragraph_matches(ids, docs, clusters, canonical, Config(workers=2))
    assert one == two
    with pytest.MonkeyPatch.context() as patch:  # duplicates aligned one pair at a time
        patch.setattr("newsdedup.align.CHUNK", 1)
        assert paragraph_matches(ids, docs, clusters, canonical, Config(workers=1)) == one
    assert {m[5] for m in one} == {True, False}  # matches inside clusters and across them


def test_an_edit_inside_a_cluster_is_still_matched_with_other_clusters():
    """Two paragraphs of one cluster are never paired across clusters, but each is
    still paired with another cluster's copy, whether that copy is also printed in their
    own cluster (``c``) or not (``b``)."""
    edited = A[:1] + [QUOTE.replace("Friday", "Saturday")] + A[2:]
    ids, clusters = ["a", "a2", "b", "c"], ["c1", "c1", "c2", "c3"]
    docs = [A, edited, B, ["A different story about ferries, reprinting the statement.", QUOTE]]
    across = [(m[0], m[1], m[2], m[3]) for m in paragraph_matches(ids, docs, clusters, ["a", "a", "b", "c"], Config())
              if not m[5]]
    assert across == [("a", 1, "b", 1), ("a", 1, "c", 1), ("a2", 1, "b", 1), ("a2", 1, "c", 1), ("b", 1, "c", 1)]


def test_a_passage_index_built_before_the_clusters_gives_the_same_matches():
    from newsdedup.match import across_clusters, passage_index
    from newsdedup.normalize import compare_keys

    edited = A[:1] + [QUOTE.replace("Friday", "Saturday")] + A[2:]
    ids, clusters = ["a", "a2", "b"], ["c1", "c1", "c2"]
    keys = [compare_keys(d) for d in (A, edited, B)]
    index = passage_index(keys, Config())  # without the clusters: the pair inside c1 is scored too
    assert len(index.score) > len(passage_index(keys, Config(), cluster_ids=clusters).score)
    assert across_clusters(ids, keys, clusters, Config(), index=index) == across_clusters(ids, keys, clusters, Config())
    with pytest.raises(ValueError, match="other match settings"):
        across_clusters(ids, keys, clusters, Config(match_cutoff=90), index=index)


def test_alignment_scores_exactly_the_pairs_a_full_matrix_would():
    """align skips pairs whose character histograms rule out the cutoff: a lower bound, so
    it must give what scoring every pair gives (greedy, best first, ties by position)."""
    import random

    from .reference import greedy_alignment

    rng = random.Random(5)
    words = (" ".join(A + B) + " éxito ñandú 東京 €").split()
    checked = 0
    for _ in range(300):
        a = [" ".join(rng.choices(words, k=rng.randint(1, 30))) for _ in range(rng.randint(1, 8))]
        b = [" ".join(w for w in p.split() if rng.random() > 0.1) for p in a] + \
            [" ".join(rng.choices(words, k=rng.randint(1, 30))) for _ in range(rng.randint(0, 3))]
        rng.shuffle(b)
        for cutoff in (50, 80, 90):
            expected = greedy_alignment(a, b, cutoff)
            # identical paragraphs pair first in align; a full matrix scores them 100 too
            assert align(a, b, cutoff) == expected
            checked += len(expected)
    assert checked > 1000


def _prose(chars: int, seed: int) -> str:
    """Sentences of words of the seed corpus, drawn at random: prose that shares no passage
    with another seed's."""
    import random
    import re

    from .conftest import CORPUS

    vocab = sorted({w.lower() for p in sorted(CORPUS.glob("*.txt")) for w in re.findall(r"[A-Za-z]{3,}", p.read_text())})
    rng, out, n = random.Random(seed), [], 0
    while n < chars:
        out.append(" ".join(rng.choice(vocab) for _ in range(rng.randint(8, 20))).capitalize() + ".")
        n += len(out[-1]) + 1
    return " ".join(out)[:chars].rsplit(" ", 1)[0] + "."


def _edited(text: str, every: int = 400) -> str:
    """Every ``every``-th word replaced: a copy no scorer can find verbatim."""
    words = text.split(" ")
    for k in range(0, len(words), every):
        words[k] = "edited"
    return " ".join(words)


def test_scoring_50k_character_paragraphs_is_bounded_and_finds_the_passage():
    """partial_ratio of a 50,000-character paragraph runs for minutes (rapidfuzz issue #430):
    past a budget, pairs are scored piece by piece, close to the exact score."""
    passage = _prose(50_000, 1)
    inside = _prose(10_000, 2) + " " + _edited(passage) + " " + _prose(20_000, 3)
    found = scores([passage, passage, passage], [inside, _prose(80_000, 4), _edited(passage)],
                   fuzz.partial_ratio, 80)
    assert found[0] >= 98 and found[1] == 0  # the passage inside a longer one; an unrelated text
    assert found[2] >= 98
    assert scores([passage], [_edited(passage)], fuzz.ratio, 80)[0] >= 98
    assert 0 < scores([passage], [passage + " " + _prose(150_000, 5)], fuzz.ratio, 0)[0] < 50


def test_piecewise_estimate_is_close_to_the_exact_score():
    for chars in (2_000, 3_000):
        short = _edited(_prose(chars, 6), every=30)
        long = _prose(chars, 7) + " " + _prose(chars, 6) + " " + _prose(chars, 8)
        assert abs(100 * found_chars(short, long) / len(short) - fuzz.partial_ratio(short, long)) < 2


def test_scores_below_the_budget_are_rapidfuzz_scores():
    xs, ys = [A[1], B[1], A[0]], [B[1], A[1], B[0]]
    for scorer in (fuzz.ratio, fuzz.partial_ratio):
        expected = process.cpdist(xs, ys, scorer=scorer, score_cutoff=50, dtype=np.float32, workers=1)
        assert scores(xs, ys, scorer, 50).tolist() == expected.tolist()


def test_stories_sharing_a_50k_character_paragraph_are_matched_end_to_end():
    import newsdedup

    passage = _prose(50_000, 1)
    docs = pd.DataFrame({"id": ["a", "b", "c"], "text": [
        "\n\n".join([_prose(400, 2), passage, _prose(400, 3)]),
        # the passage, edited (a word in 20: the exact partial_ratio runs for minutes), inside
        # a longer paragraph of another story
        "\n\n".join([_prose(400, 4), _edited(passage, every=20) + " " + _prose(30_000, 5), _prose(400, 6)]),
        # a copy of the first story with edits in the long paragraph
        "\n\n".join([_prose(400, 2), _edited(passage, every=300), _prose(400, 3)])]})
    result = newsdedup.run(docs, newsdedup.Config(workers=1))
    clusters = result.documents.set_index("doc_id")["cluster_id"]
    assert clusters["a"] == clusters["c"] != clusters["b"]
    matches = {(m.doc_a, m.para_a, m.doc_b, m.para_b): m for m in result.matches.itertuples()}
    for pair, same in ((("a", 1, "b", 1), False), (("b", 1, "c", 1), False), (("a", 1, "c", 1), True)):
        assert matches[pair].same_cluster == same and matches[pair].score >= 90, pair


def test_postings_built_a_share_of_the_shingles_at_a_time_give_the_same_matches(seed_result, monkeypatch):
    """The cross-cluster search sorts a share of the shingle values at a time (and looks
    for editorial notes a block of keys at a time) on large corpora; on the seeds, forced
    to many shares and blocks, the matches are those of one pass."""
    import newsdedup
    from newsdedup import match
    from tests.conftest import CORPUS

    assert (~seed_result.matches["same_cluster"]).any()
    monkeypatch.setattr(match, "SHINGLES_AT_ONCE", 64)
    monkeypatch.setattr(match, "NOTES_AT_ONCE", 3)
    shares = newsdedup.run(CORPUS, newsdedup.Config(workers=1))
    pd.testing.assert_frame_equal(shares.matches, seed_result.matches)


def test_match_columns_hold_the_matches_as_arrays_with_the_same_rows_and_table():
    """The local runner keeps the matches as columns (33 bytes a match; 1M synthetic
    documents have 3.8M matches), and a forked child sends back arrays: the rows, their
    order (doc ids given unsorted) and the table are those of the Match tuples."""
    from newsdedup.match import MatchColumns, paragraph_match_columns, within_columns
    from newsdedup.normalize import compare_keys
    from newsdedup.tables import matches_table

    edited = A[:1] + [QUOTE.replace("Friday", "Saturday")] + A[2:]
    ids, clusters, canonical = ["z", "a2", "b", "a"], ["c1", "c1", "c2", "c1"], ["z", "z", "b", "z"]
    docs = [A, edited, B, A]
    columns = paragraph_match_columns(ids, docs, clusters, canonical, Config())
    rows = paragraph_matches(ids, docs, clusters, canonical, Config())
    assert isinstance(columns, MatchColumns) and list(columns) == rows == sorted(rows)
    assert {m[5] for m in rows} == {True, False} and all(m[0] < m[2] for m in rows)
    assert columns[0] == rows[0] and len(columns) == len(rows)
    keys = [compare_keys(d) for d in docs]
    sent = within_columns(ids, keys, canonical, Config())
    assert all(isinstance(column, np.ndarray) for column in sent)
    pd.testing.assert_frame_equal(matches_table(columns), matches_table(rows))


@pytest.mark.parametrize("parts", [1, 3])
def test_shingle_shares_sorted_the_same_whatever_order_the_keys_come_in(parts):
    """The local runner adds the long keys' shingles in key order, and a share is then
    sorted by its shingles alone (the keys already ascend); the Dask engine adds blocks
    as its workers send them, and a share is sorted whole: the same words either way,
    repeated shingles and keys included."""
    from newsdedup.match import _ShingleShares

    rng = np.random.default_rng(7)
    sets = [np.unique(rng.integers(0, 40, rng.integers(0, 12))).astype(np.uint32) for _ in range(300)]
    sets[5] = np.array([0xFFFFFFFF, 0xFFFF0000, 0x0000FFFF], dtype=np.uint32)  # both halves of the high word used
    blocks = [np.arange(start, min(start + 37, len(sets))) for start in range(0, len(sets), 37)]

    def filled(order) -> list[np.ndarray]:
        shares = _ShingleShares(parts)
        for block in order:
            flat = np.concatenate([sets[i] for i in block])
            offsets = np.cumsum([0] + [sets[i].size for i in block]).astype(np.int64)
            shares.add(flat, offsets, block.astype(np.int64))
        shares.seal()
        out = [shares.share(p) for p in range(parts)]
        shares.close()
        return out

    in_order, shuffled = filled(blocks), filled(blocks[::-1])
    words = np.concatenate([(sets[i].astype(np.uint64) << np.uint64(32)) | np.uint64(i) for i in range(len(sets))])
    share = (words >> np.uint64(32)) % np.uint64(parts)
    for p in range(parts):
        expected = np.sort(words[share == p])
        np.testing.assert_array_equal(in_order[p], expected)
        np.testing.assert_array_equal(shuffled[p], expected)


def test_passage_index_on_two_threads_is_the_same_index(monkeypatch):
    """The local runner's index child spreads the shares of the postings and the scoring
    over two threads: the same arrays as on one, with many shares and both scorers used
    (passages quoted inside longer paragraphs, edited copies, identical paragraphs)."""
    from newsdedup import match
    from newsdedup.normalize import compare_keys

    quotes = [_prose(300, 100 + q) for q in range(6)]
    docs = []
    for d in range(24):
        paragraphs = [_prose(250, 1000 + d * 10 + p) for p in range(3)]
        paragraphs.append(_prose(120, 5000 + d) + " " + quotes[d % 6] + " " + _prose(80, 6000 + d))  # a quote inside
        paragraphs.append(_edited(quotes[(d + 1) % 6], 9))  # an edited copy of another quote
        paragraphs.append(quotes[(d + 2) % 6])  # a quote printed as it is
        docs.append(compare_keys(paragraphs))
    monkeypatch.setattr(match, "SHINGLES_AT_ONCE", 97)
    one = match.passage_index(docs, Config(), threads=1)
    two = match.passage_index(docs, Config(), threads=2)
    assert one.key_a.size > 10 and len(set(np.round(one.score).tolist())) > 2
    for field in ("occ_doc", "occ_para", "n_occ", "first_occ", "key_a", "key_b", "score"):
        np.testing.assert_array_equal(getattr(one, field), getattr(two, field), err_msg=field)


@pytest.mark.parametrize("when", ["ready", "late", "forked"])
def test_clusters_given_later_give_the_index_built_with_them(when, monkeypatch):
    """The local runner's index child gets the clusters once dedup has them: whether they
    are known when its shingles' pairs are made (left out there) or only after (dropped
    then), the index is the one built with the clusters from the start, and smaller than
    the one built without them."""
    from newsdedup import match
    from newsdedup.normalize import compare_keys
    from newsdedup.runners.fork import Forked
    from newsdedup.runners.later import Later

    edited = A[:1] + [QUOTE.replace("Friday", "Saturday")] + A[2:]
    keys = [compare_keys(d) for d in (A, edited, B, edited)]
    clusters = ["c1", "c1", "c2", "c1"]
    monkeypatch.setattr(match, "SHINGLES_AT_ONCE", 7)  # many shares
    expected = match.passage_index(keys, Config(), cluster_ids=clusters, threads=2)
    numbers = match.cluster_numbers(clusters)
    if when == "forked":
        later = Later(len(keys), np.int64)
        child = Forked(match.passage_index, keys, Config(), None, None, None, 2, later)
        later.forked()
        later.send(numbers)
        got = child.result()
    else:
        class Given:
            def ready(self) -> bool:
                return when == "ready"

            def get(self) -> np.ndarray:
                return numbers

        got = match.passage_index(keys, Config(), threads=2, clusters_later=Given())
    assert len(match.passage_index(keys, Config()).score) > len(expected.score) > 0
    for field in ("occ_doc", "occ_para", "n_occ", "first_occ", "key_a", "key_b", "score"):
        np.testing.assert_array_equal(getattr(got, field), getattr(expected, field), err_msg=field)


def test_a_forked_child_waiting_for_values_never_sent_gets_an_error():
    from newsdedup.runners.fork import Forked
    from newsdedup.runners.later import Later

    later = Later(2, np.int64)
    child = Forked(Later.get, later)
    later.close()  # the parent gives up
    with pytest.raises(RuntimeError, match="never sent"):
        child.result()


def test_key_stats_carried_from_cleaning_are_those_of_the_keys():
    """Cleaning hashes and counts the words of each kept paragraph's key; the passage index
    takes them from the clean rows instead of reading the keys again: the same stats, on
    plain text and HTML pages (the bundled corpus, the fixtures, aeb-dupes-dev when present)."""
    import os
    from pathlib import Path

    from newsdedup.match import carried_key_stats, key_stats
    from newsdedup.read import read_inputs
    from newsdedup.runners.local import clean_records

    from .conftest import CORPUS, FIXTURES

    inputs = [CORPUS, FIXTURES / "aeb_dupes", FIXTURES / "page.html"]
    shared = Path(os.environ.get("NEWSDEDUP_SHARED_DATA", "")) / "aeb-dupes-dev" / "docs"
    if shared.is_dir():
        inputs.append(shared)
    cleaned, _ = clean_records(read_inputs(inputs, Config(workers=1)), Config(workers=1))
    good = [c for c in cleaned if c.error is None]
    assert len(good) > 8 and any(c.source.endswith(".html") for c in good)
    carried = carried_key_stats([c.n_words for c in good], [c.key_hashes for c in good])
    read = key_stats([c.keys for c in good])
    for field in ("n_paras", "words", "hashes"):
        np.testing.assert_array_equal(getattr(carried, field), getattr(read, field), err_msg=field)
    assert carried_key_stats([[3, 4]], [b"\0" * 8]) is None  # a row without a hash for each key: read them


def test_values_sent_to_a_child_that_is_gone_are_no_error():
    from newsdedup.runners.fork import Forked
    from newsdedup.runners.later import Later

    later = Later(2, np.int64)
    child = Forked(int, 7)
    later.forked()  # the only reading end was the child's
    assert child.result() == 7  # it exited without reading
    later.send(np.array([1, 2]))
