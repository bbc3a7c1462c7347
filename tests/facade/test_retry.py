"""The one retry policy, for API calls and downloads alike: pure, so tested without sockets."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
import pytest

from ideogram_facade import (
    APIConnectionError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    SubmissionUncertainError,
    _retry,
)
from ideogram_facade import _constants as C
from ideogram_facade._exceptions import ApikleyError
from ideogram_facade._wire import HttpResponse

ANSWER = HttpResponse(500, {}, b"{}")


def _delay(
    error: ApikleyError,
    *,
    idempotent: bool,
    reply: object = ANSWER,
    attempt: int = 0,
    deadline: float | None = None,
    spread: float = 0.5,
) -> float | None:
    return _retry.delay(
        idempotent=idempotent,
        reply=reply,
        error=error,
        attempt=attempt,
        retries=2,
        deadline=deadline,
        now=100.0,
        spread=spread,
    )


def test_a_create_whose_request_may_have_arrived_is_never_resent() -> None:
    lost = httpx.ReadTimeout("answer lost")
    assert _delay(APIConnectionError("x"), idempotent=False, reply=lost) is None
    assert _delay(SubmissionUncertainError("x"), idempotent=False) is None
    assert _delay(ServerError("x"), idempotent=False) is None


def test_a_create_that_never_left_or_was_refused_is_resent() -> None:
    never_sent = httpx.ConnectError("refused")
    assert _delay(APIConnectionError("x"), idempotent=False, reply=never_sent) is not None
    assert _delay(RateLimitError("x"), idempotent=False) is not None
    assert _delay(ServiceUnavailableError("x"), idempotent=False) is not None


def test_reads_are_resent_with_growing_jittered_backoff_up_to_the_retries() -> None:
    first = _delay(ServerError("x"), idempotent=True, attempt=0)
    second = _delay(ServerError("x"), idempotent=True, attempt=1)
    assert (first, second) == (C.RETRY_INITIAL_DELAY, 2 * C.RETRY_INITIAL_DELAY)
    lowest = _delay(ServerError("x"), idempotent=True, attempt=1, spread=0.0)
    highest = _delay(ServerError("x"), idempotent=True, attempt=1, spread=1.0)
    assert lowest == pytest.approx(2 * C.RETRY_INITIAL_DELAY * (1 - C.RETRY_JITTER))
    assert highest == pytest.approx(2 * C.RETRY_INITIAL_DELAY * (1 + C.RETRY_JITTER))
    assert _delay(ServerError("x"), idempotent=True, attempt=2) is None


def test_retry_after_is_honoured_up_to_its_cap() -> None:
    assert _delay(RateLimitError("x", retry_after=7.0), idempotent=True) == 7.0
    assert _delay(RateLimitError("x", retry_after=C.RETRY_AFTER_CAP + 1), idempotent=True) is None


@pytest.mark.parametrize("left", [0.0, 0.1])
def test_no_retry_outlives_the_deadline(left: float) -> None:
    assert _delay(ServerError("x"), idempotent=True, deadline=100.0 + left) is None


def test_a_poll_waits_as_long_as_a_refusal_asked_but_never_past_the_cap() -> None:
    assert _retry.poll_pause(2.0, None) == 2.0
    assert _retry.poll_pause(2.0, ServerError("x")) == 2.0
    assert _retry.poll_pause(2.0, RateLimitError("x", retry_after=7.0)) == 7.0
    assert _retry.poll_pause(9.0, RateLimitError("x", retry_after=7.0)) == 9.0
    too_long = RateLimitError("x", retry_after=C.RETRY_AFTER_CAP * 10)
    assert _retry.poll_pause(2.0, too_long) == C.RETRY_AFTER_CAP


def test_downloads_do_not_import_the_core() -> None:
    # One direction only: _core runs downloads, downloads know nothing of _core.
    source = Path(_retry.__file__).with_name("_downloads.py").read_text()
    imported = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module is not None
    } | {
        alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert "_core" not in imported
