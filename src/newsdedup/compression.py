"""Compressed inputs: which files are compressed, and their data decompressed a bounded
piece at a time. gzip is read by the standard library's ``gzip`` module (see
``read._open_bounded``); ``.bz2``, ``.xz`` and ``.zst`` by :class:`Decompressed`.

This module imports nothing heavy: the CLI sizes its input with it before it imports pandas.

>>> import io, lzma
>>> Decompressed(io.BytesIO(lzma.compress(b"one") + lzma.compress(b" two")), ".xz").read()
b'one two'
>>> compression_of("dump/part-1.jsonl.zst")
'.zst'
"""

from __future__ import annotations

import bz2
import io
import lzma

COMPRESSIONS = (".gz", ".bz2", ".xz", ".zst")  # a file ending in one is decompressed as it is read


def compression_of(name: str) -> str | None:
    """The compression suffix ``name`` ends in (one of :data:`COMPRESSIONS`), or None."""
    lower = name.lower()
    return next((ext for ext in COMPRESSIONS if lower.endswith(ext)), None)


class CompressedDataError(Exception):
    """A ``.bz2``, ``.xz`` or ``.zst`` stream that is corrupt or ends inside a member; the
    message says which."""


class Decompressed(io.RawIOBase):
    """The data of a ``.bz2``, ``.xz`` or ``.zst`` file (several members or frames one
    after another, as ``cat`` and parallel compressors make them), produced a bounded
    piece at a time: bz2 and xz output is capped per call, and zstd, which cannot cap its
    output, is fed ``ZSTD_FEED`` bytes at a time (at most 128 kB of output per 4 bytes of
    input, zstd's largest expansion). A zstd file may open with its dictionary in a
    skippable frame, as WARC files compressed with zstd do (``.warc.zst``). A corrupt
    stream, or one that ends inside a member, raises :class:`CompressedDataError`; errors
    of the file itself pass as they are."""

    READ = 1 << 16
    OUT = 1 << 20
    ZSTD_FEED = 1 << 8
    NAMES = {".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}
    DICTIONARY_FRAME = (0x184D2A5D).to_bytes(4, "little")  # the magic of the WARC-zstd dictionary frame
    ZSTD_FRAME = (0xFD2FB528).to_bytes(4, "little")
    MAX_DICTIONARY = 1 << 26

    def __init__(self, raw: io.BufferedIOBase, suffix: str) -> None:
        self._raw, self._name = raw, self.NAMES[suffix]
        self._input, self._at = b"", 0  # read from the file; given to a decompressor up to _at
        self._dictionary = None
        self._member = self._new()
        self._started = False  # the current member has been given data
        self._opened = self._name != "zstd"  # a zstd file's first bytes are checked for a dictionary
        self._out = memoryview(b"")

    def _new(self):
        if self._name == "bz2":
            return bz2.BZ2Decompressor()
        if self._name == "xz":
            return lzma.LZMADecompressor()
        import zstandard

        return zstandard.ZstdDecompressor(dict_data=self._dictionary).decompressobj()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._out:
            piece = self._next_piece()
            if piece is None:
                return 0
            self._out = memoryview(piece)
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _have(self, n: int) -> int:
        """Input bytes not yet given, after reading until there are ``n`` (or the file ends)."""
        while len(self._input) - self._at < n:
            more = self._raw.read(max(self.READ, n))
            if not more:
                break
            self._input, self._at = self._input[self._at:] + more, 0
        return len(self._input) - self._at

    def _take(self, n: int) -> bytes:
        data = self._input[self._at:self._at + n]
        self._at += len(data)
        return data

    def _next_piece(self) -> bytes | None:
        """The next output, or None at the end of the file."""
        if not self._opened:
            self._opened = True
            self._read_dictionary()
        capped = self._name != "zstd"
        while True:
            if self._member.eof:
                self._input, self._at = self._member.unused_data + self._input[self._at:], 0
                self._member, self._started = self._new(), False
            wants = not capped or self._member.needs_input
            if wants and not self._have(1):
                if self._started:
                    raise CompressedDataError(f"truncated {self._name}: compressed data ended early")
                return None
            data = self._take(self.READ if capped else self.ZSTD_FEED) if wants else b""
            try:
                piece = self._member.decompress(data, self.OUT) if capped else self._member.decompress(data)
            except Exception as exc:  # noqa: BLE001 - each library has its own error types for bad data
                raise CompressedDataError(f"corrupt {self._name}: {exc}") from None
            self._started = self._started or bool(data)
            if piece:
                return piece

    def _read_dictionary(self) -> None:
        """The dictionary of a file that opens with one (itself zstd-compressed or not)."""
        import zstandard

        if self._have(8) < 8 or self._input[self._at:self._at + 4] != self.DICTIONARY_FRAME:
            return
        size = int.from_bytes(self._take(8)[4:], "little")
        if size > self.MAX_DICTIONARY:
            raise CompressedDataError(f"corrupt zstd: a dictionary frame of {size:,} bytes")
        if self._have(size) < size:
            raise CompressedDataError("truncated zstd: compressed data ended early")
        data = self._take(size)
        try:
            if data[:4] == self.ZSTD_FRAME:
                data = zstandard.ZstdDecompressor().decompress(data, max_output_size=self.MAX_DICTIONARY)
            self._dictionary = zstandard.ZstdCompressionDict(data)
            self._member = self._new()
        except zstandard.ZstdError as exc:
            raise CompressedDataError(f"corrupt zstd: its dictionary: {exc}") from None
