"""Exit codes, and the one line on stderr that says what failed and what to do next."""

from __future__ import annotations

import enum
import os
import re
import signal
import sys

from ideogram_facade import (
    API_KEY_ENV,
    APIConnectionError,
    ApikleyError,
    AuthenticationError,
    BudgetExceededError,
    GenerationFailedError,
    InsufficientCreditsError,
    InvalidRequestError,
    JournalError,
    SaveError,
    SubmissionUncertainError,
    TaskTimeoutError,
)

PROG = "ideogram-character"


class ExitCode(enum.IntEnum):
    """What the process exit status means; docs/cli.md has the same table."""

    OK = 0
    ERROR = 1  # any other API error: 5xx, maintenance, rate limit, unknown task, odd answer
    USAGE = 2  # argparse's own code for a bad command line
    AUTH = 3
    CREDITS = 4
    INVALID = 5
    GENERATION_FAILED = 6
    TIMEOUT = 7
    NETWORK = 8
    UNCERTAIN = 9
    FILE = 10
    BATCH_FAILED = 11
    SAVE = 12  # paid, done, not saved: the message names the download command
    JOURNAL = 13  # the journal cannot be used or written; accepted ids are printed
    BUDGET = 14  # a submit would pass --max-credits: nothing was sent
    INTERNAL = 70  # sysexits' EX_SOFTWARE: a bug in this program
    INTERRUPTED = 128 + signal.SIGINT
    TERMINATED = 128 + signal.SIGTERM


class CliError(Exception):
    """A failure the CLI detected itself, with its exit code and the advice to print."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Interrupted(Exception):
    """SIGINT or SIGTERM stopped the command; `detail` says what was left running."""

    def __init__(self, code: ExitCode, detail: str = "") -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


# Most specific first: SubmissionUncertainError and APITimeoutError have broader parents.
_API_ERRORS: tuple[tuple[type[ApikleyError], ExitCode, str], ...] = (
    (SubmissionUncertainError, ExitCode.UNCERTAIN, "submission uncertain"),
    (SaveError, ExitCode.SAVE, "cannot save the images"),
    (JournalError, ExitCode.JOURNAL, "journal"),
    (BudgetExceededError, ExitCode.BUDGET, "over the credit budget"),
    (AuthenticationError, ExitCode.AUTH, "authentication failed"),
    (InsufficientCreditsError, ExitCode.CREDITS, "not enough credits"),
    (InvalidRequestError, ExitCode.INVALID, "invalid request"),
    (GenerationFailedError, ExitCode.GENERATION_FAILED, "generation failed"),
    (TaskTimeoutError, ExitCode.TIMEOUT, "timed out"),
    (APIConnectionError, ExitCode.NETWORK, "network error"),
)


def classify(error: ApikleyError) -> tuple[ExitCode, str]:
    """The exit code and a short label for an API error."""
    for cls, code, label in _API_ERRORS:
        if isinstance(error, cls):
            return code, label
    return ExitCode.ERROR, "API error"


# The library's advice speaks Python; on the command line the same advice is a flag or a
# command. Each pattern is replaced wherever an error's message carries it.
_CLI_WORDS: tuple[tuple[str, str], ...] = (
    (r"pass overwrite=True to replace it", "pass --overwrite to replace it"),
    (r"pass api_key=\.\.\. or set", "set"),
    (r"use sandbox=True to try the client offline", "use --sandbox to try the CLI offline"),
    (r"Open it without sandbox=True", "Run the command without --sandbox"),
    (r"\(sandbox=True\)", "(--sandbox)"),
    (r"use https, or pass allow_insecure=True", "use https"),
    (r"\. Pass allow_private_urls=True to the client if you mean it", ""),
    (r"; wait\(\) for it", ""),
    (r"raise Budget\(max_credits=\.\.\.\)", "raise --max-credits"),
    (
        r"download\('([^']*)', \.\.\.\) fetches them",
        rf"`{PROG} download \1 --out DIR` fetches them",
    ),
)


def in_cli_words(message: str) -> str:
    """`message` with the library's advice in the command line's terms."""
    for pattern, replacement in _CLI_WORDS:
        message = re.sub(pattern, replacement, message)
    return message


def next_step(error: ApikleyError) -> str:
    """What to type next, in CLI terms: the library's own advice speaks Python."""
    task = error.task_id
    if isinstance(error, AuthenticationError):
        return f"check {API_KEY_ENV}, or use --sandbox to try offline"
    if isinstance(error, TaskTimeoutError) and task:
        return f"the task keeps running: {PROG} wait {task}"
    if isinstance(error, SubmissionUncertainError):
        return "look for the task in the Apikley dashboard before submitting again"
    if isinstance(error, APIConnectionError):
        return "check the network and APIKLEY_BASE_URL"
    return ""


def redact(text: str) -> str:
    """`text` without the API key, whatever path it took into a message."""
    key = os.environ.get(API_KEY_ENV, "").strip()
    return text.replace(key, "[redacted]") if len(key) >= 4 else text


def say(message: str) -> None:
    """One line on stderr, prefixed with the program's name."""
    print(f"{PROG}: {redact(message)}", file=sys.stderr, flush=True)


def report_api_error(error: ApikleyError, action: str) -> ExitCode:
    code, label = classify(error)
    step = next_step(error)
    detail = in_cli_words(str(error))
    say(f"{action}: {label}: {detail}" + (f"; {step}" if step else ""))
    return code
