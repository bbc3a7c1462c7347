"""Fixtures: a fake service per test, and clients of both kinds bound to it.

Every behaviour test takes `client` (or `make_client`) and so runs twice, once with
`CharacterClient` and once with `AsyncCharacterClient` driven on its own event loop. Both go
through `Guarded`, which checks every error either client raises for the API key: the
secrets rule is enforced here once, for the whole suite, not in hand-picked tests.

`nox -s httpx2` runs the suite once more with IDEOGRAM_CHARACTER_HTTP_LIBRARY=httpx2: every
client `make_client` makes is then handed an httpx2 client (`http_client()`), as a program
that has one would, and so is every client the CLI makes (`cli/_settings.py`).
"""

from __future__ import annotations

import asyncio
import fcntl
import importlib
import inspect
import json
import logging
import os
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings

from ideogram_facade import AsyncCharacterClient, CharacterClient, PollPolicy
from ideogram_facade import _constants as C
from ideogram_facade._transport import tls_context
from ideogram_facade.cli._settings import HTTP_LIBRARY_ENV
from ideogram_facade.testing import FakeApikley, TaskTiming
from tests.postgres_server import INSTALL as POSTGRES_INSTALL
from tests.postgres_server import PostgresServer
from tests.redis_server import INSTALL as REDIS_INSTALL
from tests.redis_server import RedisServer

settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("fuzz", max_examples=20_000, deadline=None)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Fast enough for tests, slow enough that a wait sees every state.
FAST_TIMING = TaskTiming(waiting=0.01, queuing=0.02, generating=0.03)
FAST_POLL = PollPolicy(initial=0.01, multiplier=1.15, maximum=0.05, jitter=0.0)

# Every API key a test used; the log and report checks below look for all of them.
SECRETS: set[str] = set()

# Whether the clients send through httpx2 clients this run (`nox -s httpx2`).
HTTPX2 = os.environ.get(HTTP_LIBRARY_ENV) == "httpx2"


def http_client(
    kind: str,
    library: str | None = None,
    *,
    limits: httpx.Limits = C.POOL_LIMITS,
    timeout: httpx.Timeout = C.DEFAULT_TIMEOUT,
    **settings: Any,
) -> Any:
    """An HTTP client to hand a client of `kind` ("sync" or "async") as `http_client`, of
    `library` ("httpx" or "httpx2"; by default this run's), with the pool and timeout of the
    clients' own and, like theirs, no proxy from the environment; `settings` go to it too."""
    module = importlib.import_module(library or ("httpx2" if HTTPX2 else "httpx"))
    made = module.Client if kind == "sync" else module.AsyncClient
    return made(
        limits=module.Limits(
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
        ),
        timeout=module.Timeout(**timeout.as_dict()),
        trust_env=False,
        verify=tls_context(),  # plain http on loopback: one context for all, made once
        **settings,
    )


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"the API key leaked into {where}: {text[:300]!r}"


class LoopThread:
    """An event loop that runs all the time, in a thread of its own, for tests that serve
    something on the async client's loop (a callback receiver) between the client's calls.
    It has the two methods of `asyncio.Runner` that `Guarded` uses."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class Guarded:
    """One interface over both clients: async methods are run to completion on a private loop.

    Any exception a method raises is checked (str, repr, the whole formatted chain) for the
    API key before it reaches the test.
    """

    def __init__(self, client: CharacterClient | AsyncCharacterClient) -> None:
        self.inner = client
        self.kind = "async" if isinstance(client, AsyncCharacterClient) else "sync"
        self._runner: asyncio.Runner | LoopThread | None = (
            asyncio.Runner() if self.kind == "async" else None
        )

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                result = method(*args, **kwargs)
                if inspect.isawaitable(result):
                    assert self._runner is not None
                    result = self._runner.run(result)  # type: ignore[arg-type]
            except BaseException as exc:
                assert_no_secret(repr(exc), "an exception's repr")
                assert_no_secret("".join(traceback.format_exception(exc)), "a traceback")
                raise
            return result

        return call

    def with_options(self, **settings: Any) -> Guarded:
        """The client's `with_options()`, guarded too, on the same loop (its pool's)."""
        child = Guarded(self.inner.with_options(**settings))
        if self._runner is not None:
            assert child._runner is not None
            child._runner.close()
            child._runner = self._runner
        return child

    def on_loop_thread(self) -> LoopThread:
        """Run the async client on a loop that keeps running between its calls (before first
        use): what it serves on that loop answers while the test does something else."""
        assert isinstance(self._runner, asyncio.Runner)
        self._runner.close()
        self._runner = LoopThread()
        return self._runner

    def run(self, coroutine: Any) -> Any:
        """Run a coroutine on this client's loop (async client only)."""
        assert self._runner is not None
        return self._runner.run(coroutine)

    def shutdown(self, http: Any = None) -> None:
        """Close the client, then `http` (an `http_client` it was given), on its loop."""
        if self._runner is None:
            self.inner.close()
            if http is not None:
                http.close()
        else:
            self._runner.run(self.inner.close())  # type: ignore[arg-type]
            if http is not None:
                self._runner.run(http.aclose())
            self._runner.close()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApikley]:
    # Over sockets, a retry backs off 10 ms instead of 0.5 s: these tests show that requests
    # are retried and what the calls end in; how long each pause is, the flow tests check on a
    # virtual clock (tests/facade/test_flows.py) with the real values.
    monkeypatch.setattr(C, "RETRY_INITIAL_DELAY", 0.01)
    monkeypatch.setattr(C, "RETRY_MAX_DELAY", 0.08)
    with FakeApikley(timing=FAST_TIMING) as service:
        SECRETS.add(service.api_key)
        yield service


