"""Cleaning: raw records → clean text per document, removed paragraphs with reasons.

Three steps, so that corpus-wide evidence can be gathered between per-document work
(the local and the Dask runner call the same functions):

1. :func:`draft` (per document, parallel): HTML through trafilatura, text split into
   paragraphs and each scored by the classifier (it reads the document only);
2. :func:`templates_from` (corpus-wide): site templates, from each draft's :func:`key_summary`;
3. :func:`finish` (per document): every rule decided, clean text assembled.

>>> clean_text("Menu\\nSubscribe\\nA long enough sentence about the news of the day, told in full here.")
'A long enough sentence about the news of the day, told in full here.'
"""

from __future__ import annotations

import gc
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..config import DEFAULT, Config
from ..records import Record
from . import html as html_mod
from .features import Words, features_and_words
from .flags import document_flags
from .model import text_model
from .paragraphs import Paragraph, build_paragraphs, join, paragraphs_keys_codes, split_lines
from .templates import Evidence, KeySummary, corpus_evidence, find_templates, summarize
from .text import EXTRACTOR, label, paragraph_scores

__all__ = ["Draft", "Cleaned", "Evidence", "KeySummary", "Cleaner", "draft", "finish", "clean_text", "clean_html",
           "corpus_templates", "find_templates", "key_summary", "templates_from", "needing_templates", "holding_templates", "chunked",
           "clean_records", "clean_in_process", "gc_paused", "Keep", "in_memory"]

EMPTY = "empty after cleaning: no article text found"
EXTRACTOR_INDEX = -1  # its para_index: it is no paragraph of the document
NO_EVIDENCE = Evidence()
CHUNK = 16  # records per chunk at most (a task of the cleaning helpers)...
CHUNK_CHARS = 200_000  # ...and fewer when they are large, so that slow HTML pages spread over the workers
DRAFT_BYTES_PER_CHAR = 5  # a draft's memory per character of its record (4.5 measured on synthetic news)


@dataclass(slots=True)
class Draft:
    doc_id: str
    source: str
    raw_chars: int
    is_html: bool = False
    url: str | None = None
    title: str | None = None
    date: str | None = None
    title_given: bool = False
    paragraphs: list[Paragraph] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the paragraphs' compare keys
    scores: np.ndarray | None = None  # the classifier's probability that each paragraph is article text
    dropped: list[str] = field(default_factory=list)  # HTML: visible lines the extractor left out
    error: str | None = None
    warning: str | None = None
    words: Words | None = None  # plain text: its keys' word tokens, read by the scoring, until key_summary takes them


@dataclass(slots=True)
class Cleaned:
    doc_id: str
    source: str
    raw_chars: int
    url: str | None = None
    title: str | None = None
    date: str | None = None
    paragraphs: Sequence[str] = field(default_factory=list)  # a list, or a runner's spilled copy of one
    keys: list[str] = field(default_factory=list)  # compare keys of the kept paragraphs (dedup and matching reuse them)
    n_words: list[int] = field(default_factory=list)  # words of each key (normalize.word_counts), as the matcher counts them
    removed: Sequence[tuple[int, str, str]] = field(default_factory=list)  # (para_index, text, reason)
    error: str | None = None
    warning: str | None = None  # a repair made while reading (Record.warning)
    flags: list[str] = field(default_factory=list)  # what a user should check (see .flags)
    key_hashes: bytes = b""  # each key's stable hash (normalize.line_stats), little-endian uint64s: the passage index's

    @property
    def text(self) -> str:
        return join(self.paragraphs)


def draft(record: Record) -> Draft:
    """Per-document work: parse, extract, split into paragraphs, score them."""
    d = Draft(doc_id=record.doc_id, source=record.source, raw_chars=record.raw_chars,
              is_html=record.is_html, url=record.url, title=record.title, date=record.date,
              title_given=record.title is not None, error=record.error, warning=record.warning)
    if d.error is not None:
        return d
    if record.html is not None:
        try:
            ex = html_mod.extract(record.html, record.url)
        except ValueError as exc:
            d.error = str(exc)
            return d
        d.paragraphs, d.keys = build_paragraphs(ex.lines)
        d.raw_chars, d.dropped = ex.visible_chars, ex.dropped  # a page's size is its visible text, not its markup
        d.title = record.title or ex.title
        d.date = record.date or ex.date
        d.url = record.url or ex.url
    else:
        d.paragraphs, d.keys, codes = paragraphs_keys_codes(*split_lines(record.text or ""))
        features, d.words = features_and_words(d.paragraphs, d.keys, DEFAULT.long_paragraph_words, codes)
        d.scores = paragraph_scores(d.paragraphs, text_model(), DEFAULT.long_paragraph_words, features)
    return d


