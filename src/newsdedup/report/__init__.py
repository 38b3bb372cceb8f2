"""report.html: one self-contained page to look at a run (overview, clusters side by side,
documents with their removed paragraphs, shared passages, rejects).

The page is ``template.html`` with its ``{{ name }}`` fields filled in (the plain ones
HTML-escaped, as an autoescaping template engine does; a template engine itself cost more
to import than the page to fill), with its script and styles inlined from the package. The run's tables go in as JSON inside a
``<script type="application/json">`` block (``<``, ``>`` and ``&`` escaped as ``\\u003c``,
``\\u003e``, ``\\u0026``, so no text can end the block); the page's script turns them into
elements with ``textContent`` only, and a Content-Security-Policy allows no request and no
script but the page's own (by its hash). Texts are word-coded and deflated (see
:mod:`newsdedup.report.textpack`) so that 10k documents fit in a few megabytes.

Machine-dependent numbers (the stage timings of ``summary.json``'s ``execution`` section)
sit in one block between ``EXECUTION_BEGIN`` and ``EXECUTION_END``; the rest of the file is
the same bytes for the same input.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import zlib
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import __version__
from ..schema import TABLES
from .textpack import pack_texts

if TYPE_CHECKING:
    from typing import Protocol

    from ..result import Result

    class Texts(Protocol):
        """The page's texts being packed elsewhere (a ``Future``, a forked child's handle)."""

        def result(self) -> dict[str, object]: ...

REPORT_NAME = "report.html"
EXECUTION_BEGIN = "<!-- newsdedup:execution -->"
EXECUTION_END = "<!-- /newsdedup:execution -->"
# chaining flags: a cluster this much larger than most clusters with duplicates
OUTSIZED_MIN_SIZE = 10
OUTSIZED_FACTOR = 4  # times the 90th percentile of the sizes of clusters with duplicates
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def render_report(result: Result, execution: dict[str, Any] | None = None, texts: Texts | None = None) -> str:
    """The report page of ``result`` (``execution``: summary.json's section, default the run's own;
    ``texts``: its :func:`packed_texts`, being made elsewhere, else packed here)."""
    script = _asset("report.js")
    style = _asset("report.css")
    execution = result.summary["execution"] if execution is None else execution
    return fill_template(_template(), {
        "version": _escape(__version__),
        "script": script, "style": style,
        "script_hash": _escape(_csp_hash(script)), "style_hash": _escape(_csp_hash(style)),
        "data": json_for_html(report_data(result, texts)),
        "execution": json_for_html(execution),
        "execution_begin": EXECUTION_BEGIN, "execution_end": EXECUTION_END})


_FIELD = re.compile(r"\{\{ (\w+) \}\}")
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})


def fill_template(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``{{ name }}`` replaced by ``values[name]`` (already escaped
    where it needs to be).

    >>> fill_template("<p>{{ a }}</p>{{ b }}", {"a": _escape("<&>"), "b": "<i>"})
    '<p>&lt;&amp;&gt;</p><i>'
    """
    parts = _FIELD.split(template)  # literal text, then a field's name, then text, ...
    parts[1::2] = [values[name] for name in parts[1::2]]
    return "".join(parts)


def _escape(text: str) -> str:
    """HTML-escaped as Jinja2's autoescaping (markupsafe) escapes a plain string."""
    return text.translate(_HTML_ESCAPES)


def _template() -> str:
    return resources.files(__package__).joinpath("template.html").read_text(encoding="utf-8")


