"""Cues of boilerplate *kinds*, matched on a paragraph's compare key.

A cue describes a kind of page furniture that recurs across sites (subscription
prompts, donation appeals, social buttons, licence footers, browser notices,
navigation labels); none names a site or an article. Each cue is *strong* (an
imperative or a fixed legal formula: alone it marks a short line) or *weak* (a
word that also occurs in articles, such as a social network's name: it only
counts together with other evidence).

>>> paragraph_cues("Sign up for our free newsletter").kind
'call_to_action'
>>> paragraph_cues("The senator said the bill would pass.").kind is None
True
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from re import _parser  # the pattern parser re compiles with: the longest match of a cue

import numpy as np

from .._jit import njit
from ..normalize import code_points, compare_key

CUE_KINDS = ("call_to_action", "social", "legal", "notice", "navigation")


def _phrases(firsts: tuple[str, ...], seconds: tuple[str, ...]) -> tuple[str, ...]:
    """Every "first second" pair: the anchors of a cue that is a pair of word lists (the
    pair, not either common word alone, is what a line must hold)."""
    return tuple(f"{a} {b}" for a in firsts for b in seconds)


_SOCIAL = r"(?:twitter|facebook|instagram|linkedin|whatsapp|pinterest|reddit|tiktok|youtube|telegram|snapchat|flipboard|mastodon|bluesky|threads)"

# (kind, strong?, pattern, anchors). Patterns see casefolded text with plain quotes and
# dashes; a pattern can only match a line that contains one of its anchors (literal
# substrings its every match contains; tests/test_cues.py checks that), which is how whole
# pages are scanned fast: one compiled Aho-Corasick pass for all the anchors, the regex only
# on the part of a line around its anchors.
CUES: list[tuple[str, bool, str, tuple[str, ...]]] = [
    # subscription, registration, donation and app prompts
    ("call_to_action", True, r"\bsubscri(?:be|bed|bers?|ptions?)\b", ("subscri",)),
    ("call_to_action", True, r"\bnewsletters?\b", ("newsletter",)),
    ("call_to_action", True, r"\bsign(?:ing)?[ -]?(?:up|in)\b|\blog[ -]?(?:in|out)\b",
     tuple(f"sign{ing}{sep}{what}" for ing in ("", "ing") for sep in ("", " ", "-") for what in ("up", "in"))
     + ("login", "log in", "log-in", "logout", "log out", "log-out")),
    ("call_to_action", True, r"\binbox\b", ("inbox",)),
    ("call_to_action", True, r"\bdonat(?:e|es|ed|ing|ions?)\b|\btax[- ]deductible\b", ("donat", "deductible")),
    ("call_to_action", True, r"\b(?:support|fund)(?:ing)? (?:our|us|independent|quality|local|nonprofit)(?: \w+){0,2} "
     r"(?:journalism|reporting|newsroom|journalists|work|mission)\b",
     _phrases(("support", "supporting", "fund", "funding"), ("our", "us", "independent", "quality", "local", "nonprofit"))),
    ("call_to_action", False, r"\bplease (?:consider|help|support|give)\b", ("please",)),
    ("call_to_action", True, r"\bbecome an? (?:member|subscriber|supporter|patron)\b|\bmembership\b",
     ("become", "membership")),
    ("call_to_action", True, r"\bpitch(?:ing)? in\b|\bfree trial\b|\bunlimited (?:digital )?access\b",
     ("pitch", "trial", "unlimited")),
    ("call_to_action", True, r"\b(?:download|get|install) (?:the|our) (?:free )?app\b", ("the app", "our app", "free app")),
    ("call_to_action", True, r"\bclick here\b|\btap here\b|\bcontinue reading\b|\bread (?:the )?(?:full|more)\b",
     ("click here", "tap here", "continue reading") + _phrases(("read", "read the"), ("full", "more"))),
    ("call_to_action", False, r"\bregister\b|\baccount\b|\bpremium\b|\boffer\b",
     ("register", "account", "premium", "offer")),
    # social buttons and follow prompts
    ("social", True, r"\bfollow (?:us|me|@?\w+(?: \w+){0,3}) on\b", ("follow",)),
    ("social", True, r"\bshare (?:this|on|via|with)\b|\b(?:like|follow) us\b", ("share ", "like us", "follow us")),
    ("social", True, r"(?:^|\s)@\w{2,}", ("@",)),
    ("social", False, rf"\b{_SOCIAL}\b", tuple(_SOCIAL[3:-1].split("|"))),
    ("social", False, r"\be-?mail\b|\bprint\b|\bshare\b|\btweet\b", ("email", "e-mail", "print", "share", "tweet")),
    # legal and licensing footers
    ("legal", True, r"©|\(c\) ?\d{4}|\bcopyright\b|\ball rights reserved\b", ("©", "(c)", "copyright", "rights reserved")),
    ("legal", True, r"\brepublish(?:ed|ing)?\b|\breprints?\b|\bredistribut\w*", ("republish", "reprint", "redistribut")),
    ("legal", True, r"\bwithout (?:charge|permission|prior written)\b",
     ("without charge", "without permission", "without prior")),
    ("legal", True, r"\bterms (?:of|and) (?:use|service|conditions)\b", ("terms of", "terms and")),
    ("legal", False, r"\blicens(?:e|ed|es|ing)\b|\bprivacy (?:policy|notice|statement)\b|\btrademarks?\b",
     ("licens", "privacy", "trademark")),
    ("legal", False, r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", ("@",)),
    # browser, cookie and consent notices
    ("notice", True, r"\bcookies?\b.*\b(?:use|accept|settings|consent|policy)\b|\b(?:use|accept)\b.*\bcookies\b",
     ("cookie",)),
    ("notice", True, r"\bjavascript\b|\bad ?blockers?\b|\bnot (?:be )?supported\b|\bunsupported\b",
     ("javascript", "blocker", "supported")),
    ("notice", False, r"\bbrowsers?\b|\benabled?\b|\bconsent\b|\bupdate your\b|\boptimal experience\b",
     ("browser", "enable", "consent", "update your", "optimal")),
    # navigation and page-furniture labels
    ("navigation", True, r"\b(?:related|recommended|trending|popular|latest|more|top|editor'?s'?) "
     r"(?:stories|articles|news|posts|videos|reads|picks|headlines|coverage)\b",
     _phrases(("related", "recommended", "trending", "popular", "latest", "more", "top",
               "editor", "editor'", "editors", "editor's", "editors'", "editor's'"),
              ("stories", "articles", "news", "posts", "videos", "reads", "picks", "headlines", "coverage"))),
    ("navigation", True, r"\bmost (?:popular|read|viewed|shared|emailed|recent)\b|\byou (?:may|might) (?:also )?like\b",
     _phrases(("most",), ("popular", "read", "viewed", "shared", "emailed", "recent")) + ("you may", "you might")),
    ("navigation", True, r"\bskip to\b|\bback to top\b|\b(?:show|load|view) (?:more|less|all)\b|\bleave a (?:comment|reply)\b",
     ("skip to", "back to top", "leave a ") + _phrases(("show", "load", "view"), ("more", "less", "all"))),
    ("navigation", True, r"\b(?:font|text) size\b|\blogo\b|\badvertisement\b|\bsponsored (?:content|links?|stories|posts?)\b",
     ("font size", "text size", "logo", "advertisement", "sponsored ")),
    ("navigation", False, r"\bcomments?\b|\bmenu\b|\bsearch\b|\bhome\b|\brecommend\b|\blatest\b|\bsee also\b",
     ("comment", "menu", "search", "home", "recommend", "latest", "see also")),
]

_COMPILED = [(kind, strong, re.compile(pattern), anchors) for kind, strong, pattern, anchors in CUES]

# One word alone on a line that is always a control, never article text.
_UI_WORDS = ("advertisement", "sponsored", "subscribe", "donate", "share", "tweet", "email", "print", "comments?",
             "menu", "search", "close", "home", "log ?in", "sign ?in", "sign ?up", "register", "next", "previous",
             "more", "latest", "trending", "top", "watch", "listen", "play", "loading", "follow", "reply", "like",
             "save", "copy link", "back")
UI_LABEL = re.compile(rf"^(?:{'|'.join(_UI_WORDS)})\W*$")
# every label starts with three plain letters: a key starting otherwise needs no match
_UI_PREFIXES = frozenset(word[:3] for word in _UI_WORDS)
assert all(re.fullmatch(r"[a-z]{3}", prefix) for prefix in _UI_PREFIXES)


def is_ui_label(key: str) -> bool:
    return key[:3] in _UI_PREFIXES and UI_LABEL.match(key) is not None


@dataclass(frozen=True, slots=True)
class Cues:
    kind: str | None
    strong: int
    weak: int


def paragraph_cues(text: str, key: str | None = None) -> Cues:
    """The boilerplate kind with the most cue hits in ``text``, and the hit counts."""
    key = compare_key(text) if key is None else key
    if is_ui_label(key):
        return Cues("navigation", 1, 0)
    return _tally((c, len(c[2].findall(key))) for c in _COMPILED if any(a in key for a in c[3]))


NO_CUES = Cues(None, 0, 0)


def _tally(found) -> Cues:
    hits: dict[str, int] = {}
    strong = weak = 0
    for (kind, is_strong, _, _), n in found:
        if not n:
            continue
        hits[kind] = hits.get(kind, 0) + n * (2 if is_strong else 1)
        if is_strong:
            strong += n
        else:
            weak += n
    if not hits:
        return NO_CUES
    kind = max(sorted(hits), key=hits.__getitem__)
    return Cues(kind, strong, weak)


@lru_cache(maxsize=1)
def _cues_of_anchor() -> dict[str, tuple[int, ...]]:
    """Every cue anchor, and the cues it is an anchor of."""
    cues_of: dict[str, list[int]] = {}
    for ci, (_, _, _, anchors) in enumerate(_COMPILED):
        for anchor in anchors:
            cues_of.setdefault(anchor, []).append(ci)
    return {anchor: tuple(ids) for anchor, ids in cues_of.items()}


@lru_cache(maxsize=1)
def _anchor_dfa() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every cue anchor in one Aho-Corasick automaton, as a complete DFA over the
    anchors' characters (symbol 0 is every other character): the symbol of each BMP
    code point, the transition table, and per state the cues whose anchors end there
    (a bit mask) with the longest such anchor of each cue (0 for none)."""
    anchors = _cues_of_anchor()
    alphabet = {ch: i + 1 for i, ch in enumerate(sorted(set("".join(anchors))))}
    children: list[dict[str, int]] = [{}]
    ends: list[dict[int, int]] = [{}]  # per trie node: cue -> length of its anchor ending here
    for anchor, cue_ids in anchors.items():
        node = 0
        for ch in anchor:
            if ch not in children[node]:
                children[node][ch] = len(children)
                children.append({})
                ends.append({})
            node = children[node][ch]
        for ci in cue_ids:
            ends[node][ci] = max(ends[node].get(ci, 0), len(anchor))
    delta = np.zeros((len(children), len(alphabet) + 1), dtype=np.int32)
    fail = [0] * len(children)
    queue = deque(children[0].values())
    for ch, child in children[0].items():
        delta[0, alphabet[ch]] = child
    while queue:  # breadth first: a node's failure state is complete before its children's
        node = queue.popleft()
        for ci, length in ends[fail[node]].items():  # anchors ending in a suffix end here too
            ends[node][ci] = max(ends[node].get(ci, 0), length)
        delta[node] = delta[fail[node]]
        for ch, child in children[node].items():
            fail[child] = int(delta[fail[node], alphabet[ch]]) if node else 0
            delta[node, alphabet[ch]] = child
            queue.append(child)
    symbols = np.zeros(0x10000, dtype=np.uint8)
    for ch, sym in alphabet.items():
        symbols[ord(ch)] = sym
    masks = np.array([sum(1 << ci for ci in e) for e in ends], dtype=np.int64)
    lengths = np.zeros((len(children), len(_COMPILED)), dtype=np.int64)
    for node, e in enumerate(ends):
        for ci, length in e.items():
            lengths[node, ci] = length
    return symbols, delta, masks, lengths


