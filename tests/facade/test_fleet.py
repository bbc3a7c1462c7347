"""Workers that share one journal and one callback channel: the journal in PostgreSQL (a real
server, tests/postgres_server.py), leases on every journal storage, callbacks that wake a
wait in another client through PostgreSQL or Redis (a real redis-server), and the fleet
itself: processes on one database and one budget, one killed, nothing lost, nothing done twice
and nothing spent past the budget.

How the core decides about leases (who polls, who waits, when a lease lapses) is tested on the
virtual clock in test_flows.py; here the storages and the processes are real.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ideogram_facade import CharacterClient, InvalidRequestError, JournalError, RateLimit
from ideogram_facade import _constants as C
from ideogram_facade._journal import Journal, State
from ideogram_facade.callbacks import wsgi_app
from ideogram_facade.testing import FakeApikley, TaskTiming
from tests.conftest import SECRETS, Guarded
from tests.receiver_servers import WsgiServer

ROOT = Path(__file__).resolve().parents[2]
URL = "https://example.com/portrait.png"
KEY = "whsec-fleet-test-key"
PASSWORD = "fleet-db-password-42"
SECRETS.update({KEY, PASSWORD})


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A journal that several clients (and processes) can share, on each storage."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'journal.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


# -- the journal in PostgreSQL -------------------------------------------------------------


def test_the_task_id_is_in_the_database_before_submit_returns(
    make_client: Callable[..., Guarded], postgres_url: str
) -> None:
    client = make_client(journal=postgres_url)
    task_id = client.submit("a knight", URL)
    reader = Journal.open(postgres_url, sandbox=None)  # another worker's view
    try:
        (entry,) = reader.entries()
        assert (entry.state, entry.task_id) == (State.SUBMITTED, task_id)
        assert entry.request["prompt"] == "a knight"
    finally:
        reader.close()


def test_a_worker_resumes_and_saves_what_another_submitted(
    make_client: Callable[..., Guarded], journal_uri: str, tmp_path: Path
) -> None:
    first, second = make_client(journal=journal_uri), make_client(journal=journal_uri)
    task_id = first.submit("a knight", URL)
    first.close()  # it gives its lease up: the task passes on at once
    assert [entry.task_id for entry in second.unfinished()] == [task_id]
    (task,) = second.resume(tmp_path / "out")
    assert task.task_id == task_id
    assert second.unfinished() == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{task_id}_1.png"]


def test_an_unreachable_database_fails_the_client_naming_it_without_its_password(
    make_client: Callable[..., Guarded], fake: FakeApikley, postgres_server: object
) -> None:
    from tests.postgres_server import free_port

    uri = f"postgresql://fleet:{PASSWORD}@127.0.0.1:{free_port()}/tasks"
    with pytest.raises(JournalError, match="cannot reach the journal") as caught:
        make_client(journal=uri)
    assert f"postgresql://fleet@127.0.0.1:{uri.split(':')[3]}" in caught.value.message
    assert PASSWORD not in str(caught.value)
    assert fake.creates_received == 0


def test_a_parsed_database_uri_shows_no_password_in_its_repr() -> None:
    # A failing test's report prints the locals: a Storage among them once showed it.
    from ideogram_facade._models import parse_storage

    storage = parse_storage(f"postgresql://fleet:{PASSWORD}@db.internal/tasks", postgres=True)
    assert PASSWORD in storage.location
    assert PASSWORD not in repr(storage)
    assert "postgresql://fleet@db.internal/tasks" in repr(storage)


@pytest.mark.parametrize(
    ("journal", "said"),
    [
        ("mysql://u:pw@host/db", "got a mysql:// URI"),
        ("redis://localhost:6379/0", "got a redis:// URI"),
        ("sqlite://relative.db", "an absolute path"),
        ("postgresql://u@host", "a PostgreSQL storage is"),
        (Path("postgresql://u:pw@host/db"), "a URI goes as a str, not a Path"),
    ],
)
def test_a_journal_uri_of_another_kind_is_refused_naming_the_forms(
    make_client: Callable[..., Guarded], journal: object, said: str, tmp_path: Path
) -> None:
    os.chdir(tmp_path)  # nothing may be made here, whatever it is taken for
    with pytest.raises(InvalidRequestError, match=said) as caught:
        make_client(journal=journal)
    if "URI" in said:  # the forms the journal takes
        assert "postgresql://USER:PASSWORD@HOST:PORT/DATABASE" in caught.value.message
    assert list(tmp_path.iterdir()) == []


# -- leases, on each storage -------------------------------------------------------------------


def test_a_lease_keeps_other_workers_off_a_task_until_released_or_lapsed(
    journal_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, theirs = Journal.open(journal_uri), Journal.open(journal_uri)
    try:
        entry = mine.submitting("ideogram/character", {"prompt": "a knight"})
        mine.submitted(entry, "task_1")
        held = theirs.claim(entry)
        assert not held.taken
        assert 0 < held.left <= C.JOURNAL_LEASE
        assert held.entry.leased_by == mine.owner
        mine.release(entry)
        assert theirs.claim(entry).taken
        assert not mine.claim(entry).taken, "now theirs"
        monkeypatch.setattr(C, "JOURNAL_LEASE", 0.0)
        theirs.renew("task_1")  # a lease of no time: lapsed at once, as a dead worker's
        assert mine.claim(entry).taken
        mine.saved("task_1", ["/out/task_1_1.png"])
        (done,) = theirs.entries()
        assert (done.state, done.leased_by) == (State.SUCCEEDED, None)
    finally:
        mine.close()
        theirs.close()


# -- callbacks that wake a wait in another client ----------------------------------------------


@pytest.fixture(params=["postgresql", "redis"])
def channel(request: pytest.FixtureRequest) -> dict[str, object]:
    """What a client needs for shared callbacks: a PostgreSQL journal or Redis rate limits."""
    if request.param == "postgresql":
        return {"journal": request.getfixturevalue("postgres_url")}
    return {"rate_limit": RateLimit(storage=request.getfixturevalue("redis_url"))}


@pytest.fixture
def slow_callback_fake() -> Iterator[FakeApikley]:
    # Tasks that end well before a fallback poll (45 s) but after the first poll would come.
    timing = TaskTiming(waiting=0.05, queuing=0.05, generating=0.3)
    with FakeApikley(timing=timing, webhook_key=KEY) as service:
        SECRETS.add(service.api_key)
        yield service


def test_a_callback_confirmed_in_one_client_wakes_the_wait_in_another(
    request: pytest.FixtureRequest, channel: dict[str, object], slow_callback_fake: FakeApikley
) -> None:
    fake = slow_callback_fake
    settings = {"api_key": fake.api_key, "base_url": fake.base_url, **channel}
    with (
        CharacterClient(shared_callbacks=True, **settings) as receiving,  # type: ignore[arg-type]
        WsgiServer(wsgi_app(KEY, receiving, on_task=lambda task: None)) as server,
        CharacterClient(shared_callbacks=True, **settings) as waiting,  # type: ignore[arg-type]
    ):
        # No poll comes before 45 s for a task that expects a callback, and the wait gives
        # up after 30: it can only return if the other client's confirmation woke it.
        task = waiting.generate("a knight", URL, callback_url=server.url, timeout=30)
    assert task.succeeded
    confirmations = sum(1 for d in fake.callback_deliveries if d.task_id == task.task_id)
    assert confirmations == 1
    assert fake.polls(task.task_id) == 2, "the receiver's confirmation, and the woken wait's"


def test_shared_callbacks_without_a_shared_channel_are_refused(
    make_client: Callable[..., Guarded], tmp_path: Path
) -> None:
    with pytest.raises(InvalidRequestError, match="shared_callbacks=True needs a channel"):
        make_client(shared_callbacks=True, journal=tmp_path / "journal.sqlite3")


# -- the fleet: processes on one database ------------------------------------------------------

WORKER = [sys.executable, "-m", "tests.facade.fleet_worker"]


def worker(*args: str, fake: FakeApikley) -> subprocess.Popen[str]:
    env = {**os.environ, C.API_KEY_ENV: fake.api_key}
    return subprocess.Popen(
        [*WORKER, *args], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which client the worker processes use."""
    return str(request.param)


