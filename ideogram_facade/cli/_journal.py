"""The batch journal: what happened to each line, in SQLite, so that a batch can resume.

    CREATE TABLE lines (
        line          INTEGER NOT NULL,   -- 1-based line number in the batch file
        request_hash  TEXT    NOT NULL,   -- hash of the request the line makes (Request.key)
        request       TEXT    NOT NULL,   -- that request, as JSON, for people reading the journal
        state         TEXT    NOT NULL,   -- see State
        task_id       TEXT,               -- set the moment createTask accepts the line
        files         TEXT,               -- JSON list of the downloaded images' paths
        error         TEXT,               -- the last error, for the summary
        updated_at    TEXT    NOT NULL,   -- UTC, ISO 8601
        PRIMARY KEY (line, request_hash)
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);  -- schema, source

Every change is its own committed transaction: "submitting" is on disk before createTask is
sent, so a line whose process died in flight is found on the next run and is reported as
uncertain instead of being paid for twice.
"""

from __future__ import annotations

import enum
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FILE_NAME = "ideogram-character-journal.sqlite3"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lines (
    line INTEGER NOT NULL,
    request_hash TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    task_id TEXT,
    files TEXT,
    error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (line, request_hash)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class State(enum.StrEnum):
    SUBMITTING = "submitting"  # committed before createTask is sent; its answer not yet known
    SUBMITTED = "submitted"  # createTask accepted: task_id is set; images not on disk yet
    SUCCEEDED = "succeeded"  # images on disk, listed in files
    FAILED = "failed"  # the task ended in state fail; never sent again
    REJECTED = "rejected"  # createTask refused it, so no task exists: the next run sends it again
    UNCERTAIN = "uncertain"  # createTask may have created a task: reported, never sent again


class JournalError(Exception):
    """The journal cannot be used for this batch; the message says why and what to do."""


@dataclass(frozen=True)
class Row:
    line: int
    request_hash: str
    state: State
    task_id: str | None
    files: tuple[str, ...]
    error: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Journal:
    def __init__(self, connection: sqlite3.Connection, where: str) -> None:
        self._db = connection
        self.where = where

    @classmethod
    def open(cls, directory: Path | None, source: str) -> Journal:
        """The journal in `directory` (in memory for None), checked to belong to `source`."""
        where = ":memory:" if directory is None else str(directory / FILE_NAME)
        try:
            db = sqlite3.connect(where, isolation_level=None)
            # FULL: a commit is on disk before createTask goes out, even if the power fails.
            db.execute("PRAGMA synchronous = FULL")
            db.executescript(_SCHEMA)
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as error:
            raise JournalError(f"cannot open the batch journal {where}: {error}") from None
        # Shown in summaries; an in-memory journal is the sandbox's, which has nothing to resume.
        journal = cls(db, "in memory (--sandbox)" if directory is None else where)
        if not meta:
            with journal._transaction():
                db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("schema", SCHEMA_VERSION), ("source", source)],
                )
        elif meta.get("schema") != SCHEMA_VERSION:
            raise JournalError(
                f"{where} was written by another version of this program (schema "
                f"{meta.get('schema')}); use another --out"
            )
        elif meta.get("source") != source:
            # Line numbers of another file would match the wrong requests.
            raise JournalError(
                f"{where} is the journal of the batch file {meta.get('source')!r}, not "
                f"{source!r}: use a separate --out for each batch file"
            )
        return journal

    def _transaction(self) -> _Commit:
        return _Commit(self._db)

    def rows(self) -> list[Row]:
        found = self._db.execute(
            "SELECT line, request_hash, state, task_id, files, error FROM lines ORDER BY line"
        ).fetchall()
        return [
            Row(line, key, State(state), task_id, tuple(json.loads(files or "[]")), error)
            for line, key, state, task_id, files, error in found
        ]

    def move(self, row: Row, line: int) -> None:
        """`row` now belongs to `line`: the same request moved in an edited batch file."""
        self._write(
            "UPDATE lines SET line = ?, updated_at = ? WHERE line = ? AND request_hash = ?",
            (line, _now(), row.line, row.request_hash),
        )

    def submitting(self, line: int, key: str, request: dict[str, object]) -> None:
        """Record that createTask is about to be sent; refuses a line that may have a task."""
        changed = self._write(
            "INSERT INTO lines (line, request_hash, request, state, updated_at) "
            "VALUES (?, ?, ?, 'submitting', ?) "
            "ON CONFLICT (line, request_hash) DO UPDATE SET state = 'submitting', error = NULL, "
            "updated_at = excluded.updated_at WHERE state = 'rejected' AND task_id IS NULL",
            (line, key, json.dumps(request, ensure_ascii=False), _now()),
        )
        if changed != 1:
            raise JournalError(f"line {line} already has a task or an uncertain submit")

    def submitted(self, line: int, key: str, task_id: str) -> None:
        self._set(line, key, State.SUBMITTED, task_id=task_id, error=None)

    def succeeded(self, line: int, key: str, files: list[str]) -> None:
        self._set(line, key, State.SUCCEEDED, files=json.dumps(files), error=None)

    def failed(self, line: int, key: str, error: str) -> None:
        self._set(line, key, State.FAILED, error=error)

    def rejected(self, line: int, key: str, error: str) -> None:
        self._set(line, key, State.REJECTED, error=error)

    def uncertain(self, line: int, key: str, error: str) -> None:
        self._set(line, key, State.UNCERTAIN, error=error)

    def note(self, line: int, key: str, error: str) -> None:
        """An error that leaves the line's state as it is (a timeout, a failed download)."""
        self._write(
            "UPDATE lines SET error = ?, updated_at = ? WHERE line = ? AND request_hash = ?",
            (error, _now(), line, key),
        )

    def close(self) -> None:
        self._db.close()

    def _set(self, line: int, key: str, state: State, **columns: str | None) -> None:
        assignments = "".join(f", {name} = ?" for name in columns)
        self._write(
            f"UPDATE lines SET state = ?, updated_at = ?{assignments} "  # noqa: S608 (names are ours)
            "WHERE line = ? AND request_hash = ?",
            (state.value, _now(), *columns.values(), line, key),
        )

    def _write(self, sql: str, parameters: tuple[object, ...]) -> int:
        with self._transaction():
            return self._db.execute(sql, parameters).rowcount


class _Commit:
    """Commits on success, rolls back on error: sqlite3's own context manager does not BEGIN."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
