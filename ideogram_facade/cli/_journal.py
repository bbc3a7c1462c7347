"""The batch journal: the library's task journal, its entries labelled `<line>:<request hash>`.

The batch's client writes it as any client with `journal=` does (submitting just before
createTask leaves, the task id before submit() returns, failures and saved files); this
module adds what only a batch needs: which line each entry belongs to, moving entries with
their lines, and refusing a journal that cannot be trusted to know what was paid for.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from ideogram_facade import JournalError
from ideogram_facade.journal import EXPIRED, Journal, State, damaged_row, image_stem, unusable

from ._exitcodes import CliError, ExitCode

FILE_NAME = "ideogram-character-journal.sqlite3"
__all__ = ["EXPIRED", "FILE_NAME", "BatchJournal", "Row", "State", "label"]

# How a downloaded image is named (`<stem>_<n>.<ext>`, journal.image_stem).
_IMAGE_NAME = re.compile(r"^(?P<stem>.+)_\d+\.(png|jpg|webp)$")


def label(line: int, request_hash: str) -> str:
    return f"{line}:{request_hash}"


@dataclass(frozen=True)
class Row:
    entry: int
    line: int
    request_hash: str
    state: State
    task_id: str | None
    files: tuple[str, ...]
    error: str | None
    expired: bool  # older than the service keeps tasks


class BatchJournal:
    def __init__(self, store: Journal, where: str) -> None:
        self.store = store
        self.where = where

    @classmethod
    def open(cls, directory: Path | None, source: str, *, force: bool = False) -> BatchJournal:
        """The journal in `directory` (in memory for None: the sandbox's), for `source`.

        Refused (exit 13) when another batch holds it, when it is not a journal, when it was
        emptied, truncated, deleted or replaced since the last run (its lock file remembers
        it), or when the folder holds images of tasks it does not know: running then would pay
        again for lines already paid for. `force` moves such a journal aside and starts a new
        one, and lets such a folder be used.
        """
        path = None if directory is None else directory / FILE_NAME
        meta = {"source": source}
        try:
            store = Journal.open(path, meta=meta, sandbox=path is None, exclusive=True)
        except JournalError as error:
            lost = unusable(error)
            if not (force and lost and path is not None):
                advice = (
                    " (--force moves it aside and starts a new one: lines it knew of may then be "
                    "paid for again)"
                    if lost
                    else ""
                )
                if "was written for source" in error.message:
                    advice = " (a separate --out for each batch file)"
                raise CliError(ExitCode.JOURNAL, f"batch: {error.message}{advice}") from None
            if path.exists():
                path.rename(path.with_name(f"{path.name}.broken-{int(time.time())}"))
            store = Journal.open(path, meta=meta, start_over=True, exclusive=True)
        journal = cls(store, "in memory (--sandbox)" if path is None else str(path))
        if directory is not None and not force:
            journal._refuse_unknown_images(directory)
        return journal

    def _refuse_unknown_images(self, directory: Path) -> None:
        known = {image_stem(task_id) for task_id in self.store.task_ids()}
        unknown = {
            found["stem"]
            for path in directory.iterdir()
            if (found := _IMAGE_NAME.match(path.name)) and found["stem"] not in known
        }
        if unknown:
            self.close()
            raise CliError(
                ExitCode.JOURNAL,
                f"batch: {directory} holds images of {len(unknown)} task(s) that its journal "
                f"{FILE_NAME} does not know (was it deleted, emptied or truncated?), so this "
                "run cannot tell which lines were paid for and would send them again. Use "
                "another --out, or pass --force to send every line the journal does not know",
            )

    def rows(self) -> list[Row]:
        rows = []
        for entry in self.store.entries():
            if entry.label is None or ":" not in entry.label:
                continue  # not a line's: a task journaled by something else
            line, request_hash = entry.label.split(":", 1)
            if not (line.isascii() and line.isdigit()):
                raise damaged_row(self.where, entry.id, "label", entry.label, entry.task_id)
            rows.append(
                Row(
                    entry.id,
                    int(line),
                    request_hash,
                    entry.state,
                    entry.task_id,
                    entry.files,
                    entry.error,
                    entry.expired,
                )
            )
        return rows

    def move(self, row: Row, line: int) -> None:
        """`row` now belongs to `line`: the same request moved in an edited batch file."""
        self.store.relabel(row.entry, label(line, row.request_hash))

    def uncertain(self, row: Row, error: str) -> None:
        self.store.uncertain(row.entry, error)

    def expired(self, task_id: str) -> None:
        self.store.ended(task_id, State.EXPIRED, EXPIRED)

    def note(self, entry: int, error: str) -> None:
        self.store.note(entry, error)

    def entry_of(self, line: int, request_hash: str) -> int | None:
        wanted = label(line, request_hash)
        return next((e.id for e in self.store.entries() if e.label == wanted), None)

    def close(self) -> None:
        self.store.close()
