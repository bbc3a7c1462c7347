"""The values users hold: `Task`, `TaskState`, and the two policies `PollPolicy` and `RateLimit`."""

from __future__ import annotations

import enum
import math
import os
import urllib.parse
from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

import attrs

from . import _constants as C
from ._exceptions import InvalidRequestError, register_secret
from ._task_state import TaskState

__all__ = ["Budget", "PollPolicy", "RateLimit", "Task", "TaskState"]


class NotGiven(enum.Enum):
    """The type of `NOT_GIVEN`: an argument left out, where None means something (as
    `rate_limit=None`, no limits)."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven.NOT_GIVEN


@attrs.frozen
class Task:
    """One generation task as the service last reported it.

    `raw` is the decoded `data` object of the answer, for fields this class does not model;
    it takes no part in equality or repr.
    """

    task_id: str
    state: TaskState
    image_urls: tuple[str, ...] = ()
    fail_code: str | None = None
    fail_message: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    credits_consumed: float | None = None
    model: str | None = None  # e.g. "ideogram/character-edit", as the task record names it
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def done(self) -> bool:
        """The task has ended, in success or failure; polling it again changes nothing."""
        return self.state.done

    @property
    def succeeded(self) -> bool:
        return self.state is TaskState.SUCCESS


# What `wait()` and `generate()` call with the task on each change of its state.
OnUpdate = Callable[[Task], object]


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value <= 0:
        raise InvalidRequestError(f"PollPolicy.{attribute.name} must be > 0, got {value!r}")


def _not_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise InvalidRequestError(f"PollPolicy.{attribute.name} must be >= 0, got {value!r}")


def _fraction(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 <= value < 1:
        raise InvalidRequestError(f"PollPolicy.{attribute.name} must be in [0, 1), got {value!r}")


@attrs.frozen
class PollPolicy:
    """When `wait()` polls a task's status.

    The first polls come every `initial` seconds; from there on each poll comes `multiplier`
    times as long after the start of the wait as the one before (a task that has run 100 s is
    polled again at 115 s with 1.15), never more than `maximum` seconds apart. So the worst-case
    delay in noticing that a task ended stays within about `multiplier - 1` of its run time,
    with few polls for long tasks. Each delay is then spread by ±`jitter` (a fraction), so that
    many waiting clients don't poll in step.

    For `fresh_task_grace` seconds after this client submitted a task, a poll that finds no such
    task ("recordInfo is null") is taken for a service still catching up and polled again; past
    it, or for a task id this client did not submit, it is `TaskNotFoundError` at once.

        >>> [round(PollPolicy().delay(n), 2) for n in range(10)]
        [2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.62, 3.02, 3.47]
    """

    initial: float = attrs.field(default=C.POLL_INITIAL, validator=_positive)
    multiplier: float = attrs.field(default=C.POLL_MULTIPLIER, validator=_positive)
    maximum: float = attrs.field(default=C.POLL_MAXIMUM, validator=_positive)
    jitter: float = attrs.field(default=C.POLL_JITTER, validator=_fraction)
    fresh_task_grace: float = attrs.field(default=C.FRESH_TASK_GRACE, validator=_not_negative)

    def delay(self, attempt: int, spread: float = 0.5) -> float:
        """Seconds to sleep before poll number `attempt` (0-based); O(1), however late.

        `spread` is a uniform draw from [0, 1) that places the delay within the jitter range;
        0.5, the default, is the mean: the schedule without jitter.
        """
        return self._step(attempt) * (1 + self.jitter * (2 * spread - 1))

    def _step(self, attempt: int) -> float:
        # The schedule in closed form. Poll n comes `step(n)` after poll n-1, where
        # step = min(maximum, max(initial, (multiplier - 1) * elapsed)): first `initial` while
        # (multiplier - 1) * elapsed <= initial, i.e. for the first `flat` polls; from there
        # `elapsed` grows by `multiplier` each poll, so the step is geometric; then `maximum`.
        if self.initial >= self.maximum:
            return self.maximum
        growth = self.multiplier - 1
        if growth <= 0:
            return self.initial
        flat = math.floor(1 / growth) + 1
        if attempt < flat:
            return self.initial
        first = growth * flat * self.initial
        # Compare exponents, not powers: multiplier ** 10**12 overflows.
        if (attempt - flat) * math.log(self.multiplier) >= math.log(self.maximum / first):
            return self.maximum
        return min(self.maximum, first * self.multiplier ** (attempt - flat))


@attrs.frozen
class RateLimit:
    """Client-side limits, shared by every concurrent call on one client, or by every process
    that names the same `storage`.

    Each is a window: at most `creates_per_10s` createTask requests in any 10 s, and at most
    `polls_per_second` status polls in any second, as the service documents. Calls that would
    exceed a limit wait their turn, in order, instead of being refused with a 429.

    `storage` is where the windows live:

    - `"memory://"`: in this client, for its threads or tasks;
    - `"sqlite:///ABSOLUTE/PATH"`: in that file, shared by every process on this host that
      names it (no server; the file is made if missing);
    - `"redis://HOST:PORT/DB"` (`"rediss://"` for TLS; a password as `redis://:PASSWORD@...`):
      in Redis, shared by processes on any number of machines (`pip install
      'ideogram-facade[redis]'`).

    Every process sharing a storage must use the same numbers. If the storage cannot be
    reached, calls fail with `APIConnectionError` rather than go unlimited. docs/workers.md
    has a recipe.
    """

    creates_per_10s: int = C.CREATES_PER_10S
    polls_per_second: int = C.POLLS_PER_SECOND
    storage: str = "memory://"

    def __attrs_post_init__(self) -> None:
        for name in ("creates_per_10s", "polls_per_second"):
            if getattr(self, name) < 1:
                raise InvalidRequestError(
                    f"RateLimit.{name} must be >= 1, got {getattr(self, name)!r}"
                )
        parse_storage(self.storage)

    def __repr__(self) -> str:
        shown = parse_storage(self.storage).shown  # never the password
        return (
            f"RateLimit(creates_per_10s={self.creates_per_10s}, "
            f"polls_per_second={self.polls_per_second}, storage={shown!r})"
        )


CostTable = Mapping[tuple[str, str], float]


def _costs(value: CostTable | None) -> CostTable:
    """The user's `Budget.costs`, checked: credits per image by (model, rendering speed)."""
    table: dict[tuple[str, str], float] = {}
    for key, credits in (value or {}).items():
        if not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key)):
            raise InvalidRequestError(
                f"Budget.costs keys are (model, rendering_speed) pairs, e.g. "
                f"('ideogram/character', 'QUALITY'); got {key!r}"
            )
        if isinstance(credits, bool) or not isinstance(credits, int | float) or not credits >= 0:
            raise InvalidRequestError(
                f"Budget.costs[{key!r}] must be a number of credits >= 0; got {credits!r}"
            )
        table[key] = float(credits)
    return MappingProxyType(table)


