"""Inputs → records: files, directories and DataFrames, with doc ids and rejects.

Formats (each optionally compressed: ``.gz``, ``.bz2``, ``.xz`` or ``.zst``): ``.txt`` (one plain-text article),
``.html``/``.htm`` (one page), ``.jsonl`` (one record per line), ``.csv`` and
``.parquet`` (one record per row), ``.warc`` (one record per HTML response: see
:mod:`newsdedup.warc`). Records carry ``text`` or ``html`` and optionally ``id``,
``url``, ``title``, ``date``.

Doc ids: the record's ``id`` where given; otherwise the file's path without its
extensions, relative to the input directory (with several input directories:
relative to their common parent, so ``html/x.html.gz`` and ``text/x.txt`` stay
apart); a file given directly is named by its name without extensions. A row
without ``id`` in a multi-record file gets ``<file id>:<row number>`` (1-based;
for JSONL the line number). DataFrames are ``dataframe``, ``dataframe-2``, ... in
the order given. A clashing id rejects the later record under the id
``<id>@<source>`` (``#2``, ``#3``, ... appended until unused), naming both sources.

Directories: hidden entries, the run's own output directory (``Config.out``) and
any directory holding a newsdedup run (a ``.newsdedup-run`` marker) are skipped;
symbolic links leading out of the input directory, broken links, non-regular
files (FIFOs, devices) and unreadable directories become rejected rows.

Nothing here raises on bad input: an unreadable file, line or row becomes a
:class:`Record` with ``error`` set, and reading goes on. Decompression and work
are bounded (``Config.max_file_bytes``, ``Config.max_record_bytes``, at most
``MAX_BLANK_LINES`` consecutive blank lines) and nothing is fetched.

>>> import pandas as pd
>>> [r.doc_id for r in read_inputs(pd.DataFrame({"text": ["a", "b"]}))]
['dataframe:1', 'dataframe:2']
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import io
import json
import logging
import math
import os
import re
import shutil
import stat
import sys
import tempfile
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Union

from .config import DEFAULT, Config, field_names
from . import warc
from .archives import ARCHIVES, archive_kind, read_archive
from .compression import CompressedDataError, Decompressed, compression_of
from .outdir import is_output_directory
from .records import Record
from .spool import Spooled

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

TEXT_EXTS = (".txt", ".text")
HTML_EXTS = (".html", ".htm", ".xhtml")
TABLE_EXTS = (".jsonl", ".ndjson", ".json", ".csv", ".parquet")
SUPPORTED = TEXT_EXTS + HTML_EXTS + TABLE_EXTS + warc.EXTS
ID_FIELDS = ("id", "doc_id")  # doc_id: the name newsdedup's own tables give the id; "id" wins when both are set
FIELDS = (*ID_FIELDS, "text", "html", "url", "title", "date")
MAX_BLANK_LINES = 100_000  # consecutive blank lines in a JSONL or CSV file before the rest is rejected
BLOCK = 1 << 20


@functools.lru_cache(maxsize=8)
def input_names(spec: str) -> dict[str, str]:
    """Input name → field for the ``fields`` setting ``spec``: each field under its own name
    (``doc_id`` as an id too), except a field ``spec`` names, which is read from that name only.

    >>> input_names("text=body")["body"], "text" in input_names("text=body")
    ('text', False)
    """
    named = field_names(spec)
    names = {name: name for name in FIELDS if ("id" if name in ID_FIELDS else name) not in named}
    names.update({name: field for field, name in named.items()})
    return names


def _input_name(field: str, config: Config) -> str:
    """What the input calls ``field`` (for messages)."""
    return field_names(config.fields).get(field, field)


def _as_row(obj: dict[str, Any], config: Config) -> dict[str, Any]:
    """A JSON object's keys as the fields they hold (as they are without ``config.fields``).
    A name with dots that is not a key is a path into nested objects (``headline.main``)."""
    if not config.fields:
        return obj
    names = input_names(config.fields)
    row = {names[key]: value for key, value in obj.items() if key in names}
    for name, field in names.items():
        if field not in row and "." in name:
            value = _nested(obj, name.split("."))
            if value is not None:
                row[field] = value
    return row


def _nested(obj: Any, path: list[str]) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _as_fields(columns: list[str], config: Config) -> list[str]:
    """Table columns (lower-cased) as the fields they hold; "" for a column no field reads."""
    names = {name.lower(): field for name, field in input_names(config.fields).items()}
    return [names.get(column.lower(), "") for column in columns]


def _no_body_columns(kind: str, columns: list[str], config: Config) -> str:
    """Why a table yields no records: neither text nor html is among its columns."""
    wanted = f"{_input_name('text', config)!r} or {_input_name('html', config)!r}"
    shown = ", ".join(repr(c) for c in columns[:12]) + (", ..." if len(columns) > 12 else "")
    return f"{kind} has no {wanted} column (its columns: {shown or 'none'}; --fields text=NAME reads another)"


Input = Union[str, "os.PathLike[str]", "pd.DataFrame"]


def is_frame(item: object) -> bool:
    """Whether ``item`` is a pandas DataFrame. pandas is not imported to ask (0.23 s of a
    run's start): a caller holding a DataFrame has imported it (whole: while a thread is
    still importing it, nobody holds a DataFrame)."""
    frame = getattr(sys.modules.get("pandas"), "DataFrame", None)  # None while pandas is still importing
    return frame is not None and isinstance(item, frame)


def is_one_input(inputs: object) -> bool:
    """Whether ``inputs`` is one input (a path or a DataFrame), not a list of them."""
    return isinstance(inputs, (str, os.PathLike)) or is_frame(inputs)


def is_dask_frame(item: object) -> bool:
    """A Dask DataFrame (told without importing Dask)."""
    return type(item).__module__.split(".")[0] == "dask" and hasattr(item, "npartitions") and hasattr(item, "to_delayed")


class InputTooLarge(Exception):
    pass


class TooManyBlankLines(Exception):
    pass


# --------------------------------------------------------------------------- entry point


def read_inputs(inputs: Input | Iterable[Input], config: Config = DEFAULT,
                skipped: Counter | None = None) -> Iterator[Record]:
    """Every record of ``inputs`` (paths, DataFrames, or a list of them), ids unique.

    Order: inputs in the order given, directories walked in sorted order. ``skipped``
    counts, by kind, what input files hold besides records (a WARC's requests, ...).
    """
    if is_one_input(inputs):
        inputs = [inputs]
    inputs = list(inputs)
    base = id_base(inputs)
    if base is not None:
        log.info("ids of files in the input directories are relative to %s", base)
    ids = _UniqueIds()
    frames = 0
    for item in inputs:
        if is_frame(item):
            frames += 1
            name = "dataframe" if frames == 1 else f"dataframe-{frames}"
            records = _read_frame(item, name, name, config)
        elif isinstance(item, Spooled):
            records = _read_spooled(item, config, skipped)
        else:
            records = _read_path(Path(item), base, config, skipped)
        for record in records:
            yield ids.claim(record)


def _read_spooled(spooled: Spooled, config: Config, skipped: Counter | None) -> Iterator[Record]:
    if spooled.error is not None:
        yield Record(doc_id=spooled.file_id, source=spooled.shown, error=spooled.error)
        return
    yield from shown_as(read_file(spooled.path, spooled.file_id, config, skipped), spooled.path, spooled.shown)


def shown_as(records: Iterable[Record], path: Path, shown: str) -> Iterator[Record]:
    """``records`` read from ``path`` (a copy), their sources and errors naming ``shown`` instead."""
    copy = str(path)
    for record in records:
        record.source = record.source.replace(copy, shown, 1)
        if record.error:
            record.error = record.error.replace(copy, shown)
        yield record


class _UniqueIds:
    """Hands out each doc id once; a clash rejects the later record under an unused id."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def claim(self, record: Record) -> Record:
        first = self.seen.get(record.doc_id)
        if first is not None:
            record = _clash(record, first, self.seen)
        self.seen[record.doc_id] = record.source
        return record

    def clash_of(self, doc_id: str, source: str) -> Record | None:
        """:meth:`claim` of a record known by its id and source: None when the id was free
        (no record made: a runner settles every id of a corpus this way), else the
        record rejected under an unused id."""
        if doc_id not in self.seen:
            self.seen[doc_id] = source
            return None
        return self.claim(Record(doc_id=doc_id, source=source))


def _clash(record: Record, first_source: str, taken: dict[str, str]) -> Record:
    """The later of two records with one id: rejected, keyed by its source so both appear.
    A record that was rejected already keeps its own error, which says what to fix first."""
    doc_id = f"{record.doc_id}@{record.source}"
    n = 1
    while (doc_id if n == 1 else f"{doc_id}#{n}") in taken:
        n += 1
    clash = f"id {record.doc_id!r} already used by {first_source}"
    error = f"{record.error}; and {clash}" if record.error else f"duplicate {clash}"
    return Record(doc_id=doc_id if n == 1 else f"{doc_id}#{n}", source=record.source, error=error)


def id_base(inputs: list[Input]) -> Path | None:
    """The folder that ids of files in input directories are relative to: the common parent
    of two or more distinct input directories (None: each directory is its own base)."""
    dirs = sorted({os.path.abspath(item) for item in inputs
                   if not is_frame(item) and os.path.isdir(item)})
    if len(dirs) < 2:
        return None
    return Path(os.path.commonpath(dirs))


# --------------------------------------------------------------------------- walking directories


@dataclass(frozen=True)
class Entry:
    """A file to read, or (``error`` set) a path to report as a rejected row."""

    path: Path
    file_id: str
    error: str | None = None


def list_files(path: Path, config: Config = DEFAULT, base: Path | None = None) -> list[Entry]:
    """The files under ``path`` (or ``path`` itself), sorted by id, with rejects for links that
    leave the tree, non-regular files and unreadable directories. Ids are relative to
    ``base`` (default: ``path``) without extensions."""
    if not path.is_dir():
        return [Entry(path, strip_extensions(path.name), _not_regular(path))]
    base = Path(os.path.abspath(base or path))
    root = Path(os.path.abspath(path))
    if _skipped_dir(root, config):
        return []
    walk = _Walk(root.resolve(), base, config)
    walk.scan(root)
    return sorted(walk.entries, key=lambda e: e.path.as_posix())


class _Walk:
    def __init__(self, tree: Path, base: Path, config: Config) -> None:
        self.tree, self.base, self.config = tree, base, config
        self.entries: list[Entry] = []
        self.visited = {tree}

    def _id(self, path: Path) -> str:
        return strip_extensions(path.relative_to(self.base).as_posix())

    def scan(self, folder: Path) -> None:
        try:
            with os.scandir(folder) as it:
                children = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.entries.append(Entry(folder, self._id(folder), f"unreadable directory: {exc.strerror or exc}"))
            return
        for child in children:
            if not child.name.startswith("."):
                self.visit(Path(child.path), child.is_symlink())

    def visit(self, path: Path, is_link: bool) -> None:
        if is_link:
            target = path.resolve()
            if not target.exists():
                self.entries.append(Entry(path, self._id(path), f"broken symlink: {path} -> {os.readlink(path)}"))
                return
            inside = target == self.tree or self.tree in target.parents
            if not inside and not self.config.follow_symlinks:
                self.entries.append(Entry(path, self._id(path), f"symlink leaves the input tree: {path} -> {target}"))
                return
            if target.is_dir() and (inside or target in self.visited):
                log.info("not following %s -> %s: its files are read under their own path", path, target)
                return
        if path.is_dir():
            if _skipped_dir(path, self.config):
                return
            self.visited.add(path.resolve())
            self.scan(path)
        else:
            self.entries.append(Entry(path, self._id(path), _not_regular(path)))


def _skipped_dir(folder: Path, config: Config) -> bool:
    """The run's own output directory, or one holding a newsdedup run, is never read."""
    try:
        is_out = folder.resolve() == Path(config.out).resolve()
    except OSError:
        is_out = False
    if is_out or is_output_directory(folder):
        log.info("skipping %s: it holds newsdedup output", folder)
        return True
    return False


def _not_regular(path: Path) -> str | None:
    """Why ``path`` is not a readable regular file (checked without opening it), or None."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # reported when it is read
    if stat.S_ISREG(mode):
        return None
    kind = ("FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
            else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file")
    return f"not a regular file ({kind})"


def strip_extensions(name: str) -> str:
    """``html/ab12.html.gz`` → ``html/ab12``: drop a compression suffix and one known format extension."""
    packed = compression_of(name)
    if packed:
        name = name[: -len(packed)]
    lower = name.lower()
    for ext in SUPPORTED + ARCHIVES:
        if lower.endswith(ext):
            return name[: -len(ext)]
    return name


def file_format(path: Path) -> str | None:
    lower = path.name.lower().removesuffix(compression_of(path.name) or "")
    for ext in SUPPORTED:
        if lower.endswith(ext):
            return ext
    return None


def _read_path(path: Path, base: Path | None, config: Config, skipped: Counter | None = None) -> Iterator[Record]:
    for item in path_entries(path, base, config):
        if isinstance(item, Record):
            yield item
        else:
            yield from read_file(item.path, item.file_id, config, skipped)


def path_entries(path: Path, base: Path | None, config: Config = DEFAULT) -> list[Entry | Record]:
    """What reading the input ``path`` reads, in order: its files to read, and a rejected
    record for each path that cannot be (a runner that reads files elsewhere plans with this)."""
    if not path.exists():
        return [Record(doc_id=strip_extensions(path.name), source=str(path), error="no such file or directory")]
    try:
        entries = list_files(path, config, base)
    except Exception as exc:  # noqa: BLE001 - a walk that fails is one rejected input, not a crash
        return [Record(doc_id=strip_extensions(path.name), source=str(path), error=f"unreadable input: {_describe(exc)}")]
    return [Record(doc_id=e.file_id, source=str(e.path), error=e.error) if e.error is not None else e for e in entries]


def read_file(path: Path, file_id: str, config: Config = DEFAULT, skipped: Counter | None = None) -> Iterator[Record]:
    """The records of one file; every problem becomes a rejected record (``skipped``: see
    :func:`read_inputs`)."""
    source = str(path)
    ext = file_format(path)
    if ext is None and not archive_kind(path.name):
        if not holds_html_page(path, config):
            yield Record(doc_id=file_id, source=source, error=f"unsupported file type {path.suffix or '(none)'!r}")
            return
        ext = ".html"  # a mirrored site's page saved under its URL's name: story.php, index.html?p=2, 2024/story
    not_regular = _not_regular(path)
    if not_regular:
        yield Record(doc_id=file_id, source=source, error=not_regular)
        return
    if ext is None:
        yield from read_archive(path, file_id, config, skipped)
        return
    count = 0
    try:
        for record in _read_format(path, file_id, ext, config, skipped):
            count += 1
            yield record
    except OSError as exc:  # unreadable file: permissions, a directory race, ...
        yield Record(doc_id=file_id if not count else f"{file_id}:{count + 1}", source=source,
                     error=f"unreadable: {exc}" + (f"; no records read after {count}" if count else ""))
    except Exception as exc:  # noqa: BLE001 - a reader bug must cost this file's rest, not the run
        yield Record(doc_id=file_id if not count else f"{file_id}:{count + 1}", source=source,
                     error=f"reading stopped: {_describe(exc)}" + (f"; no records read after {count}" if count else ""))


def _read_format(path: Path, file_id: str, ext: str, config: Config, skipped: Counter | None) -> Iterator[Record]:
    if ext in TEXT_EXTS or ext in HTML_EXTS:
        yield _read_single(path, file_id, ext in HTML_EXTS, config)
    elif ext in (".jsonl", ".ndjson"):
        yield from _read_jsonl(path, file_id, config)
    elif ext == ".json":
        yield from _read_json(path, file_id, config)
    elif ext == ".csv":
        yield from _read_csv(path, file_id, config)
    elif ext in warc.EXTS:
        with _open_bounded(path, config.max_file_bytes) as fh:  # unbuffered: a break loses nothing before it
            yield from warc.read_warc(fh, file_id, str(path), config, skipped)
    else:
        yield from _read_parquet(path, file_id, config)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _guarded(build: Callable[[], Record], doc_id: str, where: str) -> Record:
    """``build()``, or a reject of that one record if it fails in any way."""
    try:
        return build()
    except Exception as exc:  # noqa: BLE001 - any failure on one record rejects that record only
        return _unreadable(doc_id, where, exc)


def _unreadable(doc_id: str, where: str, exc: Exception) -> Record:
    return Record(doc_id=doc_id, source=where, error=f"unreadable record: {_describe(exc)}")


# --------------------------------------------------------------------------- bounded I/O


def _open_bounded(path: Path, limit: int, packed: str | None = None) -> io.BufferedIOBase:
    """``path``'s data, decompressed as its name says (or as ``packed``, a suffix of
    :data:`COMPRESSIONS`), raising :class:`InputTooLarge` past ``limit`` bytes."""
    raw = open(path, "rb")
    packed = packed or compression_of(path.name)
    if packed == ".gz":
        return _Bounded(gzip.GzipFile(fileobj=raw, mode="rb"), limit, raw)
    if packed:
        return _Bounded(Decompressed(raw, packed), limit, raw)
    return _Bounded(raw, limit, None)


class _Bounded(io.RawIOBase):
    """A read-only stream that raises :class:`InputTooLarge` past ``limit`` bytes."""

    def __init__(self, inner, limit: int, owner) -> None:
        self._inner, self._limit, self._owner, self._count = inner, limit, owner, 0
        # one decompressed piece at a time: what precedes a truncated or corrupt end is kept
        self._readinto = getattr(inner, "readinto1", inner.readinto)
        self.error: Exception | None = None  # what ended the stream early, for a reader that hides it

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            n = self._readinto(buffer)
        except _STREAM_ERRORS as exc:
            self.error = exc
            raise
        self._count += n
        if self._count > self._limit:
            self.error = InputTooLarge(f"larger than {self._limit:,} bytes after decompression")
            raise self.error
        return n

    def close(self) -> None:
        self._inner.close()
        if self._owner is not None:
            self._owner.close()
        super().close()


def copy_bounded(source: io.BufferedIOBase, target: io.BufferedIOBase, limit: int) -> bool:
    """``source`` copied to ``target`` a block at a time; False, having copied one byte past
    ``limit``, when ``source`` holds more than ``limit`` bytes."""
    copied = 0
    while copied <= limit:
        block = source.read(min(BLOCK, limit + 1 - copied))
        if not block:
            return True
        target.write(block)
        copied += len(block)
    return False


def _read_all(path: Path, limit: int) -> bytes:
    with io.BufferedReader(_open_bounded(path, limit)) as fh:
        return fh.read()


_STREAM_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, CompressedDataError, InputTooLarge, TooManyBlankLines)


def describe_failure(exc: BaseException) -> str:
    """What stopped reading a file, in words."""
    return _stream_error(exc) if isinstance(exc, _STREAM_ERRORS) else _describe(exc)


def _stream_error(exc: BaseException) -> str:
    if isinstance(exc, (InputTooLarge, TooManyBlankLines, CompressedDataError)):
        return str(exc)
    if isinstance(exc, EOFError):
        return "truncated gzip: compressed data ended early"
    return f"corrupt gzip: {exc}"


LINE, BLANK, LONG = "line", "blank", "long"
_BLANK_RUN = re.compile(rb"[ \t\r\f\v\n]*\n")  # whole blank lines (a repeated group is 100x slower)


def _lines(fh: io.BufferedIOBase, max_line: int, first_line: int = 1) -> Iterator[tuple[int, str, bytes, int]]:
    """(first line number, kind, bytes, quote count) of a stream read in large blocks.

    ``LINE``: one line with its newline; ``BLANK``: a run of whitespace-only lines (matched
    by a regex, never line by line); ``LONG``: a line over ``max_line`` bytes, of which only
    the start is kept (the quote count covers the whole line, for CSV). More than
    ``MAX_BLANK_LINES`` blank lines in a row raise :class:`TooManyBlankLines`.
    """
    buf, pos, line_no, blank_run, eof = b"", 0, first_line, 0, False
    while True:
        m = _BLANK_RUN.match(buf, pos)
        if m is not None:
            n = buf.count(b"\n", pos, m.end())
            blank_run += n
            if blank_run > MAX_BLANK_LINES:
                raise TooManyBlankLines(f"more than {MAX_BLANK_LINES:,} blank lines in a row from line "
                                        f"{line_no + n - blank_run}")
            yield line_no, BLANK, buf[pos:m.end()], 0
            line_no, pos = line_no + n, m.end()
            continue
        end = buf.find(b"\n", pos)
        if end >= 0 or (eof and pos < len(buf)):
            stop = end + 1 if end >= 0 else len(buf)
            if stop - pos > max_line:
                yield line_no, LONG, buf[pos:pos + max_line], buf.count(b'"', pos, stop)
            else:
                yield line_no, LINE, buf[pos:stop], 0
            line_no, pos, blank_run = line_no + 1, stop, 0
            continue
        if eof:
            return
        if len(buf) - pos > max_line:  # a long line: keep its start, count its quotes, drop the rest
            head, quotes = buf[pos:pos + max_line], buf.count(b'"', pos)
            buf, pos, eof, more = _rest_of_line(fh)
            yield line_no, LONG, head, quotes + more
            line_no, blank_run = line_no + 1, 0
            continue
        block = fh.read1(max(BLOCK, len(buf) - pos))  # doubling: a long line costs linear time
        eof = not block
        buf, pos = buf[pos:] + block, 0


def _rest_of_line(fh: io.BufferedIOBase) -> tuple[bytes, int, bool, int]:
    """Read past the next newline: (what follows it, 0, end of file?, quotes skipped)."""
    quotes = 0
    while True:
        block = fh.read1(BLOCK)
        if not block:
            return b"", 0, True, quotes
        end = block.find(b"\n")
        if end >= 0:
            return block[end + 1:], 0, False, quotes + block.count(b'"', 0, end)
        quotes += block.count(b'"')


# --------------------------------------------------------------------------- decoding


def decode(data: bytes) -> str:
    """Bytes of a text or HTML file → str. Raises ``ValueError`` for binary or undecodable data."""
    return decode_noted(data)[0]


def decode_noted(data: bytes) -> tuple[str, str | None]:
    """:func:`decode`, and a note when invalid UTF-8 bytes were replaced (None otherwise).

    UTF-8 (a BOM is dropped) wherever it fits; a text that is overwhelmingly UTF-8 (at least
    twice as many valid multi-byte characters as invalid sequences) keeps UTF-8 with the bad
    bytes replaced by U+FFFD; only then is the charset guessed (Latin-1, cp1252, ...).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), None
    if b"\x00" in data[:65536]:
        raise ValueError("binary content (NUL bytes)")
    encoding, note = choose_encoding(data)
    text = data.decode(encoding, errors="replace")
    if encoding != "utf-8-sig" and _control_share(text) > 0.05:
        raise ValueError("binary content (control characters)")
    return text, note


