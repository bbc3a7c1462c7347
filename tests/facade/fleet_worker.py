"""A worker process of test_fleet.py: one of a fleet sharing a journal in PostgreSQL.

    python -m tests.facade.fleet_worker submit sync|async BASE_URL JOURNAL COUNT MAX_CREDITS
        submits COUNT tasks under the fleet's budget, prints each task id on a line as
        submit() returns it ("refused" for a BudgetExceededError), then "submitted", and waits
        to be killed
    python -m tests.facade.fleet_worker resume sync|async BASE_URL JOURNAL OUT MAX_CREDITS
        one submit() under the fleet's budget, then resume(OUT); prints {"ended": [task ids],
        "refused": whether the budget refused that submit} as one JSON line
    python -m tests.facade.fleet_worker receive sync|async BASE_URL JOURNAL WEBHOOK_KEY
        a callback receiver with shared callbacks; prints its URL, then a line
        "confirmed TASK_ID EPOCH_SECONDS" for each callback it confirms; ends on stdin's end
    python -m tests.facade.fleet_worker wait sync|async BASE_URL JOURNAL CALLBACK_URL
        generate() with that callback URL and shared callbacks, timeout 30 s (before the
        fallback poll at 45 s): prints {"task_id": ..., "returned_at": EPOCH_SECONDS}

The fleet's budget is `Budget(MAX_CREDITS, storage=JOURNAL)`, its table set to the fake's 10
credits an image. The API key comes from APIKLEY_API_KEY, as for any program.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from ideogram_facade import (
    AsyncCharacterClient,
    Budget,
    BudgetExceededError,
    CharacterClient,
    Task,
)
from ideogram_facade import _constants as C
from ideogram_facade.callbacks import wsgi_app
from tests.facade.worker_support import COSTS, IMAGE, POLL
from tests.receiver_servers import WsgiServer

# A resumer looks again at a task another worker holds this often; the order of events, not
# this pause, decides what the test sees (a held task is finished by its holder either way).
C.JOURNAL_LEASE_CHECK = 0.1


def say(line: str) -> None:
    print(line, flush=True)


def spending(base_url: str, journal: str, max_credits: str) -> dict[str, Any]:
    """A client's settings in the fleet: its journal, and the budget all of it shares."""
    budget = Budget(float(max_credits), storage=journal, costs=COSTS)
    return {"base_url": base_url, "poll": POLL, "journal": journal, "budget": budget}


def submit(kind: str, base_url: str, journal: str, count: int, max_credits: str) -> None:
    settings = spending(base_url, journal, max_credits)
    if kind == "async":

        async def run() -> None:
            async with AsyncCharacterClient(**settings) as client:
                for n in range(count):
                    try:
                        say(await client.submit(f"shot {n}", IMAGE))
                    except BudgetExceededError:
                        say("refused")
                say("submitted")
                await asyncio.sleep(3600)  # killed here

        asyncio.run(run())
    else:
        with CharacterClient(**settings) as client:
            for n in range(count):
                try:
                    say(client.submit(f"shot {n}", IMAGE))
                except BudgetExceededError:
                    say("refused")
            say("submitted")
            time.sleep(3600)  # killed here


def resume(kind: str, base_url: str, journal: str, out: str, max_credits: str) -> None:
    settings = spending(base_url, journal, max_credits)
    ended: list[Task]
    refused = False
    if kind == "async":

        async def run() -> list[Task]:
            nonlocal refused
            async with AsyncCharacterClient(**settings) as client:
                try:
                    await client.submit("one more", IMAGE)
                except BudgetExceededError:
                    refused = True
                return await client.resume(out)

        ended = asyncio.run(run())
    else:
        with CharacterClient(**settings) as client:
            try:
                client.submit("one more", IMAGE)
            except BudgetExceededError:
                refused = True
            ended = client.resume(out)
    say(json.dumps({"ended": [task.task_id for task in ended], "refused": refused}))


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
        submit(kind, base_url, journal, int(last), sys.argv[6])
    elif command == "resume":
        resume(kind, base_url, journal, last, sys.argv[6])
    elif command == "receive":
        receive(kind, base_url, journal, last)
    else:
        wait(kind, base_url, journal, last)
