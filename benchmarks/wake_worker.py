"""A worker process of benchmark 10 (fleet_wake.py): one side of a callback that wakes a wait in
another process. Times are `time.monotonic()`, one clock for every process on the host.

    python benchmarks/wake_worker.py receive CHANNEL BASE_URL WEBHOOK_KEY
        a callback receiver (wsgi_app, the sync client) with shared callbacks; prints its URL,
        and at stdin's end {"delivered": {task id: time}, "confirmed": {task id: time}} as one
        JSON line: when it had read each callback, and when it had confirmed the task
    python benchmarks/wake_worker.py wait CHANNEL BASE_URL CALLBACK_URL TASKS sync|async
        TASKS generate() calls at once (threads or tasks) with that callback URL and shared
        callbacks; prints {task id: time generate() returned} as one JSON line

CHANNEL is a `postgresql://` URL (the journal, whose database carries the wake) or a
`redis://` one (the rate limits' storage, raised so far that no call waits for a turn: the
limiter is not what is measured). The API key comes from APIKLEY_API_KEY.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ideogram_facade import AsyncCharacterClient, CharacterClient, RateLimit, Task  # noqa: E402
from ideogram_facade.callbacks import wsgi_app  # noqa: E402
from tests.receiver_servers import WsgiServer  # noqa: E402

IMAGE = "https://example.com/portrait.png"
UNLIMITED = {"creates_per_10s": 100_000, "polls_per_second": 100_000}
# Longer than the tasks run: the wait returns only when woken (no poll comes before 45 s for
# a task that expects a callback), or fails.
TIMEOUT = 40.0


def settings(channel: str, base_url: str) -> dict[str, Any]:
    if channel.startswith("redis"):
        limit = RateLimit(storage=channel, **UNLIMITED)
        return {"base_url": base_url, "rate_limit": limit, "shared_callbacks": True}
    return {"base_url": base_url, "journal": channel, "rate_limit": None, "shared_callbacks": True}


def receive(channel: str, base_url: str, webhook_key: str) -> None:
    delivered: dict[str, float] = {}
    confirmed: dict[str, float] = {}

    def on_task(task: Task) -> None:
        confirmed[task.task_id] = time.monotonic()

    with CharacterClient(**settings(channel, base_url)) as client:
        app = wsgi_app(webhook_key, client, on_task=on_task)

        def timed(environ: dict[str, Any], start_response: Callable[..., object]) -> list[bytes]:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            delivered[json.loads(body)["data"]["taskId"]] = time.monotonic()
            return app({**environ, "wsgi.input": io.BytesIO(body)}, start_response)

        with WsgiServer(timed) as server:
            print(server.url, flush=True)
            sys.stdin.read()
    print(json.dumps({"delivered": delivered, "confirmed": confirmed}), flush=True)


def wait(channel: str, base_url: str, callback_url: str, tasks: int, kind: str) -> None:
    def generate_sync(client: CharacterClient, n: int) -> tuple[str, float]:
        task = client.generate(f"shot {n}", IMAGE, callback_url=callback_url, timeout=TIMEOUT)
        return task.task_id, time.monotonic()

    async def generate_async(client: AsyncCharacterClient, n: int) -> tuple[str, float]:
        task = await client.generate(f"shot {n}", IMAGE, callback_url=callback_url, timeout=TIMEOUT)
        return task.task_id, time.monotonic()

    async def run() -> list[tuple[str, float]]:
        async with AsyncCharacterClient(**settings(channel, base_url)) as client:
            return await asyncio.gather(*(generate_async(client, n) for n in range(tasks)))

    if kind == "async":
        returned = asyncio.run(run())
    else:
        with (
            CharacterClient(**settings(channel, base_url)) as client,
            ThreadPoolExecutor(tasks) as pool,
        ):
            returned = list(pool.map(lambda n: generate_sync(client, n), range(tasks)))
    print(json.dumps(dict(returned)), flush=True)


if __name__ == "__main__":
    command, channel, base_url, last = sys.argv[1:5]
    if command == "receive":
        receive(channel, base_url, last)
    else:
        wait(channel, base_url, last, int(sys.argv[5]), sys.argv[6])
