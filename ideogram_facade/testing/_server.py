"""A loopback HTTP/1.1 server whose asyncio loop runs in its own daemon thread.

    server = ServerThread(handler, drop_on_head)   # handler(Request) -> Response | awaitable
    server.start()                                 # binds 127.0.0.1 on an ephemeral port
    print(server.port)
    server.call_soon(callback)                     # run something on the server's loop
    server.stop()

Own thread, so sync tests (which block their thread) and async tests (which own another
loop) can both talk to it. Requests on one connection are answered in order; while one answer
is pending (awaited or delayed) the next request waits in the buffer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from ideogram_facade.testing._wire import (
    ProtocolError,
    Request,
    RequestHead,
    RequestParser,
    Response,
    encode_response,
)

Handler = Callable[[Request], "Response | Awaitable[Response]"]
HeadHook = Callable[[RequestHead], bool]

BACKLOG = 4096
_log = logging.getLogger(__name__)


class _Connection(asyncio.Protocol):
    def __init__(self, server: ServerThread) -> None:
        self._server = server
        self._parser = RequestParser()
        self._head: RequestHead | None = None
        self._busy = False
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Without it every small answer waits for the client's delayed ACK (~40 ms).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._server.connection_opened(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._server.connection_closed(self)

    def data_received(self, data: bytes) -> None:
        self._parser.feed(data)
        try:
            self._process()
        except ProtocolError as error:
            body = json.dumps({"code": error.status, "msg": str(error), "data": None})
            self._write(Response(error.status, body.encode(), close=True), keep_alive=False)

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def _process(self) -> None:
        while not self._busy and self._transport is not None:
            if self._head is None:
                head = self._parser.next_head()
                if head is None:
                    return
                if self._server.drop_on_head(head):
                    self._close()
                    return
                if head.headers.get("expect", "").lower() == "100-continue":
                    self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                self._head = head
            request = self._parser.next_body(self._head)
            if request is None:
                return
            self._head = None
            self._dispatch(request)

    def _dispatch(self, request: Request) -> None:
        try:
            result = self._server.handler(request)
        except Exception:
            _log.exception("fake handler failed on %s %s", request.method, request.path)
            result = _internal_error()
        if isinstance(result, Response):
            self._answer(result, request.head)
        else:
            self._busy = True
            self._server.spawn(self._await(result, request.head))

    async def _await(self, pending: Awaitable[Response], head: RequestHead) -> None:
        try:
            response = await pending
        except Exception:
            _log.exception("fake handler failed on %s %s", head.method, head.path)
            response = _internal_error()
        self._answer(response, head)

    def _answer(self, response: Response, head: RequestHead) -> None:
        if response.drop:
            self._close()
            return
        if response.delay > 0:
            self._busy = True
            loop = asyncio.get_running_loop()
            loop.call_later(response.delay, self._finish, response, head)
            return
        self._finish(response, head)

    def _finish(self, response: Response, head: RequestHead) -> None:
        self._write(response, keep_alive=head.keep_alive)
        if response.drip > 0:
            return  # busy until the drip ends and closes the connection
        self._busy = False
        if self._transport is not None and self._parser.buffered:
            self._process()

    def _write(self, response: Response, *, keep_alive: bool) -> None:
        if self._transport is None:
            return
        encoded = encode_response(response, keep_alive=keep_alive)
        if response.drip > 0:
            # The head at once, then the body a byte at a time, as long as the client listens.
            self._busy = True
            self._transport.write(encoded[: len(encoded) - len(response.body)])
            self._drip(response.body, response.drip)
            return
        self._transport.write(encoded)
        if response.close or not keep_alive:
            self._close()

    def _drip(self, rest: bytes, every: float) -> None:
        if self._transport is None:
            return
        if not rest:
            self._close()
            return
        self._transport.write(rest[:1])
        asyncio.get_running_loop().call_later(every, self._drip, rest[1:], every)

    def _close(self) -> None:
        # Forget the transport at once: pipelined requests still buffered must not be answered.
        if self._transport is not None:
            self._transport.close()
            self._transport = None


def _internal_error() -> Response:
    body = b'{"code": 500, "msg": "fake server error (see its log)", "data": null}'
    return Response(500, body)


# How long start() waits for the loop thread to serve before it gives up.
START_TIMEOUT = 10.0


class ServerThread:
    """Owns the listening socket, the loop thread, and every open connection."""

    def __init__(self, handler: Handler, drop_on_head: HeadHook, port: int = 0) -> None:
        self.handler = handler
        self.drop_on_head = drop_on_head
        self._requested_port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[_Connection] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._shutdown_hooks: list[Callable[[], Awaitable[None]]] = []
        self.port = 0
        self.peak_connections = 0

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the fake is not running: call start() first")
        return self._loop

    def connection_opened(self, connection: _Connection) -> None:
        self._connections.add(connection)
        self.peak_connections = max(self.peak_connections, len(self._connections))

    def connection_closed(self, connection: _Connection) -> None:
        self._connections.discard(connection)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Start a task on the loop (from the loop thread) and keep it until it ends."""
        task = self.loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def call_soon(self, callback: Callable[[], None]) -> None:
        self.loop.call_soon_threadsafe(callback)

    def on_shutdown(self, hook: Callable[[], Awaitable[None]]) -> None:
        self._shutdown_hooks.append(hook)

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Listen on 127.0.0.1 and serve from a thread of its own. Raises RuntimeError with the
        reason when it cannot (the port is taken, the loop cannot start), never hangs."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self._requested_port))
            sock.setblocking(False)
        except OSError as error:
            sock.close()
            raise RuntimeError(
                f"the fake service cannot listen on 127.0.0.1:{self._requested_port}: "
                f"{error.strerror or error}; pass port=0 for a free port"
            ) from error
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                server = loop.run_until_complete(
                    loop.create_server(lambda: _Connection(self), sock=sock, backlog=BACKLOG)
                )
            except BaseException as error:  # reported by start(), in the caller's thread
                failure.append(error)
                sock.close()
                loop.close()
                return
            finally:
                ready.set()
            try:
                loop.run_forever()
            finally:
                server.close()
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"fake-apikley-{self.port}", daemon=True)
        self._thread.start()
        if not ready.wait(timeout) or failure:
            self._loop = self._thread = None
            reason = repr(failure[0]) if failure else f"not serving after {timeout} s"
            raise RuntimeError(f"the fake service could not start: {reason}") from (
                failure[0] if failure else None
            )

    def stop(self, timeout: float = 5.0) -> None:
        if self._loop is None or self._thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        future.result(timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        self._loop = None
        self._thread = None

    async def _shutdown(self) -> None:
        for connection in list(self._connections):
            connection.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for hook in self._shutdown_hooks:
            await hook()
