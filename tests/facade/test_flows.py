"""The decisions of `_core`, driven on a virtual clock with scripted answers (tests/driver.py):
which requests go, which pauses come between them and when, and what the journal records.

These run in microseconds and never depend on the machine's speed; the socket tests elsewhere
check what only sockets show (the shells, the fake, hostile servers, end-to-end paths).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ideogram_facade import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    GenerationFailedError,
    InsufficientCreditsError,
    PollPolicy,
    RateLimit,
    RateLimitError,
    ServerError,
    SubmissionUncertainError,
    TaskNotFoundError,
    TaskState,
    TaskTimeoutError,
    UnexpectedResponseError,
)
from ideogram_facade import _constants as C
from ideogram_facade._effects import Fetch, Fetched, Limit, Send
from ideogram_facade._exceptions import JournalError
from ideogram_facade._journal import Journal, State
from ideogram_facade._models import Task
from ideogram_facade._shared_limits import SharedWindow, SqliteStore
from ideogram_facade._wire import HttpResponse
from tests.driver import (
    Answer,
    Draws,
    Driver,
    VirtualClock,
    Wake,
    make_core,
    ok,
    refused,
    status,
    task,
)

URL = "https://example.com/portrait.png"
CREATED = ok({"taskId": "t1"})


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(1000.0)


# -- retries and their pauses ---------------------------------------------------------------


def test_a_read_is_retried_after_backoffs_of_half_a_second_then_one(clock: VirtualClock) -> None:
    core = make_core(clock, max_retries=2)
    driver = Driver(clock, [status(500), httpx.ReadError("reset"), ok(12.5)])
    assert driver.run(core.credits()) == 12.5
    assert driver.sends() == [(1000.0, "credit"), (1000.5, "credit"), (1001.5, "credit")]


def test_the_backoff_is_jittered_by_the_core_s_draws(clock: VirtualClock) -> None:
    core = make_core(clock, max_retries=2, random=Draws(0.0, 1.0))
    driver = Driver(clock, [status(502), status(502), ok(1)])
    driver.run(core.credits())
    low, high = 0.5 * (1 - C.RETRY_JITTER), 1.0 * (1 + C.RETRY_JITTER)
    assert driver.sleeps() == [pytest.approx(low), pytest.approx(high)]


def test_retries_stop_at_max_retries_with_the_last_error(clock: VirtualClock) -> None:
    core = make_core(clock, max_retries=1)
    driver = Driver(clock, [status(500), status(503)])
    with pytest.raises(ServerError) as info:
        driver.run(core.credits())
    assert info.value.status_code == 503
    assert len(driver.sends()) == 2


def test_a_retry_after_is_waited_as_asked(clock: VirtualClock) -> None:
    core = make_core(clock, max_retries=1)
    driver = Driver(clock, [status(429, {"retry-after": "7"}), ok(3)])
    assert driver.run(core.credits()) == 3
    assert driver.sleeps() == [7.0]


def test_a_retry_after_past_the_cap_fails_at_once(clock: VirtualClock) -> None:
    core = make_core(clock, max_retries=3)
    asked = str(int(C.RETRY_AFTER_CAP) + 1)
    driver = Driver(clock, [status(429, {"retry-after": asked})])
    with pytest.raises(RateLimitError):
        driver.run(core.credits())
    assert driver.sleeps() == []


def test_a_refusal_that_a_retry_cannot_mend_is_not_retried(clock: VirtualClock) -> None:
    core = make_core(clock, max_retries=3)
    driver = Driver(clock, [refused(422, "bad seed")])
    with pytest.raises(BadRequestError, match="bad seed"):
        driver.run(core.credits())
    assert len(driver.sends()) == 1


# -- uncertain submits: never paid twice ----------------------------------------------------


@pytest.mark.parametrize(
    "lost",
    [
        httpx.ReadTimeout("no answer"),
        httpx.RemoteProtocolError("cut"),
        httpx.WriteError("broken pipe"),
        HttpResponse(502, {}, b"<html>bad gateway</html>"),
        HttpResponse(200, {}, b""),
    ],
    ids=["read timeout", "cut answer", "broken write", "proxy 502", "empty 200"],
)
def test_a_create_whose_answer_was_lost_is_uncertain_and_never_resent(
    clock: VirtualClock, lost: object
) -> None:
    core = make_core(clock, max_retries=5)
    driver = Driver(clock, [lost])  # type: ignore[list-item]
    with pytest.raises(SubmissionUncertainError):
        driver.run(core.submit("a knight", URL, {}))
    assert driver.sends() == [(1000.0, "createTask")]


def test_a_create_that_never_left_is_sent_again(clock: VirtualClock) -> None:
    core = make_core(clock, max_retries=1)
    driver = Driver(clock, [httpx.ConnectError("refused"), CREATED])
    assert driver.run(core.submit("a knight", URL, {})) == "t1"
    assert driver.sends() == [(1000.0, "createTask"), (1000.5, "createTask")]


def test_a_create_refused_with_429_is_sent_again_after_the_asked_wait(clock: VirtualClock) -> None:
    core = make_core(clock, max_retries=1)
    driver = Driver(clock, [refused(429, "slow down", {"retry-after": "2"}), CREATED])
    assert driver.run(core.submit("a knight", URL, {})) == "t1"
    assert driver.sends() == [(1000.0, "createTask"), (1002.0, "createTask")]


# -- the poll schedule and deadlines --------------------------------------------------------


def test_wait_polls_on_the_policy_s_schedule(clock: VirtualClock) -> None:
    policy = PollPolicy(initial=2.0, multiplier=1.5, maximum=5.0, jitter=0.0)
    core = make_core(clock, poll=policy)
    states = ["waiting", "queuing", "generating", "generating", "generating", "success"]
    driver = Driver(clock, [task("t1", state) for state in states])
    done = driver.run(core.wait("t1", timeout=None, poll=None, on_update=None))
    assert done.succeeded
    assert driver.sleeps() == [policy.delay(n) for n in range(5)]
    assert driver.sleeps() == [2.0, 2.0, 2.0, 3.0, 4.5], "flat, then 1.5x the time waited"


def test_generate_sleeps_before_its_first_poll(clock: VirtualClock) -> None:
    core = make_core(clock, poll=PollPolicy(initial=3.0, jitter=0.0))
    driver = Driver(clock, [CREATED, task("t1", "success")])
    driver.run(core.generate("a knight", URL, {}, timeout=60, on_update=None))
    assert driver.sends() == [(1000.0, "createTask"), (1003.0, "recordInfo")]


def test_a_poll_s_jitter_comes_from_the_core_s_draws(clock: VirtualClock) -> None:
    policy = PollPolicy(initial=2.0, jitter=0.25)
    core = make_core(clock, poll=policy, random=Draws(0.0, 1.0))
    driver = Driver(clock, [task("t1", "waiting"), task("t1", "waiting"), task("t1", "success")])
    driver.run(core.wait("t1", timeout=None, poll=None, on_update=None))
    assert driver.sleeps() == [pytest.approx(1.5), pytest.approx(2.5)]


def test_wait_times_out_at_its_deadline_not_after_the_next_pause(clock: VirtualClock) -> None:
    core = make_core(clock, poll=PollPolicy(initial=4.0, jitter=0.0))
    driver = Driver(clock, [task("t1", "generating")] * 3)
    with pytest.raises(TaskTimeoutError) as info:
        driver.run(core.wait("t1", timeout=10, poll=None, on_update=None))
    assert clock.now == 1010.0, "the last pause is cut to the deadline"
    assert driver.sleeps() == [4.0, 4.0, 2.0]
    assert info.value.task_id == "t1"
    assert info.value.last_state is TaskState.GENERATING


def test_a_poll_policy_given_to_wait_is_the_one_it_uses(clock: VirtualClock) -> None:
    core = make_core(clock, poll=PollPolicy(initial=5.0, maximum=5.0, jitter=0.0))
    quick = PollPolicy(initial=0.01, maximum=0.01, jitter=0.0)
    driver = Driver(clock, [task("t1", "generating")] * 31)
    with pytest.raises(TaskTimeoutError):
        driver.run(core.wait("t1", timeout=0.3, poll=quick, on_update=None))
    assert len(driver.sends()) == 31, "a poll every 10 ms for 0.3 s, the first at once"


def test_every_request_of_a_wait_is_bounded_by_the_wait_s_deadline(clock: VirtualClock) -> None:
    # The client's in-flight queue gives up at `until` (tests/facade/test_in_flight.py), so a
    # wait queued behind other requests still ends on time.
    core = make_core(clock, poll=PollPolicy(initial=1.0, jitter=0.0))
    driver = Driver(clock, [task("t1", "generating")] * 2 + [task("t1", "success")])
    driver.run(core.wait("t1", timeout=30, poll=None, on_update=None))
    sends = [event.effect for event in driver.events if isinstance(event.effect, Send)]
    assert [send.until for send in sends] == [1030.0] * 3
    assert all(send.deadline <= 1030.0 for send in sends)


def test_wait_rides_out_retryable_errors_until_its_deadline(clock: VirtualClock) -> None:
    core = make_core(clock, poll=PollPolicy(initial=1.0, jitter=0.0))
    flaky: list[Answer] = [
        status(500),
        httpx.ConnectError("down"),
        refused(455),
        task("t1", "success"),
    ]
    driver = Driver(clock, flaky)
    assert driver.run(core.wait("t1", timeout=30, poll=None, on_update=None)).succeeded
    assert [time for time, _ in driver.sends()] == [1000.0, 1001.0, 1002.0, 1003.0]


def test_a_poll_refused_with_retry_after_waits_that_long(clock: VirtualClock) -> None:
    core = make_core(clock, poll=PollPolicy(initial=1.0, jitter=0.0))
    driver = Driver(clock, [status(429, {"retry-after": "9"}), task("t1", "success")])
    driver.run(core.wait("t1", timeout=None, poll=None, on_update=None))
    assert driver.sleeps() == [9.0]


def test_wait_fails_at_once_on_what_polling_cannot_mend(clock: VirtualClock) -> None:
    core = make_core(clock)
    driver = Driver(clock, [refused(401, "bad key")])
    with pytest.raises(AuthenticationError, match="bad key"):
        driver.run(core.wait("t1", timeout=30, poll=None, on_update=None))
    assert len(driver.sends()) == 1


def test_a_timed_out_wait_names_the_last_poll_s_failure(clock: VirtualClock) -> None:
    core = make_core(clock, poll=PollPolicy(initial=1.0, jitter=0.0))
    driver = Driver(clock, [status(500)] * 3)
    with pytest.raises(TaskTimeoutError, match="last poll failed"):
        driver.run(core.wait("t1", timeout=2.5, poll=None, on_update=None))


def test_a_failed_task_is_generation_failed_with_its_reason(clock: VirtualClock) -> None:
    core = make_core(clock)
    driver = Driver(clock, [task("t1", "fail", failCode="422", failMsg="content policy")])
    with pytest.raises(GenerationFailedError) as info:
        driver.run(core.wait("t1", timeout=30, poll=None, on_update=None))
    assert (info.value.fail_code, info.value.fail_message) == ("422", "content policy")


@pytest.mark.parametrize(("after", "found"), [(14.0, True), (16.0, False)])
def test_a_task_just_created_rides_out_not_found_for_the_grace_only(
    clock: VirtualClock, after: float, found: bool
) -> None:
    policy = PollPolicy(initial=after, maximum=after, jitter=0.0, fresh_task_grace=15.0)
    core = make_core(clock, poll=policy)
    null = refused(422, "recordInfo is null")
    driver = Driver(clock, [CREATED, null, task("t1", "success")])
    flow = core.generate("a knight", URL, {}, timeout=None, on_update=None)
    if found:
        assert driver.run(flow).succeeded
    else:
        with pytest.raises(TaskNotFoundError):
            driver.run(flow)


def test_an_unknown_task_id_is_not_found_at_once(clock: VirtualClock) -> None:
    core = make_core(clock)
    driver = Driver(clock, [refused(422, "recordInfo is null")])
    with pytest.raises(TaskNotFoundError):
        driver.run(core.wait("t9", timeout=30, poll=None, on_update=None))


# -- rate windows -----------------------------------------------------------------------------


def test_creates_past_the_window_wait_their_turn_and_are_journaled_only_then(
    clock: VirtualClock, tmp_path: Path
) -> None:
    core = make_core(clock, rate_limit=RateLimit(creates_per_10s=2))
    core.journal = Journal.open(tmp_path / "journal.sqlite3")
    driver = Driver(clock, [ok({"taskId": f"t{n}"}) for n in range(3)])
    for n in range(3):
        driver.run(core.submit(f"shot {n}", URL, {}))
    period = 10 + C.RATE_WINDOW_MARGIN
    assert driver.sends() == [
        (1000.0, "createTask"),
        (1000.0, "createTask"),
        (1000.0 + period, "createTask"),
    ]
    # The third waited before "submitting" was written: a kill during its wait leaves no
    # entry to report as uncertain, since nothing was sent.
    third = driver.kinds()[-4:]
    assert third == ["sleep", "record submitting", "send createTask", "record submitted"]
    assert [entry.state for entry in core.journal.entries()] == [State.SUBMITTED] * 3
    core.journal.close()


def test_a_window_queue_longer_than_the_deadline_fails_without_sending(
    clock: VirtualClock,
) -> None:
    core = make_core(clock, rate_limit=RateLimit(polls_per_second=1))
    driver = Driver(clock, [task("t1", "generating")])
    driver.run(core.get_task("t1"))
    with pytest.raises(APITimeoutError, match="rate limit queue"):
        driver.run(core.get_task("t1", deadline=clock.now + 0.5))
    assert len(driver.sends()) == 1


def test_polls_keep_the_poll_window(clock: VirtualClock) -> None:
    core = make_core(clock, rate_limit=RateLimit(polls_per_second=2))
    driver = Driver(clock, [task("t1", "generating")] * 6)
    for _ in range(6):
        driver.run(core.get_task("t1"))
    times = [time for time, _ in driver.sends()]
    period = 1 + C.RATE_WINDOW_MARGIN
    expected = [1000.0, 1000.0, 1000.0 + period, 1000.0 + period] + [1000.0 + 2 * period] * 2
    assert times == pytest.approx(expected)


def test_a_shared_window_s_steps_are_effects_the_client_runs(
    clock: VirtualClock, tmp_path: Path
) -> None:
    storage = f"sqlite://{tmp_path / 'limits.db'}"
    core = make_core(clock, rate_limit=RateLimit(storage=storage))
    driver = Driver(clock, [task("t1", "generating")])
    driver.run(core.get_task("t1"))
    assert driver.kinds() == ["limit reserve", "send recordInfo", "limit release"]


def test_a_shared_storage_that_fails_fails_the_call_before_sending(
    clock: VirtualClock, tmp_path: Path
) -> None:
    storage = f"sqlite://{tmp_path / 'no such folder' / 'limits.db'}"
    core = make_core(clock, rate_limit=RateLimit(storage=storage))
    driver = Driver(clock, [])
    with pytest.raises(APIConnectionError, match="rate limit storage"):
        driver.run(core.get_task("t1"))
    assert driver.sends() == []


# -- the journal --------------------------------------------------------------------------------


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    opened = Journal.open(tmp_path / "journal.sqlite3")
    yield opened
    opened.close()


def test_a_submit_is_on_disk_before_it_leaves_and_its_id_before_it_returns(
    clock: VirtualClock, journal: Journal
) -> None:
    core = make_core(clock)
    core.journal = journal
    driver = Driver(clock, [CREATED])
    driver.run(core.submit("a knight", URL, {"seed": 7}))
    assert driver.kinds() == ["record submitting", "send createTask", "record submitted"]
    (entry,) = journal.entries()
    assert (entry.state, entry.task_id, entry.request["options"]) == (
        State.SUBMITTED,
        "t1",
        {"seed": 7},
    )


def test_a_refused_submit_is_journaled_as_rejected(clock: VirtualClock, journal: Journal) -> None:
    core = make_core(clock)
    core.journal = journal
    with pytest.raises(InsufficientCreditsError, match="no credits"):
        Driver(clock, [refused(402, "no credits")]).run(core.submit("a knight", URL, {}))
    (entry,) = journal.entries()
    assert entry.state is State.REJECTED


def test_a_lost_create_answer_is_journaled_as_uncertain(
    clock: VirtualClock, journal: Journal
) -> None:
    core = make_core(clock)
    core.journal = journal
    with pytest.raises(SubmissionUncertainError):
        Driver(clock, [httpx.ReadTimeout("lost")]).run(core.submit("a knight", URL, {}))
    (entry,) = journal.unfinished()
    assert entry.state is State.UNCERTAIN


def test_a_failed_task_is_journaled_as_failed(clock: VirtualClock, journal: Journal) -> None:
    core = make_core(clock)
    core.journal = journal
    driver = Driver(clock, [CREATED, task("t1", "fail", failMsg="nope")])
    with pytest.raises(GenerationFailedError):
        driver.run(core.generate("a knight", URL, {}, timeout=60, on_update=None))
    (entry,) = journal.entries()
    assert entry.state is State.FAILED
    assert "nope" in (entry.error or "")


def test_resume_waits_for_and_saves_each_unfinished_task(
    clock: VirtualClock, journal: Journal, tmp_path: Path
) -> None:
    core = make_core(clock)
    core.journal = journal
    driver = Driver(clock, [CREATED], downloads=[b"\x89PNG\r\n\x1a\n..."])
    driver.run(core.submit("a knight", URL, {}))
    driver.answers.append(task("t1", "success"))
    ended = driver.run(core.resume(tmp_path / "out", timeout=60))
    assert [t.task_id for t in ended] == ["t1"]
    (entry,) = journal.entries()
    assert entry.state is State.SUCCEEDED
    assert [Path(f).name for f in entry.files] == ["t1_1.png"]


# -- leases: several workers on one journal ----------------------------------------------------


@pytest.fixture
def workers(clock: VirtualClock, tmp_path: Path) -> Iterator[tuple[Journal, Journal]]:
    """Two workers' journals, mine and theirs, on one file and the test's clock."""
    path = tmp_path / "journal.sqlite3"
    mine, theirs = Journal.open(path, clock=clock), Journal.open(path, clock=clock)
    yield mine, theirs
    mine.close()
    theirs.close()


def test_resume_leaves_a_held_task_to_its_worker_until_the_lease_lapses(
    clock: VirtualClock, tmp_path: Path, workers: tuple[Journal, Journal]
) -> None:
    mine, theirs = workers
    entry = theirs.submitting("ideogram/character", {"prompt": "a knight"})
    theirs.submitted(entry, "t1")  # then that worker stops renewing (hung, or cut off)
    core = make_core(clock)
    core.journal = mine
    driver = Driver(clock, [task("t1", "success")], downloads=[b"\x89PNG\r\n\x1a\n..."])
    start = clock()
    (ended,) = driver.run(core.resume(tmp_path / "out", timeout=None))
    assert ended.task_id == "t1"
    ((polled_at, _),) = driver.sends()
    assert polled_at - start == C.JOURNAL_LEASE, "not before their lease lapsed"
    assert max(driver.sleeps()) <= C.JOURNAL_LEASE_CHECK, "it looked again meanwhile"
    (done,) = theirs.entries()
    assert (done.state, done.leased_by) == (State.SUCCEEDED, None)


def test_resume_gives_a_held_task_up_at_its_timeout_and_it_stays_unfinished(
    clock: VirtualClock, tmp_path: Path, workers: tuple[Journal, Journal]
) -> None:
    mine, theirs = workers
    entry = theirs.submitting("ideogram/character", {"prompt": "a knight"})
    theirs.submitted(entry, "t1")
    core = make_core(clock)
    core.journal = mine
    driver = Driver(clock)
    start = clock()
    assert driver.run(core.resume(tmp_path / "out", timeout=100)) == []
    assert driver.sends() == []
    assert clock() - start == 100
    (left,) = mine.unfinished()
    assert left.leased_by == theirs.owner


def test_a_long_wait_renews_its_lease_so_no_resumer_takes_the_task(
    clock: VirtualClock, workers: tuple[Journal, Journal]
) -> None:
    mine, theirs = workers
    core = make_core(clock, poll=PollPolicy(initial=30.0, maximum=30.0, jitter=0.0))
    core.journal = mine
    taken_by_them: list[bool] = []

    def generating(effect: object) -> HttpResponse:
        taken_by_them.append(theirs.claim(1).taken)
        return task("t1", "generating")

    polls = int(2 * C.JOURNAL_LEASE / 30)  # past two of its lease's spans
    driver = Driver(clock, [CREATED, *[generating] * polls, task("t1", "success")])
    task_id = driver.run(core.submit("a knight", URL, {}))
    driver.run(core.wait(task_id, timeout=None, poll=None, on_update=None))
    assert len(taken_by_them) == polls
    assert not any(taken_by_them)


# -- downloads -------------------------------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def test_an_expired_result_url_is_renewed_once_then_saved(
    clock: VirtualClock, tmp_path: Path
) -> None:
    core = make_core(clock)
    done = Task(task_id="t1", state=TaskState.SUCCESS, image_urls=("https://cdn.example/old.png",))
    fresh = "https://cdn.example/fresh.png"
    driver = Driver(clock, [ok(fresh)], downloads=[Fetched(403, {}, None), PNG])
    (path,) = driver.run(core.download(done, tmp_path, False))
    assert path.read_bytes() == PNG
    fetched = [e.effect.url for e in driver.events if isinstance(e.effect, Fetch)]
    assert fetched == ["https://cdn.example/old.png", fresh]
    assert len(driver.sends()) == 1, "one renewal request"


def test_a_download_that_stays_expired_after_renewal_fails(
    clock: VirtualClock, tmp_path: Path
) -> None:
    core = make_core(clock)
    done = Task(task_id="t1", state=TaskState.SUCCESS, image_urls=("https://cdn.example/a.png",))
    driver = Driver(
        clock, [ok("https://cdn.example/b.png")], downloads=[Fetched(404, {}, None)] * 2
    )
    with pytest.raises(UnexpectedResponseError, match="stayed expired"):
        driver.run(core.download(done, tmp_path, False))
    assert len(driver.sends()) == 1, "renewed once, not twice"


def test_a_download_is_retried_on_5xx_with_the_api_s_backoff(
    clock: VirtualClock, tmp_path: Path
) -> None:
    core = make_core(clock, max_retries=2)
    done = Task(task_id="t1", state=TaskState.SUCCESS, image_urls=("https://cdn.example/a.png",))
    driver = Driver(clock, downloads=[Fetched(503, {}, None), httpx.ReadError("reset"), PNG])
    driver.run(core.download(done, tmp_path, False))
    assert driver.sleeps() == [0.5, 1.0]


# -- callbacks wake waits ---------------------------------------------------------------------


def test_a_confirmed_callback_ends_the_wait_without_another_poll(clock: VirtualClock) -> None:
    core = make_core(clock, poll=PollPolicy(initial=1.0, jitter=0.0))
    core.callbacks.bound = True
    core.callbacks.expected["t1"] = None
    finished = Task(task_id="t1", state=TaskState.SUCCESS, image_urls=("https://x/1.png",))
    wake = Wake("t1", 1003.0, lambda: core.confirm(finished))
    driver = Driver(clock, [task("t1", "generating")], wakes=[wake])
    assert driver.run(core.wait("t1", timeout=600, poll=None, on_update=None)) == finished
    assert driver.sleeps() == [C.CALLBACK_FALLBACK_POLL], "one fallback sleep, cut short"
    assert clock.now == 1003.0
    assert len(driver.sends()) == 1


def test_an_expected_callback_that_never_comes_is_polled_for_slowly(
    clock: VirtualClock,
) -> None:
    core = make_core(clock, poll=PollPolicy(initial=1.0, jitter=0.0))
    core.callbacks.bound = True
    core.callbacks.expected["t1"] = None
    driver = Driver(clock, [task("t1", "generating"), task("t1", "success")])
    driver.run(core.wait("t1", timeout=600, poll=None, on_update=None))
    assert driver.sleeps() == [C.CALLBACK_FALLBACK_POLL]


def test_a_callback_confirmed_during_a_poll_is_taken_at_the_next_pause(
    clock: VirtualClock,
) -> None:
    core = make_core(clock, poll=PollPolicy(initial=2.0, jitter=0.0))
    finished = Task(task_id="t1", state=TaskState.SUCCESS, image_urls=("https://x/1.png",))

    def poll_then_confirm(effect: Send) -> HttpResponse:
        core.confirm(finished)  # the receiver read it while this poll was out
        return task("t1", "generating")

    driver = Driver(clock, [poll_then_confirm])
    assert driver.run(core.wait("t1", timeout=60, poll=None, on_update=None)) == finished
    assert len(driver.sends()) == 1


def test_a_journal_entry_records_the_request_as_sent(clock: VirtualClock, journal: Journal) -> None:
    core = make_core(clock)
    core.journal = journal
    Driver(clock, [CREATED]).run(core.submit("a knight", URL, {"num_images": 2}))
    (entry,) = journal.entries()
    assert json.loads(json.dumps(entry.request))["prompt"] == "a knight"
    assert entry.request["images"] == {"reference_image": URL}


# -- what must hold when the journal or the caller fails ---------------------------------------


def test_a_journal_that_fails_before_the_create_frees_the_window_slot(
    clock: VirtualClock, tmp_path: Path
) -> None:
    core = make_core(clock, rate_limit=RateLimit(storage=f"sqlite://{tmp_path / 'limits.db'}"))
    core.journal = Journal.open(tmp_path / "journal.sqlite3")
    core.journal.close()  # every write fails: a full disk, say
    driver = Driver(clock, [])
    with pytest.raises(JournalError):
        driver.run(core.submit("a knight", URL, {}))
    assert driver.sends() == [], "nothing is sent that could not be journaled"
    assert driver.kinds() == ["limit reserve", "record submitting", "limit release"]


def test_an_interrupted_request_frees_its_shared_window_slot_at_once(
    clock: VirtualClock, tmp_path: Path
) -> None:
    core = make_core(clock, rate_limit=RateLimit(polls_per_second=1))
    path = str(tmp_path / "limits.db")
    core.polls = SharedWindow(SqliteStore(path, path, clock), "polls", 1, 1.0)
    flow = core.get_task("t1")
    effect = next(flow)
    while not isinstance(effect, Send):
        effect = flow.send(effect.step() if isinstance(effect, Limit) else None)
    with pytest.raises(KeyboardInterrupt):
        flow.throw(KeyboardInterrupt())
    clock.now += 1.0  # a period after it ended, not the lease (minutes) after it left
    driver = Driver(clock, [task("t1", "generating")])
    driver.run(core.get_task("t1"))
    assert "sleep" not in driver.kinds(), "its slot was freed when it was interrupted"


def test_a_create_accepted_but_not_journaled_raises_with_its_task_id(
    clock: VirtualClock, journal: Journal
) -> None:
    core = make_core(clock)
    core.journal = journal

    def accepted_then_the_disk_fails(effect: Send) -> HttpResponse:
        journal.close()
        return CREATED

    with pytest.raises(JournalError, match="t1") as info:
        Driver(clock, [accepted_then_the_disk_fails]).run(core.submit("a knight", URL, {}))
    assert info.value.task_id == "t1", "paid for: its id must reach the caller"


def test_a_success_naming_no_task_id_is_uncertain_and_journaled_so(
    clock: VirtualClock, journal: Journal
) -> None:
    core = make_core(clock)
    core.journal = journal
    with pytest.raises(SubmissionUncertainError, match="no taskId"):
        Driver(clock, [ok({})]).run(core.submit("a knight", URL, {}))
    (entry,) = journal.unfinished()
    assert entry.state is State.UNCERTAIN


def test_a_journal_note_that_fails_is_logged_and_the_call_goes_on(
    clock: VirtualClock, journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    core = make_core(clock)
    core.journal = journal

    def failed_then_the_disk_fails(effect: Send) -> HttpResponse:
        journal.close()
        return task("t1", "fail", failMsg="nope")

    driver = Driver(clock, [failed_then_the_disk_fails])
    with pytest.raises(GenerationFailedError):
        driver.run(core.wait("t1", timeout=60, poll=None, on_update=None))
    assert any("cannot write the journal" in r.getMessage() for r in caplog.records)


def test_a_wait_with_no_time_left_sends_nothing(clock: VirtualClock) -> None:
    core = make_core(clock)
    driver = Driver(clock, [])
    with pytest.raises(TaskTimeoutError, match="never read"):
        driver.run(core.wait("t1", timeout=0, poll=None, on_update=None))
    assert driver.sends() == []


def test_resume_keeps_lost_and_unknown_tasks_without_waiting_for_them(
    clock: VirtualClock, journal: Journal, tmp_path: Path
) -> None:
    # A task the service does not find may still exist (younger than it keeps tasks): it stays
    # in the journal, submitted, for a later resume; a lost answer stays uncertain.
    core = make_core(clock)
    core.journal = journal
    driver = Driver(clock, [httpx.ReadTimeout("lost"), CREATED])
    with pytest.raises(SubmissionUncertainError):
        driver.run(core.submit("lost answer", URL, {}))
    driver.run(core.submit("a knight", URL, {}))
    clock.now += 60  # past the grace a just-created task has
    driver.answers.append(refused(404, "no such task"))
    ended = driver.run(core.resume(tmp_path / "out", timeout=60))
    assert ended == []
    states = {entry.task_id: entry.state for entry in journal.entries()}
    assert states == {None: State.UNCERTAIN, "t1": State.SUBMITTED}


def test_a_credit_balance_that_is_not_a_number_is_unexpected(clock: VirtualClock) -> None:
    core = make_core(clock)
    with pytest.raises(UnexpectedResponseError, match="expected a number"):
        Driver(clock, [ok("lots")]).run(core.credits())


def test_a_child_with_its_own_rate_limit_has_its_own_windows(clock: VirtualClock) -> None:
    core = make_core(clock, rate_limit=RateLimit(polls_per_second=1))
    child = core.with_settings(rate_limit=RateLimit(polls_per_second=5))
    unlimited = core.with_settings(rate_limit=None)
    assert child.polls is not core.polls
    assert (unlimited.polls, unlimited.creates) == (None, None)
    assert core.with_settings(max_retries=0).polls is core.polls, "shared unless given"
