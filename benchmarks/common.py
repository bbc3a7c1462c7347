"""What the benchmarks share: the raw-httpx floor, the poll policy, and ratio arithmetic."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from dataclasses import dataclass

import httpx

from ideogram_facade import PollPolicy

PROMPT = "the same woman reading in a sunlit garden"
IMAGE = "https://example.com/portrait.png"
# The body generate(PROMPT, IMAGE) sends, spelled out so the floor uses no facade code.
BODY = {
    "model": "ideogram/character",
    "input": {
        "prompt": PROMPT,
        "reference_image_urls": [IMAGE],
        "rendering_speed": "BALANCED",
        "style": "AUTO",
        "num_images": "1",
        "image_size": "square_hd",
    },
}
CREATE = "/api/v1/jobs/createTask"
RECORD = "/api/v1/jobs/recordInfo"

# generate() must sleep before its first poll (PollPolicy.initial > 0), so both sides sleep
# this long there. A microsecond, not a millisecond: a longer sleep would add the same
# constant to both sides and dilute the ratio towards 1.
# The most the facade's time may be against raw httpx's, as a ratio (the targets' bound).
RATIO_TARGET = 1.10
POLL_SECONDS = 1e-6
BENCH_POLL = PollPolicy(initial=POLL_SECONDS, jitter=0)
TIMEOUT = httpx.Timeout(30.0, connect=5.0)  # the facade's default, for the raw side too


def headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def _task_id(response: httpx.Response) -> str:
    response.raise_for_status()
    answer = response.json()
    if answer.get("code") != 200:
        raise RuntimeError(f"createTask refused: {answer}")
    return str(answer["data"]["taskId"])


def _done(response: httpx.Response) -> bool:
    response.raise_for_status()
    state = response.json()["data"]["state"]
    if state == "fail":
        raise RuntimeError("task failed")
    return bool(state == "success")


def raw_generate(http: httpx.Client, base_url: str, auth: dict[str, str]) -> None:
    """The floor for generate(): the same two requests, the same sleep, the same JSON parsing."""
    task_id = _task_id(http.post(base_url + CREATE, json=BODY, headers=auth))
    while True:
        time.sleep(POLL_SECONDS)
        if _done(http.get(base_url + RECORD, params={"taskId": task_id}, headers=auth)):
            return


async def raw_generate_async(
    http: httpx.AsyncClient,
    base_url: str,
    auth: dict[str, str],
    cap: asyncio.Semaphore | None = None,
) -> None:
    """`cap`, if given, bounds the requests in flight, as the facade's `max_in_flight` does."""
    gate = cap if cap is not None else contextlib.nullcontext()
    async with gate:
        task_id = _task_id(await http.post(base_url + CREATE, json=BODY, headers=auth))
    while True:
        await asyncio.sleep(POLL_SECONDS)
        async with gate:
            response = await http.get(base_url + RECORD, params={"taskId": task_id}, headers=auth)
        if _done(response):
            return


@dataclass(frozen=True)
class Comparison:
    """A (the facade) against B (the floor), measured in interleaved rounds."""

    a: list[float]
    b: list[float]

    @property
    def median_a(self) -> float:
        return statistics.median(self.a)

    @property
    def median_b(self) -> float:
        return statistics.median(self.b)

    @property
    def ratio(self) -> float:
        return self.median_a / self.median_b
