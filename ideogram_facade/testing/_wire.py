"""HTTP/1.1 messages as the fake's server sees them, and a small incremental request parser.

    parser = RequestParser()
    parser.feed(b"GET /x?a=1 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n")
    head = parser.next_head()          # RequestHead(method="GET", path="/x", query="a=1", ...)
    request = parser.next_body(head)   # Request, once the whole body has arrived
    raw = encode_response(Response(200, b"{}"), keep_alive=True)

Hand-written rather than h11: the fake is benchmarked at tens of thousands of requests per
second, and h11's event machinery costs several times more per request than a split on CRLF.
Only what clients send is supported: Content-Length or chunked bodies, no trailers.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024

# 455 is Apikley's own status; http.HTTPStatus cannot name it, so reasons are listed here.
_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    455: "Service Unavailable",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
}


class ProtocolError(Exception):
    """The bytes are not an HTTP/1.1 request this parser accepts; `status` is the answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@attrs.frozen
class RequestHead:
    method: str
    path: str
    query: str
    version: str
    headers: Mapping[str, str]
    chunked: bool
    content_length: int

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


@attrs.frozen
class Request:
    head: RequestHead
    body: bytes

    @property
    def method(self) -> str:
        return self.head.method

    @property
    def path(self) -> str:
        return self.head.path

    @property
    def headers(self) -> Mapping[str, str]:
        return self.head.headers


@attrs.frozen
class Response:
    """An answer; `drop` closes the connection without sending anything (a fault), `drip`
    sends it one byte every `drip` seconds after the head (a fault).

    `code` is the envelope's code, kept for the request log; it is not sent by itself.
    """

    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    close: bool = False
    drop: bool = False
    delay: float = 0.0
    drip: float = 0.0
    code: int | None = None


def encode_response(response: Response, *, keep_alive: bool) -> bytes:
    reason = _REASONS.get(response.status, "Unknown")
    lines = [f"HTTP/1.1 {response.status} {reason}", f"Content-Length: {len(response.body)}"]
    if response.content_type is not None:
        lines.append(f"Content-Type: {response.content_type}")
    lines.extend(f"{name}: {value}" for name, value in response.headers)
    if not keep_alive or response.close:
        lines.append("Connection: close")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1") + response.body


class RequestParser:
    """Accumulates bytes; hands out one request head, then its body, at a time."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def next_head(self) -> RequestHead | None:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise ProtocolError(431, "request head too large")
            return None
        raw = bytes(self._buffer[:end])
        del self._buffer[: end + 4]
        return _parse_head(raw)

    def next_body(self, head: RequestHead) -> Request | None:
        if head.chunked:
            return self._next_chunked(head)
        if len(self._buffer) < head.content_length:
            return None
        body = bytes(self._buffer[: head.content_length])
        del self._buffer[: head.content_length]
        return Request(head, body)

    def _next_chunked(self, head: RequestHead) -> Request | None:
        # Re-scans from the start on each call: quadratic only for huge, finely split bodies.
        parts: list[bytes] = []
        pos = 0
        buf = self._buffer
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            try:
                size = int(bytes(buf[pos:eol]).split(b";", 1)[0], 16)
            except ValueError as error:
                raise ProtocolError(400, "bad chunk size") from error
            if size == 0:
                # Without trailers the blank line follows the size line directly (end == eol).
                end = buf.find(b"\r\n\r\n", eol)
                if end < 0:
                    return None
                del buf[: end + 4]
                return Request(head, b"".join(parts))
            start = eol + 2
            if len(buf) < start + size + 2:
                return None
            parts.append(bytes(buf[start : start + size]))
            pos = start + size + 2
            if pos > MAX_BODY:
                raise ProtocolError(413, "request body too large")


def _parse_head(raw: bytes) -> RequestHead:
    lines = raw.decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ")
    except ValueError as error:
        raise ProtocolError(400, "bad request line") from error
    if not version.startswith("HTTP/1."):
        raise ProtocolError(505, "only HTTP/1.x is served")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ProtocolError(400, "bad header line")
        key = name.strip().lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    try:
        length = 0 if chunked else int(headers.get("content-length", "0"))
    except ValueError as error:
        raise ProtocolError(400, "bad Content-Length") from error
    if length < 0 or length > MAX_BODY:
        raise ProtocolError(413, "request body too large")
    path, _, query = target.partition("?")
    return RequestHead(method, path, query, version, headers, chunked, length)
