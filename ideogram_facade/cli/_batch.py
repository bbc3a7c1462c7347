"""`batch`: many requests from a file, resumable through the journal, stoppable with Ctrl-C.

One `AsyncCharacterClient` serves every line, so its rate limits hold for the whole batch;
`--concurrency` workers take lines from one queue (lines with a task first: they cost nothing).
The order for a line that needs a task: upload its images (each local file once per run); the
client commits "submitting" to the journal just before createTask leaves, then the task id or
the refusal; then wait, download, and the client commits the files. SIGINT/SIGTERM stop new
work at once, but a createTask already sent is waited for and journaled; a second signal quits
without waiting (those lines stay "submitting" and the next run reports them as uncertain).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import signal
import time
from collections import deque
from pathlib import Path
from typing import Any

from ideogram_facade import (
    ApikleyError,
    AsyncCharacterClient,
    AuthenticationError,
    BudgetExceededError,
    GenerationFailedError,
    InsufficientCreditsError,
    JournalError,
    SaveError,
    SubmissionUncertainError,
    TaskNotFoundError,
    check_images,
)

from . import _gallery as gallery
from ._batchfile import read
from ._batchplan import Item, Outcome, plan, why
from ._batchreport import advice, exit_code, summary
from ._commands import output_folder
from ._display import BatchProgress, batch_progress
from ._exitcodes import CliError, ExitCode, redact, say
from ._gallery import Card, card_of
from ._journal import BatchJournal, label
from ._parser import image_flags
from ._request import is_url, option_values, resolve
from ._settings import async_client


class Runner:
    """Runs the lines that need work, each in one worker at a time, and journals each step."""

    def __init__(
        self, args: argparse.Namespace, journal: BatchJournal, items: list[Item], out: Path
    ) -> None:
        self._args = args
        self._journal = journal
        self._out = out
        todo = [item for item in items if item.outcome is None]
        resuming = sum(item.task_id is not None for item in todo)
        self._plan = (
            f"batch: {len(items)} line(s): {len(todo) - resuming} to submit, {resuming} to "
            f"resume, {len(items) - len(todo)} settled"
        )
        self._unusable = [
            f"line {item.line.number}: {item.message}"
            for item in items
            if item.line.request is None
        ]
        # Lines with a task first: waiting costs nothing, and they were started long ago.
        self._queue = deque(sorted(todo, key=lambda item: item.task_id is None))
        self.total = len(todo)
        self.signalled: ExitCode | None = None
        self.fatal: ApikleyError | None = None
        self._done = self._failed = self._running = 0
        self._in_flight: set[asyncio.Task[str]] = set()
        self._uploads: dict[str, asyncio.Task[str]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._client: AsyncCharacterClient | None = None
        self._progress: BatchProgress | None = None
        self._items = items
        self._active: set[int] = set()  # the lines a worker is on
        self.gallery_trouble: str | None = None  # why index.html could not be written
        self._gallery_written = -math.inf  # monotonic time of the last write

    def gallery(self, running: bool) -> None:
        """Every line's card on the folder's index.html; a page it cannot write is noted.

        While lines run, at most every `gallery.REWRITE_EVERY` seconds: each write renders
        every line, which for a long batch would cost more than the lines themselves."""
        now = time.monotonic()
        if running and now - self._gallery_written < gallery.REWRITE_EVERY:
            return
        self._gallery_written = now
        cards = [
            card_of(
                item.line.request,
                f"line {item.line.number}",
                "running" if item.line.number in self._active else item.state.value,
                task_id=item.task_id,
                files=item.files,
                error=item.message,
            )
            if item.line.request is not None
            else Card(f"line {item.line.number}", "", "", "", "failed", error=item.message)
            for item in self._items
        ]
        trouble = gallery.write(self._out, cards, running=running)
        if trouble is not None and trouble != self.gallery_trouble:
            self._note(f"no gallery: {trouble}")
        self.gallery_trouble = trouble

    async def run(self) -> None:
        self.gallery(running=bool(self._queue))
        if not self._queue:
            return
        async with async_client(self._args, journal=self._journal.store) as client:
            self._client = client
            self._progress = batch_progress(self.total)
            for text in [self._plan, *self._unusable]:
                self._note(text)
            self._listen(True)
            try:
                count = min(self._args.concurrency, len(self._queue))
                self._workers = [asyncio.create_task(self._worker()) for _ in range(count)]
                await asyncio.gather(*self._workers, return_exceptions=True)
                for worker in self._workers:
                    error = None if worker.cancelled() else worker.exception()
                    if error is not None:
                        raise error
            finally:
                self._listen(False)
                self._progress.close()

    # -- signals ---------------------------------------------------------------------------

    def _listen(self, on: bool) -> None:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            try:
                if on:
                    loop.add_signal_handler(number, self._on_signal, number)
                else:
                    loop.remove_signal_handler(number)
            except (NotImplementedError, RuntimeError):  # Windows: no loop signal handlers
                handler: Any = (
                    (lambda n, _f: loop.call_soon_threadsafe(self._on_signal, n))
                    if on
                    else signal.default_int_handler
                    if number == signal.SIGINT
                    else signal.SIG_DFL
                )
                signal.signal(number, handler)

    def _on_signal(self, number: int) -> None:
        if self.signalled is None:
            self.signalled = (
                ExitCode.TERMINATED if number == signal.SIGTERM else ExitCode.INTERRUPTED
            )
            waiting = len(self._in_flight)
            self._note(
                f"{signal.Signals(number).name}: stopping"
                + (
                    f"; waiting for {waiting} createTask answer(s) to be journaled (send it "
                    "again to quit at once)"
                    if waiting
                    else ""
                )
            )
        else:
            self._note(
                "quitting now: lines whose createTask was in flight will be reported as "
                "uncertain by the next run"
            )
            for call in self._in_flight:
                call.cancel()
        for worker in self._workers:
            worker.cancel()

    # -- the lines -------------------------------------------------------------------------

    def _note(self, text: str) -> None:
        if self._progress is not None:
            self._progress.note(redact(text))

    def _update(self) -> None:
        if self._progress is not None:
            self._progress.update(done=self._done, failed=self._failed, running=self._running)

    def _stop_submits(self, error: ApikleyError) -> None:
        if self.fatal is None:
            self.fatal = error
            self._note(f"no more submits: {why(error)}")

    async def _worker(self) -> None:
        while self._queue and self.signalled is None:
            item = self._queue.popleft()
            if item.task_id is None and self.fatal is not None:
                continue  # stays pending: the next run submits it
            self._running += 1
            self._active.add(item.line.number)
            self._update()
            try:
                await self._process(item)
            finally:
                self._running -= 1
                self._active.discard(item.line.number)
                self.gallery(running=True)
                if item.outcome is Outcome.DONE:
                    self._done += 1
                elif item.outcome is not None:
                    self._failed += 1
                    where = f" (task {item.task_id})" if item.task_id else ""
                    self._note(f"line {item.line.number}{where}: {item.outcome}: {item.message}")
                self._update()

    async def _process(self, item: Item) -> None:
        assert self._client is not None
        if item.task_id is None and await self._submit(item) is None:
            return
        assert item.task_id is not None
        line, key = item.line.number, item.key
        # The client journals the task's failure and its saved files itself (journal=).
        try:
            task = await self._client.wait(item.task_id, timeout=self._args.timeout)
        except GenerationFailedError as error:
            item.finish(Outcome.FAILED, why(error))
            return
        except TaskNotFoundError as error:
            # Younger than the service keeps tasks (older ones are not waited for), it may
            # still exist (the service lagging, another key): the next run looks again.
            self._note_entry(line, key, why(error))
            item.finish(Outcome.UNFINISHED, why(error))
            return
        except ApikleyError as error:
            if isinstance(error, AuthenticationError | InsufficientCreditsError | JournalError):
                self._stop_submits(error)
            self._note_entry(line, key, why(error))
            item.finish(Outcome.UNFINISHED, why(error))
            return
        try:
            files = await self._client.download(task, self._out, overwrite=True)
        except (ApikleyError, OSError) as error:
            if isinstance(error, SaveError):
                # The disk cannot take images: paying for more lines would only lose them.
                self._stop_submits(error)
            self._note_entry(line, key, f"download: {why(error)}")
            item.finish(Outcome.UNFINISHED, f"download: {why(error)}")
            return
        item.files = [str(path.resolve()) for path in files]
        item.finish(Outcome.DONE)

    def _note_entry(self, line: int, key: str, error: str) -> None:
        """An error that leaves the line's state as it is, in the journal if it can take it."""
        entry = self._journal.entry_of(line, key)
        if entry is not None:
            with contextlib.suppress(JournalError):
                self._journal.note(entry, error)

    async def _url(self, reference: str) -> str:
        """An http(s) URL for an image: each local file is uploaded once per run."""
        assert self._client is not None
        if is_url(reference):
            return reference
        upload = self._uploads.get(reference)
        if upload is None:
            # The client checks the file (exists, type, size) before sending anything.
            upload = asyncio.ensure_future(self._client.upload(Path(reference)))
            self._uploads[reference] = upload
        # Shielded: one worker being stopped must not cancel an upload others wait for.
        return await asyncio.shield(upload)

    async def _submit(self, item: Item) -> str | None:
        assert self._client is not None
        assert item.line.request is not None
        request = item.line.request
        try:
            # All of the line's images are checked before the first of them is uploaded.
            check_images({"reference_image": request.reference, **request.images})
            reference = await self._url(request.reference)
            images: dict[str, str | list[str]] = {}
            for name, value in request.images.items():
                if isinstance(value, str):
                    images[name] = await self._url(value)
                else:
                    images[name] = [await self._url(item) for item in value]
        except (ApikleyError, OSError) as error:
            # Nothing reached createTask, so the next run may try this line again.
            if isinstance(error, AuthenticationError | InsufficientCreditsError):
                self._stop_submits(error)
            item.finish(Outcome.FAILED, f"images: {why(error)}")
            return None
        if self.signalled is not None or self.fatal is not None:
            return None
        # The client journals the line (by its label) just before createTask leaves, after
        # any wait for the rate limit: a line killed while waiting was never sent.
        call = asyncio.ensure_future(
            self._client.submit(
                request.prompt,
                reference,
                label=label(item.line.number, item.key),
                **{**request.arguments(), **images},
            )
        )
        self._in_flight.add(call)
        try:
            await asyncio.wait([call])  # unlike awaiting it, a cancelled worker leaves it running
        except asyncio.CancelledError:
            # Stopping: the request may be on the wire, and its answer belongs in the journal.
            await asyncio.wait([call])
            self._record(item, call)
            raise
        finally:
            self._in_flight.discard(call)
        return self._record(item, call)

    def _record(self, item: Item, call: asyncio.Task[str]) -> str | None:
        """The line's outcome from its submit; the client has journaled it already."""
        if call.cancelled():
            item.finish(Outcome.UNCERTAIN, "quit while createTask was in flight")
            return None  # the row stays "submitting": the next run reports it
        error = call.exception()
        if error is None:
            item.task_id = call.result()
            return item.task_id
        if isinstance(error, JournalError):
            # The disk is full, or worse: stop paying for lines.
            self._stop_submits(error)
            if error.task_id is None:  # "submitting" could not be written: nothing was sent
                item.finish(Outcome.PENDING, why(error))
                return None
            # Accepted, paid for, and not on disk: its id goes to stderr and the summary.
            item.task_id = error.task_id
            self._note(
                f"line {item.line.number}: task {error.task_id} was accepted but could not be "
                "journaled: keep this id"
            )
            return None
        if isinstance(error, SubmissionUncertainError):
            item.finish(Outcome.UNCERTAIN, why(error))
        elif isinstance(error, BudgetExceededError):
            # Nothing was sent: the line waits for a run with budget to spare.
            self._stop_submits(error)
            item.finish(Outcome.PENDING, why(error))
        elif isinstance(error, ApikleyError):
            item.finish(Outcome.FAILED, why(error))
            if isinstance(error, AuthenticationError | InsufficientCreditsError):
                self._stop_submits(error)
        else:
            raise error  # a bug: the row stays "submitting", so it is never sent twice
        return None


