"""Cleaning on this process and a helper: what crosses between them, and runs that
take a path of their own (an index's earlier summaries)."""

from __future__ import annotations

import multiprocessing
import pickle
import random
import sys

import pandas as pd
import pytest

import newsdedup
from newsdedup.clean import Cleaned
from newsdedup.runners.spill import Pickled, Spill, as_row, from_row

from .incremental_corpus import paragraph


def _rows() -> list[Cleaned]:
    return [Cleaned(f"d{i}", "s", 10, url=f"u{i}", title="T", paragraphs=[f"Para {i}.", "Two é."],
                    keys=[f"para {i}.", "two e."], n_words=[2, 2], removed=[(2, "Menu", "navigation")],
                    error=None, warning="w" if i else None, flags=["short"] if i else [])
            for i in range(3)]


def test_a_row_crosses_as_a_tuple_and_comes_back_equal():
    sent = pickle.loads(pickle.dumps([as_row(c) for c in _rows()]))
    assert all(type(row) is tuple for row in sent)
    assert [from_row(row) for row in sent] == _rows()


def test_a_row_crossing_to_a_spill_comes_pickled_and_is_spilled_as_a_row_kept_here():
    sent = pickle.loads(pickle.dumps([as_row(c, pickled=True) for c in _rows()]))
    came = [from_row(row) for row in sent]
    assert all(type(c.paragraphs) is Pickled and type(c.keys) is Pickled for c in came)
    here, there = Spill(), Spill()
    a, b = here.put(_rows()), there.put(came)
    here.seal(), there.seal()
    assert here.bytes == there.bytes
    assert [(c.doc_id, c.url, list(c.paragraphs), list(c.keys), c.n_words, list(c.removed), c.text, c.warning,
             c.flags) for c in a] == \
        [(c.doc_id, c.url, list(c.paragraphs), list(c.keys), c.n_words, list(c.removed), c.text, c.warning,
          c.flags) for c in b]


def test_a_template_learnt_in_earlier_drops_is_removed_by_a_drop_cleaned_on_two_workers(tmp_path, monkeypatch):
    """An index run hands cleaning the earlier drops' summaries (``prior``): with a helper
    too, the template they show is removed from the new drop's document."""
    from newsdedup.runners import local

    shared = []
    on_workers = local.clean_on_workers
    monkeypatch.setattr(local, "clean_on_workers", lambda *a, **k: shared.append(a[5]) or on_workers(*a, **k))
    rng = random.Random(9)
    footer = "Nugel lomas tudor vefin kapun."
    story = lambda: "\n\n".join([paragraph(rng), paragraph(rng), footer])  # noqa: E731
    path = tmp_path / "i.ndx"
    config = newsdedup.Config(workers=1)
    for k in range(3):
        newsdedup.run(pd.DataFrame({"id": [f"s{k}"], "text": [story()]}), config, index=path)
    last = pd.DataFrame({"id": ["s8", "s9"], "text": [story(), story()]})
    two = newsdedup.Config(workers=2, workers_min_mb=0)
    indexed = newsdedup.run(last, two, index=path, dry_run=True)
    assert len(shared) == 1 and shared[0] is not None  # cleaned on two workers, given the earlier summaries
    assert all(footer not in text for text in indexed.documents["text"])
    assert indexed.boilerplate["text"].tolist() == [footer, footer]
    assert indexed.documents.equals(newsdedup.run(last, config, index=path, dry_run=True).documents)


def test_a_task_is_written_only_while_it_fits_in_the_pipe_and_is_taken_back_whole():
    """This process writes a helper's tasks itself: a task that would not fit beside the
    unread ones is refused (it cleans that chunk itself) instead of waiting for a helper,
    and the tasks no helper took come back whole, in order."""
    from newsdedup.runners import cleaning

    if not sys.platform.startswith("linux"):
        pytest.skip("a multiprocessing queue elsewhere")
    tasks = cleaning._Tasks(multiprocessing.get_context("fork"))
    try:
        body = "x" * (tasks.capacity // 3)
        sent = 0
        while tasks.put(("first", sent, [body], False)):
            sent += 1
        assert sent == 2
        assert [tasks.steal()[1] for _ in range(sent)] == [0, 1]
        assert tasks.steal() is None
        assert tasks.put(("first", 9, [body], False)) and tasks.steal()[2] == [body]
    finally:
        tasks.close(True)
