"""Template summaries packed into flat arrays (the Dask client's form) give the templates
of the summaries as objects."""

from __future__ import annotations

import numpy as np

import newsdedup
from newsdedup import clean
from newsdedup.clean.templates import corpus_evidence
from newsdedup.read import read_inputs
from newsdedup.runners.packed import PackedSummaries

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
