"""`ideogram-character mcp` as a process, through the SDK's client over stdio and over
streamable HTTP: the session of support.py, with the key of a loopback fake in the server's
environment and never in an answer, on stderr or in a traceback."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from ideogram_facade._journal import Journal
from ideogram_facade._transport import tls_context
from ideogram_facade.cli._mcp import JOURNAL_NAME
from ideogram_facade.testing import FakeApikley
from tests.cli.support import CLI, check_output, cli_env, is_png

from .support import URL, exercise, images, succeeded

# A server process each (about a second to start, most of it importing the SDK).
pytestmark = pytest.mark.slow


def test_every_tool_over_stdio(fake: FakeApikley, tmp_path: Path) -> None:
    from mcp import ClientSession, StdioServerParameters, stdio_client  # support.py: why here

    out = tmp_path / "out"
    pictures = images(tmp_path / "in")
    server = StdioServerParameters(
        command=CLI[0], args=[*CLI[1:], "mcp", "--out", str(out)], env=cli_env(fake)
    )
    log = tmp_path / "stderr.txt"

    async def session() -> None:
        with log.open("w") as errlog:
            async with (
                stdio_client(server, errlog=errlog) as (read, write),
                ClientSession(read, write) as client,
            ):
                await client.initialize()
                await exercise(client, out, pictures, is_png)

    anyio.run(session)
    check_output("", log.read_text())
    assert f"mcp: serving on stdio; images in {out}" in log.read_text()


def test_the_sandbox_serves_with_no_key_into_a_journal_of_its_own(tmp_path: Path) -> None:
    from mcp import ClientSession, StdioServerParameters, stdio_client

    out = tmp_path / "out"
    server = StdioServerParameters(
        command=CLI[0], args=[*CLI[1:], "mcp", "--sandbox", "--out", str(out)], env=cli_env()
    )
    log = tmp_path / "stderr.txt"

    async def session() -> dict[str, Any]:
        with log.open("w") as errlog:
            async with (
                stdio_client(server, errlog=errlog) as (read, write),
                ClientSession(read, write) as client,
            ):
                await client.initialize()
                arguments = {"prompt": "a pilot", "reference_image": URL}
                answer = await client.call_tool("generate_character", arguments)
                return succeeded(answer, "generate_character")

    made = anyio.run(session)
    check_output("", log.read_text())
    (saved,) = map(Path, made["files"])
    assert saved.parent == out
    assert is_png(saved)
    # The journal holds the sandbox's task, marked as a sandbox's: a server on the service
    # would refuse it rather than look for its tasks there.
    journal = Journal.open(out / JOURNAL_NAME, sandbox=True)
    try:
        assert [entry.task_id for entry in journal.entries()] == [made["task_id"]]
    finally:
        journal.close()


@contextmanager
def http_server(fake: FakeApikley, out: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The server on a free loopback port; its URL, from the line that says where it listens."""
    process = subprocess.Popen(
        [*CLI, "mcp", "--http", "127.0.0.1:0", "--out", str(out)],
        env=cli_env(fake),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()  # ends with the process if it fails first
        assert "mcp: listening on http://127.0.0.1:" in first, first + process.stderr.read()
        yield first.split("listening on ", 1)[1].split(";", 1)[0], process
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=30)
        check_output(stdout, stderr)


def test_every_tool_over_streamable_http(fake: FakeApikley, tmp_path: Path) -> None:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    out = tmp_path / "out"
    pictures = images(tmp_path / "in")
    with http_server(fake, out) as (url, _):

        async def session() -> None:
            async with (
                streamable_http_client(url) as (read, write),
                ClientSession(read, write) as client,
            ):
                await client.initialize()
                await exercise(client, out, pictures, is_png)

        anyio.run(session)
        # The SDK's guard against DNS rebinding: a page of another site, whose name resolves
        # to this machine, cannot drive the server.
        rebound = httpx.post(
            url,
            headers={"Host": "attacker.example:80", "Content-Type": "application/json"},
            content=b"{}",
            trust_env=False,
            verify=tls_context(),
        )
        assert rebound.status_code in (400, 403, 421), rebound.status_code
