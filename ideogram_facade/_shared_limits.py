"""Rate-limit windows that several processes share, in a sqlite file or in Redis, and
`windows()`, which makes a client's windows wherever its `RateLimit` says.

The stores import their drivers (sqlite3, redis) only when one is made, so that a program that
limits each client on its own pays nothing for them (see docs/design.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from . import _constants as C
from ._exceptions import APIConnectionError
from ._models import RateLimit, parse_storage, redis_client
from ._ratelimit import RateWindow, Ticket, Window

if TYPE_CHECKING:
    import sqlite3

logger = logging.getLogger(C.LOGGER_NAME)


class Store(Protocol):
    """Where shared windows keep their state; every call is one atomic step."""

    shown: str  # the storage URI without its password, for messages

    def reserve(self, scope: str, limit: int, period: float) -> tuple[int, float]: ...

    def hold(self, scope: str, number: int, limit: int, period: float, lease: float) -> float:
        """0 (and the request counts from now on), or the seconds until one may go."""
        ...

    def release(self, scope: str, number: int, period: float) -> None: ...


class SharedWindow:
    """At most `limit` requests arrive at the service in any `period` seconds, counted over
    every process (on any machine) whose clients name the same storage and API key.

    The storage keeps two things per window. Booked turns, as `Window` books them (a ticket
    waits until `period` after the turn booked `limit` tickets before it), so that callers
    queue in order and sleep instead of polling. And the holds: a request counts from the
    moment `hold()` lets it go until `period` after it finished (`release()`), and `hold()`
    lets one go only while fewer than `limit` count. Any `limit + 1` arrivals within `period`
    would include one let go while the other `limit` all counted, which `hold()` forbids.

    A request of a process that was killed never finishes: its hold lapses `lease` seconds
    after it was let go (`C.RATE_LEASE`), so a crash costs one of `limit` slots for that long
    and blocks no one. Times come from the storage's side (the host's clock for sqlite, the
    Redis server's `TIME`), so machines whose clocks disagree still count in one time.

    Each step is a round trip to the storage: the flows yield it as a `Limit` effect, which the
    async client runs in a worker thread, off the event loop.
    """

    shared = True

    def __init__(
        self, store: Store, scope: str, limit: int, period: float, lease: float = C.RATE_LEASE
    ) -> None:
        self._store = store
        self._scope = scope
        self._limit = limit
        self._period = period
        self._lease = lease
        self._held: set[int] = set()  # tickets of this process that were let go
        self._lock = threading.Lock()

    def reserve(self) -> Ticket:
        number, wait = self._store.reserve(self._scope, self._limit, self._period)
        ticket = Ticket(number, wait)
        return ticket if wait > 0 else Ticket(number, self.hold(ticket))

    def hold(self, ticket: Ticket) -> float:
        """Seconds still to wait before sending; 0 means go (and the request now counts)."""
        wait = self._store.hold(self._scope, ticket.number, self._limit, self._period, self._lease)
        if wait > 0:
            return wait
        with self._lock:
            self._held.add(ticket.number)
        return 0.0

    def release(self, ticket: Ticket) -> None:
        with self._lock:
            if ticket.number not in self._held:
                return  # never sent (its caller gave up waiting): nothing to count
            self._held.discard(ticket.number)
        try:
            self._store.release(self._scope, ticket.number, self._period)
        except APIConnectionError as error:
            # The request is over; failing it now would lose its answer (a task id, say).
            logger.warning(
                "%s; the request counts against the limit until its hold lapses (%g s)",
                error.message,
                self._lease,
            )


def _unreachable(shown: str, error: Exception) -> APIConnectionError:
    return APIConnectionError(
        f"the rate limit storage {shown} failed ({type(error).__name__}: {error}); no request "
        "is sent unlimited. Check that it is up and reachable from this machine, or use "
        "RateLimit(storage='memory://') to limit each process on its own"
    )


_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS rate_turns (
    scope TEXT NOT NULL, number INTEGER NOT NULL, turn REAL NOT NULL,
    PRIMARY KEY (scope, number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rate_holds (
    scope TEXT NOT NULL, number INTEGER NOT NULL, until REAL NOT NULL,
    PRIMARY KEY (scope, number)
) WITHOUT ROWID;
"""


