"""A generated news corpus for the index tests: stories of random words, each printed by
one to three sites (exact copies, edited copies), every site with its own header and
footer lines, so the corpus has clusters, templates and unrelated stories."""

from __future__ import annotations

import random

import pandas as pd

WORDS = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ra", "si", "tu", "ve", "zo", "ba", "do")
         for b in ("rat", "len", "mor", "tis", "vak", "pun", "gel", "dor", "mas", "fin")]
SITES = 4


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng, rng.randint(9, 16)) for _ in range(rng.randint(2, 3)))


def chrome(site: int) -> tuple[list[str], list[str]]:
    return ([f"Home | World | Sports | Site{site} News"],
            [f"Subscribe to the Site{site} newsletter", f"Copyright Site{site} Media. All rights reserved."])


def page(paragraphs: list[str], site: int) -> str:
    head, foot = chrome(site)
    return "\n\n".join(head + paragraphs + foot)


def edited(rng: random.Random, paragraphs: list[str]) -> list[str]:
    out = []
    for p in paragraphs:
        words = p.split()
        for _ in range(max(1, len(words) // 50)):
            words[rng.randrange(len(words))] = rng.choice(WORDS)
        out.append(" ".join(words))
    return out


def corpus(stories: int = 60, seed: int = 7) -> pd.DataFrame:
    """``id``, ``text`` and ``story`` (the truth) of every document, ids in a random order."""
    rng = random.Random(seed)
    rows = []
    for s in range(stories):
        body = [paragraph(rng) for _ in range(rng.randint(4, 8))]
        copies = rng.choice([1, 1, 2, 3])
        for c in range(copies):
            text = body if c == 0 or rng.random() < 0.4 else edited(rng, body)
            rows.append({"id": f"doc{rng.randrange(10**9):09d}", "text": page(text, rng.randrange(SITES)),
                         "story": s})
    return pd.DataFrame(rows).drop_duplicates("id").reset_index(drop=True)


def drops(df: pd.DataFrame, n: int = 3) -> list[pd.DataFrame]:
    """``df`` split into ``n`` drops, by position (copies of a story land in different drops)."""
    return [df.iloc[i::n][["id", "text"]].reset_index(drop=True) for i in range(n)]
