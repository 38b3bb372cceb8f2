"""The paragraph-level boilerplate cleaner for plain text (and the post-filter for HTML).

Rules, applied in order; each removal records its reason:

1. ``repeated_block`` / ``repeated``: blocks printed more than once in the document
   (a run of two or more repeated paragraphs, or a short repeated line, goes in every
   copy; a long repeated paragraph keeps its first copy, and so does a prose paragraph
   of a run when the model scores no prose as article outside such runs: a page that
   prints its whole article twice).
2. ``template``: short or furniture-like paragraphs seen verbatim in several unrelated
   documents of the corpus (see :mod:`.templates`).
0. ``no_words``: lines without a single word character (separators, bullets, emoji rows).
3. a cue kind (``call_to_action``, ``social``, ``legal``, ``notice``, ``navigation``):
   lines whose vocabulary marks them as page furniture (see :mod:`.rules`);
   ``meta_line``: a byline or stamp strung together with share or comment controls;
   ``comments``: reader-comment threads, by their structure (see :mod:`.comments`; a
   thread printed twice is still one: its repeated lines do not end a post).
4. ``headline``: the headline moves to ``title``.
5. the learned classifier (:mod:`.model`, features in :mod:`.features`): every
   paragraph the rules kept is scored from its own shape and its surroundings (runs
   of short lines, distance to the densest prose, blank-line blocks, topic overlap
   with the page's prose...); the page's lines are then segmented as a whole
   (:mod:`.decode`: a line's score against the threshold, weighed by its length, and a
   cost for each switch between article and furniture; prose the model keeps stays
   wherever it is), and a line left outside the article goes, with the kind its cues
   or shape suggest (``navigation``, ``after_article``, ``low_content``).
6. corrections of the model at the article's edges: the best cue-free prose paragraph
   of a page it emptied (or left only prose with cues), plain text's repeated runs
   between kept lines whose every copy it scores as article (a plan repeating its
   headings in each part), captions beside kept text,
   short closing sentences right after the last kept prose paragraph, prose sentences
   (a lede, across a capitalised dateline) right before the first one, lines it removed between two kept prose
   paragraphs with no rule's removal among them (a listing, dialogue), in plain text
   the article's later sections across at most four cue-free lines (short labels printed
   more than once, an advertisement's, not counted) to the
   next prose line (a sentence, or a bullet point of lower-case words) no rule removed, long cue-free prose paragraphs between its
   first and last kept lines, and
   ``after_article`` for short lines cut off from the article by removed furniture.
7. plain text only: a "related stories" list after the article's last prose paragraph
   (three or more headline-shaped lines in a row, and their short heading) goes as
   ``navigation``. Not for HTML: there, leave one set out, it lowered F1 on aeb-dev
   and dragnet (0.9698 -> 0.9697, 0.9139 -> 0.9131: lists the annotators kept).
8. plain text only: a profile closing the page (a heading naming someone, then a
   paragraph or a few about them, the name in the first; once on the page, after the
   article's prose) goes as ``after_article``.
9. plain text only: everything kept below a comment section's heading ("7 Comments",
   "Leave a Reply"; after the article's first prose and the start of the model's
   best-scored run) goes as ``comments``: threads whose posts carry no stamps.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from ..align import RATIO_BUDGET, score_one
from ..normalize import compare_key
from .comments import COMMENTS, comment_block, is_section_heading
from .decode import keep_mask, line_weights
from .features import line_features
from .model import TextModel, best_span, text_model
from .paragraphs import Paragraph, has_digit
from .rules import CUE_KINDS, SHORT_LINE_WORDS, is_caption, is_furniture, is_meta_line
from .templates import Evidence

REPEATED_BLOCK, REPEATED, TEMPLATE, HEADLINE, NAVIGATION, FOOTER, LOW_CONTENT, NO_WORDS = (
    "repeated_block", "repeated", "template", "headline", "navigation", "after_article", "low_content", "no_words")
# every reason a removed paragraph can carry (boilerplate.reason; the README lists them, a test checks it)
EXTRACTOR = "extractor"  # an HTML page's visible text that the extractor left out (clean.finish)
SOCIAL, LEGAL = "social", "legal"  # cue kinds of rules.CUES: share and follow lines, terms and copyright
META_LINE = "meta_line"  # a byline or stamp strung together with share/comment controls (rules.is_meta_line)
REASONS = tuple(dict.fromkeys((REPEATED_BLOCK, REPEATED, TEMPLATE, *CUE_KINDS, NAVIGATION, FOOTER, HEADLINE,
                               LOW_CONTENT, NO_WORDS, COMMENTS, EXTRACTOR, META_LINE)))

LONG_WORDS = 12      # a prose paragraph this long is article evidence
HEADLINE_WORDS = (3, 30)
HEADER_SCAN = 12      # the headline is among the first paragraphs
MAX_META_WORDS = 40   # a meta line is a few labels (rules.is_meta_line: parts of at most 8 words)


@dataclass(slots=True)
class Labels:
    title: str | None
    reasons: list[str | None]  # per paragraph: None = kept


def label(paragraphs: list[Paragraph], evidence: Evidence = Evidence(), *,
          html: bool = False, title_hint: str | None = None,
          long_words: int = LONG_WORDS, model: TextModel | None = None, rules: bool = True,
          scores: np.ndarray | None = None) -> Labels:
    """Decide, for every paragraph, whether it is kept or why it is removed.

    Plain text gets every rule and the plain-text model; trafilatura's output of an
    HTML page (already the main content, so repeated lines there are article
    structure, not furniture) gets templates, cues and comment threads, and a learned
    post-filter only when ``model`` is given: one trained on some development sets
    lowered F1 on the others (leave one set out, threshold chosen on the other sets:
    mean 0.943 without it, 0.937 with it; see docs/benchmarks.md, Cleaning).
    ``scores``: the model's scores of the paragraphs, if already computed.
    """
    reasons: list[str | None] = [NO_WORDS if p.n_words == 0 else None for p in paragraphs]
    model = model or (None if html else text_model())
    if model is not None and scores is None and paragraphs:
        scores = paragraph_scores(paragraphs, model, long_words)
    if rules:
        if not html:
            _mark_repeats(paragraphs, reasons, long_words, scores, model.threshold if model is not None else 1.0)
        _mark_templates(paragraphs, reasons, evidence.templates)
        _mark_cues(paragraphs, reasons)
        _mark_comments(paragraphs, reasons)
    title = _mark_headline(paragraphs, reasons, title_hint, long_words, guess=not html)
    before_model = list(reasons)
    if model is not None:
        scores = _mark_by_model(paragraphs, reasons, model, long_words, scores)
        _keep_best_prose(paragraphs, reasons, before_model, scores, long_words)
        if not html:
            _keep_repeated_article_runs(paragraphs, reasons, scores, model.threshold)
    _keep_captions(paragraphs, reasons)
    if model is not None:
        _keep_closing_lines(paragraphs, reasons, before_model, long_words)
        _keep_opening_lines(paragraphs, reasons, before_model, long_words)
        _keep_list_siblings(paragraphs, reasons, before_model)
        _keep_enclosed_lines(paragraphs, reasons, before_model, long_words)
        if not html:
            _extend_through_headings(paragraphs, reasons, before_model)
            _keep_long_prose_inside(paragraphs, reasons, before_model)
    _mark_cut_off(paragraphs, reasons, long_words)
    if not html:
        _mark_related_lists(paragraphs, reasons, long_words)
        _mark_profile_box(paragraphs, reasons, long_words)
        if scores is not None:
            _mark_comment_section(paragraphs, reasons, scores, long_words)
    if all(r is not None for r in reasons) or (model is not None and not _has_prose(paragraphs, before_model, long_words)):
        # The model is for pages; a text it would empty entirely (a snippet, a lone
        # paragraph), or a text without a prose paragraph (a list or index page: the
        # model's pick among its lines is arbitrary, and the whole list gets flagged), is
        # returned as given, minus what the rules removed.
        reasons[:] = before_model
    if all(r is not None for r in reasons) and title is not None:
        # A text that is only a headline is still an article: keep the headline as text.
        for i, r in enumerate(reasons):
            if r == HEADLINE:
                reasons[i] = None
                break
    return Labels(title=title, reasons=reasons)


def _keep_repeated_article_runs(paras: list[Paragraph], reasons: list[str | None], scores: np.ndarray,
                                threshold: float) -> None:
    """Repeated lines printed in several parts of the article come back: a run of them
    between two kept lines, every copy of each scored as article text by the model, one
    of them at least printed :data:`PLAN_PARTS` times (the same headings and items in each
    part of a plan or a recipe set). Furniture printed more than once (a menu, an appeal)
    has a copy outside the article that scores low or is printed twice (an appeal in the
    middle and at the end), and a run of one line is a divider."""
    if REPEATED not in reasons and REPEATED_BLOCK not in reasons:
        return  # no run (most pages)
    keys = [p.key for p in paras]
    counts = Counter(keys)
    low = {keys[k] for k, r in enumerate(reasons) if r in (REPEATED, REPEATED_BLOCK) and scores[k] < threshold}
    n, i = len(paras), 0
    while i < n:
        j = i
        while j < n and reasons[j] in (REPEATED, REPEATED_BLOCK):
            j += 1
        run = range(i, j)
        if (0 < i < j < n and reasons[i - 1] is None and reasons[j] is None and len({keys[k] for k in run}) > 1
                and all(keys[k] not in low for k in run) and max(counts[keys[k]] for k in run) >= PLAN_PARTS):
            for k in run:
                reasons[k] = None
        i = max(j, i + 1)


PLAN_PARTS = 3  # an article's own repeated structure: a line in three parts or more


def _has_prose(paras: list[Paragraph], reasons: list[str | None], long_words: int) -> bool:
    return any(r is None and _is_prose(p, long_words) for p, r in zip(paras, reasons))


def _mark_repeats(paras: list[Paragraph], reasons: list[str | None], long_words: int,
                  scores: np.ndarray | None = None, threshold: float = 1.0) -> None:
    """Repeated blocks go in every copy, a short repeated line too, a long repeated
    paragraph keeps its first copy; so does a prose paragraph of a repeated block when
    the page's article is all in such blocks (the model vouches for repeated prose only)."""
    keys = [p.key for p in paras]
    counts = Counter(keys)
    if len(counts) == len(keys):
        return
    repeated = [counts[k] > 1 for k in keys]
    vouched = _vouched_prose(paras, repeated, scores, threshold, long_words)
    seen: set[int] = set()
    last = len(paras) - 1
    for i in [i for i, r in enumerate(repeated) if r]:
        p = paras[i]
        in_block = (i > 0 and repeated[i - 1]) or (i < last and repeated[i + 1])
        if in_block and not (p.key in vouched and p.key not in seen):
            reasons[i] = REPEATED_BLOCK
        elif not (p.sentence and p.n_words >= long_words):
            reasons[i] = REPEATED
        elif p.key in seen:
            reasons[i] = REPEATED
        seen.add(p.key)


