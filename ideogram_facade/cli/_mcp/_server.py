"""The MCP server: the catalogue's tools (`_tools.py`), each run by an `AsyncCharacterClient`
that journals every task it creates.

    tools = Tools(client, journal, out=Path("images"))
    server = build_server(tools)          # an mcp.server.Server; run it on any transport

The low-level `mcp.server.Server`, not `MCPServer`: MCPServer takes a tool's schema from a
Python signature, and a hand-made schema there is shown but not enforced; ours come from the
catalogue at start, so they are given as they are and checked here (`ToolSpec.check`).

Every answer says the task id once there is one: a failure after the service accepted a task
(a timeout, a failed task, a file that cannot be saved) is an error whose text carries it.
The API key is in no answer: errors are the facade's (redacted), our own texts never hold
it, and whatever else is caught is scrubbed too.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import traceback
from collections.abc import Callable, Coroutine, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from mcp.server import Server, ServerRequestContext
from mcp.types import (
    CallToolRequestParams,
    CallToolResult,
    ContentBlock,
    ImageContent,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    Tool,
    ToolAnnotations,
)

from ideogram_facade import (
    API_KEY_ENV,
    APIConnectionError,
    ApikleyError,
    AsyncCharacterClient,
    AuthenticationError,
    JournalEntry,
    SubmissionUncertainError,
    Task,
    TaskTimeoutError,
    __version__,
)
from ideogram_facade import redact as redact_secrets
from ideogram_facade.cli._commands import exact
from ideogram_facade.cli._exitcodes import PROG, classify, redact
from ideogram_facade.cli._output import task_json
from ideogram_facade.journal import Journal, State

from ._previews import MAX_PREVIEWS, preview
from ._tools import DEFAULT_TOOL_WAIT, ToolSpec, catalogue

logger = logging.getLogger(__name__)  # under the library's logger, which the CLI shows

# The facade's advice speaks Python; an agent calls tools. Each pattern is replaced wherever an
# error's message carries it (the CLI does the same in its own words: _exitcodes._CLI_WORDS).
_MCP_WORDS: tuple[tuple[str, str], ...] = (
    (r"resume with wait\('([^']*)'\)", r"call wait or download with task_id '\1'"),
    (r"wait\('([^']*)'\) and download\(\) take it", r"the wait and download tools take it"),
    (r"; wait\(\) for it", "; call wait with its task_id"),
    (
        r"download\('([^']*)', \.\.\.\) fetches them",
        r"the download tool with task_id '\1' fetches them",
    ),
    (r"pass overwrite=True to replace it", "pass overwrite: true to replace it"),
    # A client setting no tool can change: the refusal is the answer.
    (r"\. Pass allow_private_urls=True to the client if you mean it", ""),
)
# A prompt in a list of tasks: enough to recognise it.
_PROMPT_SHOWN = 200

Progress = Callable[[str], None]


def in_mcp_words(message: str) -> str:
    for pattern, replacement in _MCP_WORDS:
        message = re.sub(pattern, replacement, message)
    return message


def _next_step(error: ApikleyError, submitted: bool) -> str:
    if submitted and isinstance(error, TaskTimeoutError):
        return "Calling generate again would pay for another task"
    if isinstance(error, SubmissionUncertainError):
        return (
            "The tasks tool lists it; look for the task in the Apikley dashboard before "
            "submitting again"
        )
    if isinstance(error, AuthenticationError):
        return f"Check {API_KEY_ENV} in the environment this server was started with"
    if isinstance(error, APIConnectionError):
        return "Check the network, and APIKLEY_BASE_URL if it is set"
    return ""


def _scrub(text: str) -> str:
    return redact(redact_secrets(text))


def error_result(message: str, label: str, task_id: str | None = None) -> CallToolResult:
    """An answer with isError: what happened and what to do, naming the task id if any. In
    text only: clients check an error's structured content against the tool's output schema
    too (the TypeScript SDK does), which describes a success."""
    text = f"{label}: {_scrub(message)}"
    if task_id is not None and task_id not in text:
        text += f" (task_id {task_id})"
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def api_error_result(
    error: ApikleyError, task_id: str | None = None, *, submitted: bool = False
) -> CallToolResult:
    """The facade's error, in tool terms; `submitted` when this call created the task."""
    task_id = error.task_id or task_id
    step = _next_step(error, submitted)
    message = in_mcp_words(str(error)) + (f". {step}" if step else "")
    return error_result(message, classify(error)[1], task_id)