def corpus_templates(drafts: Sequence[Draft], config: Config = DEFAULT) -> Evidence:
    """What the corpus says about each paragraph: in how many unrelated documents it
    recurs, and which paragraphs are site templates (order-independent: sorted by doc id)."""
    return templates_from([(d.doc_id, key_summary(d, config)) for d in drafts if d.error is None], config)


def key_summary(d: Draft, config: Config = DEFAULT) -> KeySummary:
    """The part of a draft the corpus-wide template search reads (small: a worker sends
    this, not the draft). It sketches the prose from the word tokens the draft's scoring
    read, if it has them, and lets them go (they are the size of its text: a kept draft
    does not hold them)."""
    words, d.words = d.words, None
    return summarize(d.paragraphs, config.long_paragraph_words, compare_keys=d.keys, words=words)


def templates_from(summaries: Iterable[tuple[str, KeySummary]], config: Config = DEFAULT) -> Evidence:
    """:func:`corpus_templates` from ``(doc_id, key_summary)`` pairs of the readable drafts."""
    ordered = sorted(summaries, key=lambda pair: pair[0])
    return corpus_evidence([summary for _, summary in ordered], min_docs=config.template_min_docs,
                           related_share=config.template_related_share)


def finish(d: Draft, evidence: Evidence = Evidence(), config: Config = DEFAULT, model=None) -> Cleaned:
    """Apply every paragraph rule to a draft; the result carries clean text and removals
    (``model``: a classifier to score the paragraphs with instead of the draft's scores)."""
    out = Cleaned(doc_id=d.doc_id, source=d.source, raw_chars=d.raw_chars, url=d.url,
                  title=d.title, date=d.date, error=d.error, warning=d.warning)
    if d.error is not None:
        return out
    labels = label(d.paragraphs, evidence, html=d.is_html, title_hint=d.title,
                   long_words=config.long_paragraph_words, model=model, scores=None if model else d.scores)
    out.title = labels.title
    paras, reasons = d.paragraphs, labels.reasons
    kept = [i for i, reason in enumerate(reasons) if reason is None]
    out.paragraphs = [paras[i].text for i in kept]
    out.keys = [d.keys[i] for i in kept]
    out.n_words = [paras[i].n_words for i in kept]
    out.key_hashes = array("Q", [paras[i].key for i in kept]).tobytes()
    out.removed = [(i, p.text, reason) for i, (p, reason) in enumerate(zip(paras, reasons)) if reason is not None]
    if d.dropped:
        out.removed.insert(0, (EXTRACTOR_INDEX, "\n".join(d.dropped), EXTRACTOR))
    out.flags = document_flags([paras[i] for i in kept], d.raw_chars)
    if not out.paragraphs:
        out.error = EMPTY
    return out


def chunked(records: Iterable[Record]) -> Iterator[list[Record]]:
    """``records`` in chunks of :data:`CHUNK` records or :data:`CHUNK_CHARS` characters,
    whichever comes first, read lazily."""
    chunk: list[Record] = []
    size = 0
    for r in records:
        if len(chunk) >= CHUNK or size >= CHUNK_CHARS:
            yield chunk
            chunk, size = [], 0
        chunk.append(r)
        size += r.raw_chars
    if chunk:
        yield chunk


def needing_templates(summaries: Sequence[tuple[str, KeySummary]], evidence: Evidence) -> set[str]:
    """The doc ids whose drafts hold a template paragraph: the only documents whose
    clean text the corpus evidence changes (:func:`finish` reads nothing else of it)."""
    if not evidence.templates or not summaries:
        return set()
    holding = holding_templates(np.concatenate([s.keys for _, s in summaries]),
                                [s.keys.size for _, s in summaries], evidence)
    return {summaries[i][0] for i in holding.tolist()}