def _vouched_prose(paras: list[Paragraph], repeated: list[bool], scores: np.ndarray | None, threshold: float,
                   long_words: int) -> set:
    """Keys of repeated prose paragraphs that the model scores as article text in some
    copy, when it scores no other prose so (the article itself printed twice)."""
    if scores is None:
        return set()
    vouched = [i for i, p in enumerate(paras) if _is_prose(p, long_words) and p.cues.kind is None
               and scores[i] >= threshold]
    if any(not repeated[i] for i in vouched):
        return set()
    return {paras[i].key for i in vouched}


def _mark_templates(paras: list[Paragraph], reasons: list[str | None], templates: frozenset[int]) -> None:
    if not templates:
        return
    for i, p in enumerate(paras):
        if reasons[i] is None and p.key in templates:
            reasons[i] = TEMPLATE


def _mark_cues(paras: list[Paragraph], reasons: list[str | None]) -> None:
    for i, p in enumerate(paras):
        if reasons[i] is None and is_furniture(p):
            reasons[i] = p.cues.kind
        elif reasons[i] is None and p.n_words <= MAX_META_WORDS and is_meta_line(p.text):
            reasons[i] = META_LINE


def _mark_comments(paras: list[Paragraph], reasons: list[str | None]) -> None:
    # a thread printed twice is still a thread: its repeated lines do not end a post
    for i in comment_block(paras, [r is not None and r not in (REPEATED, REPEATED_BLOCK) for r in reasons]):
        if reasons[i] is None:
            reasons[i] = COMMENTS