@attrs.frozen(eq=False)
class Budget:
    """A cap on the credits that the tasks of every process sharing `storage` consume together.

        CharacterClient(budget=Budget(max_credits=5000, storage="sqlite:///var/lib/app/budget.db"))

    Each submit reserves its cost before createTask is sent, and a submit that would take the
    spent and reserved credits past `max_credits` raises `BudgetExceededError` instead, with
    nothing uploaded or sent. When a task ends, its reservation is settled at the
    `creditsConsumed` the service reports for it, by whichever client sharing the storage reads
    its end (a failed task that consumed nothing frees it). A submit whose answer was lost keeps
    its reservation for good: that task may exist and be paid for.

    A reservation is the task's number of images times the credits per image of its model and
    rendering speed: `costs` (`{("ideogram/character", "QUALITY"): 40}`) over the client's
    table (README "A credit budget"; the service publishes no prices, so the table is a guess
    meant to err high: set `costs` to what your tasks consume). The storage keeps the last cost
    consumed by an ended task of each (model, speed, images), and reserves that when it is
    higher. So the budget holds as long as no task costs more than the most its kind was seen
    or estimated to.

    `storage` is where the spent and reserved credits live, as for `RateLimit`:
    `"memory://"` (this client), `"sqlite:///ABSOLUTE/PATH"` (the processes of one host),
    `"redis://HOST:PORT/DB"` or `"postgresql://USER:PASSWORD@HOST/DATABASE"` (any number of
    hosts; the `redis` and `postgres` extras). One storage holds one budget; every process
    sharing it must give the same `max_credits`. If the storage cannot be reached, submits
    fail with `APIConnectionError` rather than spend unchecked.
    """

    max_credits: float
    storage: str = "memory://"
    costs: CostTable = attrs.field(default=None, converter=_costs)

    def __attrs_post_init__(self) -> None:
        credits = self.max_credits
        if isinstance(credits, bool) or not isinstance(credits, int | float) or not credits >= 0:
            raise InvalidRequestError(
                f"Budget.max_credits must be a number of credits >= 0; got {credits!r}"
            )
        parse_storage(self.storage, "Budget.storage", postgres=True)

    def __repr__(self) -> str:
        shown = parse_storage(self.storage, "Budget.storage", postgres=True).shown
        return f"Budget(max_credits={self.max_credits:g}, storage={shown!r})"


