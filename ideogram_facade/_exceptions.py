"""Every failure a user can meet is one of these classes.

    ApikleyError                        message, code, status_code, task_id, body, endpoint,
    │                                   retryable
    ├── APIStatusError                  the service answered, and refused: status_code, body,
    │   │                               endpoint are always set
    │   ├── BadRequestError             400, 422 (also InvalidRequestError)
    │   ├── AuthenticationError         401, 403: the key was refused
    │   ├── InsufficientCreditsError    402, 433 (the key's spending limit)
    │   ├── TaskNotFoundError           404; recordInfo's "recordInfo is null"
    │   ├── RateLimitError              429; .retry_after                     retryable
    │   ├── ServiceUnavailableError     455 (maintenance)                     retryable
    │   ├── ServerError                 500 and other 5xx                     retryable
    │   └── FeatureDisabledError        505
    ├── InvalidRequestError             (also ValueError) our own checks, before any I/O: a
    │                                   field, a setting, a missing API key; and BadRequestError
    ├── GenerationFailedError           a task that ended in state fail (or code 501)
    ├── APIConnectionError              transport failure                     retryable
    │   └── APITimeoutError             the HTTP request timed out            retryable
    ├── SubmissionUncertainError        createTask may have been accepted, but its answer was lost
    ├── UnexpectedResponseError         non-JSON, HTML error pages, shapes    retryable
    │                                   we cannot read
    ├── TaskTimeoutError                (also TimeoutError) wait() ran out of time; .last_state
    ├── InvalidSignatureError           a callback whose signature is missing, wrong or stale
    ├── SaveError                       (also OSError) an image could not be written to disk
    ├── JournalError                    the task journal cannot be opened, locked or written
    └── BudgetExceededError             a submit would take the credit budget (budget=) past
                                        its max_credits: nothing was sent

Catch `ApikleyError` for all of them, `APIStatusError` for every refusal by the service, and
`InvalidRequestError` for a request that is wrong, whoever found it (our checks before sending
anything, or the service's 400/422: `BadRequestError` is both). `retryable` says whether the
same call may succeed later (`wait()` rides those out until its deadline); whether a request is
*resent* is the client's decision, and a createTask that may have gone through never is. Every
instance names the task id when there is one:

    try:
        task = client.generate("a knight in the rain", "https://example.com/me.png")
    except GenerationFailedError as error:
        print(error.fail_code, error.fail_message)
    except TaskTimeoutError as error:
        task = client.wait(error.task_id)          # the task keeps running; resume
    except APIStatusError as error:
        print(error.endpoint, error.status_code, error.body)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import _constants as C

if TYPE_CHECKING:
    from ._task_state import TaskState

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ApikleyError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "FeatureDisabledError",
    "GenerationFailedError",
    "InsufficientCreditsError",
    "InvalidRequestError",
    "InvalidSignatureError",
    "JournalError",
    "RateLimitError",
    "SaveError",
    "ServerError",
    "ServiceUnavailableError",
    "SubmissionUncertainError",
    "TaskNotFoundError",
    "TaskTimeoutError",
    "UnexpectedResponseError",
]


# Every API key a client of this process was configured with. An answer may echo what it was
# sent ("Invalid API key: Bearer sk-..."), so every error scrubs these, and any Bearer token,
# from its message and body; on the whole text, before anything is cut.
_SECRETS: set[str] = set()
_BEARER = re.compile(r"(?i)\bbearer\s+[^\s\"',;]+")
REDACTED = "[redacted]"


def register_secret(secret: str) -> None:
    """Scrub `secret` from every error from now on (the clients register their API key).

    Keys shorter than 8 characters (never a real one) are not registered: scrubbing them would
    cut ordinary words out of every message.
    """
    if len(secret) >= 8:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """`text` without any API key a client was given, or any Bearer token: for your own logs
    of what the clients touched (their errors are redacted already). Call it before cutting a
    text, so that no part of a key survives.

        logger.info("request failed: %s", ideogram_facade.redact(str(problem)))
    """
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _BEARER.sub(f"Bearer {REDACTED}", text)


class ApikleyError(Exception):
    """Base class. `code` is the body's code, `status_code` the HTTP status, `body` an excerpt,
    `endpoint` the operation that failed (`createTask`, `download from HOST`, ...).

    No text of an error holds the API key: `message`, `body` and `task_id` are redacted whole,
    then `body` is cut to an excerpt. `retryable` (of the class) says whether the same call may
    succeed later.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status_code: int | None = None,
        task_id: str | None = None,
        body: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code
        self.task_id = None if task_id is None else redact(task_id)
        self.body = None if body is None else redact(body)[: C.ERROR_BODY_EXCERPT]
        self.endpoint = endpoint

    def __str__(self) -> str:
        details = []
        if self.task_id is not None:
            details.append(f"task {self.task_id}")
        if self.status_code is not None:
            details.append(f"HTTP {self.status_code}")
        if self.code is not None and self.code != self.status_code:
            details.append(f"code {self.code}")
        return f"{self.message} ({', '.join(details)})" if details else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class APIStatusError(ApikleyError):
    """The service answered, and refused: `status_code` (the HTTP status; the body's own code is
    `code`), `body` (an excerpt) and `endpoint` say what answered what (the client always sets
    all three)."""