def _is_prose(p: Paragraph, long_words: int) -> bool:
    return p.sentence and p.n_words >= long_words


def _core(paras: list[Paragraph], reasons: list[str | None], long_words: int) -> tuple[int, int] | None:
    first = _first_prose(paras, reasons, long_words)
    return None if first is None else (first, _last_prose(paras, reasons, long_words))


def _headline_like(p: Paragraph) -> bool:
    lo, hi = HEADLINE_WORDS
    return lo <= p.n_words <= hi and not p.text.rstrip().endswith(".") and p.cues.strong == 0


def _same_title(a: str, b: str) -> bool:
    """Whether a line (its compare key) says the title (its compare key)."""
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    # fuzz.ratio is at most 200 * len(short) / (len(a) + len(b)) (its distance is at least
    # the difference of the lengths): lines far from the title's length skip it
    may_match = 200 * len(short) >= 89 * (len(a) + len(b)) or len(short) * len(long_) > RATIO_BUDGET
    if may_match and score_one(a, b, fuzz.ratio, 90) >= 90:
        return True
    return (len(short) >= 0.5 * len(long_) and len(short) >= 15
            and score_one(short, long_, fuzz.partial_ratio, 95) >= 95)


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
    title_key = compare_key(title)
    matches = [i for i in header if _same_title(compare_key(paras[i].text), title_key)]
    if title_hint is None and matches:
        # Page texts often carry the <title> ("Headline - Site") and later the bare headline.
        title = min((paras[i].text for i in matches), key=len)
    for i in matches:
        reasons[i] = HEADLINE
    return title


def _keep_captions(paras: list[Paragraph], reasons: list[str | None]) -> None:
    """Captions and credits the model removed come back when they sit next to kept article text.

    The benchmark the model learns from leaves captions out of the article body, but a
    caption belongs to the article it illustrates. Neighbouring captions (a caption and
    its credit line) count as one: from each kept prose paragraph, the run of captions
    right after it (headlines may sit between) and right before it comes back."""
    caption: dict[int, bool] = {}

    def is_candidate(i: int) -> bool:  # the pattern runs only next to kept prose, once per line
        if i not in caption:
            caption[i] = reasons[i] in (LOW_CONTENT, NAVIGATION) and paras[i].n_words >= 3 and is_caption(paras[i].text)
        return caption[i]

    restore = []
    for order, passes_headlines in ((range(len(paras)), True), (range(len(paras) - 1, -1, -1), False)):
        next_to_prose = False  # in a run of captions walked from a kept prose paragraph
        for i in order:
            if reasons[i] is None:
                next_to_prose = paras[i].sentence
            elif next_to_prose and not (passes_headlines and reasons[i] == HEADLINE):
                next_to_prose = is_candidate(i)
                if next_to_prose:
                    restore.append(i)
    for i in restore:
        reasons[i] = None


