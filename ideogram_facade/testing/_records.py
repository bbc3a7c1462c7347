"""What the fake saw: requests (with the API key redacted) and callback deliveries.

    log = RequestLog(secret="fake-abc", limit=100_000)
    log.add(RequestRecord(...))
    log.peak_rate("recordInfo", window_seconds=1.0)   # busiest 1 s, in requests

Records are written on the server's thread and read from the tests' thread, hence the lock.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from collections import deque
from collections.abc import Mapping
from typing import Any

import attrs

REDACTED = "[REDACTED]"


@attrs.frozen
class RequestRecord:
    time: float
    method: str
    path: str
    query: str
    endpoint: str
    status: int | None
    code: int | None
    authorization_present: bool
    headers: Mapping[str, str]


@attrs.frozen
class CallbackDelivery:
    """One attempt to POST a task's result to its callBackUrl."""

    task_id: str
    url: str
    time: float
    payload: Mapping[str, Any]
    headers: Mapping[str, str]
    status: int | None = None
    error: str | None = None
    refused: bool = False

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def redact(headers: Mapping[str, str], secret: str) -> dict[str, str]:
    """Copy of `headers` without the key; Authorization is blanked even when the key is wrong."""
    clean = {}
    for name, value in headers.items():
        if name == "authorization":
            scheme = value.split(" ", 1)[0]
            clean[name] = f"{scheme} {REDACTED}" if " " in value else REDACTED
        else:
            clean[name] = value.replace(secret, REDACTED) if secret in value else value
    return clean


class RequestLog:
    def __init__(self, secret: str, limit: int | None) -> None:
        self._secret = secret
        self._lock = threading.Lock()
        self._records: deque[RequestRecord] = deque(maxlen=limit)
        # Times per endpoint kept apart from the bounded log, so peak_rate sees every request.
        self._times: dict[str, array[float]] = {}

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
            self._times.setdefault(record.endpoint, array("d")).append(record.time)

    def redact_text(self, text: str) -> str:
        return text.replace(self._secret, REDACTED) if self._secret in text else text

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def peak_rate(self, endpoint: str, window_seconds: float) -> int:
        """The most requests to `endpoint` within any window of `window_seconds`."""
        with self._lock:
            times = sorted(self._times.get(endpoint, ()))
        best = 0
        for index, start in enumerate(times):
            end = bisect.bisect_left(times, start + window_seconds, lo=index)
            best = max(best, end - index)
        return best

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._times.clear()


class DeliveryLog:
    """Callback deliveries, with a way to wait for them from another thread."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._deliveries: list[CallbackDelivery] = []

    def add(self, delivery: CallbackDelivery) -> None:
        with self._changed:
            self._deliveries.append(delivery)
            self._changed.notify_all()

    def all(self) -> list[CallbackDelivery]:
        with self._changed:
            return list(self._deliveries)

    def wait_for(self, count: int, timeout: float) -> list[CallbackDelivery]:
        with self._changed:
            self._changed.wait_for(lambda: len(self._deliveries) >= count, timeout)
            return list(self._deliveries)
