"""Real servers for the callback receivers, on 127.0.0.1: wsgiref in a thread for
`wsgi_app`, uvicorn as a task on the caller's event loop for `asgi_app`.

No tests here: helpers for tests/facade/test_receiver.py and benchmarks/callback_wake.py.

    with WsgiServer(app) as server: ... server.url ...
    async with AsgiServer(app) as server: ... server.url ...
"""

from __future__ import annotations

import asyncio
import socket
import socketserver
import threading
from types import TracebackType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import uvicorn


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """A thread per request, as a production WSGI server has several workers."""

    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class WsgiServer:
    def __init__(self, app: Any) -> None:
        self._server = make_server(
            "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_Quiet
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> WsgiServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsgiServer:
    """Serves on the running loop from `start()` (or `async with`) until `stop()`."""

    def __init__(self, app: Any) -> None:
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._listening = socket.socket()
        self._listening.bind(("127.0.0.1", 0))
        self._listening.listen()  # connections queue here until uvicorn takes them: no race
        self.url = f"http://127.0.0.1:{self._listening.getsockname()[1]}/hook"
        self._serving: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._serving = asyncio.create_task(self._server.serve(sockets=[self._listening]))

    async def stop(self) -> None:
        assert self._serving is not None
        self._server.should_exit = True
        await self._serving

    async def __aenter__(self) -> AsgiServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
