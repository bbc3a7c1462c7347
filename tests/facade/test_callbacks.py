"""Callbacks end to end: both clients submit with a callback_url, the fake delivers the result
to a receiver running in the test, and `ideogram_facade.callbacks` verifies and reads it.

The `fake` fixture is overridden here so that a test can ask for a signing fake with
`@SIGNED` (or another key by indirect parametrization); `client` and `make_client` then bind
to it as usual.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideogram_facade import (
    ApikleyError,
    InvalidRequestError,
    InvalidSignatureError,
    Task,
    TaskState,
    UnexpectedResponseError,
)
from ideogram_facade.callbacks import parse_callback, sign_callback, verify_signature
from ideogram_facade.testing import FakeApikley
from tests.conftest import FAST_TIMING, SECRETS, Guarded

URL = "https://example.com/portrait.png"
KEY = "whsec-callbacks-test-key"
OTHER_KEY = "whsec-some-other-account"
# The conftest checks every log line, exception and report for these: the webhook key is a
# secret like the API key.
SECRETS.update({KEY, OTHER_KEY})

SIGNED = pytest.mark.parametrize("fake", [KEY], indirect=True, ids=["signed"])


def load_example() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "examples" / "callback_receiver.py"
    spec = importlib.util.spec_from_file_location("callback_receiver_example", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = load_example()


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> Iterator[FakeApikley]:
    key: str | None = getattr(request, "param", None)
    with FakeApikley(timing=FAST_TIMING, webhook_key=key) as service:
        SECRETS.add(service.api_key)
        yield service


class Serving:
    """An http.server in a thread on 127.0.0.1, for the time of one test."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class Recorder(Serving):
    """Keeps each request's raw body and headers, as a web framework would hand them over."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                # Recorded before answering: the fake logs the delivery once it has the answer.
                recorder.received.append((body, dict(self.headers)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(Handler)


@pytest.fixture
def receiver() -> Iterator[Recorder]:
    running = Recorder()
    yield running
    running.close()


def deliver(
    client: Guarded, fake: FakeApikley, receiver: Recorder
) -> tuple[str, bytes, dict[str, str]]:
    """Submit with the receiver as callback_url; the task id, the body and headers it got."""
    task_id: str = client.submit("a knight", URL, num_images=2, callback_url=receiver.url)
    (delivery,) = fake.wait_for_callbacks(1, timeout=5)
    assert (delivery.task_id, delivery.url, delivery.status) == (task_id, receiver.url, 200)
    (received,) = receiver.received
    return task_id, *received


def reject(body: bytes, headers: dict[str, str], secret: str) -> InvalidSignatureError:
    """The error verify_signature raises; checked to reveal neither secret nor signature."""
    with pytest.raises(InvalidSignatureError) as info:
        verify_signature(body, headers, secret)
    error = info.value
    assert isinstance(error, ApikleyError)
    text = f"{error} {error!r} {error.body}"
    for secret_value in (KEY, OTHER_KEY, secret):
        assert secret_value not in text
    try:
        task_id = json.loads(body)["data"]["taskId"]
        timestamp = headers["X-Webhook-Timestamp"]
    except (ValueError, KeyError):
        return error
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    ).decode()
    assert expected not in text, "the expected signature must never be shown"
    return error


# -- end to end, both clients ----------------------------------------------------------------


def test_unsigned_callback_is_parsed_into_the_successful_task(
    client: Guarded, fake: FakeApikley, receiver: Recorder
) -> None:
    task_id, body, headers = deliver(client, fake, receiver)
    assert "X-Webhook-Signature" not in headers
    task = parse_callback(body)
    assert (task.task_id, task.state) == (task_id, TaskState.SUCCESS)
    assert len(task.image_urls) == 2
    assert all(url.startswith("http") for url in task.image_urls)
    assert task.image_urls == client.get_task(task_id).image_urls
    assert task.completed_at is not None
    # A receiver configured with a secret must refuse what nobody signed.
    error = reject(body, headers, KEY)
    assert "no X-Webhook-Timestamp header" in str(error)
    assert error.task_id == task_id


def test_failed_task_is_delivered_as_a_fail_task_not_an_exception(
    client: Guarded, fake: FakeApikley, receiver: Recorder
) -> None:
    fake.script_next_task(fail=("500", "policy"))
    task_id, body, _ = deliver(client, fake, receiver)
    task = parse_callback(body)
    assert (task.task_id, task.state) == (task_id, TaskState.FAIL)
    assert (task.fail_code, task.fail_message) == ("500", "policy")
    assert task.image_urls == ()
    assert not task.succeeded


@SIGNED
def test_signed_callback_verifies_under_any_header_spelling(
    client: Guarded, fake: FakeApikley, receiver: Recorder
) -> None:
    task_id, body, headers = deliver(client, fake, receiver)
    assert {"X-Webhook-Timestamp", "X-Webhook-Signature"} <= set(headers)
    verify_signature(body, headers, KEY)
    verify_signature(body, {name.lower(): value for name, value in headers.items()}, KEY)
    verify_signature(body, {name.upper(): value for name, value in headers.items()}, KEY)
    environ = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    verify_signature(body, {**environ, "wsgi.input": object()}, KEY)  # type: ignore[dict-item]
    assert parse_callback(body).task_id == task_id


def _forged(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str]:
    return body, {**headers, "X-Webhook-Signature": base64.b64encode(b"x" * 32).decode()}, KEY


def _wrong_secret(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str]:
    return body, headers, OTHER_KEY


def _no_signature(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str]:
    return body, {k: v for k, v in headers.items() if k != "X-Webhook-Signature"}, KEY


def _no_timestamp(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str]:
    return body, {k: v for k, v in headers.items() if k != "X-Webhook-Timestamp"}, KEY


def _stale(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str]:
    # Genuinely signed, with the right key, 301 s ago: a replay.
    return body, sign_callback(body, KEY, timestamp=int(time.time()) - 301), KEY


def _future(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str]:
    return body, sign_callback(body, KEY, timestamp=int(time.time()) + 400), KEY


def _moved_timestamp(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str]:
    later = str(int(headers["X-Webhook-Timestamp"]) + 1)
    return body, {**headers, "X-Webhook-Timestamp": later}, KEY


def _other_task(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str]:
    payload = json.loads(body)
    payload["data"]["taskId"] = "task_ideogram_someone_elses"
    return json.dumps(payload).encode(), headers, KEY


def _malformed(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str]:
    return body, {**headers, "X-Webhook-Signature": "not base64!"}, KEY


def _bad_time(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str]:
    return body, {**headers, "X-Webhook-Timestamp": "yesterday"}, KEY


def _not_json(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str], str]:
    return b"<html>" + body, headers, KEY


@SIGNED
@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        pytest.param(_forged, "does not match", id="forged"),
        pytest.param(_wrong_secret, "does not match", id="wrong-secret"),
        pytest.param(_no_signature, "no X-Webhook-Signature header", id="no-signature"),
        pytest.param(_no_timestamp, "no X-Webhook-Timestamp header", id="no-timestamp"),
        pytest.param(_stale, "s old, beyond the tolerance of 300 s", id="stale"),
        pytest.param(_future, "s in the future, beyond the tolerance", id="future"),
        pytest.param(_moved_timestamp, "does not match", id="moved-timestamp"),
        pytest.param(_other_task, "does not match", id="other-task"),
        pytest.param(_malformed, "not a base64 HMAC-SHA256", id="malformed-signature"),
        pytest.param(_bad_time, "not a Unix time", id="malformed-timestamp"),
        pytest.param(_not_json, "not JSON", id="not-json"),
    ],
)
def test_bad_callbacks_are_rejected(
    client: Guarded,
    fake: FakeApikley,
    receiver: Recorder,
    tamper: Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str], str]],
    says: str,
) -> None:
    task_id, body, headers = deliver(client, fake, receiver)
    verify_signature(body, headers, KEY)  # the genuine delivery passes: the tampering fails it
    bad_body, bad_headers, secret = tamper(body, headers)
    error = reject(bad_body, bad_headers, secret)
    assert says in str(error)
    if tamper is _other_task:
        assert error.task_id == "task_ideogram_someone_elses"
    elif tamper is not _not_json:
        assert error.task_id == task_id


@pytest.mark.parametrize(
    ("fake", "status"),
    [(KEY, 200), (OTHER_KEY, 401), (None, 401)],
    indirect=["fake"],
    ids=["signed", "other-key", "unsigned"],
)
def test_example_receiver_answers_200_to_genuine_callbacks_and_401_to_others(
    client: Guarded, fake: FakeApikley, status: int
) -> None:
    tasks: list[Task] = []
    server = Serving(example.handler(KEY, on_task=tasks.append))
    try:
        task_id = client.submit("a knight", URL, callback_url=server.url)
        (delivery,) = fake.wait_for_callbacks(1, timeout=5)
    finally:
        server.close()
    assert delivery.status == status
    if status == 200:
        assert [(task.task_id, task.state) for task in tasks] == [(task_id, TaskState.SUCCESS)]
    else:
        assert tasks == [], "a callback that fails verification must not reach the handler"


def test_example_receiver_rejects_a_forged_post() -> None:
    tasks: list[Task] = []
    server = Serving(example.handler(KEY, on_task=tasks.append))
    body = json.dumps({"code": 200, "data": {"taskId": "t1", "state": "fail"}}).encode()
    try:
        forged = httpx.post(
            server.url, content=body, headers=sign_callback(body, OTHER_KEY), trust_env=False
        )
        genuine = httpx.post(
            server.url, content=body, headers=sign_callback(body, KEY), trust_env=False
        )
        garbage = httpx.post(
            server.url, content=b"{}", headers=sign_callback(body, KEY), trust_env=False
        )
    finally:
        server.close()
    assert (forged.status_code, genuine.status_code, garbage.status_code) == (401, 200, 401)
    assert [task.task_id for task in tasks] == ["t1"]


def test_example_receiver_without_a_secret_accepts_and_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = Serving(example.handler(None))
    body = json.dumps(
        {"code": 501, "msg": "policy", "data": {"taskId": "t9", "state": "fail", "failCode": 400}}
    ).encode()
    try:
        answer = httpx.post(server.url, content=body, trust_env=False)
        unreadable = httpx.post(server.url, content=b"[1]", trust_env=False)
    finally:
        server.close()
    assert (answer.status_code, unreadable.status_code) == (200, 400)
    assert "t9: fail fail code 400: policy" in capsys.readouterr().out


# -- parse_callback: the documented variants ----------------------------------------------


def envelope(code: int = 200, **data: Any) -> dict[str, Any]:
    return {"code": code, "msg": "ok", "data": {"taskId": "t1", "state": "success", **data}}


RESULT = {"resultUrls": ["https://cdn.example/a.png", "https://cdn.example/b.png"]}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (envelope(resultJson=json.dumps(RESULT)), {"image_urls": tuple(RESULT["resultUrls"])}),
        (envelope(resultJson=RESULT), {"image_urls": tuple(RESULT["resultUrls"])}),
        (
            {"code": 200, "data": {"task_id": "t2", "state": "success", "resultJson": RESULT}},
            {"task_id": "t2"},
        ),
        (
            envelope(501, state="fail", failCode=500, failMsg="nsfw", resultJson=""),
            {"state": TaskState.FAIL, "fail_code": "500", "fail_message": "nsfw"},
        ),
        (
            envelope(501, state="fail", failCode=None, failMsg=None),
            {"state": TaskState.FAIL, "fail_code": None, "fail_message": "ok"},
        ),
        (
            {"code": 501, "message": "policy", "data": {"taskId": "t3", "state": "fail"}},
            {"state": TaskState.FAIL, "fail_message": "policy"},
        ),
        (
            {"code": "501", "msg": "no state sent", "data": {"taskId": "t4"}},
            {"state": TaskState.FAIL, "fail_message": "no state sent"},
        ),
        (
            envelope(resultJson=RESULT, createTime=1_700_000_000_000, creditsConsumed="1.5"),
            {
                "created_at": datetime.fromtimestamp(1_700_000_000, UTC),
                "credits_consumed": 1.5,
            },
        ),
        (
            envelope(resultJson=RESULT, completeTime="2024-05-01T10:00:00Z"),
            {"completed_at": datetime(2024, 5, 1, 10, tzinfo=UTC)},
        ),
        (envelope(state="generating"), {"state": TaskState.GENERATING, "image_urls": ()}),
    ],
    ids=[
        "resultJson-string",
        "resultJson-object",
        "task_id-key",
        "failCode-int",
        "failCode-null-msg",
        "message-not-msg",
        "code-501-without-state",
        "epoch-ms-and-credits",
        "iso-time",
        "not-finished",
    ],
)
def test_parse_callback_reads_each_documented_variant(
    payload: dict[str, Any], expected: dict[str, Any]
) -> None:
    for form in (payload, json.dumps(payload), json.dumps(payload).encode()):
        task = parse_callback(form)
        for name, value in expected.items():
            assert getattr(task, name) == value, (name, form)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 Bad Gateway</html>",
        b"\xff\xfe\x00",
        "[1, 2]",
        {"code": 200, "msg": "ok", "data": None},
        {"code": 200, "data": {"state": "success"}},
        envelope(resultJson="{not json"),
        envelope(resultJson={"urls": []}),
        b"[" * 100_000,
    ],
    ids=[
        "html",
        "not-utf8",
        "array",
        "data-null",
        "no-task-id",
        "bad-resultJson",
        "no-resultUrls",
        "deep-nesting",
    ],
)
def test_parse_callback_raises_unexpected_response_for_unreadable_bodies(
    body: bytes | str | dict[str, Any],
) -> None:
    with pytest.raises(UnexpectedResponseError) as info:
        parse_callback(body)
    assert isinstance(info.value, ApikleyError)


# -- sign_callback and verify_signature -----------------------------------------------------


def test_sign_callback_gives_the_vendors_headers_and_verifies() -> None:
    body = json.dumps(envelope(resultJson=RESULT)).encode()
    headers = sign_callback(body, KEY, timestamp=1_700_000_000)
    digest = hmac.new(KEY.encode(), b"t1.1700000000", hashlib.sha256).digest()
    assert headers == {
        "Content-Type": "application/json",
        "X-Webhook-Timestamp": "1700000000",
        "X-Webhook-Signature": base64.b64encode(digest).decode(),
    }
    # Any body form signs alike: the signature covers the task id and time only.
    assert sign_callback(json.loads(body), KEY, 1_700_000_000) == headers
    assert sign_callback(body.decode(), KEY.encode(), 1_700_000_000) == headers
    now = sign_callback(body, KEY)
    assert abs(int(now["X-Webhook-Timestamp"]) - time.time()) < 5
    verify_signature(body, now, KEY)
    verify_signature(body, now, KEY.encode())


def test_task_id_key_variant_is_signed_and_verified_alike() -> None:
    with_task_id = json.dumps({"code": 200, "data": {"task_id": "t7"}}).encode()
    with_taskId = json.dumps({"code": 200, "data": {"taskId": "t7"}}).encode()
    headers = sign_callback(with_task_id, KEY)
    assert headers == sign_callback(with_taskId, KEY, int(headers["X-Webhook-Timestamp"]))
    verify_signature(with_task_id, headers, KEY)
    verify_signature(with_taskId, headers, KEY)


def test_tolerance_bounds_the_age() -> None:
    body = json.dumps(envelope()).encode()
    headers = sign_callback(body, KEY, timestamp=int(time.time()) - 100)
    verify_signature(body, headers, KEY)
    verify_signature(body, headers, KEY, tolerance=150)
    with pytest.raises(InvalidSignatureError, match="tolerance of 50 s"):
        verify_signature(body, headers, KEY, tolerance=50)
    # The service's times are in milliseconds: a timestamp in ms is read as such, not as stale.
    millis = str(int(time.time() * 1000))
    digest = hmac.new(KEY.encode(), f"t1.{millis}".encode(), hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode()
    verify_signature(body, {"X-Webhook-Timestamp": millis, "X-Webhook-Signature": signature}, KEY)


def test_ambiguous_bodies_and_headers_are_refused() -> None:
    # json keeps the last of two keys, other parsers the first: which task was signed?
    duplicate = b'{"code": 200, "data": {"taskId": "t1", "taskId": "t2"}}'
    headers = sign_callback(b'{"data": {"taskId": "t2"}}', KEY)
    with pytest.raises(InvalidSignatureError, match="duplicate keys"):
        verify_signature(duplicate, headers, KEY)
    body = json.dumps(envelope()).encode()
    good = sign_callback(body, KEY)
    twice = {**good, "x-webhook-signature": base64.b64encode(b"y" * 32).decode()}
    with pytest.raises(InvalidSignatureError, match="2 different X-Webhook-Signature"):
        verify_signature(body, twice, KEY)
    same_twice = {**good, "x-webhook-signature": good["X-Webhook-Signature"]}
    verify_signature(body, same_twice, KEY)


def test_an_empty_secret_is_refused_not_used() -> None:
    body = json.dumps(envelope()).encode()
    forged_with_empty_key = sign_callback(body, b"\x00")  # any key: the secret check comes first
    with pytest.raises(InvalidSignatureError, match="no webhook secret"):
        verify_signature(body, forged_with_empty_key, "")
    with pytest.raises(InvalidRequestError, match="secret"):
        sign_callback(body, "")
    with pytest.raises(InvalidRequestError, match="taskId"):
        sign_callback({"code": 200, "data": {}}, KEY)
    with pytest.raises(InvalidRequestError, match="not JSON"):
        sign_callback(b"nope", KEY)


@given(task_id=st.text(min_size=1), secret=st.text(min_size=1) | st.binary(min_size=1))
def test_any_task_id_and_secret_round_trip(task_id: str, secret: str | bytes) -> None:
    body = json.dumps({"code": 200, "data": {"taskId": task_id}}).encode()
    verify_signature(body, sign_callback(body, secret), secret)


@given(
    body=st.binary(max_size=200)
    | st.builds(lambda x: json.dumps({"data": {"taskId": x}}).encode(), st.text(max_size=20)),
    headers=st.dictionaries(
        st.sampled_from(["X-Webhook-Timestamp", "X-Webhook-Signature", "x-webhook-signature"])
        | st.text(max_size=10),
        st.text(max_size=60),
        max_size=4,
    ),
)
def test_verify_signature_raises_nothing_but_invalid_signature(
    body: bytes, headers: dict[str, str]
) -> None:
    with pytest.raises(InvalidSignatureError):
        verify_signature(body, headers, KEY)
