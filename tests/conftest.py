from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# No timing assertions in tests: the first call of a compiled kernel in a fresh checkout
# compiles it, which Hypothesis's default 200 ms deadline would call a failure.
settings.register_profile("newsdedup", deadline=None)
settings.load_profile("newsdedup")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = Path(os.environ.get("NEWSDEDUP_SHARED_DATA", ROOT.parent / "shared" / "data"))

SEED = {name.split("_")[0]: name.removesuffix(".txt") for name in sorted(os.listdir(CORPUS))}


def shared(name: str) -> Path:
    """A folder of ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"evaluation data {path} is not here (it lives beside the repository, not in it)")
    return path


def cleaned_dev_pages(holding: str, what: str) -> list:
    """The aeb-dupes-dev text pages holding ``holding``, each cleaned on its own:
    ``(page name, Cleaned)``; skips the test when there are none (``what``: the page's kind)."""
    from newsdedup.clean import draft, finish
    from newsdedup.records import Record

    docs = shared("aeb-dupes-dev") / "docs"
    pages = [(p, p.read_text(encoding="utf-8")) for p in sorted(docs.glob("*.txt"))]
    found = [(p.name, finish(draft(Record(doc_id=p.stem, source=p.name, text=text))))
             for p, text in pages if holding in text]
    if not found:
        pytest.skip(f"the {what} is not in this build of aeb-dupes-dev")
    return found


@pytest.fixture(scope="session")
def seed_result():
    import newsdedup

    return newsdedup.run(CORPUS, newsdedup.Config(workers=1))


@pytest.fixture(scope="module")
def client():
    """A Dask LocalCluster of two single-thread worker processes, and its client."""
    distributed = pytest.importorskip("distributed", reason="the Dask engine needs the [dask] extra")
    from newsdedup.runners import dask as dask_runner

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as c:
        yield c
    dask_runner.release_threads()
