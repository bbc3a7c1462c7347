"""Refusals: spec-driven validation (422), keys (401), unknown tasks, credits (402)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ideogram_facade import _endpoints
from ideogram_facade._transport import tls_context
from ideogram_facade.testing import FakeApikley, ManualClock, TaskTiming

CREATE = "/api/v1/jobs/createTask"
RECORD = "/api/v1/jobs/recordInfo"


def create_body(**overrides: Any) -> dict[str, Any]:
    prompt = {
        "prompt": "the same woman as a pilot",
        "reference_image_urls": ["https://e.com/a.png"],
    }
    return {"model": "ideogram/character", "input": {**prompt, **overrides}}


def authed(fake: FakeApikley) -> httpx.Client:
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    return httpx.Client(
        base_url=fake.base_url, headers=headers, trust_env=False, verify=tls_context()
    )


@pytest.fixture
def fake() -> Iterator[FakeApikley]:
    with FakeApikley(timing=TaskTiming.instant(), credits=100, credits_per_image=10) as running:
        yield running


@pytest.fixture
def http(fake: FakeApikley) -> Iterator[httpx.Client]:
    with authed(fake) as client:
        yield client


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (create_body(num_images=2), "input.num_images: expected string, got integer"),
        (create_body(num_images="5"), 'input.num_images: "5" is not one of ["1", "2", "3", "4"]'),
        (create_body(image_size="huge"), 'input.image_size: "huge" is not one of'),
        (create_body(prompt="x" * 5001), "input.prompt: length 5001 exceeds maxLength 5000"),
        (create_body(negative_prompt="x" * 5001), "input.negative_prompt: length 5001 exceeds"),
        (create_body(reference_image_urls="https://e.com/a.png"), "expected array, got string"),
        (
            create_body(reference_image_urls=["not a url"]),
            'input.reference_image_urls[0]: "not a url" is not an absolute http(s) URL',
        ),
        (create_body(expand_prompt="yes"), "input.expand_prompt: expected boolean, got string"),
        (create_body(seed=True), "input.seed: expected integer, got boolean"),
        ({"model": "ideogram/v3", "input": create_body()["input"]}, 'model: "ideogram/v3" is not'),
        ({"input": create_body()["input"]}, "model: required field is missing"),
        ({"model": "ideogram/character"}, "input: required field is missing"),
        (
            {"model": "ideogram/character", "input": {"prompt": "p"}},
            "input.reference_image_urls: required field is missing",
        ),
        ({**create_body(), "callBackUrl": "ftp://x/y"}, 'callBackUrl: "ftp://x/y" is not'),
    ],
)
def test_invalid_create_is_422_with_a_useful_message(
    fake: FakeApikley, http: httpx.Client, body: dict[str, Any], expected: str
) -> None:
    answer = http.post(CREATE, json=body)
    assert answer.status_code == 200
    assert answer.json()["code"] == 422
    assert expected in answer.json()["msg"]
    assert answer.json()["data"] is None
    assert fake.creates_received == 1
    assert fake.creates_accepted == 0


def test_body_that_is_not_json_is_422(http: httpx.Client) -> None:
    answer = http.post(CREATE, content=b"{nope", headers={"Content-Type": "application/json"})
    assert answer.json()["code"] == 422
    assert "not valid JSON" in answer.json()["msg"]


def test_a_spec_change_changes_what_the_fake_accepts() -> None:
    spec = copy.deepcopy(dict(_endpoints.spec()))
    body = spec["components"]["schemas"]["IdeogramCharacterBody"]  # one model's, of the oneOf
    body["properties"]["input"]["properties"]["num_images"]["enum"].append("8")
    body["properties"]["input"]["properties"]["prompt"]["maxLength"] = 10
    with FakeApikley(spec=spec, timing=TaskTiming.instant()) as fake, authed(fake) as http:
        assert (
            http.post(CREATE, json=create_body(num_images="8", prompt="short")).json()["code"]
            == 200
        )
        too_long = http.post(CREATE, json=create_body(prompt="x" * 11)).json()
        assert too_long["code"] == 422
        assert "exceeds maxLength 10" in too_long["msg"]


@pytest.mark.parametrize("header", [None, "Bearer wrong-key", "Basic abc", "Bearer"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", CREATE), ("GET", RECORD), ("GET", "/api/v1/chat/credit")],
)
def test_missing_or_wrong_key_is_http_200_with_code_401(
    fake: FakeApikley, header: str | None, method: str, path: str
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    answer = httpx.request(
        method,
        fake.base_url + path,
        headers=headers,
        json=create_body(),
        trust_env=False,
        verify=tls_context(),
    )
    assert answer.status_code == 200
    assert answer.json() == {"code": 401, "msg": answer.json()["msg"], "data": None}
    assert fake.creates_accepted == 0


def test_auth_error_can_be_a_real_http_401() -> None:
    with FakeApikley(auth_error_as_http_status=True) as fake:
        answer = httpx.get(
            fake.base_url + "/api/v1/chat/credit", trust_env=False, verify=tls_context()
        )
        assert answer.status_code == 401
        assert answer.json()["code"] == 401


def test_unknown_task_is_code_422_record_info_is_null(http: httpx.Client) -> None:
    answer = http.get(RECORD, params={"taskId": "task_ideogram_404"})
    assert answer.json() == {"code": 422, "msg": "recordInfo is null", "data": None}


def test_unknown_task_can_answer_the_documented_404() -> None:
    with FakeApikley(unknown_task_code=404) as fake, authed(fake) as http:
        answer = http.get(RECORD, params={"taskId": "task_x"}).json()
        assert (answer["code"], answer["msg"]) == (404, "Task not found")


@pytest.mark.parametrize("params", [{}, {"taskId": ""}])
def test_missing_task_id_is_code_400(http: httpx.Client, params: dict[str, str]) -> None:
    answer = http.get(RECORD, params=params).json()
    assert (answer["code"], answer["msg"]) == (400, "taskId parameter is required")


def test_create_that_cannot_be_paid_is_402_and_not_charged(
    fake: FakeApikley, http: httpx.Client
) -> None:
    assert http.post(CREATE, json=create_body(num_images="4")).json()["code"] == 200
    assert http.post(CREATE, json=create_body(num_images="4")).json()["code"] == 200
    refused = http.post(CREATE, json=create_body(num_images="3")).json()
    assert refused["code"] == 402
    assert refused["data"] is None
    assert fake.creates_accepted == 2
    assert http.get("/api/v1/chat/credit").json()["data"] == 20
    assert http.post(CREATE, json=create_body(num_images="2")).json()["code"] == 200
    assert fake.credits == 0


def test_failed_task_reports_fail_code_and_is_refunded_when_it_fails() -> None:
    clock = ManualClock()
    with FakeApikley(clock=clock, credits=50, credits_per_image=10) as fake, authed(fake) as http:
        fake.script_next_task(timing=TaskTiming(0, 0, 5), fail=("500", "content policy"))
        task_id = http.post(CREATE, json=create_body()).json()["data"]["taskId"]
        assert http.get("/api/v1/chat/credit").json()["data"] == 40
        clock.advance(5)
        data = http.get(RECORD, params={"taskId": task_id}).json()["data"]
        assert (data["state"], data["failCode"], data["failMsg"]) == (
            "fail",
            "500",
            "content policy",
        )
        assert data["resultJson"] == ""
        assert data["creditsConsumed"] == 0
        assert http.get("/api/v1/chat/credit").json()["data"] == 50
        assert json.loads(data["param"])["input"]["prompt"] == "the same woman as a pilot"
