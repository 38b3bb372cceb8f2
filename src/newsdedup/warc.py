"""WARC input: the HTML pages of a web archive (``.warc``, ``.warc.gz``) as records.

Every ``response`` record whose HTTP payload is HTML becomes one record: ``html`` is the
payload decoded exactly as an ``.html`` file's bytes would be (so a page cleans to the same
text from either), ``url`` the ``WARC-Target-URI`` verbatim, ``date`` the ``WARC-Date``.
Its doc_id is ``<file id>:<record number>``, numbered over every record of the file
(1-based, requests and metadata included), so ids do not move when a filter changes.
Every other record (requests, ``warcinfo``, metadata, revisits, responses that are not
HTML) is skipped and counted. A payload past ``Config.max_record_bytes`` is rejected;
decompression is bounded by ``Config.max_file_bytes`` like every other input.

Reading uses warcio. FastWARC reads these files 2.8x faster (0.10 against 0.28 ms a
63 kB page, gzipped, here), but reading is a tenth of a page's cleaning time either way,
and FastWARC 2.0 aborts with a Rust panic (not an ``Exception``) on a stream it cannot
seek, such as the bounded decompression every input goes through.

>>> import io
>>> from warcio.warcwriter import WARCWriter
>>> from warcio.statusandheaders import StatusAndHeaders
>>> buffer = io.BytesIO()
>>> writer = WARCWriter(buffer, gzip=False)
>>> http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
>>> writer.write_record(writer.create_warc_record("https://example.org/a", "response",
...     payload=io.BytesIO(b"<html><body><p>Hello</p></body></html>"), http_headers=http))
>>> [(r.doc_id, r.url, r.html[:12]) for r in read_warc(io.BytesIO(buffer.getvalue()), "crawl", "crawl.warc")]
[('crawl:1', 'https://example.org/a', '<html><body>')]
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from typing import BinaryIO

from .config import DEFAULT, Config
from .records import Record

log = logging.getLogger(__name__)

EXTS = (".warc",)
HTML_TYPES = ("text/html", "application/xhtml+xml")
_SNIFF = (b"<!doctype html", b"<html")


def read_warc(stream: BinaryIO, file_id: str, source: str, config: Config = DEFAULT,
              skipped: Counter | None = None) -> Iterator[Record]:
    """The HTML pages of the WARC ``stream`` (plain, or gzipped record by record).

    ``skipped`` counts the records that are not HTML responses, by kind.
    """
    from warcio.archiveiterator import ArchiveIterator

    from .read import describe_failure

    kinds: Counter = Counter()
    number = 0
    try:
        for number, record in _pages(ArchiveIterator(stream), config, file_id, source, kinds):
            broken = getattr(stream, "error", None)  # warcio ends quietly where its stream broke
            if broken is not None:  # ...perhaps inside this record's payload
                number -= 1
                break
            if record is not None:
                yield record
        broken = getattr(stream, "error", None)
    except Exception as exc:  # noqa: BLE001 - a damaged archive costs its rest, not the run
        broken = exc
    if broken is not None:
        yield Record(doc_id=f"{file_id}:{number + 1}", source=f"{source}:{number + 1}",
                     error=f"reading stopped after record {number}: {describe_failure(broken)}")
    if kinds:
        log.info("%s: skipped %s", source, ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
        if skipped is not None:
            skipped.update(kinds)


def _pages(records, config: Config, file_id: str, source: str, kinds: Counter) -> Iterator[tuple[int, Record | None]]:
    """(record number, its Record), or None for a record that is not an HTML page (counted in ``kinds``)."""
    from .read import decode_noted

    for number, warc_record in enumerate(records, start=1):
        kind = _kind(warc_record)
        if kind != "html":
            kinds[kind] += 1
            yield number, None
            continue
        doc_id, where = f"{file_id}:{number}", f"{source}:{number}"
        headers = warc_record.rec_headers
        meta = {"url": headers.get_header("WARC-Target-URI") or None, "date": headers.get_header("WARC-Date") or None}
        payload = warc_record.content_stream().read(config.max_record_bytes + 1)
        if len(payload) > config.max_record_bytes:
            yield number, Record(doc_id=doc_id, source=where,
                                 error=f"record larger than {config.max_record_bytes:,} bytes", **meta)
            continue
        try:
            html, note = decode_noted(payload)
        except ValueError as exc:
            yield number, Record(doc_id=doc_id, source=where, error=str(exc), **meta)
            continue
        yield number, Record(doc_id=doc_id, source=where, html=html, warning=note, **meta)


def _kind(warc_record) -> str:
    """``html`` for an HTTP response carrying HTML; otherwise what the record is, for the count."""
    if warc_record.rec_type != "response":
        return f"warc {warc_record.rec_type}"
    if warc_record.http_headers is None:
        return "non-HTTP response"
    content_type = (warc_record.http_headers.get_header("Content-Type") or "").lower()
    if any(t in content_type for t in HTML_TYPES):
        return "html"
    if content_type:
        return "non-HTML response"
    return "html" if _starts_like_html(warc_record) else "non-HTML response"


def _starts_like_html(warc_record) -> bool:
    """A response without a Content-Type: its payload's first bytes decide (they stay readable)."""
    stream = warc_record.content_stream()
    head = stream.read(1024)
    warc_record.content_stream = lambda: _Prefixed(head, stream)
    return head.lstrip()[:14].lower().startswith(_SNIFF)


class _Prefixed:
    """``head`` then the rest of ``stream``: a payload whose start was read to sniff it."""

    def __init__(self, head: bytes, stream) -> None:
        self.head, self.stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            return self.head + self.stream.read()
        rest = self.stream.read(max(size - len(self.head), 0))
        return self.head[:size] + rest
