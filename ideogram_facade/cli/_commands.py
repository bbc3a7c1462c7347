"""The one-task commands, each one call of `CharacterClient` (generate: a few in a row)."""

from __future__ import annotations

import argparse
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from ideogram_facade import (
    TASK_RETENTION_DAYS,
    CharacterClient,
    GenerationFailedError,
    Task,
    TaskNotFoundError,
    check_images,
)
from ideogram_facade.journal import Journal

from . import _gallery as gallery
from ._display import StatusLine, status_line
from ._exitcodes import PROG, CliError, ExitCode, Interrupted, say
from ._gallery import Card, card_of
from ._output import emit_json, emit_lines, paths_json, task_json
from ._request import Request, is_url
from ._settings import check_key, sync_client


def output_folder(args: argparse.Namespace) -> Path:
    """`--out`, created if missing and proven writable (a byte written to a probe file): before
    anything is uploaded or submitted, so that a folder that cannot take the images costs
    nothing; and after the key is checked, so that a command refused at once leaves no empty
    folder behind."""
    check_key(args.sandbox)
    out: Path = args.out
    probe = out / f".ideogram-character-probe-{uuid.uuid4().hex}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        with probe.open("xb") as file:
            file.write(b"\0")
            file.flush()
            os.fsync(file.fileno())
    except OSError as error:
        reason = error.strerror or str(error)
        raise CliError(
            ExitCode.FILE,
            f"cannot write to the output folder {out}: {reason}; nothing was uploaded or "
            "submitted: choose another --out",
        ) from None
    finally:
        with suppress(OSError):  # under a file, even looking for it fails
            probe.unlink(missing_ok=True)
    return out


def local_file(path: Path, what: str) -> Path:
    if not path.is_file():
        raise CliError(
            ExitCode.FILE,
            f"{what} {str(path)!r} is not a file: give an http(s) URL or the path of a JPEG, "
            "PNG or WebP image",
        )
    return path


def check_request_images(request: Request) -> None:
    """Every image of a request checked before anything is uploaded: that each local one is a
    file (exit 10), then the facade's checks of types, sizes and an image's and its mask's
    pixel sizes (exit 5)."""
    named = [("the reference image", request.reference)]
    for name, value in request.images.items():
        named += [(name, item) for item in ((value,) if isinstance(value, str) else value)]
    for what, item in named:
        if not is_url(item):
            local_file(Path(item), what)
    check_images({"reference_image": request.reference, **request.images})


def image_urls(
    client: CharacterClient, request: Request, line: StatusLine
) -> tuple[str, dict[str, str | list[str]]]:
    """The reference's URL and the other images' arguments, with local images uploaded."""
    uploaded: dict[str, str] = {}

    def url(item: str) -> str:
        if is_url(item):
            return item
        if item not in uploaded:
            line.set(f"uploading {Path(item).name}")
            uploaded[item] = client.upload(Path(item))
        return uploaded[item]

    images = {
        name: url(value) if isinstance(value, str) else [url(item) for item in value]
        for name, value in request.images.items()
    }
    return url(request.reference), images


def _watching(line: StatusLine, task_id: str) -> Callable[[Task], None]:
    def on_update(task: Task) -> None:
        line.set(f"{task_id}: {task.state.value}")

    return on_update


def _interrupted(
    stop: BaseException, task_id: str | None, submitting: bool, out: Path | None = None
) -> Interrupted:
    code = stop.code if isinstance(stop, Interrupted) else ExitCode.INTERRUPTED
    if task_id is not None:
        then = f"download {task_id} --out {out}" if out is not None else f"wait {task_id}"
        detail = f"task {task_id} keeps running on the service; resume with: {PROG} {then}"
    elif submitting:
        detail = (
            "createTask was in flight, so a task may have been created: look for it in the "
            "Apikley dashboard before submitting again"
        )
    else:
        detail = "nothing was submitted"
    return Interrupted(code, detail)


