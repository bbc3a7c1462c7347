"""The pytest plugin users get with the package: the README's example, as written."""

from __future__ import annotations

import asyncio

from ideogram_facade import AsyncCharacterClient, CharacterClient
from ideogram_facade.testing import FakeApikley

URL = "https://example.com/me.png"


def test_fake_apikley_gives_a_running_fake_and_a_bound_client(fake_apikley: FakeApikley) -> None:
    with fake_apikley.client() as client:
        assert isinstance(client, CharacterClient)
        assert client.generate("a knight", URL).succeeded
    assert fake_apikley.creates_accepted == 1


def test_fake_apikley_gives_a_bound_async_client(fake_apikley: FakeApikley) -> None:
    async def main() -> bool:
        async with fake_apikley.async_client() as client:
            assert isinstance(client, AsyncCharacterClient)
            return (await client.generate("a knight", URL)).succeeded

    assert asyncio.run(main())
    assert fake_apikley.creates_accepted == 1


def test_settings_given_to_the_factory_win(fake_apikley: FakeApikley) -> None:
    with fake_apikley.client(max_retries=0) as client:
        assert client._core.max_retries == 0