CLOSING_WORDS = 30


def _first_prose(paras: list[Paragraph], reasons: list[str | None], long_words: int) -> int | None:
    """Index of the first kept prose paragraph (the article's start so far), if any."""
    return _kept_prose(paras, reasons, long_words, range(len(paras)))


def _last_prose(paras: list[Paragraph], reasons: list[str | None], long_words: int) -> int | None:
    """Index of the last kept prose paragraph (the article's end so far), if any."""
    return _kept_prose(paras, reasons, long_words, range(len(paras) - 1, -1, -1))


def _kept_prose(paras: list[Paragraph], reasons: list[str | None], long_words: int, order: range) -> int | None:
    """The first index in ``order`` of a kept prose paragraph, if any."""
    for i in order:
        p = paras[i]
        if reasons[i] is None and p.sentence and p.n_words >= long_words:  # _is_prose, inline: runs several times a page
            return i
    return None


def _keep_closing_lines(paras: list[Paragraph], reasons: list[str | None], before_model: list[str | None],
                        long_words: int) -> None:
    """Short prose sentences straight after the last kept prose paragraph, without a cue,
    are how articles end (a one-sentence outlook, a quote's attribution); the model,
    seeing them next to a related-links list, is apt to drop them with the list."""
    last = _last_prose(paras, reasons, long_words)
    if last is None:
        return
    for i in range(last + 1, len(paras)):
        p = paras[i]
        if reasons[i] is None or before_model[i] is not None or p.cues.kind is not None:
            break
        if not (_is_prose(p, long_words) and p.n_words <= CLOSING_WORDS):
            break
        reasons[i] = None


def _keep_opening_lines(paras: list[Paragraph], reasons: list[str | None], before_model: list[str | None],
                        long_words: int) -> None:
    """Prose sentences straight before the first kept prose paragraph, without a cue, are
    the article's opening (a lede the model, seeing it next to the page header, dropped)."""
    first = _first_prose(paras, reasons, long_words)
    if first is None:
        return
    labels = 0
    for i in range(first - 1, -1, -1):
        p = paras[i]
        if labels < DATELINE_LINES and _is_dateline(p):
            labels += 1  # a dateline between the lede and the body, kept or not
            continue
        if reasons[i] is None or before_model[i] is not None or p.cues.kind is not None or not _is_prose(p, long_words):
            break
        reasons[i] = None
        labels = 0


DATELINE_WORDS, DATELINE_LINES = 4, 1  # what may stand between a lede and the body


def _is_dateline(p: Paragraph) -> bool:
    """A place line in capitals ("CITY, COUNTRY"): a few words, letters all upper case,
    nothing but commas, dots and dashes beside them."""
    text = p.text.strip()
    return (0 < p.n_words <= DATELINE_WORDS and text.upper() == text and any(ch.isalpha() for ch in text)
            and all(ch.isalpha() or ch.isspace() or ch in ",.-–—" for ch in text))


SIBLINGS = 2  # kept lines of the same shape that bring a removed one back


def line_shape(text: str) -> str:
    """A line's shape: each run of words one ``a``, each number ``0``, punctuation kept
    (``Palm Bay d. Rockledge 70-44`` and ``Cocoa d. West Shore 61-21`` are ``a. a 0-0``)."""
    return _WORD_RUN.sub("a", _NUMBER.sub("0", _LETTERS.sub("a", text)))


def line_shapes(texts: list[str]) -> list[str]:
    """:func:`line_shape` of each line, in one pass over them all (no pattern of it
    matches across a line break; lines holding one are shaped one by one)."""
    joined = "\n".join(texts)
    if not texts or joined.count("\n") != len(texts) - 1:
        return [line_shape(text) for text in texts]
    return line_shape(joined).split("\n")


_LETTERS = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"\d+")
_WORD_RUN = re.compile(r"a(?: a)+")


