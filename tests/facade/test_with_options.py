"""`with_options()`: other settings for some calls, the same pool, limits and parent."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ideogram_facade import (
    InvalidRequestError,
    PollPolicy,
    RateLimit,
    ServerError,
)
from ideogram_facade.testing import FakeApikley, Fault, TaskTiming
from tests.conftest import Guarded

URL = "https://example.com/portrait.png"


def credit_requests(fake: FakeApikley) -> int:
    return sum(record.endpoint == "credit" for record in fake.requests)


def test_the_child_has_its_settings_and_the_parent_keeps_its_own(
    client: Guarded, fake: FakeApikley
) -> None:
    child = client.with_options(max_retries=0)
    fake.inject("credit", Fault.http_status(500))
    with pytest.raises(ServerError):
        child.credits()
    assert credit_requests(fake) == 1  # not retried
    fake.inject("credit", Fault.http_status(500))
    assert client.credits() == fake.credits  # the parent still retries
    assert credit_requests(fake) == 3


def test_a_poll_policy_applies_to_the_child_only(
    make_client: Callable[..., Guarded], fake: FakeApikley
) -> None:
    # The parent polls every 10 minutes: with its policy, a wait that finds the task running
    # would time out. The child's wait sees it end (the schedule itself is tested on a virtual
    # clock in tests/facade/test_flows.py).
    client = make_client(poll=PollPolicy(initial=600, maximum=600, jitter=0.0))
    fake.script_next_task(timing=TaskTiming(generating=0.5))
    task_id = client.submit("a knight", URL)
    quick = client.with_options(poll=PollPolicy(initial=0.01, maximum=0.01, jitter=0.0))
    assert quick.wait(task_id, timeout=60).succeeded


def test_the_child_shares_the_parent_s_connections(client: Guarded, fake: FakeApikley) -> None:
    client.credits()
    child = client.with_options(timeout=7)
    child.credits()
    child.credits()
    assert fake.peak_connections == 1  # one kept-alive connection, from one pool


def test_closing_the_child_leaves_the_parent_working(client: Guarded, fake: FakeApikley) -> None:
    child = client.with_options(max_retries=1)
    child.credits()
    child.close()
    assert client.credits() == fake.credits


def test_the_child_keeps_the_parent_s_rate_limit(
    make_client: Callable[..., Guarded], fake: FakeApikley
) -> None:
    parent = make_client(
        rate_limit=RateLimit(polls_per_second=4),
        poll=PollPolicy(initial=0.01, maximum=0.01, jitter=0.0),
    )
    task_id = parent.submit("a knight", URL)
    child = parent.with_options(max_retries=0)
    for _ in range(4):
        parent.get_task(task_id)
    for _ in range(4):
        child.get_task(task_id)
    assert fake.peak_rate("recordInfo", 1.0) <= 4


def test_bad_settings_are_refused(client: Guarded) -> None:
    with pytest.raises(InvalidRequestError, match="max_retries must be an int >= 0"):
        client.with_options(max_retries=-1)
