"""A real `redis-server` on a free loopback port, for the tests and benchmarks of shared limits.

with RedisServer.start() as server:     # RedisServer.find() names the missing program
    RateLimit(storage=server.url)
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from types import TracebackType

NO_PERSISTENCE = ["--save", "", "--appendonly", "no"]
INSTALL = "install it with `apt-get install -y redis-server` (.ci/run does when it is missing)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers_ping(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")
    return False


class RedisServer:
    """One `redis-server` process: no persistence, loopback only; `stop()` ends it."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"

    @staticmethod
    def find() -> str | None:
        return shutil.which("redis-server")

    @classmethod
    def start(cls, attempts: int = 3) -> RedisServer:
        executable = cls.find()
        if executable is None:
            raise FileNotFoundError(f"redis-server is not on PATH: {INSTALL}")
        for _ in range(attempts):  # another process may take the free port first
            port = free_port()
            process = subprocess.Popen(
                [executable, "--port", str(port), "--bind", "127.0.0.1", *NO_PERSISTENCE],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            ends = time.monotonic() + 10
            while process.poll() is None and time.monotonic() < ends:
                if _answers_ping(port):
                    return cls(process, port)
                time.sleep(0.05)
            process.kill()
            process.wait()
        raise RuntimeError(f"redis-server did not start on a free port in {attempts} attempts")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
