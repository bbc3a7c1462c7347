"""The fake's answers on the wire: shapes per the vendored spec, lifecycle, real PNG results."""

from __future__ import annotations

import json
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ideogram_facade import _endpoints
from ideogram_facade._transport import tls_context
from ideogram_facade.testing import FakeApikley, ManualClock, TaskTiming

# importorskip: jsonschema is a test-only tool, typed as Any here (it ships no stubs).
jsonschema = pytest.importorskip("jsonschema")
OPENAPI = Path(__file__).resolve().parents[2] / "openapi"


def create_body(**overrides: Any) -> dict[str, Any]:
    prompt = {
        "prompt": "the same woman as a pilot",
        "reference_image_urls": ["https://e.com/a.png"],
    }
    return {"model": "ideogram/character", "input": {**prompt, **overrides}}


@pytest.fixture
def fake() -> Iterator[FakeApikley]:
    with FakeApikley(timing=TaskTiming(0.0, 0.02, 0.03)) as running:
        yield running


def _inline(node: Any, document: dict[str, Any]) -> Any:
    """The schema with every local $ref replaced by what it points to."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for key in node["$ref"][2:].split("/"):
                target = target[key]
            return _inline(target, document)
        return {key: _inline(value, document) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, document) for item in node]
    return node


def response_schema(document: str, path: str, method: str) -> dict[str, Any]:
    spec = json.loads((OPENAPI / document).read_text(encoding="utf-8"))
    answer = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    schema: dict[str, Any] = _inline(answer["schema"], spec)
    return schema


def check_against_spec(answer: dict[str, Any], document: str, path: str, method: str) -> None:
    jsonschema.Draft7Validator(response_schema(document, path, method)).validate(answer)


def create_task(http: httpx.Client, **overrides: Any) -> str:
    answer = http.post("/api/v1/jobs/createTask", json=create_body(**overrides))
    assert answer.status_code == 200
    assert answer.json()["code"] == 200, answer.text
    task_id: str = answer.json()["data"]["taskId"]
    return task_id


def poll_until_done(http: httpx.Client, task_id: str) -> tuple[list[str], dict[str, Any]]:
    states = []
    for _ in range(200):
        answer = http.get("/api/v1/jobs/recordInfo", params={"taskId": task_id}).json()
        states.append(answer["data"]["state"])
        if states[-1] in ("success", "fail"):
            return states, answer
        time.sleep(0.005)
    raise AssertionError(f"task never finished: {states[-5:]}")


def read_png(data: bytes) -> tuple[int, int]:
    """(width, height) after checking the signature, every chunk's CRC and the pixel data."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        payload = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + payload) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, payload))
        pos += 12 + length
    assert [chunks[0][0], chunks[-1][0]] == [b"IHDR", b"IEND"]
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour) == (8, 2)
    pixels = zlib.decompress(b"".join(p for k, p in chunks if k == b"IDAT"))
    assert len(pixels) == height * (1 + 3 * width)
    return width, height


def test_create_poll_download_follows_the_spec(fake: FakeApikley, http: httpx.Client) -> None:
    created = http.post("/api/v1/jobs/createTask", json=create_body(num_images="2"))
    check_against_spec(
        created.json(), "market/ideogram/character.json", "/api/v1/jobs/createTask", "post"
    )
    task_id = created.json()["data"]["taskId"]
    assert task_id.startswith("task_ideogram_")

    states, done = poll_until_done(http, task_id)
    check_against_spec(done, "market/common/get-task-detail.json", "/api/v1/jobs/recordInfo", "get")
    assert states[-1] == "success"
    data = done["data"]
    assert data["model"] == "ideogram/character"
    assert json.loads(data["param"]) == create_body(num_images="2")
    assert (data["failCode"], data["failMsg"]) == ("", "")
    assert data["createTime"] <= data["updateTime"] <= data["completeTime"]
    assert abs(data["createTime"] / 1000 - time.time()) < 60  # epoch milliseconds
    assert data["creditsConsumed"] == 20

    urls = json.loads(data["resultJson"])["resultUrls"]
    assert len(urls) == 2
    for url in urls:
        # No Authorization: result URLs are public.
        image = httpx.get(url, trust_env=False, verify=tls_context())
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert read_png(image.content) == (128, 128)