def _keep_list_siblings(paras: list[Paragraph], reasons: list[str | None], before_model: list[str | None]) -> None:
    """A short line with a number in it that the model removed comes back when kept lines
    of the same shape are in the article: an item of a list whose siblings are article text
    (a score line among results, a step among steps), not a menu entry."""
    candidates = [i for i, (p, r, m) in enumerate(zip(paras, reasons, before_model)) if r is not None and m is None
                  and p.n_words <= SHORT_LINE_WORDS and p.cues.kind is None and has_digit(p.text)]
    if not candidates:
        return
    shapes = line_shapes([paras[i].text for i in candidates])
    # only the kept lines that can share a candidate's shape are shaped (a long paragraph's
    # shape costs more than the rest of this): a shape keeps its line's full stops and
    # commas, and holds a "0" exactly when its line holds a decimal digit (searched last:
    # a search costs more than counting)
    stops_commas = {(shape.count("."), shape.count(",")) for shape in shapes}
    signatures = {("0" in shape, shape.count("."), shape.count(",")) for shape in shapes}
    kept = Counter(line_shape(text) for text in (p.text for p, r in zip(paras, reasons) if r is None)
                   if (text.count("."), text.count(",")) in stops_commas
                   and (bool(_NUMBER.search(text)), text.count("."), text.count(",")) in signatures)
    for i, shape in zip(candidates, shapes):
        if kept[shape] >= SIBLINGS:
            reasons[i] = None


def _keep_enclosed_lines(paras: list[Paragraph], reasons: list[str | None], before_model: list[str | None],
                         long_words: int) -> None:
    """Lines the model removed between two kept prose paragraphs, with no rule's removal
    and no cue among them, are the article's own (a code listing, a table, a line of
    dialogue, a stamp between kept posts): an article's text is contiguous."""
    kept = [i for i, r in enumerate(reasons) if r is None]
    for a, b in zip(kept, kept[1:]):
        if b - a < 2 or not (_is_prose(paras[a], long_words) and _is_prose(paras[b], long_words)):
            continue
        gap = range(a + 1, b)
        if all(before_model[i] is None and paras[i].cues.kind is None for i in gap):
            for i in gap:
                reasons[i] = None


# A paragraph of this much prose inside the article is the article's. 40 when only 40-120
# were tried; below 40, each pair of sets chose a lower value (12, 12, 30 for held-out
# aeb-dev, dragnet, readability), and 30 raises every set (0.9251 / 0.8631 / 0.8813 ->
# 0.9256 / 0.8636 / 0.8839; 12 lowers aeb-dev to 0.9250, 7 of its pages down)
LONG_PROSE_WORDS = 30


def _keep_long_prose_inside(paras: list[Paragraph], reasons: list[str | None],
                            before_model: list[str | None]) -> None:
    """Long prose paragraphs the model alone removed between the first and the last kept
    line come back, whatever was removed around them: inside an article, a paragraph of
    several sentences is its text (the model, reading an encyclopaedic page's infoboxes
    and figure lists, cuts whole sections of it)."""
    kept = [i for i, r in enumerate(reasons) if r is None]
    if len(kept) < 2:
        return
    for i in range(kept[0] + 1, kept[-1]):
        p = paras[i]
        if (reasons[i] is not None and before_model[i] is None and p.sentence and p.cues.kind is None
                and p.n_words >= LONG_PROSE_WORDS):
            reasons[i] = None


SECTION_HEADINGS = 4  # lines (subheadings, a code line, an item) the article may run on across
SECTION_WORDS = 12    # ... to a prose line of this many words (a promo line is shorter)
PROSE_LOWER = 0.5     # a line without a full stop reads as prose when this share of its words is lower case
# A line of at most this many words printed more than once on the page ("Advertisement"
# between every few paragraphs) is no gap in the walk: it stays removed and does not count
# toward SECTION_HEADINGS. Leave one set out: aeb-dev 0.9297 -> 0.9299, dragnet 0.8642 ->
# 0.8657, readability 0.8869 -> 0.8919 (1 to 8 words score within 0.0016 of each other; each
# pair of sets chooses 2 to 8 words except aeb-dev with readability, which chooses 1:
# dragnet then 0.8641). On held-out models trained with another augmentation seed: 0.9153 ->
# 0.9154, 0.8694 -> 0.8690, 0.8863 -> 0.8923. Not counting such labels in RESUME_WINDOW
# too: readability 0.8937, aeb-dev 0.9290 and dragnet 0.8652 (not chosen).
LABEL_WORDS = 3


