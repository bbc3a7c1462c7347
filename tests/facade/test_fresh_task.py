"""A task this client just created that the service does not know yet: ridden out for a
short grace, then (or for any other id) `TaskNotFoundError` naming the task."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ideogram_facade import InvalidRequestError, PollPolicy, TaskNotFoundError
from ideogram_facade.testing import FakeApikley, Fault
from tests.conftest import Guarded

URL = "https://example.com/portrait.png"
UNKNOWN = Fault.body_code(422, "recordInfo is null")  # as observed for an unknown taskId
QUICK = {"initial": 0.01, "maximum": 0.01, "jitter": 0.0}


def test_a_fresh_task_unknown_for_a_moment_is_waited_for(
    client: Guarded, fake: FakeApikley
) -> None:
    task_id = client.submit("a knight", URL)
    fake.inject("recordInfo", UNKNOWN, times=3)
    task = client.wait(task_id)
    assert task.succeeded
    assert fake.polls(task_id) >= 4


def test_generate_rides_it_out_too(client: Guarded, fake: FakeApikley) -> None:
    fake.inject("recordInfo", UNKNOWN, times=2)
    assert client.generate("a knight", URL).succeeded


def test_a_task_this_client_did_not_create_is_not_found_at_once(
    make_client: Callable[..., Guarded], fake: FakeApikley
) -> None:
    task_id = make_client().submit("a knight", URL)
    other = make_client()
    fake.inject("recordInfo", UNKNOWN)
    with pytest.raises(TaskNotFoundError) as caught:
        other.wait(task_id)
    assert caught.value.task_id == task_id
    assert fake.polls(task_id) == 1


def test_past_the_grace_the_task_is_not_found(
    make_client: Callable[..., Guarded], fake: FakeApikley
) -> None:
    client = make_client(poll=PollPolicy(**QUICK, fresh_task_grace=0.2))
    task_id = client.submit("a knight", URL)
    fake.inject("recordInfo", UNKNOWN, times=1000)
    with pytest.raises(TaskNotFoundError) as caught:
        client.wait(task_id)
    assert caught.value.task_id == task_id
    assert 2 <= fake.polls(task_id) < 1000


def test_no_grace_when_it_is_turned_off(
    make_client: Callable[..., Guarded], fake: FakeApikley
) -> None:
    client = make_client(poll=PollPolicy(**QUICK, fresh_task_grace=0))
    task_id = client.submit("a knight", URL)
    fake.inject("recordInfo", UNKNOWN)
    with pytest.raises(TaskNotFoundError):
        client.wait(task_id)


def test_a_negative_grace_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="fresh_task_grace must be >= 0"):
        PollPolicy(fresh_task_grace=-1)
