"""The sans-I/O core on its own: schedules, windows, answers and flows, with no sockets."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

import pytest

from ideogram_facade import (
    InvalidRequestError,
    PollPolicy,
    RateLimit,
    TaskState,
    UnexpectedResponseError,
)
from ideogram_facade import _constants as C
from ideogram_facade._core import Core
from ideogram_facade._effects import Send, Sleep
from ideogram_facade._ratelimit import Window
from ideogram_facade._wire import HttpResponse, parse_task, retry_after


def test_the_default_poll_schedule() -> None:
    policy = PollPolicy()
    delays = [policy.delay(n) for n in range(40)]
    assert delays[:7] == [2.5] * 7, "every 2.5 s while the task is young"
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert max(delays) == 30.0
    elapsed = sum(delays[:20])
    assert delays[20] == pytest.approx(min(30.0, 0.15 * elapsed))


def test_jitter_spreads_each_delay_around_its_mean() -> None:
    policy = PollPolicy(initial=2.0, jitter=0.25)
    assert policy.delay(0, spread=0.0) == pytest.approx(1.5)
    assert policy.delay(0, spread=0.5) == pytest.approx(2.0)
    assert policy.delay(0, spread=0.999999) == pytest.approx(2.5, rel=1e-5)


@pytest.mark.parametrize(
    "settings", [{"initial": 0}, {"maximum": -1}, {"jitter": 1.0}, {"multiplier": 0}]
)
def test_nonsense_poll_policies_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(InvalidRequestError):
        PollPolicy(**settings)


def test_rate_limits_must_allow_something() -> None:
    with pytest.raises(InvalidRequestError, match="creates_per_10s"):
        RateLimit(creates_per_10s=0)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_window_books_turns_in_order_a_period_apart() -> None:
    clock = Clock()
    window = Window(limit=3, period=10.0, clock=clock)
    assert [window.reserve().wait for _ in range(7)] == [0, 0, 0, 10, 10, 10, 20]
    clock.now += 15
    assert window.reserve().wait == pytest.approx(5.0), "turns 5 to 7 are at t+10, t+10, t+20"


def test_a_slot_is_reused_a_period_after_its_request_finished_not_started() -> None:
    # The service counts arrivals; a request that left late (a busy loop, a full pool) must
    # push the next one through its slot back, or a window would see limit + 1.
    clock = Clock()
    window = Window(limit=2, period=10.0, clock=clock)
    first, second, third = window.reserve(), window.reserve(), window.reserve()
    assert (first.wait, second.wait, third.wait) == (0, 0, 10)
    window.release(second)
    clock.now += 10
    assert window.hold(third) == pytest.approx(5.0), "first is still out: ask again later"
    clock.now += 2
    window.release(first)  # it ended 12 s after its turn
    assert window.hold(third) == pytest.approx(10.0)
    clock.now += 10
    assert window.hold(third) == 0


def test_a_window_does_not_hold_back_a_steady_stream_within_its_rate() -> None:
    clock = Clock()
    window = Window(limit=2, period=1.0, clock=clock)
    waits = []
    for _ in range(10):
        ticket = window.reserve()
        waits.append(ticket.wait + window.hold(ticket))
        window.release(ticket)
        clock.now += 0.5
    assert waits == [0] * 10


def data(**fields: object) -> dict[str, object]:
    return {
        "taskId": "t1",
        "state": "success",
        "resultJson": '{"resultUrls": ["https://x/1.png"]}',
        **fields,
    }


def test_parse_task_reads_the_documented_shape() -> None:
    task = parse_task(data(createTime=1765179922911, completeTime=1765179942911, costTime=20))
    assert task.state is TaskState.SUCCESS
    assert task.image_urls == ("https://x/1.png",)
    assert task.created_at == datetime(2025, 12, 8, 7, 45, 22, 911000, tzinfo=UTC)
    assert task.fail_code is None


@pytest.mark.parametrize(
    ("fields", "attribute", "expected"),
    [
        ({"state": "paused"}, "state", TaskState.UNKNOWN),
        ({"state": "SUCCESS"}, "state", TaskState.SUCCESS),
        ({"state": None}, "state", TaskState.UNKNOWN),
        ({"state": "fail", "failCode": 422}, "fail_code", "422"),
        ({"state": "fail", "failCode": None}, "fail_code", None),
        ({"state": "fail", "failCode": ""}, "fail_code", None),
        ({"createTime": 1765179922}, "created_at", datetime(2025, 12, 8, 7, 45, 22, tzinfo=UTC)),
        (
            {"createTime": "2025-12-08T07:45:22Z"},
            "created_at",
            datetime(2025, 12, 8, 7, 45, 22, tzinfo=UTC),
        ),
        ({"createTime": "yesterday"}, "created_at", None),
        ({"creditsConsumed": "12.5"}, "credits_consumed", 12.5),
        ({"creditsConsumed": "lots"}, "credits_consumed", None),
        ({"resultJson": {"resultUrls": ["https://x/2.png"]}}, "image_urls", ("https://x/2.png",)),
        ({"taskId": None, "task_id": "t9"}, "task_id", "t9"),
    ],
)
def test_parse_task_tolerates_the_variants(
    fields: dict[str, object], attribute: str, expected: object
) -> None:
    assert getattr(parse_task(data(**fields)), attribute) == expected


@pytest.mark.parametrize("result", ["{not json", '{"resultUrls": "x"}', "[]"])
def test_an_unreadable_result_is_an_error_naming_the_task(result: str) -> None:
    with pytest.raises(UnexpectedResponseError) as info:
        parse_task(data(resultJson=result))
    assert info.value.task_id == "t1"


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after({"retry-after": "7"}) == 7
    assert retry_after({"retry-after": "Thu, 01 Jan 2026 00:00:30 GMT"}, now) == 30
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


def envelope(data: object, code: int = 200) -> HttpResponse:
    return HttpResponse(200, {}, json.dumps({"code": code, "msg": "ok", "data": data}).encode())


def test_wait_keeps_polling_through_states_it_does_not_know() -> None:
    core = Core.configure(
        "k",
        base_url="https://api.example.com",
        upload_base_url=None,
        timeout=C.DEFAULT_TIMEOUT,
        max_retries=0,
        poll=PollPolicy(initial=1.0, jitter=0.0),
        rate_limit=None,
        allow_insecure=False,
    )
    updates: list[TaskState] = []
    flow = core.wait("t1", timeout=None, poll=None, on_update=lambda t: updates.append(t.state))
    effect = next(flow)
    answers = [data(state="paused"), data(state="resuming"), data()]
    for answer in answers[:-1]:
        assert isinstance(effect, Send)
        assert effect.request.params == {"taskId": "t1"}
        assert flow.send(envelope(answer)) == Sleep(1.0, wake="t1")  # a callback may cut it short
        effect = next(flow)
    with pytest.raises(StopIteration) as done:
        flow.send(envelope(answers[-1]))
    assert done.value.value.succeeded
    assert updates == [TaskState.UNKNOWN, TaskState.SUCCESS]
