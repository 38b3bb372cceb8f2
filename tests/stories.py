"""Generated news-like stories for report tests: many clusters of edited copies, passages
quoted across stories, bad records, and a document made of markup and script."""

from __future__ import annotations

import json
import random
from pathlib import Path

FUNCTION = ("the of and to in a that for on with as was by at from his her their said it is were "
            "which after before over about into while when has had have but not this they").split()
SYLLABLES = ("ka ro mi te sun dor val pe li qua ber tan os en ri mo cal dra fen gu lo ste").split()
PWN = 'document.documentElement.setAttribute("data-pwned", "{}")'
INJECTION_TEXT = [
    f'The council met on Monday <script>{PWN.format("script")}</script> and the mayor said the plan for the river bridge would go ahead this year.',
    f'Residents who spoke at the meeting <img src=x onerror=\'{PWN.format("img")}\'> asked the council to publish the full costs of the bridge before any vote.',
    f'A link in the notice pointed to javascript:{PWN.format("link")} and the officials said the notice was posted by mistake and would be corrected.',
    f'The text ends the block here </script><script>{PWN.format("close")}</script> and the council said a second meeting would follow next month.',
]
INJECTION = {"id": '</script><script>x()</script><b>inj</b>', "url": f'javascript:{PWN.format("url")}',
             "title": f'<img src=x onerror=\'{PWN.format("title")}\'> Bridge plan', "text": "\n\n".join(INJECTION_TEXT)}


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))


def sentence(rng: random.Random) -> str:
    words = [rng.choice(FUNCTION) if rng.random() < 0.45 else _word(rng) for _ in range(rng.randint(12, 22))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 3)))


def edited(text: str, rng: random.Random) -> str:
    """A copy of a paragraph with two words replaced."""
    words = text.split(" ")
    for _ in range(2):
        at = rng.randrange(1, len(words) - 1)
        words[at] = _word(rng)
    return " ".join(words)


def stories(n_stories: int, copies: int, seed: int = 3, quotes: int = 0, bad: int = 0) -> list[dict]:
    """``n_stories`` stories of six paragraphs, story ``i`` with ``copies + i % 3`` edited
    copies (one paragraph edited, one dropped, one added); every story quotes one of
    ``quotes`` passages; ``bad`` records with no text."""
    rng = random.Random(seed)
    shared = [paragraph(rng) for _ in range(quotes)]
    records = []
    for i in range(n_stories):
        body = [paragraph(rng) for _ in range(6)]
        if quotes:
            body.insert(3, shared[i % quotes])
        records.append({"id": f"s{i:03d}", "title": f"Story {i}", "url": f"https://news.example/s{i}", "text": "\n\n".join(body)})
        for c in range(copies + i % 3):
            copy = list(body)
            copy[1] = edited(copy[1], rng)
            del copy[4]
            copy.append(paragraph(rng))
            records.append({"id": f"s{i:03d}-copy{c}", "title": f"Story {i}", "url": f"https://other.example/s{i}/{c}",
                            "text": "\n\n".join(copy)})
    records += [{"id": f"bad{j}", "text": ""} for j in range(bad)]
    return records


def write_jsonl(records: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
