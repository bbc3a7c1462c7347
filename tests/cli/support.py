"""Running `ideogram-character` as a subprocess against a FakeApikley of the test process.

No tests here: helpers for test_cli.py and test_cli_batch.py. Every run is checked for the
two promises that hold for all commands: no traceback, and no API key in anything printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
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


def run_cli(
    *args: str | Path,
    env: Mapping[str, str],
    cwd: Path | None = None,
    command: Sequence[str] = CLI,
    timeout: float = 30,
) -> Result:
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
