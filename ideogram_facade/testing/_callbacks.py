"""Delivering task results to `callBackUrl`, signed like the vendor signs them.

    dispatcher = CallbackDispatcher(server, clock, payload_for, webhook_key=b"k", timeout=5)
    dispatcher.watch(task, "http://127.0.0.1:9000/hook")   # on the server's loop
    dispatcher.log.wait_for(1, timeout=2)                  # from the test's thread

Tasks finish on the fake's clock, which may be a manual one that no timer can anticipate, so
a sweeper wakes every few milliseconds while callbacks are pending and sends those that are due.
Only loopback hosts are called: a test must never make the fake POST to the internet.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import attrs
import httpx

from ideogram_facade._hosts import is_loopback
from ideogram_facade._signing import sign_callback
from ideogram_facade._transport import tls_context
from ideogram_facade.testing._records import CallbackDelivery, DeliveryLog
from ideogram_facade.testing._server import ServerThread
from ideogram_facade.testing._tasks import Task

SWEEP_SECONDS = 0.005


class CallbackDispatcher:
    def __init__(
        self,
        server: ServerThread,
        clock: Callable[[], float],
        payload_for: Callable[[Task], dict[str, Any]],
        *,
        webhook_key: bytes | None,
        timeout: float,
    ) -> None:
        self._server = server
        self._clock = clock
        self._payload_for = payload_for
        self._key = webhook_key
        self._timeout = timeout
        self._due: list[tuple[float, int, Task, str]] = []
        self._order = itertools.count()
        self._sweeping = False
        self._client: httpx.AsyncClient | None = None
        self.log = DeliveryLog()
        server.on_shutdown(self._close)

    def watch(self, task: Task, url: str) -> None:
        """Send `task`'s result to `url` once it ends (call on the server's loop)."""
        heapq.heappush(self._due, (task.ends, next(self._order), task, url))
        if not self._sweeping:
            self._sweeping = True
            self._server.spawn(self._sweep())

    async def _sweep(self) -> None:
        try:
            while self._due:
                now = self._clock()
                while self._due and self._due[0][0] <= now:
                    _, _, task, url = heapq.heappop(self._due)
                    self._server.spawn(self._deliver(task, url))
                await asyncio.sleep(SWEEP_SECONDS)
        finally:
            self._sweeping = False

    async def _deliver(self, task: Task, url: str) -> None:
        payload = self._payload_for(task)
        headers = {"Content-Type": "application/json"}
        if self._key is not None:
            # The signer users' receivers are checked with, so that both agree by construction.
            headers = sign_callback(payload, self._key, timestamp=int(time.time()))
        record = CallbackDelivery(task.task_id, url, self._clock(), payload, headers)
        if not is_loopback(url):
            self.log.add(attrs.evolve(record, refused=True, error="refused: host is not loopback"))
            return
        if self._client is None:
            # trust_env=False: a proxy from the environment must not see loopback callbacks.
            self._client = httpx.AsyncClient(
                timeout=self._timeout, trust_env=False, verify=tls_context()
            )
        try:
            answer = await self._client.post(url, content=json.dumps(payload), headers=headers)
        except httpx.HTTPError as error:
            self.log.add(attrs.evolve(record, error=f"{type(error).__name__}: {error}"))
        else:
            self.log.add(attrs.evolve(record, status=answer.status_code))

    async def _close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
