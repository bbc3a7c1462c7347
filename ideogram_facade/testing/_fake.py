"""`FakeApikley`: the whole fake behind one object, started in a thread of its own.

with FakeApikley(timing=TaskTiming.instant(), credits=100) as fake:
    httpx.post(f"{fake.base_url}/api/v1/jobs/createTask", json=body,
               headers={"Authorization": f"Bearer {fake.api_key}"})
    fake.creates_accepted        # 1

async with FakeApikley() as fake:   # same object, from async code
    ...
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any

from ideogram_facade import _endpoints
from ideogram_facade._endpoints import CREATE_TASK
from ideogram_facade.testing._callbacks import CallbackDispatcher
from ideogram_facade.testing._faults import Fault, FaultPlan
from ideogram_facade.testing._jobs import Jobs, JobsConfig, TaskScript
from ideogram_facade.testing._records import CallbackDelivery, RequestLog, RequestRecord
from ideogram_facade.testing._server import ServerThread
from ideogram_facade.testing._service import UPLOAD_ROOT, Service, ServiceConfig
from ideogram_facade.testing._tasks import Task, TaskTiming, TaskView
from ideogram_facade.testing._uploads import StoredFile, Uploads

if TYPE_CHECKING:
    from ideogram_facade._async_client import AsyncCharacterClient
    from ideogram_facade._client import CharacterClient


class FakeApikley:
    """A loopback stand-in for api.apikley.ru: real HTTP, scripted behaviour, full introspection.

    `timing` is how long new tasks spend in each state (default `TaskTiming.fast()`), measured
    on `clock` (seconds; pass a `ManualClock` to step time by hand). `credits` is the starting
    balance, each image costs `credits_per_image`. The live service answers a bad key with
    HTTP 200 and body code 401; `auth_error_as_http_status=True` makes it a real 401. An unknown
    taskId answers body code 422 "recordInfo is null" as observed, or the documented 404 "Task
    not found" with `unknown_task_code=404`. With `webhook_key` callbacks are signed.
    `spec` replaces the vendored OpenAPI document that request bodies are checked against.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        port: int = 0,
        timing: TaskTiming | None = None,
        clock: Callable[[], float] = time.monotonic,
        credits: float = 1000.0,
        credits_per_image: float = 10.0,
        auth_error_as_http_status: bool = False,
        unknown_task_code: int = 422,
        webhook_key: str | bytes | None = None,
        spec: Mapping[str, Any] | None = None,
        callback_timeout: float = 5.0,
        result_url_ttl: float | None = None,
        request_log_limit: int | None = 100_000,
    ) -> None:
        self._api_key = api_key or f"fake-{secrets.token_hex(16)}"
        spec = _endpoints.spec() if spec is None else spec
        config = JobsConfig(
            timing or TaskTiming.fast(),
            credits,
            credits_per_image,
            unknown_task_code,
            result_url_ttl,
        )
        self._faults = FaultPlan()
        self._log = RequestLog(self._api_key, request_log_limit)
        self._jobs = Jobs(config, spec, clock, self._watch_callback)
        self._uploads = Uploads(spec, lambda: self._jobs.epoch.ms(clock()))
        self._jobs.uploaded = self._uploads.content_of  # an edit's result has its image's size
        service_config = ServiceConfig(self._api_key, auth_error_as_http_status)
        self._service = Service(
            service_config, self._jobs, self._uploads, self._faults, self._log, clock
        )
        self._server = ServerThread(self._service.handle, self._service.drop_on_head, port)
        key = webhook_key.encode() if isinstance(webhook_key, str) else webhook_key
        self._callbacks = CallbackDispatcher(
            self._server, clock, self._jobs.payload_for, webhook_key=key, timeout=callback_timeout
        )
        self._running = False

    def __repr__(self) -> str:
        where = self.base_url if self._running else "stopped"
        return f"<FakeApikley {where} tasks={self._jobs.accepted}>"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeApikley:
        if self._running:
            raise RuntimeError("this FakeApikley is already running")
        self._server.start()
        self._running = True
        self._jobs.base_url = self._uploads.base_url = self.base_url
        return self

    def stop(self) -> None:
        if self._running:
            self._server.stop()
            self._running = False

    def __enter__(self) -> FakeApikley:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeApikley:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- where and who -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def upload_base_url(self) -> str:
        return self.base_url + UPLOAD_ROOT

    @property
    def api_key(self) -> str:
        return self._api_key

    # -- clients bound to this fake ----------------------------------------------------------

    def client(self, **settings: Any) -> CharacterClient:
        """A `CharacterClient` for this fake, polling every 20 ms; `settings` override any."""
        from ideogram_facade._client import CharacterClient

        return CharacterClient(**{**self._client_settings(), **settings})

    def async_client(self, **settings: Any) -> AsyncCharacterClient:
        """The same as an `AsyncCharacterClient`; use it in `async with`."""
        from ideogram_facade._async_client import AsyncCharacterClient

        return AsyncCharacterClient(**{**self._client_settings(), **settings})

    def _client_settings(self) -> dict[str, Any]:
        from ideogram_facade._models import PollPolicy

        return {
            "api_key": self.api_key,
            "base_url": self.base_url,
            "upload_base_url": self.upload_base_url,
            "poll": PollPolicy(initial=0.02, maximum=0.2),
        }

    # -- scripting ---------------------------------------------------------------------------

    def inject(self, endpoint: str, fault: Fault, times: int = 1) -> None:
        """The next `times` requests to `endpoint` get `fault` (see `Fault`)."""
        self._faults.inject(endpoint, fault, times)

    def clear_faults(self) -> None:
        self._faults.clear()

    def script_next_task(
        self,
        *,
        timing: TaskTiming | None = None,
        fail: tuple[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` accepted tasks use `timing` and, with `fail=(code, msg)`, fail."""
        for _ in range(times):
            self._jobs.script_next(TaskScript(timing, fail))

    def expire_result_urls(self) -> None:
        """Every result URL handed out so far answers 403 from now on (refresh: download-url)."""
        self._jobs.expire_urls()

    @property
    def credits(self) -> float:
        return self._jobs.balance

    @credits.setter
    def credits(self, value: float) -> None:
        self._jobs.balance = value

    # -- introspection -----------------------------------------------------------------------

    @property
    def creates_received(self) -> int:
        """createTask requests read in full, whatever they were answered (or not)."""
        return self._service.received(CREATE_TASK.name)

    @property
    def creates_accepted(self) -> int:
        """Tasks created (and charged for)."""
        return self._jobs.accepted

    def polls(self, task_id: str) -> int:
        """recordInfo requests naming `task_id`, whatever they were answered."""
        return self._service.polls(task_id)

    @property
    def requests(self) -> list[RequestRecord]:
        return self._log.records()

    @property
    def tasks(self) -> Mapping[str, TaskView]:
        return MappingProxyType(self._jobs.views())

    @property
    def uploads(self) -> Mapping[str, StoredFile]:
        """Uploaded files by filePath."""
        return MappingProxyType(self._uploads.files())

    @property
    def callback_deliveries(self) -> list[CallbackDelivery]:
        return self._callbacks.log.all()

    def wait_for_callbacks(self, count: int = 1, timeout: float = 5.0) -> list[CallbackDelivery]:
        """Block until `count` deliveries are recorded (or `timeout`); returns all of them."""
        return self._callbacks.log.wait_for(count, timeout)

    def peak_rate(self, endpoint: str, window_seconds: float) -> int:
        """The most requests to `endpoint` within any `window_seconds` (on the fake's clock)."""
        return self._log.peak_rate(endpoint, window_seconds)

    @property
    def open_connections(self) -> int:
        return self._server.open_connections

    @property
    def peak_connections(self) -> int:
        """The most client connections that were open at the same time."""
        return self._server.peak_connections

    def _watch_callback(self, task: Task, url: str) -> None:
        self._callbacks.watch(task, url)
