"""The credit budget (`Budget`): each submit reserves its cost before createTask leaves, and
the reservation is settled at what the task consumed once it ends. The ledger lives in this
client's memory or in a storage that processes share (sqlite, Redis, PostgreSQL), where every
step is one atomic transaction or server-side script.

    ledger = Ledger.open(budget)
    cost = ledger.cost(model, settings)        # what a reservation for it takes, by the table
    ledger.reserve(cost)                       # a Hold, or the BudgetExceededError to raise
    ledger.assign(hold, task_id)               # the service accepted the task
    ledger.release(hold)                       # the service refused it: nothing was created
    ledger.settle(task_id, consumed, success)  # it ended: its real cost replaces its hold

Why the sum never passes `max_credits`: a reservation is taken only while what ended tasks
consumed plus every reservation still held, plus the new one, stays within it, all in one
atomic step; and a hold is given up only for a task that the service refused (no task exists)
or that ended (what it consumed counts from then on). A task that consumes no more than it
reserved therefore keeps the total within the budget at every moment, in every process.

The shared stores import their drivers only when one is made: a client without a budget, or
with one in memory, never imports sqlite3, redis or psycopg.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from . import _constants as C
from ._exceptions import APIConnectionError, BudgetExceededError, InvalidRequestError
from ._models import Budget, parse_storage, redis_client
from ._options import Model, models

if TYPE_CHECKING:
    import sqlite3


def _ceiling(max_credits: float) -> float:
    """What spent, reserved and a new amount together may reach: a sum of float credits may
    land a hair above a budget it fills exactly."""
    return max_credits + 1e-9


def _fits(spent: float, reserved: float, amount: float, max_credits: float) -> bool:
    """Whether `amount` more stays within `max_credits` (Redis's script asks the same)."""
    return spent + reserved + amount <= _ceiling(max_credits)


@attrs.frozen
class Cost:
    """What one submit reserves by the table: `kind` names its (model, speed, images)."""

    kind: str
    table: float
    images: int


@attrs.frozen
class Hold:
    """A reservation: `number` in the storage, `amount` credits."""

    number: int
    amount: float


# reserve() answers (number, amount, spent, reserved): number None when it would not fit, 0 for
# a probe that would.
Answer = tuple[int | None, float, float, float]


class Store(Protocol):
    """Where a budget's ledger lives; every call is one atomic step."""

    shown: str

    def reserve(self, kind: str, table: float, max_credits: float, probe: bool) -> Answer: ...

    def assign(self, number: int, task_id: str) -> None: ...

    def release(self, number: int) -> None: ...

    def settle(self, task_id: str, consumed: float | None, succeeded: bool) -> None:
        """Count what `task_id` consumed (its hold's amount if the service did not say) and
        drop its hold; for a success, note `consumed` as the last cost of its kind. Nothing
        if no hold names the task (settled already, or not reserved here)."""
        ...

    def close(self) -> None:
        """Close its connections (a step after this opens them again)."""
        ...


class MemoryStore:
    """The ledger of one client (and its `with_options()` copies): plain arithmetic."""

    shown = "memory://"

    def __init__(self) -> None:
        self._spent = 0.0
        self._reserved = 0.0  # the sum of the holds, kept: a batch holds thousands at once
        self._holds: dict[int, tuple[str, float]] = {}
        self._tasks: dict[str, int] = {}
        self._costs: dict[str, float] = {}
        self._next = 0
        self._lock = threading.Lock()  # the sync client's threads share it

    def reserve(self, kind: str, table: float, max_credits: float, probe: bool) -> Answer:
        with self._lock:
            amount = max(table, self._costs.get(kind, 0.0))
            reserved = self._reserved
            if not _fits(self._spent, reserved, amount, max_credits):
                return None, amount, self._spent, reserved
            if probe:
                return 0, amount, self._spent, reserved
            self._next += 1
            self._holds[self._next] = (kind, amount)
            self._reserved += amount
            return self._next, amount, self._spent, reserved

    def assign(self, number: int, task_id: str) -> None:
        with self._lock:
            if number in self._holds:
                self._tasks[task_id] = number

    def release(self, number: int) -> None:
        with self._lock:
            hold = self._holds.pop(number, None)
            if hold is not None:
                self._reserved -= hold[1]

    def settle(self, task_id: str, consumed: float | None, succeeded: bool) -> None:
        with self._lock:
            number = self._tasks.pop(task_id, None)
            hold = None if number is None else self._holds.pop(number, None)
            if hold is None:
                return
            kind, amount = hold
            self._reserved -= amount
            self._spent += amount if consumed is None else consumed
            if succeeded and consumed is not None:
                self._costs[kind] = consumed

    def close(self) -> None:
        pass


def _unreachable(shown: str, error: Exception) -> APIConnectionError:
    return APIConnectionError(
        f"the budget storage {shown} failed ({type(error).__name__}: {error}); nothing is "
        "submitted unchecked. Check that it is up and reachable from this machine"
    )


_SQLITE_SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS budget_spent (
    one INTEGER PRIMARY KEY CHECK (one = 1), spent REAL NOT NULL
);
INSERT OR IGNORE INTO budget_spent VALUES (1, 0);
CREATE TABLE IF NOT EXISTS budget_holds (
    number INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, amount REAL NOT NULL,
    task_id TEXT UNIQUE, made REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS budget_costs (kind TEXT PRIMARY KEY, credits REAL NOT NULL);
"""


class SqliteStore:
    """The ledger in one sqlite file, shared by every process of this host that names it.

    Each step is one transaction on a connection of its own, as the shared rate limits do
    (`_shared_limits.SqliteStore`), but synced to disk: what was spent must survive a crash of
    the host, or a budget would start again from nothing. The file is in WAL mode: a commit
    syncs once, and the probe before a submit's uploads (a read) waits for no writer. With
    a rollback journal and every step a writer, four processes of 250 concurrent submits
    left some waiting past the timeout for the lock (`nox -s bench`, section 8).
    """

    def __init__(self, path: str, shown: str) -> None:
        self._path = path
        self.shown = shown
        self._ready = False

    def _step(self, work: Callable[[sqlite3.Connection], Any], write: bool = True) -> Any:
        import sqlite3

        try:
            db = sqlite3.connect(self._path, timeout=C.BUDGET_STORAGE_TIMEOUT, isolation_level=None)
            try:
                if not self._ready:
                    db.executescript(_SQLITE_SCHEMA)
                    self._ready = True
                db.execute("PRAGMA synchronous=FULL")  # WAL's default (NORMAL) skips the sync
                db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    result = work(db)
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
                return result
            finally:
                db.close()
        except sqlite3.Error as error:
            raise _unreachable(self.shown, error) from error

    def reserve(self, kind: str, table: float, max_credits: float, probe: bool) -> Answer:
        def work(db: sqlite3.Connection) -> Answer:
            (spent,) = db.execute("SELECT spent FROM budget_spent").fetchone()
            (reserved,) = db.execute("SELECT TOTAL(amount) FROM budget_holds").fetchone()
            seen = db.execute("SELECT credits FROM budget_costs WHERE kind = ?", (kind,))
            observed = seen.fetchone()
            amount = max(table, observed[0] if observed else 0.0)
            if not _fits(spent, reserved, amount, max_credits):
                return None, amount, spent, reserved
            if probe:
                return 0, amount, spent, reserved
            made = db.execute(
                "INSERT INTO budget_holds (kind, amount, made) VALUES (?, ?, ?)",
                (kind, amount, time.time()),
            )
            return int(made.lastrowid or 0), amount, spent, reserved

        answer: Answer = self._step(work, write=not probe)
        return answer

    def assign(self, number: int, task_id: str) -> None:
        self._step(
            lambda db: db.execute(
                "UPDATE budget_holds SET task_id = ? WHERE number = ?", (task_id, number)
            )
        )

    def release(self, number: int) -> None:
        self._step(lambda db: db.execute("DELETE FROM budget_holds WHERE number = ?", (number,)))

    def settle(self, task_id: str, consumed: float | None, succeeded: bool) -> None:
        def work(db: sqlite3.Connection) -> None:
            hold = db.execute(
                "SELECT number, kind, amount FROM budget_holds WHERE task_id = ?", (task_id,)
            ).fetchone()
            if hold is None:
                return
            number, kind, amount = hold
            db.execute(
                "UPDATE budget_spent SET spent = spent + ?",
                (amount if consumed is None else consumed,),
            )
            db.execute("DELETE FROM budget_holds WHERE number = ?", (number,))
            if succeeded and consumed is not None:
                db.execute("INSERT OR REPLACE INTO budget_costs VALUES (?, ?)", (kind, consumed))

        self._step(work)

    def close(self) -> None:
        pass  # each step opens and closes its own connection


# The same steps for Redis, each one server-side script (atomic). Numbers travel as strings:
# Redis would cut a Lua number in a reply to an integer. Keys share the {budget} hash tag, so
# one budget's keys live in one cluster slot.
_REDIS_RESERVE = """
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
local reserved = tonumber(redis.call('GET', KEYS[2]) or '0')
local amount = math.max(tonumber(ARGV[2]), tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0'))
local answer = {'', string.format('%.17g', amount), string.format('%.17g', spent),
                string.format('%.17g', reserved)}
if spent + reserved + amount > tonumber(ARGV[3]) then
    return answer
end
if ARGV[4] == '1' then
    answer[1] = '0'
    return answer
end
local number = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[5], number, ARGV[1] .. '\\n' .. answer[2])
redis.call('INCRBYFLOAT', KEYS[2], answer[2])
answer[1] = tostring(number)
return answer
"""
_REDIS_ASSIGN = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
    redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
end
"""
_REDIS_RELEASE = """
local hold = redis.call('HGET', KEYS[1], ARGV[1])
if hold then
    redis.call('HDEL', KEYS[1], ARGV[1])
    redis.call('INCRBYFLOAT', KEYS[2], '-' .. string.match(hold, '\\n(.*)$'))
end
"""
_REDIS_SETTLE = """
local number = redis.call('HGET', KEYS[1], ARGV[1])
if not number then
    return
end
redis.call('HDEL', KEYS[1], ARGV[1])
local hold = redis.call('HGET', KEYS[2], number)
if not hold then
    return
end
redis.call('HDEL', KEYS[2], number)
local kind, amount = string.match(hold, '^(.*)\\n(.*)$')
redis.call('INCRBYFLOAT', KEYS[3], '-' .. amount)
local consumed = ARGV[2]
redis.call('INCRBYFLOAT', KEYS[4], consumed ~= '' and consumed or amount)
if ARGV[3] == '1' and consumed ~= '' then
    redis.call('HSET', KEYS[5], kind, consumed)
end
"""


class RedisStore:
    """The ledger in a Redis database: every process on any host that names it shares it."""

    def __init__(self, uri: str, shown: str) -> None:
        self._redis = redis_client(uri, f"Budget(storage={shown!r})", C.BUDGET_STORAGE_TIMEOUT)
        import redis  # there: redis_client checked

        self.shown = shown
        self._errors = redis.RedisError
        self._reserve = self._redis.register_script(_REDIS_RESERVE)
        self._assign = self._redis.register_script(_REDIS_ASSIGN)
        self._release = self._redis.register_script(_REDIS_RELEASE)
        self._settle = self._redis.register_script(_REDIS_SETTLE)

    @staticmethod
    def _keys(*names: str) -> list[str]:
        return [f"ideogram_facade:{{budget}}:{name}" for name in names]

    def _run(self, script: Any, keys: list[str], args: list[object]) -> Any:
        try:
            return script(keys=keys, args=args)
        except self._errors as error:
            raise _unreachable(self.shown, error) from error

    def reserve(self, kind: str, table: float, max_credits: float, probe: bool) -> Answer:
        keys = self._keys("spent", "reserved", "costs", "number", "holds")
        answer = self._run(
            self._reserve,
            keys,
            [kind, repr(table), repr(_ceiling(max_credits)), "1" if probe else "0"],
        )
        number, amount, spent, reserved = (part.decode() for part in answer)
        return (int(number) if number else None), float(amount), float(spent), float(reserved)

    def assign(self, number: int, task_id: str) -> None:
        self._run(self._assign, self._keys("holds", "tasks"), [number, task_id])

    def release(self, number: int) -> None:
        self._run(self._release, self._keys("holds", "reserved"), [number])

    def settle(self, task_id: str, consumed: float | None, succeeded: bool) -> None:
        keys = self._keys("tasks", "holds", "reserved", "spent", "costs")
        shown = "" if consumed is None else repr(float(consumed))
        self._run(self._settle, keys, [task_id, shown, "1" if succeeded else "0"])

    def close(self) -> None:
        self._redis.close()


_POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS ideogram_budget (
    one INTEGER PRIMARY KEY CHECK (one = 1), spent DOUBLE PRECISION NOT NULL
);
INSERT INTO ideogram_budget VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS ideogram_budget_holds (
    number BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, amount DOUBLE PRECISION NOT NULL,
    task_id TEXT UNIQUE, made TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ideogram_budget_costs (
    kind TEXT PRIMARY KEY, credits DOUBLE PRECISION NOT NULL
);
"""


class PostgresStore:
    """The ledger in a PostgreSQL database: every process on any host that names it shares it.

    Each step is one transaction that first locks the budget's one row (`FOR UPDATE`), so steps
    of all processes go one at a time. One connection per client, made on first use and made
    again after it fails; the client's threads take turns on it.
    """

    def __init__(self, uri: str, shown: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise InvalidRequestError(
                f"Budget(storage={shown!r}) needs psycopg 3: pip install "
                "'ideogram-facade[postgres]'"
            ) from None
        self.shown = shown
        self._uri = uri
        self._psycopg = psycopg
        self._connection: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()

    def _step(self, work: Callable[[Any], Any]) -> Any:
        psycopg = self._psycopg
        timeout_ms = int(C.BUDGET_STORAGE_TIMEOUT * 1000)
        with self._lock:
            try:
                if self._connection is None or self._connection.closed:
                    connection = psycopg.connect(
                        self._uri,
                        connect_timeout=max(1, int(C.BUDGET_STORAGE_TIMEOUT)),
                        options=f"-c lock_timeout={timeout_ms} -c statement_timeout={timeout_ms}",
                    )
                    with connection.transaction():
                        # Two processes making the tables at once would collide in the catalog.
                        connection.execute("SELECT pg_advisory_xact_lock(2208170416)")
                        connection.execute(_POSTGRES_SCHEMA)
                    self._connection = connection
                with self._connection.transaction():
                    cursor = self._connection.cursor()
                    cursor.execute("SELECT spent FROM ideogram_budget WHERE one = 1 FOR UPDATE")
                    return work(cursor)
            except psycopg.Error as error:
                if self._connection is not None:
                    self._connection.close()
                    self._connection = None
                raise _unreachable(self.shown, error) from error

    def reserve(self, kind: str, table: float, max_credits: float, probe: bool) -> Answer:
        def work(cursor: Any) -> Answer:
            (spent,) = cursor.fetchone()
            cursor.execute("SELECT COALESCE(SUM(amount), 0) FROM ideogram_budget_holds")
            (reserved,) = cursor.fetchone()
            cursor.execute("SELECT credits FROM ideogram_budget_costs WHERE kind = %s", (kind,))
            observed = cursor.fetchone()
            amount = max(table, observed[0] if observed else 0.0)
            if not _fits(spent, reserved, amount, max_credits):
                return None, amount, spent, reserved
            if probe:
                return 0, amount, spent, reserved
            cursor.execute(
                "INSERT INTO ideogram_budget_holds (kind, amount) VALUES (%s, %s) RETURNING number",
                (kind, amount),
            )
            return int(cursor.fetchone()[0]), amount, spent, reserved

        answer: Answer = self._step(work)
        return answer

    def assign(self, number: int, task_id: str) -> None:
        self._step(
            lambda cursor: cursor.execute(
                "UPDATE ideogram_budget_holds SET task_id = %s WHERE number = %s",
                (task_id, number),
            )
        )

    def release(self, number: int) -> None:
        self._step(
            lambda cursor: cursor.execute(
                "DELETE FROM ideogram_budget_holds WHERE number = %s", (number,)
            )
        )

    def settle(self, task_id: str, consumed: float | None, succeeded: bool) -> None:
        def work(cursor: Any) -> None:
            cursor.execute(
                "DELETE FROM ideogram_budget_holds WHERE task_id = %s RETURNING kind, amount",
                (task_id,),
            )
            hold = cursor.fetchone()
            if hold is None:
                return
            kind, amount = hold
            cursor.execute(
                "UPDATE ideogram_budget SET spent = spent + %s WHERE one = 1",
                (amount if consumed is None else consumed,),
            )
            if succeeded and consumed is not None:
                cursor.execute(
                    "INSERT INTO ideogram_budget_costs VALUES (%s, %s) "
                    "ON CONFLICT (kind) DO UPDATE SET credits = EXCLUDED.credits",
                    (kind, consumed),
                )

        self._step(work)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class Ledger:
    """A client's budget: its table, and the store that keeps the ledger. `shared`: its steps
    wait for a storage other processes share (the flows yield them as `Limit` effects)."""

    def __init__(self, budget: Budget) -> None:
        self.max_credits = float(budget.max_credits)
        self._table = _table(budget.costs)
        storage = parse_storage(budget.storage, "Budget.storage", postgres=True)
        self.shared = storage.kind != "memory"
        self._store: Store
        if storage.kind == "memory":
            self._store = MemoryStore()
        elif storage.kind == "sqlite":
            self._store = SqliteStore(storage.location, storage.shown)
        elif storage.kind == "redis":
            self._store = RedisStore(storage.location, storage.shown)
        else:
            self._store = PostgresStore(storage.location, storage.shown)

    def cost(self, model: Model, settings: Mapping[str, Any]) -> Cost:
        """What a task of `model` with `settings` (the checked options) is reserved at."""
        speed = _setting(model, settings, "rendering_speed") or "BALANCED"
        images = int(_setting(model, settings, "num_images") or 1)
        per_image = self._table.get((model.name, str(speed)))
        if per_image is None:  # a speed the spec gained since this table was written
            per_image = max(credits for (name, _), credits in self._table.items())
        return Cost(f"{model.name}|{speed}|{images}", per_image * images, images)

    def check(self, cost: Cost) -> BudgetExceededError | None:
        """Whether a reservation for `cost` would fit now (before anything is uploaded)."""
        number, amount, spent, reserved = self._store.reserve(
            cost.kind, cost.table, self.max_credits, True
        )
        return None if number is not None else self._refusal(cost, amount, spent, reserved)

    def reserve(self, cost: Cost) -> Hold | BudgetExceededError:
        number, amount, spent, reserved = self._store.reserve(
            cost.kind, cost.table, self.max_credits, False
        )
        if number is None:
            return self._refusal(cost, amount, spent, reserved)
        return Hold(number, amount)

    def assign(self, hold: Hold, task_id: str) -> None:
        self._store.assign(hold.number, task_id)

    def release(self, hold: Hold) -> None:
        self._store.release(hold.number)

    def settle(self, task_id: str, consumed: float | None, succeeded: bool) -> None:
        self._store.settle(task_id, consumed, succeeded)

    def close(self) -> None:
        self._store.close()

    def _refusal(
        self, cost: Cost, amount: float, spent: float, reserved: float
    ) -> BudgetExceededError:
        model, speed, _ = cost.kind.split("|")
        left = max(0.0, self.max_credits - spent - reserved)
        return BudgetExceededError(
            f"the credit budget ({self.max_credits:g} credits, storage "
            f"{self._store.shown}) has {left:g} left: {spent:g} spent by ended tasks and "
            f"{reserved:g} reserved by tasks still running, and this {model} task "
            f"({cost.images} x {speed}) needs {amount:g}. Nothing was sent. Wait for running "
            "tasks to end, or raise Budget(max_credits=...)",
            max_credits=self.max_credits,
            spent=spent,
            reserved=reserved,
            needed=amount,
        )


def _setting(model: Model, settings: Mapping[str, Any], name: str) -> Any:
    option = model.fields.get(name)
    given = settings.get(name)
    return given if given is not None else (option.default if option is not None else None)


def _table(costs: Mapping[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """Credits per image by (model, speed): the client's estimate, with `costs` over it."""
    table = {
        (model.name, speed): credits
        for model in models()
        for speed, credits in C.BUDGET_CREDITS_PER_IMAGE.items()
    }
    for (name, speed), credits in costs.items():
        if (name, speed) not in table:
            known = ", ".join(sorted({m for m, _ in table}))
            speeds = ", ".join(C.BUDGET_CREDITS_PER_IMAGE)
            raise InvalidRequestError(
                f"Budget.costs names ({name!r}, {speed!r}); the models are {known} and the "
                f"rendering speeds {speeds}"
            )
        table[name, speed] = credits
    return table
