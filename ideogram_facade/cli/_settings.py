"""Building a client from the command line and the environment."""

from __future__ import annotations

import argparse
import os

from ideogram_facade import (
    API_KEY_ENV,
    AsyncCharacterClient,
    Budget,
    CharacterClient,
    PollPolicy,
)
from ideogram_facade._journal import Journal

from ._exitcodes import CliError, ExitCode

# Undocumented on purpose: tests (and the impatient) shorten polling to a fixed interval.
POLL_INTERVAL_ENV = "IDEOGRAM_CHARACTER_POLL_INTERVAL"


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


def sync_client(args: argparse.Namespace) -> CharacterClient:
    """The client of a one-task command; with `--journal PATH`, it journals its tasks."""
    check_key(args.sandbox)
    journal = getattr(args, "journal", None)
    return CharacterClient(
        poll=poll_policy(), sandbox=args.sandbox, journal=journal, budget=budget(args)
    )


def async_client(args: argparse.Namespace, journal: Journal | None = None) -> AsyncCharacterClient:
    check_key(args.sandbox)
    return AsyncCharacterClient(
        poll=poll_policy(), sandbox=args.sandbox, journal=journal, budget=budget(args)
    )
