"""The task journal: every task this program paid for, in SQLite, so that none is lost.

    journal = Journal.open("tasks.sqlite3")
    entry = journal.submitting("ideogram/character", {"prompt": "a knight", ...})
    journal.submitted(entry, "task_ideogram_1")     # on disk before submit() returns
    journal.unfinished()                            # [JournalEntry(task_id="task_ideogram_1", ...)]

    CREATE TABLE tasks (
        id          INTEGER PRIMARY KEY,
        label       TEXT UNIQUE,     -- who asked, when it matters: a batch's "<line>:<hash>"
        model       TEXT NOT NULL,
        request     TEXT NOT NULL,   -- JSON: prompt, image URLs, options
        state       TEXT NOT NULL,   -- see State
        task_id     TEXT,            -- set the moment createTask accepts the request
        files       TEXT,            -- JSON list of the saved images' paths
        error       TEXT,            -- the last error
        created_at  REAL NOT NULL,   -- epoch seconds: the service keeps a task 14 days
        updated_at  REAL NOT NULL
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    -- schema; id (also in <path>.lock); tasks ("service" or "sandbox"); the owner's facts

The clients write it (`journal=` on either), and `ideogram-character batch` keeps its lines in
it too, each labelled: one mechanism. Every change is its own transaction, committed with
`synchronous = FULL` before the call that made it goes on: "submitting" is on disk just before
createTask leaves, the task id before `submit()` returns. A process killed anywhere leaves
either no entry, an entry whose task id is known, or a "submitting" one that is reported as
uncertain, never sent again by the journal's users.

One process at a time: `open()` takes an exclusive lock on `<path>.lock` for as long as the
journal is open, and a second `open()` is refused with `JournalError`.

A journal cannot be lost unnoticed: each has an id (in `meta`), which the lock file keeps too,
beside it. A journal file that is missing, empty or another journal while its lock file names
one was emptied, truncated, deleted or replaced since: it is refused (what it knew of paid
tasks is gone, and a fresh start would pay for them again), unless the caller starts over on
purpose. A row that is not as this module writes it (a hand edit, a damaged page) is refused
by name, never taken for something else.

Each journal also says whose tasks it holds: the Apikley service's, or a sandbox's (whose fake
service, and tasks, end with its process). A sandbox client never opens a journal of real
tasks, where it would only find them missing, nor a real client a sandbox's.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import fcntl
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from . import _constants as C
from ._exceptions import JournalError

SCHEMA = "ideogram-facade journal 1"
# What the errors for a file that is no (usable) journal, and for a journal lost since its
# last use, say: the batch offers --force for both.
NOT_A_JOURNAL = "cannot be used as a task journal"
LOST = "says one was kept there"
# The label of the task about to be submitted in this context: `ideogram-character batch`
# sets it to the line's, so that the client's own journaling files the task under it.
LABEL: contextvars.ContextVar[str | None] = contextvars.ContextVar("journal_label", default=None)
_TABLES = """
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
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_COLUMNS = "id, label, model, request, state, task_id, files, error, created_at"
# What `meta` "tasks" says a journal holds: the service's tasks, or a sandbox's.
_SERVICE, _SANDBOX = "service", "sandbox"
# SQLite's codes for a file that is not a database, or a damaged one.
_UNREADABLE = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


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

    @property
    def expired(self) -> bool:
        """Older than the service keeps a task: its images are gone."""
        return time.time() - self.created_at > C.TASK_RETENTION_DAYS * 86_400