def _max_width(pattern: str) -> int:
    """The longest match of a pattern, or -1 if unbounded."""
    width = _parser.parse(pattern).getwidth()[1]
    return width if width < _parser.MAXREPEAT else -1


_FINDALL = [pattern.findall for _, _, pattern, _ in _COMPILED]
_WIDTHS = np.array([_max_width(pattern) for _, _, pattern, _ in CUES], dtype=np.int64)


def _packed(prefix: str) -> int:
    return (ord(prefix[0]) << 42) | (ord(prefix[1]) << 21) | ord(prefix[2])


_UI_PACKED = np.array(sorted(_packed(p) for p in _UI_PREFIXES), dtype=np.int64)
UI_LABEL_CHARS = 40  # longer lines are not labels, whatever they start with


@njit(cache=True, nogil=True)
def _cue_windows(codes, symbols, delta, masks, lengths, widths, ui_prefixes, n_lines):  # pragma: no cover - compiled
    """Every (line, cue) with an anchor of the cue in the line, in line then cue order,
    and the span of the line the cue's pattern must be run on: from the cue's first
    anchor minus the pattern's longest match to its last anchor's end plus it (the
    whole line for an unbounded pattern). Every match holds an anchor, so no match
    lies outside that span. Also which lines may be UI labels: at most
    ``UI_LABEL_CHARS`` long and starting with one of ``ui_prefixes`` (three code
    points packed in an integer)."""
    n_cues = widths.size
    lo = np.full(n_cues, -1, dtype=np.int64)  # this line's first and last anchor of each cue
    hi = np.zeros(n_cues, dtype=np.int64)
    # line, cue, span start, span end: at most one row per (line, cue) and per character
    # (np.empty: only the rows written are ever touched)
    spans = np.empty((min(n_lines * n_cues, codes.size + 1), 4), dtype=np.int64)
    maybe_ui = np.zeros(n_lines, dtype=np.bool_)
    k = state = line = col = 0
    prefix = np.int64(0)
    for i in range(codes.size + 1):
        c = codes[i] if i < codes.size else 10
        if c == 10:
            for ci in range(n_cues):
                if lo[ci] >= 0:
                    w = widths[ci]
                    spans[k, 0], spans[k, 1] = line, ci
                    spans[k, 2], spans[k, 3] = (0, col) if w < 0 else (max(lo[ci] - w, 0), min(hi[ci] + w, col))
                    k += 1
                    lo[ci] = -1
            if 3 <= col <= UI_LABEL_CHARS:
                for p in ui_prefixes:
                    maybe_ui[line] |= p == prefix
            line, col, state, prefix = line + 1, 0, 0, np.int64(0)
            continue
        if col < 3:
            prefix = (prefix << 21) | c
        state = delta[state, symbols[c] if c < 0x10000 else 0]
        col += 1
        found = masks[state]
        ci = 0
        while found:
            if found & 1:
                start = col - lengths[state, ci]
                if lo[ci] < 0 or start < lo[ci]:
                    lo[ci] = start
                hi[ci] = col
            found >>= 1
            ci += 1
    return spans[:k], maybe_ui


