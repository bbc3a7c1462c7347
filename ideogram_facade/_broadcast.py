"""Callbacks that wake waits in other processes (`shared_callbacks=True`).

A receiver bound to a client (`callbacks.wsgi_app`, `asgi_app`) confirms a task and wakes that
client's own `wait()` for it (`_wake`). With shared callbacks, the client also publishes the
task id, and every client of the fleet listens: a wait for that task in any process sharing the
channel wakes and polls the task once. The channel is the journal's PostgreSQL database
(`LISTEN`/`NOTIFY`) or, without one, the rate limits' Redis (pub/sub); it is named after the
service and API key, like the shared rate windows.

    broadcast = Broadcast.start(core, wake=wakers.wake)   # a thread listens
    broadcast.publish("task_1")                           # another thread sends it
    broadcast.close()

Both run in daemon threads of their own: the listener blocks on its connection (never on an
event loop), and a publish is put on a queue, so a receiver never waits for the channel. A
message carries only a task id: what it says ("that task has ended") is checked by the poll
it causes, so a message from anyone else who can write to the channel costs one poll at most.
A channel that fails is reconnected with backoff, meanwhile waits fall back to polling (every
`CALLBACK_FALLBACK_POLL` seconds for a task that expects a callback).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from . import _constants as C
from ._exceptions import InvalidRequestError
from ._models import parse_storage, redis_client

if TYPE_CHECKING:
    from ._core import Core

logger = logging.getLogger(C.LOGGER_NAME)


class _Channel(Protocol):
    shown: str  # where, without a password

    def listen(self) -> Any:
        """A connection that receives the channel's messages."""
        ...

    def receive(self, connection: Any, timeout: float) -> list[str]:
        """The task ids that arrived within `timeout` seconds (at once when some are there)."""
        ...

    def send(self, connection: Any | None, task_id: str) -> Any:
        """Publish `task_id`, over `connection` or a new one; the connection, to reuse."""
        ...

    def close(self, connection: Any) -> None: ...


class _Postgres:
    """LISTEN/NOTIFY on the journal's database: a connection of its own for each side."""

    def __init__(self, uri: str, shown: str, tag: str) -> None:
        self._uri = uri
        self.shown = shown
        self._name = f"ideogram_wake_{tag}"

    def _connect(self) -> Any:
        from ._journal_pg import connect  # imported on use: psycopg is an extra

        return connect(self._uri)

    def listen(self) -> Any:
        connection = self._connect()
        connection.execute(f"LISTEN {self._name}")
        return connection

    def receive(self, connection: Any, timeout: float) -> list[str]:
        # The generator ends after `timeout`, or once what has arrived is read.
        return [note.payload for note in connection.notifies(timeout=timeout, stop_after=1)]

    def send(self, connection: Any | None, task_id: str) -> Any:
        connection = connection or self._connect()
        connection.execute("SELECT pg_notify(%s, %s)", (self._name, task_id))
        return connection

    def close(self, connection: Any) -> None:
        connection.close()


class _Redis:
    """Pub/sub on the rate limits' Redis."""

    def __init__(self, uri: str, shown: str, tag: str) -> None:
        self._uri = uri
        self.shown = shown
        self._name = f"ideogram_facade:wake:{tag}"

    def _client(self) -> Any:
        return redis_client(self._uri, "shared_callbacks=True", C.RATE_STORAGE_TIMEOUT)

    def listen(self) -> Any:
        subscriber = self._client().pubsub(ignore_subscribe_messages=True)
        subscriber.subscribe(self._name)
        return subscriber

    def receive(self, connection: Any, timeout: float) -> list[str]:
        message = connection.get_message(timeout=timeout)
        if message is None or message.get("type") != "message":
            return []
        data = message["data"]
        return [data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)]

    def send(self, connection: Any | None, task_id: str) -> Any:
        connection = connection or self._client()
        connection.publish(self._name, task_id)
        return connection

    def close(self, connection: Any) -> None:
        connection.close()


