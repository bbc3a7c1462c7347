"""`FakeProcess`: start benchmarks/fake_server.py and talk to it, from the harness."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

HERE = Path(__file__).resolve().parent


class FakeProcess:
    """A fake service in a child process: `base_url`, `api_key`, and `peak_rate()`."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, str(HERE / "fake_server.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = self._ask(None)
        self.base_url: str = hello["base_url"]
        self.api_key: str = hello["api_key"]

    def _ask(self, command: str | None) -> Any:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        if command is not None:
            self._process.stdin.write(command + "\n")
            self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake exited (code {self._process.poll()})")
        return json.loads(line)

    def peak_rate(self, endpoint: str, window_seconds: float) -> int:
        return int(self._ask(f"peak {endpoint} {window_seconds}"))

    def busiest(self, endpoint: str, window_seconds: float) -> dict[str, float]:
        return dict(self._ask(f"busiest {endpoint} {window_seconds}"))

    def stats(self) -> dict[str, int]:
        return dict(self._ask("stats"))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()  # EOF: the server stops and exits
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> FakeProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
