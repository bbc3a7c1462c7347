"""The fake's file-upload API: three ways in, one in-memory store, served back at downloadUrl.

    uploads = Uploads(spec, epoch_ms=lambda: 1765179922911)
    uploads.base_url = "http://127.0.0.1:8000"
    uploads.from_base64(b'{"base64Data": "iVBORw0...", "uploadPath": "refs"}')
    uploads.serve("/files/uploads/refs/3f2a.png")      # -> the bytes, with their MIME type

Schema problems answer 422 like the other endpoints; problems only the upload service can see
(undecodable Base64, a URL it will not fetch) answer 400.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import secrets
import threading
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import attrs
import httpx

from ideogram_facade._endpoints import (
    FILE_BASE64_UPLOAD,
    FILE_STREAM_UPLOAD,
    FILE_URL_UPLOAD,
    Endpoint,
)
from ideogram_facade._hosts import is_loopback
from ideogram_facade._transport import tls_context
from ideogram_facade.testing._envelope import parse_json_body, upload_envelope
from ideogram_facade.testing._schema import request_schema, validate
from ideogram_facade.testing._wire import Response

UPLOADS_PREFIX = "/files/uploads/"
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
)


@attrs.frozen
class StoredFile:
    file_name: str
    file_path: str
    data: bytes
    mime_type: str
    uploaded_at: str


def sniff_mime(data: bytes, file_name: str) -> str:
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return mimetypes.guess_type(file_name)[0] or "application/octet-stream"


Form = tuple[dict[str, str | bytes], dict[str, str]]


def parse_multipart(body: bytes, content_type: str) -> Form | None:
    """(fields, file names): file parts (those with a filename) as bytes, the rest as text."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        return None
    fields: dict[str, str | bytes] = {}
    file_names: dict[str, str] = {}
    for part in body.split(b"--" + match.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, value = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        value = value.removesuffix(b"\r\n")
        disposition = dict(re.findall(r'(\w+)="([^"]*)"', head.decode("latin-1")))
        if "name" not in disposition:
            continue
        if "filename" in disposition:
            fields[disposition["name"]] = value
            file_names[disposition["name"]] = disposition["filename"]
        else:
            fields[disposition["name"]] = value.decode("utf-8", "replace")
    return fields, file_names


class Uploads:
    def __init__(
        self, spec: Mapping[str, Any], epoch_ms: Callable[[], int], fetch_timeout: float = 10.0
    ) -> None:
        self.base_url = ""
        self._spec = spec
        self._epoch_ms = epoch_ms
        self._fetch_timeout = fetch_timeout
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}

    def files(self) -> dict[str, StoredFile]:
        with self._lock:
            return dict(self._files)

    def from_stream(self, body: bytes, content_type: str) -> Response:
        form = parse_multipart(body, content_type)
        if form is None:
            return upload_envelope(400, "expected a multipart/form-data body with a boundary")
        fields, file_names = form
        problem = self._check(FILE_STREAM_UPLOAD, fields)
        if problem is not None:
            return problem
        data = fields["file"]
        if not isinstance(data, bytes):
            return upload_envelope(422, "file: expected a file part (with a filename)")
        original = file_names.get("file", "")
        return self._store(data, str(fields["uploadPath"]), fields.get("fileName"), original)

    def from_base64(self, body: bytes) -> Response:
        value, refused = self._checked_json(FILE_BASE64_UPLOAD, body)
        if refused is not None:
            return refused
        text = str(value["base64Data"])
        declared = ""
        if text.startswith("data:"):
            header, _, text = text.partition(",")
            declared = header[5:].split(";", 1)[0]
        try:
            data = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            return upload_envelope(400, "base64Data is not valid Base64")
        extension = (mimetypes.guess_extension(declared) or "") if declared else ""
        return self._store(data, str(value["uploadPath"]), value.get("fileName"), extension)

    def from_url(self, body: bytes) -> Response | Awaitable[Response]:
        value, refused = self._checked_json(FILE_URL_UPLOAD, body)
        if refused is not None:
            return refused
        url = str(value["fileUrl"])
        if not is_loopback(url):
            return upload_envelope(400, "fileUrl: the fake fetches only loopback URLs")
        return self._fetch_and_store(url, str(value["uploadPath"]), value.get("fileName"))

    def content_of(self, url: str) -> bytes | None:
        """The bytes of an upload of this fake, by its URL; None for any other URL."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.base_url:
            return None
        if not parts.path.startswith(UPLOADS_PREFIX):
            return None
        with self._lock:
            stored = self._files.get(unquote(parts.path[len(UPLOADS_PREFIX) :]))
        return None if stored is None else stored.data

    def serve(self, path: str) -> Response:
        with self._lock:
            stored = self._files.get(unquote(path[len(UPLOADS_PREFIX) :]))
        if stored is None:
            return Response(404, b"Not Found", content_type="text/plain")
        return Response(200, stored.data, content_type=stored.mime_type)

    async def _fetch_and_store(self, url: str, upload_path: str, name: object) -> Response:
        try:
            async with httpx.AsyncClient(
                timeout=self._fetch_timeout, trust_env=False, verify=tls_context()
            ) as client:
                answer = await client.get(url)
        except httpx.HTTPError as error:
            return upload_envelope(400, f"could not download fileUrl: {error!r}")
        if answer.status_code >= 400:
            return upload_envelope(400, f"could not download fileUrl: HTTP {answer.status_code}")
        basename = urlsplit(url).path.rsplit("/", 1)[-1]
        return self._store(answer.content, upload_path, name, basename)

    def _checked_json(self, endpoint: Endpoint, body: bytes) -> tuple[Any, Response | None]:
        """The JSON body of an upload request, or the answer that refuses it."""
        value, problem = parse_json_body(body)
        if problem is not None:
            return value, upload_envelope(422, problem)
        return value, self._check(endpoint, value)

    def _check(self, endpoint: Endpoint, value: Any) -> Response | None:
        schema = request_schema(self._spec, endpoint.method, endpoint.path)
        errors = validate(schema, value, self._spec) if schema is not None else []
        if not errors and not isinstance(value, dict):
            errors = ["body: expected object"]
        if errors:
            return upload_envelope(422, "; ".join(errors))
        upload_path = value.get("uploadPath")
        if not isinstance(upload_path, str) or not upload_path.strip("/"):
            return upload_envelope(422, "uploadPath: required field is missing")
        if upload_path != upload_path.strip("/"):
            return upload_envelope(400, "uploadPath: must not start or end with '/'")
        return None

    def _store(self, data: bytes, upload_path: str, name: object, hint: str) -> Response:
        # A name hint is either the client's original file name or just an extension.
        if isinstance(name, str) and name:
            file_name = name
        else:
            extension = "." + hint.rsplit(".", 1)[-1] if "." in hint else ""
            file_name = secrets.token_hex(8) + extension
        mime = sniff_mime(data, file_name)
        file_path = f"{upload_path}/{file_name}"
        millis = self._epoch_ms()
        stamp = datetime.fromtimestamp(millis / 1000, UTC).isoformat(timespec="milliseconds")
        stored = StoredFile(file_name, file_path, data, mime, stamp.replace("+00:00", "Z"))
        with self._lock:
            self._files[file_path] = stored  # the same name overwrites, as upstream
        return upload_envelope(
            200,
            "File uploaded successfully",
            {
                "fileName": file_name,
                "filePath": file_path,
                "downloadUrl": f"{self.base_url}{UPLOADS_PREFIX}{quote(file_path)}",
                "fileSize": len(data),
                "mimeType": mime,
                "uploadedAt": stored.uploaded_at,
            },
        )
