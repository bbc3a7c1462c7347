"""Running `ideogram-character` against a FakeApikley of the test process.

No tests here: helpers for the CLI's tests. `run_cli` calls the CLI's `main()` in this process,
with its own environment, working directory, stdout and stderr (a new Python for each command
cost most of the CLI tests' time); a run that needs a process of its own (a file size limit,
an install without rich, signals) passes `command=` and gets a subprocess. Every run is
checked for the two promises that hold for all commands: no traceback, and no API key in
anything printed.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ideogram_facade.testing import FakeApikley
from tests.conftest import SECRETS, assert_no_secret

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CLI = [sys.executable, "-m", "ideogram_facade.cli"]
# The same CLI with rich made unimportable, as on an install without the `cli` extra.
CLI_WITHOUT_RICH = [
    sys.executable,
    "-c",
    "import sys; sys.modules['rich'] = None; "
    "from ideogram_facade.cli import main; sys.exit(main(sys.argv[1:]))",
]
# The CLI's hidden knob: poll every 20 ms instead of the default schedule starting at 2.5 s.
FAST_POLL_ENV = {"IDEOGRAM_CHARACTER_POLL_INTERVAL": "0.02"}


def with_file_limit(limit: int) -> list[str]:
    """The CLI in a process that can write no file past `limit` bytes (a disk that is full),
    a real failure of the OS that also holds when the tests run as root."""
    return [
        sys.executable,
        "-c",
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
        "from ideogram_facade.cli import main; sys.exit(main(sys.argv[1:]))",
    ]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def cli_env(fake: FakeApikley | None = None, **extra: str) -> dict[str, str]:
    """The environment of a CLI run: the fake's URLs and key, nothing inherited from APIKLEY_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APIKLEY_", "IDEOGRAM_"))}
    env.update(FAST_POLL_ENV)
    env["NO_COLOR"] = "1"
    if fake is not None:
        env["APIKLEY_API_KEY"] = fake.api_key
        env["APIKLEY_BASE_URL"] = fake.base_url
        env["APIKLEY_UPLOAD_BASE_URL"] = fake.upload_base_url
    env.update(extra)
    if env.get("APIKLEY_API_KEY"):
        SECRETS.add(env["APIKLEY_API_KEY"])
    return env


def check_output(stdout: str, stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert_no_secret(stdout, "the CLI's stdout")
    assert_no_secret(stderr, "the CLI's stderr")


@contextlib.contextmanager
def _as_a_process(env: Mapping[str, str], cwd: Path | None) -> Iterator[None]:
    """This process with `env` as its whole environment and `cwd` as its directory, and the
    library's logger as the CLI found it, restored after."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    logger = logging.getLogger("ideogram_facade")
    saved_logger = (list(logger.handlers), logger.level, logger.propagate)
    os.environ.clear()
    os.environ.update(env)
    if cwd is not None:
        os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        logger.handlers[:], logger.level, logger.propagate = saved_logger


def run_cli(
    *args: str | Path,
    env: Mapping[str, str],
    cwd: Path | None = None,
    command: Sequence[str] | None = None,
    timeout: float = 60,
) -> Result:
    """The CLI run with `args`: in this process, or as `command` (a subprocess) if given."""
    if command is None:
        from ideogram_facade.cli import main

        stdout, stderr = io.StringIO(), io.StringIO()
        with (
            _as_a_process(env, cwd),
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
        ):
            code = main([str(arg) for arg in args])
        check_output(stdout.getvalue(), stderr.getvalue())
        return Result(code, stdout.getvalue(), stderr.getvalue())
    done = subprocess.run(
        [*command, *map(str, args)],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    check_output(done.stdout, done.stderr)
    return Result(done.returncode, done.stdout, done.stderr)


def is_png(path: Path) -> bool:
    return path.read_bytes().startswith(PNG_SIGNATURE)