@pytest.fixture
def http(fake: FakeApikley) -> Iterator[httpx.Client]:
    """Plain httpx with the fake's key: for tests of the fake itself, not through the facade."""
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    with httpx.Client(
        base_url=fake.base_url, headers=headers, trust_env=False, verify=tls_context()
    ) as plain:
        yield plain


@pytest.fixture(params=["sync", "async"])
def make_client(
    request: pytest.FixtureRequest, fake: FakeApikley
) -> Iterator[Callable[..., Guarded]]:
    made: list[tuple[Guarded, Any]] = []

    def make(**overrides: Any) -> Guarded:
        settings: dict[str, Any] = {
            "api_key": fake.api_key,
            "base_url": fake.base_url,
            "upload_base_url": fake.upload_base_url,
            "poll": FAST_POLL,
            "rate_limit": None,
            **overrides,
        }
        http = None
        if HTTPX2 and "http_client" not in overrides:
            http = settings["http_client"] = http_client(request.param)
        cls = CharacterClient if request.param == "sync" else AsyncCharacterClient
        try:
            guarded = Guarded(cls(**settings))
        except BaseException:
            if http is not None and request.param == "async":  # unused: tied to no loop
                asyncio.run(http.aclose())
            elif http is not None:
                http.close()
            raise
        made.append((guarded, http))
        return guarded

    yield make
    for guarded, http in made:
        guarded.shutdown(http)


@pytest.fixture
def client(make_client: Callable[..., Guarded]) -> Guarded:
    return make_client()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(logging.Formatter("%(message)s").format(record))


@pytest.fixture(autouse=True)
def no_secret_in_logs() -> Iterator[None]:
    """Every log line of every test, at DEBUG, exception text included, is free of the key.

    The library's logger is put back as it was after each test: the CLI's main(), called in
    process, sets it up for stderr and stops it propagating, which would hide the next tests'
    records from this check (and send them to a stream that may be closed)."""
    handler = _Collect()
    root = logging.getLogger()
    level = root.level
    library = logging.getLogger("ideogram_facade")
    library_was = (list(library.handlers), library.level, library.propagate)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        library.handlers[:], library.level, library.propagate = library_was
    for line in handler.lines:
        assert_no_secret(line, "a log record")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Failures' tracebacks and everything a test printed are part of what a user could see.
    for _, text in report.sections:
        assert_no_secret(text, "captured output")
    if report.longrepr is not None:
        assert_no_secret(str(report.longrepr), "a test report")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server of this test process, for the whole run; its tests fail without
    one on CI, and skip elsewhere."""
    if RedisServer.find() is None:
        message = f"redis-server is not on PATH: {REDIS_INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with RedisServer.start() as server:
        yield server.url


# -- one PostgreSQL server for the whole run ---------------------------------------------------
#
# The first test that needs it starts it (about a second), whichever xdist worker runs that
# test; the others find it through a file in the run's shared temporary folder, and each test
# gets a database of its own. The controlling process stops it when the run ends (and the
# server's watchdog, if the run is killed).

_POSTGRES_FILE = "postgres-server.json"


def _run_folder(config: pytest.Config) -> Path:
    """The temporary folder shared by the controlling process and every xdist worker."""
    base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    return Path(base).parent if hasattr(config, "workerinput") else Path(base)


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> PostgresServer:
    """The run's PostgreSQL server; its tests fail without one on CI, and skip elsewhere."""
    if PostgresServer.find() is None:
        message = f"PostgreSQL is not installed: {POSTGRES_INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    folder = _run_folder(request.config)
    # The run's controlling process: the worker's parent under xdist, else this one.
    owner = os.getppid() if hasattr(request.config, "workerinput") else os.getpid()
    with open(folder / f"{_POSTGRES_FILE}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one starts it; the others wait, then read
        known = folder / _POSTGRES_FILE
        if known.exists():
            found = json.loads(known.read_text())
            return PostgresServer(Path(found["folder"]), found["port"], found["bin"])
        server = PostgresServer.start(owner=owner)
        facts = {"folder": str(server.folder), "port": server.port, "bin": server.bin_dir}
        known.write_text(json.dumps(facts))
        return server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A new, empty database on the run's PostgreSQL server (no password: trust)."""
    return postgres_server.create_database()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):
        return  # a worker: the controlling process stops the server, once all are done
    known = _run_folder(session.config) / _POSTGRES_FILE
    if known.exists():
        found = json.loads(known.read_text())
        PostgresServer(Path(found["folder"]), found["port"], found["bin"]).stop()
        known.unlink()