def batch(args: argparse.Namespace) -> int:
    defaults = option_values(args)
    if args.reference:
        defaults["reference"] = resolve(args.reference, Path.cwd())
    # Images given on the command line are relative to the current folder, not the file's.
    for name in image_flags():
        if isinstance(defaults.get(name), str):
            defaults[name] = resolve(defaults[name], Path.cwd())
        elif isinstance(defaults.get(name), list):
            defaults[name] = [resolve(item, Path.cwd()) for item in defaults[name]]
    try:
        lines = read(args.file, defaults)
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(ExitCode.FILE, f"cannot read the batch file {args.file}: {error}") from None
    if not lines:
        raise CliError(ExitCode.INVALID, f"{args.file} holds no requests")
    out = output_folder(args)
    # The sandbox's tasks die with this process, so its journal could resume nothing.
    journal = BatchJournal.open(None if args.sandbox else out, args.file.name, force=args.force)
    try:
        items = plan(lines, journal)
        runner = Runner(args, journal, items, out)
        asyncio.run(runner.run())
        runner.gallery(running=False)
        code = exit_code(items, runner.signalled, runner.fatal)
        summary(items, journal, args.json)
        advice(code, items, journal)
        if runner.gallery_trouble is None:
            say(f"batch: open {out / gallery.FILE_NAME} to see every line's images")
    finally:
        journal.close()
    return code
