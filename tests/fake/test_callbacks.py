"""Callbacks: delivered to a receiver when the task ends, signed when a webhook key is set."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from ideogram_facade.testing import FakeApikley, ManualClock, TaskTiming


class Receiver:
    """A tiny HTTP server that keeps what it is sent and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), json.loads(body)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def create(fake: FakeApikley, callback_url: str) -> str:
    body = {
        "model": "ideogram/character",
        "callBackUrl": callback_url,
        "input": {"prompt": "a pilot", "reference_image_urls": ["https://e.com/a.png"]},
    }
    answer = httpx.post(
        fake.base_url + "/api/v1/jobs/createTask",
        json=body,
        headers={"Authorization": f"Bearer {fake.api_key}"},
        trust_env=False,
    )
    task_id: str = answer.json()["data"]["taskId"]
    return task_id


def test_unsigned_callback_carries_the_documented_payload(receiver: Receiver) -> None:
    with FakeApikley(timing=TaskTiming(0, 0, 0.05)) as fake:
        task_id = create(fake, receiver.url)
        (delivery,) = fake.wait_for_callbacks(1, timeout=5)
    assert delivery.delivered
    assert (delivery.status, delivery.task_id, delivery.url) == (200, task_id, receiver.url)
    headers, payload = receiver.received[0]
    assert "X-Webhook-Signature" not in headers
    assert payload["code"] == 200
    data = payload["data"]
    assert set(data) >= {
        "taskId", "model", "state", "param", "resultJson", "failCode", "failMsg",
        "costTime", "createTime", "completeTime", "updateTime", "creditsConsumed",
    }  # fmt: skip
    assert (data["taskId"], data["state"]) == (task_id, "success")
    assert json.loads(data["resultJson"])["resultUrls"]
    assert data["completeTime"] - data["createTime"] == 50


def test_signed_callback_verifies_with_the_webhook_key(receiver: Receiver) -> None:
    with FakeApikley(timing=TaskTiming.instant(), webhook_key="whsec-1") as fake:
        task_id = create(fake, receiver.url)
        fake.wait_for_callbacks(1, timeout=5)
    headers, payload = receiver.received[0]
    timestamp = headers["X-Webhook-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    expected = hmac.new(b"whsec-1", f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    assert headers["X-Webhook-Signature"] == base64.b64encode(expected).decode()
    assert payload["data"]["taskId"] == task_id


def test_failed_task_calls_back_with_code_501(receiver: Receiver) -> None:
    with FakeApikley(timing=TaskTiming.instant()) as fake:
        fake.script_next_task(fail=("422", "image could not be read"))
        create(fake, receiver.url)
        fake.wait_for_callbacks(1, timeout=5)
    _, payload = receiver.received[0]
    assert (payload["code"], payload["msg"]) == (501, "image could not be read")
    data = payload["data"]
    assert (data["state"], data["failCode"], data["resultJson"]) == ("fail", "422", "")


def test_callback_waits_for_the_manual_clock(receiver: Receiver) -> None:
    clock = ManualClock()
    with FakeApikley(clock=clock, timing=TaskTiming(1, 1, 1)) as fake:
        create(fake, receiver.url)
        assert fake.wait_for_callbacks(1, timeout=0.2) == []
        clock.advance(2.9)
        assert fake.wait_for_callbacks(1, timeout=0.2) == []
        clock.advance(0.1)
        assert len(fake.wait_for_callbacks(1, timeout=5)) == 1
    assert receiver.received[0][1]["data"]["state"] == "success"


def test_non_loopback_callback_is_refused_not_sent() -> None:
    with FakeApikley(timing=TaskTiming.instant()) as fake:
        create(fake, "https://example.com/hook")
        (delivery,) = fake.wait_for_callbacks(1, timeout=5)
    assert delivery.refused
    assert not delivery.delivered
    assert delivery.status is None
    assert delivery.error is not None
    assert "loopback" in delivery.error


def test_receiver_errors_and_unreachable_receivers_are_recorded() -> None:
    failing = Receiver(status=500)
    try:
        with FakeApikley(timing=TaskTiming.instant(), callback_timeout=2) as fake:
            create(fake, failing.url)
            create(fake, "http://127.0.0.1:9/nobody-listens")
            deliveries = fake.wait_for_callbacks(2, timeout=5)
    finally:
        failing.close()
    by_url = {delivery.url: delivery for delivery in deliveries}
    assert by_url[failing.url].status == 500
    assert not by_url[failing.url].delivered
    unreachable = by_url["http://127.0.0.1:9/nobody-listens"]
    assert unreachable.status is None
    assert unreachable.error is not None
    assert "ConnectError" in unreachable.error


def test_no_callback_without_callback_url() -> None:
    with FakeApikley(timing=TaskTiming.instant()) as fake:
        answer = httpx.post(
            fake.base_url + "/api/v1/jobs/createTask",
            json={
                "model": "ideogram/character",
                "input": {"prompt": "p", "reference_image_urls": []},
            },
            headers={"Authorization": f"Bearer {fake.api_key}"},
            trust_env=False,
        )
        assert answer.json()["code"] == 200
        assert fake.wait_for_callbacks(1, timeout=0.1) == []
