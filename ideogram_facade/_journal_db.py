"""What a task journal's storage is to `_journal.Journal`: a `Database` that runs `Transaction`s,
in SQL with `?` placeholders. SQLite's is in `_journal`, PostgreSQL's in `_journal_pg`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# The tables in PostgreSQL, whose database holds the application's own tables too.
PG_TASKS, PG_META = "ideogram_journal_tasks", "ideogram_journal_meta"


class Transaction(Protocol):
    """One transaction of a journal's database; SQL with `?` placeholders."""

    def execute(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """The rows a statement returns (none for most writes)."""
        ...

    def count(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        """How many rows a write changed."""
        ...

    def insert(self, sql: str, parameters: tuple[object, ...]) -> int:
        """The id of the row an INSERT made."""
        ...


class Database(Protocol):
    """A journal's storage: SQLite here, PostgreSQL in `_journal_pg`."""

    where: str  # a path, or the URI without its password: for messages
    tasks: str  # the table names in SQL
    meta: str
    now: str  # SQL: the storage's clock, in epoch seconds

    def run(self, work: Callable[[Transaction], T]) -> T:
        """`work` in one transaction, committed before this returns; any failure is a
        JournalError (and rolled back). `work` may run twice: again on a new connection when
        the old one turns out to be gone before anything was committed."""
        ...

    def setup(self, tx: Transaction) -> dict[str, str]:
        """Make the tables if missing (in `tx`, with the checks of `Journal.open`); the
        journal's `meta` as it was found."""
        ...

    def read(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...