def write_report(result: Result, path: str | Path, execution: dict[str, Any] | None = None,
                 texts: Texts | None = None) -> Path:
    """Write the page to ``path`` (through a temporary file beside it, replaced in one step;
    ``texts``: see :func:`render_report`)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(render_report(result, execution, texts), encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def without_execution(page: str) -> str:
    """``page`` with its execution block (the machine's timings) left out: what is the same
    for the same input.

    >>> without_execution(f"a{EXECUTION_BEGIN}timings{EXECUTION_END}b") == f"a{EXECUTION_BEGIN}{EXECUTION_END}b"
    True
    """
    start, end = page.index(EXECUTION_BEGIN) + len(EXECUTION_BEGIN), page.index(EXECUTION_END)
    return page[:start] + page[end:]


def json_for_html(value: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left.

    >>> json_for_html({"t": "</script><b>&"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(str.maketrans(_JSON_ESCAPES))


def _asset(name: str) -> str:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    if "</" in text.lower().replace("<\\/", ""):
        raise ValueError(f"{name} must not contain '</' (it is inlined in the page)")
    return text


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


EARLIER = "earlier drop"  # the status shown for a document of an index's earlier drop


def _with_earlier_documents(result: Result) -> pd.DataFrame:
    """The run's documents, and a row (no text) for each document of an index's earlier
    drops that a cluster or a match of this run names."""
    documents = result.documents
    named = set(_values(result.clusters["canonical_id"])).union(
        *map(set, result.clusters["member_ids"]), _values(result.matches["doc_a"]), _values(result.matches["doc_b"]))
    earlier = sorted(named - set(_values(documents["doc_id"])))
    if not earlier:
        return documents
    cluster_of = {m: c for c, members in zip(_values(result.clusters["cluster_id"]), result.clusters["member_ids"])
                  for m in members}
    rows = pd.DataFrame({"doc_id": earlier, "status": EARLIER, "cluster_id": [cluster_of.get(d) for d in earlier],
                         "raw_chars": 0, "clean_chars": 0})
    return pd.concat([documents, rows], ignore_index=True)


def shown_part(result: Result, limit: int) -> Result:
    """The part of ``result`` the page shows: at most ``limit`` documents (a whole run up
    to it). Chosen in this order: clusters with duplicates, largest first, whole clusters
    only (one larger than the room left is passed over); then, by doc id, single
    documents sharing a passage with another cluster; then the other single and the
    rejected documents. Their clusters, removed paragraphs, pairs and rejects come along,
    and the matches between two of them."""
    docs = result.documents_without_text()  # the texts of the chosen documents only are made
    if len(docs) <= limit:
        return result.with_tables_made()  # made for the page, not kept in ``result``
    chosen: list[str] = []
    room = limit
    multi = result.clusters[result.clusters["size"] > 1].sort_values(["size", "cluster_id"], ascending=[False, True],
                                                                      kind="stable")
    for members, size in zip(multi["member_ids"], multi["size"]):
        if size <= room:
            chosen.extend(members)
            room -= int(size)
    in_multi = isin(docs["cluster_id"], set(multi["cluster_id"]))
    single = docs["doc_id"][~in_multi]  # singletons and rejected documents
    across = result.matches[~result.matches["same_cluster"]]
    sharing = isin(single, set(across["doc_a"]) | set(across["doc_b"]))
    for doc_id in chain(sorted(single[sharing]), sorted(single[~sharing])):
        if room <= 0:
            break
        chosen.append(doc_id)
        room -= 1
    keep = set(chosen)
    shown_docs = result.rows_of("documents", keep)
    clusters = result.clusters[isin(result.clusters["cluster_id"], set(shown_docs["cluster_id"].dropna()))]
    matches = result.matches[isin(result.matches["doc_a"], keep) & isin(result.matches["doc_b"], keep)]
    return dataclasses.replace(result, documents=shown_docs.reset_index(drop=True), clusters=clusters,
                               matches=matches, boilerplate=result.rows_of("boilerplate", keep),
                               pairs=result.pairs[isin(result.pairs["doc_a"], keep) & isin(result.pairs["doc_b"], keep)],
                               rejects=result.rejects[isin(result.rejects["doc_id"], keep)])


def report_data(result: Result, texts: Texts | None = None) -> dict[str, Any]:
    """Everything the page shows, as plain JSON values (documents in cluster order): the
    counts and charts of the whole run, the documents of its :func:`shown_part` (``texts``:
    see :func:`render_report`)."""
    whole, result = result, shown_part(result, result.config.report_max_docs)
    every, order = _in_cluster_order(result)
    docs = every.drop(columns="text").take(order).reset_index(drop=True)
    if texts is not None:
        return _report_values(whole, result, docs, texts)
    with ThreadPoolExecutor(1) as pool:  # packing the texts mostly lets go of the GIL: beside the rest
        packed = pool.submit(pack_texts, _texts_in_order(result, every, order))
        return _report_values(whole, result, docs, packed)


def packed_texts(result: Result) -> dict[str, object]:
    """The page's texts (those of the documents of :func:`shown_part`, in cluster order,
    then its boilerplate's), packed: the larger part of making the page, which a caller
    may do in another process (:func:`render_report`'s ``texts``)."""
    shown = shown_part(result, result.config.report_max_docs)
    return pack_texts(_texts_in_order(shown, *_in_cluster_order(shown)))


def _in_cluster_order(shown: Result) -> tuple[pd.DataFrame, np.ndarray]:
    """The documents of ``shown`` (with any earlier document named), and their order on the page."""
    every = _with_earlier_documents(shown).reset_index(drop=True)
    # sorted without the text column, whose strings the page takes once, into its array
    order = every[["cluster_id", "doc_id"]].sort_values(["cluster_id", "doc_id"], kind="stable",
                                                         na_position="last").index.to_numpy()
    return every, order


def _texts_in_order(shown: Result, every: pd.DataFrame, order: np.ndarray) -> pa.Array:
    return pa.concat_arrays([_text_array(every["text"]).take(pa.array(order)), _text_array(shown.boilerplate["text"])])


def _report_values(whole: Result, result: Result, docs: pd.DataFrame, packed: Texts) -> dict[str, Any]:
    """report_data's values (``result``: the part of ``whole`` shown), with ``packed``: the
    texts, packed by another thread or process."""
    index = {doc_id: i for i, doc_id in enumerate(_values(docs["doc_id"]))}
    clusters = result.clusters.sort_values("cluster_id", kind="stable", ignore_index=True)
    cluster_index = {cid: i for i, cid in enumerate(_values(clusters["cluster_id"]))}
    boilerplate = result.boilerplate
    reasons = sorted(set(boilerplate["reason"].dropna()))
    reason_index = {r: i for i, r in enumerate(reasons)}
    matches = result.matches
    tables = {
        "docs": {
            "id": _values(docs["doc_id"]),
            "source": _column(docs["source"]),
            "url": _column(docs["url"]),
            "title": _column(docs["title"]),
            "date": _column(docs["date"]),
            "status": _values(docs["status"]),
            "cluster": [cluster_index.get(c, -1) for c in _values(docs["cluster_id"])],
            "similarity": [None if pd.isna(s) else round(float(s), 4) for s in docs["similarity"]],
            "raw_chars": [int(n) for n in docs["raw_chars"]],
            "clean_chars": [int(n) for n in docs["clean_chars"]],
            "warning": _column(docs["warning"]),
        },
        "clusters": {
            "id": _values(clusters["cluster_id"]),
            "canonical": [index[c] for c in _values(clusters["canonical_id"])],
            "members": [[index[m] for m in members] for members in clusters["member_ids"]],
        },
        "boilerplate": {
            "doc": [index[d] for d in _values(boilerplate["doc_id"])],
            "para": [int(p) for p in boilerplate["para_index"]],
            "reason": [reason_index[r] for r in _values(boilerplate["reason"])],
            "reasons": reasons,
        },
        "matches": {
            "a": [index[d] for d in _values(matches["doc_a"])],
            "pa": [int(p) for p in matches["para_a"]],
            "b": [index[d] for d in _values(matches["doc_b"])],
            "pb": [int(p) for p in matches["para_b"]],
            "score": [round(float(s), 1) for s in matches["score"]],
            "same": [int(bool(s)) for s in matches["same_cluster"]],
        },
        "rejects": {
            "doc": [index.get(d, -1) for d in _values(result.rejects["doc_id"])],
            "id": _values(result.rejects["doc_id"]),
            "source": _column(result.rejects["source"]),
            "error": _column(result.rejects["error"]),
        },
    }
    return {
        "version": __version__,
        "counts": whole.counts,
        "shown": {"documents": len(result.documents), "of": whole.counts["inputs"]},
        "settings": whole.summary["settings"],
        "plots": overview_plots(whole),
        "flags": chaining_flags(result),
        "tables": deflate_json(tables),
        "texts": packed.result(),
    }


SIZE_BINS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 9), (10, 19), (20, 49), (50, 99), (100, None))
SCORE_BINS = ((0, 80, "< 80"), (80, 85, "80-85"), (85, 90, "85-90"), (90, 95, "90-95"), (95, 100, "95-100"), (100, 101, "100"))