def generate(args: argparse.Namespace) -> int:
    request = Request.from_args(args)
    check_request_images(request)
    out = output_folder(args)
    task_id: str | None = None
    submitting = False
    with sync_client(args) as client, closing(status_line()) as line:
        try:
            reference, images = image_urls(client, request, line)
            line.set("submitting")
            submitting = True
            task_id = client.submit(request.prompt, reference, **{**request.arguments(), **images})
            line.set(f"{task_id}: submitted")
            try:
                task = client.wait(
                    task_id, timeout=args.timeout, on_update=_watching(line, task_id)
                )
            except GenerationFailedError as error:
                _show(
                    out, card_of(request, task_id, "failed", task_id=task_id, error=error.message)
                )
                raise
            line.set(f"{task_id}: downloading {len(task.image_urls)} image(s)")
            files = client.download(task, out)
        except (KeyboardInterrupt, Interrupted) as stop:
            raise _interrupted(stop, task_id, submitting, out) from None
    card = card_of(request, task_id, "done", task_id=task_id, files=[str(f) for f in files])
    if _show(out, card) is None:
        say(f"generate: open {out / gallery.FILE_NAME} to see the images and what made them")
    if args.json:
        emit_json(
            {
                "task_id": task.task_id,
                "state": task.state.value,
                "image_urls": list(task.image_urls),
                "files": paths_json(files),
            }
        )
    else:
        emit_lines(files)
    return ExitCode.OK


def _show(out: Path, card: Card) -> str | None:
    """The task on the folder's index.html; a page that cannot be written is only noted.
    Why it could not be written, or None."""
    trouble = gallery.add(out, card)
    if trouble is not None:
        say(f"generate: no gallery: {trouble}")
    return trouble


def submit(args: argparse.Namespace) -> int:
    request = Request.from_args(args)
    check_request_images(request)
    submitting = False
    with sync_client(args) as client, closing(status_line()) as line:
        try:
            reference, images = image_urls(client, request, line)
            submitting = True
            task_id = client.submit(request.prompt, reference, **{**request.arguments(), **images})
        except (KeyboardInterrupt, Interrupted) as stop:
            raise _interrupted(stop, None, submitting) from None
    if args.json:
        emit_json({"task_id": task_id})
    else:
        emit_lines([task_id])
    return ExitCode.OK


@contextmanager
def sandbox_task(args: argparse.Namespace) -> Iterator[None]:
    """In --sandbox, an unknown task id is one a previous command made: say why it is gone."""
    try:
        yield
    except TaskNotFoundError:
        if not args.sandbox:
            raise
        raise CliError(
            ExitCode.ERROR,
            f"{args.command}: no task {args.task_id} in the sandbox: sandbox tasks live only as "
            f"long as the command that made them; use `{PROG} generate --sandbox ...`, which "
            "submits, waits and downloads in one command",
        ) from None


def status(args: argparse.Namespace) -> int:
    with sync_client(args) as client, sandbox_task(args):
        task = client.get_task(args.task_id)
    if args.json:
        emit_json(task_json(task))
        return ExitCode.OK
    lines = [f"task {task.task_id}: {task.state.value}", *task.image_urls]
    if task.fail_code or task.fail_message:
        lines.append(f"failed: {task.fail_message or 'no reason given'} (code {task.fail_code})")
    emit_lines(lines)
    return ExitCode.OK


def _wait(client: CharacterClient, args: argparse.Namespace) -> Task:
    out: Path | None = getattr(args, "out", None)
    with closing(status_line()) as line:
        line.set(f"{args.task_id}: waiting")
        try:
            return client.wait(
                args.task_id, timeout=args.timeout, on_update=_watching(line, args.task_id)
            )
        except (KeyboardInterrupt, Interrupted) as stop:
            raise _interrupted(stop, args.task_id, False, out) from None


def wait(args: argparse.Namespace) -> int:
    with sync_client(args) as client, sandbox_task(args):
        task = _wait(client, args)
    if args.json:
        emit_json(task_json(task))
    else:
        emit_lines(task.image_urls)
    return ExitCode.OK


