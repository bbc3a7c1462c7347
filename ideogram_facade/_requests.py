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
from typing import TYPE_CHECKING, Any, Literal, TypedDict
from urllib.parse import urlsplit

import attrs

if TYPE_CHECKING:
    from ._generated.models.image_size import ImageSize
    from ._generated.models.rendering_speed import RenderingSpeed
    from ._generated.models.style import Style

from . import _constants as C
from . import _options
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
from ._files import LocalImage, ReferenceImage
from ._hosts import is_private_host

# The models by the names `submit()` and `generate()` take, for the type checker (which picks
# each model's options by them): a test keeps them equal to the spec's models.
CharacterModel = Literal["ideogram/character", "character"]
EditModel = Literal["ideogram/character-edit", "character-edit"]
RemixModel = Literal["ideogram/character-remix", "character-remix"]


class SubmitOptions(TypedDict, total=False):
    """The options of `submit()` and `generate()` for ideogram/character, all optional; None or
    left out is unset.

    For typing only: the options a call takes, and their choices, defaults and limits, are the
    input fields of the model's request body in the vendored spec (`openapi/market/ideogram/`),
    read by `ideogram_facade._options` and checked from there before any request. `ideogram-
    character generate --help` prints them; `ideogram_facade._options.options()` gives them to
    code. Every field is named and typed as in the spec, except `num_images` (an int; the spec
    sends it as a string), `callback_url` (the request's `callBackUrl`: an http(s) URL the
    service POSTs the result to) and the images (`_options.FILE_PARAMETERS`). A test keeps each
    model's keys and the spec's fields equal.
    """

    rendering_speed: RenderingSpeed
    style: Style
    expand_prompt: bool | None
    num_images: int
    image_size: ImageSize
    seed: int | None
    negative_prompt: str | None
    callback_url: str | None


class EditOptions(TypedDict, total=False):
    """The options of ideogram/character-edit (no `image_size`, no `negative_prompt`); its
    `image` and `mask` are required arguments of their own."""

    rendering_speed: RenderingSpeed
    style: Style
    expand_prompt: bool | None
    num_images: int
    seed: int | None
    callback_url: str | None


class RemixOptions(SubmitOptions, total=False):
    """The options of ideogram/character-remix: those of ideogram/character, and `strength`
    (0.1 to 1 in steps of 0.1: how much the result keeps of `image`), `style_images` (images
    whose style to follow) and `reference_mask` (which part of the reference is the character);
    its `negative_prompt` is at most 500 characters. Its `image` is a required argument."""

    strength: float | None
    style_images: Sequence[ReferenceImage] | None
    reference_mask: ReferenceImage | None


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


def check_request(
    model: str, prompt: str, options: Mapping[str, Any], images: Mapping[str, object]
) -> None:
    """The prompt, every option and which images are given, checked against the spec's table of
    `model`'s fields. `images` maps the facade's names of image fields (`reference_image`,
    `mask`, ...) to what was passed; the images themselves are checked when they are read."""
    table = _options.optional(model)
    takes = _options.files(model)
    for name in [*options, *images]:
        if name not in table and name not in takes and name != "callback_url":
            raise InvalidRequestError(_not_an_option(name, model))
    for name, image in takes.items():
        if image.required and images.get(name) is None:
            raise InvalidRequestError(
                f"{name} is required by {model}: {image.description or 'an image'}"
            )
    _options.options(model)["prompt"].check(prompt)
    for name, value in options.items():
        if name == "callback_url":
            if value is not None:
                check_url("callback_url", value)
        else:
            table[name].check(value)


def _not_an_option(name: str, model: str) -> str:
    others = [
        other
        for other in _options.models()
        if name in _options.optional(other) or name in _options.files(other)
    ]
    what = f"{model} takes no {name}"
    if others:
        what += f" (only {', '.join(others)} does)"
    choices = [*_options.files(model), *_options.optional(model), "callback_url"]
    choices.remove("reference_image")  # an argument of its own
    return f"{what}; its options are {', '.join(choices)}"


def create_task(
    base_url: str,
    model: str,
    prompt: str,
    image_urls: Mapping[str, str | Sequence[str]],
    options: Mapping[str, Any],
) -> HttpRequest:
    """The createTask request for `model`, after checking every option.

    `image_urls` maps the facade's image names to URLs (one, or a list for a list field).
    Options left out (or None) are left out of the model too, which then sends the spec's
    default where the spec has one.
    """
    from ._generated.api.default import create_task as create_task_endpoint

    check_request(model, prompt, options, image_urls)
    given = {name: value for name, value in options.items() if value is not None}
    callback_url = given.pop("callback_url", None)
    takes = _options.files(model)
    inputs: dict[str, Any] = {"prompt": prompt}
    for name, urls in image_urls.items():
        one = [urls] if isinstance(urls, str) else list(urls)
        for url in one:
            check_url(name, url)
        # The spec's shape: reference_image_urls is a list of one, reference_mask_urls a string.
        inputs[_IMAGE_FIELDS[name]] = one if takes[name].kind == "array" else one[0]
    table = _options.optional(model)
    inputs |= {name: table[name].to_wire(value) for name, value in given.items()}
    # The spec's defaults are sent, not left to the service: what was asked for is on record.
    for name, option in table.items():
        if option.default is not None:
            inputs.setdefault(name, option.to_wire(option.default))
    body: dict[str, Any] = {"model": model, "input": inputs}
    if callback_url is not None:
        body["callBackUrl"] = callback_url
    request = _request_model(model).from_dict(body)
    return _request(base_url, CREATE_TASK, create_task_endpoint._get_kwargs(body=request))


# The facade's name of each image field, by the spec's field name.
_IMAGE_FIELDS = {name: field for field, name in _options.FILE_PARAMETERS.items()}


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
    from ._generated.models import DownloadUrlRequest

    body = DownloadUrlRequest(url=check_url("url", url))
    return _request(base_url, DOWNLOAD_URL, get_download_url._get_kwargs(body=body))


def upload(upload_base_url: str, image: LocalImage) -> HttpRequest:
    """Small bytes as one JSON request; files through the multipart (stream) endpoint."""
    from ._generated.api.default import upload_file_base64, upload_file_stream
    from ._generated.models import Base64UploadRequest, StreamUploadRequest
    from ._generated.types import File

    if not image.from_disk and len(image.content) <= C.BASE64_UPLOAD_MAX_BYTES:
        body = Base64UploadRequest(
            base_64_data=base64.b64encode(image.content).decode("ascii"),
            upload_path=C.UPLOAD_PATH,
            file_name=image.file_name,
        )
        kwargs = upload_file_base64._get_kwargs(body=body)
        return _request(upload_base_url, FILE_BASE64_UPLOAD, kwargs)
    stream = StreamUploadRequest(
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
