"""The corpus index on disk: one SQLite file.

Tables (``SCHEMA``): ``meta`` (format version and the settings that change decisions),
``drops`` (committed drops in order), ``documents`` (every record of every drop: the
columns of a run's ``documents`` table, the clean text compressed (:func:`compress`), the MinHash
signature, the drop), ``bands`` (the low 32 bits of each LSH band key, indexed: the
candidate lookup; a collision of the low bits only adds a document that verification then
finds unrelated) and ``bands_recent`` (the same, the keys of the latest drops, moved to
``bands`` a slice of the key range a drop: see :meth:`Store.insert_keys`), ``summaries`` (what the template search needs of each document, packed
in one blob: :func:`pack_summary`), ``shaped_keys`` and ``shaped_keys_recent`` (the
documents holding each furniture-shaped paragraph key), ``paragraphs`` and
``paragraphs_recent`` (the kept documents holding each long paragraph, by the low 32 bits
of its key: passages shared with unrelated earlier stories, for paragraph matching),
``merges`` (cluster ids that became another) and ``undo`` (the values a drop changed in
earlier documents, so a drop can be taken back out).

A write holds SQLite's write lock (``BEGIN IMMEDIATE``) from the start of the run to its
commit: a second writer waits ``timeout`` seconds and is then refused; readers are never
blocked but during the commit itself. The rollback journal with ``synchronous=FULL``
makes a drop's commit all or nothing, whenever the process dies.

Damage: opening checks the header, the schema and the settings; SQLite refuses every
malformed page a statement reads or writes (:func:`refused_if_damaged` turns that into
:class:`NotAnIndex`, and the transaction is rolled back: nothing is written). The check of
every page (``PRAGMA quick_check``, ``full_check``) is for reading the whole index (info,
export, remove), not for a run: it reads the whole file (0.6-1.0 s at 100,000 documents,
half the time of a 1,000-document drop's whole run), so a drop's cost would follow the
corpus.

Size: the file is made with 64 KiB pages. A document row (its compressed clean text and
signature) is 2-3 kB: with SQLite's default 4 KiB pages most pages hold one row and a
third of the file was page slack (1,450 bytes a document at 5,000 documents); 64 KiB
pages hold twenty-odd rows and leave about 60 bytes a document unused.
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import zstandard

from ..clean import KeySummary
from ..clean.paragraphs import split_clean
from ..clean.templates import sketches
from ..config import Config
from ..normalize import compare_keys, line_stats

APPLICATION_ID = 0x4E445831  # "NDX1" in the file header: a newsdedup index
FORMAT_VERSION = 7  # 2: template summaries packed in one blob; 3: key tables in two levels; 4: texts in zstd;
# 5: the recent level merged a slice of the key range a drop; 6: summary keys found in the clean text left out,
# paragraph keys; 7: paragraph keys of kept documents only, the cluster index on an id prefix
LEVELLED = ("bands", "shaped_keys", "paragraphs")  # key tables with a recent level: see Store.insert_keys
KEY_BITS = {"bands": 32, "shaped_keys": 64, "paragraphs": 32}  # the keys' range: signed integers of this width
MERGE_SLICES = 8  # each drop moves one slice of the key range of the recent level into the main one
WHOLE_MERGE_SHARE = 16  # ... but a drop of at least 1/16 of the index's documents merges it whole: see insert_keys
PAGE_SIZE = 65536
CACHE_KIB = 262144  # at most: a drop's changed pages stay in memory until its commit (no spills)
LOCK_TIMEOUT_S = 30.0
DECISION_SETTINGS = ("num_perm", "shingle_size", "seed", "threshold", "candidate_threshold", "coverage",
                     "partial_coverage", "coverage_ratio", "max_bucket_size", "template_min_docs",
                     "template_related_share", "long_paragraph_words")
DOCUMENT_COLUMNS = ("doc_id", "source", "url", "title", "date", "status", "cluster_id", "canonical_id",
                    "similarity", "text", "raw_chars", "clean_chars", "warning", "flags")

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE drops(seq INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE documents(
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE, drop_seq INTEGER NOT NULL,
    source TEXT, url TEXT, title TEXT, date TEXT, status TEXT NOT NULL, cluster_id TEXT,
    canonical_id TEXT, similarity REAL, raw_chars INTEGER NOT NULL, clean_chars INTEGER NOT NULL,
    warning TEXT, flags TEXT, error TEXT, text BLOB, signature BLOB);
CREATE INDEX documents_cluster ON documents(substr(cluster_id, 1, 9));  -- see cluster_prefix
CREATE TABLE bands(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
CREATE TABLE bands_recent(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
CREATE TABLE summaries(doc INTEGER PRIMARY KEY, summary BLOB NOT NULL);
CREATE TABLE shaped_keys(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
CREATE TABLE shaped_keys_recent(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
CREATE TABLE paragraphs(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
CREATE TABLE paragraphs_recent(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
CREATE TABLE merges(drop_seq INTEGER NOT NULL, old_id TEXT NOT NULL, new_id TEXT NOT NULL);
CREATE TABLE undo(drop_seq INTEGER NOT NULL, doc INTEGER NOT NULL, status TEXT, cluster_id TEXT,
                  canonical_id TEXT, similarity REAL);
"""


