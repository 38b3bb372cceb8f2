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
from dataclasses import dataclass

from ..normalize import compare_key

_SOCIAL = r"(?:twitter|facebook|instagram|linkedin|whatsapp|pinterest|reddit|tiktok|youtube|telegram|snapchat|flipboard|mastodon|bluesky|threads)"

# (kind, strong?, pattern). Patterns see casefolded text with plain quotes and dashes.
CUES: list[tuple[str, bool, str]] = [
    # subscription, registration, donation and app prompts
    ("call_to_action", True, r"\bsubscri(?:be|bed|bers?|ptions?)\b"),
    ("call_to_action", True, r"\bnewsletters?\b"),
    ("call_to_action", True, r"\bsign(?:ing)?[ -]?(?:up|in)\b|\blog[ -]?(?:in|out)\b"),
    ("call_to_action", True, r"\binbox\b"),
    ("call_to_action", True, r"\bdonat(?:e|es|ed|ing|ions?)\b|\btax[- ]deductible\b"),
    ("call_to_action", True, r"\b(?:support|fund)(?:ing)? (?:our|us|independent|quality|local|nonprofit)(?: \w+){0,2} (?:journalism|reporting|newsroom|journalists|work|mission)\b"),
    ("call_to_action", False, r"\bplease (?:consider|help|support|give)\b"),
    ("call_to_action", True, r"\bbecome an? (?:member|subscriber|supporter|patron)\b|\bmembership\b"),
    ("call_to_action", True, r"\bpitch(?:ing)? in\b|\bfree trial\b|\bunlimited (?:digital )?access\b"),
    ("call_to_action", True, r"\b(?:download|get|install) (?:the|our) (?:free )?app\b"),
    ("call_to_action", True, r"\bclick here\b|\btap here\b|\bcontinue reading\b|\bread (?:the )?(?:full|more)\b"),
    ("call_to_action", False, r"\bregister\b|\baccount\b|\bpremium\b|\boffer\b"),
    # social buttons and follow prompts
    ("social", True, r"\bfollow (?:us|me|@?\w+(?: \w+){0,3}) on\b"),
    ("social", True, r"\bshare (?:this|on|via|with)\b|\b(?:like|follow) us\b"),
    ("social", True, r"(?:^|\s)@\w{2,}"),
    ("social", False, rf"\b{_SOCIAL}\b"),
    ("social", False, r"\be-?mail\b|\bprint\b|\bshare\b|\btweet\b"),
    # legal and licensing footers
    ("legal", True, r"©|\(c\) ?\d{4}|\bcopyright\b|\ball rights reserved\b"),
    ("legal", True, r"\brepublish(?:ed|ing)?\b|\breprints?\b|\bredistribut\w*"),
    ("legal", True, r"\bwithout (?:charge|permission|prior written)\b"),
    ("legal", True, r"\bterms (?:of|and) (?:use|service|conditions)\b"),
    ("legal", False, r"\blicens(?:e|ed|es|ing)\b|\bprivacy (?:policy|notice|statement)\b|\btrademarks?\b"),
    ("legal", False, r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    # browser, cookie and consent notices
    ("notice", True, r"\bcookies?\b.*\b(?:use|accept|settings|consent|policy)\b|\b(?:use|accept)\b.*\bcookies\b"),
    ("notice", True, r"\bjavascript\b|\bad ?blockers?\b|\bnot (?:be )?supported\b|\bunsupported\b"),
    ("notice", False, r"\bbrowsers?\b|\benabled?\b|\bconsent\b|\bupdate your\b|\boptimal experience\b"),
    # navigation and page-furniture labels
    ("navigation", True, r"\b(?:related|recommended|trending|popular|latest|more|top|editor'?s'?) (?:stories|articles|news|posts|videos|reads|picks|headlines|coverage)\b"),
    ("navigation", True, r"\bmost (?:popular|read|viewed|shared|emailed|recent)\b|\byou (?:may|might) (?:also )?like\b"),
    ("navigation", True, r"\bskip to\b|\bback to top\b|\b(?:show|load|view) (?:more|less|all)\b|\bleave a (?:comment|reply)\b"),
    ("navigation", True, r"\b(?:font|text) size\b|\blogo\b|\badvertisement\b|\bsponsored\b"),
    ("navigation", False, r"\bcomments?\b|\bmenu\b|\bsearch\b|\bhome\b|\brecommend\b|\blatest\b|\bsee also\b"),
]

_COMPILED = [(kind, strong, re.compile(pattern)) for kind, strong, pattern in CUES]

# One word alone on a line that is always a control, never article text.
UI_LABEL = re.compile(
    r"^(?:advertisement|sponsored|subscribe|donate|share|tweet|email|print|comments?|menu|search|close|"
    r"home|log ?in|sign ?in|sign ?up|register|next|previous|more|latest|trending|top|watch|listen|play|"
    r"loading|follow|reply|like|save|copy link|back)\W*$"
)


@dataclass(frozen=True, slots=True)
class Cues:
    kind: str | None
    strong: int
    weak: int


def paragraph_cues(text: str, key: str | None = None) -> Cues:
    """The boilerplate kind with the most cue hits in ``text``, and the hit counts."""
    key = compare_key(text) if key is None else key
    if UI_LABEL.match(key):
        return Cues("navigation", 1, 0)
    hits: dict[str, int] = {}
    strong = weak = 0
    for kind, is_strong, pattern in _COMPILED:
        n = len(pattern.findall(key))
        if not n:
            continue
        hits[kind] = hits.get(kind, 0) + n * (2 if is_strong else 1)
        if is_strong:
            strong += n
        else:
            weak += n
    if not hits:
        return Cues(None, 0, 0)
    kind = max(sorted(hits), key=hits.__getitem__)
    return Cues(kind, strong, weak)


# Photo captions and credits: "(AP Photo/Name)", "Photo: Name", "... text.Name Surname/AGENCY".
CAPTION = re.compile(
    r"\((?:[\w.&-]+ )?(?:photo|photograph|image|file photo)s?\b[^)]*\)"
    r"|\b(?:photo|photograph|image|picture|illustration|credit)s?(?: by)?\s*:"
    r"|(?:^|[\w.)]\s?)[A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3} ?/ ?[A-Z][\w&.-]*(?: [A-Z][\w&.-]*){0,2}\s*$",
    re.IGNORECASE,
)


def is_caption(text: str) -> bool:
    """A photo caption or credit line (kept next to the article it illustrates)."""
    return bool(CAPTION.search(text))
