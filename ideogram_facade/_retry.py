"""When to send a request again, and after how long: one policy for API calls and downloads.

Pure: no I/O and no client state; the caller passes what the decision needs.

    delay(idempotent=False, reply=httpx.ReadTimeout("..."), error=..., attempt=0, retries=2,
          deadline=None, now=0.0, spread=0.5)  # None: a create may have gone through
    poll_pause(2.0, RateLimitError("...", retry_after=30.0))  # 30.0: asked for, under the cap
"""

from __future__ import annotations

from . import _constants as C
from . import _wire
from ._exceptions import (
    ApikleyError,
    RateLimitError,
    ServiceUnavailableError,
    SubmissionUncertainError,
)


def delay(
    *,
    idempotent: bool,
    reply: object,
    error: ApikleyError,
    attempt: int,
    retries: int,
    deadline: float | None,
    now: float,
    spread: float,
) -> float | None:
    """Seconds to wait before sending the request again, or None: don't.

    `reply` is what the exchange gave (an answer, or the transport exception), `error` what it
    was read as, `attempt` how many times it was resent already, `spread` a uniform draw from
    [0, 1) that places the backoff within its jitter.
    """
    if attempt >= retries or isinstance(error, SubmissionUncertainError):
        return None
    if isinstance(error, RateLimitError | ServiceUnavailableError):
        # The service refused without queueing anything: safe even for createTask.
        safe = True
    elif isinstance(reply, Exception):
        safe = idempotent or isinstance(reply, _wire.NOT_SENT)
    else:
        safe = idempotent and error.retryable  # a 5xx, an answer we could not read
    if not safe:
        return None
    wait = backoff(attempt, spread)
    asked: float | None = getattr(error, "retry_after", None)
    if asked is not None:
        if asked > C.RETRY_AFTER_CAP:
            return None  # minutes of sleep inside a library call: better to say so
        wait = max(wait, asked)
    if deadline is not None and now + wait >= deadline:
        return None
    return wait


def poll_pause(scheduled: float, failed: ApikleyError | None) -> float:
    """The pause before the next poll of a task: the schedule's, or longer if the last poll
    `failed` with a Retry-After.

    Unlike `delay`, a long Retry-After is cut to the cap rather than given up on: `wait()` has
    its own deadline, and the task keeps running meanwhile.
    """
    asked: float | None = getattr(failed, "retry_after", None)
    if asked is None:
        return scheduled
    return max(scheduled, min(asked, C.RETRY_AFTER_CAP))


def backoff(attempt: int, spread: float) -> float:
    """0.5 s, 1 s, 2 s, ... capped, each spread by ±25 % so that clients don't retry in step;
    `spread` (a uniform draw from [0, 1)) places it in that range, 0.5 in the middle."""
    base = min(C.RETRY_MAX_DELAY, C.RETRY_INITIAL_DELAY * 2.0**attempt)
    return base * (1 + C.RETRY_JITTER * (2 * spread - 1))
