"""Behaviour of both clients against the loopback fake service, over real sockets."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ideogram_facade import (
    APIConnectionError,
    ApikleyError,
    APIStatusError,
    APITimeoutError,
    AsyncCharacterClient,
    AuthenticationError,
    BadRequestError,
    CharacterClient,
    FeatureDisabledError,
    GenerationFailedError,
    InsufficientCreditsError,
    InvalidRequestError,
    PollPolicy,
    RateLimit,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    SubmissionUncertainError,
    TaskNotFoundError,
    TaskState,
    TaskTimeoutError,
    UnexpectedResponseError,
)
from ideogram_facade._transport import tls_context
from ideogram_facade.testing import FakeApikley, Fault, TaskTiming
from tests.conftest import Guarded

URL = "https://example.com/portrait.png"


def test_generate_returns_the_finished_task_and_reports_each_state_once(
    client: Guarded, fake: FakeApikley
) -> None:
    seen: list[TaskState] = []
    task = client.generate("a knight", URL, num_images=3, on_update=lambda t: seen.append(t.state))
    assert task.succeeded
    assert task.done
    assert len(task.image_urls) == 3
    assert seen[-1] is TaskState.SUCCESS
    assert len(seen) == len(set(seen)), "on_update must be called once per state change"
    assert task.created_at is not None
    assert task.created_at.tzinfo is not None
    assert fake.creates_accepted == 1


def test_submit_then_wait_and_get_task(client: Guarded, fake: FakeApikley) -> None:
    task_id = client.submit("a knight", URL, style="FICTION", seed=7, image_size="square")
    assert fake.tasks[task_id]
    assert client.wait(task_id).task_id == task_id
    assert client.get_task(task_id).state is TaskState.SUCCESS


def test_credits_reads_the_balance(client: Guarded, fake: FakeApikley) -> None:
    fake.credits = 123.5
    assert client.credits() == 123.5


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "x" * 5001}, "5000"),
        ({"reference_image": "not a url"}, "reference_image"),
        ({"reference_image": "ftp://example.com/a.png"}, "reference_image"),
        ({"rendering_speed": "FAST"}, "rendering_speed"),
        ({"style": "anime"}, "style"),
        ({"image_size": "huge"}, "image_size"),
        ({"num_images": 5}, "num_images"),
        ({"num_images": 0}, "num_images"),
        ({"num_images": "2"}, "num_images"),
        ({"num_images": True}, "num_images"),
        ({"seed": 1.5}, "seed"),
        ({"expand_prompt": "yes"}, "expand_prompt"),
        ({"negative_prompt": "n" * 5001}, "negative_prompt"),
        ({"callback_url": "/relative"}, "callback_url"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_options_fail_before_any_request(
    client: Guarded, fake: FakeApikley, options: dict[str, object], field: str
) -> None:
    args = {"prompt": "a knight", "reference_image": URL, **options}
    prompt, reference = args.pop("prompt"), args.pop("reference_image")
    with pytest.raises(InvalidRequestError, match=field) as info:
        client.submit(prompt, reference, **args)
    assert isinstance(info.value, ValueError)
    assert fake.requests == [], "validation must happen before any I/O"


def test_num_images_is_sent_as_the_string_the_spec_wants(
    client: Guarded, fake: FakeApikley
) -> None:
    task_id = client.submit("a knight", URL, num_images=2)
    assert fake.tasks[task_id].body["input"]["num_images"] == "2"


# code -> the class it must map to, whether it comes as an HTTP status or in the body.
CODES = [
    (401, AuthenticationError),
    (402, InsufficientCreditsError),
    (400, BadRequestError),
    (422, BadRequestError),
    (429, RateLimitError),
    (433, InsufficientCreditsError),
    (455, ServiceUnavailableError),
    (500, ServerError),
    (501, GenerationFailedError),
    (505, FeatureDisabledError),
    (599, ServerError),
    (460, UnexpectedResponseError),
]


@pytest.mark.parametrize(("code", "error"), CODES)
@pytest.mark.parametrize("carrier", ["http_status", "body_code"])
def test_each_error_code_maps_to_its_class(
    make_client: Callable[..., Guarded],
    fake: FakeApikley,
    code: int,
    error: type[ApikleyError],
    carrier: str,
) -> None:
    client = make_client(max_retries=0)
    fault = Fault.http_status(code) if carrier == "http_status" else Fault.body_code(code)
    fake.inject("credit", fault)
    with pytest.raises(error) as info:
        client.credits()
    assert info.value.code == code
    assert info.value.status_code == (code if carrier == "http_status" else 200)
    assert "credit" in str(info.value)
    assert info.value.endpoint == "credit"
    # Every refusal is an APIStatusError; a failed generation and an unknown code are not.
    refused = error not in (GenerationFailedError, UnexpectedResponseError)
    assert isinstance(info.value, APIStatusError) is refused


def test_a_refusal_as_invalid_is_caught_as_an_invalid_request_too(
    make_client: Callable[..., Guarded], fake: FakeApikley
) -> None:
    fake.inject("credit", Fault.http_status(422))
    with pytest.raises(InvalidRequestError) as info:
        make_client(max_retries=0).credits()
    assert isinstance(info.value, APIStatusError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (APIConnectionError, True),
        (APITimeoutError, True),
        (RateLimitError, True),
        (ServiceUnavailableError, True),
        (ServerError, True),
        (UnexpectedResponseError, True),
        (BadRequestError, False),
        (InvalidRequestError, False),
        (AuthenticationError, False),
        (InsufficientCreditsError, False),
        (TaskNotFoundError, False),
        (GenerationFailedError, False),
        (FeatureDisabledError, False),
        (SubmissionUncertainError, False),
        (TaskTimeoutError, False),
    ],
)
def test_retryable_says_which_errors_may_pass_by_themselves(
    error: type[ApikleyError], retryable: bool
) -> None:
    assert error("x").retryable is retryable


def test_recordinfo_null_is_task_not_found_with_the_task_id(client: Guarded) -> None:
    with pytest.raises(TaskNotFoundError) as info:
        client.get_task("task_does_not_exist")
    assert info.value.task_id == "task_does_not_exist"
    assert "task_does_not_exist" in str(info.value)


def test_a_refused_key_is_an_authentication_error(
    make_client: Callable[..., Guarded], fake: FakeApikley
) -> None:
    client = make_client(api_key="wrong-key")
    with pytest.raises(AuthenticationError, match="API key"):
        client.submit("a knight", URL)
    assert fake.creates_accepted == 0


def test_no_key_anywhere_fails_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APIKLEY_API_KEY", raising=False)
    with pytest.raises(InvalidRequestError, match="APIKLEY_API_KEY") as info:
        CharacterClient()
    assert not isinstance(info.value, APIStatusError), "nothing was sent: a local error"


def test_plain_http_to_another_host_is_refused_unless_allowed() -> None:
    with pytest.raises(InvalidRequestError, match="allow_insecure"):
        CharacterClient("k", base_url="http://api.example.com")
    CharacterClient("k", base_url="http://api.example.com", allow_insecure=True).close()
    CharacterClient("k", base_url="http://127.0.0.1:1").close()
    CharacterClient("k", base_url="http://localhost:1").close()


# -- retries, and never paying twice ----------------------------------------------------


def test_gets_are_retried_on_5xx_and_transport_errors(client: Guarded, fake: FakeApikley) -> None:
    fake.inject("credit", Fault.http_status(500))
    fake.inject("credit", Fault.close_before_body())
    assert client.credits() == fake.credits
    assert sum(r.endpoint == "credit" for r in fake.requests) == 3


def test_retries_stop_at_max_retries(
    make_client: Callable[..., Guarded], fake: FakeApikley
) -> None:
    client = make_client(max_retries=1)
    fake.inject("credit", Fault.http_status(503), times=5)
    with pytest.raises(ServerError):
        client.credits()
    assert sum(r.endpoint == "credit" for r in fake.requests) == 2


@pytest.mark.parametrize(
    "fault", [Fault.http_status(429, retry_after=0.05), Fault.http_status(455)], ids=str
)
def test_create_is_retried_when_the_service_refused_it(
    client: Guarded, fake: FakeApikley, fault: Fault
) -> None:
    fake.inject("createTask", fault)
    client.submit("a knight", URL)
    assert fake.creates_received == 2
    assert fake.creates_accepted == 1


def test_retry_after_is_honoured(client: Guarded, fake: FakeApikley) -> None:
    fake.inject("credit", Fault.http_status(429, retry_after=0.4))
    started = time.monotonic()
    client.credits()
    assert time.monotonic() - started >= 0.4


def test_a_retry_after_beyond_the_cap_is_raised_not_slept(
    client: Guarded, fake: FakeApikley
) -> None:
    fake.inject("credit", Fault.http_status(429, retry_after=3600))
    started = time.monotonic()
    with pytest.raises(RateLimitError) as info:
        client.credits()
    assert info.value.retry_after == pytest.approx(3600)
    assert time.monotonic() - started < 60, "raised, not slept for an hour"


@pytest.mark.parametrize(
    "fault",
    [
        Fault.close_after_body(),
        Fault.close_before_body(),
        Fault.html_page(502),
        Fault.malformed_json(),
        Fault.empty(500),
    ],
    ids=str,
)
def test_a_create_whose_answer_was_lost_is_uncertain_and_never_resent(
    client: Guarded, fake: FakeApikley, fault: Fault
) -> None:
    fake.inject("createTask", fault)
    with pytest.raises(SubmissionUncertainError, match="not sent again"):
        client.submit("a knight", URL)
    sent = sum(record.endpoint == "createTask" for record in fake.requests)
    assert sent == 1, "a create that may have been accepted was sent again"
    assert fake.creates_accepted == (1 if fault.processes_request else 0)


def test_a_create_that_times_out_is_uncertain_and_never_resent(
    make_client: Callable[..., Guarded], fake: FakeApikley
) -> None:
    # A short read, a generous connect: a connection slow to be made is "not sent", retried.
    client = make_client(timeout=httpx.Timeout(0.3, connect=30.0))
    fake.inject("createTask", Fault.delay(2.0))
    with pytest.raises(SubmissionUncertainError):
        client.submit("a knight", URL)
    assert fake.creates_received == 1
    assert fake.creates_accepted == 1


def test_a_create_the_service_rejected_with_500_is_not_retried(
    client: Guarded, fake: FakeApikley
) -> None:
    fake.inject("createTask", Fault.body_code(500))
    with pytest.raises(ServerError):
        client.submit("a knight", URL)
    assert fake.creates_received == 1


def test_a_create_that_never_connected_is_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = CharacterClient("k", base_url=f"http://127.0.0.1:{port}", max_retries=1)
    with client, pytest.raises(APIConnectionError, match="could not talk"):
        client.submit("a knight", URL)


# -- waiting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault.http_status(500),
        Fault.http_status(429, retry_after=0.01),
        Fault.http_status(455),
        Fault.close_before_body(),
        Fault.html_page(502),
        Fault.malformed_json(),
    ],
    ids=str,
)
def test_wait_rides_out_transient_poll_errors(
    client: Guarded, fake: FakeApikley, fault: Fault
) -> None:
    task_id = client.submit("a knight", URL)
    fake.inject("recordInfo", fault, times=3)
    assert client.wait(task_id).succeeded
    assert sum(record.endpoint == "recordInfo" for record in fake.requests) >= 4


def test_a_failed_task_raises_with_its_reason_and_id(client: Guarded, fake: FakeApikley) -> None:
    fake.script_next_task(fail=("500", "content policy"))
    with pytest.raises(GenerationFailedError) as info:
        client.generate("a knight", URL)
    error = info.value
    assert error.fail_code == "500"
    assert error.fail_message == "content policy"
    assert error.task_id is not None
    assert error.task_id in str(error)


def test_wait_stops_at_its_deadline_and_keeps_the_task_id(
    client: Guarded, fake: FakeApikley
) -> None:
    fake.script_next_task(timing=TaskTiming(waiting=0.1, queuing=0.1, generating=30))
    task_id = client.submit("a knight", URL)
    started = time.monotonic()
    with pytest.raises(TaskTimeoutError) as info:
        client.wait(task_id, timeout=0.5)
    elapsed = time.monotonic() - started
    # At its deadline, not when the 30 s task ends (to the second: tests/facade/test_flows.py).
    assert 0.5 <= elapsed < 20
    assert info.value.task_id == task_id
    assert info.value.last_state is TaskState.GENERATING
    assert isinstance(info.value, TimeoutError)
    assert f"wait({task_id!r})" in str(info.value)


def test_a_hanging_poll_cannot_stretch_the_deadline(client: Guarded, fake: FakeApikley) -> None:
    fake.script_next_task(timing=TaskTiming(generating=30))
    task_id = client.submit("a knight", URL)
    fake.inject("recordInfo", Fault.delay(10), times=10)
    started = time.monotonic()
    with pytest.raises(TaskTimeoutError):
        client.wait(task_id, timeout=0.5)
    assert time.monotonic() - started < 8, "the poll answered 10 s late did not hold it"


def test_wait_uses_the_poll_policy_it_is_given(client: Guarded, fake: FakeApikley) -> None:
    fake.script_next_task(timing=TaskTiming(generating=0.6))
    task_id = client.submit("a knight", URL)
    client.wait(task_id, poll=PollPolicy(initial=0.25, maximum=0.25, jitter=0.0))
    assert 2 <= fake.polls(task_id) <= 5


def test_an_interrupt_while_waiting_names_the_task(client: Guarded, fake: FakeApikley) -> None:
    def interrupt(task: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        client.generate("a knight", URL, on_update=interrupt)
    (task_id,) = fake.tasks
    assert any(task_id in note for note in info.value.__notes__)


# -- limits and logs ---------------------------------------------------------------------


@pytest.mark.slow
def test_the_poll_rate_limit_holds_across_concurrent_waits(
    make_client: Callable[..., Guarded], fake: FakeApikley
) -> None:
    client = make_client(
        rate_limit=RateLimit(polls_per_second=8),
        poll=PollPolicy(initial=0.01, maximum=0.01, jitter=0.0),
    )
    fake.script_next_task(timing=TaskTiming(generating=1.2))
    task_id = client.submit("a knight", URL)
    client.wait(task_id)
    assert fake.peak_rate("recordInfo", 1.0) <= 8
    assert fake.polls(task_id) >= 8


def test_debug_logs_name_the_request_but_never_headers(
    client: Guarded, fake: FakeApikley, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ideogram_facade")
    task_id = client.submit("a knight", URL)
    lines = [r.getMessage() for r in caplog.records if r.name == "ideogram_facade"]
    assert any("POST /api/v1/jobs/createTask -> 200 (attempt 1" in line for line in lines)
    assert any(task_id in line for line in lines)
    assert not any("Bearer" in line or "Authorization" in line for line in lines)


def test_repr_shows_the_url_and_not_the_key(client: Guarded, fake: FakeApikley) -> None:
    assert fake.base_url in repr(client.inner)
    assert fake.api_key not in repr(client.inner)


@pytest.mark.slow
def test_sandbox_runs_offline_without_a_key(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("APIKLEY_API_KEY", raising=False)
    with CharacterClient(sandbox=True, poll=PollPolicy(initial=0.1)) as client:
        task = client.generate("a knight", URL)
    assert task.succeeded
    assert task.image_urls
    assert any("sandbox" in record.getMessage() for record in caplog.records)


def test_cancelling_an_async_generate_stops_at_once_and_names_the_task(
    fake: FakeApikley, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ideogram_facade")

    def task_id_read() -> bool:
        # The service holding the task is not enough: on a busy machine the client may not
        # have read the create's answer yet, and then it has no id to name.
        return any(
            task_id in record.getMessage() for task_id in fake.tasks for record in caplog.records
        )

    async def main() -> tuple[BaseException, float]:
        async with AsyncCharacterClient(
            fake.api_key, base_url=fake.base_url, poll=PollPolicy(initial=30.0), rate_limit=None
        ) as client:
            job = asyncio.create_task(client.generate("a knight", URL))
            for _ in range(500):  # until the client is waiting for the task it created
                if task_id_read():
                    break
                await asyncio.sleep(0.01)
            started = time.monotonic()
            job.cancel()
            try:
                await job
            except asyncio.CancelledError as cancelled:
                return cancelled, time.monotonic() - started
        raise AssertionError("generate() was not cancelled")

    cancelled, elapsed = asyncio.run(main())
    assert elapsed < 20, "cancelled, not left to its 30 s poll pause"
    (task_id,) = fake.tasks
    assert any(task_id in note for note in cancelled.__notes__)


def test_ctrl_c_during_a_sync_wait_stops_at_once_and_names_the_task(fake: FakeApikley) -> None:
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    client = CharacterClient(fake.api_key, base_url=fake.base_url, poll=PollPolicy(initial=30.0))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt) as info:
            client.generate("a knight", URL)
        assert time.monotonic() - started < 20, "interrupted, not left to its 30 s poll pause"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        client.close()
    (task_id,) = fake.tasks
    assert any(f"wait({task_id!r})" in note for note in info.value.__notes__)


def test_clients_share_one_tls_context_until_the_certificate_settings_change(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Loading the CA bundle costs ~20 ms of CPU per client; made once, it is shared.
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE"):
        monkeypatch.delenv(name, raising=False)
    first = tls_context()
    assert tls_context() is first
    assert first.verify_mode is ssl.CERT_REQUIRED
    assert first.check_hostname
    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "keys.log"))
    assert tls_context() is not first  # httpx would make a context that logs keys