def choose_encoding(data: bytes) -> tuple[str, str | None]:
    """The encoding to read ``data`` with, and a note if that is UTF-8 with bad bytes replaced."""
    try:
        data.decode("utf-8")
        return "utf-8-sig", None
    except UnicodeDecodeError as exc:
        utf8_error = exc
    bad, multibyte = _utf8_damage(data)
    if multibyte >= 2 * bad:
        return "utf-8-sig", _replaced_note(bad)
    from charset_normalizer import from_bytes  # only for the rare non-UTF-8 file

    matches = from_bytes(data[:1_000_000])
    best = matches.best()
    if best is not None and best.encoding != "cp1252":  # on a tie, the web's usual legacy encoding
        best = next((m for m in matches if m.encoding == "cp1252" and m.chaos <= best.chaos
                     and m.coherence >= best.coherence), best)
    if best is None or best.encoding is None:
        raise ValueError(f"undecodable: not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
                         "and no other encoding fits")
    return best.encoding, None


def _utf8_damage(data: bytes) -> tuple[int, int]:
    """(invalid UTF-8 sequences, valid multi-byte characters) of ``data``."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return bad, non_ascii - bad


def _replaced_note(bad: int) -> str:
    return f"invalid UTF-8: {bad:,} byte sequence{'s' if bad != 1 else ''} replaced with U+FFFD"


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
        text, note = decode_noted(_read_all(path, limit))
    except _STREAM_ERRORS as exc:
        return Record(doc_id=file_id, source=source, error=_stream_error(exc))
    except ValueError as exc:
        return Record(doc_id=file_id, source=source, error=str(exc))
    if not is_html and is_html_page(text):
        is_html, note = True, "; ".join(filter(None, [note, HTML_IN_TEXT.format(name="file")]))
    if note:
        log.warning("%s: %s", source, note)
    if is_html:
        return Record(doc_id=file_id, source=source, html=text, warning=note)
    return Record(doc_id=file_id, source=source, text=text, warning=note)


def holds_html_page(path: Path, config: Config = DEFAULT) -> bool:
    """Whether a regular file of no known format opens like an HTML page (see
    :func:`is_html_page`; its first 8 kB, decompressed if its name says so)."""
    if _not_regular(path):
        return False  # a FIFO or device would block or never end
    try:
        with io.BufferedReader(_open_bounded(path, config.max_file_bytes)) as fh:
            head = fh.read(8192)
    except Exception:  # noqa: BLE001 - unreadable: reported as an unsupported file
        return False
    return is_html_page(head.decode("utf-8", "replace"))


HTML_IN_TEXT = "the {name} holds an HTML page, not plain text: cleaned as HTML"
_HTML_PAGE = re.compile(r"\ufeff?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])",
                        re.IGNORECASE | re.DOTALL)


def is_html_page(text: str) -> bool:
    """Whether a text is a whole HTML document (a doctype or ``<html>`` tag first), as a
    scraper that stored the response's body as "text" leaves it.

    >>> is_html_page("<!DOCTYPE html><html><body>x</body></html>"), is_html_page("Tom <b> said")
    (True, False)
    """
    return _HTML_PAGE.match(text, 0, 8192) is not None


# --------------------------------------------------------------------------- multi-record files


def make_record(row: dict[str, Any], file_id: str, source: str, row_number: int, config: Config) -> Record:
    """A record from a row of a JSONL/CSV/Parquet file or a DataFrame."""
    rid = _row_id(row)
    doc_id = rid if rid is not None else f"{file_id}:{row_number}"
    where = f"{source}:{row_number}"
    meta = {k: _clean_value(row.get(k)) for k in ("url", "title", "date")}
    html, text = row.get("html"), row.get("text")
    if (html is None or type(html) is str) and (text is None or type(text) is str):  # nearly every row
        html, text = _clean_value(html), _clean_value(text)
    else:
        bodies = _bodies(row, config, meta)
        if isinstance(bodies, str):
            return Record(doc_id=doc_id, source=where, error=bodies)
        html, text = bodies
    body = html if html is not None else text
    if body is None:
        return Record(doc_id=doc_id, source=where, error=_no_body(row, config), **meta)
    if _has_surrogates(body):
        return Record(doc_id=doc_id, source=where, error="undecodable: invalid UTF-8 bytes", **meta)
    if len(body.encode("utf-8", "surrogatepass")) > config.max_record_bytes:
        return Record(doc_id=doc_id, source=where, error=f"record larger than {config.max_record_bytes:,} bytes", **meta)
    if html is not None:
        return Record(doc_id=doc_id, source=where, html=html, **meta)
    if is_html_page(text):
        note = HTML_IN_TEXT.format(name=f"field {_input_name('text', config)!r}")
        meta["warning"] = "; ".join(filter(None, [meta.get("warning"), note]))
        return Record(doc_id=doc_id, source=where, html=text, **meta)
    return Record(doc_id=doc_id, source=where, text=text, **meta)


def _bodies(row: dict[str, Any], config: Config, meta: dict[str, Any]) -> tuple[str | None, str | None] | str:
    """A row's (html, text) when one is not a string: bytes (a binary column) are decoded as
    a file's, noted in ``meta``'s warning; anything else is why the row is rejected."""
    bodies, notes = {}, []
    for name in ("html", "text"):
        value = row.get(name)
        if isinstance(value, (bytes, bytearray, memoryview)):
            if len(value) > config.max_record_bytes:
                return f"record larger than {config.max_record_bytes:,} bytes"
            try:
                value, note = decode_noted(bytes(value))
            except ValueError as exc:
                return f"field {_input_name(name, config)!r}: {exc}"
            notes.append(note)
        elif _is_list(value):
            parts = _list_texts(value)
            if isinstance(parts, str):
                return f"field {_input_name(name, config)!r} is a list holding {parts}, not text"
            value = ("\n\n" if name == "text" else "\n").join(parts)  # a scraper's paragraphs, or its HTML pieces
        elif value is not None and not isinstance(value, str) and not _missing(value):
            return f"field {_input_name(name, config)!r} is {type(value).__name__}, not text"
        bodies[name] = _clean_value(value)
    if any(notes):
        meta["warning"] = "; ".join(filter(None, notes))
    return bodies["html"], bodies["text"]


def _missing(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return value is getattr(sys.modules.get("pandas"), "NA", None)  # pandas' NA, if pandas is loaded


def _row_id(row: dict[str, Any]) -> str | None:
    """The row's own id: its ``id``, else its ``doc_id``."""
    for name in ID_FIELDS:
        value = _clean_value(row.get(name))
        if value is not None:
            return value
    return None


