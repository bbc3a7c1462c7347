"""Benchmark 6: a callback ends a wait. Tasks of 60 s, each waited for by `generate()` with a
callback_url pointing at a receiver bound to the same client: `wsgi_app` on wsgiref for the
sync client (one thread per task), `asgi_app` on uvicorn, on the client's own loop, for the
async one (the tasks gathered). The fake signs its callbacks.

Measured per task: from the moment the receiver has read the callback request to the moment
`generate()` returns (the receiver confirms the task with one get_task() in between), and
how many status polls the wait itself sent (the fake's count for the task, less the
receiver's one confirmation per callback).

    python benchmarks/callback_wake.py      # alone: prints the figures
"""

from __future__ import annotations

import asyncio
import io
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from ideogram_facade import AsyncCharacterClient, CharacterClient  # noqa: E402
from ideogram_facade.callbacks import asgi_app, wsgi_app  # noqa: E402
from ideogram_facade.testing import FakeApikley, TaskTiming  # noqa: E402
from tests.receiver_servers import AsgiServer, WsgiServer  # noqa: E402

TASK_SECONDS = 60.0
TASKS_PER_CLIENT = 5
KEY = "whsec-benchmark"
PORTRAIT = "https://example.com/portrait.png"


@dataclass(frozen=True)
class Wake:
    kind: str
    latency: float  # seconds from the callback read to generate() returning
    wait_polls: int


@dataclass(frozen=True)
class Wakes:
    task_seconds: float
    wakes: list[Wake]

    def latencies_ms(self, kind: str) -> list[float]:
        return [w.latency * 1000 for w in self.wakes if w.kind == kind]

    def max_latency_ms(self) -> float:
        return max(w.latency for w in self.wakes) * 1000

    def max_polls(self) -> int:
        return max(w.wait_polls for w in self.wakes)

    def line(self, kind: str) -> str:
        ms = self.latencies_ms(kind)
        polls = [w.wait_polls for w in self.wakes if w.kind == kind]
        return (
            f"| {kind} | {len(ms)} | {statistics.median(ms):.1f} ms | {max(ms):.1f} ms | "
            f"{max(polls)} |"
        )


def _task_id(body: bytes) -> str:
    return str(json.loads(body)["data"]["taskId"])


def _sync(fake: FakeApikley, received: dict[str, float], tasks: int) -> list[Wake]:
    with CharacterClient(api_key=fake.api_key, base_url=fake.base_url, rate_limit=None) as client:
        app = wsgi_app(KEY, client, on_task=lambda task: None)

        def timed(environ: dict[str, Any], start_response: Callable[..., object]) -> list[bytes]:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            received[_task_id(body)] = time.perf_counter()
            return app({**environ, "wsgi.input": io.BytesIO(body)}, start_response)

        with WsgiServer(timed) as server:

            def one(_: int) -> tuple[str, float]:
                task = client.generate("a knight", PORTRAIT, callback_url=server.url, timeout=300)
                return task.task_id, time.perf_counter()

            with ThreadPoolExecutor(tasks) as pool:
                ended = list(pool.map(one, range(tasks)))
    return [_wake("sync", fake, received, task_id, at) for task_id, at in ended]


async def _async(fake: FakeApikley, received: dict[str, float], tasks: int) -> list[Wake]:
    async with AsyncCharacterClient(
        api_key=fake.api_key, base_url=fake.base_url, rate_limit=None
    ) as client:
        app = asgi_app(KEY, client, on_task=lambda task: None)

        async def timed(scope: Mapping[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return await app(scope, receive, send)
            message = await receive()  # a callback is one small message
            received[_task_id(message.get("body", b""))] = time.perf_counter()

            async def replay() -> dict[str, Any]:
                return dict(message)

            await app(scope, replay, send)

        async with AsgiServer(timed) as server:

            async def one() -> tuple[str, float]:
                task = await client.generate(
                    "a knight", PORTRAIT, callback_url=server.url, timeout=300
                )
                return task.task_id, time.perf_counter()

            ended = await asyncio.gather(*(one() for _ in range(tasks)))
    return [_wake("async", fake, received, task_id, at) for task_id, at in ended]


def _wake(
    kind: str, fake: FakeApikley, received: dict[str, float], task_id: str, at: float
) -> Wake:
    confirmations = sum(1 for d in fake.callback_deliveries if d.task_id == task_id)
    return Wake(kind, at - received[task_id], fake.polls(task_id) - confirmations)


def measure(task_seconds: float = TASK_SECONDS, tasks: int = TASKS_PER_CLIENT) -> Wakes:
    """Both clients side by side, `tasks` each, against one fake."""
    timing = TaskTiming(waiting=0.0, queuing=0.0, generating=task_seconds)
    received: dict[str, float] = {}
    with FakeApikley(timing=timing, webhook_key=KEY) as fake:
        with ThreadPoolExecutor(2) as pool:
            sync = pool.submit(_sync, fake, received, tasks)
            both = asyncio.run(_async(fake, received, tasks)) + sync.result()
        fake.wait_for_callbacks(2 * tasks)
    return Wakes(task_seconds, both)


def section(w: Wakes) -> str:
    return "\n".join(
        [
            "## 6. Callbacks wake waits",
            "",
            f"`generate()` of {w.task_seconds:.0f} s tasks with a `callback_url` pointing at a "
            "receiver bound to the same client (`wsgi_app` on wsgiref for the sync client, "
            "`asgi_app` on uvicorn for the async one); the fake signs the callbacks. Latency is "
            "from the receiver having read the callback to `generate()` returning, the "
            "receiver's confirming get_task() included; polls are the wait's own (the fake's "
            "count less one confirmation per callback). Without a receiver, the default "
            f"PollPolicy polls a {w.task_seconds:.0f} s task about 16 times.",
            "",
            "| client | tasks | median latency | max latency | max polls by the wait |",
            "|---|---|---|---|---|",
            w.line("sync"),
            w.line("async"),
            "",
        ]
    )


if __name__ == "__main__":
    result = measure()
    print(section(result))
    print(f"max latency {result.max_latency_ms():.1f} ms, max polls {result.max_polls()}")
