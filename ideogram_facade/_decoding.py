"""Answer bodies decoded as they arrive, in small steps, and never past their cap.

httpx decodes a compressed answer a whole network chunk at a time: 64 kB of gzip can hold
64 MB, so the size of what a server sends says nothing of what reading it costs. The clients
therefore read the raw bytes (`aiter_raw`) and decode them here, at most `DECODE_STEP` bytes
at a time, counting the decoded bytes against the cap: memory stays within the cap plus a
step, whatever the compression ratio.

    body = Body(response.headers.get("content-encoding"), max_bytes=4 * 1024 * 1024)
    for raw in response.iter_raw():
        for piece in body.decode(raw):
            content += piece
        if body.failed:
            break                      # body.too_large, or body.problem says why
    for piece in body.finish():        # the rest of the stream, checked for a proper end
        content += piece

Only what can be decoded in bounded steps is asked for (`ACCEPTED`) and read: an answer in
any other encoding (br, zstd, ...) is not decoded at all, and `problem` says so.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from . import _constants as C

# The Accept-Encoding the clients send: the encodings `Body` decodes (identity needs no name).
ACCEPTED = "gzip, deflate"
ACCEPT_HEADERS = {"Accept-Encoding": ACCEPTED}

_GZIP_WBITS = 16 + zlib.MAX_WBITS


class _Broken(Exception):
    """A compressed stream that cannot be decoded; the message says how."""


class _Inflate:
    """One gzip or deflate layer, decoded at most `DECODE_STEP` bytes per piece."""

    def __init__(self, name: str) -> None:
        self.name = name
        # "deflate" means zlib-wrapped data, but some servers send it raw: tried on failure.
        self._zlib = zlib.decompressobj(_GZIP_WBITS if name == "gzip" else zlib.MAX_WBITS)
        self._first = name == "deflate"
        self._fed = False

    def decode(self, data: bytes) -> Iterator[bytes]:
        self._fed = self._fed or bool(data)
        while True:
            try:
                piece = self._zlib.decompress(data, C.DECODE_STEP)
            except zlib.error as error:
                if not self._first:
                    raise _Broken(f"its {self.name} data is corrupt ({error})") from None
                self._first = False
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._first = self._first and not data
            data = self._zlib.unconsumed_tail
            if piece:
                yield piece
            # A full step may leave output inside zlib even when all input is taken.
            if not data and len(piece) < C.DECODE_STEP:
                return

    def check_end(self) -> None:
        if self._fed and not self._zlib.eof:
            raise _Broken(f"its {self.name} data ends before the end of the stream")


class Body:
    """The decoded body of one answer, as its raw bytes arrive; at most `max_bytes` of it.

    `decode()` and `finish()` yield decoded pieces of at most `DECODE_STEP` bytes (a raw
    chunk of an uncompressed answer as it is), and stop for good once the body is `too_large`
    (more than `max_bytes` decoded; what was yielded stops at the cap) or cannot be decoded
    (`problem` says why). `failed` is either.
    """

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        self.too_large = False
        self.problem: str | None = None
        self._left = max_bytes
        # Encodings are listed in the order they were applied: undone from the last.
        names = [
            name.strip().lower() for name in (content_encoding or "").split(",") if name.strip()
        ]
        names = [name for name in names if name != "identity"]
        unknown = [name for name in names if name not in ("gzip", "deflate")]
        if unknown:
            self.problem = (
                f"it is compressed as {unknown[0][:40]!r}, which this client does not decode "
                f"(it asks for {ACCEPTED})"
            )
        self._layers = [_Inflate(name) for name in reversed(names)] if not unknown else []

    @property
    def failed(self) -> bool:
        return self.too_large or self.problem is not None

    def decode(self, raw: bytes) -> Iterator[bytes]:
        """The decoded pieces of the next raw chunk, up to the cap."""
        return self._take(raw, end=False)

    def finish(self) -> Iterator[bytes]:
        """What the decoders still hold once the raw stream has ended; a compressed stream
        that stops short of its end is a `problem`."""
        return self._take(b"", end=True)

    def _take(self, raw: bytes, *, end: bool) -> Iterator[bytes]:
        if self.failed:
            return
        try:
            for piece in self._through(0, raw, end):
                if len(piece) > self._left:
                    self.too_large = True
                    if self._left:
                        yield piece[: self._left]
                    self._left = 0
                    return
                self._left -= len(piece)
                yield piece
        except _Broken as broken:
            self.problem = str(broken)

    def _through(self, layer: int, data: bytes, end: bool) -> Iterator[bytes]:
        """`data` decoded by layers `layer`, `layer + 1`, ...: one step at a time, so that no
        layer holds more than a step of what it made."""
        if layer == len(self._layers):
            if data:
                yield data
            return
        inflate = self._layers[layer]
        for piece in inflate.decode(data):
            yield from self._through(layer + 1, piece, end=False)
        if end:
            inflate.check_end()
            yield from self._through(layer + 1, b"", end=True)
