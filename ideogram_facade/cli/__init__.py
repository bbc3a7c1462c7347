"""`ideogram-character`: the command line of ideogram-facade (`pip install ideogram-facade[cli]`).

    ideogram-character generate --sandbox "the same man as a 1920s pilot" --reference me.png
    ideogram-character batch prompts.jsonl --out shots/ --concurrency 8

Commands: generate, submit, status, wait, download, credits, upload, batch, tasks, resume,
and mcp (a Model Context Protocol server for AI agents, with the `mcp` extra); each takes
--sandbox (an in-process fake service: no key, no network), and all but mcp --json. The key
comes from APIKLEY_API_KEY and is never printed. rich (the `cli` extra) draws the live status line,
the progress bar and the tables; without it the same information comes as plain lines.
docs/cli.md is the manual.

Exit codes (also in `--help`):

    0    success
    1    another API error (server error, maintenance, rate limit, unknown task)
    2    usage: the command line is wrong (argparse)
    3    authentication: no API key, or the key was refused
    4    not enough credits
    5    invalid request (InvalidRequestError: a field out of range, a bad URL)
    6    generation failed (the task ended in state fail)
    7    timed out waiting for the task (TaskTimeoutError; it keeps running: use `wait`)
    8    network error (APIConnectionError: the service could not be reached)
    9    submission uncertain (createTask may have been accepted: check the dashboard)
    10   a local file could not be read or written
    11   batch: some lines failed or did not finish
    12   the task is done but its images could not be saved (SaveError): download it later
    13   the journal cannot be used or written (another batch holds it, --force, a full disk)
    14   a submit would pass the credit budget (--max-credits, BudgetExceededError): none sent
    70   internal error (a bug: please report it)
    130  interrupted (SIGINT, Ctrl-C)
    143  terminated (SIGTERM)
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TextIO

import ideogram_facade
from ideogram_facade import ApikleyError

from ._exitcodes import CliError, ExitCode, Interrupted, report_api_error, say
from ._parser import build_parser, parse

__all__ = ["ExitCode", "main"]

# Set to see the traceback of an internal error instead of the one-line report.
DEBUG_ENV = "IDEOGRAM_CHARACTER_DEBUG"


def _command_table() -> dict[str, Callable[[argparse.Namespace], int]]:
    # Imported on use: `--help` and usage errors stay fast and need no client. (Not named
    # `_commands`: importing the submodule of that name would replace it on the package.)
    from . import _batch, _commands, _mcp

    return {
        "generate": _commands.generate,
        "submit": _commands.submit,
        "status": _commands.status,
        "wait": _commands.wait,
        "download": _commands.download,
        "credits": _commands.credits,
        "upload": _commands.upload,
        "batch": _batch.batch,
        "tasks": _commands.tasks,
        "resume": _commands.resume,
        "mcp": _mcp.serve,
    }


class _StderrHandler(logging.StreamHandler[TextIO]):
    """The handler this module installs: main() called twice adds one. It writes to
    `sys.stderr` as it is at each record (as logging's own last resort does), never to the
    stream of an earlier call, which may be closed by now."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass  # always sys.stderr


def _logging(verbose: bool) -> None:
    """The library's log records as plain lines on stderr (the sandbox notice, -v requests)."""
    logger = logging.getLogger(ideogram_facade.__name__)
    if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logger.propagate = False


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM ends a one-task command like Ctrl-C: with a message naming the running task."""

    def terminated(number: int, frame: FrameType | None) -> None:
        raise Interrupted(ExitCode.TERMINATED)

    try:
        previous = signal.signal(signal.SIGTERM, terminated)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    action = args.command
    try:
        with _sigterm_interrupts():
            return _command_table()[action](args)
    except CliError as error:
        say(error.message)
        return error.code
    except ApikleyError as error:
        return report_api_error(error, action)
    except KeyboardInterrupt:
        say("interrupted")
        return ExitCode.INTERRUPTED
    except Interrupted as stop:
        say("interrupted" + (f": {stop.detail}" if stop.detail else ""))
        return stop.code
    except OSError as error:
        say(f"{action}: {error}")
        return ExitCode.FILE
    except Exception as error:
        if os.environ.get(DEBUG_ENV):
            raise
        say(
            f"{action}: internal error: {type(error).__name__}: {error}. Please report it "
            f"(set {DEBUG_ENV}=1 for the traceback)"
        )
        return ExitCode.INTERNAL


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    parser = build_parser()
    try:
        args = parse(parser, argv)
    except SystemExit as exit_:  # --help, --version and usage errors
        return exit_.code if isinstance(exit_.code, int) else ExitCode.USAGE
    _logging(args.verbose)
    return int(_run(args))
