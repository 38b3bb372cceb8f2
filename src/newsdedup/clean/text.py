"""The paragraph-level boilerplate cleaner for plain text (and the post-filter for HTML).

Rules, applied in order; each removal records its reason:

1. ``repeated_block`` / ``repeated``: blocks printed more than once in the document
   (a run of two or more repeated paragraphs, or a short repeated line, goes in every
   copy; a long repeated paragraph keeps its first copy).
2. ``template``: short or furniture-like paragraphs seen verbatim in several unrelated
   documents of the corpus (see :mod:`.templates`).
3. a cue kind (``call_to_action``, ``social``, ``legal``, ``notice``, ``navigation``):
   lines whose vocabulary marks them as page furniture (see :mod:`.rules`).
4. ``headline``: the headline moves to ``title``.
5. layout (plain text only): the article *core* runs from the first to the last
   prose paragraph; before it, non-prose lines (section labels, bylines, logos) go;
   after it, non-prose lines go, and so does prose separated from the article by
   removed furniture; anywhere, runs of short non-prose lines are menus or link lists.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..normalize import compare_key
from .paragraphs import Paragraph

REPEATED_BLOCK, REPEATED, TEMPLATE, HEADLINE, NAVIGATION, FOOTER = (
    "repeated_block", "repeated", "template", "headline", "navigation", "after_article")

LONG_WORDS = 12      # a prose paragraph this long is article evidence
SHORT_LINE_WORDS = 12  # lines this short can be menu entries
CAPTION_WORDS = 8     # non-prose lines this long before the article may be a dek or caption
MENU_RUN = 3          # this many short non-prose lines in a row outside the article form a menu
MENU_RUN_INSIDE = 4   # ... and inside it
HEADLINE_WORDS = (3, 30)
HEADER_SCAN = 12      # the headline is among the first paragraphs


@dataclass(slots=True)
class Labels:
    title: str | None
    reasons: list[str | None]  # per paragraph: None = kept


def label(paragraphs: list[Paragraph], templates: frozenset[int] = frozenset(), *,
          layout: bool = True, title_hint: str | None = None,
          long_words: int = LONG_WORDS) -> Labels:
    """Decide, for every paragraph, whether it is kept or why it is removed."""
    reasons: list[str | None] = [None] * len(paragraphs)
    _mark_repeats(paragraphs, reasons, long_words)
    _mark_templates(paragraphs, reasons, templates)
    _mark_cues(paragraphs, reasons)
    title = _mark_headline(paragraphs, reasons, title_hint, long_words, guess=layout)
    if layout:
        _mark_layout(paragraphs, reasons, long_words)
    if all(r is not None for r in reasons) and title is not None:
        # A text that is only a headline is still an article: keep the headline as text.
        for i, r in enumerate(reasons):
            if r == HEADLINE:
                reasons[i] = None
                break
    return Labels(title=title, reasons=reasons)


def _mark_repeats(paras: list[Paragraph], reasons: list[str | None], long_words: int) -> None:
    counts = Counter(p.key for p in paras)
    repeated = [counts[p.key] > 1 for p in paras]
    seen: set[int] = set()
    for i, p in enumerate(paras):
        if not repeated[i]:
            continue
        in_block = (i > 0 and repeated[i - 1]) or (i + 1 < len(paras) and repeated[i + 1])
        if in_block:
            reasons[i] = REPEATED_BLOCK
        elif not (p.sentence and p.n_words >= long_words):
            reasons[i] = REPEATED
        elif p.key in seen:
            reasons[i] = REPEATED
        seen.add(p.key)


def _mark_templates(paras: list[Paragraph], reasons: list[str | None], templates: frozenset[int]) -> None:
    if not templates:
        return
    for i, p in enumerate(paras):
        if reasons[i] is None and p.key in templates:
            reasons[i] = TEMPLATE


def is_furniture(p: Paragraph) -> bool:
    """Cue evidence alone is enough to call this paragraph page furniture."""
    c = p.cues
    if c.kind is None:
        return False
    if not p.sentence and p.n_words <= SHORT_LINE_WORDS:
        return c.strong >= 1 or (c.weak >= 2 and p.n_words <= 6)
    if p.n_words <= 30:
        return c.strong >= 1 and p.cue_score >= 3
    return c.strong >= 1 and p.cue_score >= 4 and p.cue_score * 10 >= p.n_words


def _mark_cues(paras: list[Paragraph], reasons: list[str | None]) -> None:
    for i, p in enumerate(paras):
        if reasons[i] is None and is_furniture(p):
            reasons[i] = p.cues.kind


def _is_prose(p: Paragraph, long_words: int) -> bool:
    return p.sentence and p.n_words >= long_words


def _core(paras: list[Paragraph], reasons: list[str | None], long_words: int) -> tuple[int, int] | None:
    body = [i for i, p in enumerate(paras) if reasons[i] is None and _is_prose(p, long_words)]
    return (body[0], body[-1]) if body else None


def _headline_like(p: Paragraph) -> bool:
    lo, hi = HEADLINE_WORDS
    return lo <= p.n_words <= hi and not p.text.rstrip().endswith(".") and p.cues.strong == 0


def _same_title(text: str, title: str) -> bool:
    a, b = compare_key(text), compare_key(title)
    if not a or not b:
        return False
    if fuzz.ratio(a, b) >= 90:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 0.5 * len(long_) and len(short) >= 15 and fuzz.partial_ratio(short, long_) >= 95


def _mark_headline(paras: list[Paragraph], reasons: list[str | None], title_hint: str | None,
                   long_words: int, guess: bool) -> str | None:
    core = _core(paras, reasons, long_words)
    header_end = core[0] if core else min(len(paras), HEADER_SCAN)
    header = [i for i in range(min(header_end, HEADER_SCAN)) if reasons[i] is None]
    title = title_hint
    if title is None and guess:
        kept = sum(r is None for r in reasons)
        candidates = [i for i in header if _headline_like(paras[i])]
        if candidates and (core is not None or kept > 1):
            title = paras[candidates[0]].text
    if title is None:
        return None
    matches = [i for i in header if _same_title(paras[i].text, title)]
    if title_hint is None and matches:
        # Page texts often carry the <title> ("Headline - Site") and later the bare headline.
        title = min((paras[i].text for i in matches), key=len)
    for i in matches:
        reasons[i] = HEADLINE
    return title


def _mark_layout(paras: list[Paragraph], reasons: list[str | None], long_words: int) -> None:
    core = _core(paras, reasons, long_words)
    if core is None:
        return
    start, end = core
    for i in range(start):
        p = paras[i]
        if reasons[i] is None and not p.sentence and (p.n_words < CAPTION_WORDS or p.cues.kind):
            reasons[i] = NAVIGATION
    for i in range(end + 1, len(paras)):
        p = paras[i]
        if reasons[i] is not None:
            continue
        if not p.sentence or p.cues.kind:
            reasons[i] = NAVIGATION
        elif reasons[i - 1] is not None:
            reasons[i] = FOOTER
    _mark_menus(paras, reasons, start, end)


def _mark_menus(paras: list[Paragraph], reasons: list[str | None], start: int, end: int) -> None:
    run: list[int] = []
    for i in range(len(paras) + 1):
        p = paras[i] if i < len(paras) else None
        if p is not None and reasons[i] is None and not p.sentence and p.n_words <= SHORT_LINE_WORDS:
            run.append(i)
            continue
        if p is not None and reasons[i] is not None and run:
            continue  # removed lines do not break a menu
        inside = run and start < run[0] and run[-1] < end
        if len(run) >= (MENU_RUN_INSIDE if inside else MENU_RUN):
            for j in run:
                reasons[j] = NAVIGATION
        run = []