def _extend_through_headings(paras: list[Paragraph], reasons: list[str | None],
                             before_model: list[str | None]) -> None:
    """The article runs on across up to :data:`SECTION_HEADINGS` cue-free lines
    (subheadings, a code line, a list item; removed by the model or as repeats; lines the
    model kept and short labels printed more than once, :data:`LABEL_WORDS`, do not count)
    to the next prose line the model removed and no rule did: a
    long article's later sections, each under its own heading, read like a run of teasers
    to the model, and the model cuts a long article after its first screen. The walk stops
    at a rule's removal, a line with a cue between the prose, or more lines, unless the
    article resumes after it (:func:`_resumes`); a table of data (:func:`_table_end`) is
    the article's last part: the walk ends after it.

    Chosen leave one set out: across four lines rather than two short ones, on to prose
    lines without a full stop (bullet points) and to prose with a weak cue (one the cue
    rules did not remove), each of the three raised F1 on every set (together: aeb-dev
    0.9062 -> 0.9119, dragnet 0.8601 -> 0.8623, readability 0.8639 -> 0.8715). Resuming
    after an interruption: 0.9119 -> 0.9137, 0.8623 -> 0.8626, 0.8715 -> 0.8813 (each pair
    of sets chooses it, and counting only sentences in the window; 4 of 12 or 3 of 8
    lines, or requiring two prose lines in a row, scored lower)."""
    kept = [i for i, r in enumerate(reasons) if r is None and _continues(paras[i])]
    if not kept:
        return
    gap: list[int] = []
    for i in range(kept[-1] + 1, len(paras)):
        p = paras[i]
        end = _table_end(paras, before_model, i)
        if end > i:
            for g in [*gap, *range(i, end)]:  # the article ends with its data
                if before_model[g] is None:
                    reasons[g] = None
            break
        elif _continues(p) and before_model[i] is None:
            reasons[i] = None
            for g in gap:
                if before_model[g] is None:
                    reasons[g] = None
            gap = []
        elif reasons[i] is None:
            continue  # a line the model kept is the article's already: no gap
        elif before_model[i] in (REPEATED, REPEATED_BLOCK) and p.n_words <= LABEL_WORDS:
            continue  # a label printed between the article's paragraphs (an advertisement's): no gap
        elif (p.cues.kind is None and len(gap) < SECTION_HEADINGS and not _link_item(p)
              and before_model[i] in (None, REPEATED, REPEATED_BLOCK, NO_WORDS)):
            gap.append(i)
        elif before_model[i] != SOCIAL and not _link_item(p) and _resumes(paras, before_model, i):
            gap = []  # the article resumes after an interruption, which stays removed
        else:
            break


TABLE_ROWS = 5         # a table of results, standings or dates: this many rows at least
TABLE_ROW_WORDS = 20   # ... each a short line with a figure, no sentence


def _table_end(paras: list[Paragraph], before_model: list[str | None], i: int) -> int:
    """The end of a table starting at line ``i`` (``i`` itself when none starts there): a
    run of :data:`TABLE_ROWS` or more short lines with a figure, none a sentence, none
    removed by a rule, most in one shape holding a value (:func:`_data_rows`: standings,
    tour dates); an article's own data, which the model reads as a menu. Found on aeb-dev
    pages (in-sample there: 0.9137 -> 0.9228, the walk ending after the table: going on
    kept a sidebar of teasers after one, 0.9211); dragnet and readability level (three
    rows lowered dragnet: 0.8626 -> 0.8624)."""
    j = i
    while (j < len(paras) and before_model[j] is None and paras[j].n_words <= TABLE_ROW_WORDS
           and not paras[j].sentence and has_digit(paras[j].text)):
        j += 1
    return j if j - i >= TABLE_ROWS and _data_rows(paras, list(range(i, j))) else i


RESUME_WINDOW, RESUME_PROSE = 10, 3  # an article resumes: 3 prose lines in the next 10


def _resumes(paras: list[Paragraph], before_model: list[str | None], i: int) -> bool:
    """Whether the article resumes after line ``i`` (an advertisement's label, a list of
    names, a code line, a sentence with a cue inside a long technical post): at least
    :data:`RESUME_PROSE` of the next :data:`RESUME_WINDOW` lines are prose sentences no
    rule removed (not bullet-like lines: a list of headlines in sentence case reads like
    them), and no comment section starts among them. Not after a share line (the
    article's end); chosen leave one set out (see the caller)."""
    prose = 0
    for k in range(i + 1, min(i + 1 + RESUME_WINDOW, len(paras))):
        if before_model[k] == COMMENTS or is_section_heading(paras[k]):
            return False
        prose += before_model[k] is None and paras[k].sentence and _continues(paras[k])
    return prose >= RESUME_PROSE


_LINK_MARKS = "»›→"  # marks that lead a link to another page (a bullet leads an item of a list)


def _link_item(p: Paragraph) -> bool:
    """A line led by an arrow mark: a link to another page (a teaser, a column, a "more"
    link), where the walk stops without resuming. Level on the three sets; the page text
    of a story whose HTML cleans without its sidebar of such teasers had kept them."""
    return p.text.lstrip()[:1] in _LINK_MARKS


def _continues(p: Paragraph) -> bool:
    """A prose line (a sentence, or a line of lower-case words without a full stop: a
    bullet point) of :data:`SECTION_WORDS` words, without a legal cue (a copyright notice
    under the article, too weak for the cue rules): what an article's section runs on to."""
    return p.n_words >= SECTION_WORDS and (p.sentence or _reads_as_prose(p.text)) and p.cues.kind != LEGAL


def _reads_as_prose(text: str) -> bool:
    """Whether most words of a line start in lower case (a headline capitalises them)."""
    words = [w for w in text.split() if w[0].isalpha()]
    return len(words) >= SECTION_WORDS and sum(w[0].islower() for w in words) >= PROSE_LOWER * len(words)