def overview_plots(result: Result) -> dict[str, list[list[Any]]]:
    """The overview's bar charts as [label, value] rows (computed here, so the overview
    renders before the page has unpacked its tables)."""
    reasons = result.boilerplate_by_reason()
    by_reason = sorted(([str(r), int(n)] for r, n in reasons.items()), key=lambda row: (-row[1], row[0]))
    sizes = result.clusters["size"]
    by_size = []
    for low, high in SIZE_BINS:
        n = int(((sizes >= low) & (sizes <= (high if high is not None else sizes.max()))).sum()) if len(sizes) else 0
        if n or high is not None and high <= 3:
            by_size.append([str(low) if low == high else f"{low}+" if high is None else f"{low}-{high}", n])
    plots = {"boilerplate_by_reason": by_reason, "cluster_sizes": by_size}
    for name, same in (("scores_within", True), ("scores_across", False)):
        scores = result.matches.loc[result.matches["same_cluster"] == same, "score"]
        rows = [[label, int(((scores >= low) & (scores < high)).sum())] for low, high, label in SCORE_BINS]
        plots[name] = rows if rows[0][1] else rows[1:]
    return plots


def deflate_json(value: Any) -> str:
    """``value`` as JSON, deflated (zlib) and base64-encoded: the page inflates it."""
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")


