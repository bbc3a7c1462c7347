"""Building a client from the command line and the environment."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Literal, overload

from ideogram_facade import (
    API_KEY_ENV,
    DEFAULT_TIMEOUT,
    AsyncCharacterClient,
    Budget,
    CharacterClient,
    PollPolicy,
)
from ideogram_facade.journal import Journal

from ._exitcodes import CliError, ExitCode

if TYPE_CHECKING:
    import httpx2

# Undocumented on purpose: tests (and the impatient) shorten polling to a fixed interval.
POLL_INTERVAL_ENV = "IDEOGRAM_CHARACTER_POLL_INTERVAL"
# Undocumented on purpose: "httpx2" makes the CLI hand its client an httpx2 client, as a program
# with one of its own would (`nox -s httpx2` runs the CLI's tests so).
HTTP_LIBRARY_ENV = "IDEOGRAM_CHARACTER_HTTP_LIBRARY"


def poll_policy() -> PollPolicy:
    raw = os.environ.get(POLL_INTERVAL_ENV, "").strip()
    if not raw:
        return PollPolicy()
    try:
        seconds = float(raw)
    except ValueError:
        raise CliError(ExitCode.USAGE, f"{POLL_INTERVAL_ENV} must be a number of seconds") from None
    return PollPolicy(initial=seconds, maximum=seconds, jitter=0.0)


def check_key(sandbox: bool) -> None:
    # The library's own message speaks of api_key=...; a shell user needs the variable's name.
    if not sandbox and not os.environ.get(API_KEY_ENV, "").strip():
        raise CliError(
            ExitCode.AUTH,
            f"no API key: set {API_KEY_ENV} (get a key at https://app.apikley.ru/keys), "
            "or use --sandbox to try the CLI offline",
        )


def budget(args: argparse.Namespace) -> Budget | None:
    """`--max-credits N` (and `--budget-storage URI`), for the commands that take them."""
    max_credits = getattr(args, "max_credits", None)
    storage = getattr(args, "budget_storage", None)
    if max_credits is None:
        if storage is not None:
            raise CliError(ExitCode.USAGE, "--budget-storage needs --max-credits N")
        return None
    return Budget(max_credits, storage=storage or "memory://")


@contextlib.contextmanager
def sync_client(args: argparse.Namespace) -> Iterator[CharacterClient]:
    """The client of a one-task command; with `--journal PATH`, it journals its tasks."""
    check_key(args.sandbox)
    journal = getattr(args, "journal", None)
    spending = budget(args)
    http = _httpx2_client(asynchronous=False)
    try:
        with CharacterClient(
            poll=poll_policy(),
            sandbox=args.sandbox,
            journal=journal,
            http_client=http,
            budget=spending,
        ) as client:
            yield client
    finally:
        if http is not None:
            http.close()


@contextlib.asynccontextmanager
async def async_client(
    args: argparse.Namespace, journal: Journal | None = None
) -> AsyncIterator[AsyncCharacterClient]:
    check_key(args.sandbox)
    spending = budget(args)
    http = _httpx2_client(asynchronous=True)
    try:
        async with AsyncCharacterClient(
            poll=poll_policy(),
            sandbox=args.sandbox,
            journal=journal,
            http_client=http,
            budget=spending,
        ) as client:
            yield client
    finally:
        if http is not None:
            await http.aclose()


@overload
def _httpx2_client(*, asynchronous: Literal[False]) -> httpx2.Client | None: ...
@overload
def _httpx2_client(*, asynchronous: Literal[True]) -> httpx2.AsyncClient | None: ...
def _httpx2_client(*, asynchronous: bool) -> httpx2.Client | httpx2.AsyncClient | None:
    """None (the client makes its own), or what HTTP_LIBRARY_ENV asks for: an httpx2 client
    as a program would make one (httpx2's own pool), with the clients' default timeout and,
    like their own, no proxy from the environment."""
    library = os.environ.get(HTTP_LIBRARY_ENV, "").strip()
    if not library:
        return None
    if library != "httpx2":
        raise CliError(ExitCode.USAGE, f"{HTTP_LIBRARY_ENV} must be httpx2, or unset")
    try:
        import httpx2
    except ImportError:
        raise CliError(
            ExitCode.USAGE,
            f"{HTTP_LIBRARY_ENV}=httpx2 needs httpx2: pip install 'ideogram-facade[httpx2]'",
        ) from None
    timeout = httpx2.Timeout(**DEFAULT_TIMEOUT.as_dict())
    if asynchronous:
        return httpx2.AsyncClient(timeout=timeout, trust_env=False)
    return httpx2.Client(timeout=timeout, trust_env=False)
