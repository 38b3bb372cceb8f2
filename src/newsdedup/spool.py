"""Standard input as an input (``newsdedup run -``): a dump piped in is copied to a
temporary file and read as a file of the format its first bytes show.

``zcat dump.jsonl.gz | newsdedup run -``, ``aws s3 cp s3://bucket/drop.jsonl.zst - | newsdedup run -``:
the stream is copied as it comes (at most ``Config.max_file_bytes`` of it), its
compression told by its magic bytes (gzip, bz2, xz, zstd), then its format by its first
decompressed bytes: a WARC record, a Parquet, zip or tar file, JSON (an object or an array:
a JSON array, one object, or JSON Lines), an HTML page, a CSV file whose header names a
``text`` or ``html`` column, else one plain-text article. Its records are named as a file
called ``stdin`` would be (``stdin:7`` for the seventh line of JSON Lines) and their
``source`` is ``-``. The copy is needed because Parquet and zip files are read by seeking
and the cleaning helpers may read the input again; it is read by the local engine only
(the Dask engine's workers cannot see this machine's standard input).

>>> import io, tempfile
>>> from pathlib import Path
>>> piped = io.BytesIO(b'{"id": "a1", "text": "One article."}\\n{"text": "Another."}\\n')
>>> spooled = spool(piped, Path(tempfile.mkdtemp()))
>>> spooled.path.name
'stdin.json'
>>> from newsdedup.read import read_inputs
>>> [(r.doc_id, r.source, r.text) for r in read_inputs(spooled)]
[('a1', '-:1', 'One article.'), ('stdin:2', '-:2', 'Another.')]
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .config import DEFAULT, Config, field_names

FILE_ID = "stdin"
SHOWN = "-"
HEAD = 1 << 16  # decompressed bytes the format is told from
MAGIC = ((b"\x1f\x8b", ".gz"), (b"BZh", ".bz2"), (b"\xfd7zXZ\x00", ".xz"), (b"\x28\xb5\x2f\xfd", ".zst"),
         ((0x184D2A5D).to_bytes(4, "little"), ".zst"))


@dataclass(frozen=True)
class Spooled(os.PathLike):
    """A stream copied to ``path``, read as the file ``file_id`` shown as ``shown``;
    ``error``: why it cannot be read (then it is one rejected record)."""

    path: Path
    file_id: str = FILE_ID
    shown: str = SHOWN
    error: str | None = None

    def __fspath__(self) -> str:
        return str(self.path)


def spool(stream: BinaryIO, folder: Path, config: Config = DEFAULT) -> Spooled:
    """``stream`` copied into ``folder`` under a name that gives its format (see the module)."""
    from .read import copy_bounded

    raw = folder / "stdin.spool"
    with open(raw, "wb") as out:
        fits = copy_bounded(stream, out, config.max_file_bytes)
    if not fits:
        return Spooled(raw, error=f"standard input larger than {config.max_file_bytes:,} bytes")
    with open(raw, "rb") as fh:
        start = fh.read(8)
    packed = next((suffix for magic, suffix in MAGIC if start.startswith(magic)), "")
    target = folder / f"stdin{_format(_head(raw, packed), config)}{packed}"
    raw.rename(target)
    return Spooled(target)


def _head(path: Path, packed: str) -> bytes:
    from .read import _open_bounded

    try:
        with io.BufferedReader(_open_bounded(path, 1 << 62, packed or None)) as fh:
            return fh.read(HEAD)
    except Exception:  # noqa: BLE001 - a corrupt stream: its reader says so when it is read
        return b""


def _format(head: bytes, config: Config) -> str:
    """The extension of the format ``head`` (a file's first bytes) shows."""
    if head.startswith(b"WARC/"):
        return ".warc"
    if head.startswith(b"PAR1"):
        return ".parquet"
    if head.startswith(b"PK\x03\x04"):
        return ".zip"
    if head[257:262] == b"ustar":
        return ".tar"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return ".json"
    if text[:1] == b"<":
        return ".html"
    return ".csv" if _is_csv_header(text, config) else ".txt"


def _is_csv_header(text: bytes, config: Config) -> bool:
    line = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    if "," not in line:
        return False
    names = field_names(config.fields) if config.fields else {}
    bodies = {names.get("text", "text").lower(), names.get("html", "html").lower()}
    try:
        header = next(csv.reader([line]))
    except csv.Error:
        return False
    return any(cell.strip().lower() in bodies for cell in header)