def _no_body(row: dict[str, Any], config: Config) -> str:
    """Why a row has no text to clean: the fields are absent, or present and blank."""
    text, html = _input_name("text", config), _input_name("html", config)
    blank = [name for field, name in (("text", text), ("html", html)) if isinstance(row.get(field), str)]
    if blank:
        return " and ".join(f"{name!r}" for name in blank) + " empty or only whitespace"
    return f"no {text!r} or {html!r} field"


def _clean_value(value: Any) -> str | None:
    """A field as a non-empty string, or None. Numbers (ids in CSV) become their text; a
    list (a scraper's ``getall()``) gives its first value that is not blank."""
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, str):
        if _is_list(value):
            return next((v for v in map(_clean_value, value) if v is not None), None)
        if isinstance(value, (bytes, dict)):
            return None
        value = str(value)
    value = value.strip()
    return value or None


def _is_list(value: Any) -> bool:
    """A JSON array, or a Parquet list column's value (a numpy array in a DataFrame)."""
    return isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray"


def _list_texts(value: Any) -> list[str] | str:
    """The non-blank strings of a list, in order; or what else it holds, in words."""
    parts = []
    for item in value:
        if isinstance(item, str):
            if item.strip():
                parts.append(item.strip())
        elif not _missing(item):
            return type(item).__name__
    return parts


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_jsonl(path: Path, file_id: str, config: Config, span: tuple[int, int, int] | None = None) -> Iterator[Record]:
    """The records of a JSONL file; ``span`` (start byte, stop byte, number of the line
    at start): only those lines, of a plain file (the Dask engine's piece of a big file)."""
    source = str(path)
    line_no = 0
    try:
        with io.BufferedReader(_open_bounded(path, config.max_file_bytes) if span is None else _span(path, span)) as fh:
            lines = _lines(fh, config.max_record_bytes) if span is None else _lines(fh, config.max_record_bytes, span[2])
            for line_no, kind, line, _ in lines:
                if kind == LONG:
                    yield Record(doc_id=f"{file_id}:{line_no}", source=f"{source}:{line_no}",
                                 error=f"line longer than {config.max_record_bytes:,} bytes")
                elif kind == LINE and line.strip():
                    try:
                        yield _jsonl_record(line, file_id, source, line_no, config)
                    except Exception as exc:  # noqa: BLE001 - any failure on one line rejects that line only
                        yield _unreadable(_id_at_start(line, config) or f"{file_id}:{line_no}", f"{source}:{line_no}", exc)
    except _STREAM_ERRORS as exc:
        yield Record(doc_id=f"{file_id}:{line_no + 1}", source=f"{source}:{line_no + 1}",
                     error=f"{_stream_error(exc)}; no records read past line {line_no}")