class IndexRefused(Exception):
    """Base of the index's refusals."""


class NotAnIndex(IndexRefused):
    """The file is not a newsdedup index, or is damaged (exit 1: nothing is written to it)."""


class IncompatibleIndex(IndexRefused):
    """The index was made with other settings that change decisions (exit 2)."""

    def __init__(self, message: str, setting: str):
        super().__init__(message)
        self.setting = setting


class IndexBusy(IndexRefused):
    """Another run is writing to the index."""


DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def refused_if_damaged(path: os.PathLike | str, exc: sqlite3.DatabaseError) -> Exception:
    """The refusal for a malformed page found while a statement ran, or ``exc`` itself."""
    if getattr(exc, "sqlite_errorname", "").startswith(DAMAGED):
        return NotAnIndex(f"{path}: the index is damaged ({exc}); restore it from a copy")
    return exc


TEXT_LEVEL = 1  # zstd: a drop's clean texts 5x faster than zlib's level 6 (0.012 s against 0.064 s), as small


_codecs = threading.local()  # a zstd (de)compressor is used by one thread at a time; making one costs a compression


def compress(text: str) -> bytes:
    """A clean text as stored: zstd, level ``TEXT_LEVEL``, one frame."""
    if not hasattr(_codecs, "compressor"):
        _codecs.compressor = zstandard.ZstdCompressor(level=TEXT_LEVEL)
    return _codecs.compressor.compress(text.encode("utf-8"))


def decompress(blob: bytes | None) -> str:
    if blob is None:
        return ""
    if not hasattr(_codecs, "decompressor"):
        _codecs.decompressor = zstandard.ZstdDecompressor()
    return _codecs.decompressor.decompress(blob).decode("utf-8")


_DERIVED = 0x80000000  # in the paragraph count: the sketches are not stored, see derive_sketches
_KEYS_IN_TEXT = 0x40000000  # in the paragraph count: keys found in the clean text are not stored