def test_unfinished_task_has_no_result_and_no_complete_time() -> None:
    with FakeApikley(clock=ManualClock(), timing=TaskTiming(0, 0, 1)) as fake:
        headers = {"Authorization": f"Bearer {fake.api_key}"}
        with httpx.Client(
            base_url=fake.base_url, headers=headers, trust_env=False, verify=tls_context()
        ) as http:
            task_id = create_task(http)
            answer = http.get("/api/v1/jobs/recordInfo", params={"taskId": task_id}).json()
    check_against_spec_except_null_complete_time(answer)
    data = answer["data"]
    assert data["state"] == "generating"
    assert (data["resultJson"], data["costTime"], data["creditsConsumed"]) == ("", 0, 0)
    assert data["completeTime"] is None


def check_against_spec_except_null_complete_time(answer: dict[str, Any]) -> None:
    # The spec types completeTime as an integer, but the service sends null until the end.
    without = {**answer, "data": {k: v for k, v in answer["data"].items() if k != "completeTime"}}
    check_against_spec(
        without, "market/common/get-task-detail.json", "/api/v1/jobs/recordInfo", "get"
    )


@pytest.mark.parametrize(
    ("image_size", "ratio"),
    [
        ("square", (1, 1)),
        ("square_hd", (1, 1)),
        ("portrait_4_3", (3, 4)),
        ("portrait_16_9", (9, 16)),
        ("landscape_4_3", (4, 3)),
        ("landscape_16_9", (16, 9)),
    ],
)
def test_image_shape_follows_image_size(
    http: httpx.Client, image_size: str, ratio: tuple[int, int]
) -> None:
    _, done = poll_until_done(http, create_task(http, image_size=image_size))
    (url,) = json.loads(done["data"]["resultJson"])["resultUrls"]
    width, height = read_png(httpx.get(url, trust_env=False, verify=tls_context()).content)
    assert width * ratio[1] == height * ratio[0]
    assert max(width, height) <= 128


def test_square_hd_is_larger_than_square(http: httpx.Client) -> None:
    sizes = []
    for image_size in ("square", "square_hd"):
        _, done = poll_until_done(http, create_task(http, image_size=image_size))
        (url,) = json.loads(done["data"]["resultJson"])["resultUrls"]
        sizes.append(read_png(httpx.get(url, trust_env=False, verify=tls_context()).content))
    assert sizes[1][0] > sizes[0][0]


def test_pixels_are_deterministic_from_prompt_seed_and_index(http: httpx.Client) -> None:
    def images(**overrides: Any) -> list[bytes]:
        _, done = poll_until_done(http, create_task(http, num_images="2", **overrides))
        urls = json.loads(done["data"]["resultJson"])["resultUrls"]
        return [httpx.get(url, trust_env=False, verify=tls_context()).content for url in urls]

    first = images(seed=7)
    assert images(seed=7) == first
    assert images(seed=8) != first
    assert first[0] != first[1]


def test_credit_and_download_url_follow_the_spec(fake: FakeApikley, http: httpx.Client) -> None:
    credit = http.get("/api/v1/chat/credit").json()
    check_against_spec(credit, "common-api/common-api.json", "/api/v1/chat/credit", "get")
    assert credit["data"] == 1000

    _, done = poll_until_done(http, create_task(http))
    (url,) = json.loads(done["data"]["resultJson"])["resultUrls"]
    fresh = http.post("/api/v1/common/download-url", json={"url": url}).json()
    check_against_spec(fresh, "common-api/common-api.json", "/api/v1/common/download-url", "post")
    assert httpx.get(fresh["data"], trust_env=False, verify=tls_context()).status_code == 200
    assert http.get("/api/v1/chat/credit").json()["data"] == 990


def test_unknown_path_and_wrong_method_are_404_and_405(http: httpx.Client) -> None:
    assert http.get("/api/v1/nothing").status_code == 404
    wrong_method = http.get("/api/v1/jobs/createTask")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == 405


def test_a_poll_without_task_id_is_code_400_as_the_spec_lists(http: httpx.Client) -> None:
    answer = http.get("/api/v1/jobs/recordInfo").json()
    assert answer["code"] == 400
    # Errors come with `"data": null`, as the service sends them; the spec has no error schema.
    envelope = {key: value for key, value in answer.items() if key != "data"}
    check_against_spec(
        envelope, "market/common/get-task-detail.json", "/api/v1/jobs/recordInfo", "get"
    )


@pytest.mark.parametrize("endpoint", _endpoints.ALL, ids=lambda endpoint: endpoint.name)
def test_a_wrong_method_is_405_naming_the_endpoints_method_in_allow(
    fake: FakeApikley, endpoint: _endpoints.Endpoint
) -> None:
    base_url = fake.upload_base_url if endpoint.upload else fake.base_url
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    answer = httpx.delete(
        base_url + endpoint.path, headers=headers, trust_env=False, verify=tls_context()
    )
    assert answer.status_code == 405
    assert answer.headers["Allow"] == endpoint.method
