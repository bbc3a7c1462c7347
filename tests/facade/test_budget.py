"""The credit budget (`Budget`): what each submit reserves, when a reservation is given back or
settled, and that a submit that would pass `max_credits` sends nothing.

The decisions run through the flow driver on a virtual clock, once per storage (memory, and
the shared ones on real servers: a sqlite file, redis-server, PostgreSQL), two cores sharing a
storage standing for two processes. The socket tests run both clients against the fake; the
process test (test_budget_processes.py) runs workers that share one storage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from ideogram_facade import (
    APIConnectionError,
    BadRequestError,
    Budget,
    BudgetExceededError,
    GenerationFailedError,
    InvalidRequestError,
    SubmissionUncertainError,
)
from ideogram_facade._budget import Ledger
from ideogram_facade._core import Core
from ideogram_facade.testing import FakeApikley
from tests.conftest import SECRETS, Guarded
from tests.driver import Driver, VirtualClock, make_core, ok, refused, task

URL = "https://example.com/portrait.png"
MODEL = "ideogram/character"
# Every reservation in these tests is 30 credits an image, whatever the client's table says.
COSTS = {(MODEL, speed): 30.0 for speed in ("TURBO", "BALANCED", "QUALITY")}
PASSWORD = "budget-pw-not-shown"
SECRETS.add(PASSWORD)


SHARED = ["sqlite", "redis", "postgresql"]  # the storages that processes can share


@pytest.fixture(params=["memory", *SHARED])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A budget storage, empty."""
    return empty_storage(request.param, request, tmp_path)