def pack_summary(s: KeySummary, text: str | None) -> bytes:
    """One blob: the paragraph count, the ``about`` and ``shaped`` flags as bits, the
    paragraph keys, the sketches (their count follows from the blob's length), each left
    out where the document's clean ``text`` gives them back (a flag in the count says so).

    Keys: most of a document's paragraphs are in its clean text, in order: a bit per
    paragraph says its key is that of the next clean paragraph a second bit set (one per
    clean paragraph) names; only the others are stored (8 bytes each: 120 of the 130 bytes
    of a synthetic document's summary were keys). Sketches: :func:`derive_sketches` gives
    them from the text when the paragraphs it would sketch are those ``s`` sketched, compared
    by their keys (64-bit hashes of the same compare keys): comparing them so costs half of
    sketching them again (0.08 s against 0.16 s a 1,000-document drop)."""
    n, flags = s.keys.size, 0
    keys_part, tail = s.keys.astype("<u8").tobytes(), s.sketches.astype("<u8").tobytes()
    if text is not None:
        paragraphs, hashes = _clean_keys(text)
        in_text, used = _keys_in_text(s.keys, hashes)
        if in_text.any():
            flags |= _KEYS_IN_TEXT
            keys_part = (np.packbits(in_text).tobytes() + np.packbits(used).tobytes()
                         + s.keys[~in_text].astype("<u8").tobytes())
        if [h for _, h in _about(paragraphs, hashes, s.keys, s.about)] == s.keys[s.about].tolist():
            flags, tail = flags | _DERIVED, b""
    head = struct.pack("<I", n | flags)
    return head + np.packbits(s.about).tobytes() + np.packbits(s.shaped).tobytes() + keys_part + tail


def _keys_in_text(keys: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of a summary's paragraph ``keys`` are found, in order, among the clean text's
    paragraph ``hashes`` (each taken at its first place after the previous one taken), and
    which of those ``hashes`` are so taken."""
    in_text, used = np.zeros(keys.size, bool), np.zeros(hashes.size, bool)
    at: dict[int, list[int]] = {}
    for j, h in enumerate(hashes.tolist()):
        at.setdefault(h, []).append(j)
    j = 0
    for i, k in enumerate(keys.tolist()):
        place = next((p for p in at.get(k, ()) if p >= j), None)
        if place is not None:
            in_text[i], used[place], j = True, True, place + 1
    return in_text, used


def unpack_summary(blob: bytes, text: bytes | None) -> KeySummary:
    """``text``: the document's compressed clean text (read when keys or sketches are
    left out of the blob)."""
    (n,) = struct.unpack_from("<I", blob)
    derived, keys_in_text, n = bool(n & _DERIVED), bool(n & _KEYS_IN_TEXT), n & ~(_DERIVED | _KEYS_IN_TEXT)
    size = (n + 7) // 8
    bits = np.frombuffer(blob, np.uint8, 2 * size, 4)
    about = np.unpackbits(bits[:size], count=n).astype(bool)
    shaped = np.unpackbits(bits[size:], count=n).astype(bool)
    at = 4 + 2 * size
    paragraphs, hashes = _clean_keys(decompress(text)) if derived or keys_in_text else ([], None)
    if keys_in_text:
        in_text = np.unpackbits(np.frombuffer(blob, np.uint8, size, at), count=n).astype(bool)
        at += size
        used_size = (hashes.size + 7) // 8
        used = np.unpackbits(np.frombuffer(blob, np.uint8, used_size, at), count=hashes.size).astype(bool)
        at += used_size
        keys = np.empty(n, dtype=np.uint64)
        keys[in_text] = hashes[used]
        stored = n - int(in_text.sum())
        keys[~in_text] = np.frombuffer(blob, "<u8", stored, at)
        at += 8 * stored
    else:
        keys = np.frombuffer(blob, "<u8", n, at).astype(np.uint64)
        at += 8 * n
    if derived:
        sketches_ = sketches([p for p, _ in _about(paragraphs, hashes, keys, about)])
    else:
        sketches_ = np.frombuffer(blob, "<u8", offset=at).astype(np.uint64)
    return KeySummary(keys, about, shaped, sketches_)


def derive_sketches(text: str, keys: np.ndarray, about: np.ndarray) -> np.ndarray:
    """The template sketches of a document's paragraphs about its story, from its clean
    text: those paragraphs are long prose, which cleaning keeps, so they are usually all
    in the clean text, in order (when one is not, :func:`pack_summary` stores them).
    Stored indexes depend on this giving what it gave when they were written: a change to
    ``compare_keys``, ``line_stats`` or ``sketches`` must raise ``FORMAT_VERSION``."""
    return sketches([p for p, _ in _about(*_clean_keys(text), keys, about)])


def _clean_keys(text: str) -> tuple[list[str], np.ndarray]:
    """The compare keys of the clean ``text``'s paragraphs and their 64-bit hashes."""
    paragraphs = compare_keys(split_clean(text))
    return paragraphs, line_stats(paragraphs)[1]


