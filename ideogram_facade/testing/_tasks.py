"""Generation tasks on a clock: waiting → queuing → generating → success | fail.

    clock = ManualClock()
    task = Task.create("task_1", body, clock(), TaskTiming(1, 2, 3), fail=None, cost=10.0)
    clock.advance(6)
    task.phase(clock())          # ("success", 6.0): the state and when it began

Nothing runs in the background: the state is computed from the clock whenever it is asked for,
which keeps a manual clock exact and makes thousands of tasks cost nothing while idle.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import Any

import attrs

from ideogram_facade._options import MODEL


def _non_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValueError(f"TaskTiming.{attribute.name} must be >= 0, got {value}")


@attrs.frozen
class TaskTiming:
    """Seconds spent in each state; TaskTiming(0, 0, 0) is finished at the first poll."""

    waiting: float = attrs.field(default=0.0, validator=_non_negative)
    queuing: float = attrs.field(default=0.0, validator=_non_negative)
    generating: float = attrs.field(default=0.0, validator=_non_negative)

    @classmethod
    def instant(cls) -> TaskTiming:
        return cls(0.0, 0.0, 0.0)

    @classmethod
    def fast(cls) -> TaskTiming:
        """Every state is seen by a client polling every ~20 ms; done after 0.15 s."""
        return cls(0.03, 0.04, 0.08)

    @classmethod
    def realistic(cls) -> TaskTiming:
        return cls(1.0, 3.0, 12.0)

    @property
    def total(self) -> float:
        return self.waiting + self.queuing + self.generating


class ManualClock:
    """A clock that moves only when told to; pass it as `FakeApikley(clock=...)`."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += seconds


class EpochMapper:
    """Turns the fake's clock readings into Unix epoch milliseconds, anchored at creation."""

    def __init__(self, clock_now: float) -> None:
        self._offset = time.time() - clock_now

    def ms(self, clock_reading: float) -> int:
        return round((self._offset + clock_reading) * 1000)


@attrs.define
class Task:
    task_id: str
    body: Mapping[str, Any]
    param: str
    created: float
    timing: TaskTiming
    fail: tuple[str, str] | None
    cost: float
    token: str = ""
    refunded: bool = False

    @classmethod
    def create(
        cls,
        task_id: str,
        body: Mapping[str, Any],
        now: float,
        timing: TaskTiming,
        fail: tuple[str, str] | None,
        cost: float,
    ) -> Task:
        param = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return cls(task_id, body, param, now, timing, fail, cost)

    @property
    def input(self) -> Mapping[str, Any]:
        value = self.body.get("input")
        return value if isinstance(value, dict) else {}

    @property
    def num_images(self) -> int:
        return int(self.input.get("num_images", "1"))

    @property
    def ends(self) -> float:
        return self.created + self.timing.total

    def phase(self, now: float) -> tuple[str, float]:
        """The state at clock reading `now`, and the clock reading at which it began."""
        timing = self.timing
        if now >= self.ends:  # compared first: created + total - created may round below total
            return ("fail" if self.fail else "success"), self.ends
        elapsed = now - self.created
        if elapsed < timing.waiting:
            return "waiting", self.created
        if elapsed < timing.waiting + timing.queuing:
            return "queuing", self.created + timing.waiting
        return "generating", self.created + timing.waiting + timing.queuing

    def record(self, now: float, epoch: EpochMapper, result_urls: list[str]) -> dict[str, Any]:
        """The `data` of recordInfo (and of the callback) as seen at clock reading `now`."""
        state, since = self.phase(now)
        done = state in ("success", "fail")
        fail_code, fail_msg = self.fail if state == "fail" and self.fail else ("", "")
        success = state == "success"
        return {
            "taskId": self.task_id,
            "model": self.body.get("model", MODEL),
            "state": state,
            "param": self.param,
            "resultJson": json.dumps({"resultUrls": result_urls}) if success else "",
            "failCode": fail_code,
            "failMsg": fail_msg,
            "costTime": round(self.timing.generating * 1000) if done else 0,
            "createTime": epoch.ms(self.created),
            "updateTime": epoch.ms(since),
            "completeTime": epoch.ms(self.ends) if done else None,
            "creditsConsumed": self.cost if success else 0,
        }


@attrs.frozen
class TaskView:
    """A read-only snapshot of one task, as `fake.tasks[task_id]` shows it."""

    task_id: str
    state: str
    body: Mapping[str, Any]
    timing: TaskTiming
    fail: tuple[str, str] | None
    cost: float
    result_urls: tuple[str, ...]