def _span(path: Path, span: tuple[int, int, int]) -> io.RawIOBase:
    """Bytes ``span[0]`` to ``span[1]`` of a plain file (an over-long span is an error,
    as :class:`_Bounded` makes it)."""
    raw = open(path, "rb")
    raw.seek(span[0])
    return _Bounded(_Capped(raw, span[1] - span[0]), span[1] - span[0], raw)


class _Capped(io.RawIOBase):
    """The next ``left`` bytes of ``inner``, then the end of the stream."""

    def __init__(self, inner, left: int) -> None:
        self._inner, self._left = inner, left

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer)[:self._left]
        n = self._inner.readinto(view) if len(view) else 0
        self._left -= n
        return n


def _jsonl_record(line: bytes, file_id: str, source: str, line_no: int, config: Config) -> Record:
    where = f"{source}:{line_no}"
    try:
        obj = json.loads(line.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return Record(doc_id=_id_at_start(line, config) or f"{file_id}:{line_no}", source=where,
                      error=f"undecodable: {exc.reason} at byte {exc.start}")
    except json.JSONDecodeError as exc:
        return Record(doc_id=_id_at_start(line, config) or f"{file_id}:{line_no}", source=where,
                      error=f"malformed JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(obj, dict):
        return Record(doc_id=f"{file_id}:{line_no}", source=where, error=f"JSON line is a {type(obj).__name__}, not an object")
    return make_record(_as_row(obj, config), file_id, source, line_no, config)


_ID_FIRST = re.compile(rb'\s*\{\s*"(?:doc_)?id"\s*:\s*(?:("(?:[^"\\\n]|\\.){1,200}")|(-?\d{1,40})\s*[,}])')


def _id_at_start(line: bytes, config: Config) -> str | None:
    """The id of a JSON line that cannot be parsed whole, when it is the object's first key
    (and ids are read from ``id`` or ``doc_id``)."""
    m = _ID_FIRST.match(line) if "id" in input_names(config.fields) else None
    if m is None:
        return None
    try:
        value = json.loads(m.group(1)) if m.group(1) else m.group(2).decode()
        return _clean_value(value) if not _has_surrogates(value) else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- JSON documents


def _read_json(path: Path, file_id: str, config: Config) -> Iterator[Record]:
    """A ``.json`` file: an array of objects (a record each, numbered from 1, read as a
    stream), one object (one record, named like a ``.txt`` file), or one object a line (as
    ``.jsonl``: how many tools write a ``.json``)."""
    source = str(path)
    try:
        with io.BufferedReader(_open_bounded(path, config.max_file_bytes)) as fh:
            start = _first_byte(fh)
            if start == b"[":
                yield from _json_array(fh, file_id, source, config)
                return
            if start != b"{":
                yield Record(doc_id=file_id, source=source, error="not a JSON object or array of objects"
                             if start else "empty file")
                return
            first_line = fh.readline(config.max_record_bytes + 1)
            if _parses(first_line) and _first_byte(fh):
                lines = True
            else:
                lines = False
                obj = _json_object(first_line + fh.read(config.max_record_bytes + 1 - len(first_line)), config)
    except _STREAM_ERRORS as exc:
        yield Record(doc_id=file_id, source=source, error=_stream_error(exc))
        return
    if lines:
        yield from _read_jsonl(path, file_id, config)
    elif isinstance(obj, str):
        yield Record(doc_id=file_id, source=source, error=obj)
    else:
        yield _whole_file_record(obj, file_id, source, config)


def _first_byte(fh: io.BufferedReader) -> bytes:
    """The first byte that is not whitespace or a byte-order mark, left unread ("" at the end)."""
    while True:
        head = fh.peek(1)
        if not head:
            return b""
        stripped = head.lstrip(b" \t\r\n\xef\xbb\xbf")
        if stripped:
            fh.read(len(head) - len(stripped))
            return stripped[:1]
        fh.read(len(head))


def _parses(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line.decode("utf-8-sig")), dict)
    except ValueError:
        return False


def _json_object(data: bytes, config: Config) -> dict[str, Any] | str:
    """The file's one object, or why it is not one."""
    if len(data) > config.max_record_bytes:
        return f"a JSON object larger than {config.max_record_bytes:,} bytes"
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return f"undecodable: {exc.reason} at byte {exc.start}"
    except json.JSONDecodeError as exc:
        return f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    return obj if isinstance(obj, dict) else f"a JSON {_json_kind(obj)}, not an object"


class _OneReadAtATime:
    """``fh`` whose ``read`` reads the stream once (``read1``): the elements before a
    truncated or corrupt end of a compressed file are parsed before its error is raised."""

    def __init__(self, fh: io.BufferedReader) -> None:
        self.read = fh.read1


def _json_kind(value: Any) -> str:
    kinds = {list: "array", str: "string", bool: "boolean", type(None): "null"}
    return kinds.get(type(value), "number")


def _whole_file_record(obj: dict[str, Any], file_id: str, source: str, config: Config) -> Record:
    """The record of a file that holds one object: its id, else the file's (as a ``.txt``)."""
    obj = _as_row(obj, config)
    own_id = _guarded_id(obj)
    record = _guarded(lambda: make_record(obj, file_id, source, 1, config), own_id or file_id, source)
    record.source = source
    if own_id is None:
        record.doc_id = file_id
    return record


def _json_array(fh: io.BufferedReader, file_id: str, source: str, config: Config) -> Iterator[Record]:
    """The elements of a JSON array, one at a time (ijson: an array of millions of articles
    needs the memory of one)."""
    import ijson

    n = 0
    try:
        for n, item in enumerate(ijson.items(_OneReadAtATime(fh), "item", use_float=True), start=1):
            where = f"{source}:{n}"
            if not isinstance(item, dict):
                yield Record(doc_id=f"{file_id}:{n}", source=where,
                             error=f"array element is a JSON {_json_kind(item)}, not an object")
                continue
            row = _as_row(item, config)
            yield _guarded(lambda: make_record(row, file_id, source, n, config),
                           _guarded_id(row) or f"{file_id}:{n}", where)
    except ijson.JSONError as exc:
        yield Record(doc_id=f"{file_id}:{n + 1}", source=f"{source}:{n + 1}",
                     error=f"malformed JSON: {(str(exc).splitlines() or [type(exc).__name__])[0]}; no records read past element {n}")


# --------------------------------------------------------------------------- CSV


class _RowTooLarge(Exception):
    pass


class _Line(NamedTuple):
    number: int
    kind: str
    text: str
    repaired: int  # invalid UTF-8 sequences replaced


class _CsvLines:
    """The decoded physical lines of a CSV file, with push-back for re-reading after a bad row."""

    def __init__(self, items: Iterator[tuple[int, str, bytes, int]], encoding: str) -> None:
        # a BOM is dropped from the first line only: "utf-8-sig" line by line is 4x slower
        self.items, self.back = items, deque()
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding

    def next(self) -> _Line | None:
        if self.back:
            return self.back.popleft()
        item = next(self.items, None)
        if item is None:
            return None
        number, kind, data, _ = item
        if number == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            return _Line(number, kind, data.decode(self.encoding), 0)
        except UnicodeDecodeError:
            text = data.decode(self.encoding, errors="replace")
            return _Line(number, kind, text, max(1, text.count("\ufffd") - data.count(b"\xef\xbf\xbd")))

    def push_back(self, lines: list[_Line]) -> None:
        self.back.extendleft(reversed(lines))


def _next_row(lines: _CsvLines, limit: int) -> tuple[list[str] | None, list[_Line], Exception | None]:
    """One CSV record (strict quoting), the lines it used, and the error if it is malformed."""
    used: list[_Line] = []

    def feed() -> Iterator[str]:
        size = 0
        while (line := lines.next()) is not None:
            if not used and line.kind == BLANK:
                continue  # blank lines between records
            used.append(line)
            size += len(line.text)
            if line.kind == LONG or size > limit:
                raise _RowTooLarge(f"row larger than {limit:,} bytes")
            yield line.text

    try:
        return next(csv.reader(feed(), strict=True), None), used, None
    except (csv.Error, _RowTooLarge) as exc:
        return None, used, exc


def _checked_row(row: list[str] | None, used: list[_Line], exc: Exception | None,
                 width: int) -> tuple[list[str] | None, list[_Line], Exception | None]:
    """A one-line row that strict quoting refuses is read leniently; a multi-line row of the
    wrong width is a failure (an unbalanced quote swallowed the lines after it)."""
    if exc is not None and len(used) == 1 and not isinstance(exc, _RowTooLarge):
        lenient = _lenient(used[0])
        if lenient is not None:
            return lenient, used, None
    elif exc is None and len(used) > 1 and len(row) != width:
        return None, used, csv.Error(f"{len(row)} fields over lines {used[0].number}-{used[-1].number}, "
                                     f"header has {width}")
    return row, used, exc


def _lenient(line: _Line) -> list[str] | None:
    """A one-line row that strict quoting refuses (``"x" y``), read as most CSV readers would."""
    try:
        return next(csv.reader([line.text]), None)
    except csv.Error:
        return None


def _plausible(row: list[str], header: list[str]) -> bool:
    """A row met while re-synchronising after a malformed row is a real one only if its id
    (when the file has ids) looks like an id, not a sentence of article text."""
    index = _id_column(header)
    return index is None or _looks_like_id(row[index])


def _id_column(header: list[str]) -> int | None:
    """Where a CSV row's id is: the ``id`` column, else the ``doc_id`` column."""
    for name in ID_FIELDS:
        if name in header:
            return header.index(name)
    return None


def _looks_like_id(value: str) -> bool:
    value = value.strip()
    return len(value) <= 200 and not any(ch.isspace() for ch in value)


def _row_failure(exc: Exception, line_no: int) -> str:
    if isinstance(exc, _RowTooLarge):
        return f"{exc} (from line {line_no})"
    return f"malformed CSV row at line {line_no}: {exc}"


def _id_of_line(line: _Line, header: list[str]) -> str | None:
    """The id of a malformed row, when its first line shows one that looks like an id."""
    index = _id_column(header)
    if index is None or line.kind == BLANK:
        return None
    try:
        fields = next(csv.reader([line.text]), [])
    except csv.Error:
        return None
    if index >= len(fields) or not _looks_like_id(fields[index]):
        return None
    return _clean_value(fields[index])


def _csv_encoding(path: Path, config: Config) -> str:
    """The file's encoding, chosen as for a ``.txt`` from its first megabyte."""
    with io.BufferedReader(_open_bounded(path, config.max_file_bytes)) as fh:
        sample = fh.read(BLOCK)
        complete = not fh.read(1)
    if not complete and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]  # no character cut in two
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("UTF-16 CSV files are not supported: save it as UTF-8")
    if b"\x00" in sample[:65536]:
        raise ValueError("binary content (NUL bytes)")
    encoding, _ = choose_encoding(sample)
    return encoding