def _about(paragraphs: list[str], hashes: np.ndarray, keys: np.ndarray, about: np.ndarray) -> list[tuple[str, int]]:
    """Of the clean text's ``paragraphs`` (compare keys) and their ``hashes``, those whose
    hash is one of the ``about`` ``keys``, with that hash, in order: what
    :func:`derive_sketches` sketches."""
    if not paragraphs:
        return []
    wanted = set(keys[about].tolist())
    return [(p, h) for p, h in zip(paragraphs, hashes.tolist()) if h in wanted]


def _sorted_pairs(keys: np.ndarray, docs: np.ndarray) -> list[tuple[int, int]]:
    """The distinct (key, doc) pairs, in (key, doc) order (numpy: a Python sort of a
    drop's 37,000 band pairs took 0.03 s)."""
    keys, docs = keys.astype(np.int64), docs.astype(np.int64)
    order = np.lexsort((docs, keys))
    keys, docs = keys[order], docs[order]
    first = np.ones(keys.size, dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
    return list(zip(keys[first].tolist(), docs[first].tolist()))


def _json_ints(keys: np.ndarray) -> str:
    """Distinct integer ``keys``, ascending, as one JSON array: a whole lookup is one
    statement over ``json_each`` (3x faster than filling a temporary table row by row,
    37,000 band keys: 0.15 s against 0.5 s), and ascending keys walk the B-tree in order."""
    return json.dumps(np.unique(keys.astype(np.int64)).tolist())


def _both_levels(table: str, keys: str) -> str:
    """The (key, doc) rows of both levels of ``table`` whose key is in the CTE ``keys``."""
    return " UNION ALL ".join(f"SELECT t.key, t.doc FROM w JOIN {level} t ON t.key = {keys}"
                              for level in (table, f"{table}_recent"))


def _slice_where(k: int, bits: int) -> str:
    """The SQL condition on ``key`` of slice ``k`` of the signed ``bits``-bit key range
    (the first and last slices open-ended)."""
    width = (1 << bits) // MERGE_SLICES
    low, high = -(1 << (bits - 1)) + k * width, -(1 << (bits - 1)) + (k + 1) * width
    bounds = ([f"key >= {low}"] if k > 0 else []) + ([f"key < {high}"] if k < MERGE_SLICES - 1 else [])
    return " AND ".join(bounds)


# The cluster index holds the first 9 characters of a cluster id ("c" and 32 bits of hex):
# 8 fewer bytes a document than the whole id; a lookup filters on the whole id after it.
CLUSTER_PREFIX = 9
_IN_CLUSTER = f"substr(cluster_id, 1, {CLUSTER_PREFIX}) = ? AND +cluster_id = ?"  # "+": else SQLite scans the table


def _in_cluster(cid: str) -> tuple[str, str]:
    return cid[:CLUSTER_PREFIX], cid


def decision_settings(config: Config) -> dict:
    return {name: getattr(config, name) for name in DECISION_SETTINGS}


class Store:
    """An open index file (``write``: holding the write lock until :meth:`commit` or
    :meth:`rollback`)."""

    def __init__(self, path: str | os.PathLike | None, *, write: bool = False, create: bool = False,
                 timeout: float = LOCK_TIMEOUT_S, full_check: bool = True):
        """``path=None``: an empty index in memory (a dry run on an index not made yet);
        ``full_check``: check every page when opening (see the module's notes)."""
        self.timeout, self.write = timeout, write
        if path is None:
            self.path = Path(":memory:")
            self.db = sqlite3.connect(":memory:", isolation_level=None)
            self._begin("BEGIN")
            self._create()
            return
        self.path = Path(path)
        exists = self.path.exists()
        if not exists and not create:
            raise NotAnIndex(f"{self.path}: no such index")
        if exists and (not self.path.is_file() or self.path.stat().st_size == 0):
            raise NotAnIndex(f"{self.path}: not a newsdedup index (not a non-empty file)")
        uri = self.path.resolve().as_uri() + ("" if write or not exists else "?mode=ro")
        try:
            self.db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise NotAnIndex(f"{self.path}: cannot open: {exc}") from None
        try:
            if exists:
                self._check(full_check)
            else:
                self.db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            if write:
                self._begin("BEGIN IMMEDIATE")
                if not exists:
                    self._create()
            else:
                self._begin("BEGIN")
        except Exception:
            self.db.close()
            raise

    def _begin(self, statement: str) -> None:
        try:
            self.db.execute(statement)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise IndexBusy(f"{self.path}: another run is writing to this index "
                                f"(waited {self.timeout:g} s); try again when it has finished") from None
            raise

    def _check(self, full: bool) -> None:
        try:
            app = self.db.execute("PRAGMA application_id").fetchone()[0]
            if app != APPLICATION_ID:
                raise NotAnIndex(f"{self.path}: not a newsdedup index")
            self.db.execute("SELECT COUNT(*) FROM sqlite_schema").fetchone()  # reads the schema page
            self.db.execute("SELECT value FROM meta WHERE key='format_version'").fetchone()
            result = self.db.execute("PRAGMA quick_check").fetchone()[0] if full else "ok"
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc):
                raise IndexBusy(f"{self.path}: another run is committing to this index; try again") from None
            raise NotAnIndex(f"{self.path}: not a newsdedup index, or damaged ({exc})") from None
        if result != "ok":
            raise NotAnIndex(f"{self.path}: the index is damaged ({result}); restore it from a copy")

    def _create(self) -> None:
        self.db.execute(f"PRAGMA application_id={APPLICATION_ID}")
        for statement in SCHEMA.split(";"):  # in this transaction (executescript would commit it first)
            if statement.strip():
                self.db.execute(statement)
        self.db.execute("INSERT INTO meta VALUES ('format_version', ?)", (str(FORMAT_VERSION),))
        self.db.execute("INSERT INTO meta VALUES ('merge_slice', '0')")

    # ------------------------------------------------------------------ settings

    def settings(self) -> dict | None:
        row = self.db.execute("SELECT value FROM meta WHERE key='settings'").fetchone()
        return json.loads(row[0]) if row else None

    def check_settings(self, config: Config) -> None:
        """Refuse ``config`` if its decision settings differ from the index's (the first
        write stores them)."""
        version = int(self.db.execute("SELECT value FROM meta WHERE key='format_version'").fetchone()[0])
        if version != FORMAT_VERSION:
            raise IncompatibleIndex(f"{self.path}: index format version {version}, this newsdedup "
                                    f"reads version {FORMAT_VERSION}", "format_version")
        stored, wanted = self.settings(), decision_settings(config)
        if stored is None:
            if self.write:
                self.db.execute("INSERT INTO meta VALUES ('settings', ?)", (json.dumps(wanted, sort_keys=True),))
            return
        for name in DECISION_SETTINGS:
            if name in stored and stored[name] != wanted[name]:
                raise IncompatibleIndex(f"{self.path}: the index was built with {name}={stored[name]}, "
                                        f"this run has {name}={wanted[name]}; use the index's setting "
                                        f"or a new index", name)

    # ------------------------------------------------------------------ reading

    def drops(self) -> list[tuple[int, str]]:
        return self.db.execute("SELECT seq, name FROM drops ORDER BY seq").fetchall()

    def next_drop(self) -> tuple[int, str]:
        seq = (self.db.execute("SELECT MAX(seq) FROM drops").fetchone()[0] or 0) + 1
        return seq, str(seq)

    def drop_seq(self, name: str) -> int | None:
        row = self.db.execute("SELECT seq FROM drops WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def known(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """Of ``doc_ids``, those already in the index, with the name of their drop."""
        found: dict[str, str] = {}
        ids = list(doc_ids)
        for s in range(0, len(ids), 500):
            chunk = ids[s:s + 500]
            rows = self.db.execute(
                f"SELECT d.doc_id, r.name FROM documents d JOIN drops r ON r.seq = d.drop_seq "
                f"WHERE d.doc_id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            found.update(rows)
        return found

    def sharing_bands(self, keys: np.ndarray) -> list[int]:
        """Documents (row ids) with any of the band ``keys`` (int32 values)."""
        if not keys.size:
            return []
        rows = self.db.execute(f"WITH w AS (SELECT value FROM json_each(?)) SELECT DISTINCT doc FROM "
                               f"({_both_levels('bands', 'w.value')})", (_json_ints(keys),)).fetchall()
        return sorted(r[0] for r in rows)

    def rows(self, ids: Sequence[int], columns: str = "id, doc_id, status, cluster_id, canonical_id, similarity, text"
             ) -> list[tuple]:
        out = []
        ids = list(ids)
        for s in range(0, len(ids), 500):
            chunk = ids[s:s + 500]
            out.extend(self.db.execute(f"SELECT {columns} FROM documents WHERE id IN ({','.join('?' * len(chunk))})",
                                       chunk).fetchall())
        return sorted(out)

    def ids_of(self, doc_ids: Sequence[str]) -> list[int]:
        out = []
        doc_ids = list(doc_ids)
        for s in range(0, len(doc_ids), 500):
            chunk = doc_ids[s:s + 500]
            out.extend(r[0] for r in self.db.execute(
                f"SELECT id FROM documents WHERE doc_id IN ({','.join('?' * len(chunk))})", chunk))
        return sorted(out)

    def cluster_members(self, cluster_ids: Iterable[str]) -> list[int]:
        out: list[int] = []
        for cid in sorted(set(cluster_ids)):
            out.extend(r[0] for r in self.db.execute(f"SELECT id FROM documents WHERE {_IN_CLUSTER}", _in_cluster(cid)))
        return sorted(out)

    def cluster_info(self, cluster_ids: Iterable[str]) -> dict[str, tuple[str, str, int]]:
        """Per cluster: its smallest member doc id, its canonical's doc id and clean length."""
        info = {}
        for cid in sorted(set(cluster_ids)):
            first = self.db.execute(f"SELECT MIN(doc_id) FROM documents WHERE {_IN_CLUSTER}", _in_cluster(cid)).fetchone()[0]
            canon, length = self.db.execute(
                "SELECT c.doc_id, c.clean_chars FROM documents d JOIN documents c ON c.doc_id = d.canonical_id "
                f"WHERE {_IN_CLUSTER.replace('cluster_id', 'd.cluster_id')} LIMIT 1", _in_cluster(cid)).fetchone()
            info[cid] = (first, canon, length)
        return info

    def docs_with_shaped_keys(self, keys: np.ndarray, per_key: int) -> list[int]:
        """Documents holding any of the furniture-shaped paragraph ``keys`` (at most
        ``per_key`` a key, the smallest row ids)."""
        return self._docs_with_keys("shaped_keys", keys, per_key)

    def docs_with_paragraphs(self, keys: np.ndarray, max_docs: int) -> list[int]:
        """Documents holding a long paragraph of any of the ``keys`` (the low 32 bits of
        its compare key's hash, int32: a collision only adds a document that matching
        finds unrelated), of the keys held by at most ``max_docs`` documents: a paragraph
        printed in more proposes no pairs (``match_max_postings``), so reading them would
        be wasted (a 1,000-document synthetic drop: 6 such keys, 4,900 documents)."""
        return self._docs_ranked("paragraphs", keys, "count(*) OVER (PARTITION BY key)", max_docs)

    def _docs_with_keys(self, table: str, keys: np.ndarray, per_key: int) -> list[int]:
        return self._docs_ranked(table, keys, "row_number() OVER (PARTITION BY key ORDER BY doc)", per_key)

    def _docs_ranked(self, table: str, keys: np.ndarray, rank: str, limit: int) -> list[int]:
        """The documents of ``table`` (both levels) holding any of ``keys`` whose window
        value ``rank`` (SQL over the rows of one key) is at most ``limit``, sorted."""
        if not keys.size:
            return []
        rows = self.db.execute(
            f"WITH w AS (SELECT value FROM json_each(?)) SELECT DISTINCT doc FROM (SELECT doc, {rank} AS n "
            f"FROM ({_both_levels(table, 'w.value')})) WHERE n <= ?", (_json_ints(keys), limit)).fetchall()
        return sorted(r[0] for r in rows)

    def summaries(self, ids: Sequence[int]) -> list[tuple[str, KeySummary]]:
        out = []
        ids = list(ids)
        for s in range(0, len(ids), 500):
            chunk = ids[s:s + 500]
            out.extend((doc_id, unpack_summary(blob, text)) for doc_id, blob, text in self.db.execute(
                f"SELECT d.doc_id, s.summary, d.text FROM summaries s JOIN documents d "
                f"ON d.id = s.doc WHERE s.doc IN ({','.join('?' * len(chunk))})", chunk))
        return out

    # ------------------------------------------------------------------ writing

    def add_drop(self, seq: int, name: str) -> None:
        """A new drop (its keys, inserted next, merge the next slice of the recent levels)."""
        self.db.execute("INSERT INTO drops VALUES (?, ?)", (seq, name))
        self.advance_merge_slice()
        self._documents_before = self._last_row()

    def _last_row(self) -> int:
        return self.db.execute("SELECT MAX(id) FROM documents").fetchone()[0] or 0

    def insert_documents(self, rows: Iterable[tuple]) -> None:
        """Rows of (doc_id, drop_seq, source, url, title, date, status, cluster_id,
        canonical_id, similarity, raw_chars, clean_chars, warning, flags, error, text blob, signature blob)."""
        self.db.executemany(
            "INSERT INTO documents(doc_id, drop_seq, source, url, title, date, status, cluster_id, canonical_id, "
            "similarity, raw_chars, clean_chars, warning, flags, error, text, signature) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def insert_bands(self, keys: np.ndarray, docs: np.ndarray) -> None:
        """Band ``keys`` (int32) of the documents ``docs`` (row ids), one pair each."""
        self.insert_keys("bands", _sorted_pairs(keys, docs))

    def insert_paragraphs(self, keys: np.ndarray, docs: np.ndarray) -> None:
        """Long-paragraph ``keys`` (int32, see :meth:`docs_with_paragraphs`) of the documents ``docs`` (row ids)."""
        self.insert_keys("paragraphs", _sorted_pairs(keys, docs))

    def insert_summaries(self, rows: Iterable[tuple[int, bytes]], shaped: Iterable[tuple[int, int]]) -> None:
        """``rows``: (row id, :func:`pack_summary` blob); ``shaped``: (key, row id)."""
        self.db.executemany("INSERT INTO summaries VALUES (?,?)", rows)
        pairs = np.array(list(shaped), dtype=np.int64).reshape(-1, 2)
        self.insert_keys("shaped_keys", _sorted_pairs(pairs[:, 0], pairs[:, 1]))

    def insert_keys(self, table: str, rows: list[tuple[int, int]]) -> None:
        """One slice of the key range (``MERGE_SLICES``, in turn, the same slice for every
        table) moves from the recent level of a key table (``LEVELLED``) to the main one;
        then the distinct (key, row id) ``rows``, in key order, go to the recent level. Why
        two levels: a drop's keys are random, so inserting them into one B-tree of the
        whole corpus touched most of its leaves, and the commit journals every touched page
        (0.55 s of a 1.0 s committed drop at 100,000 documents). Why slices: merging the
        whole recent level at once touched every leaf of the main level in that one drop
        (1.9x a plain run); a slice touches ``1/MERGE_SLICES`` of them, every drop, and
        the recent level holds about ``(MERGE_SLICES - 1) / 2`` drops' keys. Why a big drop
        (``WHOLE_MERGE_SHARE``: one of 10,000 documents into an index of 90,000) merges the
        whole level and puts its own keys in the main one: else the recent level keeps its
        rows (1.66 of 3.7 million band rows after a build in drops of 10,000), and every
        later small drop's random keys touch every leaf of it: a 1,000-document drop wrote
        81 MB and took 1.6-1.7x a plain run, 9.4 MB and 1.23-1.30x with the level empty.
        The big drop's own work outweighs the key tables' pages it journals."""
        if self._big_drop():
            self.db.execute(f"INSERT INTO {table} SELECT key, doc FROM {table}_recent ORDER BY key, doc")
            self.db.execute(f"DELETE FROM {table}_recent")
            self.db.executemany(f"INSERT INTO {table} VALUES (?, ?)", rows)
            return
        where = _slice_where(self._merge_slice(), KEY_BITS[table])
        self.db.execute(f"INSERT INTO {table} SELECT key, doc FROM {table}_recent WHERE {where} ORDER BY key, doc")
        self.db.execute(f"DELETE FROM {table}_recent WHERE {where}")
        # after the merge: the pages it freed take the drop's rows (else they stay free in the file)
        self.db.executemany(f"INSERT INTO {table}_recent VALUES (?, ?)", rows)

    def _big_drop(self) -> bool:
        """Whether this drop (its documents inserted) holds at least ``1/WHOLE_MERGE_SHARE``
        of the documents the index held before it."""
        before = self._documents_before
        return (self._last_row() - before) * WHOLE_MERGE_SHARE >= before

    def _merge_slice(self) -> int:
        """The slice this drop merges (a counter in ``meta``, advanced once a drop)."""
        return int(self.db.execute("SELECT value FROM meta WHERE key='merge_slice'").fetchone()[0]) % MERGE_SLICES

    def advance_merge_slice(self) -> None:
        self.db.execute("UPDATE meta SET value=? WHERE key='merge_slice'", (str((self._merge_slice() + 1) % MERGE_SLICES),))

    def delete_keys(self, docs_sql: str, params: tuple) -> None:
        """Rows of the documents ``docs_sql`` selects out of both levels of every key table."""
        for table in LEVELLED:
            for level in (table, f"{table}_recent"):
                self.db.execute(f"DELETE FROM {level} WHERE doc IN {docs_sql}", params)

    def update_documents(self, seq: int, updates: Sequence[tuple[int, str, str, str, float]]) -> None:
        """Earlier documents changed by drop ``seq`` (id, status, cluster_id, canonical_id,
        similarity); their previous values go to ``undo``."""
        for doc, status, cid, canon, sim in updates:
            self.db.execute("INSERT INTO undo SELECT ?, id, status, cluster_id, canonical_id, similarity "
                            "FROM documents WHERE id=?", (seq, doc))
            self.db.execute("UPDATE documents SET status=?, cluster_id=?, canonical_id=?, similarity=? WHERE id=?",
                            (status, cid, canon, sim, doc))

    def insert_merges(self, seq: int, merges: Iterable[tuple[str, str]]) -> None:
        self.db.executemany("INSERT INTO merges VALUES (?, ?, ?)", ((seq, old, new) for old, new in merges))

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def close(self) -> None:
        try:
            self.rollback()
        finally:
            self.db.close()
