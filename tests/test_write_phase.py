"""What Result.write makes once and shares: the documents table without its texts taken
from the whole table when that is made already, with the values of its own columns."""

from __future__ import annotations

import pandas as pd

import newsdedup
from newsdedup.tables import LazyTables

from .test_pipeline import make_dump


def test_documents_without_text_from_the_whole_table_equal_their_own_columns(tmp_path, monkeypatch):
    """A run with kept, duplicate and rejected documents: the frame taken from the whole
    table (made for the table writer and the page) equals the one made from the clean rows
    (clean_chars counted from the paragraphs), and no second pass over the rows is made."""
    run = newsdedup.run(make_dump(tmp_path / "dump", 40), newsdedup.Config(workers=1))
    lazy = run.__dict__["_documents"]
    assert isinstance(lazy, LazyTables)
    own = LazyTables(lazy.cleaned, lazy.clustering).documents_without_text()
    assert set(own["status"]) == {"kept", "duplicate", "rejected"}
    lazy.make_shared("documents")
    monkeypatch.setattr("newsdedup.tables.documents_columns",
                        lambda *args, **kwargs: (_ for _ in ()).throw(AssertionError("columns made again")))
    taken = run.documents_without_text()
    pd.testing.assert_frame_equal(taken, own, check_exact=True)
    assert list(taken.columns) == [c for c in newsdedup.schema.DOCUMENTS if c != "text"]


def test_documents_without_text_before_the_whole_table_is_made_from_the_rows(tmp_path):
    run = newsdedup.run(make_dump(tmp_path / "dump", 20), newsdedup.Config(workers=1))
    lazy = run.__dict__["_documents"]
    made = run.documents_without_text()
    assert "documents" not in lazy._whole  # the texts were not made for it
    pd.testing.assert_frame_equal(made, run.documents.drop(columns="text"), check_exact=True)