class InvalidRequestError(ApikleyError, ValueError):
    """The request is invalid: fix the named field; retrying the same request won't help.

    Raised by our own checks, before anything is sent (a field out of range, a bad setting, no
    API key), and, as `BadRequestError`, for the service's 400 and 422."""


class BadRequestError(APIStatusError, InvalidRequestError):
    """The service refused the request as invalid (400, 422): fix it, then submit again."""


class AuthenticationError(APIStatusError):
    """The service refused the API key (401), or its access to this model (403)."""


class InsufficientCreditsError(APIStatusError):
    """The account (or this sub-key) cannot pay for the request."""


class TaskNotFoundError(APIStatusError):
    """The service does not know this task id."""


class RateLimitError(APIStatusError):
    """Too many requests; `retry_after` is the wait the service asked for, in seconds."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServiceUnavailableError(APIStatusError):
    """The service is down for maintenance (HTTP or body code 455)."""

    retryable = True


class ServerError(APIStatusError):
    """The service failed (500 or another 5xx)."""

    retryable = True


class GenerationFailedError(ApikleyError):
    """The task ended in state fail (or code 501); `fail_code` and `fail_message` say why."""

    def __init__(
        self,
        message: str,
        *,
        fail_code: str | None = None,
        fail_message: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.fail_code = None if fail_code is None else redact(fail_code)
        self.fail_message = None if fail_message is None else redact(fail_message)


class FeatureDisabledError(APIStatusError):
    """The service has disabled this feature (code 505)."""


class APIConnectionError(ApikleyError):
    """The HTTP exchange failed: the service could not be reached or the connection broke."""

    retryable = True


class APITimeoutError(APIConnectionError):
    """The HTTP request timed out."""


class SubmissionUncertainError(ApikleyError):
    """createTask may have reached the service, but its answer was lost.

    The client never re-sends such a request, so that one call is never paid twice. A task may
    exist: look for it in the Apikley dashboard (or wait for its callback) before submitting again.
    """


class TaskTimeoutError(ApikleyError, TimeoutError):
    """wait() ran out of time; the task goes on. Resume with `client.wait(error.task_id)`."""

    def __init__(
        self, message: str, *, last_state: TaskState | None = None, **kwargs: object
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.last_state = last_state


class UnexpectedResponseError(ApikleyError):
    """The service answered something this client cannot read (not JSON, an HTML page, ...)."""

    retryable = True


class InvalidSignatureError(ApikleyError):
    """A callback's signature is missing, malformed, wrong or too old: do not trust its body."""


class SaveError(ApikleyError, OSError):
    """An image could not be written to disk: a folder that cannot be created or written, a
    full disk. Local, so never retried, and the task is not lost: its images stay on the
    service (about 14 days), and `download()` fetches them again once the disk can take them.
    `path` is what could not be written."""

    def __init__(self, message: str, *, path: str | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.path = path


class JournalError(ApikleyError):
    """The task journal (`journal=`) cannot be opened, locked, read or written: it is not a
    journal, another process holds it, it was emptied or replaced since its last use, a row is
    damaged (the message names it), it holds a sandbox's tasks and the client is not one (or
    the other way round), the disk is full. When it strikes after the service accepted a
    task, `task_id` names that task: it is paid for, so keep the id (`wait()` and `download()`
    take it)."""


class BudgetExceededError(ApikleyError):
    """A submit would take the credit budget (`budget=Budget(max_credits=...)`) past its
    `max_credits`, counted over every process that shares its storage: nothing was uploaded or
    sent. `max_credits`, `spent` (what ended tasks consumed), `reserved` (what tasks still
    running, or whose submit's answer was lost, may still consume) and `needed` (this submit's
    reservation) say by how much. It may pass later, once running tasks end and settle for
    less than they reserved."""

    def __init__(
        self,
        message: str,
        *,
        max_credits: float,
        spent: float,
        reserved: float,
        needed: float,
        **kwargs: object,
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.max_credits = max_credits
        self.spent = spent
        self.reserved = reserved
        self.needed = needed
