"""Checking what the user asked for, and turning it into HTTP requests.

Request bodies come from the generated models and paths from the generated endpoint modules,
so a change of the vendored spec that breaks this module breaks its type check and its tests.
Everything is checked before any I/O; the error names the field, the problem and the limit.

The generated package is imported inside the functions that need it, on the first request:
its models/__init__ loads all of its models, which would double the time `import
ideogram_facade` takes (see BENCHMARKS.md, import time).
"""

from __future__ import annotations

import base64
import functools
import io
import typing
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import attrs

from . import _constants as C
from ._endpoints import (
    CREATE_TASK,
    CREDIT,
    DOWNLOAD_URL,
    FILE_BASE64_UPLOAD,
    FILE_STREAM_UPLOAD,
    RECORD_INFO,
    Endpoint,
)
from ._exceptions import InvalidRequestError
from ._files import LocalImage
from ._hosts import is_private_host
from ._options import PROMPT, Model


@attrs.frozen
class HttpRequest:
    """One HTTP request, ready to send, to `endpoint` (its name, retry rule and rate window)."""

    method: str
    url: str
    endpoint: Endpoint
    params: dict[str, str] | None = None
    json: Any = None
    files: Any = None


def check_url(field: str, value: object) -> str:
    """An absolute http(s) URL with a host, or InvalidRequestError."""
    if not isinstance(value, str):
        raise InvalidRequestError(f"{field} must be an http(s) URL; got {type(value).__name__}")
    # urlsplit, not httpx.URL: a twentieth of the cost, on every submit.
    try:
        url = urlsplit(value)
        host = url.hostname
        url.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as exc:
        raise InvalidRequestError(f"{field} is not a valid URL ({exc}): {value[:200]!r}") from None
    if url.scheme not in ("http", "https") or not host or " " in value or not value.isprintable():
        raise InvalidRequestError(f"{field} must be an absolute http(s) URL; got {value[:200]!r}")
    return value


def check_public_url(field: str, url: str, *, allowed: bool, task_id: str | None = None) -> str:
    """`url`, unless it points at a private host and such hosts are not `allowed`."""
    if not allowed and is_private_host(url):
        raise InvalidRequestError(
            f"{field} {url[:200]!r} points at this machine or a private network, which a "
            "result or callback URL from the service never does: refused, so that no answer "
            "can steer this client at internal hosts. Pass allow_private_urls=True to the "
            "client if you mean it",
            task_id=task_id,
        )
    return url


def check_task_id(task_id: object) -> str:
    if not isinstance(task_id, str) or not task_id.strip():
        raise InvalidRequestError(f"task_id must be a non-empty string; got {task_id!r}")
    return task_id


def create_task(
    base_url: str,
    model: Model,
    prompt: str,
    image_urls: Mapping[str, str | Sequence[str]],
    options: Mapping[str, Any],
    *,
    callback_url: str | None = None,
    extra_input: Mapping[str, Any] | None = None,
) -> HttpRequest:
    """The createTask request for `model`, from values `Model.check()` has passed.

    `image_urls` maps image keywords to URLs (one, or a list for a list field), `options`
    the other keywords to values (None or left out: unset). Each field is sent under the
    spec's name and in its wire form, and a field left out that has a default in the spec is
    sent with it: what was asked for is on record. `extra_input` goes into `input` as is.
    """
    from ._generated.api.default import create_task as create_task_endpoint

    fields = model.fields
    inputs: dict[str, Any] = {fields[PROMPT].field: prompt}
    for name, urls in image_urls.items():
        one = [urls] if isinstance(urls, str) else list(urls)
        for url in one:
            check_url(name, url)
        # The spec's shape: reference_image_urls is a list of one, reference_mask_urls a string.
        inputs[fields[name].field] = one if fields[name].kind == "array" else one[0]
    for name, value in options.items():
        if value is not None:
            inputs[fields[name].field] = fields[name].to_wire(value)
    for option in fields.values():
        if option.default is not None and not option.image:
            inputs.setdefault(option.field, option.to_wire(option.default))
    body: dict[str, Any] = {"model": model.name, "input": {**inputs, **(extra_input or {})}}
    if callback_url is not None:
        body["callBackUrl"] = check_url("callback_url", callback_url)
    request = _request_model(model.name).from_dict(body)
    return _request(base_url, CREATE_TASK, create_task_endpoint._get_kwargs(body=request))


@functools.cache
def _request_model(model: str) -> Any:
    """The generated request class whose `model` enum names `model`: the classes are the
    members of the createTask endpoint's `body` union, so a new model needs no code here."""
    from ._generated.api.default import create_task as create_task_endpoint

    body = typing.get_type_hints(create_task_endpoint._get_kwargs)["body"]
    for request_class in typing.get_args(body):
        # Each model's `model` field is a one-value Literal that defaults to that value.
        if attrs.fields(request_class).model.default == model:
            return request_class
    raise InvalidRequestError(f"the generated client has no request for {model!r}")


def task_details(base_url: str, task_id: str) -> HttpRequest:
    from ._generated.api.default import get_task_details

    kwargs = get_task_details._get_kwargs(task_id=check_task_id(task_id))
    return _request(base_url, RECORD_INFO, kwargs)


def credits(base_url: str) -> HttpRequest:
    from ._generated.api.default import get_account_credits

    return _request(base_url, CREDIT, get_account_credits._get_kwargs())


def download_url(base_url: str, url: str) -> HttpRequest:
    from ._generated.api.default import get_download_url
    from ._generated.models import GetDownloadUrlBody

    body = GetDownloadUrlBody(url=check_url("url", url))
    return _request(base_url, DOWNLOAD_URL, get_download_url._get_kwargs(body=body))


def upload(upload_base_url: str, image: LocalImage) -> HttpRequest:
    """Small bytes as one JSON request; files through the multipart (stream) endpoint."""
    from ._generated.api.default import upload_file_base64, upload_file_stream
    from ._generated.models import UploadFileBase64Body, UploadFileStreamBody
    from ._generated.types import File

    if not image.from_disk and len(image.content) <= C.BASE64_UPLOAD_MAX_BYTES:
        body = UploadFileBase64Body(
            base_64_data=base64.b64encode(image.content).decode("ascii"),
            upload_path=C.UPLOAD_PATH,
            file_name=image.file_name,
        )
        kwargs = upload_file_base64._get_kwargs(body=body)
        return _request(upload_base_url, FILE_BASE64_UPLOAD, kwargs)
    stream = UploadFileStreamBody(
        file=File(io.BytesIO(image.content), image.file_name, image.mime_type),
        upload_path=C.UPLOAD_PATH,
        file_name=image.file_name,
    )
    # The generated kwargs also set a Content-Type with a made-up boundary; httpx writes the
    # real one when it builds the multipart body, so only `files` is taken.
    kwargs = upload_file_stream._get_kwargs(body=stream)
    return _request(upload_base_url, FILE_STREAM_UPLOAD, kwargs)


def _request(base_url: str, endpoint: Endpoint, kwargs: dict[str, Any]) -> HttpRequest:
    # The generated modules are the source of truth for method, path and body shape; their
    # `_get_kwargs` is private by name only (it is our own generated code, pinned).
    return HttpRequest(
        method=kwargs["method"].upper(),
        url=base_url.rstrip("/") + kwargs["url"],
        endpoint=endpoint,
        params=kwargs.get("params"),
        json=kwargs.get("json"),
        files=kwargs.get("files"),
    )