# The fleet's budget: five of the killed worker's six submits, at the fake's 10 credits a task.
MAX_CREDITS = 50
SUBMITS = 6


@pytest.mark.slow
@pytest.mark.processes
def test_a_killed_worker_s_tasks_are_finished_by_the_others_each_once_within_the_budget(
    fake: FakeApikley, postgres_url: str, kind: str, tmp_path: Path
) -> None:
    SECRETS.add(fake.api_key)
    before = fake.credits
    budget = str(MAX_CREDITS)
    with worker("submit", kind, fake.base_url, postgres_url, str(SUBMITS), budget, fake=fake) as k:
        assert k.stdout is not None
        said = [line.strip() for line in iter(k.stdout.readline, "submitted\n")]
        k.send_signal(signal.SIGKILL)
        k.wait(10)
    submitted = [line for line in said if line != "refused"]
    assert said == [*submitted, "refused"], "the budget refused the submit past it, and only that"
    assert len(submitted) == MAX_CREDITS // 10
    # Each resumer first tries a submit of its own: the killed worker's reservations, or what
    # its tasks consumed once settled, fill the budget either way, so each is refused.
    resumers = [
        worker("resume", kind, fake.base_url, postgres_url, str(tmp_path / f"out{n}"), budget,
               fake=fake)
        for n in range(3)
    ]  # fmt: skip
    ended: list[str] = []
    for resumer in resumers:
        output, _ = resumer.communicate(timeout=120)
        assert resumer.returncode == 0
        report = json.loads(output)
        ended += report["ended"]
        assert report["refused"], "a submit past the fleet's budget was let through"
    assert sorted(ended) == sorted(submitted), "each task ended by exactly one worker"
    saved = sorted(path.name for path in tmp_path.glob("out*/*.png"))
    assert saved == sorted(f"{task_id}_1.png" for task_id in submitted)
    assert fake.creates_received == len(submitted), "a refused submit sent nothing"
    assert before - fake.credits <= MAX_CREDITS
    reader = Journal.open(postgres_url, sandbox=None)
    try:
        assert reader.unfinished() == []
    finally:
        reader.close()


