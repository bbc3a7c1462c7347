"""Pytest fixtures for the fake; registered through the `pytest11` entry point.

def test_my_code(fake_apikley):
    with fake_apikley.client() as client:                  # a CharacterClient bound to it
        task = client.generate("a knight", "https://example.com/me.png")
    assert fake_apikley.creates_accepted == 1

async def test_my_async_code(fake_apikley):                # with your async test runner
    async with fake_apikley.async_client() as client:
        await client.generate("a knight", "https://example.com/me.png")

def test_failure(fake_apikley):
    fake_apikley.script_next_task(fail=("500", "content policy"))
    ...
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ideogram_facade.testing._fake import FakeApikley
from ideogram_facade.testing._tasks import TaskTiming


@pytest.fixture
def fake_apikley() -> Iterator[FakeApikley]:
    """A started fake whose tasks finish within 0.15 s; stopped after the test."""
    with FakeApikley(timing=TaskTiming.fast()) as fake:
        yield fake