def _mark_cut_off(paras: list[Paragraph], reasons: list[str | None], long_words: int) -> None:
    """After the article's last prose paragraph, a short line cut off from it by removed
    furniture belongs to the furniture (a promo blurb between two sign-up buttons)."""
    last = _last_prose(paras, reasons, long_words)
    if last is None:
        return
    for i in range(last + 1, len(paras)):
        if reasons[i] is None and reasons[i - 1] is not None and paras[i].n_words < long_words:
            reasons[i] = FOOTER


def _mark_comment_section(paras: list[Paragraph], reasons: list[str | None], scores: np.ndarray,
                          long_words: int) -> None:
    """Plain text: what the page prints under a comment section's heading ("7 Comments",
    "Leave a Reply") goes as ``comments``, when the heading comes after the article's first
    kept prose paragraph and after the start of the run of lines the model scores highest
    (a comment count in the toolbar above the article body is no section heading), and is
    printed once (a "Comments" button repeated around the page is none either). The
    threads the structure rules miss (posts without stamps) are kept by the model as prose.
    Leave one set out: aeb-dev 0.9052 -> 0.9062, dragnet 0.8488 -> 0.8601, readability
    0.8639 (level)."""
    first = _first_prose(paras, reasons, long_words)
    if first is None:
        return
    span_start = best_span(scores)[0]
    for i in range(max(first, span_start) + 1, len(paras)):
        if reasons[i] not in (REPEATED, REPEATED_BLOCK) and is_section_heading(paras[i]):
            for k in range(i, len(paras)):
                if reasons[k] is None:
                    reasons[k] = COMMENTS
            return


PROFILE_HEADING_WORDS = (2, 5)  # "About Jane Doe", "Jane Doe": a few words
PROFILE_PARAGRAPHS = 3           # a profile is a paragraph or a few
PROFILE_ARTICLE_PROSE = 2        # ... after an article of at least this much prose


def _profile_heading(heading: Paragraph, body: Paragraph) -> bool:
    """A heading that names whom the paragraph under it is about: a few capitalised words
    (the first word may be any: a preposition), no figure, not a sentence, and every
    capitalised word after the first is a word of the paragraph."""
    if heading.sentence or not body.sentence:
        return False
    lo, hi = PROFILE_HEADING_WORDS
    words = heading.text.split(maxsplit=hi)  # a long paragraph: split no further than needed to refuse it
    if not lo <= len(words) <= hi or has_digit(heading.text):
        return False
    names = words[1:]
    if not all(w[:1].isupper() and w.isalpha() and not w.isupper() for w in names):
        return False
    body_words = set(re.findall(r"\w+", body.text))
    return all(w in body_words for w in names)


def _mark_profile_box(paras: list[Paragraph], reasons: list[str | None], long_words: int) -> None:
    """An author's or a company's profile closing the page: the last kept lines are a
    heading naming someone and a paragraph or a few about them (the heading's name in the
    first), after an article of its own prose. Not when the article is itself such a list
    (profiles of several people, each under its name): the structure appears once, at the
    end. Leave one set out: aeb-dev 0.9230 -> 0.9251, dragnet 0.8626 -> 0.8631,
    readability 0.8811 -> 0.8813 (6 pages up, none down; written on aeb-dev pages, names
    in capitals refused after a dragnet page whose closing subheading is an acronym)."""
    kept = [i for i, r in enumerate(reasons) if r is None]
    pairs = [k for k, (a, b) in enumerate(zip(kept, kept[1:])) if b == a + 1 and _profile_heading(paras[a], paras[b])]
    if len(pairs) != 1 or len(kept) - pairs[0] - 1 > PROFILE_PARAGRAPHS:
        return
    start = pairs[0]
    if sum(_is_prose(paras[i], long_words) for i in kept[:start]) < PROFILE_ARTICLE_PROSE:
        return
    for i in kept[start:]:
        reasons[i] = FOOTER


RELATED_MIN_ITEMS = 3     # a list of other stories' headlines
RELATED_WORDS = (3, 16)   # an item is a headline: a few words
RELATED_CAPITALISED = 0.6  # ... most of them capitalised (headline case), no closing punctuation
RELATED_HEADING_WORDS = 5  # the list's heading, if kept, goes with it
_LIST_MARK = re.compile(r"^\s*(?:[-–•*·»›]|\d{1,2}[.)])\s+")
_CLOSING_PUNCTUATION = frozenset(".!?;,:\"”'’…")


def _headline_item(p: Paragraph) -> bool:
    """A line shaped like another story's headline: a few words (figures at most half of
    them), most capitalised, no sentence or label punctuation at its end (a list mark
    before it allowed)."""
    text = _LIST_MARK.sub("", p.text).strip()
    words = text.split()
    lo, hi = RELATED_WORDS
    if not lo <= len(words) <= hi or text[-1] in _CLOSING_PUNCTUATION:
        return False
    alpha = [w for w in words if w[0].isalpha()]
    return 2 * len(alpha) >= len(words) and sum(w[0].isupper() for w in alpha) >= RELATED_CAPITALISED * len(alpha)


