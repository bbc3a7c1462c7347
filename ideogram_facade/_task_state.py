"""`TaskState`, a leaf of its own: `_exceptions` names it (`TaskTimeoutError.last_state`) and
`_models` builds on `_exceptions`, so it can live in neither."""

from __future__ import annotations

import enum


class TaskState(enum.StrEnum):
    """A task's state, as the service spells it; anything else it sends is `UNKNOWN`."""

    WAITING = "waiting"
    QUEUING = "queuing"
    GENERATING = "generating"
    SUCCESS = "success"
    FAIL = "fail"
    UNKNOWN = "unknown"
    # Never the service's: `resume()` gives it to a journaled task older than the service
    # keeps tasks (14 days), which is not waited for.
    EXPIRED = "expired"

    @classmethod
    def _missing_(cls, value: object) -> TaskState:
        return cls.UNKNOWN

    @property
    def done(self) -> bool:
        return self in (TaskState.SUCCESS, TaskState.FAIL, TaskState.EXPIRED)