def _key_cues(key: str) -> Cues:
    """One line's cues as :func:`document_cues` finds them (a long line that is a UI
    label, a label and its trailing symbols, has none)."""
    if is_ui_label(key):
        return Cues("navigation", 1, 0) if len(key) <= UI_LABEL_CHARS else NO_CUES
    return paragraph_cues(key, key)


def document_cues(keys: list[str], codes: np.ndarray | None = None) -> list[Cues]:
    """:func:`paragraph_cues` of every line of a document (compare keys; ``codes``: their
    :func:`~newsdedup.normalize.code_points`, if already at hand). One compiled pass of an
    Aho-Corasick automaton finds every anchor in the whole document, and a cue's pattern
    only runs on the lines that hold one of its anchors, around them."""
    if not keys:
        return []
    if codes is None:
        if any("\n" in key for key in keys):  # not one key per line of the joined text: key by key
            return [_key_cues(key) for key in keys]
        codes = code_points(keys)
    spans, maybe_ui = _cue_windows(codes, *_anchor_dfa(), _WIDTHS, _UI_PACKED, len(keys))
    out = [NO_CUES] * len(keys)
    for line, group in groupby(spans.tolist(), itemgetter(0)):
        key = keys[line]
        # pos/endpos, not a slice: \b at the span's edges still sees the characters beyond
        found = [(_COMPILED[ci], n) for _, ci, start, end in group if (n := len(_FINDALL[ci](key, start, end)))]
        if found and not is_ui_label(key):
            out[line] = _tally(found)
    for i in np.flatnonzero(maybe_ui).tolist():
        if is_ui_label(keys[i]):
            out[i] = Cues("navigation", 1, 0)
    return out