class Journal:
    """A journal file, open and locked by this process. Safe to use from several threads."""

    def __init__(self, db: sqlite3.Connection, path: str, lock: int | None) -> None:
        self._db = db
        self._lock = lock
        self._mutex = threading.Lock()
        self.path = path
        self.sandbox = False  # whose tasks it holds: a sandbox's, or the service's

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None,
        *,
        meta: Mapping[str, str] = {},
        sandbox: bool | None = False,
        start_over: bool = False,
    ) -> Journal:
        """The journal at `path` (made if missing; in memory for None), locked for this process.

        `meta` are facts its owner checks on each open (a batch's source file): they are written
        to a new journal, and a journal that says otherwise is refused. A file that exists but
        is not a journal is refused too, never overwritten; so is one that was emptied or
        deleted since it was last used (its lock file remembers it), unless `start_over`.
        `sandbox`: the journal is for a sandbox's tasks (refused if it holds real ones, and
        the other way round); None: for either (to read it).
        """
        where = ":memory:" if path is None else os.fspath(path)
        lock = None if path is None else _lock(where)
        kind = None if sandbox is None else _SANDBOX if sandbox else _SERVICE
        db = None
        try:
            remembered = _remembered(lock)
            db = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA synchronous = FULL")  # a commit survives a power cut
            found = (
                dict(db.execute("SELECT key, value FROM meta").fetchall()) if _has_meta(db) else {}
            )
            if not found and _has_tables(db, other_than={"tasks", "meta"}):
                raise JournalError(
                    f"{where} {NOT_A_JOURNAL}: it is an SQLite file of something else. Give "
                    "another path"
                )
            if remembered and found.get("id") != remembered and not start_over:
                raise JournalError(_lost(where, emptied=not found))
            db.executescript(_TABLES)
        except (JournalError, sqlite3.DatabaseError) as error:
            if db is not None:
                db.close()
            _unlock(lock)
            if isinstance(error, JournalError):
                raise
            # Not a database, or a damaged one, against a full disk or a folder it cannot write.
            if error.sqlite_errorcode & 0xFF not in _UNREADABLE:  # the primary code
                raise JournalError(f"cannot open the journal {where}: {error}") from None
            raise JournalError(
                f"{where} {NOT_A_JOURNAL} ({error}): is it one? Give another path, or move "
                "that file away"
            ) from None
        journal = cls(db, where, lock)
        try:
            added = {"schema": SCHEMA, "tasks": kind or _SERVICE, **meta} if not found else {}
            if "id" not in found:  # a new journal (or one written before journals had ids)
                added["id"] = uuid.uuid4().hex
            if added:
                journal._write(
                    "INSERT INTO meta (key, value) VALUES (?, ?)", list(added.items()), many=True
                )
                found = {**found, **added}
            expected = {"schema": SCHEMA, **meta}
            for key, value in expected.items():
                if found.get(key) != value:
                    raise JournalError(
                        f"{where} was written for {key} {found.get(key)!r}, not {value!r}: use "
                        "another journal"
                    )
            journal.sandbox = found.get("tasks", _SERVICE) == _SANDBOX
            if sandbox is not None and journal.sandbox != sandbox:
                raise JournalError(_other_kind(where, sandbox))
            if lock is not None and remembered != found["id"]:
                _remember(lock, found["id"], where)
        except JournalError:
            journal.close()
            raise
        return journal

    # -- writing ---------------------------------------------------------------------------

    def submitting(self, model: str, request: Mapping[str, Any], label: str | None = None) -> int:
        """Record a request about to be sent; its entry's id. A label may be sent again only
        while its entry is rejected: the journal never lets one request be paid for twice."""
        now = time.time()
        text = json.dumps(request, ensure_ascii=False, default=str)
        with self._transaction() as db:
            if label is not None:
                row = db.execute("SELECT id, state FROM tasks WHERE label = ?", (label,)).fetchone()
                if row is not None:
                    if row[1] != State.REJECTED:
                        raise JournalError(f"{label} already has a task or an uncertain submit")
                    db.execute(
                        "UPDATE tasks SET state = ?, error = NULL, request = ?, updated_at = ? "
                        "WHERE id = ?",
                        (State.SUBMITTING.value, text, now, row[0]),
                    )
                    return int(row[0])
            cursor = db.execute(
                "INSERT INTO tasks (label, model, request, state, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (label, model, text, State.SUBMITTING.value, now, now),
            )
            return int(cursor.lastrowid or 0)

    def submitted(self, entry: int, task_id: str) -> None:
        self._set(entry, State.SUBMITTED, task_id=task_id, error=None)

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
            "UPDATE tasks SET error = ?, updated_at = ? WHERE id = ?", (error, time.time(), entry)
        )

    def relabel(self, entry: int, label: str) -> None:
        self._write(
            "UPDATE tasks SET label = ?, updated_at = ? WHERE id = ?", (label, time.time(), entry)
        )

    # -- reading ---------------------------------------------------------------------------

    def entries(self) -> list[JournalEntry]:
        return self._select("ORDER BY id")

    def unfinished(self) -> list[JournalEntry]:
        """Entries that still need someone: a task to wait for or save, or an uncertain
        submit to look for in the dashboard. (A row whose state is none of ours is among them,
        to be refused by name rather than passed over.)"""
        marks = ", ".join("?" for _ in UNFINISHED)
        known = ", ".join("?" for _ in State)
        return self._select(
            f"WHERE state IN ({marks}) OR state NOT IN ({known}) OR state IS NULL ORDER BY id",
            (*UNFINISHED, *State),
        )

    def task_ids(self) -> set[str]:
        return {
            row[0] for row in self._query("SELECT task_id FROM tasks WHERE task_id IS NOT NULL")
        }

    def close(self) -> None:
        with self._mutex:
            self._db.close()
        _unlock(self._lock)
        self._lock = None

    # -- the mechanics ---------------------------------------------------------------------

    def _select(self, where: str, parameters: tuple[object, ...] = ()) -> list[JournalEntry]:
        found = self._query(f"SELECT {_COLUMNS} FROM tasks {where}", parameters)  # noqa: S608
        return [_entry(row, self.path) for row in found]

    def _query(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._mutex:
            try:
                return self._db.execute(sql, parameters).fetchall()
            except sqlite3.Error as error:  # a damaged page: "database disk image is malformed"
                raise JournalError(
                    f"cannot read the journal {self.path}: {error}. Restore it from a backup, or "
                    "move it aside and look for its tasks in the Apikley dashboard"
                ) from None

    def _set(self, entry: int, state: State, **columns: str | None) -> None:
        assignments = "".join(f", {name} = ?" for name in columns)
        self._write(
            f"UPDATE tasks SET state = ?, updated_at = ?{assignments} WHERE id = ?",  # noqa: S608
            (state.value, time.time(), *columns.values(), entry),
        )

    def _set_task(self, task_id: str, state: State, **columns: str | None) -> None:
        assignments = "".join(f", {name} = ?" for name in columns)
        self._write(
            f"UPDATE tasks SET state = ?, updated_at = ?{assignments} WHERE task_id = ?",  # noqa: S608
            (state.value, time.time(), *columns.values(), task_id),
        )

    def _write(self, sql: str, parameters: Any, *, many: bool = False) -> None:
        with self._transaction() as db:
            if many:
                db.executemany(sql, parameters)
            else:
                db.execute(sql, parameters)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; any failure (a full disk) is a JournalError, and a
        failed commit is rolled back only when there is a transaction left to roll back."""
        with self._mutex:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise JournalError(f"cannot write the journal {self.path}: {error}") from None
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as error:
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise JournalError(f"cannot write the journal {self.path}: {error}") from None
                raise


def for_client(
    journal: str | os.PathLike[str] | Journal | None, *, sandbox: bool
) -> Journal | None:
    """The journal a client was given (`journal=`): a path opened, or an open `Journal` as it
    is; either refused if it holds another kind of tasks than the client makes."""
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
    number, label, model, request, state, task_id, files, error, created_at = row

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
    )


def damaged_row(
    path: str, number: int, column: str, value: object, task_id: object
) -> JournalError:
    """The error for a row whose `column` is not as this program writes it."""
    named = task_id if isinstance(task_id, str) and task_id else None
    delete = f'sqlite3 {path} "DELETE FROM tasks WHERE id = {number}"'  # noqa: S608 (advice)
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


def _has_meta(db: sqlite3.Connection) -> bool:
    return _has_tables(db, only={"meta"})


def _has_tables(
    db: sqlite3.Connection, *, only: set[str] | None = None, other_than: set[str] | None = None
) -> bool:
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if only is not None:
        return only <= names
    return bool(names - (other_than or set()))


def _lock(path: str) -> int:
    """An exclusive lock on `<path>.lock`, held until the journal is closed (or the process
    ends: the kernel drops it then)."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        raise JournalError(f"cannot open the journal {path}: {error.strerror or error}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
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
