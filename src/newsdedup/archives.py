"""Archives read as folders: the files in a ``.zip`` or ``.tar`` file (``.tgz``, ``.tar.gz``,
``.tar.bz2``, ``.tar.xz``, ``.tar.zst``) become records as if the archive were unpacked.

A member is named like a file under a folder named after the archive: ``dump.zip``
holding ``html/a1.html`` gives the doc id ``dump/html/a1`` (and ``dump/data:7`` for the
seventh line of ``data.jsonl`` in it), and the ``source`` ``dump.zip/html/a1.html``.
Members are read in the archive's order, each copied to a temporary file of its own
(bounded by ``Config.max_file_bytes``, so a bomb stops there) and read by the reader of
its format, then deleted: only one member is on disk at a time. Hidden members (a path
part starting with a dot, as macOS's ``._*`` files) and folders are skipped, as in a
folder; a link, a device, a member with ``..`` in its path, an encrypted member, an
archive inside the archive and a member of no known type (unless it opens like an HTML
page, as in a folder) are rejected rows. A tar file is read as a stream, so a
truncated ``.tar.gz`` keeps the members before the break.

>>> import io, zipfile, tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> with zipfile.ZipFile(folder / "dump.zip", "w") as zf:
...     zf.writestr("html/a1.html", "<html><body><p>A page.</p></body></html>")
...     zf.writestr("notes/b2.txt", "An article.")
>>> [(r.doc_id, r.text) for r in read_archive(folder / "dump.zip", "dump")]
[('dump/html/a1', None), ('dump/notes/b2', 'An article.')]
"""

from __future__ import annotations

import tarfile
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Callable, NamedTuple

from .compression import compression_of
from .config import DEFAULT, Config
from .records import Record

ARCHIVES = (".zip", ".tar", ".tgz")  # a .tar may also be compressed: .tar.gz, .tar.bz2, .tar.xz, .tar.zst


class Member(NamedTuple):
    """One entry of an archive: its path in the archive, how to open it, its declared
    size, and why it cannot be read (None if it can)."""

    name: str
    open: Callable[[], IO[bytes]] | None
    size: int
    problem: str | None


def archive_kind(name: str) -> str | None:
    """``"zip"`` or ``"tar"`` for an archive's file name, else None."""
    lower = name.lower()
    if lower.endswith(".zip"):
        return "zip"
    if lower.endswith(".tgz"):
        return "tar"
    packed = compression_of(lower)
    return "tar" if lower.removesuffix(packed or "").endswith(".tar") else None


def read_archive(path: Path, file_id: str, config: Config = DEFAULT, skipped: Counter | None = None
                 ) -> Iterator[Record]:
    """The records of every member of the archive ``path`` (see the module's doc), in the
    archive's order; a broken archive ends in one rejected row after what was read."""
    from .read import describe_failure

    count = 0
    try:
        with tempfile.TemporaryDirectory(prefix="newsdedup-") as scratch:
            members = _zip_members(path) if archive_kind(path.name) == "zip" else _tar_members(path, config)
            for member in members:
                for record in _read_member(path, file_id, member, Path(scratch), config, skipped):
                    count += 1
                    yield record
    except Exception as exc:  # noqa: BLE001 - a broken archive, or its decompressor's own errors
        known = isinstance(exc, (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError))
        error = f"unreadable archive: {describe_failure(exc)}" if known else describe_failure(exc)
        yield Record(doc_id=file_id if not count else f"{file_id}:{count + 1}", source=str(path),
                     error=error + (f"; no members read after {count} records" if count else ""))


def _read_member(archive: Path, file_id: str, member: Member, scratch: Path, config: Config,
                 skipped: Counter | None) -> Iterator[Record]:
    from .read import copy_bounded, read_file, shown_as, strip_extensions

    parts = PurePosixPath(member.name.lstrip("/")).parts
    if not parts or any(part.startswith(".") and part != ".." for part in parts):
        return  # a hidden member, or the archive's own folder entry
    doc_id = f"{file_id}/{strip_extensions('/'.join(parts))}"
    shown = f"{archive}/{'/'.join(parts)}"
    problem = member.problem
    if problem is None and ".." in parts:
        problem = "member path leaves the archive ('..')"
    if problem is None and archive_kind(parts[-1]):
        problem = "an archive inside an archive is not read"
    if problem is None and member.size > config.max_file_bytes:
        problem = f"larger than {config.max_file_bytes:,} bytes uncompressed ({member.size:,})"
    if problem is not None:
        yield Record(doc_id=doc_id, source=shown, error=problem)
        return
    copy = scratch / parts[-1]
    try:
        with member.open() as fh, open(copy, "wb") as out:
            fits = copy_bounded(fh, out, config.max_file_bytes)
    except RuntimeError as exc:  # zipfile: an encrypted member without its password
        yield Record(doc_id=doc_id, source=shown, error=f"unreadable member: {exc}")
        return
    if not fits:
        copy.unlink()
        yield Record(doc_id=doc_id, source=shown, error=f"larger than {config.max_file_bytes:,} bytes uncompressed")
        return
    try:
        yield from shown_as(read_file(copy, doc_id, config, skipped), copy, shown)
    finally:
        copy.unlink(missing_ok=True)


def _zip_members(path: Path) -> Iterator[Member]:
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            kind = _zip_special(info)
            yield Member(info.filename, lambda info=info: zf.open(info), info.file_size,
                         f"not a regular file ({kind})" if kind else None)


def _zip_special(info: zipfile.ZipInfo) -> str | None:
    mode = info.external_attr >> 16
    if info.create_system == 3 and mode:  # made on Unix: the file type is in the mode bits
        kind = mode & 0o170000
        if kind == 0o120000:
            return "symlink"
        if kind not in (0, 0o100000):
            return "special file"
    return None


def _tar_members(path: Path, config: Config) -> Iterator[Member]:
    from .read import _open_bounded

    # the whole stream is bounded only by what any input may hold; each member by max_file_bytes
    packed = ".gz" if path.name.lower().endswith(".tgz") else None
    with _open_bounded(path, 1 << 62, packed) as raw, tarfile.open(fileobj=raw, mode="r|") as tf:
        for info in tf:
            if info.isdir():
                continue
            if info.isreg():
                yield Member(info.name, lambda info=info: tf.extractfile(info), info.size, None)
            else:
                kind = "symlink" if info.issym() else "hard link" if info.islnk() else "special file"
                yield Member(info.name, None, info.size, f"not a regular file ({kind})")
