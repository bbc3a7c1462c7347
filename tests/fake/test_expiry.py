"""Result URL expiry and refresh through POST /api/v1/common/download-url."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from ideogram_facade._transport import tls_context
from ideogram_facade.testing import FakeApikley, Fault, ManualClock, TaskTiming

BODY = {
    "model": "ideogram/character",
    "input": {
        "prompt": "a pilot",
        "reference_image_urls": ["https://e.com/a.png"],
        "num_images": "2",
    },
}
REFRESH = "/api/v1/common/download-url"


@pytest.fixture
def fake() -> Iterator[FakeApikley]:
    with FakeApikley(timing=TaskTiming.instant()) as running:
        yield running


def result_urls(http: httpx.Client) -> list[str]:
    task_id = http.post("/api/v1/jobs/createTask", json=BODY).json()["data"]["taskId"]
    data = http.get("/api/v1/jobs/recordInfo", params={"taskId": task_id}).json()["data"]
    urls: list[str] = json.loads(data["resultJson"])["resultUrls"]
    return urls


def get(url: str) -> httpx.Response:
    return httpx.get(url, trust_env=False, verify=tls_context())


def test_expired_urls_answer_403_and_refresh_gives_a_working_one(
    fake: FakeApikley, http: httpx.Client
) -> None:
    urls = result_urls(http)
    before = [get(url).content for url in urls]
    fake.expire_result_urls()
    assert [get(url).status_code for url in urls] == [403, 403]
    fresh = [http.post(REFRESH, json={"url": url}).json() for url in urls]
    assert [answer["code"] for answer in fresh] == [200, 200]
    assert [answer["data"] for answer in fresh] != urls
    assert [get(answer["data"]).content for answer in fresh] == before


def test_refreshed_urls_expire_too(fake: FakeApikley, http: httpx.Client) -> None:
    (url, _) = result_urls(http)
    fresh = http.post(REFRESH, json={"url": url}).json()["data"]
    assert get(fresh).status_code == 200
    fake.expire_result_urls()
    assert get(fresh).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/files/results/x/0.png",
        "http://127.0.0.1:1/files/results/x/0.png",
        "not a url",
    ],
)
def test_refresh_of_a_foreign_url_is_422(http: httpx.Client, url: str) -> None:
    answer = http.post(REFRESH, json={"url": url}).json()
    assert (answer["code"], answer["data"]) == (422, None)


def test_refresh_of_an_unknown_task_or_index_is_422(fake: FakeApikley, http: httpx.Client) -> None:
    (url, _) = result_urls(http)
    for bad in (url.replace("/0.png", "/7.png"), f"{fake.base_url}/files/results/task_none/0.png"):
        assert http.post(REFRESH, json={"url": bad}).json()["code"] == 422


def test_urls_expire_after_their_ttl_on_the_fake_clock() -> None:
    clock = ManualClock()
    with FakeApikley(clock=clock, timing=TaskTiming.instant(), result_url_ttl=60) as fake:
        headers = {"Authorization": f"Bearer {fake.api_key}"}
        with httpx.Client(
            base_url=fake.base_url, headers=headers, trust_env=False, verify=tls_context()
        ) as http:
            url = result_urls(http)[0]
            clock.advance(60)
            assert get(url).status_code == 200
            clock.advance(1)
            assert get(url).status_code == 403
            fresh = http.post(REFRESH, json={"url": url}).json()["data"]
            assert get(fresh).status_code == 200


def test_files_answer_404_for_unknown_tasks_and_images(
    fake: FakeApikley, http: httpx.Client
) -> None:
    url = result_urls(http)[0]
    assert get(url.replace("/0.png", "/5.png")).status_code == 404
    assert get(f"{fake.base_url}/files/results/task_none/0.png").status_code == 404
    fake.inject("files", Fault.empty(500))
    assert get(url).status_code == 500
