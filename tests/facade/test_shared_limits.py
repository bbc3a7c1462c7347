"""Rate limits shared by processes: `RateLimit(storage="sqlite:///..." or "redis://...")`.

Worker processes (`limits_worker.py`) run generate() against one fake; the fake's own request
log says whether all of them together kept the limits. Redis is a real `redis-server` on a free
loopback port, started here and stopped after.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from ideogram_facade import APIConnectionError, InvalidRequestError, RateLimit
from ideogram_facade import _constants as C
from ideogram_facade._ratelimit import RateWindow, Window
from ideogram_facade._shared_limits import SharedWindow, SqliteStore, Store, windows
from ideogram_facade.testing import FakeApikley, TaskTiming
from tests.conftest import SECRETS, Guarded
from tests.facade.limits_worker import open_store
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "tests.facade.limits_worker"]
URL = "https://example.com/portrait.png"
PASSWORD = "hunter2-but-longer"
SECRETS.add(PASSWORD)


@pytest.fixture(params=["sqlite", "redis"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A storage URI that several processes can share."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'limits.db'}"
    url: str = request.getfixturevalue("redis_url")
    return url


# -- the guarantee, across processes ------------------------------------------------------

POLLS = 2
# generate() through four processes, one task each: together they want far more than POLLS
# polls a second (the createTask window's sharing is checked in one process below: its
# period is 10 s, too long to wait for here).
KINDS = ["sync", "async", "sync", "async"]


def run_workers(fake: FakeApikley, storage: str) -> list[list[str]]:
    """Start every worker at once, wait for all; each one's errors."""
    env = {**os.environ, C.API_KEY_ENV: fake.api_key}
    workers = [
        subprocess.Popen(
            [*WORKER, "generate", kind, fake.base_url, storage, "1", "20", str(POLLS)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for kind in KINDS
    ]
    return [json.loads(worker.communicate(timeout=120)[0])["errors"] for worker in workers]


def busy_fake() -> FakeApikley:
    # Tasks run 1.5 s, polled every 10 ms: every process wants far more than POLLS a second.
    return FakeApikley(timing=TaskTiming(waiting=0, queuing=0, generating=1.5))


@pytest.mark.slow
@pytest.mark.processes
def test_processes_sharing_a_storage_keep_the_limits_together(storage: str) -> None:
    with busy_fake() as fake:
        errors = run_workers(fake, storage)
        peak_polls = fake.peak_rate("recordInfo", 1.0)
    assert errors == [[]] * len(KINDS)
    assert peak_polls <= POLLS


@pytest.mark.slow
@pytest.mark.processes
def test_processes_limited_in_memory_each_keep_only_their_own_limits() -> None:
    # The control for the test above: the same workers with memory:// exceed the limit together.
    with busy_fake() as fake:
        errors = run_workers(fake, "memory://")
        assert errors == [[]] * len(KINDS)
        assert fake.peak_rate("recordInfo", 1.0) > POLLS


def test_a_killed_process_holds_its_slot_only_until_its_lease_lapses(storage: str) -> None:
    scope, period, lease = uuid.uuid4().hex, 0.2, 1.5
    with subprocess.Popen(
        [*WORKER, "hang", storage, scope, str(period), str(lease)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as worker:
        assert worker.stdout is not None
        said = worker.stdout.readline()
        held_at = time.monotonic()
        worker.kill()  # mid-request: it never releases its slot
        worker.wait()
        assert said.strip() == "held"
        window = SharedWindow(open_store(storage), scope, 1, period, lease)
        ticket = window.reserve()
        wait = ticket.wait
        while wait > 0:
            time.sleep(wait)
            wait = window.hold(ticket)
        freed_after = time.monotonic() - held_at
    # Freed (the loop ended), and not before the lease lapsed (the storage's clock and this
    # one may differ by the time the worker took to say "held").
    assert freed_after >= lease - 0.3


@pytest.mark.slow
@pytest.mark.processes
def test_the_workers_example_runs(tmp_path: Path) -> None:
    example = [sys.executable, "examples/shared_workers.py", "--demo", "4", "--workers", "2"]
    done = subprocess.run(
        [*example, "--storage", f"sqlite://{tmp_path / 'limits.db'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("submitted task_") == 4
    assert "4 of 4 prompts done" in done.stdout


# -- each window on its own, the same for every storage -----------------------------------


class Clock:
    """The time of a window under test: virtual for memory and sqlite (their time source is
    ours to give), Redis's own for Redis (its scripts read the server's TIME), where `pass_`
    sleeps instead."""

    def __init__(self, virtual: bool) -> None:
        self.virtual = virtual
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def pass_(self, seconds: float) -> None:
        if self.virtual:
            self.now += seconds
        else:
            time.sleep(seconds)


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_window(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[int, float], tuple[RateWindow, Clock]]:
    clock = Clock(virtual=request.param != "redis")
    if request.param == "memory":
        return lambda limit, period: (Window(limit, period, clock), clock)
    if request.param == "sqlite":
        path = str(tmp_path / "limits.db")
        store: Store = SqliteStore(path, f"sqlite://{path}", clock)
    else:
        store = open_store(request.getfixturevalue("redis_url"))
    return lambda limit, period: (SharedWindow(store, uuid.uuid4().hex, limit, period), clock)


def approx(expected: float, clock: Clock) -> object:
    # On a virtual clock, to the float; on Redis's, what passed between two steps of the test.
    return pytest.approx(expected, abs=1e-6 if clock.virtual else 0.25)


def test_a_turn_that_came_still_waits_while_its_slot_s_request_is_out(
    make_window: Callable[[int, float], tuple[RateWindow, Clock]],
) -> None:
    window, clock = make_window(1, 1.0)
    first = window.reserve()
    assert first.wait == 0
    clock.pass_(1.2)  # the next turn has come, but the first request has not finished
    second = window.reserve()
    assert second.wait > 0
    window.release(first)
    assert window.hold(second) == approx(1.0, clock), "a period after it finished"


def test_a_slot_is_free_a_period_after_its_request_finished(
    make_window: Callable[[int, float], tuple[RateWindow, Clock]],
) -> None:
    window, clock = make_window(2, 1.0)
    first, second = window.reserve(), window.reserve()
    assert (first.wait, second.wait) == (0, 0)
    third = window.reserve()
    assert third.wait == approx(1.0, clock)
    clock.pass_(third.wait)
    assert window.hold(third) > 0, "both requests are still out"
    window.release(first)
    assert window.hold(third) == approx(1.0, clock)
    clock.pass_(1.0)
    assert window.hold(third) == 0
    window.release(second)
    window.release(third)


def test_each_api_key_has_its_own_windows_in_one_storage(storage: str) -> None:
    limit = RateLimit(creates_per_10s=1, storage=storage)
    key = uuid.uuid4().hex
    mine, _ = windows(limit, base_url="https://api.example", api_key=key, clock=time.monotonic)
    theirs, _ = windows(
        limit, base_url="https://api.example", api_key=key + "x", clock=time.monotonic
    )
    again, _ = windows(limit, base_url="https://api.example", api_key=key, clock=time.monotonic)
    assert mine.reserve().wait == 0
    assert theirs.reserve().wait == 0
    assert again.reserve().wait > 0, "the same key in another client shares the window"


# -- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_an_unreachable_storage_fails_the_call_and_sends_nothing(
    make_client: Callable[..., Guarded], fake: FakeApikley, kind: str, tmp_path: Path
) -> None:
    if kind == "sqlite":
        uri = shown = f"sqlite://{tmp_path / 'no such folder' / 'limits.db'}"
    else:
        port = free_port()  # nothing listens there
        uri = f"redis://:{PASSWORD}@127.0.0.1:{port}/0"
        shown = f"redis://127.0.0.1:{port}/0"
    client = make_client(rate_limit=RateLimit(storage=uri))
    with pytest.raises(APIConnectionError) as info:
        client.submit("a knight", URL)
    assert shown in str(info.value)
    assert "memory://" in str(info.value), "it says what else to do"
    assert fake.creates_received == 0, "never sent unlimited"
    assert PASSWORD not in repr(RateLimit(storage=uri))


def test_a_finish_the_storage_cannot_record_is_logged_not_raised(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The request is over and its answer (a task id, say) must reach the caller: its hold
    # lapses on its own instead.
    with RedisServer.start() as server:
        window = SharedWindow(open_store(server.url), uuid.uuid4().hex, 1, 1.0)
        ticket = window.reserve()
        assert ticket.wait == 0
    window.release(ticket)  # the server is gone
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(server.url in w and "until its hold lapses" in w for w in warnings)


@pytest.mark.parametrize(
    "uri",
    [
        "sqlite://limits.db",
        "sqlite:///",
        "sqlite:///tmp/limits.db?mode=ro",
        "redis://",
        "redis://host/zero",
        "postgres://host/db",
        "memory",
    ],
)
def test_a_storage_uri_of_no_known_form_is_refused(uri: str) -> None:
    with pytest.raises(InvalidRequestError, match="storage"):
        RateLimit(storage=uri)