class SqliteStore:
    """Windows in one sqlite file: every process on this host that names it shares them.

    Each step is one `BEGIN IMMEDIATE` transaction (a write lock on the file), on a connection
    of its own: nothing is held between steps, so threads, forks and killed processes need no
    care. Times are `time.time()`, the clock every process of the host reads alike.

    Commits are not synced to disk (`synchronous=OFF`; with it, a step takes about 0.1 ms,
    without it 3 to 10 ms). The rollback journal still undoes the step of a process killed
    halfway; only a power loss mid-write could damage the file, which holds nothing worth
    keeping: delete it then.
    """

    def __init__(self, path: str, shown: str, clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self.shown = shown
        self._clock = clock  # the host's clock, which every process reads alike (tests: their own)
        self._ready = False  # the schema exists (made once per process)

    def _step(self, work: Callable[[sqlite3.Connection, float], Any]) -> Any:
        import sqlite3

        try:
            db = sqlite3.connect(self._path, timeout=C.RATE_STORAGE_TIMEOUT, isolation_level=None)
            try:
                if not self._ready:
                    db.executescript(_SQLITE_SCHEMA)
                    self._ready = True
                db.execute("PRAGMA synchronous=OFF")
                db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(db, self._clock())  # read under the lock: steps are in order
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
                return result
            finally:
                db.close()
        except sqlite3.Error as error:
            raise _unreachable(self.shown, error) from error

    def reserve(self, scope: str, limit: int, period: float) -> tuple[int, float]:
        def work(db: sqlite3.Connection, now: float) -> tuple[int, float]:
            turns = db.execute(
                "SELECT number, turn FROM rate_turns WHERE scope = ? ORDER BY number DESC LIMIT ?",
                (scope, limit),
            ).fetchall()
            number = turns[0][0] + 1 if turns else 0
            turn = max(now, turns[-1][1] + period) if len(turns) == limit else now
            db.execute("INSERT INTO rate_turns VALUES (?, ?, ?)", (scope, number, turn))
            db.execute(
                "DELETE FROM rate_turns WHERE scope = ? AND number <= ?", (scope, number - limit)
            )
            return number, turn - now

        result: tuple[int, float] = self._step(work)
        return result

    def hold(self, scope: str, number: int, limit: int, period: float, lease: float) -> float:
        def work(db: sqlite3.Connection, now: float) -> float:
            db.execute("DELETE FROM rate_holds WHERE scope = ? AND until <= ?", (scope, now))
            count, first = db.execute(
                "SELECT COUNT(*), MIN(until) FROM rate_holds WHERE scope = ?", (scope,)
            ).fetchone()
            if count < limit:
                db.execute(
                    "INSERT OR REPLACE INTO rate_holds VALUES (?, ?, ?)",
                    (scope, number, now + lease),
                )
                return 0.0
            # A request still out frees its slot a period after it ends, so no sooner than a
            # period from now; an earlier `until` is a finished one's (or a lapsing hold).
            return min(float(first) - now, period)

        result: float = self._step(work)
        return result

    def release(self, scope: str, number: int, period: float) -> None:
        def work(db: sqlite3.Connection, now: float) -> None:
            db.execute(
                "INSERT OR REPLACE INTO rate_holds VALUES (?, ?, ?)", (scope, number, now + period)
            )

        self._step(work)


# The same three steps for Redis, each one server-side script (atomic), timed by the server's
# TIME. Keys carry the scope in braces: one window's keys share a cluster slot.
_REDIS_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
"""
_REDIS_RESERVE = (
    _REDIS_NOW
    + """
local limit = tonumber(ARGV[1])
local turn = now
if redis.call('LLEN', KEYS[2]) >= limit then
    turn = math.max(now, tonumber(redis.call('LINDEX', KEYS[2], -limit)) + tonumber(ARGV[2]))
end
redis.call('RPUSH', KEYS[2], string.format('%.6f', turn))
redis.call('LTRIM', KEYS[2], -limit, -1)
-- Once the last booked turn is a period old, the list no longer delays anyone.
redis.call('PEXPIRE', KEYS[2], math.ceil((turn - now + tonumber(ARGV[2])) * 1000) + 1000)
return {redis.call('INCR', KEYS[1]), string.format('%.6f', turn - now)}
"""
)
_REDIS_HOLD = (
    _REDIS_NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.6f', now))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
    redis.call('ZADD', KEYS[1], string.format('%.6f', now + tonumber(ARGV[3])), ARGV[1])
    redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3]) * 1000) + 1000)
    return '0'
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return string.format('%.6f', math.min(tonumber(first[2]) - now, tonumber(ARGV[4])))
"""
)
_REDIS_RELEASE = (
    _REDIS_NOW
    + """
redis.call('ZADD', KEYS[1], string.format('%.6f', now + tonumber(ARGV[2])), ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) * 1000 then
    redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000) + 1000)
end
"""
)


