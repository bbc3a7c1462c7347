"""The MCP server through the SDK's own client, in memory: every tool, the journal, the task id
on every failure after a submit, what a bad argument says, and no key in any answer. The same
session runs over stdio and HTTP in test_transports.py."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from ideogram_facade import AsyncCharacterClient, InvalidRequestError
from ideogram_facade._journal import Journal
from ideogram_facade.cli._mcp import JOURNAL_NAME
from ideogram_facade.testing import FakeApikley, Fault, TaskTiming
from tests.conftest import FAST_POLL

from .support import URL, check_secrets, exercise, images, succeeded, text

if TYPE_CHECKING:  # imported where used (support.py says why)
    from mcp import Client
    from mcp.types import CallToolResult

PNG = b"\x89PNG\r\n\x1a\n"


@asynccontextmanager
async def connected(fake: FakeApikley, out: Path) -> AsyncIterator[Client]:
    """The server on a client of `fake` that journals into `out`, and an SDK client of it."""
    from mcp import Client

    from ideogram_facade.cli._mcp._server import Tools, build_server

    journal = Journal.open(out / JOURNAL_NAME)
    client = AsyncCharacterClient(
        fake.api_key,
        base_url=fake.base_url,
        upload_base_url=fake.upload_base_url,
        poll=FAST_POLL,
        rate_limit=None,
        journal=journal,
    )
    try:
        async with Client(build_server(Tools(client, journal, out))) as session:
            yield session
    finally:
        await client.close()
        journal.close()


def run(fake: FakeApikley, out: Path, scenario: Callable[[Client], Awaitable[None]]) -> None:
    async def main() -> None:
        async with connected(fake, out) as session:
            await scenario(session)

    anyio.run(main)


def journal_rows(out: Path) -> list[tuple[str | None, str]]:
    with closing(sqlite3.connect(f"file:{out / JOURNAL_NAME}?mode=ro", uri=True)) as db:
        return list(db.execute("SELECT task_id, state FROM tasks ORDER BY id"))


async def call(session: Client, name: str, arguments: dict[str, Any]) -> CallToolResult:
    result = await session.call_tool(name, arguments)
    check_secrets(result, f"the answer of {name}")
    return result


def test_every_tool_answers_through_the_sdk_client(fake: FakeApikley, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    pictures = images(tmp_path / "in")

    async def scenario(session: Client) -> None:
        await exercise(session, out, pictures, lambda path: path.read_bytes().startswith(PNG))

    run(fake, out, scenario)
    assert fake.creates_received == 6  # the two bad calls sent nothing


def test_a_submitted_task_is_in_the_journal_when_submit_answers(
    fake: FakeApikley, tmp_path: Path
) -> None:
    async def scenario(session: Client) -> None:
        answer = await call(
            session, "submit_character", {"prompt": "a pilot", "reference_image": URL}
        )
        task_id = succeeded(answer, "submit")["task_id"]
        assert journal_rows(tmp_path) == [(task_id, "submitted")]

    run(fake, tmp_path, scenario)


def test_a_timeout_after_submit_answers_with_the_task_id_and_how_to_go_on(
    fake: FakeApikley, tmp_path: Path
) -> None:
    fake.script_next_task(timing=TaskTiming(waiting=0, queuing=0, generating=60))

    async def scenario(session: Client) -> None:
        answer = await call(
            session,
            "generate_character",
            {"prompt": "a pilot", "reference_image": URL, "timeout": 0.2},
        )
        assert answer.is_error
        (task_id,) = fake.tasks
        assert answer.structured_content is None  # a client would check it as a success
        assert f"call wait or download with task_id '{task_id}'" in text(answer)
        assert "Calling generate again would pay for another task" in text(answer)
        assert journal_rows(tmp_path) == [(task_id, "submitted")]

    run(fake, tmp_path, scenario)
    assert fake.creates_received == 1


def test_a_failed_task_answers_with_its_id_and_the_reason(
    fake: FakeApikley, tmp_path: Path
) -> None:
    fake.script_next_task(fail=("500", "content policy"))

    async def scenario(session: Client) -> None:
        answer = await call(
            session, "generate_character", {"prompt": "a pilot", "reference_image": URL}
        )
        assert answer.is_error
        (task_id,) = fake.tasks
        assert text(answer).startswith("generation failed: ")
        assert "content policy" in text(answer)
        assert task_id in text(answer)
        assert journal_rows(tmp_path) == [(task_id, "failed")]

    run(fake, tmp_path, scenario)


def test_a_key_the_service_echoes_back_is_in_no_answer(fake: FakeApikley, tmp_path: Path) -> None:
    fake.inject("credit", Fault.body_code(401, f"invalid key: {fake.api_key}"))

    async def scenario(session: Client) -> None:
        answer = await call(session, "credits", {})  # checks the whole answer for the key
        assert answer.is_error
        assert text(answer).startswith("authentication failed: ")
        assert "invalid key: [redacted]" in text(answer)
        assert "Check APIKLEY_API_KEY in the environment this server was started with" in text(
            answer
        )

    run(fake, tmp_path, scenario)


BAD_ARGUMENTS = [
    (
        "generate_character_edit",
        {"mask": "https://example.com/mask.png"},
        "ideogram/character-edit requires image (The image URL to generate an image from)",
    ),
    ("generate_character", {"num_images": "2"}, "num_images must be one of 1, 2, 3, 4; got '2'"),
    ("generate_character", {"style": "auto"}, "style must be one of AUTO, REALISTIC, FICTION"),
    (
        "generate_character_remix",
        {"image": URL, "negative_prompt": "x" * 600},
        "negative_prompt is 600 characters long; the limit is 500",
    ),
    (
        "generate_character_remix",
        {"image": URL, "strength": 0.35},
        "strength must be a multiple of 0.1; got 0.35",
    ),
    ("generate_character", {"reference_image": "me.png"}, "'me.png' is a relative path"),
    ("generate_character", {"timeout": 0}, "timeout: 0 is less than or equal to the minimum of 0"),
    ("submit_character", {"extra_input": {"seed": 1}}, "extra_input names 'seed', a field"),
    (
        "submit_character",
        {"mask": URL},
        "unknown argument 'mask' (an argument of submit_character_edit); the arguments are",
    ),
    ("status", {}, "'task_id' is a required property"),
    ("generate_nothing", {}, "unknown tool: no tool 'generate_nothing'; the tools are"),
]


@pytest.mark.parametrize(("tool", "arguments", "says"), BAD_ARGUMENTS)
def test_a_bad_argument_is_a_tool_error_that_says_what_to_fix(
    fake: FakeApikley, tmp_path: Path, tool: str, arguments: dict[str, Any], says: str
) -> None:
    # A local reference: a bad argument must stop the call before it is uploaded.
    portrait = str(images(tmp_path / "in")["portrait"])
    request = {"prompt": "a pilot", "reference_image": portrait} if tool != "status" else {}

    async def scenario(session: Client) -> None:
        answer = await call(session, tool, {**request, **arguments})
        assert answer.is_error
        assert says in text(answer), text(answer)

    run(fake, tmp_path, scenario)
    assert fake.creates_received == 0
    assert not fake.uploads


def test_a_whole_number_given_as_a_float_is_the_number_and_a_null_is_left_out(
    fake: FakeApikley, tmp_path: Path
) -> None:
    async def scenario(session: Client) -> None:
        answer = await call(
            session,
            "generate_character",
            {
                "prompt": "a pilot",
                "reference_image": URL,
                "num_images": 2.0,
                "seed": 7.0,
                "style": None,
                "timeout": None,
            },
        )
        assert len(succeeded(answer, "generate")["files"]) == 2

    run(fake, tmp_path, scenario)
    (task,) = fake.tasks.values()
    sent = task.body["input"]
    assert (sent["num_images"], sent["seed"]) == ("2", 7)
    assert sent["style"] == "AUTO"  # the spec's default, as when it is left out


def test_waiting_reports_each_state_as_progress(fake: FakeApikley, tmp_path: Path) -> None:
    notes: list[tuple[float, str | None]] = []

    async def noted(progress: float, total: float | None, message: str | None) -> None:
        notes.append((progress, message))

    async def scenario(session: Client) -> None:
        answer = await session.call_tool(
            "generate_character",
            {"prompt": "a pilot", "reference_image": URL},
            progress_callback=noted,
        )
        task_id = succeeded(answer, "generate")["task_id"]
        assert notes, "no progress was reported"
        assert [step for step, _ in notes] == list(range(1, len(notes) + 1))
        assert notes[-1][1] == f"task {task_id}: success"

    run(fake, tmp_path, scenario)


def test_a_file_there_already_is_kept_and_the_error_says_the_tools_argument(
    fake: FakeApikley, tmp_path: Path
) -> None:
    async def scenario(session: Client) -> None:
        answer = await call(
            session, "generate_character", {"prompt": "a pilot", "reference_image": URL}
        )
        made = succeeded(answer, "generate")
        (saved,) = map(Path, made["files"])
        saved.write_bytes(b"the user's own edit")
        again = await call(session, "download", {"task_id": made["task_id"]})
        assert again.is_error
        assert "pass overwrite: true to replace it" in text(again), text(again)
        assert "overwrite=True" not in text(again)
        assert made["task_id"] in text(again)
        assert saved.read_bytes() == b"the user's own edit"
        replaced = await call(session, "download", {"task_id": made["task_id"], "overwrite": True})
        assert succeeded(replaced, "download")["files"] == [str(saved)]
        assert saved.read_bytes().startswith(PNG)

    run(fake, tmp_path, scenario)
    assert fake.creates_received == 1


def test_advice_to_set_a_client_option_is_not_given_to_an_agent() -> None:
    # A result URL on a private network is refused for good: an agent cannot set the
    # library's allow_private_urls=True, so the answer does not tell it to.
    from ideogram_facade._requests import check_public_url
    from ideogram_facade.cli._mcp._server import api_error_result

    with pytest.raises(InvalidRequestError) as caught:
        check_public_url("image_urls[0]", "http://10.1.2.3/a.png", allowed=False, task_id="t_9")
    said = text(api_error_result(caught.value))
    assert said.startswith("invalid request: image_urls[0] 'http://10.1.2.3/a.png' points at")
    assert said.endswith("so that no answer can steer this client at internal hosts (task t_9)")
    assert "allow_private_urls" not in said


def test_a_local_file_that_is_no_image_is_refused_unread_by_anyone_else(
    fake: FakeApikley, tmp_path: Path
) -> None:
    # An image argument may name any file the server can read: only an image leaves the
    # machine, and the answer quotes none of what was in the file.
    private = tmp_path / "notes.txt"
    private.write_text("password: hunter2\n")

    async def scenario(session: Client) -> None:
        answer = await call(
            session, "generate_character", {"prompt": "a pilot", "reference_image": str(private)}
        )
        assert answer.is_error
        assert "is not a JPEG, PNG or WebP" in text(answer), text(answer)
        assert "hunter2" not in answer.model_dump_json()

    run(fake, tmp_path, scenario)
    assert not fake.uploads
    assert fake.creates_received == 0