@pytest.mark.slow
@pytest.mark.processes
def test_a_callback_delivered_to_one_process_wakes_the_wait_in_another(
    postgres_url: str, kind: str, slow_callback_fake: FakeApikley
) -> None:
    fake = slow_callback_fake
    with worker("receive", kind, fake.base_url, postgres_url, KEY, fake=fake) as receiving:
        assert receiving.stdout is not None
        assert receiving.stdin is not None
        receiver_url = receiving.stdout.readline().strip()
        waiting = worker("wait", kind, fake.base_url, postgres_url, receiver_url, fake=fake)
        output, _ = waiting.communicate(timeout=60)
        assert waiting.returncode == 0
        receiving.stdin.close()
        confirmations = receiving.stdout.read().split("\n")
    waited = json.loads(output)
    # The wait gives up after 30 s, its fallback poll comes after 45: only the other process's
    # confirmation can have woken it.
    assert f"confirmed {waited['task_id']}" in "\n".join(confirmations)
    assert fake.polls(waited["task_id"]) == 2, "the receiver's confirmation, and the woken wait's"


@pytest.mark.slow
@pytest.mark.processes
def test_the_fleet_example_runs_and_finishes_the_killed_worker_s_task(
    postgres_url: str, tmp_path: Path
) -> None:
    example = [sys.executable, "examples/fleet.py", "--journal", postgres_url, "--demo", "4"]
    done = subprocess.run(
        [*example, "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "4 tasks created for 4 prompts; 0 unfinished" in done.stdout
    assert len(list(tmp_path.glob("*.png"))) == 4
