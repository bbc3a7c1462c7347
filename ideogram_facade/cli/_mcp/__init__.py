"""`ideogram-character mcp`: a Model Context Protocol server (`pip install 'ideogram-facade[mcp]'`).

    ideogram-character mcp                           # stdio: an MCP client starts it
    ideogram-character mcp --http 127.0.0.1:8765     # streamable HTTP at http://127.0.0.1:8765/mcp
    ideogram-character mcp --sandbox                 # against an in-process fake service

Its tools (`_tools.py`) generate with each model, submit, and wait for, download, list and
resume tasks; docs/mcp.md is the manual. Images go into `--out` (by default a folder of the
user's data folder, so that a client that starts the server in `/` still has somewhere to
write), and every task the service accepts is in the journal (`--journal`, by default in that
folder) before the tool that made it answers, as `ideogram-character tasks` and `resume` read.

`mcp` (and Pillow, for the previews) are imported only here, when the command runs: importing
the package or the CLI imports neither.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import signal
import socket
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ideogram_facade import JournalError
from ideogram_facade.cli._commands import output_folder
from ideogram_facade.cli._exitcodes import (
    PROG,
    CliError,
    ExitCode,
    Interrupted,
    in_cli_words,
    say,
)
from ideogram_facade.cli._settings import async_client
from ideogram_facade.journal import Journal

if TYPE_CHECKING:
    import anyio
    from mcp.server import Server

JOURNAL_NAME = "ideogram-character-mcp-journal.sqlite3"
# The names a loopback listener answers to; the MCP SDK's DNS-rebinding guard checks the Host
# and Origin of each request against them.
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def data_folder() -> Path:
    """Where this program keeps its files for the user: the platform's data folder."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / PROG


def default_out(sandbox: bool) -> Path:
    """The images' folder when --out is not given; the sandbox's apart, with its own journal,
    as its tasks end with the process."""
    return data_folder() / ("mcp-sandbox" if sandbox else "mcp")


def listen_address(text: str, allow_remote: bool) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets) checked: a host other than this machine's loopback
    only with --allow-remote, as the server has no authentication of its own."""
    host, colon, port = text.rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port.isdigit() or int(port) > 65535:
        raise CliError(
            ExitCode.USAGE,
            f"mcp: --http takes HOST:PORT, as 127.0.0.1:8765 or [::1]:8765 (port 0: any free "
            f"port); got {text!r}",
        )
    if not allow_remote and not _is_loopback(host):
        raise CliError(
            ExitCode.USAGE,
            f"mcp: refusing to listen on {host}: the server has no authentication, so anyone "
            "who can reach it could spend the account's credits and read its task journal. "
            "Listen on a loopback address (127.0.0.1, localhost or ::1), or add --allow-remote "
            f"if every host that can reach {host} may do so",
        )
    return host, int(port)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def _require_mcp() -> None:
    try:
        import mcp  # noqa: F401
        import PIL  # noqa: F401
    except ImportError as error:
        raise CliError(
            ExitCode.USAGE,
            f"mcp: the MCP server needs the mcp extra ({error.name} is not installed): "
            "pip install 'ideogram-facade[mcp]'",
        ) from None


def serve(args: argparse.Namespace) -> int:
    """Run the server until its client goes (stdio) or it is stopped (HTTP: Ctrl-C)."""
    address = None if args.http is None else listen_address(args.http, args.allow_remote)
    _require_mcp()
    args.out = (args.out or default_out(args.sandbox)).expanduser()
    out = output_folder(args).resolve()  # the key checked first: no folder made for nothing
    where = args.journal or out / JOURNAL_NAME
    try:
        # Of the kind the client makes: a sandbox's tasks apart from the service's.
        journal = Journal.open(
            where.expanduser() if isinstance(where, Path) else where,
            sandbox=args.sandbox,
            exclusive=True,
        )
    except JournalError as error:
        advice = (
            f". One server at a time per journal file: if another `{PROG} mcp` serves it, "
            "give this one its own --journal or --out"
            if isinstance(where, Path)
            else ""  # a database: its error names it and says what is wrong
        )
        raise CliError(ExitCode.JOURNAL, f"mcp: {in_cli_words(str(error))}{advice}") from None
    try:
        import anyio

        anyio.run(_serve, args, journal, out, address)
    except BaseExceptionGroup as group:
        # A signal that lands in a task of the SDK's comes out of its task group wrapped.
        stop = _interruption(group)
        if stop is None:
            raise
        raise stop from None
    finally:
        journal.close()
    return ExitCode.OK


def _interruption(error: BaseException) -> BaseException | None:
    """The Ctrl-C or SIGTERM (KeyboardInterrupt, Interrupted) in `error`, if any."""
    if isinstance(error, KeyboardInterrupt | Interrupted):
        return error
    if isinstance(error, BaseExceptionGroup):
        return next(filter(None, map(_interruption, error.exceptions)), None)
    return None


class _StdinLines:
    """The lines of stdin, as the SDK's stdio transport reads them (`async for line in ...`),
    read by a daemon thread. The SDK's own reader blocks in a worker thread that only the
    client's end of stdin stops, and the interpreter waits for it at exit: a server stopped
    by a signal, or failing, would stay for as long as its client kept the pipe open."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        threading.Thread(target=self._read, name="mcp stdin", daemon=True).start()

    def _read(self) -> None:
        # Plain reads of a descriptor of its own: a daemon thread left inside sys.stdin's
        # buffered reader at exit makes the interpreter abort.
        descriptor = os.dup(sys.stdin.fileno())
        pending = b""
        try:
            while chunk := os.read(descriptor, 65536):
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    self._put(line.decode("utf-8", "replace") + "\n")
            self._put(None)
        except (OSError, RuntimeError):  # stdin broke, or the server has ended
            return
        finally:
            os.close(descriptor)

    def _put(self, line: str | None) -> None:
        self._loop.call_soon_threadsafe(self._lines.put_nowait, line)

    def __aiter__(self) -> _StdinLines:
        return self

    async def __anext__(self) -> str:
        line = await self._lines.get()
        if line is None:
            raise StopAsyncIteration
        return line


