"""Template summaries packed into flat arrays (the Dask client's form) give the templates
of the summaries as objects."""

from __future__ import annotations

import numpy as np

import newsdedup
from newsdedup import clean
from newsdedup.clean.templates import _keys_in_documents, corpus_evidence
from newsdedup.read import read_inputs
from newsdedup.runners.packed import PackedSummaries, _InOrder, evidence_of

from .incremental_corpus import corpus


def summaries() -> list[clean.KeySummary]:
    """Of pages with site chrome (templates)."""
    config = newsdedup.Config()
    drafts = [clean.draft(r) for r in read_inputs(corpus(stories=40, seed=11), config)]
    return [clean.key_summary(d, config) for d in drafts if d.error is None]


def test_packed_summaries_read_back_as_the_summaries_in_any_order():
    every = summaries()
    half = len(every) // 2
    packed = PackedSummaries.joined([PackedSummaries.of(every[:half]), PackedSummaries.of(every[half:])])
    order = np.random.default_rng(3).permutation(len(every))
    taken = packed.take(order)
    assert len(taken) == len(every)
    for at, i in enumerate(order.tolist()):
        for name in ("keys", "about", "shaped", "sketches"):
            assert np.array_equal(getattr(taken[at], name), getattr(every[i], name))
    assert np.array_equal(taken.sizes(), [every[i].keys.size for i in order.tolist()])


def test_packed_summaries_give_the_same_templates():
    every = summaries()
    evidence = corpus_evidence(every, min_docs=3)
    assert evidence.templates
    assert corpus_evidence(PackedSummaries.of(every), min_docs=3) == evidence


def test_the_documents_holding_a_template_are_those_with_a_template_key():
    """From the packed keys: every document with one of its paragraphs among the
    templates, and no other (pages with site chrome, and random keys and sizes)."""
    every = summaries()
    evidence = corpus_evidence(every, min_docs=3)
    packed = PackedSummaries.of(every)
    holding = clean.holding_templates(packed.flat("keys"), packed.sizes(), evidence)
    expected = [i for i, s in enumerate(every) if set(s.keys.tolist()) & evidence.templates]
    assert expected and holding.tolist() == expected
    rng = np.random.default_rng(5)
    for _ in range(50):
        sizes = rng.integers(0, 6, int(rng.integers(1, 40)))
        keys = rng.integers(0, 30, int(sizes.sum())).astype(np.uint64)
        templates = clean.Evidence(frozenset(rng.integers(0, 30, 3).tolist()))
        starts = np.concatenate(([0], np.cumsum(sizes)))
        expected = [d for d in range(sizes.size)
                    if set(keys[starts[d]:starts[d + 1]].tolist()) & templates.templates]
        assert clean.holding_templates(keys, sizes, templates).tolist() == expected


def _keys_in_several(docs: list[clean.KeySummary], min_docs: int, furniture_only: bool) -> tuple[list, list]:
    """The definition: every key of ``min_docs`` documents or more, ascending, with its
    documents in order (``furniture_only``: if furniture-shaped where first found)."""
    keys, docs_of = [], []
    for key in sorted({k for d in docs for k in d.keys.tolist()}):
        holding = [i for i, d in enumerate(docs) if key in d.keys.tolist()]
        first = docs[holding[0]]
        shaped = bool(first.shaped[first.keys.tolist().index(key)]) if holding else False
        if len(holding) >= min_docs and (shaped or not furniture_only):
            keys.append(key)
            docs_of.append(holding)
    return keys, docs_of


def test_the_keys_of_several_documents_are_found_through_any_order():
    """The template search reads packed summaries through an order (by doc id) without
    moving them; on random keys, repeated within documents too, it finds what the
    definition finds from the summaries put in that order."""
    rng = np.random.default_rng(7)
    for _ in range(60):
        n = int(rng.integers(1, 25))
        every = [clean.KeySummary(rng.integers(0, 12, k).astype(np.uint64), rng.random(k) < 0.5,
                                  rng.random(k) < 0.5, np.zeros(0, np.uint64)) for k in rng.integers(0, 7, n)]
        order = rng.permutation(n)
        view = _InOrder(PackedSummaries.of(every), order)
        for furniture_only in (False, True):
            assert _keys_in_documents(view, 3, furniture_only) == \
                _keys_in_several([every[i] for i in order.tolist()], 3, furniture_only)


def test_packed_summaries_in_any_order_give_the_templates_of_their_ids():
    every = summaries()
    ids = [f"doc-{i:03d}" for i in range(len(every))]
    shuffled = np.random.default_rng(4).permutation(len(every)).tolist()
    packed = PackedSummaries.of([every[i] for i in shuffled])
    evidence = evidence_of([ids[i] for i in shuffled], packed, newsdedup.Config())
    assert evidence.templates
    assert evidence == clean.templates_from(list(zip(ids, every)), newsdedup.Config())