class RedisStore:
    """Windows in a Redis database: every process on any machine that names it shares them."""

    def __init__(self, uri: str, shown: str) -> None:
        self._redis = redis_client(uri, f"RateLimit(storage={shown!r})", C.RATE_STORAGE_TIMEOUT)
        import redis  # there: redis_client checked

        self.shown = shown
        self._errors = redis.RedisError
        self._reserve = self._redis.register_script(_REDIS_RESERVE)
        self._hold = self._redis.register_script(_REDIS_HOLD)
        self._release = self._redis.register_script(_REDIS_RELEASE)

    def _key(self, scope: str, name: str) -> str:
        return f"ideogram_facade:{{{scope}}}:{name}"

    def _run(self, script: Any, keys: list[str], args: list[object]) -> Any:
        try:
            return script(keys=keys, args=args)
        except self._errors as error:
            raise _unreachable(self.shown, error) from error

    def reserve(self, scope: str, limit: int, period: float) -> tuple[int, float]:
        keys = [self._key(scope, "number"), self._key(scope, "turns")]
        number, wait = self._run(self._reserve, keys, [limit, period])
        return int(number), float(wait)

    def hold(self, scope: str, number: int, limit: int, period: float, lease: float) -> float:
        keys = [self._key(scope, "holds")]
        return float(self._run(self._hold, keys, [number, limit, lease, period]))

    def release(self, scope: str, number: int, period: float) -> None:
        self._run(self._release, [self._key(scope, "holds")], [number, period])


def windows(
    limit: RateLimit, *, base_url: str, api_key: str, clock: Callable[[], float]
) -> tuple[RateWindow, RateWindow]:
    """The createTask and recordInfo windows of `limit`, where `limit.storage` says.

    Shared windows are per service and API key (a hash of them names the keys), so that one
    storage can serve several keys, each with its own limits.
    """
    creates = (limit.creates_per_10s, 10 + C.RATE_WINDOW_MARGIN)
    polls = (limit.polls_per_second, 1 + C.RATE_WINDOW_MARGIN)
    storage = parse_storage(limit.storage)
    if storage.kind == "memory":
        return Window(*creates, clock), Window(*polls, clock)
    import hashlib  # on first use, like the stores' drivers

    store: Store = (
        SqliteStore(storage.location, storage.shown)
        if storage.kind == "sqlite"
        else RedisStore(storage.location, storage.shown)
    )
    tag = hashlib.sha256(f"{base_url}\n{api_key}".encode()).hexdigest()[:16]
    return (
        SharedWindow(store, f"{tag}:creates", *creates),
        SharedWindow(store, f"{tag}:polls", *polls),
    )