def _read_csv(path: Path, file_id: str, config: Config) -> Iterator[Record]:
    source = str(path)
    csv.field_size_limit(max(csv.field_size_limit(), config.max_record_bytes + 1))
    try:
        encoding = _csv_encoding(path, config)
    except _STREAM_ERRORS as exc:
        yield Record(doc_id=file_id, source=source, error=_stream_error(exc))
        return
    except ValueError as exc:
        yield Record(doc_id=file_id, source=source, error=str(exc))
        return
    reader = _CsvReader(path, file_id, config)
    try:
        with io.BufferedReader(_open_bounded(path, config.max_file_bytes)) as fh:
            yield from reader.records(_CsvLines(_lines(fh, config.max_record_bytes), encoding))
    except _STREAM_ERRORS as exc:
        yield from reader.flush()
        yield reader.reject(f"{_stream_error(exc)}; no records read past row {reader.row_no}")


class _CsvReader:
    """Rows of a CSV file; every row that can be delimited comes out as a record or a reject.

    A malformed row (a quote that never closes or is followed by text, a multi-line row of
    the wrong width, or a row over the record limit) rejects its first line, and reading
    resumes at the next line; lines that then make no plausible row are rejected together
    as one fragment.
    """

    def __init__(self, path: Path, file_id: str, config: Config) -> None:
        self.source, self.file_id, self.config = str(path), file_id, config
        self.row_no = 0
        self.fragment: tuple[int, int] | None = None  # first and last line

    def reject(self, error: str, doc_id: str | None = None) -> Record:
        self.row_no += 1
        return Record(doc_id=doc_id or f"{self.file_id}:{self.row_no}", source=f"{self.source}:{self.row_no}",
                      error=error)

    def add_fragment(self, used: list[_Line]) -> None:
        first = self.fragment[0] if self.fragment else used[0].number
        self.fragment = (first, used[-1].number)

    def flush(self) -> Iterator[Record]:
        if self.fragment:
            first, last = self.fragment
            self.fragment = None
            yield self.reject(f"not a CSV row: lines {first}-{last} follow a malformed row and make no row")

    def records(self, lines: _CsvLines) -> Iterator[Record]:
        limit = self.config.max_record_bytes
        header, used, exc = _next_row(lines, limit)
        if header is None:
            yield Record(doc_id=self.file_id, source=self.source,
                         error=f"malformed CSV header: {exc}" if exc else "empty CSV file")
            return
        columns = [h.strip() for h in header]
        header = _as_fields(columns, self.config)
        if not {"text", "html"} & set(header):
            yield Record(doc_id=self.file_id, source=self.source, error=_no_body_columns("CSV header", columns, self.config))
            return
        resyncing = False
        while True:
            row, used, exc = _checked_row(*_next_row(lines, limit), len(header))
            if not used:
                break
            if exc is not None:  # the first line is the bad row's; read again from the next one
                lines.push_back(used[1:])
                if resyncing:
                    self.add_fragment(used[:1])
                else:
                    yield self.reject(_row_failure(exc, used[0].number), _id_of_line(used[0], header))
                    resyncing = True
            elif len(row) != len(header) or (resyncing and not _plausible(row, header)):
                if resyncing:
                    self.add_fragment(used)
                else:
                    yield self.reject(f"malformed CSV row: {len(row)} fields, header has {len(header)}")
            else:
                yield from self.flush()
                resyncing = False
                yield self.record(dict(zip(header, row)), sum(line.repaired for line in used))
        yield from self.flush()

    def record(self, row: dict[str, str], repaired: int) -> Record:
        self.row_no += 1
        rid = _row_id(row) or f"{self.file_id}:{self.row_no}"
        record = _guarded(lambda: make_record(row, self.file_id, self.source, self.row_no, self.config),
                          rid, f"{self.source}:{self.row_no}")
        if repaired and record.error is None:
            record.warning = _replaced_note(repaired)
            log.warning("%s:%d: %s", self.source, self.row_no, record.warning)
        return record


