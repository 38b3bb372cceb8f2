"""Inputs → records: files, directories and DataFrames, with doc ids and rejects.

Formats (each optionally gzipped, ``.gz``): ``.txt`` (one plain-text article),
``.html``/``.htm`` (one page), ``.jsonl`` (one record per line), ``.csv`` and
``.parquet`` (one record per row). Records carry ``text`` or ``html`` and
optionally ``id``, ``url``, ``title``, ``date``.

Doc ids: the record's ``id`` where given; otherwise the file's path relative to
the INPUT directory without its extensions (a file given directly: its name
without extensions); a row without ``id`` in a multi-record file gets
``<file id>:<row number>`` (1-based; for JSONL the line number). A clashing id
rejects the later record, naming both sources.

Nothing here raises on bad input: an unreadable file, line or row becomes a
:class:`Record` with ``error`` set, and reading goes on. Decompression is bounded
(``Config.max_file_bytes``, ``Config.max_record_bytes``) and nothing is fetched.

>>> import pandas as pd
>>> [r.doc_id for r in read_inputs(pd.DataFrame({"text": ["a", "b"]}))]
['dataframe:1', 'dataframe:2']
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import math
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from .config import DEFAULT, Config
from .records import Record

log = logging.getLogger(__name__)

TEXT_EXTS = (".txt", ".text")
HTML_EXTS = (".html", ".htm", ".xhtml")
TABLE_EXTS = (".jsonl", ".ndjson", ".csv", ".parquet")
SUPPORTED = TEXT_EXTS + HTML_EXTS + TABLE_EXTS
FIELDS = ("id", "text", "html", "url", "title", "date")

Input = str | os.PathLike[str] | pd.DataFrame


class InputTooLarge(Exception):
    pass


# --------------------------------------------------------------------------- entry point


def read_inputs(inputs: Input | Iterable[Input], config: Config = DEFAULT) -> Iterator[Record]:
    """Every record of ``inputs`` (paths, DataFrames, or a list of them), ids unique.

    Order: inputs in the order given, directories walked in sorted order.
    """
    if isinstance(inputs, (str, os.PathLike, pd.DataFrame)):
        inputs = [inputs]
    seen: dict[str, str] = {}
    for item in inputs:
        records = (_read_frame(item, "dataframe", "dataframe", config) if isinstance(item, pd.DataFrame)
                   else _read_path(Path(item), config))
        for record in records:
            first = seen.get(record.doc_id)
            if first is not None:
                yield _clash(record, first)
                continue
            seen[record.doc_id] = record.source
            yield record


def _clash(record: Record, first_source: str) -> Record:
    """The later of two records with one id: rejected, keyed by its source so both appear."""
    return Record(doc_id=f"{record.doc_id}@{record.source}", source=record.source,
                  error=f"duplicate id {record.doc_id!r}: already used by {first_source}")


def list_files(path: Path) -> list[tuple[Path, str]]:
    """(file, file id) for a file or every non-hidden file under a directory, sorted."""
    if path.is_dir():
        files = [p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path))]
        files.sort(key=lambda p: p.relative_to(path).as_posix())
        return [(p, strip_extensions(p.relative_to(path).as_posix())) for p in files]
    return [(path, strip_extensions(path.name))]


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def strip_extensions(name: str) -> str:
    """``html/ab12.html.gz`` → ``html/ab12``: drop ``.gz`` and one known format extension."""
    lower = name.lower()
    if lower.endswith(".gz"):
        name, lower = name[:-3], lower[:-3]
    for ext in SUPPORTED:
        if lower.endswith(ext):
            return name[: -len(ext)]
    return name


def file_format(path: Path) -> str | None:
    lower = path.name.lower().removesuffix(".gz")
    for ext in SUPPORTED:
        if lower.endswith(ext):
            return ext
    return None


def _read_path(path: Path, config: Config) -> Iterator[Record]:
    if not path.exists():
        yield Record(doc_id=strip_extensions(path.name), source=str(path), error="no such file or directory")
        return
    for file, file_id in list_files(path):
        yield from read_file(file, file_id, config)


def read_file(path: Path, file_id: str, config: Config = DEFAULT) -> Iterator[Record]:
    """The records of one file; every problem becomes a rejected record."""
    source = str(path)
    ext = file_format(path)
    if ext is None:
        yield Record(doc_id=file_id, source=source, error=f"unsupported file type {path.suffix or '(none)'!r}")
        return
    try:
        if ext in TEXT_EXTS or ext in HTML_EXTS:
            yield _read_single(path, file_id, ext in HTML_EXTS, config)
        elif ext in (".jsonl", ".ndjson"):
            yield from _read_jsonl(path, file_id, config)
        elif ext == ".csv":
            yield from _read_csv(path, file_id, config)
        else:
            yield from _read_parquet(path, file_id, config)
    except OSError as exc:  # unreadable file: permissions, a directory race, ...
        yield Record(doc_id=file_id, source=source, error=f"unreadable: {exc}")


# --------------------------------------------------------------------------- bounded I/O


def _open_bounded(path: Path, limit: int) -> io.BufferedIOBase:
    raw = open(path, "rb")
    if path.name.lower().endswith(".gz"):
        return _Bounded(gzip.GzipFile(fileobj=raw, mode="rb"), limit, raw)
    return _Bounded(raw, limit, None)


class _Bounded(io.RawIOBase):
    """A read-only stream that raises :class:`InputTooLarge` past ``limit`` bytes."""

    def __init__(self, inner, limit: int, owner) -> None:
        self._inner, self._limit, self._owner, self._count = inner, limit, owner, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._inner.readinto(buffer)
        self._count += n
        if self._count > self._limit:
            raise InputTooLarge(f"larger than {self._limit:,} bytes after decompression")
        return n

    def close(self) -> None:
        self._inner.close()
        if self._owner is not None:
            self._owner.close()
        super().close()


def _read_all(path: Path, limit: int) -> bytes:
    with io.BufferedReader(_open_bounded(path, limit)) as fh:
        return fh.read()


_STREAM_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, InputTooLarge)


def _stream_error(exc: BaseException) -> str:
    if isinstance(exc, InputTooLarge):
        return str(exc)
    if isinstance(exc, EOFError):
        return "truncated gzip: compressed data ended early"
    return f"corrupt gzip: {exc}"


# --------------------------------------------------------------------------- decoding


def decode(data: bytes) -> str:
    """Bytes of a text or HTML file → str. Raises ``ValueError`` for binary or undecodable data."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:65536]:
        raise ValueError("binary content (NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    from charset_normalizer import from_bytes  # only for the rare non-UTF-8 file

    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.encoding is None:
        raise ValueError(f"undecodable: not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
                         "and no other encoding fits")
    text = data.decode(best.encoding, errors="replace")
    if _control_share(text) > 0.05:
        raise ValueError("binary content (control characters)")
    return text


def _control_share(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / len(sample)


def _read_single(path: Path, file_id: str, is_html: bool, config: Config) -> Record:
    source = str(path)
    limit = min(config.max_record_bytes, config.max_file_bytes)
    try:
        text = decode(_read_all(path, limit))
    except _STREAM_ERRORS as exc:
        return Record(doc_id=file_id, source=source, error=_stream_error(exc))
    except ValueError as exc:
        return Record(doc_id=file_id, source=source, error=str(exc))
    if is_html:
        return Record(doc_id=file_id, source=source, html=text)
    return Record(doc_id=file_id, source=source, text=text)


# --------------------------------------------------------------------------- multi-record files


def make_record(row: dict[str, Any], file_id: str, source: str, row_number: int, config: Config) -> Record:
    """A record from a row of a JSONL/CSV/Parquet file or a DataFrame."""
    rid = _clean_value(row.get("id"))
    doc_id = rid if rid is not None else f"{file_id}:{row_number}"
    where = f"{source}:{row_number}"
    meta = {k: _clean_value(row.get(k)) for k in ("url", "title", "date")}
    html, text = _clean_value(row.get("html")), _clean_value(row.get("text"))
    for name, value in (("html", row.get("html")), ("text", row.get("text"))):
        if value is not None and not isinstance(value, str) and not _missing(value):
            return Record(doc_id=doc_id, source=where, error=f"field {name!r} is {type(value).__name__}, not text")
    body = html if html is not None else text
    if body is None:
        return Record(doc_id=doc_id, source=where, error="no 'text' or 'html' field", **meta)
    if _has_surrogates(body):
        return Record(doc_id=doc_id, source=where, error="undecodable: invalid UTF-8 bytes", **meta)
    if len(body.encode("utf-8", "surrogatepass")) > config.max_record_bytes:
        return Record(doc_id=doc_id, source=where, error=f"record larger than {config.max_record_bytes:,} bytes", **meta)
    if html is not None:
        return Record(doc_id=doc_id, source=where, html=html, **meta)
    return Record(doc_id=doc_id, source=where, text=text, **meta)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _clean_value(value: Any) -> str | None:
    """A field as a non-empty string, or None. Numbers (ids in CSV) become their text."""
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, str):
        if isinstance(value, (bytes, dict, list)):
            return None
        value = str(value)
    value = value.strip()
    return value or None


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_jsonl(path: Path, file_id: str, config: Config) -> Iterator[Record]:
    source = str(path)
    line_no = 0
    try:
        with io.BufferedReader(_open_bounded(path, config.max_file_bytes)) as fh:
            while True:
                line = fh.readline(config.max_record_bytes + 1)
                if not line:
                    return
                line_no += 1
                if len(line) > config.max_record_bytes and not line.endswith(b"\n"):
                    yield Record(doc_id=f"{file_id}:{line_no}", source=f"{source}:{line_no}",
                                 error=f"line longer than {config.max_record_bytes:,} bytes")
                    while line and not line.endswith(b"\n"):  # skip the rest of the long line
                        line = fh.readline(config.max_record_bytes + 1)
                    continue
                if not line.strip():
                    continue
                yield _jsonl_record(line, file_id, source, line_no, config)
    except _STREAM_ERRORS as exc:
        yield Record(doc_id=f"{file_id}:{line_no + 1}", source=f"{source}:{line_no + 1}",
                     error=f"{_stream_error(exc)}; no records read past line {line_no}")


def _jsonl_record(line: bytes, file_id: str, source: str, line_no: int, config: Config) -> Record:
    where = f"{source}:{line_no}"
    try:
        obj = json.loads(line.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return Record(doc_id=f"{file_id}:{line_no}", source=where, error=f"undecodable: {exc.reason} at byte {exc.start}")
    except json.JSONDecodeError as exc:
        return Record(doc_id=f"{file_id}:{line_no}", source=where, error=f"malformed JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(obj, dict):
        return Record(doc_id=f"{file_id}:{line_no}", source=where, error=f"JSON line is a {type(obj).__name__}, not an object")
    return make_record(obj, file_id, source, line_no, config)


def _read_csv(path: Path, file_id: str, config: Config) -> Iterator[Record]:
    source = str(path)
    csv.field_size_limit(max(config.max_record_bytes, 131072))
    row_no = 0
    try:
        with io.TextIOWrapper(io.BufferedReader(_open_bounded(path, config.max_file_bytes)),
                              encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                yield Record(doc_id=file_id, source=source, error="empty CSV file")
                return
            header = [h.strip().lower() for h in header]
            if not {"text", "html"} & set(header):
                yield Record(doc_id=file_id, source=source, error="CSV header has no 'text' or 'html' column")
                return
            for row in reader:
                row_no += 1
                if not row:
                    continue
                if len(row) != len(header):
                    yield Record(doc_id=f"{file_id}:{row_no}", source=f"{source}:{row_no}",
                                 error=f"malformed CSV row: {len(row)} fields, header has {len(header)}")
                    continue
                yield make_record(dict(zip(header, row)), file_id, source, row_no, config)
    except csv.Error as exc:
        yield Record(doc_id=f"{file_id}:{row_no + 1}", source=f"{source}:{row_no + 1}",
                     error=f"malformed CSV: {exc}; no records read past row {row_no}")
    except _STREAM_ERRORS as exc:
        yield Record(doc_id=f"{file_id}:{row_no + 1}", source=f"{source}:{row_no + 1}",
                     error=f"{_stream_error(exc)}; no records read past row {row_no}")


def _read_parquet(path: Path, file_id: str, config: Config) -> Iterator[Record]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = str(path)
    row_no = 0
    try:
        if path.name.lower().endswith(".gz"):
            handle = io.BytesIO(_read_all(path, config.max_file_bytes))
        else:
            handle = path
        pf = pq.ParquetFile(handle)
        columns = [c for c in pf.schema_arrow.names if c.lower() in FIELDS]
        if not {"text", "html"} & {c.lower() for c in columns}:
            yield Record(doc_id=file_id, source=source, error="Parquet file has no 'text' or 'html' column")
            return
        for batch in pf.iter_batches(batch_size=1024, columns=columns):
            for row in batch.to_pylist():
                row_no += 1
                yield make_record({k.lower(): v for k, v in row.items()}, file_id, source, row_no, config)
    except (pa.ArrowException, ValueError, *_STREAM_ERRORS) as exc:
        error = _stream_error(exc) if isinstance(exc, _STREAM_ERRORS) else f"unreadable Parquet: {exc}"
        yield Record(doc_id=f"{file_id}:{row_no + 1}" if row_no else file_id, source=source,
                     error=error + (f"; no records read past row {row_no}" if row_no else ""))


def _read_frame(df: pd.DataFrame, file_id: str, source: str, config: Config) -> Iterator[Record]:
    cols = {c: str(c).lower() for c in df.columns}
    if not {"text", "html"} & set(cols.values()):
        raise ValueError("the DataFrame needs a 'text' or 'html' column")
    frame = df.rename(columns=cols)
    keep = [c for c in FIELDS if c in frame.columns]
    for row_no, row in enumerate(frame[keep].itertuples(index=False, name=None), start=1):
        yield make_record(dict(zip(keep, row)), file_id, source, row_no, config)