@pytest.fixture(params=SHARED)
def shared_storage(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A budget storage that processes can share, empty."""
    return empty_storage(request.param, request, tmp_path)


def empty_storage(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite://{tmp_path / 'budget.db'}"
    if kind == "redis":
        import redis

        url = request.getfixturevalue("redis_url").rsplit("/", 1)[0] + "/1"
        with redis.Redis.from_url(url) as server:
            server.flushdb()  # one budget per storage: this test's
        return str(url)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(1000.0)


LEDGERS: list[Ledger] = []


@pytest.fixture(autouse=True)
def close_ledgers() -> Iterator[None]:
    """Each ledger a test opened is closed after it (a client's close() does the same)."""
    yield
    while LEDGERS:
        LEDGERS.pop().close()


def ledger(max_credits: float, storage: str) -> Ledger:
    LEDGERS.append(Ledger(Budget(max_credits, storage=storage, costs=COSTS)))
    return LEDGERS[-1]


def budgeted(clock: VirtualClock, storage: str, max_credits: float) -> Core:
    core = make_core(clock)
    core.budget = ledger(max_credits, storage)
    return core


def created(*task_ids: str) -> list[object]:
    return [ok({"taskId": task_id}) for task_id in task_ids]


# -- reserving ------------------------------------------------------------------------------


def test_a_submit_that_would_pass_the_budget_raises_and_sends_nothing(
    clock: VirtualClock, storage: str
) -> None:
    core = budgeted(clock, storage, 50)
    driver = Driver(clock, created("t1"))  # type: ignore[arg-type]
    assert driver.run(core.submit("a knight", URL, {})) == "t1"
    with pytest.raises(BudgetExceededError) as caught:
        driver.run(core.submit("a knight", URL, {}))
    assert driver.sends() == [(1000.0, "createTask")]
    error = caught.value
    assert (error.max_credits, error.spent, error.reserved, error.needed) == (50, 0, 30, 30)
    assert "has 20 left" in error.message
    assert "Nothing was sent" in error.message
    assert "raise Budget(max_credits=...)" in error.message


def test_a_refused_submit_uploads_nothing(
    clock: VirtualClock, storage: str, tmp_path: Path
) -> None:
    portrait = tmp_path / "me.png"
    portrait.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    core = budgeted(clock, storage, 29)
    driver = Driver(clock)
    with pytest.raises(BudgetExceededError):
        driver.run(core.submit("a knight", portrait, {}))
    assert driver.sends() == []  # not even the portrait's upload


def test_a_reservation_is_the_images_times_the_cost_of_one(
    clock: VirtualClock, storage: str
) -> None:
    core = budgeted(clock, storage, 100)
    driver = Driver(clock, created("t1"))  # type: ignore[arg-type]
    driver.run(core.submit("a knight", URL, {"num_images": 2}))
    with pytest.raises(BudgetExceededError) as caught:
        driver.run(core.submit("a knight", URL, {"num_images": 2}))
    assert (caught.value.reserved, caught.value.needed) == (60, 60)


def test_a_shared_budget_is_reserved_just_before_create_task_leaves(
    clock: VirtualClock, storage: str
) -> None:
    core = budgeted(clock, storage, 100)
    driver = Driver(clock, created("t1"))  # type: ignore[arg-type]
    driver.run(core.submit("a knight", URL, {}))
    if storage == "memory://":  # decided in the core: no storage step, nothing to wait for
        assert driver.kinds() == ["send createTask"]
    else:
        assert driver.kinds() == ["limit check", "limit reserve", "send createTask", "limit assign"]


# -- giving back and settling ---------------------------------------------------------------


def test_a_submit_the_service_refused_gives_its_reservation_back(
    clock: VirtualClock, storage: str
) -> None:
    core = budgeted(clock, storage, 30)
    driver = Driver(clock, [refused(422, "bad prompt"), *created("t1")])  # type: ignore[list-item]
    with pytest.raises(BadRequestError):
        driver.run(core.submit("a knight", URL, {}))
    assert driver.run(core.submit("a knight", URL, {})) == "t1"


def test_a_submit_whose_answer_was_lost_keeps_its_reservation(
    clock: VirtualClock, storage: str
) -> None:
    core = budgeted(clock, storage, 59)
    driver = Driver(clock, [httpx.ReadTimeout("lost")])
    with pytest.raises(SubmissionUncertainError):
        driver.run(core.submit("a knight", URL, {}))
    with pytest.raises(BudgetExceededError) as caught:
        driver.run(core.submit("a knight", URL, {}))  # the lost one may exist and be paid for
    assert caught.value.reserved == 30


def test_an_ended_task_settles_at_what_it_consumed_once(clock: VirtualClock, storage: str) -> None:
    core = budgeted(clock, storage, 70)
    driver = Driver(clock, created("t1", "t2"))  # type: ignore[arg-type]
    driver.run(core.submit("a knight", URL, {}))
    driver.run(core.submit("a knight", URL, {}))
    with pytest.raises(BudgetExceededError):
        driver.run(core.submit("a knight", URL, {}))
    ended = task("t1", "success", creditsConsumed=10)
    driver.answers.extend([ended, ended, *created("t3")])  # type: ignore[list-item]
    driver.run(core.get_task("t1"))
    driver.run(core.get_task("t1"))  # read again: not counted again
    assert driver.run(core.submit("a knight", URL, {})) == "t3"  # 10 + 30 + 30 = 70
    with pytest.raises(BudgetExceededError) as caught:
        driver.run(core.submit("a knight", URL, {}))
    assert (caught.value.spent, caught.value.reserved) == (10, 60)


def test_a_failed_task_that_consumed_nothing_frees_its_reservation(
    clock: VirtualClock, storage: str
) -> None:
    core = budgeted(clock, storage, 30)
    failed = task("t1", "fail", failMsg="nope", creditsConsumed=0)
    driver = Driver(clock, [*created("t1"), failed, *created("t2")])  # type: ignore[list-item]
    with pytest.raises(GenerationFailedError):
        driver.run(core.generate("a knight", URL, {}, timeout=60, on_update=None))
    assert driver.run(core.submit("a knight", URL, {})) == "t2"


def test_a_task_that_does_not_say_what_it_consumed_counts_its_reservation(
    clock: VirtualClock, storage: str
) -> None:
    core = budgeted(clock, storage, 59)
    driver = Driver(clock, [*created("t1"), task("t1", "success")])  # type: ignore[list-item]
    driver.run(core.submit("a knight", URL, {}))
    driver.run(core.get_task("t1"))
    with pytest.raises(BudgetExceededError) as caught:
        driver.run(core.submit("a knight", URL, {}))
    assert (caught.value.spent, caught.value.reserved) == (30, 0)


def test_a_task_that_cost_more_than_the_table_raises_later_reservations(
    clock: VirtualClock, storage: str
) -> None:
    core = budgeted(clock, storage, 45 + 44)  # one more at the table's 30 would fit
    dearer = task("t1", "success", creditsConsumed=45)
    driver = Driver(clock, [*created("t1"), dearer])  # type: ignore[list-item]
    driver.run(core.submit("a knight", URL, {}))
    driver.run(core.get_task("t1"))
    with pytest.raises(BudgetExceededError) as caught:
        driver.run(core.submit("a knight", URL, {}))
    assert (caught.value.spent, caught.value.needed) == (45, 45)


def test_reading_a_task_this_budget_never_reserved_changes_nothing(
    clock: VirtualClock, storage: str
) -> None:
    core = budgeted(clock, storage, 30)
    driver = Driver(clock, [task("elsewhere", "success", creditsConsumed=30), *created("t1")])  # type: ignore[list-item]
    driver.run(core.get_task("elsewhere"))
    assert driver.run(core.submit("a knight", URL, {})) == "t1"


# -- shared between processes ---------------------------------------------------------------


def test_cores_sharing_a_storage_keep_one_budget_and_either_settles(
    clock: VirtualClock, shared_storage: str
) -> None:
    first = budgeted(clock, shared_storage, 70)
    second = budgeted(clock, shared_storage, 70)
    driver = Driver(clock, created("t1", "t2"))  # type: ignore[arg-type]
    driver.run(first.submit("a knight", URL, {}))
    driver.run(second.submit("a knight", URL, {}))
    with pytest.raises(BudgetExceededError):
        driver.run(first.submit("a knight", URL, {}))
    # The second process reads the end of the first's task: that settles it for both.
    driver.answers.extend([task("t1", "success", creditsConsumed=10), *created("t3")])  # type: ignore[list-item]
    driver.run(second.get_task("t1"))
    assert driver.run(first.submit("a knight", URL, {})) == "t3"  # 10 + 30 + 30 = 70


def test_an_unreachable_storage_fails_the_submit_before_anything_is_sent(
    clock: VirtualClock, tmp_path: Path
) -> None:
    core = budgeted(clock, f"sqlite://{tmp_path / 'missing' / 'budget.db'}", 100)
    driver = Driver(clock)
    with pytest.raises(APIConnectionError, match=r"the budget storage sqlite://.* failed"):
        driver.run(core.submit("a knight", URL, {}))
    assert driver.sends() == []


# -- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_credits": -1}, "max_credits must be a number of credits >= 0"),
        ({"max_credits": True}, "max_credits must be a number of credits >= 0"),
        ({"max_credits": 10, "costs": {"QUALITY": 5}}, "keys are (model, rendering_speed)"),
        ({"max_credits": 10, "costs": {(MODEL, "QUALITY"): -5}}, "must be a number of credits"),
        ({"max_credits": 10, "storage": "ftp://x"}, "Budget.storage must be memory://"),
        ({"max_credits": 10, "storage": "postgresql://h"}, "a PostgreSQL storage is"),
    ],
)
def test_a_wrong_budget_is_refused_with_what_it_takes(
    settings: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        Budget(**settings)  # type: ignore[arg-type]
    assert message in caught.value.message


def test_costs_for_a_model_or_speed_that_does_not_exist_are_refused() -> None:
    with pytest.raises(InvalidRequestError, match="the models are"):
        Ledger(Budget(10, costs={("ideogram/nope", "QUALITY"): 5}))


def test_a_budget_s_repr_hides_the_storage_password() -> None:
    budget = Budget(10, storage=f"postgresql://app:{PASSWORD}@db.internal/app")
    assert PASSWORD not in repr(budget)
    assert "postgresql://app@db.internal/app" in repr(budget)


# -- through both clients, over sockets ---------------------------------------------------


def test_a_client_s_budget_caps_what_its_tasks_consume(
    make_client: Callable[..., Guarded], fake: FakeApikley, tmp_path: Path
) -> None:
    # The fake charges 10 credits an image; the table is told so.
    costs = {(MODEL, "BALANCED"): 10.0}
    storage = f"sqlite://{tmp_path / 'budget.db'}"
    client = make_client(budget=Budget(25, storage=storage, costs=costs))
    other = make_client(budget=Budget(25, storage=storage, costs=costs))  # another process
    before = fake.credits
    assert client.generate("one", URL).task_id
    assert other.generate("two", URL).task_id
    with pytest.raises(BudgetExceededError) as caught:
        client.submit("three", URL)
    assert "has 5 left: 20 spent by ended tasks" in caught.value.message
    assert before - fake.credits == 20
    assert fake.creates_received == 2