# Photo captions and credits: "(AP Photo/Name)", "Photo: Name", "... text.Name Surname/AGENCY".
CAPTION = re.compile(
    r"\((?:[\w.&-]+ )?(?:photo|photograph|image|file photo)s?\b[^)]*\)"
    r"|\b(?:photo|photograph|image|picture|illustration|credit)s?(?: by)?\s*:"
    r"|(?:^|[\w.)]\s?)[A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3} ?/ ?[A-Z][\w&.-]*(?: [A-Z][\w&.-]*){0,2}\s*$",
    re.IGNORECASE,
)


_CAPTION_WORDS = ("photo", "image", "picture", "illustration", "credit")


def is_caption(text: str) -> bool:
    """A photo caption or credit line (kept next to the article it illustrates)."""
    # necessary conditions first: the pattern is slow on the many lines that are neither
    if "/" not in text:
        folded = text.casefold()
        if not any(w in folded for w in _CAPTION_WORDS):
            return False
    return bool(CAPTION.search(text))


SHORT_LINE_WORDS = 12  # lines this short can be menu entries


def is_furniture(p) -> bool:
    """Cue evidence alone is enough to call this paragraph (a :class:`~.paragraphs.Paragraph`) page furniture."""
    c = p.cues
    if c.kind is None:
        return False
    if not p.sentence and p.n_words <= SHORT_LINE_WORDS:
        return c.strong >= 1 or (c.weak >= 2 and p.n_words <= 6)
    if p.n_words <= 30:
        return c.strong >= 1 and p.cue_score >= 3
    return c.strong >= 1 and p.cue_score >= 4 and p.cue_score * 10 >= p.n_words


# A post's meta line: a byline, date or category strung together with share, print or
# comment controls ("By Name | Share | Tweet", "Posted at 9:35 | 7 Comments | Permalink").
_META_SEPARATOR = re.compile(r"\s*\|\s*|\s+[/•·]\s+")
_CONTROL = re.compile(r"^(?:(?:\d+|no|one|add an?|leave an?|post an?) )?(?:comments?|replies|reply|permalink|rss|"
                      r"share|tweet|print|e-?mail|digg|pin|like|save)(?: (?:this|it|rss|link|article|story))?\W*$")
META_SEGMENT_WORDS = 8  # a longer part is text, not a label


def is_meta_line(text: str) -> bool:
    """A line of short parts between separators, at least one of which is a control
    (share, comments, permalink...): a post's byline or stamp with its buttons, never article text."""
    if "|" not in text and " / " not in text and " • " not in text and " · " not in text:
        return False
    parts = [part for part in _META_SEPARATOR.split(text) if part.strip()]
    if len(parts) < 2 or any(len(part.split()) > META_SEGMENT_WORDS for part in parts):
        return False
    return any(_CONTROL.match(key) or is_ui_label(key) for key in map(compare_key, parts))
