"""Fault injection: every fault kind, on every endpoint, and whether the request was processed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ideogram_facade.testing import ENDPOINTS, FakeApikley, Fault, TaskTiming

CREATE = "/api/v1/jobs/createTask"
BODY = {
    "model": "ideogram/character",
    "input": {"prompt": "a pilot", "reference_image_urls": ["https://e.com/a.png"]},
}


@pytest.fixture
def fake() -> Iterator[FakeApikley]:
    with FakeApikley(timing=TaskTiming.instant()) as running:
        yield running


def create(http: httpx.Client, **kwargs: Any) -> httpx.Response:
    return http.post(CREATE, json=BODY, **kwargs)


def test_http_status_429_has_retry_after_and_matching_code(
    fake: FakeApikley, http: httpx.Client
) -> None:
    fake.inject("createTask", Fault.http_status(429, retry_after=2))
    answer = create(http)
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "2"
    assert answer.json()["code"] == 429
    assert answer.json()["data"] is None
    assert (fake.creates_received, fake.creates_accepted) == (1, 0)
    assert create(http).json()["code"] == 200  # one time only
    assert fake.creates_accepted == 1


@pytest.mark.parametrize("status", [455, 500, 503])
def test_http_status_answers_that_status_and_is_not_processed(
    fake: FakeApikley, http: httpx.Client, status: int
) -> None:
    fake.inject("createTask", Fault.http_status(status))
    answer = create(http)
    assert answer.status_code == status
    assert answer.json()["code"] == status
    assert "retry-after" not in answer.headers
    assert fake.creates_accepted == 0


def test_empty_answers_status_without_body(fake: FakeApikley, http: httpx.Client) -> None:
    fake.inject("createTask", Fault.empty(500))
    answer = create(http)
    assert (answer.status_code, answer.content) == (500, b"")
    assert fake.creates_accepted == 0


@pytest.mark.parametrize(
    ("code", "msg"), [(401, None), (402, "no money"), (433, None), (505, None)]
)
def test_body_code_is_http_200_with_the_code(
    fake: FakeApikley, http: httpx.Client, code: int, msg: str | None
) -> None:
    fake.inject("createTask", Fault.body_code(code, msg))
    answer = create(http)
    assert answer.status_code == 200
    assert answer.json()["code"] == code
    assert answer.json()["msg"] == (msg or answer.json()["msg"])
    assert answer.json()["msg"]
    assert fake.creates_accepted == 0


def test_malformed_json_does_not_parse(fake: FakeApikley, http: httpx.Client) -> None:
    fake.inject("createTask", Fault.malformed_json())
    answer = create(http)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        answer.json()
    assert fake.creates_accepted == 0


def test_html_page_is_a_gateway_page(fake: FakeApikley, http: httpx.Client) -> None:
    fake.inject("createTask", Fault.html_page())
    answer = create(http)
    assert answer.status_code == 502
    assert answer.headers["content-type"] == "text/html"
    assert "<html>" in answer.text
    assert fake.creates_accepted == 0


def test_delay_processes_first_then_answers_late(fake: FakeApikley, http: httpx.Client) -> None:
    fake.inject("createTask", Fault.delay(0.3))
    with pytest.raises(httpx.ReadTimeout):
        create(http, timeout=0.1)
    assert fake.creates_accepted == 1  # accepted although the http never saw the answer
    fake.inject("createTask", Fault.delay(0.2))
    started = time.perf_counter()
    answer = create(http)
    assert time.perf_counter() - started >= 0.2
    assert answer.json()["code"] == 200
    assert fake.creates_accepted == 2


def test_close_before_body_processes_nothing(fake: FakeApikley, http: httpx.Client) -> None:
    fake.inject("createTask", Fault.close_before_body())
    with pytest.raises(httpx.TransportError):
        create(http)
    assert (fake.creates_received, fake.creates_accepted) == (0, 0)
    assert fake.requests[-1].status is None
    assert create(http).json()["code"] == 200


def test_close_after_body_accepts_the_task_but_never_answers(
    fake: FakeApikley, http: httpx.Client
) -> None:
    fake.inject("createTask", Fault.close_after_body())
    with pytest.raises(httpx.RemoteProtocolError):
        create(http)
    assert (fake.creates_received, fake.creates_accepted) == (1, 1)
    assert fake.requests[-1].status is None


def test_times_repeats_a_fault(fake: FakeApikley, http: httpx.Client) -> None:
    fake.inject("createTask", Fault.http_status(500), times=3)
    assert [create(http).status_code for _ in range(4)] == [500, 500, 500, 200]


def test_faults_queue_in_order_and_stay_on_their_endpoint(
    fake: FakeApikley, http: httpx.Client
) -> None:
    fake.inject("credit", Fault.http_status(429))
    fake.inject("credit", Fault.body_code(455))
    assert create(http).json()["code"] == 200
    first, second = (http.get("/api/v1/chat/credit") for _ in range(2))
    assert (first.status_code, second.json()["code"]) == (429, 455)
    assert http.get("/api/v1/chat/credit").json()["code"] == 200


def _request_for(endpoint: str, fake: FakeApikley, http: httpx.Client) -> httpx.Response:
    upload = fake.upload_base_url + "/api/"
    if endpoint == "createTask":
        return create(http)
    if endpoint == "recordInfo":
        return http.get("/api/v1/jobs/recordInfo", params={"taskId": "t"})
    if endpoint == "credit":
        return http.get("/api/v1/chat/credit")
    if endpoint == "download-url":
        return http.post("/api/v1/common/download-url", json={"url": "http://x/y"})
    if endpoint == "file-stream-upload":
        return http.post(
            upload + endpoint, files={"file": ("a.png", b"x")}, data={"uploadPath": "p"}
        )
    if endpoint == "file-base64-upload":
        return http.post(upload + endpoint, json={"base64Data": "eA==", "uploadPath": "p"})
    if endpoint == "file-url-upload":
        return http.post(upload + endpoint, json={"fileUrl": "https://e.com/a", "uploadPath": "p"})
    return http.get("/files/results/t/0.png")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_can_be_faulted(
    fake: FakeApikley, http: httpx.Client, endpoint: str
) -> None:
    fake.inject(endpoint, Fault.http_status(503, retry_after=1.5))
    answer = _request_for(endpoint, fake, http)
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "1.5"
    assert fake.requests[-1].endpoint == endpoint
    assert _request_for(endpoint, fake, http).status_code != 503


def test_unknown_endpoint_or_bad_times_is_refused(fake: FakeApikley) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        fake.inject("createtask", Fault.http_status(500))
    with pytest.raises(ValueError, match="times"):
        fake.inject("createTask", Fault.http_status(500), times=0)


def test_clear_faults_drops_pending_ones(fake: FakeApikley, http: httpx.Client) -> None:
    fake.inject("createTask", Fault.http_status(500), times=5)
    fake.clear_faults()
    assert create(http).status_code == 200


def test_raw_answers_exactly_the_bytes_it_was_given(fake: FakeApikley, http: httpx.Client) -> None:
    fake.inject("credit", Fault.raw(b"\xff[[[ not json", status=203))
    answer = http.get("/api/v1/chat/credit")
    assert (answer.status_code, answer.content) == (203, b"\xff[[[ not json")


def test_drip_sends_the_processed_answer_a_byte_at_a_time(
    fake: FakeApikley, http: httpx.Client
) -> None:
    fake.inject("credit", Fault.drip(0.01))
    with http.stream("GET", "/api/v1/chat/credit") as answer:
        chunks = list(answer.iter_raw())
    assert len(chunks) > 1
    assert json.loads(b"".join(chunks))["code"] == 200
