"""Every setting of newsdedup and its default, in one place.

The CLI options map one to one onto :class:`Config` fields, and ``--config FILE``
reads the same names from a TOML file (top level or under a ``[newsdedup]`` table).

>>> cfg = Config(threshold=0.8)
>>> cfg.threshold, cfg.num_perm
(0.8, 128)
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from typing import Any

FORMATS = ("parquet", "jsonl", "csv")
INPUT_FIELDS = ("id", "text", "html", "url", "title", "date")
ENGINES = ("local", "dask")


# The types each kind of setting accepts (annotations are strings here: see the
# __future__ import). A bool is an int to Python, but never a number of anything here.
_ACCEPTED = {"int": int, "float": (int, float), "str": str, "bool": bool}
_TYPE_NAMES = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false"}


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Config:
    # output
    out: str = _setting("newsdedup-out", "Directory the tables are written to (created if missing; its outputs are replaced).")
    format: str = _setting("parquet", "Table format: parquet, jsonl or csv.")
    partitioned: bool = _setting(False, "Write each table as a folder of Parquet files (documents/part-00000.parquet, ...) "
                                        "that pandas, pyarrow, Dask, DuckDB and Spark read as one table; needs format parquet.")
    # reading
    max_record_bytes: int = _setting(32 * 2**20, "A record (file, line or row) larger than this many bytes, decompressed, is rejected.")
    max_file_bytes: int = _setting(2 * 2**30, "Decompression of one input file stops past this many bytes; the rest of the file is rejected.")
    fields: str = _setting("", "Input names of newsdedup's fields where a dump names them otherwise: FIELD=NAME pairs, "
                               "comma-separated, e.g. 'text=maintext,id=uuid,date=date_publish' (JSONL keys; CSV, "
                               "Parquet and DataFrame columns). FIELD is one of " + ", ".join(INPUT_FIELDS) + "; "
                               "a field named here is read from NAME only.")
    follow_symlinks: bool = _setting(False, "Follow symbolic links in input directories that lead out of the input tree "
                                            "(by default each such link becomes a rejected row).")
    # cleaning
    template_min_docs: int = _setting(3, "A furniture-like paragraph seen verbatim in this many unrelated documents is a site template.")
    template_related_share: float = _setting(0.5, "Two documents are copies of one story when they share this share of their long paragraphs.")
    long_paragraph_words: int = _setting(12, "Prose paragraphs with at least this many words are article evidence.")
    # deduplication
    num_perm: int = _setting(128, "MinHash permutations (signature length).")
    shingle_size: int = _setting(5, "Words per shingle.")
    threshold: float = _setting(0.7, "Jaccard similarity of clean-text shingle sets at which two documents are near-duplicates.")
    candidate_threshold: float = _setting(0.3, "Jaccard similarity the LSH index is tuned to propose as candidates (each is then verified).")
    coverage: float = _setting(0.8, "Two documents are near-duplicates when aligned paragraphs hold this share of both texts.")
    partial_coverage: float = _setting(0.65, "...or when one is (all but) entirely inside the other and covers this share of it.")
    coverage_ratio: float = _setting(85.0, "rapidfuzz ratio (0-100) at which two paragraphs count as aligned for coverage.")
    seed: int = _setting(1, "Seed of the MinHash permutations (datasketch's affine32 scheme).")
    max_bucket_size: int = _setting(200, "An LSH bucket larger than this links its members to its first member instead of pairing all.")
    # matching
    match_cutoff: float = _setting(80.0, "Minimum rapidfuzz score (0-100) for two paragraphs to be reported as a match.")
    match_min_words: int = _setting(8, "Paragraphs with fewer words are never matched across clusters.")
    match_shingle_size: int = _setting(4, "Words per shingle of the paragraph index that proposes cross-cluster candidates.")
    match_min_shared: int = _setting(2, "Shared paragraph shingles needed before a cross-cluster pair is scored.")
    match_min_containment: float = _setting(0.25, "...and at least this share of the smaller paragraph's shingles.")
    match_max_postings: int = _setting(50, "A paragraph shingle found in more paragraphs than this proposes no pairs.")
    # report
    report_max_docs: int = _setting(10_000, "report.html shows at most this many documents (clusters with duplicates, largest "
                                            "first, then documents sharing passages, then the rest); the tables hold all.")
    # CI gates (a run over them exits 3 after writing its outputs, adding nothing to an index)
    max_duplicate_share: float = _setting(1.0, "The run fails (exit 3) when more than this share of its records are duplicates.")
    max_rejected_share: float = _setting(1.0, "The run fails (exit 3) when more than this share of its records are rejected.")
    # execution
    workers: int = _setting(0, "Cores to use: processes for cleaning, threads for signatures and matching; "
                               "0 means one per CPU core.")
    engine: str = _setting("local", "Where the stages run: local (this machine's cores) or dask (a Dask cluster: --scheduler, "
                                    "else a LocalCluster of --workers processes; see docs/cluster.md).")
    scheduler: str = _setting("", "With --engine dask: the address of a running Dask scheduler (tcp://host:8786); "
                                  "empty: a LocalCluster started for the run.")
    workers_min_mb: float = _setting(12.0, "Inputs smaller than this (millions of characters of text and HTML) are cleaned "
                                           "in one process: starting the workers takes 1.5-2 s, while one core cleans 2.5-4 MB/s.")
    hold_drafts_mb: float = _setting(256.0, "Memory (MB) for cleaning's drafts per process: past it, documents holding a site "
                                            "template are read and drafted again once the templates are known.")
    spill_min_mb: float = _setting(64.0, "Inputs of at least this many millions of characters keep their clean texts and removed "
                                         "paragraphs in a temporary file (in TMPDIR) while deduplication and matching run.")

    def __post_init__(self) -> None:
        wrong_types = list(self._type_problems())
        if wrong_types:  # the range checks below would fail on them with a traceback
            raise TypeError("invalid configuration: " + "; ".join(wrong_types))
        for f in fields(self):  # 1 and 1.0 are one setting (and one summary.json)
            if f.type == "float":
                object.__setattr__(self, f.name, float(getattr(self, f.name)))
        problems = list(self._problems())
        if problems:
            raise ValueError("invalid configuration: " + "; ".join(problems))

    def _type_problems(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, _ACCEPTED[f.type]) or (f.type != "bool" and isinstance(value, bool)):
                yield f"{f.name} must be {_TYPE_NAMES[f.type]}, not {type(value).__name__} {value!r}"

    def _problems(self):
        if self.format not in FORMATS:
            yield f"format must be one of {', '.join(FORMATS)}, not {self.format!r}"
        if self.partitioned and self.format != "parquet":
            yield f"partitioned outputs are Parquet datasets: format must be parquet, not {self.format!r}"
        try:
            field_names(self.fields)
        except ValueError as exc:
            yield f"fields: {exc}"
        if self.engine not in ENGINES:
            yield f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}"
        for name in ("max_duplicate_share", "max_rejected_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                yield f"{name} must be in [0, 1], not {getattr(self, name)}"
        for name in ("threshold", "candidate_threshold", "coverage", "partial_coverage", "match_min_containment"):
            if not 0.0 < getattr(self, name) <= 1.0:
                yield f"{name} must be in (0, 1], not {getattr(self, name)}"
        if not 0.0 <= self.coverage_ratio <= 100.0:
            yield f"coverage_ratio must be in [0, 100], not {self.coverage_ratio}"
        if not 0.0 <= self.match_cutoff <= 100.0:
            yield f"match_cutoff must be in [0, 100], not {self.match_cutoff}"
        if not 0.0 < self.template_related_share <= 1.0:
            yield "template_related_share must be in (0, 1]"
        for name in ("num_perm", "shingle_size", "match_shingle_size", "max_record_bytes",
                     "max_file_bytes", "template_min_docs", "max_bucket_size",
                     "match_max_postings", "match_min_shared", "report_max_docs"):
            if getattr(self, name) < 1:
                yield f"{name} must be at least 1"
        if self.workers < 0:
            yield "workers must be 0 (all cores) or more"
        if self.workers_min_mb < 0:
            yield "workers_min_mb must be 0 or more"
        if self.hold_drafts_mb < 0:
            yield "hold_drafts_mb must be 0 or more"
        if self.spill_min_mb < 0:
            yield "spill_min_mb must be 0 or more"

    @property
    def n_workers(self) -> int:
        return self.workers or os.cpu_count() or 1

    def replace(self, **changes: Any) -> "Config":
        """A copy with some settings changed; ``None`` values are ignored."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str], **overrides: Any) -> "Config":
        """Read settings from a TOML file; unknown keys, a syntax error and settings of the
        wrong type are a ``ValueError`` or ``TypeError`` naming the file."""
        import tomllib  # here: a run without a settings file does not load it

        with open(path, "rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:  # its message ends with "(at line L, column C)"
                raise ValueError(f"{path}: not valid TOML: {exc}") from None
        data = data.get("newsdedup", data)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{path}: unknown setting(s): {', '.join(unknown)}")
        try:
            config = cls(**data)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{path}: {exc}") from None
        return config.replace(**overrides)


def field_names(spec: str) -> dict[str, str]:
    """The ``fields`` setting as {field: input name}; ``ValueError`` saying what is wrong.

    >>> field_names("text=maintext, id=uuid")
    {'text': 'maintext', 'id': 'uuid'}
    """
    names: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in spec.split(","))):
        field, sep, name = (part.strip() for part in pair.partition("="))
        if not sep or not name:
            raise ValueError(f"{pair!r} is not FIELD=NAME")
        if field not in INPUT_FIELDS:
            raise ValueError(f"{field!r} is not one of {', '.join(INPUT_FIELDS)}")
        if field in names:
            raise ValueError(f"{field!r} is named twice")
        names[field] = name
    taken = [name for name in names.values() if list(names.values()).count(name) > 1]
    if taken:
        raise ValueError(f"{taken[0]!r} is named for two fields")
    return names


DEFAULT = Config()