def _mark_related_lists(paras: list[Paragraph], reasons: list[str | None], long_words: int) -> None:
    """A "related stories" list: after the article's last prose paragraph, a run of kept
    lines that are all headlines of other stories (with the short heading above it, if
    kept) is the page's navigation, however the model scored its lines; not when most of
    the lines share one shape (scores, tour dates: the article's own list)."""
    last = _last_prose(paras, reasons, long_words)
    if last is None:
        return
    kept = [i for i in range(last + 1, len(paras)) if reasons[i] is None]
    start = 0
    while start < len(kept):
        end = start
        while end < len(kept) and _headline_item(paras[kept[end]]):
            end += 1
        if end - start >= RELATED_MIN_ITEMS and not _data_rows(paras, kept[start:end]):
            heading = kept[start - 1] if start > 0 else None
            if heading is not None and not paras[heading].sentence and paras[heading].n_words <= RELATED_HEADING_WORDS:
                reasons[heading] = NAVIGATION
            for i in kept[start:end]:
                reasons[i] = NAVIGATION
        start = max(end, start + 1)


def _data_rows(paras: list[Paragraph], items: list[int]) -> bool:
    """Whether most items share one :func:`line_shape` holding a value: a number with
    punctuation, at the end, or several (``a. a 0-0``, ``a 0 – a, a @ a``, ``a 0``):
    results, dates or standings, data of the article; other stories' headlines are words
    (``0 a``, ``a: a``) of no common form."""
    shape, count = Counter(line_shape(paras[i].text) for i in items).most_common(1)[0]
    valued = shape.endswith("0") or shape.count("0") > 1 or any(
        not ch.isalnum() and not ch.isspace() for ch in shape)
    return count * 2 > len(items) and "0" in shape and valued


def paragraph_scores(paras: list[Paragraph], model: TextModel, long_words: int = LONG_WORDS,
                     features: np.ndarray | None = None) -> np.ndarray:
    """The model's probability that each paragraph is article text (``features``: the
    document's precomputed :func:`line_features`, computed here if not given)."""
    X = line_features(paras, long_words=long_words) if features is None else features
    return model.predict(X, blocks(paras))


def blocks(paras: list[Paragraph]) -> np.ndarray:
    """Block number of each paragraph: a blank line in the input starts a new block."""
    starts = np.fromiter((p.gap_before > 0 for p in paras), dtype=np.int64, count=len(paras))
    return np.cumsum(starts)  # (an array, not a list: numpy converts a list of bools slowly)


def _mark_by_model(paras: list[Paragraph], reasons: list[str | None], model: TextModel,
                   long_words: int, scores: np.ndarray | None) -> np.ndarray:
    if not paras:
        return np.zeros(0)
    if scores is None:
        scores = paragraph_scores(paras, model, long_words)
    if model.switch_cost > 0:
        # prose the model keeps stays even outside the article's segment: a lede set apart
        # by captions and a related link is the article's (dropping it lost matches)
        n = len(paras)
        words = np.fromiter((p.n_words for p in paras), dtype=np.float64, count=n)
        prose = np.fromiter((p.sentence for p in paras), dtype=bool, count=n) & (words >= long_words)
        candidates = np.fromiter((r is None for r in reasons), dtype=bool, count=n)
        kept = keep_mask(scores, candidates, model.threshold, model.switch_cost, line_weights(words),
                         protected=prose).tolist()
    else:
        kept = [s >= model.threshold for s in scores.tolist()]  # Python floats: a numpy scalar compares slowly
    core = _core(paras, [None if k else "x" for k in kept], long_words)
    for i, (p, k) in enumerate(zip(paras, kept)):
        if reasons[i] is not None or k:
            continue
        if p.cues.kind is not None:
            reasons[i] = p.cues.kind
        elif not p.sentence and p.n_words <= SHORT_LINE_WORDS:
            reasons[i] = NAVIGATION
        elif core is not None and i > core[1]:
            reasons[i] = FOOTER
        else:
            reasons[i] = LOW_CONTENT
    return scores


def _keep_best_prose(paras: list[Paragraph], reasons: list[str | None], before_model: list[str | None],
                     scores: np.ndarray, long_words: int) -> None:
    """An article has prose, and prose without a furniture cue: when the model kept none
    (a teaser page, a lone lede in a lot of chrome), or kept only prose that carries a cue
    (a subscription pitch written as a sentence), the cue-free prose paragraph it found
    most likely comes back (any prose paragraph when every one carries a cue), with the
    run of such paragraphs it stands in: an article's prose is contiguous."""
    prose = [i for i, p in enumerate(paras) if p.sentence and p.n_words >= long_words and before_model[i] is None]
    group = [i for i in prose if paras[i].cues.kind is None] or prose
    if group and not any(reasons[i] is None for i in group):
        best = max(group, key=lambda i: (scores[i], -i))
        members = set(group)
        lo = hi = best
        while lo - 1 in members:
            lo -= 1
        while hi + 1 in members:
            hi += 1
        for i in range(lo, hi + 1):
            reasons[i] = None
