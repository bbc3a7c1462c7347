"""A server that misbehaves on purpose: every answer capped, every wait bounded, no key echoed.

Each test plays the API with a raw-socket server on loopback (`hostile.py`) and runs for both
clients. The hostile scripts stop by themselves after a few seconds, so a client that does not
bound its wait fails these tests instead of hanging them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from ideogram_facade import (
    ApikleyError,
    APITimeoutError,
    AuthenticationError,
    PollPolicy,
    SubmissionUncertainError,
    TaskTimeoutError,
    UnexpectedResponseError,
)
from ideogram_facade._wire import HttpResponse, unwrap
from tests.conftest import SECRETS, Guarded

from .hostile import HostileServer, RawRequest, answer, drip, envelope, head

KEY = "sk-hostile-0123456789abcdef0123456789abcdef"
SECRETS.add(KEY)
URL = "https://example.com/portrait.png"
# A short per-request timeout, so that the bounds below are seconds, not minutes.
TIMEOUT = httpx.Timeout(1.0)


@pytest.fixture
def against(
    make_client: Callable[..., Guarded],
) -> Iterator[Callable[..., tuple[Guarded, HostileServer]]]:
    servers: list[HostileServer] = []

    def start(
        script: Callable[[RawRequest], object], **settings: object
    ) -> tuple[Guarded, HostileServer]:
        server = HostileServer(script)  # type: ignore[arg-type]
        server.__enter__()
        servers.append(server)
        client = make_client(
            **{
                "api_key": KEY,
                "base_url": server.url,
                "upload_base_url": server.url,
                "timeout": TIMEOUT,
                "max_retries": 0,
                **settings,
            }
        )
        return client, server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def _every_text(error: ApikleyError) -> str:
    return " ".join([str(error), repr(error), error.message, error.body or ""])


# -- the key is never echoed ----------------------------------------------------------------


def test_an_answer_that_echoes_the_key_never_shows_it(
    against: Callable[..., tuple[Guarded, HostileServer]],
) -> None:
    said = f"Invalid API key: Bearer {KEY}; key={KEY}"
    client, _ = against(lambda request: [answer(200, envelope(None, 401, said))])
    with pytest.raises(AuthenticationError) as caught:
        client.get_task("task_1")
    assert KEY not in _every_text(caught.value)
    assert "Invalid API key" in caught.value.message


def test_a_key_planted_at_any_offset_of_a_long_answer_is_redacted() -> None:
    SECRETS.add(KEY)
    from ideogram_facade._exceptions import register_secret

    register_secret(KEY)
    filler = "x" * 1200
    for offset in range(0, len(filler) + 1):
        said = filler[:offset] + KEY + filler[offset:]
        for content in (
            envelope(None, 500, said),  # in the message
            (filler[:offset] + KEY + filler[offset:]).encode(),  # in a body that is not JSON
            envelope(None, 401, "Bearer " + said[: offset % 700] + " tail"),
        ):
            with pytest.raises(ApikleyError) as caught:
                unwrap(HttpResponse(500, {}, content), endpoint="recordInfo", idempotent=True)
            text = _every_text(caught.value)
            assert KEY not in text
            # Not even a piece of it that straddles a cut.
            assert KEY[:12] not in text
            assert KEY[-12:] not in text


# -- no exception from outside the hierarchy --------------------------------------------------

MALFORMED = {
    "deep nesting": b'{"code": 200, "msg": "ok", "data": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "deep data object": b'{"code": 200, "msg": "ok", "data": {"taskId": "t", "state": "success", '
    b'"resultJson": "' + b"[" * 3000 + b"]" * 3000 + b'"}}',
    "a 5,000-digit code": b'{"code": ' + b"9" * 5000 + b', "msg": "x", "data": null}',
    "a 400-digit credit": b'{"code": 200, "msg": "ok", "data": ' + b"9" * 400 + b"}",
    "invalid UTF-8": b'{"code": 200, "msg": "\xff\xfe", "data": {"taskId": "\xc3\x28"}}',
    "the wrong type everywhere": b'{"code": [200], "msg": {"a": 1}, "data": [null, 1.5e999]}',
    "data of the wrong type": b'{"code": 200, "msg": "ok", "data": {"state": 7, "taskId": [1], '
    b'"resultJson": 5, "createTime": "x", "failCode": {"a": 1}}}',
    "1e999": b'{"code": 1e999, "msg": 1e999, "data": 1e999}',
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_answer_is_an_error_of_the_hierarchy(
    against: Callable[..., tuple[Guarded, HostileServer]], case: str
) -> None:
    content = MALFORMED[case]
    client, _ = against(lambda request: [answer(200, content)])
    for call, args in (("get_task", ("task_1",)), ("credits", ())):
        with contextlib.suppress(ApikleyError):
            getattr(client, call)(*args)
    # A create answered with something unreadable may have been accepted: never a plain error.
    with contextlib.suppress(SubmissionUncertainError):
        assert isinstance(client.submit("a knight", URL), str)


# -- every wait is bounded ------------------------------------------------------------------


def _dripping_answer(request: RawRequest) -> Iterator[bytes | float]:
    return drip(head(200, length=10**6) + b'{"code": 200, "msg": "ok", "data": ')


def _dripping_head(request: RawRequest) -> Iterator[bytes | float]:
    return drip(b"HTTP/1.1 200 OK\r\n", b"X-Slow: a\r\n")


@pytest.mark.parametrize("script", [_dripping_answer, _dripping_head], ids=["body", "head"])
def test_a_request_has_one_deadline_however_the_server_drips(
    against: Callable[..., tuple[Guarded, HostileServer]],
    script: Callable[[RawRequest], Iterator[bytes | float]],
) -> None:
    client, _ = against(script)
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        client.get_task("task_1")
    assert time.monotonic() - started < 1.0 + 2.0  # one request's deadline, not the drip's
    started = time.monotonic()
    with pytest.raises(SubmissionUncertainError):
        client.submit("a knight", URL)
    assert time.monotonic() - started < 1.0 + 2.0


def test_wait_returns_within_its_timeout_however_the_server_drips(
    against: Callable[..., tuple[Guarded, HostileServer]],
) -> None:
    client, _ = against(_dripping_answer, timeout=httpx.Timeout(30.0))
    started = time.monotonic()
    with pytest.raises(TaskTimeoutError) as caught:
        client.wait("task_1", timeout=1.5, poll=PollPolicy(initial=0.1, jitter=0.0))
    assert time.monotonic() - started < 1.5 + 2.0
    assert caught.value.task_id == "task_1"


def test_an_answer_past_the_size_cap_is_not_read_whole(
    against: Callable[..., tuple[Guarded, HostileServer]],
) -> None:
    piece = b" " * 65536

    def huge(request: RawRequest) -> Iterator[bytes | float]:
        yield head(200, length=100 * 1024 * 1024) + b'{"code": 200, "data": "'
        while True:
            yield piece

    client, server = against(huge, max_answer_bytes=1024 * 1024)
    with pytest.raises(UnexpectedResponseError, match="larger than"):
        client.get_task("task_1")
    with pytest.raises(SubmissionUncertainError, match="larger than"):
        client.submit("a knight", URL)
    # The client hung up soon after the cap: far from the 2 x 100 MB promised.
    assert server.bytes_sent < 20 * 1024 * 1024


# -- polling costs O(1) per poll ----------------------------------------------------------------


def _reference_delay(policy: PollPolicy, attempt: int) -> float:
    elapsed, step = 0.0, policy.initial
    for _ in range(attempt + 1):
        step = min(policy.maximum, max(policy.initial, (policy.multiplier - 1) * elapsed))
        elapsed += step
    return step


@pytest.mark.parametrize(
    "policy",
    [
        PollPolicy(jitter=0.0),
        PollPolicy(initial=0.5, multiplier=2.0, maximum=600.0, jitter=0.0),
        PollPolicy(initial=1.0, multiplier=1.0, maximum=5.0, jitter=0.0),
        PollPolicy(initial=7.0, multiplier=1.01, maximum=2.0, jitter=0.0),
    ],
)
def test_the_poll_schedule_in_closed_form_is_the_schedule(policy: PollPolicy) -> None:
    for attempt in range(500):
        assert policy.delay(attempt) == pytest.approx(_reference_delay(policy, attempt), rel=1e-9)


def test_a_poll_a_trillion_polls_in_is_computed_at_once() -> None:
    # The old loop would run for hours here; the closed form answers at once.
    assert PollPolicy(jitter=0.0).delay(10**12) == 30.0