def isin(series: pd.Series, values: set | list) -> np.ndarray:
    """``series.isin(values)`` as a mask, for a column of strings (doc and cluster ids) by
    one Arrow ``is_in``: pandas' own makes an Arrow scalar of every value asked for (0.15 s
    for 10k ids, and the page asks nine times on a run larger than ``report_max_docs``).
    Missing values are never in ``values``."""
    wanted = [v for v in values if isinstance(v, str)]
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = None
    if array is None or not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)) \
            or len(wanted) != len(values):
        return series.isin(values).to_numpy(dtype=bool)
    hit = pc.is_in(array, value_set=pa.array(wanted, type=array.type), skip_nulls=True)
    return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)


def _str(value: Any) -> str | None:
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)


def _values(series: pd.Series) -> list[Any]:
    """The values of ``series`` as a list, missing ones None (an Arrow-backed column is
    converted at once: iterating over it boxes one value at a time, ten times slower)."""
    return series.to_numpy(dtype=object, na_value=None).tolist()


def _column(series: pd.Series) -> list[str | None]:
    return [_str(v) for v in _values(series)]


def _text_array(series: pd.Series) -> pa.Array:
    """A text column as an Arrow array of strings, missing texts empty (an Arrow-backed
    column as it is, without a Python string per text)."""
    try:
        array = pa.array(series, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # values that are not strings
        array = pa.array(_column(series), type=pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.fill_null("")


def chaining_flags(result: Result) -> list[dict[str, Any]]:
    """Clusters that may be held together by chaining, largest first, one entry each.

    A member is *far* from its canonical when no verified pair links the two, their
    Jaccard similarity is below ``threshold`` and the member's paragraphs aligned with the
    canonical's (``paragraph_matches`` within the cluster) hold less than
    ``partial_coverage`` of its text: verification would not have accepted the two as
    copies, so the member joined through other members. A cluster is *outsized* from
    OUTSIZED_MIN_SIZE members and OUTSIZED_FACTOR times the 90th percentile of the sizes
    of clusters with duplicates."""
    multi = result.clusters[result.clusters["size"] > 1]
    if not len(multi):
        return []
    similarity = dict(zip(_values(result.documents["doc_id"]), result.documents["similarity"].tolist()))
    accepted = result.pairs[result.pairs["decision"] == "duplicate"]
    doc_a, doc_b = _values(accepted["doc_a"]), _values(accepted["doc_b"])
    direct = set(zip(doc_a, doc_b)) | set(zip(doc_b, doc_a))
    limit = _outsized(multi["size"])
    config = result.config
    clusters = list(zip(_values(multi["cluster_id"]), multi["size"].tolist(), _values(multi["canonical_id"]),
                        multi["member_ids"]))
    unlinked = {cluster_id: [m for m in member_ids if m != canonical_id and (m, canonical_id) not in direct
                             and m in similarity  # an index run: members of earlier drops were judged then
                             and float(similarity[m]) < config.threshold]
                for cluster_id, _, canonical_id, member_ids in clusters}
    # shares only of the members the verified pairs and the similarity leave in question
    aligned = _aligned_shares(result, {m for members in unlinked.values() for m in members})
    flags = []
    for cluster_id, size, canonical_id, _ in clusters:
        far = sorted(m for m in unlinked[cluster_id] if aligned.get((m, canonical_id), 0.0) < config.partial_coverage)
        if not far and size < limit:
            continue
        flag: dict[str, Any] = {"cluster": cluster_id, "size": int(size), "far_members": far}
        if far:
            flag["least_aligned"] = round(min(aligned.get((m, canonical_id), 0.0) for m in far), 3)
        if size >= limit:
            flag["outsized_from"] = limit
        flags.append(flag)
    flags.sort(key=lambda f: (-f["size"], f["cluster"]))
    return flags


def _aligned_shares(result: Result, only: set[str]) -> dict[tuple[str, str], float]:
    """(member, canonical) -> share of the member's clean text in paragraphs aligned with
    the canonical's, for the members ``only``."""
    documents = result.documents
    canonical = dict(zip(_values(documents["doc_id"]), _values(documents["canonical_id"])))
    within = result.matches[result.matches["same_cluster"]]
    within = within[isin(within["doc_a"], only) | isin(within["doc_b"], only)]
    matched: dict[tuple[str, str], set[int]] = {}
    for a, para_a, b, para_b in zip(_values(within["doc_a"]), within["para_a"].tolist(), _values(within["doc_b"]),
                                    within["para_b"].tolist()):
        if canonical.get(a) == b:
            if a in only:
                matched.setdefault((a, b), set()).add(int(para_a))
        elif canonical.get(b) == a and b in only:
            matched.setdefault((b, a), set()).add(int(para_b))
    members = documents[isin(documents["doc_id"], {member for member, _ in matched})]
    texts = dict(zip(_values(members["doc_id"]), _values(members["text"])))  # only these: not the corpus
    shares = {}
    for (member, canon), paras in matched.items():
        lengths = [len(p) for p in str(texts[member]).split("\n\n")]
        shares[(member, canon)] = sum(lengths[i] for i in paras if i < len(lengths)) / max(1, sum(lengths))
    return shares


def _outsized(sizes: pd.Series) -> int:
    """The size from which a cluster counts as much larger than the rest."""
    typical = int(sizes.quantile(0.9, interpolation="higher")) if len(sizes) else 2
    return max(OUTSIZED_MIN_SIZE, OUTSIZED_FACTOR * typical)


def read_run(folder: str | Path) -> tuple[Result, dict[str, Any]]:
    """The Result of the run whose outputs are in ``folder`` (any format) and its summary's
    ``execution`` section (empty if there is no summary.json)."""
    from ..config import Config
    from ..result import Result
    from .tables import read_table

    folder = Path(folder)
    summary = _summary(folder)
    tables = {name: read_table(folder, name, columns) for name, columns in TABLES.items()}
    rejects = read_table(folder, "rejects", None)
    fields = set(Config.__dataclass_fields__)
    settings = {k: v for k, v in summary.get("settings", {}).items() if k in fields}
    try:
        config = Config().replace(**settings)
    except (TypeError, ValueError):
        config = Config()
    result = Result(documents=tables["documents"], clusters=tables["clusters"], matches=tables["paragraph_matches"],
                    boilerplate=tables["boilerplate"], pairs=tables["pairs"], rejects=rejects, config=config)
    return result, summary.get("execution", {})


def _summary(folder: Path) -> dict[str, Any]:
    path = folder / "summary.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