def holding_templates(keys: np.ndarray, sizes: Sequence[int] | np.ndarray, evidence: Evidence) -> np.ndarray:
    """The documents (positions, ascending) holding a template paragraph, given every
    document's paragraph ``keys`` one after the other, ``sizes[i]`` of them document ``i``'s."""
    if not evidence.templates or not len(keys):
        return np.empty(0, dtype=np.int64)
    templates = np.sort(np.fromiter(evidence.templates, dtype=np.uint64, count=len(evidence.templates)))
    at = np.minimum(np.searchsorted(templates, keys), templates.size - 1)  # the few templates searched, not every key sorted
    hit = np.flatnonzero(templates[at] == keys)
    return np.unique(np.searchsorted(np.cumsum(sizes), hit, side="right"))


class Cleaner:
    """One process's share of cleaning, streamed chunk by chunk in two passes.

    :meth:`first` drafts a chunk and keeps its template summaries. Drafts are kept while
    they fit in ``hold_chars`` characters of records, and finished once the templates are
    known, by :meth:`refinish` (meanwhile :meth:`first` answers :data:`PENDING` for
    them): nearly every page of a corpus holds a template line, so finishing them at
    once too would finish most of them twice. A chunk past the budget is finished at once
    without corpus evidence: that is already the answer for every document holding no
    template paragraph; :meth:`again` drafts and finishes the records of the others, read
    again. Memory is bounded by the budget, not by the input.
    """

    def __init__(self, config: Config = DEFAULT, hold_chars: float = float("inf")) -> None:
        self.config, self.room = config, hold_chars
        self.held: dict[int, list[Draft]] = {}

    def first(self, number: int, chunk: Sequence[Record]) -> tuple[list[tuple[str, KeySummary]], list[Cleaned]]:
        drafts = [draft(r) for r in chunk]
        summaries = [(d.doc_id, key_summary(d, self.config)) for d in drafts if d.error is None]
        size = sum(r.raw_chars for r in chunk)
        if size <= self.room:
            self.held[number], self.room = drafts, self.room - size
            return summaries, [pending(d) for d in drafts]
        return summaries, [finish(d, NO_EVIDENCE, self.config) for d in drafts]

    def refinish(self, evidence: Evidence) -> dict[int, list[tuple[int, Cleaned]]]:
        """For each kept chunk, every document finished with the corpus evidence: (position, Cleaned)."""
        return {number: self.refinish_chunk(number, evidence) for number in list(self.held)}

    def refinish_chunk(self, number: int, evidence: Evidence) -> list[tuple[int, Cleaned]]:
        """The kept drafts of chunk ``number`` finished with the corpus evidence, and let go:
        (position, Cleaned)."""
        return [(i, finish(d, evidence, self.config)) for i, d in enumerate(self.held.pop(number))]

    def again(self, chunk: Sequence[Record], evidence: Evidence) -> list[Cleaned]:
        return [finish(draft(r), evidence, self.config) for r in chunk]


PENDING = "pending: finished once the corpus templates are known (Cleaner.refinish)"


def pending(d: Draft) -> Cleaned:
    """What :meth:`Cleaner.first` answers for a kept draft until :meth:`Cleaner.refinish`
    replaces it (an error, should it ever be left: never an empty text taken for a result)."""
    return Cleaned(doc_id=d.doc_id, source=d.source, raw_chars=d.raw_chars, error=PENDING)


def replayable(records: Iterable[Record], again: Callable[[], Iterable[Record]] | None, total: int | None
               ) -> tuple[Iterable[Record], Callable[[], Iterable[Record]], int | None]:
    """``records`` as cleaning's two passes take them: as given with ``again`` (streamed),
    or, without it, held in a list that is read twice, its characters the ``total``."""
    if again is not None:
        return records, again, total
    held = list(records)
    return held, (lambda: held), sum(r.raw_chars for r in held) if total is None else total