# --------------------------------------------------------------------------- Parquet and DataFrames


@contextlib.contextmanager
def _parquet_source(path: Path, config: Config) -> Iterator[Any]:
    """The file to hand to pyarrow: a compressed one is decompressed, bounded, to a temporary file."""
    if not compression_of(path.name):
        yield str(path)
        return
    with tempfile.TemporaryFile(prefix="newsdedup-") as tmp:
        with io.BufferedReader(_open_bounded(path, config.max_file_bytes)) as fh:
            shutil.copyfileobj(fh, tmp, BLOCK)
        tmp.seek(0)
        yield tmp


def _read_parquet(path: Path, file_id: str, config: Config,
                  row_groups: tuple[int, int, int] | None = None) -> Iterator[Record]:
    """The records of a Parquet file; ``row_groups`` (first, stop, rows before the first):
    only those row groups (the Dask engine's piece of a big file)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = str(path)
    row_no = row_groups[2] if row_groups else 0
    try:
        with _parquet_source(path, config) as handle:
            pf = pq.ParquetFile(handle)
            size = sum(pf.metadata.row_group(i).total_byte_size for i in range(pf.metadata.num_row_groups))
            if size > config.max_file_bytes:
                yield Record(doc_id=file_id, source=source,
                             error=f"larger than {config.max_file_bytes:,} bytes uncompressed ({size:,})")
                return
            names = pf.schema_arrow.names
            fields = _as_fields(names, config)
            columns = [c for c, field in zip(names, fields) if field]
            if not {"text", "html"} & set(fields):
                yield Record(doc_id=file_id, source=source, error=_no_body_columns("Parquet file", names, config))
                return
            groups = None if row_groups is None else list(range(row_groups[0], row_groups[1]))
            for batch in pf.iter_batches(batch_size=1024, columns=columns, row_groups=groups):
                for row, problem in _batch_rows(batch, config):
                    row_no += 1
                    rid = _guarded_id(row) or f"{file_id}:{row_no}"
                    yield _guarded(lambda: _parquet_record(row, problem, file_id, source, row_no, config),
                                   rid, f"{source}:{row_no}")
    except (pa.ArrowException, ValueError, *_STREAM_ERRORS) as exc:
        error = _stream_error(exc) if isinstance(exc, _STREAM_ERRORS) else f"unreadable Parquet: {_describe(exc)}"
        yield Record(doc_id=f"{file_id}:{row_no + 1}" if row_no else file_id, source=source,
                     error=error + (f"; no records read past row {row_no}" if row_no else ""))


def _batch_rows(batch, config: Config) -> list[tuple[dict[str, Any], str | None]]:
    """The rows of a record batch as dicts of fields; a value Python cannot hold (a timestamp
    past year 9999, ...) is None and names the problem of its row."""
    names = _as_fields(batch.schema.names, config)
    problems: list[str | None] = [None] * batch.num_rows
    columns = []
    for name, column in zip(names, batch.columns):
        try:
            values = column.to_pylist()
        except Exception:  # noqa: BLE001 - find the rows at fault, one value at a time
            values = []
            for i in range(batch.num_rows):
                try:
                    values.append(column[i].as_py())
                except Exception as exc:  # noqa: BLE001
                    values.append(None)
                    problems[i] = problems[i] or f"field {name!r}: {_describe(exc)}"
        columns.append(values)
    return [(dict(zip(names, values)), problems[i]) for i, values in enumerate(zip(*columns))]


def _guarded_id(row: dict[str, Any]) -> str | None:
    try:
        return _row_id(row)
    except Exception:  # noqa: BLE001
        return None


def _parquet_record(row: dict[str, Any], problem: str | None, file_id: str, source: str, row_no: int,
                    config: Config) -> Record:
    if problem is not None:
        return Record(doc_id=_guarded_id(row) or f"{file_id}:{row_no}", source=f"{source}:{row_no}",
                      error=f"unreadable value: {problem}")
    return make_record(row, file_id, source, row_no, config)


def _read_frame(df: pd.DataFrame, file_id: str, source: str, config: Config, first_row: int = 1) -> Iterator[Record]:
    names = [str(c) for c in df.columns]
    fields = _as_fields(names, config)
    if not {"text", "html"} & set(fields):
        raise ValueError(_no_body_columns("the DataFrame", names, config))
    at = {field: i for i, field in reversed(list(enumerate(fields))) if field}  # the first column of a name
    keep = [field for field in FIELDS if field in at]
    frame = df.iloc[:, [at[field] for field in keep]]
    for row_no, values in enumerate(frame.itertuples(index=False, name=None), start=first_row):
        row = dict(zip(keep, values))
        yield _guarded(lambda: make_record(row, file_id, source, row_no, config),
                       _guarded_id(row) or f"{file_id}:{row_no}", f"{source}:{row_no}")