async def _serve(
    args: argparse.Namespace, journal: Journal, out: Path, address: tuple[str, int] | None
) -> None:
    from ._server import Tools, build_server

    async with async_client(args, journal) as client:
        server = build_server(Tools(client, journal, out))
        where = f"images in {out}, journal {journal.path}"
        if address is None:
            from mcp.server.stdio import stdio_server

            async def serve_stdio() -> None:
                stdin = cast("anyio.AsyncFile[str]", _StdinLines())
                async with stdio_server(stdin=stdin) as (read, write):
                    say(f"mcp: serving on stdio; {where}")
                    await server.run(read, write, server.create_initialization_options())

            await _until_signalled(serve_stdio)
        else:
            await _serve_http(server, *address, verbose=args.verbose, where=where)


async def _until_signalled(work: Callable[[], Awaitable[None]]) -> None:
    """`work` until it ends, or until SIGINT or SIGTERM cancels it; then that signal's stop
    (KeyboardInterrupt, or Interrupted) raised here. Handled by the loop, a signal cancels the
    SDK's tasks in order; raised wherever the main thread happened to be, it once landed
    between a coroutine's creation and its first await ("coroutine ... never awaited").
    (uvicorn handles the signals itself when serving HTTP.)"""
    import anyio

    loop = asyncio.get_running_loop()
    received: list[int] = []
    watched: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)
    with anyio.CancelScope() as scope:

        def stop(number: int) -> None:
            received.append(number)
            scope.cancel()

        try:
            for number in watched:
                loop.add_signal_handler(number, stop, number)
        except (ValueError, RuntimeError):  # not the main thread: signals stay as they are
            watched = ()
        try:
            await work()
        finally:
            for number in watched:
                loop.remove_signal_handler(number)
    if received:
        if received[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise Interrupted(ExitCode.TERMINATED)


async def _serve_http(
    server: Server[Any], host: str, port: int, *, verbose: bool, where: str
) -> None:
    """Streamable HTTP at /mcp, on a socket bound here so that port 0 can be told."""
    import uvicorn
    from mcp.server.transport_security import TransportSecuritySettings

    if _is_loopback(host):
        names = {*_LOOPBACK_NAMES, f"[{host}]" if ":" in host else host}
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=[f"{name}:*" for name in names],
            allowed_origins=[f"http://{name}:*" for name in names],
        )
    else:  # --allow-remote: clients reach it by names this server cannot know
        security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    app = server.streamable_http_app(host=host, transport_security=security)
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    listener = socket.create_server((host, port), family=family)
    shown = f"[{host}]" if ":" in host else host
    say(f"mcp: listening on http://{shown}:{listener.getsockname()[1]}/mcp; {where}")
    config = uvicorn.Config(app, log_level="info" if verbose else "warning")
    await uvicorn.Server(config).serve(sockets=[listener])
