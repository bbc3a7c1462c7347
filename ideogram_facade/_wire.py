"""Reading the service's answers: the envelope, the error classes, and tasks.

Pure functions of bytes in, values or exceptions out. The service's quirks live here:
errors arrive as HTTP 200 with an error `code` in the body, `msg` is sometimes `message`,
`data` may be null, HTTP 455 is not a standard status, `resultJson` is a JSON string, and
`failCode` comes as a string, an integer or null.
"""

from __future__ import annotations

import email.utils
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
import httpx

from . import _constants as C
from ._endpoints import RECORD_INFO
from ._exceptions import (
    APIConnectionError,
    ApikleyError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    FeatureDisabledError,
    GenerationFailedError,
    InsufficientCreditsError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    SubmissionUncertainError,
    TaskNotFoundError,
    UnexpectedResponseError,
    redact,
)
from ._models import Task, TaskState


@attrs.frozen
class HttpResponse:
    """What the I/O shell hands back for a request: status, headers, the whole body."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    too_large: bool = False  # the answer went on past the client's max_answer_bytes: cut there
    undecodable: str | None = None  # why its compressed body could not be decoded (_decoding)


# Transport failures that happen before a single byte of the request left this machine.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)

# code → (class, what to do). Codes the service may invent later fall back by range.
_ERRORS: dict[int, tuple[type[ApikleyError], str]] = {
    400: (BadRequestError, "Fix the request; sending it again unchanged will fail again."),
    401: (AuthenticationError, "Check the API key (argument api_key or APIKLEY_API_KEY)."),
    402: (InsufficientCreditsError, "Top up the account's credits, then submit again."),
    403: (AuthenticationError, "Check that the API key may use this model."),
    404: (
        TaskNotFoundError,
        f"Check the task id; the service keeps tasks for {C.TASK_RETENTION_DAYS} days.",
    ),
    422: (BadRequestError, "Fix the request; sending it again unchanged will fail again."),
    429: (RateLimitError, "Slow down: lower the client's RateLimit or wait before retrying."),
    433: (
        InsufficientCreditsError,
        "The API sub-key reached its usage limit: raise it or use another key.",
    ),
    455: (ServiceUnavailableError, "The service is under maintenance; try again later."),
    500: (ServerError, "The service failed; try again later."),
    501: (
        GenerationFailedError,
        "The generation failed; change the prompt or image and submit again.",
    ),
    505: (
        FeatureDisabledError,
        "The service has disabled this feature; try again later or contact Apikley.",
    ),
}


def scrubbed(value: object) -> object:
    """A copy of a decoded JSON value in which no string (nor key) holds the API key or a
    Bearer token: what every answer's `data` goes through before anything reads it, so that
    task ids, failure texts, `Task.raw`, logs and spans are clean by construction.

    Without recursion: a value nested as deep as the JSON parser allows costs no stack.
    """
    if isinstance(value, str):
        return redact(value)
    if not isinstance(value, Mapping | list):
        return value
    root: dict[Any, Any] | list[Any] = {} if isinstance(value, Mapping) else [None] * len(value)
    stack: list[tuple[Mapping[Any, Any] | list[Any], dict[Any, Any] | list[Any]]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        pairs = source.items() if isinstance(source, Mapping) else enumerate(source)
        for key, item in pairs:
            if isinstance(item, str):
                item = redact(item)
            elif isinstance(item, Mapping | list):
                copy: dict[Any, Any] | list[Any] = (
                    {} if isinstance(item, Mapping) else [None] * len(item)
                )
                stack.append((item, copy))
                item = copy
            if isinstance(target, dict):
                target[redact(key) if isinstance(key, str) else key] = item
            else:
                target[key] = item
    return root


def preview(value: object, limit: int = 200) -> str:
    """A short, redacted text of a value taken from an answer, whatever its shape or depth."""
    try:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    except (RecursionError, TypeError, ValueError):
        text = f"<a {type(value).__name__} too deeply nested or odd to show>"
    return redact(text)[:limit]


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header, given in seconds or as an HTTP date."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def transport_error(
    exc: Exception, *, endpoint: str, idempotent: bool, task_id: str | None
) -> ApikleyError:
    """The error for an exchange that got no answer."""
    kind = type(exc).__name__
    if not idempotent and not isinstance(exc, NOT_SENT):
        return SubmissionUncertainError(
            f"{endpoint}: the connection failed after the request was sent ({kind}), so the "
            "service may have created a task. It was not sent again, so that you are not "
            "charged twice: check your tasks in the Apikley dashboard (or wait for the "
            "callback) before submitting again",
            task_id=task_id,
        )
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{endpoint}: the request timed out ({kind}). Check your network, or raise the "
            "client's timeout",
            task_id=task_id,
        )
    return APIConnectionError(
        f"{endpoint}: could not talk to the service ({kind}: {exc}). Check the network and "
        "base_url",
        task_id=task_id,
    )


def _as_code(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


# What reading a malformed answer can raise that is not ours (a deep value's str(), an odd type
# where a documented one was expected, ...): `unwrap` and `parse_task` turn any of these into
# an error of our hierarchy, so no answer, however malformed, reaches a caller as anything else.
_UNREADABLE = (
    RecursionError,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    OverflowError,
)


def unwrap(
    response: HttpResponse,
    *,
    endpoint: str,
    idempotent: bool,
    task_id: str | None = None,
) -> Any:
    """The `data` of a successful answer; otherwise the matching `ApikleyError`.

    A call succeeded only if the HTTP status is 2xx and the body's `code` is 200.
    """
    if response.too_large or response.undecodable:
        raise unreadable(endpoint, idempotent, response, task_id, None)
    try:
        return _unwrap(response, endpoint=endpoint, idempotent=idempotent, task_id=task_id)
    except ApikleyError:  # BadRequestError is a ValueError too
        raise
    except _UNREADABLE as error:
        raise unreadable(endpoint, idempotent, response, task_id, error) from None


def unreadable(
    endpoint: str,
    idempotent: bool,
    response: HttpResponse,
    task_id: str | None,
    error: BaseException | None,
) -> ApikleyError:
    """The error for an answer this client cannot read at all (`error` None: it was too large,
    or could not be decoded)."""
    body = response.content.decode("utf-8", errors="replace")
    if error is not None:
        why = type(error).__name__
    elif response.undecodable:
        why = response.undecodable
    else:
        why = f"larger than the client's max_answer_bytes ({len(response.content)} bytes read)"
    if not idempotent:
        return SubmissionUncertainError(
            f"{endpoint}: the answer (HTTP {response.status_code}) could not be read "
            f"({why}), so the service may have created a task. It was not "
            "sent again, so that you are not charged twice: check your tasks in the Apikley "
            "dashboard before submitting again",
            status_code=response.status_code,
            task_id=task_id,
            body=body,
        )
    return UnexpectedResponseError(
        f"{endpoint}: the answer (HTTP {response.status_code}) could not be read ({why}). Try "
        "again later; if it persists, report it with the body excerpt",
        status_code=response.status_code,
        task_id=task_id,
        body=body,
    )


def _unwrap(
    response: HttpResponse,
    *,
    endpoint: str,
    idempotent: bool,
    task_id: str | None = None,
) -> Any:
    status = response.status_code
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, too deep, a 5,000-digit number
        body = None
    envelope = body if isinstance(body, dict) and "code" in body else None
    code = _as_code(envelope.get("code")) if envelope is not None else None
    if 200 <= status < 300 and code == 200 and (envelope or {}).get("success") is not False:
        assert envelope is not None
        return scrubbed(envelope.get("data"))

    # Whole: the error redacts it, then cuts it (a key across the cut would survive in part).
    snippet = response.content.decode("utf-8", errors="replace")
    if envelope is None:
        if not idempotent and (status < 300 or status >= 500):
            # Not an answer from the API itself (a proxy's page, a cut-off body): the create
            # may have gone through behind it.
            raise SubmissionUncertainError(
                f"{endpoint}: the answer (HTTP {status}) could not be read, so the service may "
                "have created a task. It was not sent again, so that you are not charged "
                "twice: check your tasks in the Apikley dashboard before submitting again",
                status_code=status,
                task_id=task_id,
                body=snippet,
            )
        # A page from a proxy, not the API: its status is all there is to go on (a 501 from a
        # proxy is a server fault, not a failed generation).
        known = classify(status) if status >= 300 and status != 501 else None
        if known is None:
            raise UnexpectedResponseError(
                f"{endpoint}: the service answered HTTP {status} with a body that is not the "
                "JSON envelope this client reads. Try again later; if it persists, report it "
                "with the body excerpt",
                status_code=status,
                task_id=task_id,
                body=snippet,
            )
        cls, advice = known
        kind = response.headers.get("content-type", "no content type")
        raise cls(
            f"{endpoint}: HTTP {status} ({kind}). {advice}",
            status_code=status,
            task_id=task_id,
            body=snippet,
            endpoint=endpoint,
        )

    if code is None and not idempotent and 200 <= status < 300:
        # An envelope whose code cannot be read: the create may have been accepted behind it.
        raise SubmissionUncertainError(
            f"{endpoint}: the answer (HTTP {status}) has a code this client cannot read "
            f"({preview(envelope.get('code'), 50)}), so the service may have created a task. It "
            "was not sent again, so that you are not charged twice: check your tasks in the "
            "Apikley dashboard before submitting again",
            status_code=status,
            task_id=task_id,
            body=snippet,
        )
    message = envelope.get("msg", envelope.get("message"))
    said = preview(message) if message not in (None, "") else "no message"
    effective = code if code is not None and code != 200 else status
    if endpoint == RECORD_INFO.name and effective == 422 and "null" in said.lower():
        effective = 404  # observed: an unknown taskId answers 422 "recordInfo is null"
    cls, advice = classify(effective) or (
        UnexpectedResponseError,
        "Report it with the body excerpt.",
    )
    extra: dict[str, Any] = {}
    if cls is RateLimitError:
        extra["retry_after"] = retry_after(response.headers)
    # A refusal that still names a task (seen as a JSON 5xx from createTask): keep its id.
    data = envelope.get("data")
    named = _text(data.get("taskId")) if isinstance(data, dict) else None
    raise cls(
        f"{endpoint}: the service said {said!r}. {advice}",
        code=code,
        status_code=status,
        task_id=task_id or named,
        body=snippet,
        endpoint=endpoint,
        **extra,
    )


def classify(code: int) -> tuple[type[ApikleyError], str] | None:
    if code in _ERRORS:
        return _ERRORS[code]
    return (ServerError, _ERRORS[500][1]) if code >= 500 else None


def _text(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value) if isinstance(value, (str, int, float)) else None
    return text or None


def _time(value: object) -> datetime | None:
    """Epoch milliseconds (documented), epoch seconds or an ISO 8601 string."""
    if isinstance(value, bool) or value in (None, "", 0):
        return None
    try:
        if isinstance(value, (int, float)):
            seconds = value / 1000 if abs(value) > 1e11 else value
            return datetime.fromtimestamp(seconds, UTC)
        if isinstance(value, str):
            if value.strip().lstrip("-").isdigit():
                return _time(int(value))
            # Imported on first use: only odd answers carry ISO times, and the parser is slow
            # to import.
            from dateutil.parser import isoparse

            parsed: datetime = isoparse(value)
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # OverflowError: a 400-digit integer
        return None
    return number if math.isfinite(number) else None


def _image_urls(value: object, task_id: str) -> tuple[str, ...]:
    if isinstance(value, str):
        text = value
        try:
            value = json.loads(text) if text.strip() else {}
        except (ValueError, RecursionError):
            raise UnexpectedResponseError(
                "the task succeeded but its resultJson is not JSON; fetch it again with "
                "get_task(), and report it if it persists",
                task_id=task_id,
                body=text,
            ) from None
    urls = value.get("resultUrls") if isinstance(value, Mapping) else None
    if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
        raise UnexpectedResponseError(
            "the task succeeded but its resultJson has no list of resultUrls; fetch it again "
            "with get_task(), and report it if it persists",
            task_id=task_id,
            body=preview(value, C.ERROR_BODY_EXCERPT),
        )
    return tuple(urls)


def parse_task(data: object, task_id: str | None = None) -> Task:
    """A `Task` from recordInfo's `data` (or a callback's), tolerant of the documented variants.

    `task_id` is the id asked about, if any: the task keeps it whatever id the answer names.
    `data` is `scrubbed` already (`unwrap` and `parse_callback` see to it).
    """
    try:
        return _parse_task(data, task_id)
    except ApikleyError:
        raise
    except _UNREADABLE as error:
        raise UnexpectedResponseError(
            f"the task's data could not be read ({type(error).__name__}); fetch it again with "
            "get_task(), and report it if it persists",
            task_id=task_id,
            body=preview(data, C.ERROR_BODY_EXCERPT),
        ) from None


def _parse_task(data: object, task_id: str | None) -> Task:
    if not isinstance(data, Mapping):
        raise UnexpectedResponseError(
            f"expected the task's data object, got {type(data).__name__}; report it if it persists",
            task_id=task_id,
        )
    found = _text(data.get("taskId")) or _text(data.get("task_id"))
    if found is None and task_id is None:
        raise UnexpectedResponseError("the answer names no taskId; report it if it persists")
    task_id = task_id or found
    assert task_id is not None
    raw_state = data.get("state")
    state = TaskState(raw_state.lower()) if isinstance(raw_state, str) else TaskState.UNKNOWN
    if state is TaskState.EXPIRED:  # ours, for journaled tasks; never taken from an answer
        state = TaskState.UNKNOWN
    return Task(
        task_id=task_id,
        state=state,
        image_urls=_image_urls(data.get("resultJson"), task_id)
        if state is TaskState.SUCCESS
        else (),
        fail_code=_text(data.get("failCode")),
        fail_message=_text(data.get("failMsg")),
        created_at=_time(data.get("createTime")),
        updated_at=_time(data.get("updateTime")),
        completed_at=_time(data.get("completeTime")),
        credits_consumed=number(data.get("creditsConsumed")),
        model=_text(data.get("model")),
        raw=dict(data),
    )


def failure(task: Task) -> GenerationFailedError:
    reason = task.fail_message or "no reason given"
    return GenerationFailedError(
        f"the task failed: {reason} (fail code {task.fail_code or 'none'}). Change the prompt "
        "or reference image and submit again",
        fail_code=task.fail_code,
        fail_message=task.fail_message,
        task_id=task.task_id,
    )
