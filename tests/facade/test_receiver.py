"""The callback receivers over real sockets: `wsgi_app` (sync client, wsgiref server) and
`asgi_app` (async client, uvicorn on the client's own loop), fed by the fake's signed
callbacks and by requests the tests craft.

What they promise: a bad or stale signature is 401 and costs nothing; the task is confirmed
with get_task() before `on_task` sees it, once; a replay is answered, not acted on; and a
wait() for the task returns when its callback is confirmed, with the polls only a fallback.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from ideogram_facade import AsyncCharacterClient, CharacterClient, PollPolicy, Task, TaskState
from ideogram_facade import _constants as C
from ideogram_facade._transport import tls_context
from ideogram_facade.callbacks import asgi_app, sign_callback, wsgi_app
from ideogram_facade.testing import FakeApikley, Fault, TaskTiming
from tests.conftest import SECRETS, Guarded
from tests.receiver_servers import AsgiServer, WsgiServer

URL = "https://example.com/portrait.png"
KEY = "whsec-receiver-test-key"
OLD_KEY = "whsec-receiver-old-key"
SECRETS.update({KEY, OLD_KEY})
# Long enough that a wait polling on the client's own policy would poll a few times.
TIMING = TaskTiming(waiting=0.05, queuing=0.05, generating=0.6)


@pytest.fixture
def fake() -> Iterator[FakeApikley]:
    with FakeApikley(timing=TIMING, webhook_key=KEY) as service:
        SECRETS.add(service.api_key)
        yield service


class Receiving:
    """A receiver bound to `client`, served on 127.0.0.1, and what reached `on_task`."""

    def __init__(self, client: Guarded, secret: str | list[str] = KEY) -> None:
        self.client = client
        self.tasks: list[Task] = []
        self._stop: Callable[[], None]
        if isinstance(client.inner, CharacterClient):
            self._serve_wsgi(client.inner, secret)
        else:
            self._serve_asgi(client, secret)
        self.http = httpx.Client(
            base_url=self.url, trust_env=False, verify=tls_context(), timeout=10
        )

    def _serve_wsgi(self, inner: CharacterClient, secret: str | list[str]) -> None:
        server = WsgiServer(wsgi_app(secret, inner, on_task=self.tasks.append))
        self.url, self._stop = server.url, server.close

    def _serve_asgi(self, client: Guarded, secret: str | list[str]) -> None:
        assert isinstance(client.inner, AsyncCharacterClient)

        async def on_task(task: Task) -> None:  # a coroutine function, as ASGI users write
            self.tasks.append(task)

        server = AsgiServer(asgi_app(secret, client.inner, on_task=on_task))
        loop = client.on_loop_thread()
        loop.run(server.start())
        self.url = server.url
        self._stop = lambda: loop.run(server.stop())

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return self.http.post("", content=body, headers=headers)

    def close(self) -> None:
        self.http.close()
        self._stop()


@pytest.fixture
def serve(make_client: Callable[..., Guarded]) -> Iterator[Callable[..., Receiving]]:
    made: list[Receiving] = []

    def start(secret: str | list[str] = KEY, **settings: Any) -> Receiving:
        receiving = Receiving(make_client(**settings), secret)
        made.append(receiving)
        return receiving

    yield start
    for receiving in made:
        receiving.close()


def callback_body(task_id: str, state: str = "success") -> bytes:
    data = {"taskId": task_id, "state": state, "resultJson": {"resultUrls": [URL]}}
    return json.dumps({"code": 200, "msg": "success", "data": data}).encode()


# -- waits woken by callbacks ---------------------------------------------------------------


def test_a_callback_ends_the_wait_with_the_confirmed_task_polling_at_most_twice(
    serve: Callable[..., Receiving], fake: FakeApikley
) -> None:
    # The client's own policy would poll every 50 ms: a dozen polls for this task.
    receiving = serve(poll=PollPolicy(initial=0.05, maximum=0.05, jitter=0.0))
    client = receiving.client
    task_id = client.submit("a knight", URL, callback_url=receiving.url)
    # With the receiver bound, polling is the fallback (every 45 s): had the callback not
    # woken it, this wait would sleep until its deadline, 20 s from now.
    started = time.monotonic()
    task = client.wait(task_id, timeout=20)
    assert time.monotonic() - started < 10, "the wait slept to its deadline: not woken"
    assert task.state is TaskState.SUCCESS
    assert len(task.image_urls) == 1
    assert fake.polls(task_id) <= 2  # the wait's first poll, and the receiver's get_task
    assert [t.task_id for t in receiving.tasks] == [task_id]
    assert receiving.tasks[0].state is TaskState.SUCCESS
    (delivery,) = fake.wait_for_callbacks(1)  # logged once the receiver has answered
    assert delivery.status == 200


def test_a_failed_task_s_callback_ends_the_wait_with_its_failure(
    serve: Callable[..., Receiving], fake: FakeApikley
) -> None:
    receiving = serve()
    fake.script_next_task(fail=("500", "the model refused"))
    task_id = receiving.client.submit("a knight", URL, callback_url=receiving.url)
    with pytest.raises(Exception, match="the model refused") as info:
        receiving.client.wait(task_id, timeout=20)
    assert getattr(info.value, "task_id", None) == task_id
    assert [t.state for t in receiving.tasks] == [TaskState.FAIL]
    assert fake.polls(task_id) <= 2


# -- what the receiver refuses ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("signed_with", "age"),
    [("whsec-not-ours", 0), (KEY, 1000), (None, 0)],
    ids=["wrong-key", "stale", "unsigned"],
)
def test_a_bad_or_stale_signature_is_401_and_reads_nothing(
    serve: Callable[..., Receiving], fake: FakeApikley, signed_with: str | None, age: int
) -> None:
    receiving = serve()
    task_id = receiving.client.submit("a knight", URL)
    body = callback_body(task_id)
    headers = (
        {"Content-Type": "application/json"}
        if signed_with is None
        else sign_callback(body, signed_with, timestamp=int(time.time()) - age)
    )
    answer = receiving.post(body, headers)
    assert answer.status_code == 401
    assert answer.json()["task_id"] == task_id
    assert fake.polls(task_id) == 0  # an unverified callback costs no request
    assert receiving.tasks == []


def test_a_signed_body_claiming_success_for_a_running_task_never_reaches_on_task(
    serve: Callable[..., Receiving], fake: FakeApikley
) -> None:
    receiving = serve()
    fake.script_next_task(timing=TaskTiming(generating=60))
    task_id = receiving.client.submit("a knight", URL)
    body = callback_body(task_id, state="success")  # the body is not signed: anyone can say so
    answer = receiving.post(body, sign_callback(body, KEY))
    assert answer.status_code == 200
    assert "not ended yet" in answer.json()["message"]
    assert fake.polls(task_id) == 1  # confirmed with get_task()
    assert receiving.tasks == []


def test_a_replayed_callback_is_answered_but_on_task_sees_the_task_once(
    serve: Callable[..., Receiving], fake: FakeApikley
) -> None:
    receiving = serve()
    task_id = receiving.client.submit("a knight", URL)
    receiving.client.wait(task_id, timeout=20)
    body = callback_body(task_id)
    headers = sign_callback(body, KEY)
    first, replay = receiving.post(body, headers), receiving.post(body, headers)
    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay.json()["message"] == "already received"
    assert [t.task_id for t in receiving.tasks] == [task_id]


def test_callbacks_signed_with_either_key_verify_while_keys_rotate(
    serve: Callable[..., Receiving], fake: FakeApikley
) -> None:
    receiving = serve(secret=[KEY, OLD_KEY])
    first = receiving.client.submit("a knight", URL)
    second = receiving.client.submit("a knight", URL)
    receiving.client.wait(second, timeout=20)
    for task_id, key in [(first, OLD_KEY), (second, KEY)]:
        body = callback_body(task_id)
        assert receiving.post(body, sign_callback(body, key)).status_code == 200
    assert [t.task_id for t in receiving.tasks] == [first, second]


def test_a_failed_confirmation_is_503_so_the_callback_is_sent_again(
    serve: Callable[..., Receiving], fake: FakeApikley
) -> None:
    receiving = serve(max_retries=0)
    task_id = receiving.client.submit("a knight", URL)
    receiving.client.wait(task_id, timeout=20)
    fake.inject("recordInfo", Fault.http_status(500))
    body = callback_body(task_id)
    headers = sign_callback(body, KEY)
    answer = receiving.post(body, headers)
    assert answer.status_code == 503
    assert "could not confirm the task" in answer.json()["message"]
    assert receiving.tasks == []
    # Not remembered as handled: the service's retry of the same callback is acted on.
    assert receiving.post(body, headers).json()["message"] == "received"
    assert [t.task_id for t in receiving.tasks] == [task_id]


def test_only_posts_of_callback_size_are_read(serve: Callable[..., Receiving]) -> None:
    receiving = serve()
    answer = receiving.http.get("")
    assert (answer.status_code, answer.headers["Allow"]) == (405, "POST")
    # Refused by its length, before a byte of it is read: sent whole, the body could meet a
    # closed connection before the client got to read the answer (a broken pipe instead).
    huge = f"Content-Type: application/json\r\nContent-Length: {2 * 1024 * 1024 + 2}\r\n"
    assert _raw_post(receiving.url, huge, b"{") == 413
    assert receiving.tasks == []


def _raw_post(url: str, head: str, body: bytes = b"") -> int:
    """POST over a raw socket, with exactly these header lines; the status of the answer."""
    where = httpx.URL(url)
    request = f"POST {where.path} HTTP/1.1\r\nHost: {where.host}\r\n{head}\r\n".encode()
    with socket.create_connection((where.host, where.port or 80), timeout=5) as connection:
        connection.sendall(request + body)  # and no more: the body may never end
        answer = connection.recv(4096)
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize(
    ("head", "body", "status"),
    [
        ("Content-Length: -1\r\n", b'{"code": 200}', 400),
        ("Content-Length: a lot\r\n", b'{"code": 200}', 400),
        ("Transfer-Encoding: chunked\r\n", b"5\r\nhello\r\n", 411),
        (f"Content-Length: {10**9}\r\n", b"{", 413),
    ],
    ids=["negative", "not-a-number", "none", "a-gigabyte"],
)
def test_a_body_whose_length_is_missing_or_wrong_is_refused_before_it_is_read(
    serve: Callable[..., Receiving], head: str, body: bytes, status: int
) -> None:
    receiving = serve()
    # The body is never finished: a receiver that tried to read it would wait, not answer.
    assert _raw_post(receiving.url, head, body) == status
    assert receiving.tasks == []


class _CountingInput:
    """A WSGI input that counts what the application reads of it."""

    def __init__(self, size: int) -> None:
        self._left = size
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        size = self._left if size < 0 else min(size, self._left)
        self._left -= size
        self.read_bytes += size
        return b" " * size


BIG = 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("length", "status", "at_most"),
    [
        (None, 411, 0),
        ("", 411, 0),
        ("-1", 400, 0),
        ("0x10", 400, 0),
        (str(BIG), 413, 0),
        # Read as stated, and no further: unsigned (401), or longer than it said (400).
        ("1024", (401, 400), 1024),
    ],
)
def test_the_receivers_read_no_more_than_the_stated_length_and_a_chunk(
    fake: FakeApikley, length: str | None, status: int | tuple[int, int], at_most: int
) -> None:
    wsgi_status, asgi_status = status if isinstance(status, tuple) else (status, status)

    def start_response(status_line: str, headers: object) -> None:
        answers.append(int(status_line.split()[0]))

    answers: list[int] = []
    body = _CountingInput(BIG)
    environ = {"REQUEST_METHOD": "POST", "wsgi.input": body}
    if length is not None:
        environ["CONTENT_LENGTH"] = length
    with fake.client() as sync_client:
        wsgi_app(KEY, sync_client, on_task=print)(environ, start_response)
    assert (answers, body.read_bytes <= at_most) == ([wsgi_status], True)

    received = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 65536
        return {"type": "http.request", "body": b" " * 65536, "more_body": received < BIG}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [] if length is None else [(b"content-length", length.encode())]
    scope = {"type": "http", "method": "POST", "headers": headers}

    async def call() -> None:
        async with fake.async_client() as async_client:
            await asgi_app(KEY, async_client, on_task=print)(scope, receive, send)

    asyncio.run(call())
    assert sent[0]["status"] == asgi_status
    assert received <= at_most + 65536 if at_most else received == 0


def test_the_tasks_that_expect_a_callback_are_remembered_within_a_bound(
    make_client: Callable[..., Guarded], fake: FakeApikley, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process that runs for weeks submits without end: what it keeps per task is bounded.
    monkeypatch.setattr(C, "FRESH_TASKS_REMEMBERED", 3)
    client = make_client()
    ids = [
        client.submit("a knight", URL, callback_url="https://example.com/hook") for _ in range(5)
    ]
    callbacks = client.inner._core.callbacks
    assert list(callbacks.expected) == ids[-3:]
    assert list(client.inner._core.submitted) == ids[-3:]