def download(args: argparse.Namespace) -> int:
    out = output_folder(args)
    with sync_client(args) as client, sandbox_task(args):
        task = _wait(client, args)
        files = client.download(task, out, overwrite=args.overwrite)
    if args.json:
        emit_json({"task_id": task.task_id, "files": paths_json(files)})
    else:
        emit_lines(files)
    return ExitCode.OK


def credits(args: argparse.Namespace) -> int:
    with sync_client(args) as client:
        balance = client.credits()
    if args.json:
        emit_json({"credits": balance})
    else:
        emit_lines([exact(balance)])
    return ExitCode.OK


def exact(number: float) -> str:
    """A balance as it is: 1000000, 12.5, never 1e+06."""
    if number == int(number):
        return str(int(number))
    return repr(number)


def upload(args: argparse.Namespace) -> int:
    path = local_file(args.path, "the image")
    with sync_client(args) as client:
        url = client.upload(path)
    if args.json:
        emit_json({"url": url})
    else:
        emit_lines([url])
    return ExitCode.OK


def _check_journal(journal: str | Path) -> None:
    """A journal file must be there (a database's tables are made if missing: empty)."""
    if isinstance(journal, Path) and not journal.is_file():
        raise CliError(ExitCode.FILE, f"no journal at {journal}")


def _journal_client(args: argparse.Namespace) -> AbstractContextManager[CharacterClient]:
    _check_journal(args.journal)
    return sync_client(args)  # with args.journal


def tasks(args: argparse.Namespace) -> int:
    """The journal's tasks (every worker's, in a shared one): those that need something,
    or --all."""
    _check_journal(args.journal)
    journal = Journal.open(args.journal, sandbox=None)  # either kind: it is only read
    where = journal.path  # without a password
    try:
        entries = journal.entries() if args.all else journal.unfinished()
    finally:
        journal.close()
    rows = [
        {
            "task_id": entry.task_id,
            "state": "expired" if entry.expired and entry.task_id else entry.state.value,
            "model": entry.model,
            "label": entry.label,
            "created_at": datetime.fromtimestamp(entry.created_at, UTC).isoformat(
                timespec="seconds"
            ),
            "files": list(entry.files),
            "error": entry.error,
            "leased_by": entry.leased_by,
        }
        for entry in entries
    ]
    if args.json:
        emit_json({"journal": where, "tasks": rows})
    else:
        emit_lines(
            [
                f"{row['task_id'] or '(no task id: look for it in the dashboard)'}  "
                f"{row['state']}  {row['model']}  {row['created_at']}"
                + (f"  {row['error']}" if row["error"] else "")
                for row in rows
            ]
        )
    return ExitCode.OK


def resume(args: argparse.Namespace) -> int:
    """Wait for the journal's unfinished tasks and save their images into --out."""
    out = output_folder(args)
    with _journal_client(args) as client, closing(status_line()) as line:
        line.set("resuming the journal's unfinished tasks")
        ended = client.resume(out, timeout=args.timeout)
        unfinished = client.unfinished()
    left = [entry for entry in unfinished if entry.task_id is None]
    missing = [entry for entry in unfinished if entry.task_id is not None]
    if args.json:
        emit_json(
            {
                "tasks": [task_json(task) for task in ended],
                "uncertain": len(left),
                "not_found": [entry.task_id for entry in missing],
            }
        )
    else:
        emit_lines(
            [
                f"{task.task_id}  {task.state.value}"
                + (f"  {task.fail_message}" if task.fail_message else "")
                for task in ended
            ]
        )
    if missing:
        shown = ", ".join(str(entry.task_id) for entry in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        say(
            f"resume: the service does not find {len(missing)} task(s) of the journal "
            f"({shown}{more}); they stay in it, to resume later, as the service keeps tasks "
            f"{TASK_RETENTION_DAYS} days: check that this is the key that made them"
        )
    if left:
        say(
            f"resume: {len(left)} submit(s) in the journal lost their answer, so there is no "
            "task id to wait for: look for them in the Apikley dashboard"
        )
        return ExitCode.UNCERTAIN
    if missing:
        return ExitCode.ERROR
    return ExitCode.OK if all(task.succeeded for task in ended) else ExitCode.GENERATION_FAILED