def _known(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` less those that are None (the output schemas in _tools.py say why)."""
    return {key: value for key, value in values.items() if value is not None}


async def _answer(
    text: str, structured: Mapping[str, Any], files: Sequence[str] = ()
) -> CallToolResult:
    """A text for the agent, the structured result, and previews of the first saved images
    (made in a worker thread: decoding a few MB would hold up the server's other calls)."""
    content: list[ContentBlock] = [TextContent(type="text", text=text)]
    for path in files[:MAX_PREVIEWS]:
        small = await anyio.to_thread.run_sync(preview, Path(path))
        if small is not None:
            data = base64.b64encode(small).decode("ascii")
            content.append(ImageContent(type="image", data=data, mime_type="image/jpeg"))
    return CallToolResult(content=content, structured_content=dict(structured))


def _task_text(task: Task, files: Sequence[str]) -> str:
    lines = [f"task {task.task_id}: {task.state.value}"]
    if task.fail_message or task.fail_code:
        lines.append(f"failed: {task.fail_message or 'no reason given'} (code {task.fail_code})")
    if files:
        lines.append(f"{len(files)} image(s) saved:")
        lines += files
    elif task.image_urls:
        lines.append(f"{len(task.image_urls)} image(s); download saves them:")
        lines += task.image_urls
    return "\n".join(lines)


async def _task_answer(task: Task, files: Sequence[str] = ()) -> CallToolResult:
    structured = _known({**task_json(task), "files": list(files)})
    return await _answer(_task_text(task, files), structured, files)


def entry_json(entry: JournalEntry) -> dict[str, Any]:
    prompt = entry.request.get("prompt")
    return _known(
        {
            "task_id": entry.task_id,
            "state": "expired" if entry.expired and entry.task_id else entry.state.value,
            "model": entry.model,
            "prompt": str(prompt)[:_PROMPT_SHOWN] if prompt is not None else "",
            "created_at": datetime.fromtimestamp(entry.created_at, UTC).isoformat(
                timespec="seconds"
            ),
            "files": list(entry.files),
            "error": entry.error,
        }
    )


def _entry_line(row: Mapping[str, Any]) -> str:
    task = row.get("task_id", "(no task id: its submit's answer was lost)")
    line = f"{task}  {row['state']}  {row['model']}  {row['created_at']}"
    return line + (f"  {row['error']}" if "error" in row else "")


class _Call:
    """What one tool call knows so far: the task id, as soon as there is one, and whether
    this call created the task (then, a later failure must not lead to a second one)."""

    task_id: str | None = None
    submitted = False


class Tools:
    """The actions behind the tools, on one client, journal and output folder."""

    def __init__(self, client: AsyncCharacterClient, journal: Journal, out: Path) -> None:
        self.client = client
        self.journal = journal
        self.out = out
        self.specs = catalogue()

    async def call(
        self, name: str, arguments: Mapping[str, Any] | None, progress: Progress
    ) -> CallToolResult:
        """Run the tool `name`; every outcome is an answer, failures with isError."""
        spec = self.specs.get(name)
        if spec is None:
            return error_result(
                f"no tool {name!r}; the tools are {', '.join(self.specs)}", "unknown tool"
            )
        call = _Call()
        try:
            given = spec.check(arguments or {})
            return await self._run(spec, given, call, progress)
        except ApikleyError as error:
            return api_error_result(error, call.task_id, submitted=call.submitted)
        except Exception as error:  # a bug: say so, with the task id, and log it whole
            logger.error("%s failed: %s", name, _scrub("".join(traceback.format_exception(error))))
            then = (
                f"; task {call.task_id} was submitted and keeps running: call wait with its task_id"
                if call.task_id
                else ""
            )
            return error_result(
                f"{type(error).__name__}: {error}{then}. This is a bug of {PROG}: please report "
                "it (the server's log has the traceback)",
                "internal error",
                call.task_id,
            )

    async def _run(
        self, spec: ToolSpec, given: dict[str, Any], call: _Call, progress: Progress
    ) -> CallToolResult:
        timeout = given.pop("timeout", DEFAULT_TOOL_WAIT)
        if spec.model is not None:
            call.task_id = await self._submit(spec, given)
            call.submitted = True
            if spec.action == "submit":
                text = (
                    f"task {call.task_id} submitted ({spec.model.name}), recorded in the "
                    f"journal {self.journal.path}: wait, status or download take its task_id"
                )
                return await _answer(text, {"task_id": call.task_id, "model": spec.model.name})
            return await self._download(call.task_id, timeout, False, progress)
        if spec.action == "status":
            task = await self.client.get_task(given["task_id"])
            return await _task_answer(task)
        if spec.action == "wait":
            call.task_id = given["task_id"]
            task = await self.client.wait(
                given["task_id"], timeout=timeout, on_update=_watch(progress)
            )
            return await _task_answer(task)
        if spec.action == "download":
            call.task_id = given["task_id"]
            return await self._download(
                given["task_id"], timeout, given.get("overwrite", False), progress
            )
        if spec.action == "credits":
            balance = await self.client.credits()
            return await _answer(f"{exact(balance)} credits", {"credits": balance})
        if spec.action == "tasks":
            return await self._tasks(given.get("all", False))
        if spec.action == "resume":
            return await self._resume(timeout)
        raise AssertionError(f"no action {spec.action}")

    async def _submit(self, spec: ToolSpec, given: dict[str, Any]) -> str:
        assert spec.model is not None
        options = dict(given)
        prompt = options.pop("prompt")
        reference = options.pop("reference_image")
        images = {
            name: _local(value) for name, value in options.items() if name in spec.model.images
        }
        arguments = {"model": spec.model.name, **options, **images}
        return await self.client.submit(prompt, _local(reference), **arguments)

    async def _download(
        self, task_id: str, seconds: float, overwrite: bool, progress: Progress
    ) -> CallToolResult:
        task = await self.client.wait(task_id, timeout=seconds, on_update=_watch(progress))
        paths = await self.client.download(task, self.out, overwrite=overwrite)
        return await _task_answer(task, [str(path) for path in paths])

    async def _tasks(self, every: bool) -> CallToolResult:
        entries = await anyio.to_thread.run_sync(
            self.journal.entries if every else self.journal.unfinished
        )
        rows = [entry_json(entry) for entry in entries]
        which = "tasks" if every else "tasks that need something"
        text = "\n".join(
            [f"{len(rows)} {which} in the journal {self.journal.path}", *map(_entry_line, rows)]
        )
        return await _answer(text, {"journal": self.journal.path, "tasks": rows})

    async def _resume(self, seconds: float) -> CallToolResult:
        """The journal's unfinished tasks waited for and saved, within `seconds` in all; what
        each became is read back from the journal, which the client kept up to date."""
        before = await anyio.to_thread.run_sync(self.journal.unfinished)
        with anyio.move_on_after(seconds) as scope:
            await self.client.resume(self.out, timeout=seconds)
        ids = {entry.id for entry in before}
        after = [e for e in await anyio.to_thread.run_sync(self.journal.entries) if e.id in ids]
        rows = [entry_json(entry) for entry in after]
        unfinished = sum(1 for e in after if e.task_id is not None and e.state is State.SUBMITTED)
        uncertain = sum(1 for e in after if e.task_id is None)
        lines = [f"{len(rows)} unfinished task(s) in the journal {self.journal.path}"]
        lines += map(_entry_line, rows)
        if scope.cancelled_caught or unfinished:
            lines.append(f"{unfinished} still running after {seconds:g} s: call resume again later")
        if uncertain:
            lines.append(
                f"{uncertain} submit(s) lost their answer, so there is no task id to wait "
                "for: look for them in the Apikley dashboard before submitting again"
            )
        files = [path for row in rows for path in row["files"]]
        structured = {"tasks": rows, "unfinished": unfinished, "uncertain": uncertain}
        return await _answer("\n".join(lines), structured, files)


def _local(value: Any) -> Any:
    """An image argument as the facade takes it: a URL as is, a path with ~ expanded."""
    if isinstance(value, list):
        return [_local(item) for item in value]
    if value.lower().startswith(("http://", "https://")):
        return value
    return str(Path(value).expanduser())


def _watch(progress: Progress) -> Callable[[Task], None]:
    def on_update(task: Task) -> None:
        progress(f"task {task.task_id}: {task.state.value}")

    return on_update


def _reporter(
    report: Callable[[float, float | None, str | None], Coroutine[Any, Any, None]],
) -> tuple[Progress, Callable[[], Coroutine[Any, Any, None]]]:
    """A sync `progress` for the client's on_update, and a coroutine that waits until every
    notification it started has gone. Notifications are best effort: one that cannot be sent
    (the client left) is dropped, never the call's failure."""
    sent: list[asyncio.Task[None]] = []

    async def send(step: int, message: str) -> None:
        with suppress(Exception):  # a progress note is not worth failing a paid call for
            await report(step, None, message)

    def progress(message: str) -> None:
        sent.append(asyncio.get_running_loop().create_task(send(len(sent) + 1, message)))

    async def flush() -> None:
        if sent:
            await asyncio.wait(sent)

    return progress, flush


def build_server(tools: Tools) -> Server[Any]:
    """The low-level MCP server with the catalogue's tools."""
    listed = [
        Tool(
            name=spec.name,
            title=spec.title,
            description=spec.description,
            input_schema=dict(spec.input_schema),
            output_schema=dict(spec.output_schema),
            annotations=ToolAnnotations(
                title=spec.title,
                read_only_hint=spec.read_only,
                destructive_hint=False,
                idempotent_hint=spec.idempotent,
                open_world_hint=True,
            ),
        )
        for spec in tools.specs.values()
    ]

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        return ListToolsResult(tools=listed)

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: CallToolRequestParams
    ) -> CallToolResult:
        progress, flush = _reporter(ctx.session.report_progress)
        try:
            return await tools.call(params.name, params.arguments, progress)
        finally:
            await flush()

    return Server(
        PROG,
        version=__version__,
        instructions=(
            "Ideogram character models: put the character of a reference portrait into new "
            "scenes (generate_*), or submit and collect later (submit_*, wait, download). "
            "Every accepted task is in the server's journal (tasks, resume)."
        ),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