@attrs.frozen
class Storage:
    """A parsed storage URI: `location` is what to open, `shown` is safe to print (the repr
    shows only that: a database's `location` holds its password)."""

    kind: str  # "memory", "sqlite", "redis" or "postgresql"
    location: str = attrs.field(repr=False)
    shown: str


STORAGE_FORMS = "memory://, sqlite:///ABSOLUTE/PATH or redis://HOST:PORT/DB (rediss:// for TLS)"
POSTGRES_FORM = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"


def redis_client(uri: str, setting: str, timeout: float) -> Any:
    """A redis-py client of `uri` that connects on first use (making one does no I/O), waiting
    at most `timeout` seconds for a connect or an answer; InvalidRequestError naming `setting`
    (`RateLimit(storage=...)`, ...) when redis-py is not installed."""
    try:
        import redis
    except ImportError:
        raise InvalidRequestError(
            f"{setting} needs redis-py: pip install 'ideogram-facade[redis]'"
        ) from None
    return redis.Redis.from_url(uri, socket_timeout=timeout, socket_connect_timeout=timeout)


def parse_storage(uri: str, what: str = "RateLimit.storage", postgres: bool = False) -> Storage:
    """Check a storage URI (`what` names the setting in messages; `postgres`: it may be a
    PostgreSQL database); a password in it is registered as a secret."""
    forms = f"{STORAGE_FORMS} or {POSTGRES_FORM}" if postgres else STORAGE_FORMS
    if not isinstance(uri, str):
        raise InvalidRequestError(f"{what} must be a str: {forms}")
    if uri == "memory://":
        return Storage("memory", uri, uri)
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme == "sqlite":
        path = uri[len("sqlite://") :]
        named = os.path.isabs(path) and os.path.basename(path)
        if parts.netloc or parts.query or parts.fragment or not named:
            raise InvalidRequestError(
                f"{what} {uri!r}: a sqlite storage is sqlite:// and an absolute path "
                "(sqlite:///var/lib/app/limits.db), the same file in every process"
            )
        return Storage("sqlite", path, uri)
    if parts.scheme in ("redis", "rediss") or (
        postgres and parts.scheme in ("postgresql", "postgres")
    ):
        if parts.password:
            register_secret(urllib.parse.unquote(parts.password))
        try:
            port = parts.port
        except ValueError:
            port = None
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        user = f"{parts.username}@" if parts.username else ""
        shown = f"{parts.scheme}://{user}{host}{f':{port}' if port else ''}{parts.path}"
        database = parts.path.strip("/")
        if parts.scheme.startswith("postgres"):
            if not host or not database or "/" in database:
                raise InvalidRequestError(
                    f"{what} {shown!r}: a PostgreSQL storage is {POSTGRES_FORM}"
                )
            return Storage("postgresql", uri, shown)
        if not host or not (database == "" or database.isdigit()):
            raise InvalidRequestError(
                f"{what} {shown!r}: a Redis storage is redis://HOST:PORT/DB, DB a "
                "number (or rediss:// for TLS)"
            )
        return Storage("redis", uri, shown)
    got = f"a {parts.scheme}:// URI" if parts.scheme else "no scheme"
    raise InvalidRequestError(f"{what} must be {forms}; got {got}")