class Broadcast:
    """This client's end of the channel: a listening thread that wakes its waits, and a
    publishing thread for its receivers' confirmations."""

    def __init__(self, channel: _Channel, wake: Callable[[str], None]) -> None:
        self._channel = channel
        self._wake = wake
        self._stopped = threading.Event()
        self._outbox: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._listener = threading.Thread(
            target=self._listen, name="ideogram-facade wake listener", daemon=True
        )
        self._publisher: threading.Thread | None = None
        self._lock = threading.Lock()

    @classmethod
    def start(cls, core: Core, wake: Callable[[str], None]) -> Broadcast:
        """The channel of `core`'s PostgreSQL journal, else of its Redis rate limits,
        listened to; InvalidRequestError if it has neither."""
        tag = hashlib.sha256(f"{core.base_url}\n{core.api_key}".encode()).hexdigest()[:16]
        channel: _Channel
        storage = parse_storage(core.rate_limit.storage) if core.rate_limit else None
        if core.journal is not None and core.journal.postgresql is not None:
            channel = _Postgres(core.journal.postgresql, core.journal.path, tag)
        elif storage is not None and storage.kind == "redis":
            channel = _Redis(storage.location, storage.shown, tag)
        else:
            raise InvalidRequestError(
                "shared_callbacks=True needs a channel that every process of the fleet "
                "shares: a journal in PostgreSQL (journal='postgresql://...') or rate limits in "
                "Redis (rate_limit=RateLimit(storage='redis://...'))"
            )
        broadcast = cls(channel, wake)
        broadcast._listener.start()
        return broadcast

    def publish(self, task_id: str) -> None:
        """Tell every listening client that `task_id` was confirmed; never blocks."""
        with self._lock:
            if self._stopped.is_set():
                return
            if self._publisher is None:
                self._publisher = threading.Thread(
                    target=self._publish, name="ideogram-facade wake publisher", daemon=True
                )
                self._publisher.start()
        self._outbox.put(task_id)

    def close(self) -> None:
        """Stop both threads; the listener lets go of its connection within
        `C.WAKE_LISTEN_STEP`."""
        with self._lock:
            self._stopped.set()
        self._outbox.put(None)

    def _listen(self) -> None:
        connection = None
        failures = 0
        while not self._stopped.is_set():
            try:
                if connection is None:
                    connection = self._channel.listen()
                    if failures:
                        logger.info("listening for shared callbacks again: %s", self._channel.shown)
                    failures = 0
                for task_id in self._channel.receive(connection, C.WAKE_LISTEN_STEP):
                    self._wake(task_id)
            except Exception as error:
                if self._stopped.is_set():
                    break  # closed while it listened
                failures += 1
                if failures == 1:
                    logger.warning(
                        "cannot listen for shared callbacks on %s (%s: %s); waits poll until "
                        "it is back",
                        self._channel.shown,
                        type(error).__name__,
                        error,
                    )
                if connection is not None:
                    with contextlib.suppress(Exception):
                        self._channel.close(connection)
                connection = None
                self._stopped.wait(min(C.WAKE_RECONNECT_MAX, 0.5 * 2 ** min(failures, 6)))
        if connection is not None:
            with contextlib.suppress(Exception):
                self._channel.close(connection)

    def _publish(self) -> None:
        connection = None
        while (task_id := self._outbox.get()) is not None:
            for attempt in range(2):  # once more on a new connection: the old one may be gone
                try:
                    connection = self._channel.send(connection, task_id)
                    break
                except Exception as error:
                    if connection is not None:
                        with contextlib.suppress(Exception):
                            self._channel.close(connection)
                    connection = None
                    if attempt == 1:
                        logger.warning(
                            "cannot publish the callback of task %s on %s (%s: %s); its wait "
                            "elsewhere falls back to polling",
                            task_id,
                            self._channel.shown,
                            type(error).__name__,
                            error,
                        )
        if connection is not None:
            with contextlib.suppress(Exception):
                self._channel.close(connection)
