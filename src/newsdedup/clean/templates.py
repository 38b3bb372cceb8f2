"""Site templates: paragraphs that recur verbatim across unrelated documents.

Evidence comes only from the corpus at hand. A paragraph is a template when

* it is furniture-shaped: short, not prose, or carrying a boilerplate cue (a long
  prose paragraph shared by several stories is a quote or a syndicated passage: a
  *match*, never boilerplate on frequency alone), and
* it occurs in at least ``template_min_docs`` documents that are pairwise
  *unrelated*: copies of one story (which share most of their long paragraphs)
  count once, so five re-crawls of one article do not make its lines a template.

>>> from .paragraphs import segment
>>> docs = [segment(f"Menu\\nStory {i} is about topic {i} and its many details here.") for i in range(3)]
>>> sorted(p.text for d in docs for p in d if p.key in find_templates(docs, min_docs=3))
['Menu', 'Menu', 'Menu']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .paragraphs import Paragraph
from .rules import is_furniture

LONG_WORDS = 12


def _furniture_shaped(p: Paragraph, long_words: int) -> bool:
    if p.n_words < long_words or is_furniture(p):
        return True
    return not p.sentence and not _reads_as_prose(p.text)


def _reads_as_prose(text: str) -> bool:
    """Mostly lowercase words: running text (a list item, a caption without a full stop),
    not a row of menu entries or Title Case headlines."""
    words = [w for w in text.split() if w[:1].isalpha()]
    return bool(words) and 2 * sum(w[0].islower() for w in words) >= len(words)


def _evidence_keys(paras: Sequence[Paragraph], long_words: int) -> frozenset[int]:
    """The keys that say what a document is about: its long prose paragraphs."""
    return frozenset(p.key for p in paras if p.sentence and p.n_words >= long_words and not is_furniture(p))


def _related(a: frozenset[int], b: frozenset[int], share: float) -> bool:
    if not a or not b:
        return False
    return len(a & b) >= share * min(len(a), len(b))


def unrelated_counts(docs: Sequence[Sequence[Paragraph]], *, min_docs: int = 2, cap: int = 10,
                     related_share: float = 0.5, long_words: int = LONG_WORDS,
                     furniture_only: bool = False) -> dict[int, int]:
    """For each paragraph key found in ``min_docs`` or more documents: in how many unrelated ones (up to ``cap``)."""
    postings: dict[int, list[int]] = defaultdict(list)
    first: dict[int, Paragraph] = {}  # a key's shape is read from its first paragraph
    for d, paras in enumerate(docs):
        for key in dict.fromkeys(p.key for p in paras):
            postings[key].append(d)
        for p in paras:
            first.setdefault(p.key, p)
    evidence: dict[int, frozenset[int]] = {}

    def about(d: int) -> frozenset[int]:
        if d not in evidence:
            evidence[d] = _evidence_keys(docs[d], long_words) or frozenset(p.key for p in docs[d])
        return evidence[d]

    counts: dict[int, int] = {}
    for key, ds in postings.items():
        if len(ds) < min_docs or (furniture_only and not _furniture_shaped(first[key], long_words)):
            continue
        groups: list[frozenset[int]] = []
        for d in ds:
            this = about(d) - {key}
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


def corpus_evidence(docs: Sequence[Sequence[Paragraph]], *, min_docs: int = 3, related_share: float = 0.5,
                    long_words: int = LONG_WORDS) -> Evidence:
    return Evidence(templates=find_templates(docs, min_docs=min_docs, related_share=related_share,
                                             long_words=long_words))


def find_templates(docs: Sequence[Sequence[Paragraph]], *, min_docs: int = 3,
                   related_share: float = 0.5, long_words: int = LONG_WORDS) -> frozenset[int]:
    """Keys of the template paragraphs of a corpus (``docs`` in a fixed order, e.g. by doc id)."""
    counts = unrelated_counts(docs, min_docs=min_docs, cap=min_docs, related_share=related_share,
                              long_words=long_words, furniture_only=True)
    return frozenset(k for k, c in counts.items() if c >= min_docs)
