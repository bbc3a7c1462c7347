"""A worker process of test_fleet.py: one of a fleet sharing a journal in PostgreSQL.

    python -m tests.facade.fleet_worker submit sync|async BASE_URL JOURNAL COUNT
        submits COUNT tasks, prints each task id on a line as submit() returns it, then
        "submitted", and waits to be killed
    python -m tests.facade.fleet_worker resume sync|async BASE_URL JOURNAL OUT
        resume(OUT); prints {"ended": [task ids]} as one JSON line
    python -m tests.facade.fleet_worker receive sync|async BASE_URL JOURNAL WEBHOOK_KEY
        a callback receiver with shared callbacks; prints its URL, then a line
        "confirmed TASK_ID EPOCH_SECONDS" for each callback it confirms; ends on stdin's end
    python -m tests.facade.fleet_worker wait sync|async BASE_URL JOURNAL CALLBACK_URL
        generate() with that callback URL and shared callbacks, timeout 30 s (before the
        fallback poll at 45 s): prints {"task_id": ..., "returned_at": EPOCH_SECONDS}

The API key comes from APIKLEY_API_KEY, as for any program.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from ideogram_facade import AsyncCharacterClient, CharacterClient, PollPolicy, Task
from ideogram_facade import _constants as C
from ideogram_facade.callbacks import wsgi_app
from tests.receiver_servers import WsgiServer

IMAGE = "https://example.com/portrait.png"
POLL = PollPolicy(initial=0.01, maximum=0.05, jitter=0.0)
# A resumer looks again at a task another worker holds this often; the order of events, not
# this pause, decides what the test sees (a held task is finished by its holder either way).
C.JOURNAL_LEASE_CHECK = 0.1


def say(line: str) -> None:
    print(line, flush=True)


def submit(kind: str, base_url: str, journal: str, count: int) -> None:
    if kind == "async":

        async def run() -> None:
            async with AsyncCharacterClient(base_url=base_url, poll=POLL, journal=journal) as c:
                for n in range(count):
                    say(await c.submit(f"shot {n}", IMAGE))
                say("submitted")
                await asyncio.sleep(3600)  # killed here

        asyncio.run(run())
    else:
        with CharacterClient(base_url=base_url, poll=POLL, journal=journal) as client:
            for n in range(count):
                say(client.submit(f"shot {n}", IMAGE))
            say("submitted")
            time.sleep(3600)  # killed here


def resume(kind: str, base_url: str, journal: str, out: str) -> None:
    ended: list[Task]
    if kind == "async":

        async def run() -> list[Task]:
            async with AsyncCharacterClient(base_url=base_url, poll=POLL, journal=journal) as c:
                return await c.resume(out)

        ended = asyncio.run(run())
    else:
        with CharacterClient(base_url=base_url, poll=POLL, journal=journal) as client:
            ended = client.resume(out)
    say(json.dumps({"ended": [task.task_id for task in ended]}))


def receive(kind: str, base_url: str, journal: str, webhook_key: str) -> None:
    def confirmed(task: Task) -> None:
        say(f"confirmed {task.task_id} {time.time()!r}")

    # The receiver's client is the sync one (WSGI); `kind` is the waiting side's business.
    del kind
    with (
        CharacterClient(base_url=base_url, journal=journal, shared_callbacks=True) as client,
        WsgiServer(wsgi_app(webhook_key, client, on_task=confirmed)) as server,
    ):
        say(server.url)
        sys.stdin.read()


def wait(kind: str, base_url: str, journal: str, callback_url: str) -> None:
    settings: dict[str, Any] = {"base_url": base_url, "journal": journal}
    if kind == "async":

        async def run() -> Task:
            async with AsyncCharacterClient(shared_callbacks=True, **settings) as client:
                return await client.generate("a knight", IMAGE, callback_url=callback_url,
                                             timeout=30)  # fmt: skip

        task = asyncio.run(run())
    else:
        with CharacterClient(shared_callbacks=True, **settings) as client:
            task = client.generate("a knight", IMAGE, callback_url=callback_url, timeout=30)
    say(json.dumps({"task_id": task.task_id, "returned_at": time.time()}))


if __name__ == "__main__":
    command, kind, base_url, journal, last = sys.argv[1:6]
    if command == "submit":
        submit(kind, base_url, journal, int(last))
    elif command == "resume":
        resume(kind, base_url, journal, last)
    elif command == "receive":
        receive(kind, base_url, journal, last)
    else:
        wait(kind, base_url, journal, last)
