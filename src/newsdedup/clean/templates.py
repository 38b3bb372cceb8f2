"""Site templates: paragraphs that recur verbatim across unrelated documents.

Evidence comes only from the corpus at hand. A paragraph is a template when

* it is furniture-shaped: short, not prose, or carrying a boilerplate cue (a long
  prose paragraph shared by several stories is a quote or a syndicated passage: a
  *match*, never boilerplate on frequency alone), and
* it occurs in at least ``template_min_docs`` documents that are pairwise
  *unrelated*: copies of one story (which share most of their long paragraphs)
  count once, so five re-crawls of one article do not make its lines a template.
  Long paragraphs are compared by sketches that survive small edits (the four least
  hashes of their word trigrams), so an edited update is a copy of its story too.

>>> from .paragraphs import segment
>>> docs = [segment(f"Menu\\nStory {i} is about topic {i} and its many details here.") for i in range(3)]
>>> sorted(p.text for d in docs for p in d if p.key in find_templates(docs, min_docs=3))
['Menu', 'Menu', 'Menu']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._arrays import group_bounds
from .._jit import njit
from .. import normalize
from ..normalize import char_classes, code_points, mix64
from .features import _FNV_PRIME, word_tokens
from .paragraphs import Paragraph
from .rules import is_furniture

LONG_WORDS = 12


def _reads_as_prose(text: str) -> bool:
    """Mostly lowercase words: running text (a list item, a caption without a full stop),
    not a row of menu entries or Title Case headlines."""
    words = [w for w in text.split() if w[:1].isalpha()]
    return bool(words) and 2 * sum(w[0].islower() for w in words) >= len(words)


@dataclass(frozen=True, slots=True)
class KeySummary:
    """What the corpus-wide template search needs from one document: every paragraph's
    key, which paragraphs say what the document is about (long prose, not furniture),
    and which are furniture-shaped. Small and flat, so workers send it instead of drafts."""

    keys: np.ndarray  # uint64
    about: np.ndarray  # bool
    shaped: np.ndarray  # bool
    sketches: np.ndarray  # uint64: the :func:`sketches` of the paragraphs about the story, flat


def summarize(paras: Sequence[Paragraph], long_words: int = LONG_WORDS,
              compare_keys: Sequence[str] | None = None,
              words: tuple[np.ndarray, np.ndarray] | None = None) -> KeySummary:
    """``compare_keys``: the paragraphs' compare keys, if at hand; ``words``: the word
    tokens of all of them (hashes and lines, :func:`~.features.word_tokens`), if at hand."""
    n = len(paras)
    keys = np.fromiter((p.key for p in paras), dtype=np.uint64, count=n)
    kinds = [_SHAPED if p.n_words < long_words or is_furniture(p) else _ABOUT if p.sentence
             else _PROSE if _reads_as_prose(p.text) else _SHAPED for p in paras]
    kinds_array = np.array(kinds, dtype=np.int8)  # one conversion, not an item write per paragraph
    about = kinds_array == _ABOUT
    if words is not None:
        return KeySummary(keys, about, kinds_array == _SHAPED, sketches_of_lines(*words, about))
    if compare_keys is None:
        about_keys = normalize.compare_keys([p.text for p, kind in zip(paras, kinds) if kind == _ABOUT])
    else:
        about_keys = [k for k, kind in zip(compare_keys, kinds) if kind == _ABOUT]
    return KeySummary(keys, about, kinds_array == _SHAPED, sketches(about_keys))


SKETCHES = 4  # per long paragraph: enough that sharing half of them means a similar text


def sketches(keys: Sequence[str]) -> np.ndarray:
    """The ``SKETCHES`` least distinct 64-bit hashes of each compare key's word trigrams (a
    bottom-k MinHash; the hash of its words if fewer than three), all keys' together. The
    share of them two paragraphs have in common is about their trigram Jaccard
    similarity (a paragraph of 40 words with one word changed: about 0.85); two
    different paragraphs have practically none in common.

    >>> a, b, c = (set(sketches([t]).tolist()) for t in [
    ...     "the council met on monday to vote on the budget for next year",
    ...     "the council met on monday to vote on the budget for this year",
    ...     "a storm closed the coast road for a week"])
    >>> len(a & b) >= SKETCHES // 2, a & c
    (True, set())
    """
    if not keys:
        return np.zeros(0, dtype=np.uint64)
    hashes, _, lines, _ = word_tokens(code_points(list(keys)), char_classes())
    return sketches_of_lines(hashes, lines, np.ones(len(keys), dtype=bool))


def sketches_of_lines(hashes: np.ndarray, lines: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """:func:`sketches` of the ``chosen`` lines (a mask) of a document, from the word
    tokens of all its lines (``hashes`` and ``lines`` of :func:`~.features.word_tokens`;
    a token never spans a line break, so a line's tokens are the same alone)."""
    least = _least_trigram_hashes(hashes, lines, chosen, SKETCHES).ravel()
    return least[least != _UNSET]  # a paragraph of few trigrams has fewer


_UNSET = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def _keep_least(out, line, h):  # pragma: no cover - compiled
    """Insert ``h`` into ``out[line]`` (ascending, distinct, padded with ``_UNSET``) if
    it is among its least values."""
    k = out.shape[1]
    if h >= out[line, k - 1]:
        return
    j = k - 1
    while j > 0 and out[line, j - 1] > h:
        j -= 1
    if j > 0 and out[line, j - 1] == h:  # already there: a repeated trigram
        return
    for m in range(k - 1, j, -1):
        out[line, m] = out[line, m - 1]
    out[line, j] = h


@njit(cache=True, nogil=True)
def _least_trigram_hashes(hashes, lines, chosen, k):  # pragma: no cover - compiled
    """Per chosen line (``chosen``: a mask of the lines), the ``k`` least distinct hashes
    of its word trigrams (the word hashes, in line order, chained, then mixed),
    ascending, padded with ``_UNSET``: one row per chosen line, in line order."""
    rows = np.empty(chosen.size, dtype=np.int64)
    n = 0
    for i in range(chosen.size):
        rows[i] = n if chosen[i] else -1
        n += chosen[i]
    out = np.full((n, k), _UNSET)
    prime = np.uint64(_FNV_PRIME)
    start = 0
    while start < hashes.size:
        row = rows[lines[start]]
        end = start
        while end < hashes.size and lines[end] == lines[start]:
            end += 1
        if row < 0:
            start = end
            continue
        if end - start < 3:  # a line of one or two words: their hash
            first = hashes[start] if end - start == 2 else np.uint64(0)
            out[row, 0] = mix64(first * prime + hashes[end - 1])
        for t in range(start + 2, end):
            _keep_least(out, row, mix64((hashes[t - 2] * prime + hashes[t - 1]) * prime + hashes[t]))
        start = end
    return out


_SHAPED, _ABOUT, _PROSE = 0, 1, 2  # furniture-shaped; about the story; prose that is neither (a long list item)


def _related(a: frozenset[int], b: frozenset[int], share: float) -> bool:
    if not a or not b:
        return False
    return len(a & b) >= share * min(len(a), len(b))


def unrelated_counts(docs: Sequence[KeySummary], *, min_docs: int = 2, cap: int = 10,
                     related_share: float = 0.5, furniture_only: bool = False) -> dict[int, int]:
    """For each paragraph key found in ``min_docs`` or more documents: in how many unrelated ones (up to ``cap``)."""
    keys, docs_of = _keys_in_documents(docs, min_docs, furniture_only)
    evidence: dict[int, frozenset[int]] = {}

    def about(d: int) -> frozenset[int]:
        if d not in evidence:
            evidence[d] = frozenset(docs[d].sketches.tolist()) or frozenset(docs[d].keys.tolist())
        return evidence[d]

    counts: dict[int, int] = {}
    for key, ds in zip(keys, docs_of):
        groups: list[frozenset[int]] = []
        for d in ds:
            this = about(d)
            if key in this:  # (sketches are other hashes than keys: a copy only when it is there)
                this = this - {key}
            if not any(this == g or _related(this, g, related_share) for g in groups):
                groups.append(this)
                if len(groups) >= cap:
                    break
        counts[key] = len(groups)
    return counts


@dataclass(frozen=True)
class Evidence:
    """What the corpus says about paragraphs: which are site templates."""

    templates: frozenset[int] = frozenset()


def _keys_in_documents(docs: Sequence[KeySummary], min_docs: int, furniture_only: bool = False
                       ) -> tuple[list[int], list[list[int]]]:
    """The keys found in ``min_docs`` or more documents (``furniture_only``: of those, the
    ones furniture-shaped where they are first found), and the documents of each, in
    order. Only the keys found ``min_docs`` times or more are ordered (by key, document
    and paragraph): one sort of the keys' values picks them, no dictionary of every key."""
    if not docs:
        return [], []
    if hasattr(docs, "flat"):  # summaries packed into flat arrays (runners.packed): no array per document
        keys, shaped, doc = docs.flat("keys"), docs.flat("shaped"), docs.key_docs()
    else:
        keys, shaped = np.concatenate([d.keys for d in docs]), np.concatenate([d.shaped for d in docs])
        doc = np.repeat(np.arange(len(docs)), [d.keys.size for d in docs])
    at = _often(keys, min_docs)  # a document's positions come in its paragraphs' order
    keys, shaped, doc = keys[at], shaped[at], doc[at]
    order = np.lexsort((at, doc, keys))
    keys, doc = keys[order], doc[order]
    starts, sizes = group_bounds(keys)
    first_in_doc = np.ones(keys.size, dtype=bool)  # a key's first paragraph in each document
    first_in_doc[1:] = (keys[1:] != keys[:-1]) | (doc[1:] != doc[:-1])
    n_docs = np.add.reduceat(first_in_doc.astype(np.int64), starts) if starts.size else starts
    wanted = n_docs >= min_docs
    if furniture_only:
        wanted &= shaped[order[starts]]
    wanted = np.flatnonzero(wanted)
    docs_of = [doc[s:s + n][first_in_doc[s:s + n]].tolist() for s, n in zip(starts[wanted].tolist(), sizes[wanted].tolist())]
    return keys[starts[wanted]].tolist(), docs_of


def _often(keys: np.ndarray, times: int) -> np.ndarray:
    """The positions of the keys that occur ``times`` times or more, ascending."""
    ordered = np.sort(keys)
    starts, sizes = group_bounds(ordered)
    often = ordered[starts[sizes >= times]]
    if not often.size:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(_among(keys, often))


@njit(cache=True, nogil=True)
def _among(keys, wanted):  # pragma: no cover - compiled
    """Whether each of ``keys`` is one of ``wanted`` (distinct): a hash table of ``wanted``
    (a binary search of each key in them took ten times as long)."""
    size = 2
    while size < 2 * wanted.size:
        size *= 2
    mask = np.uint64(size - 1)
    table = np.zeros(size, dtype=np.uint64)
    full = np.zeros(size, dtype=np.bool_)
    for k in wanted:
        h = np.int64(mix64(k) & mask)
        while full[h]:
            h = (h + 1) & (size - 1)
        full[h] = True
        table[h] = k
    out = np.zeros(keys.size, dtype=np.bool_)
    for i in range(keys.size):
        h = np.int64(mix64(keys[i]) & mask)
        while full[h]:
            if table[h] == keys[i]:
                out[i] = True
                break
            h = (h + 1) & (size - 1)
    return out


def corpus_evidence(docs: Sequence[KeySummary], *, min_docs: int = 3, related_share: float = 0.5) -> Evidence:
    """The templates of a corpus from its documents' summaries (in a fixed order, e.g. by doc id)."""
    counts = unrelated_counts(docs, min_docs=min_docs, cap=min_docs, related_share=related_share, furniture_only=True)
    return Evidence(templates=frozenset(k for k, c in counts.items() if c >= min_docs))


def find_templates(docs: Sequence[Sequence[Paragraph]], *, min_docs: int = 3,
                   related_share: float = 0.5, long_words: int = LONG_WORDS) -> frozenset[int]:
    """Keys of the template paragraphs of a corpus (``docs`` in a fixed order, e.g. by doc id)."""
    return corpus_evidence([summarize(paras, long_words) for paras in docs], min_docs=min_docs,
                           related_share=related_share).templates
