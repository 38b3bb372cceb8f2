"""Signatures (datasketch-compatible), LSH banding, clustering and canonical choice."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.config import Config
from newsdedup.dedup import deduplicate
from newsdedup.dedup.lsh import candidate_pairs, optimal_bands
from newsdedup.dedup.signatures import jaccard, shingle_hashes, shingle_sets, signatures, to_datasketch

from .conftest import CORPUS

WORDS = ("council budget river bridge school mayor storm police court election market union vote "
         "teacher hospital farmer rail port water power fire road tax health park").split()


def article(rng: random.Random, n: int = 120) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(n))


def edit(rng: random.Random, text: str, share: float) -> str:
    words = text.split()
    for i in rng.sample(range(len(words)), int(len(words) * share)):
        words[i] = "edited" + str(i)
    return " ".join(words)


def test_signatures_equal_datasketch_minhash_of_the_same_shingles():
    rng = random.Random(3)
    texts = [article(rng) for _ in range(5)] + ["one", ""]
    sigs = signatures(texts, num_perm=64, seed=7)
    for text, sig in zip(texts, sigs):
        m = MinHash(num_perm=64, seed=7, hashfunc=int)
        m.update_batch(shingle_hashes(text).tolist())
        assert np.array_equal(m.hashvalues, sig)


def test_batches_on_threads_give_each_text_its_own_signature_and_shingle_set():
    # more texts than one batch holds, ASCII and not interleaved (they are batched apart),
    # signed on one thread and on several: every row is the text's own, in input order
    rng = random.Random(11)
    texts = [article(rng, rng.randrange(0, 60)) for _ in range(700)]
    for i in range(0, 700, 7):
        texts[i] = texts[i].replace("council", "Conseil général").replace("river", "Fluß") + " ’"
    one = signatures(texts, num_perm=32, threads=1)
    assert np.array_equal(signatures(texts, num_perm=32, threads=3), one)
    for i in (0, 1, 7, 350, 699):
        assert np.array_equal(signatures([texts[i]], num_perm=32, threads=1)[0], one[i])
    flat, offsets = shingle_sets(texts, 4, threads=2)
    assert len(offsets) == len(texts) + 1
    for i in range(0, 700, 13):
        assert np.array_equal(flat[offsets[i]:offsets[i + 1]], shingle_hashes(texts[i], 4))
    assert np.array_equal(shingle_sets(texts, 4, threads=1)[0], flat)


@given(st.lists(st.integers(0, 2**32 - 1) | st.sampled_from([0, 1, 255, 256, 2**24, 2**32 - 1]), max_size=300))
def test_compiled_sort_keeps_the_distinct_values_in_order(values):
    from newsdedup.dedup.signatures import _sort_distinct

    data = np.array(values + [7, 7], dtype=np.uint32)  # spare room after the values
    n = _sort_distinct(data, len(values), np.empty(len(values), dtype=np.uint32))
    assert np.array_equal(data[:n], np.unique(np.array(values, dtype=np.uint32)))


def test_signatures_work_in_datasketch_lsh():
    rng = random.Random(4)
    base = article(rng)
    texts = [base, edit(rng, base, 0.02), article(rng)]
    sigs = signatures(texts)
    lsh = MinHashLSH(threshold=0.7, num_perm=128)
    for i, s in enumerate(sigs):
        lsh.insert(str(i), to_datasketch(s))
    assert sorted(lsh.query(to_datasketch(sigs[0]))) == ["0", "1"]


def test_estimated_jaccard_tracks_the_exact_one():
    rng = random.Random(5)
    base = article(rng, 400)
    for share in (0.01, 0.05, 0.15):
        other = edit(rng, base, share)
        exact = jaccard(shingle_hashes(base), shingle_hashes(other))
        a, b = signatures([base, other], num_perm=256)
        assert abs(float((a == b).mean()) - exact) < 0.1


def test_banding_matches_datasketch_parameters_and_finds_near_duplicates():
    assert optimal_bands(0.7, 128) == (14, 9)
    assert optimal_bands(0.5, 128) == (25, 5)
    rng = random.Random(6)
    base = [article(rng) for _ in range(20)]
    texts = base + [edit(rng, t, 0.01) for t in base[:10]]
    a, b = candidate_pairs(signatures(texts), 14, 9)
    pairs = set(zip(a.tolist(), b.tolist()))
    assert {(i, 20 + i) for i in range(10)} <= pairs
    assert all(j == i + 20 for i, j in pairs)


def test_clusters_exact_and_near_duplicates_and_picks_the_longest_as_canonical():
    rng = random.Random(7)
    a, b = article(rng), article(rng)
    longer = a + " " + " ".join(["extra"] * 3)
    ids = ["d3", "d1", "d2", "d4", "d5"]
    texts = [a, a, longer, edit(rng, a, 0.01), b]
    result = deduplicate(ids, texts, Config())
    by_id = dict(zip(ids, zip(result.cluster_ids, result.canonical_ids, result.similarity)))
    assert len({by_id[d][0] for d in ("d1", "d2", "d3", "d4")}) == 1
    assert by_id["d5"][0] != by_id["d1"][0]
    assert by_id["d1"][1] == "d2"  # the most complete text
    assert by_id["d2"][2] == 1.0 and 0.7 < by_id["d4"][2] < 1.0
    assert by_id["d3"][2] == by_id["d1"][2]  # exact copies have the same similarity


def test_similarity_to_the_canonical_is_taken_from_the_verified_pair_when_there_is_one(monkeypatch):
    """A member verified against its canonical has that pair's exact Jaccard as its
    similarity, not shingled again; members without such a pair (here: the pairs left
    out of ``known``) are computed. The same numbers either way."""
    import newsdedup.dedup as dedup

    rng = random.Random(11)
    base = [article(rng) for _ in range(4)]
    texts = base + [edit(rng, t, 0.02) for t in base] + [edit(rng, t, 0.04) for t in base] + base[:1]
    ids = [f"doc{i:02d}" for i in range(len(texts))]
    examined = dedup.examine(ids, texts, Config())
    root = dedup.connect(len(ids), examined.pairs)
    computed = []
    real = dedup.similarities
    monkeypatch.setattr(dedup, "similarities", lambda txt, a, b, config: computed.append(len(a)) or real(txt, a, b, config))
    fresh = dedup.canonicals(ids, texts, examined.rep, root, Config())[2]
    members = computed.pop()  # every member whose text is not its canonical's
    assert computed == [] and members >= 8
    assert dedup.canonicals(ids, texts, examined.rep, root, Config(), known=examined.pairs)[2].tolist() == fresh.tolist()
    assert computed == []
    half = examined.pairs.select(np.arange(len(examined.pairs)) % 2 == 0)
    assert dedup.canonicals(ids, texts, examined.rep, root, Config(), known=half)[2].tolist() == fresh.tolist()
    assert 0 < sum(computed) < members


class _CountedReads(list):
    """A list that counts how often its items are read."""

    reads = 0

    def __getitem__(self, i):
        self.reads += 1
        return super().__getitem__(i)


def test_candidates_are_verified_a_component_at_a_time_with_the_same_decisions(monkeypatch):
    """Verification shingles and aligns the documents of a chunk of pairs at once: the
    pairs of one cluster go to the same chunk (id order spreads them over many), so each
    document is read about once; every number and decision is the one of id order."""
    import newsdedup.align as align
    import newsdedup.dedup as dedup
    from newsdedup.clean.paragraphs import split_clean
    from newsdedup.normalize import compare_keys

    rng = random.Random(5)
    clusters = 40
    base = [article(rng) for _ in range(clusters)]
    # member j of cluster c at position j * clusters + c: a cluster's pairs far apart in id order
    texts = base + [edit(rng, t, 0.02) for t in base] + [edit(rng, t, 0.15) for t in base]
    ids = [f"doc{i:03d}" for i in range(len(texts))]
    examined = dedup.examine(ids, texts, Config())
    pairs = examined.pairs.select(examined.pairs.kind != dedup.IDENTICAL)
    a, b, estimate = pairs.a, pairs.b, pairs.estimate
    assert len(pairs) >= 2 * clusters and (pairs.jaccard < Config().threshold).any()  # both checks run
    jaccards = dedup._jaccards
    monkeypatch.setattr(dedup, "_jaccards", lambda txt, a, b, k: jaccards(txt, a, b, k, chunk=8))
    monkeypatch.setattr(align, "CHUNK", 8)

    def verified(grouped: bool):
        if not grouped:
            monkeypatch.setattr(dedup, "_by_component", lambda n, a, b: np.arange(a.size))
        txt, keys = _CountedReads(texts), _CountedReads(paragraph_keys)
        table = dedup.verify_candidates(ids, txt, Config(), keys, examined.rep, a, b, estimate)
        return txt.reads, keys.reads, list(table)

    paragraph_keys = [compare_keys(split_clean(t)) for t in texts]
    shingled, aligned, rows = verified(True)
    shingled_spread, aligned_spread, expected = verified(False)
    assert rows == expected
    documents = np.unique(np.concatenate([a, b])).size
    assert shingled <= 1.2 * documents < 1.3 * documents <= shingled_spread
    assert aligned < aligned_spread


def test_a_tie_in_length_goes_to_the_smallest_doc_id():
    result = deduplicate(["b", "a"], ["same words in both copies here now"] * 2, Config())
    assert result.canonical_ids == ["a", "a"]


def test_threshold_decides_when_paragraphs_do_not_align():
    rng = random.Random(8)
    base = article(rng, 300)
    other = edit(rng, base, 0.06)
    j = jaccard(shingle_hashes(base), shingle_hashes(other))
    strict = dict(coverage_ratio=100.0, candidate_threshold=0.3)  # an edited paragraph does not align
    assert len(set(deduplicate(["a", "b"], [base, other], Config(threshold=j - 0.05, **strict)).cluster_ids)) == 1
    assert len(set(deduplicate(["a", "b"], [base, other], Config(threshold=min(1.0, j + 0.05), **strict)).cluster_ids)) == 2


def test_paragraph_coverage_joins_edited_copies_but_not_partial_ones():
    rng = random.Random(9)
    paragraphs = [article(rng, 40) for _ in range(8)]
    edited = [edit(rng, p, 0.04) for p in paragraphs[:7]] + [article(rng, 20)]  # edits, a paragraph swapped
    mashup = paragraphs[:4] + [article(rng, 40) for _ in range(4)]  # half of the story, half of another
    teaser = paragraphs[:1]
    texts = ["\n\n".join(p) for p in (paragraphs, edited, mashup, teaser)]
    assert jaccard(shingle_hashes(texts[0]), shingle_hashes(texts[1])) < 0.7
    result = deduplicate(["orig", "edited", "mashup", "teaser"], texts, Config(candidate_threshold=0.2))
    cluster = dict(zip(result.doc_ids, result.cluster_ids))
    assert cluster["edited"] == cluster["orig"]
    assert len({cluster["orig"], cluster["mashup"], cluster["teaser"]}) == 3
    pairs = {(p.doc_a, p.doc_b): p for p in result.pairs}
    assert pairs[("edited", "orig")].decision == "duplicate"
    assert "paragraph coverage" in pairs[("edited", "orig")].reason
    assert pairs[("mashup", "orig")].decision == "distinct"
    assert abs(pairs[("mashup", "orig")].coverage_b - 0.5) < 0.05  # half of the story's text
    assert all(p.decision == "distinct" for key, p in pairs.items() if "teaser" in key or "mashup" in key)


def test_a_copy_with_every_paragraph_reworded_a_little_is_found_and_joined():
    """Eight words in a hundred changed in every paragraph take word-5-gram Jaccard to
    about 0.4: LSH tuned to 0.5 rarely proposes the pair, and no paragraph is identical.
    The defaults propose it and align the paragraphs (ratio >= 85), so it is a copy; a
    mashup of half of it and half of another story is not."""
    rng = random.Random(12)
    story = [article(rng, 50) for _ in range(10)]
    reworded = [edit(rng, p, 0.08) for p in story]
    mashup = story[:5] + [article(rng, 50) for _ in range(5)]
    texts = ["\n\n".join(p) for p in (story, reworded, mashup)]
    assert jaccard(shingle_hashes(texts[0]), shingle_hashes(texts[1])) < 0.5
    result = deduplicate(["story", "reworded", "mashup"], texts, Config())
    cluster = dict(zip(result.doc_ids, result.cluster_ids))
    assert cluster["reworded"] == cluster["story"] != cluster["mashup"]
    pairs = {(p.doc_a, p.doc_b): p for p in result.pairs}
    assert "paragraph coverage" in pairs[("reworded", "story")].reason
    missed = deduplicate(["story", "reworded"], texts[:2], Config(candidate_threshold=0.5, coverage_ratio=90.0))
    assert len(set(missed.cluster_ids)) == 2


def test_an_excerpt_of_three_fifths_of_a_story_is_not_a_copy_but_leftover_page_text_is():
    """A document inside another is a copy when it covers two thirds of it or more (the
    other kept leftover page text); an excerpt covering three fifths of a story plus a line
    of its own (a mashup borrowing most of a story) is not."""
    rng = random.Random(11)
    story = [article(rng, 40) for _ in range(13)]
    excerpt = story[:8] + [article(rng, 8)]
    leftovers = story + [article(rng, 40) for _ in range(6)]
    texts = ["\n\n".join(p) for p in (story, excerpt, leftovers)]
    result = deduplicate(["story", "excerpt", "leftovers"], texts, Config(candidate_threshold=0.2))
    cluster = dict(zip(result.doc_ids, result.cluster_ids))
    pairs = {(p.doc_a, p.doc_b): p for p in result.pairs}
    assert cluster["leftovers"] == cluster["story"] != cluster["excerpt"]
    assert "contained" in pairs[("leftovers", "story")].reason
    excerpt_pair = pairs[("excerpt", "story")]
    assert excerpt_pair.coverage_a > 0.95 and 0.6 < excerpt_pair.coverage_b < 0.65
    assert excerpt_pair.decision == "distinct"


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_clusters_do_not_depend_on_input_order(rnd):
    rng = random.Random(9)
    base = [article(rng) for _ in range(6)]
    texts = base + [edit(rng, t, 0.02) for t in base[:4]] + base[:2]
    ids = [f"doc{i:02d}" for i in range(len(texts))]
    reference = deduplicate(ids, texts, Config())
    expected = dict(zip(ids, zip(reference.cluster_ids, reference.canonical_ids, reference.similarity)))
    order = list(range(len(ids)))
    rnd.shuffle(order)
    shuffled = deduplicate([ids[i] for i in order], [texts[i] for i in order], Config())
    got = dict(zip(shuffled.doc_ids, zip(shuffled.cluster_ids, shuffled.canonical_ids, shuffled.similarity)))
    assert got == expected


def test_seed_clusters(seed_result):
    docs = seed_result.documents.set_index("doc_id")
    cluster = {d[:3]: docs.at[d, "cluster_id"] for d in docs.index}
    assert cluster["000"] == cluster["001"]
    assert len({cluster[s] for s in ("000", "002", "003", "004")}) == 4
    assert docs["status"].value_counts().to_dict() == {"kept": 4, "duplicate": 1}


def test_raw_text_of_the_two_copies_would_not_cluster():
    """Why dedup runs on clean text: the appeal drags the raw copies apart."""
    a, b = (p.read_text() for p in sorted(CORPUS.glob("00[01]_*.txt")))
    assert jaccard(shingle_hashes(a), shingle_hashes(b)) < 0.5


def test_audit_rows_have_the_pairs_table_columns_in_order():
    from newsdedup import schema
    from newsdedup.dedup import PairRow

    assert PairRow._fields == tuple(schema.PAIRS)


def test_given_paragraph_keys_give_the_clustering_computed_from_texts():
    """The runner passes the cleaner's paragraph keys; library callers pass only texts."""
    from newsdedup.clean import clean_records
    from newsdedup.clean.paragraphs import split_clean
    from newsdedup.match import paragraph_matches
    from newsdedup.normalize import compare_keys, word_counts
    from newsdedup.read import read_inputs

    cleaned = [c for c in clean_records(read_inputs(CORPUS)) if c.error is None]
    ids, texts, keys = [c.doc_id for c in cleaned], [c.text for c in cleaned], [c.keys for c in cleaned]
    rng = random.Random(3)
    longest = max(texts, key=len)
    edited = "\n\n".join(edit(rng, p, 0.05) for p in split_clean(longest)[1:])  # edits, the lede cut
    texts += [longest, edited]  # an exact and an edited copy: the edited one needs paragraph coverage
    ids += ["copy", "edited"]
    keys += [keys[texts.index(longest)], compare_keys(split_clean(edited))]
    given, computed = deduplicate(ids, texts, Config(), keys), deduplicate(ids, texts, Config())
    assert given.cluster_ids == computed.cluster_ids and given.pairs == computed.pairs
    assert any("coverage" in p.reason for p in given.pairs)
    paragraphs = [split_clean(t) for t in texts]
    args = (given.doc_ids, [paragraphs[ids.index(d)] for d in given.doc_ids], given.cluster_ids, given.canonical_ids)
    by_id = dict(zip(ids, keys))
    assert all(c.n_words == word_counts(c.keys).tolist() for c in cleaned)
    words = dict(zip(ids, [c.n_words for c in cleaned] + [[], []]))
    words["copy"], words["edited"] = words[ids[texts.index(longest)]], word_counts(by_id["edited"]).tolist()
    from_texts = paragraph_matches(*args, Config())
    assert any(not m[5] for m in from_texts)  # matches across clusters: word counts matter there
    assert paragraph_matches(*args, Config(), [by_id[d] for d in given.doc_ids]) == from_texts
    assert paragraph_matches(*args, Config(), [by_id[d] for d in given.doc_ids],
                             [words[d] for d in given.doc_ids]) == from_texts


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False))
def test_batched_coverage_gives_what_aligning_pair_by_pair_gives(rnd):
    """verify.coverages (all pairs at once, lazy compiled greedy) against scoring every
    paragraph pair of each document pair (tests/reference.py): identical paragraphs
    (repeated ones included), edited ones near the cutoff, unrelated ones, documents
    without paragraphs."""
    from newsdedup.dedup.verify import coverages

    from .reference import coverage

    base = [article(rnd, rnd.randrange(8, 30)) for _ in range(3)]

    def variant(p: str) -> str:  # edited and cut: one paragraph matches several, with different scores
        words = edit(rnd, p, rnd.choice((0.0, 0.04, 0.08, 0.15))).split()
        return " ".join(words[:len(words) - rnd.randrange(0, 3)])

    docs = [[variant(rnd.choice(base)) if rnd.random() < 0.7 else rnd.choice(base) for _ in range(rnd.randrange(0, 7))]
            for _ in range(8)]
    a = np.array([rnd.randrange(8) for _ in range(20)])
    b = np.array([(x + 1 + rnd.randrange(7)) % 8 for x in a])
    cutoff = rnd.choice((80.0, 85.0, 90.0))
    expected = [coverage(docs[x], docs[y], cutoff) for x, y in zip(a.tolist(), b.tolist())]
    cov_a, cov_b = coverages(docs, a, b, cutoff)
    assert list(zip(cov_a.tolist(), cov_b.tolist())) == expected
    with pytest.MonkeyPatch.context() as patch:  # the same a few pairs at a time
        patch.setattr("newsdedup.align.CHUNK", 3)
        cov_a, cov_b = coverages(docs, a, b, cutoff)
    assert list(zip(cov_a.tolist(), cov_b.tolist())) == expected


def test_exact_jaccards_are_the_same_a_few_pairs_at_a_time():
    from newsdedup.dedup import _jaccards

    rng = random.Random(13)
    base = [article(rng, 60) for _ in range(4)]
    texts = base + [edit(rng, t, 0.1) for t in base] + [""]
    a = np.array([rng.randrange(len(texts)) for _ in range(30)])
    b = np.array([rng.randrange(len(texts)) for _ in range(30)])
    whole = _jaccards(texts, a, b, 5)
    expected = [jaccard(shingle_hashes(texts[x]), shingle_hashes(texts[y])) for x, y in zip(a.tolist(), b.tolist())]
    assert whole[0].tolist() == expected
    for part, full in zip(_jaccards(texts, a, b, 5, chunk=4), whole):
        assert part.tolist() == full.tolist()
