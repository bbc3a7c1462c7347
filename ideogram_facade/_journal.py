"""The task journal: every task this program paid for, in SQLite or PostgreSQL, so that none
is lost.

    journal = Journal.open("tasks.sqlite3")        # or "postgresql://user:PW@host/db"
    entry = journal.submitting("ideogram/character", {"prompt": "a knight", ...})
    journal.submitted(entry, "task_ideogram_1")     # committed before submit() returns
    journal.unfinished()                            # [JournalEntry(task_id="task_ideogram_1", ...)]

    CREATE TABLE tasks (             -- ideogram_journal_tasks in PostgreSQL
        id          INTEGER PRIMARY KEY,
        label       TEXT UNIQUE,     -- who asked, when it matters: a batch's "<line>:<hash>"
        model       TEXT NOT NULL,
        request     TEXT NOT NULL,   -- JSON: prompt, image URLs, options
        state       TEXT NOT NULL,   -- see State
        task_id     TEXT,            -- set the moment createTask accepts the request
        files       TEXT,            -- JSON list of the saved images' paths
        error       TEXT,            -- the last error
        created_at  REAL NOT NULL,   -- epoch seconds: the service keeps a task 14 days
        updated_at  REAL NOT NULL,
        lease_owner TEXT,            -- the journal (a client) working on the task ...
        lease_until REAL             -- ... until then, on the storage's clock, unless renewed
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    -- schema; id (also in <path>.lock); tasks ("service" or "sandbox"); the owner's facts

The clients write it (`journal=` on either), and `ideogram-character batch` keeps its lines in
it too, each labelled: one mechanism. Every change is its own transaction, committed (with
`synchronous = FULL` in SQLite) before the call that made it goes on: "submitting" is stored
just before createTask leaves, the task id before `submit()` returns. A process killed
anywhere leaves either no entry, an entry whose task id is known, or a "submitting" one that is
reported as uncertain, never sent again by the journal's users.

Several processes may share a journal (a file on one host, a PostgreSQL database for several),
and leases keep them from working on one task at once: the journal that submits a task holds
its lease, `resume()` takes each task's lease before it polls or downloads it, and a lease not
renewed lapses `C.JOURNAL_LEASE` after it was last taken, so that a killed process's tasks pass
to the next resumer (docs/design.md); a resumer on the killed process's own machine (and PID
namespace) sees it is gone and takes them at once. A batch opens its journal `exclusive`: one
batch at a time, and nobody else meanwhile (an exclusive lock on `<path>.lock`; the library's
journals take a shared one).

A journal file cannot be lost unnoticed: each has an id (in `meta`), which the lock file keeps
too, beside it. A journal file that is missing, empty or another journal while its lock file
names one was emptied, truncated, deleted or replaced since: it is refused (what it knew of
paid tasks is gone, and a fresh start would pay for them again), unless the caller starts over
on purpose. A row that is not as this module writes it (a hand edit, a damaged page) is
refused by name, never taken for something else.

Each journal also says whose tasks it holds: the Apikley service's, or a sandbox's (whose fake
service, and tasks, end with its process). A sandbox client never opens a journal of real
tasks, where it would only find them missing, nor a real client a sandbox's.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import hashlib
import json
import os
import re
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs

from . import _constants as C
from ._exceptions import InvalidRequestError, JournalError
from ._journal_db import PG_TASKS, Database, Transaction
from ._models import POSTGRES_FORM, Storage, parse_storage

SCHEMA = "ideogram-facade journal 1"
# What the errors for a file that is no (usable) journal, and for a journal lost since its
# last use, say: the batch offers --force for both.
NOT_A_JOURNAL = "cannot be used as a task journal"
LOST = "says one was kept there"
# What `journal=` takes.
JOURNAL_FORMS = f"a path, sqlite:///ABSOLUTE/PATH or {POSTGRES_FORM}"
_TASKS = """
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY,
    label TEXT UNIQUE,
    model TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    task_id TEXT,
    files TEXT,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    lease_owner TEXT,
    lease_until REAL
)"""
_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
# Columns added since the first journals, which gain them when opened.
_ADDED = {"lease_owner": "TEXT", "lease_until": "REAL"}
_COLUMNS = "id, label, model, request, state, task_id, files, error, created_at"
# What `meta` "tasks" says a journal holds: the service's tasks, or a sandbox's.
_SERVICE, _SANDBOX = "service", "sandbox"
# SQLite's codes for a file that is not a database, or a damaged one.
_UNREADABLE = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
# A path given as a Path that was meant as a URI (Path("postgresql://u:PW@h/db") reads
# "postgresql:/u:PW@h/db"): never a folder named after it, password and all.
_URI_AS_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")
T = TypeVar("T")


class State(enum.StrEnum):
    SUBMITTING = "submitting"  # committed just before createTask leaves; no answer known yet
    SUBMITTED = "submitted"  # createTask accepted it: task_id is set; images not saved yet
    SUCCEEDED = "succeeded"  # its images are saved, listed in files
    FAILED = "failed"  # the task ended in state fail, or the service no longer knows it
    EXPIRED = "expired"  # older than the service keeps tasks: not waited for
    REJECTED = "rejected"  # createTask refused it, so no task exists: it may be sent again
    UNCERTAIN = "uncertain"  # createTask may have made a task: check before sending it again


# What still needs someone: a task to wait for or download, or an answer to look for.
UNFINISHED = (State.SUBMITTING, State.SUBMITTED, State.UNCERTAIN)
# Why a task older than the service keeps tasks is not waited for.
EXPIRED = f"older than {C.TASK_RETENTION_DAYS} days: the service keeps it no longer"
# States a row has only once createTask named its task.
_HAS_TASK = (State.SUBMITTED, State.SUCCEEDED, State.FAILED, State.EXPIRED)


@attrs.frozen
class JournalEntry:
    """One request in the journal, as `unfinished()` and `entries()` list them."""

    id: int
    label: str | None
    model: str
    request: Mapping[str, Any] = attrs.field(repr=False)
    state: State
    task_id: str | None
    files: tuple[str, ...]
    error: str | None
    created_at: float  # epoch seconds
    # Who works on the task now (host:pid:kernel:client), while its lease runs; None if nobody.
    leased_by: str | None = None

    @property
    def expired(self) -> bool:
        """Older than the service keeps a task: its images are gone."""
        return time.time() - self.created_at > C.TASK_RETENTION_DAYS * 86_400


@attrs.frozen
class Claim:
    """What `Journal.claim()` found: the entry as it is now, and whether its lease is now this
    journal's; if not, `left` is how long the other's lease still runs (seconds)."""

    entry: JournalEntry
    taken: bool
    left: float = 0.0


class Journal:
    """An open journal. Safe to use from several threads; each `Journal` (so each client that
    opened one) holds leases of its own."""

    def __init__(self, db: Database, lock: int | None) -> None:
        self._db = db
        self._lock = lock
        self.path = db.where
        self.sandbox = False  # whose tasks it holds: a sandbox's, or the service's
        # Whose leases this journal's are, as `unfinished()` shows them to other workers.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{_KERNEL}:{uuid.uuid4().hex[:8]}"
        # The database's URI (its password too), for a connection of its own that listens
        # for other processes' callbacks (`_broadcast`); None for a file.
        self.postgresql: str | None = None

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None,
        *,
        meta: Mapping[str, str] = {},
        sandbox: bool | None = False,
        start_over: bool = False,
        exclusive: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> Journal:
        """The journal at `path`: a file (made if missing; in memory for None), `sqlite:///PATH`
        or `postgresql://USER:PASSWORD@HOST:PORT/DATABASE` (its tables made if missing).

        `meta` are facts its owner checks on each open (a batch's source file): they are written
        to a new journal, and a journal that says otherwise is refused. A file that exists but
        is not a journal is refused too, never overwritten; so is one that was emptied or
        deleted since it was last used (its lock file remembers it), unless `start_over`.
        `sandbox`: the journal is for a sandbox's tasks (refused if it holds real ones, and
        the other way round); None: for either (to read it). `exclusive`: no other process may
        open the file while this one has it (a batch's). `clock`: SQLite's lease times (tests).
        """
        storage = journal_storage(path)
        kind = None if sandbox is None else _SANDBOX if sandbox else _SERVICE
        lock = None
        if storage.kind == "postgresql":
            from ._journal_pg import Postgres  # imported on use: psycopg is an extra

            db: Database = Postgres.connect(storage)
            remembered = ""
        else:
            location = storage.location
            lock = None if location == ":memory:" else _lock(location, exclusive=exclusive)
            try:
                remembered = _remembered(lock)
                db = _Sqlite.connect(location, clock)
            except JournalError:
                _unlock(lock)
                raise
        journal = cls(db, lock)
        if storage.kind == "postgresql":
            journal.postgresql = storage.location
        try:
            found = journal._prepare(dict(meta), kind, remembered, start_over)
            journal.sandbox = found.get("tasks", _SERVICE) == _SANDBOX
            if sandbox is not None and journal.sandbox != sandbox:
                raise JournalError(_other_kind(db.where, sandbox))
            if lock is not None and remembered != found["id"]:
                _remember(lock, found["id"], db.where)
        except JournalError:
            journal.close()
            raise
        return journal

    def _prepare(
        self, meta: dict[str, str], kind: str | None, remembered: str, start_over: bool
    ) -> dict[str, str]:
        """Make the tables if missing, in one transaction with the checks (several processes
        may open a new journal at once); its `meta`, or a JournalError."""
        db = self._db

        def prepare(tx: Transaction) -> dict[str, str]:
            found = db.setup(tx)
            if remembered and found.get("id") != remembered and not start_over:
                raise JournalError(_lost(db.where, emptied=not found))
            added = {"schema": SCHEMA, "tasks": kind or _SERVICE, **meta} if not found else {}
            if "id" not in found:  # a new journal (or one written before journals had ids)
                added["id"] = uuid.uuid4().hex
            for key, value in added.items():
                tx.execute(f"INSERT INTO {db.meta} (key, value) VALUES (?, ?)", (key, value))
            return {**found, **added}

        found = db.run(prepare)
        for key, value in {"schema": SCHEMA, **meta}.items():
            if found.get(key) != value:
                raise JournalError(
                    f"{db.where} was written for {key} {found.get(key)!r}, not {value!r}: use "
                    "another journal"
                )
        return found

    # -- writing ---------------------------------------------------------------------------

    def submitting(self, model: str, request: Mapping[str, Any], label: str | None = None) -> int:
        """Record a request about to be sent, leased to this journal; its entry's id. A label
        may be sent again only while its entry is rejected: the journal never lets one request
        be paid for twice."""
        now = time.time()
        text = json.dumps(request, ensure_ascii=False, default=str)
        db, lease = self._db, C.JOURNAL_LEASE

        def insert(tx: Transaction) -> int:
            if label is not None:
                found = tx.execute(f"SELECT id, state FROM {db.tasks} WHERE label = ?", (label,))
                if found:
                    number, state = found[0]
                    if state != State.REJECTED:
                        raise JournalError(f"{label} already has a task or an uncertain submit")
                    tx.execute(
                        f"UPDATE {db.tasks} SET state = ?, error = NULL, request = ?, "
                        f"updated_at = ?, lease_owner = ?, lease_until = {db.now} + ? WHERE id = ?",
                        (State.SUBMITTING.value, text, now, self.owner, lease, number),
                    )
                    return int(number)
            return tx.insert(
                f"INSERT INTO {db.tasks} (label, model, request, state, created_at, updated_at, "
                f"lease_owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, {db.now} + ?)",
                (label, model, text, State.SUBMITTING.value, now, now, self.owner, lease),
            )

        return db.run(insert)

    def submitted(self, entry: int, task_id: str) -> None:
        """createTask accepted the entry's request: its task id, leased on to this journal."""
        db = self._db
        self._write(
            f"UPDATE {db.tasks} SET state = ?, task_id = ?, error = NULL, updated_at = ?, "
            f"lease_owner = ?, lease_until = {db.now} + ? WHERE id = ?",
            (State.SUBMITTED.value, task_id, time.time(), self.owner, C.JOURNAL_LEASE, entry),
        )

    def rejected(self, entry: int, error: str, task_id: str | None = None) -> None:
        self._set(entry, State.REJECTED, error=error, **({"task_id": task_id} if task_id else {}))

    def uncertain(self, entry: int, error: str) -> None:
        self._set(entry, State.UNCERTAIN, error=error)

    def ended(self, task_id: str, state: State, error: str | None = None) -> None:
        """A task ended without images to save (failed, expired, unknown to the service)."""
        self._set_task(task_id, state, error=error)

    def saved(self, task_id: str, files: list[str]) -> None:
        self._set_task(task_id, State.SUCCEEDED, files=json.dumps(files), error=None)

    def note(self, entry: int, error: str) -> None:
        """An error that leaves the entry's state as it is (a timeout, a failed download)."""
        self._write(
            f"UPDATE {self._db.tasks} SET error = ?, updated_at = ? WHERE id = ?",
            (error, time.time(), entry),
        )

    def relabel(self, entry: int, label: str) -> None:
        self._write(
            f"UPDATE {self._db.tasks} SET label = ?, updated_at = ? WHERE id = ?",
            (label, time.time(), entry),
        )

    # -- leases ----------------------------------------------------------------------------

    def claim(self, entry: int) -> Claim:
        """Take the entry's lease, unless another journal holds one that has not lapsed; the
        entry as it is now (another worker may have finished it)."""
        db = self._db

        def claim(tx: Transaction) -> tuple[int, list[tuple[Any, ...]]]:
            taken = tx.count(
                f"UPDATE {db.tasks} SET lease_owner = ?, lease_until = {db.now} + ? "
                "WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? "
                f"OR lease_until <= {db.now})",
                (self.owner, C.JOURNAL_LEASE, entry, self.owner),
            )
            rows = tx.execute(
                f"SELECT {_COLUMNS}, {self._holder}, lease_until - {db.now} FROM {db.tasks} "
                "WHERE id = ?",
                (entry,),
            )
            return taken, rows

        taken, rows = db.run(claim)
        if not rows:
            raise JournalError(f"row {entry} of the journal {db.where} is gone (deleted by hand?)")
        *columns, left = rows[0]
        found = _entry(tuple(columns), db.where)
        if not taken and found.leased_by is not None and _died_here(found.leased_by):
            # A process of this machine that is gone: its lease need not run out first.
            taken = self._write(
                f"UPDATE {db.tasks} SET lease_owner = ?, lease_until = {db.now} + ? "
                "WHERE id = ? AND lease_owner = ?",
                (self.owner, C.JOURNAL_LEASE, entry, found.leased_by),
            )
            if taken:
                found = attrs.evolve(found, leased_by=self.owner)
        return Claim(found, taken == 1, 0.0 if taken else max(0.0, float(left or 0)))

    def renew(self, task_id: str) -> None:
        """Run this journal's lease on the task for another `C.JOURNAL_LEASE` (if it holds it)."""
        db = self._db
        self._write(
            f"UPDATE {db.tasks} SET lease_until = {db.now} + ? "
            "WHERE task_id = ? AND lease_owner = ?",
            (C.JOURNAL_LEASE, task_id, self.owner),
        )

    def release(self, entry: int) -> None:
        """Give the entry's lease up: another worker may take the task at once."""
        self._write(
            f"UPDATE {self._db.tasks} SET lease_owner = NULL, lease_until = NULL "
            "WHERE id = ? AND lease_owner = ?",
            (entry, self.owner),
        )

    # -- reading ---------------------------------------------------------------------------

    def entries(self) -> list[JournalEntry]:
        return self._select("ORDER BY id")

    def unfinished(self) -> list[JournalEntry]:
        """Entries that still need someone (every process's): a task to wait for or save, or
        an uncertain submit to look for in the dashboard. (A row whose state is none of ours is
        among them, to be refused by name rather than passed over.)"""
        marks = ", ".join("?" for _ in UNFINISHED)
        known = ", ".join("?" for _ in State)
        return self._select(
            f"WHERE state IN ({marks}) OR state NOT IN ({known}) OR state IS NULL ORDER BY id",
            (*UNFINISHED, *State),
        )

    def task_ids(self) -> set[str]:
        found = self._db.read(f"SELECT task_id FROM {self._db.tasks} WHERE task_id IS NOT NULL")
        return {row[0] for row in found}

    def close(self) -> None:
        """Give up this journal's leases (its tasks pass to other workers at once), close."""
        with contextlib.suppress(JournalError):
            self._write(
                f"UPDATE {self._db.tasks} SET lease_owner = NULL, lease_until = NULL "
                "WHERE lease_owner = ?",
                (self.owner,),
            )
        self._db.close()
        _unlock(self._lock)
        self._lock = None

    # -- the mechanics ---------------------------------------------------------------------

    @property
    def _holder(self) -> str:
        """SQL: who holds the row's lease, while it runs."""
        return f"CASE WHEN lease_until > {self._db.now} THEN lease_owner END"

    def _select(self, where: str, parameters: tuple[object, ...] = ()) -> list[JournalEntry]:
        found = self._db.read(
            f"SELECT {_COLUMNS}, {self._holder} FROM {self._db.tasks} {where}",
            parameters,
        )
        return [_entry(row, self._db.where) for row in found]

    def _set(self, entry: int, state: State, **columns: str | None) -> None:
        assignments = "".join(f", {name} = ?" for name in columns)
        self._write(
            f"UPDATE {self._db.tasks} SET state = ?, updated_at = ?, lease_owner = NULL, "
            f"lease_until = NULL{assignments} WHERE id = ?",
            (state.value, time.time(), *columns.values(), entry),
        )

    def _set_task(self, task_id: str, state: State, **columns: str | None) -> None:
        assignments = "".join(f", {name} = ?" for name in columns)
        self._write(
            f"UPDATE {self._db.tasks} SET state = ?, updated_at = ?, lease_owner = NULL, "
            f"lease_until = NULL{assignments} WHERE task_id = ?",
            (state.value, time.time(), *columns.values(), task_id),
        )

    def _write(self, sql: str, parameters: tuple[object, ...]) -> int:
        """One statement, committed; how many rows it changed."""
        return self._db.run(lambda tx: tx.count(sql, parameters))


def _kernel() -> str:
    """This kernel's boot and PID namespace, hashed: a lease owner whose host, kernel and
    namespace are this process's names a process id that can be looked up here. (Containers
    may share a host name; never a kernel boot and a PID namespace.)"""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return "-"  # no /proc: no lease is taken from a process thought dead
    return hashlib.sha256(f"{boot}\n{namespace}".encode()).hexdigest()[:12]


_KERNEL = _kernel()


def _died_here(owner: str) -> bool:
    """Whether a lease's owner is a process of this machine (and PID namespace) that has
    ended. Any doubt (another machine, no /proc, its id taken again since) says no: the lease
    then runs out as a remote worker's does."""
    host, _, rest = owner.partition(":")
    pid, _, rest = rest.partition(":")
    kernel = rest.partition(":")[0]
    if _KERNEL == "-" or (host, kernel) != (socket.gethostname(), _KERNEL) or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # there, another user's
    return False


def journal_storage(journal: str | os.PathLike[str] | None) -> Storage:
    """What `journal=` names: a path (or None, in memory), `sqlite:///PATH` or
    `postgresql://...`; any other URI is an InvalidRequestError naming the forms."""
    if journal is None:
        return Storage("sqlite", ":memory:", "in memory")
    forms = JOURNAL_FORMS
    if isinstance(journal, str) and "://" in journal:
        scheme = journal.split("://", 1)[0]
        if scheme not in ("sqlite", "postgresql", "postgres"):
            raise InvalidRequestError(f"journal must be {forms}; got a {scheme[:20]}:// URI")
        return parse_storage(journal, "journal", postgres=True)
    path = os.fspath(journal)
    if not isinstance(path, str) or _URI_AS_PATH.match(path):
        raise InvalidRequestError(f"journal must be {forms}; a URI goes as a str, not a Path")
    return Storage("sqlite", path, path)


class _SqliteTransaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, parameters).fetchall()

    def count(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        return self._db.execute(sql, parameters).rowcount

    def insert(self, sql: str, parameters: tuple[object, ...]) -> int:
        return int(self._db.execute(sql, parameters).lastrowid or 0)


class _Sqlite:
    """A journal file (or one in memory), shared by the threads of a process through one
    connection, and by processes through SQLite's own locks."""

    tasks, meta = "tasks", "meta"
    now = "ideogram_now()"

    def __init__(self, db: sqlite3.Connection, where: str) -> None:
        self._db = db
        self._mutex = threading.Lock()
        self.where = where

    @classmethod
    def connect(cls, path: str, clock: Callable[[], float]) -> _Sqlite:
        try:
            db = sqlite3.connect(
                path,
                isolation_level=None,
                check_same_thread=False,
                timeout=C.JOURNAL_BUSY_TIMEOUT,
            )
        except sqlite3.Error as error:
            raise _sqlite_error(path, "open", error) from None
        db.create_function("ideogram_now", 0, clock)  # leases: the host's clock
        try:
            db.execute("PRAGMA synchronous = FULL")  # a commit survives a power cut
        except sqlite3.Error as error:
            db.close()
            raise _sqlite_error(path, "open", error) from None
        return cls(db, path)

    def setup(self, tx: Transaction) -> dict[str, str]:
        names = {
            row[0] for row in tx.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        found = dict(tx.execute("SELECT key, value FROM meta")) if "meta" in names else {}
        if not found and names - {"tasks", "meta"}:
            raise JournalError(
                f"{self.where} {NOT_A_JOURNAL}: it is an SQLite file of something else. Give "
                "another path"
            )
        tx.execute(_TASKS)
        tx.execute(_META)
        present = {row[1] for row in tx.execute("PRAGMA table_info(tasks)")}
        for column, kind in _ADDED.items():
            if column not in present:
                tx.execute(f"ALTER TABLE tasks ADD COLUMN {column} {kind}")
        return found

    def run(self, work: Callable[[Transaction], T]) -> T:
        """One committed transaction; any failure (a full disk) is a JournalError, and a
        failed commit is rolled back only when there is a transaction left to roll back."""
        with self._mutex:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise _sqlite_error(self.where, "write", error) from None
            try:
                result = work(_SqliteTransaction(self._db))
                self._db.execute("COMMIT")
            except BaseException as error:
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise _sqlite_error(self.where, "write", error) from None
                raise
            return result

    def read(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._mutex:
            try:
                return self._db.execute(sql, parameters).fetchall()
            except sqlite3.Error as error:  # a damaged page: "database disk image is malformed"
                raise JournalError(
                    f"cannot read the journal {self.where}: {error}. Restore it from a backup, "
                    "or move it aside and look for its tasks in the Apikley dashboard"
                ) from None

    def close(self) -> None:
        with self._mutex:
            self._db.close()


def _sqlite_error(path: str, doing: str, error: sqlite3.Error) -> JournalError:
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF  # the primary code
    if code in _UNREADABLE:
        # Not a database, or a damaged one, against a full disk or a folder it cannot write.
        return JournalError(
            f"{path} {NOT_A_JOURNAL} ({error}): is it one? Give another path, or move that "
            "file away"
        )
    return JournalError(f"cannot {doing} the journal {path}: {error}")


def for_client(
    journal: str | os.PathLike[str] | Journal | None, *, sandbox: bool
) -> Journal | None:
    """The journal a client was given (`journal=`): a path or URI opened, or an open `Journal`
    as it is; either refused if it holds another kind of tasks than the client makes."""
    if journal is None:
        return None
    if not isinstance(journal, Journal):
        return Journal.open(journal, sandbox=sandbox)
    if journal.sandbox != sandbox:
        raise JournalError(_other_kind(journal.path, sandbox))
    return journal


def _entry(row: tuple[Any, ...], path: str) -> JournalEntry:
    """A row as an entry; a row that is not as this module writes it is a JournalError that
    names it (a hand edit, a damaged page), never an entry read as something else."""
    number, label, model, request, state, task_id, files, error, created_at, holder = row

    def damaged(column: str, value: object) -> JournalError:
        return damaged_row(path, number, column, value, task_id)

    try:
        kind = State(state)
    except ValueError:
        raise damaged("state", state) from None
    if label is not None and not isinstance(label, str):
        raise damaged("label", label)
    if not isinstance(model, str) or not model:
        raise damaged("model", model)
    if task_id is not None and (not isinstance(task_id, str) or not task_id):
        raise damaged("task_id", task_id)
    if task_id is None and kind in _HAS_TASK:
        raise damaged("task_id", task_id)
    if error is not None and not isinstance(error, str):
        raise damaged("error", error)
    if isinstance(created_at, bool) or not isinstance(created_at, int | float):
        raise damaged("created_at", created_at)
    decoded_request = _json(request)
    if not isinstance(decoded_request, dict):
        raise damaged("request", request)
    decoded_files = _json(files or "[]")
    if not isinstance(decoded_files, list) or not all(isinstance(f, str) for f in decoded_files):
        raise damaged("files", files)
    return JournalEntry(
        id=number,
        label=label,
        model=model,
        request=decoded_request,
        state=kind,
        task_id=task_id,
        files=tuple(decoded_files),
        error=error,
        created_at=float(created_at),
        leased_by=holder if isinstance(holder, str) else None,
    )


def unusable(error: JournalError) -> bool:
    """Whether `error` says the file is no journal, or one lost since its last use: opening
    it with `start_over=True` is then the way on, and forgets the paid tasks it knew of."""
    return NOT_A_JOURNAL in error.message or LOST in error.message


def damaged_row(
    path: str, number: int, column: str, value: object, task_id: object
) -> JournalError:
    """The JournalError for row `number` of the journal at `path`, whose `column` holds
    `value`, which is not as this program writes it (a program that keeps data of its own in
    labels raises it for a label it cannot read)."""
    named = task_id if isinstance(task_id, str) and task_id else None
    if path.startswith(("postgresql:", "postgres:")):
        delete = f'psql {path} -c "DELETE FROM {PG_TASKS} WHERE id = {number}"'
    else:
        delete = f'sqlite3 {path} "DELETE FROM tasks WHERE id = {number}"'
    return JournalError(
        f"row {number}{f' (task {named})' if named else ''} of the journal {path} is damaged: "
        f"its {column} {str(value)[:80]!r} is not one this program writes (edited by hand?). "
        f"Fix that row, or delete it ({delete}) once its task, if it has one, is collected: a "
        "task it names was paid for",
        task_id=named,
    )


def _json(text: object) -> object:
    """Decoded JSON text; None for anything that is not."""
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _lost(path: str, *, emptied: bool) -> str:
    what = "is empty or missing" if emptied else "is another journal"
    return (
        f"the journal {path} {what}, but its lock file {path}.lock {LOST}: "
        f"it was {'emptied, truncated or deleted' if emptied else 'replaced'} since, and what it "
        "knew of tasks already paid for is gone, so they would be paid for again. Restore it "
        "from a backup; or, to start a new journal there anyway, move it and its .lock file "
        "aside"
    )


def _other_kind(path: str, sandbox: bool) -> str:
    if sandbox:
        return (
            f"{path} holds tasks of the Apikley service, which a sandbox (sandbox=True) does not "
            "know: it would find none of them. Open it without sandbox=True; a sandbox's "
            "tasks go in a journal of their own"
        )
    return (
        f"{path} holds a sandbox's tasks, which ended with the process that made them: the "
        "service knows none of them. Use another journal"
    )


def _remembered(lock: int | None) -> str:
    """The id of the journal the lock file says was kept beside it; "" for none (yet)."""
    if lock is None:
        return ""
    try:
        return os.pread(lock, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""


def _remember(lock: int, identity: str, path: str) -> None:
    """The lock file keeps the journal's id, so that a journal emptied later is noticed."""
    try:
        os.ftruncate(lock, 0)
        os.pwrite(lock, identity.encode("ascii"), 0)
        os.fsync(lock)
    except OSError as error:
        raise JournalError(f"cannot write {path}.lock: {error.strerror or error}") from None


def _lock(path: str, *, exclusive: bool) -> int:
    """A lock on `<path>.lock`, held until the journal is closed (or the process ends: the
    kernel drops it then): shared by the library's clients, exclusive for a batch."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        raise JournalError(f"cannot open the journal {path}: {error.strerror or error}") from None
    try:
        fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        raise JournalError(
            f"another process is using the journal {path} (a batch still running?): wait for "
            "it to end, or use another journal"
        ) from None
    return handle


def _unlock(handle: int | None) -> None:
    if handle is not None:
        os.close(handle)  # closing the descriptor releases the flock