def hold_chars(config: Config) -> float:
    """Characters of records whose drafts one process keeps (``config.hold_drafts_mb``)."""
    return config.hold_drafts_mb * 1e6 / DRAFT_BYTES_PER_CHAR


def clean_records(records: Iterable[Record], config: Config = DEFAULT) -> list[Cleaned]:
    """All three steps in this process (the local runner spreads them over processes)."""
    return clean_in_process(records, config)[0]


Keep = Callable[[list[Cleaned]], list[Cleaned]]  # what a runner does with clean documents as they come


def in_memory(cleaned: list[Cleaned]) -> list[Cleaned]:
    return cleaned


def clean_in_process(records: Iterable[Record], config: Config = DEFAULT,
                     progress: Callable[[int, int], None] | None = None,
                     prior: Callable | None = None, again: Callable[[], Iterable[Record]] | None = None,
                     total: int | None = None, keep: Keep = in_memory) -> tuple[list[Cleaned], Evidence]:
    """:func:`clean_records`, and the corpus evidence, in reading order, through one
    :class:`Cleaner`. ``again``: the same records read again (given: ``records`` are
    streamed, else they are held); ``progress(chars_done, total)`` after each chunk
    (``total``: the input's characters, estimated; default: counted from ``records``);
    ``prior(summaries)``: the ``(doc_id, KeySummary)`` pairs of earlier documents to add
    to the evidence, given the drafts'; ``keep``: applied to each list of clean documents as
    it comes (a runner's spill)."""
    records, again, total = replayable(records, again, total)
    cleaner = Cleaner(config, hold_chars(config))
    chunks: list[list[Cleaned]] = []
    summaries: list[tuple[str, KeySummary]] = []
    done = 0
    with gc_paused():
        for number, chunk in enumerate(chunked(records)):
            found, cleaned = cleaner.first(number, chunk)
            summaries.extend(found)
            chunks.append(keep(cleaned))
            done += sum(r.raw_chars for r in chunk)
            if progress:
                progress(min(done, total or done), total or done)
        evidence = templates_from(summaries + (prior(summaries) if prior else []), config)
        needing = needing_templates(summaries, evidence)
        missing = needing - {c.doc_id for n in cleaner.held for c in chunks[n]}
        apply_refinished(chunks, cleaner.refinish(evidence), keep)
        place = positions(chunks, missing)
        for chunk in chunked(r for r in again() if r.doc_id in missing) if missing else ():
            apply_again(chunks, place, keep(cleaner.again(chunk, evidence)))
    return [c for chunk in chunks for c in chunk], evidence


def apply_refinished(chunks: list[list[Cleaned]], fixed: dict[int, list[tuple[int, Cleaned]]],
                     keep: Keep = in_memory) -> None:
    for number, pairs in fixed.items():
        for i, c in zip((i for i, _ in pairs), keep([c for _, c in pairs])):
            chunks[number][i] = c


def positions(chunks: list[list[Cleaned]], ids: set[str]) -> dict[str, tuple[int, int]]:
    """Where each of ``ids`` is among the chunks (chunk, position)."""
    if not ids:
        return {}
    return {c.doc_id: (n, i) for n, chunk in enumerate(chunks) for i, c in enumerate(chunk) if c.doc_id in ids}


def apply_again(chunks: list[list[Cleaned]], place: dict[str, tuple[int, int]], cleaned: list[Cleaned]) -> None:
    for c in cleaned:
        n, i = place[c.doc_id]
        chunks[n][i] = c


@contextmanager
def gc_paused():
    """The cyclic garbage collector off while drafts pile up (restored after): drafts hold
    no reference cycles, and every collection would walk all of them again (5-13% of a
    single process's cleaning time on 10k documents, 8% on the AEB pages)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def clean_text(text: str, config: Config = DEFAULT) -> str:
    """Clean text of one plain-text article (no corpus evidence: templates need a corpus)."""
    return finish(draft(Record(doc_id="text", source="text", text=text)), config=config).text


def clean_html(html: str, url: str | None = None, config: Config = DEFAULT) -> str:
    """Clean text of one HTML page."""
    return finish(draft(Record(doc_id="html", source="html", html=html, url=url)), config=config).text
