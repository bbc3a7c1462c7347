"""The three upload endpoints, the stored files served back, and their refusals."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ideogram_facade._transport import tls_context
from ideogram_facade.testing import FakeApikley

# importorskip: jsonschema is a test-only tool, typed as Any here (it ships no stubs).
jsonschema = pytest.importorskip("jsonschema")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 32
SPEC = Path(__file__).resolve().parents[2] / "openapi" / "file-upload-api" / "file-upload-api.json"


@pytest.fixture
def fake() -> Iterator[FakeApikley]:
    with FakeApikley() as running:
        yield running


@pytest.fixture
def http(fake: FakeApikley) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    with httpx.Client(
        base_url=fake.upload_base_url, headers=headers, trust_env=False, verify=tls_context()
    ) as client:
        yield client


def check_shape(answer: dict[str, Any]) -> dict[str, Any]:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    schema = spec["components"]["schemas"]["FileUploadResult"]
    jsonschema.Draft7Validator(schema).validate(answer)
    assert (answer["success"], answer["code"]) == (True, 200)
    data: dict[str, Any] = answer["data"]
    assert set(data) == {
        "fileName",
        "filePath",
        "downloadUrl",
        "fileSize",
        "mimeType",
        "uploadedAt",
    }
    return data


def download(url: str) -> httpx.Response:
    return httpx.get(
        url, trust_env=False, verify=tls_context()
    )  # no Authorization: download URLs are public


def test_stream_upload_is_stored_and_served_back(fake: FakeApikley, http: httpx.Client) -> None:
    answer = http.post(
        "/api/file-stream-upload",
        files={"file": ("me.png", PNG, "image/png")},
        data={"uploadPath": "refs/2025", "fileName": "me-1.png"},
    )
    data = check_shape(answer.json())
    assert (data["fileName"], data["filePath"]) == ("me-1.png", "refs/2025/me-1.png")
    assert (data["fileSize"], data["mimeType"]) == (len(PNG), "image/png")
    assert data["uploadedAt"].endswith("Z")
    served = download(data["downloadUrl"])
    assert (served.status_code, served.content) == (200, PNG)
    assert served.headers["content-type"] == "image/png"
    assert fake.uploads["refs/2025/me-1.png"].data == PNG


def test_stream_upload_without_file_name_gets_a_unique_one(http: httpx.Client) -> None:
    names = set()
    for _ in range(2):
        answer = http.post(
            "/api/file-stream-upload", files={"file": ("me.jpg", JPEG)}, data={"uploadPath": "p"}
        )
        data = check_shape(answer.json())
        assert data["fileName"].endswith(".jpg")
        assert data["mimeType"] == "image/jpeg"
        names.add(data["fileName"])
    assert len(names) == 2


def test_same_file_name_overwrites(http: httpx.Client) -> None:
    for content in (PNG, JPEG):
        answer = http.post(
            "/api/file-stream-upload",
            files={"file": ("x", content)},
            data={"uploadPath": "p", "fileName": "same.bin"},
        )
    assert download(answer.json()["data"]["downloadUrl"]).content == JPEG


@pytest.mark.parametrize(
    "encoded",
    [base64.b64encode(PNG).decode(), "data:image/png;base64," + base64.b64encode(PNG).decode()],
)
def test_base64_upload_plain_or_data_url(http: httpx.Client, encoded: str) -> None:
    answer = http.post("/api/file-base64-upload", json={"base64Data": encoded, "uploadPath": "b"})
    data = check_shape(answer.json())
    assert (data["mimeType"], data["fileSize"]) == ("image/png", len(PNG))
    assert download(data["downloadUrl"]).content == PNG


def test_url_upload_fetches_a_loopback_url(fake: FakeApikley, http: httpx.Client) -> None:
    first = http.post(
        "/api/file-base64-upload",
        json={
            "base64Data": base64.b64encode(JPEG).decode(),
            "uploadPath": "a",
            "fileName": "x.jpg",
        },
    )
    source = first.json()["data"]["downloadUrl"]
    answer = http.post("/api/file-url-upload", json={"fileUrl": source, "uploadPath": "copies"})
    data = check_shape(answer.json())
    assert data["filePath"].startswith("copies/")
    assert data["fileName"].endswith(".jpg")
    assert download(data["downloadUrl"]).content == JPEG


@pytest.mark.parametrize(
    ("path", "body", "code", "message"),
    [
        (
            "file-url-upload",
            {"fileUrl": "https://example.com/a.png", "uploadPath": "p"},
            400,
            "loopback",
        ),
        ("file-url-upload", {"fileUrl": "not-a-url", "uploadPath": "p"}, 422, "fileUrl"),
        ("file-base64-upload", {"base64Data": "@@@", "uploadPath": "p"}, 400, "Base64"),
        ("file-base64-upload", {"base64Data": "eA=="}, 422, "uploadPath: required field"),
        ("file-base64-upload", {"base64Data": "eA==", "uploadPath": "/p/"}, 400, "must not start"),
        ("file-base64-upload", {"base64Data": 5, "uploadPath": "p"}, 422, "expected string"),
    ],
)
def test_bad_uploads_are_refused(
    http: httpx.Client, path: str, body: dict[str, Any], code: int, message: str
) -> None:
    answer = http.post(f"/api/{path}", json=body).json()
    assert (answer["success"], answer["code"], answer["data"]) == (False, code, None)
    assert message in answer["msg"]


def test_url_upload_of_a_missing_file_is_400(fake: FakeApikley, http: httpx.Client) -> None:
    missing = fake.base_url + "/files/uploads/nope.png"
    answer = http.post("/api/file-url-upload", json={"fileUrl": missing, "uploadPath": "p"})
    assert answer.json()["code"] == 400
    assert "HTTP 404" in answer.json()["msg"]


def test_stream_upload_without_file_part_is_422(http: httpx.Client) -> None:
    answer = http.post(
        "/api/file-stream-upload", files={"other": ("a", b"x")}, data={"uploadPath": "p"}
    )
    assert answer.json()["code"] == 422
    assert "file: required field is missing" in answer.json()["msg"]


def test_uploads_need_the_key(fake: FakeApikley) -> None:
    answer = httpx.post(
        fake.upload_base_url + "/api/file-base64-upload",
        json={"base64Data": "eA==", "uploadPath": "p"},
        trust_env=False,
        verify=tls_context(),
    )
    assert answer.status_code == 200
    assert (answer.json()["success"], answer.json()["code"]) == (False, 401)
    assert fake.uploads == {}


def test_unknown_upload_is_404(fake: FakeApikley) -> None:
    assert download(fake.base_url + "/files/uploads/none/x.png").status_code == 404
