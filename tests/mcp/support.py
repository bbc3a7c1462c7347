"""One session of an MCP client with the server, the same over every transport.

No tests here: `exercise()` calls every tool once through any client of the `mcp` SDK (the
in-memory `Client`, or a `ClientSession` over stdio or HTTP), checks what each answers, and
checks that no answer holds an API key. test_server.py, test_transports.py and the inspector's
test share it, so each transport is held to the same promises.

The tests of this folder import the SDK where they use it, not at the top of a module: every
worker of a parallel run collects every module, and the SDK takes most of a second to import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import ideogram_facade as facade
from ideogram_facade.testing._png import render_png
from tests.conftest import assert_no_secret

if TYPE_CHECKING:
    from mcp.types import CallToolResult, ListToolsResult

URL = "https://example.com/portrait.png"
TASK_TOOLS = ["status", "wait", "download", "credits", "tasks", "resume"]


def tool_names() -> list[str]:
    """The tools the server must list: derived from the catalogue, as the server derives them."""
    shorts = [model.short.replace("-", "_") for model in facade.models()]
    return [
        *(f"generate_{short}" for short in shorts),
        *(f"submit_{short}" for short in shorts),
        *TASK_TOOLS,
    ]


class Session(Protocol):
    """What `exercise` needs of a client: `mcp.Client` and `mcp.ClientSession` both have it."""

    async def list_tools(self) -> ListToolsResult: ...

    async def call_tool(self, name: str, arguments: dict[str, Any] | None = None) -> Any: ...


def images(folder: Path) -> dict[str, Path]:
    """A portrait, a picture and its mask (the same size), as local PNG files."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for name, seed in (("portrait", 1), ("picture", 2), ("mask", 3)):
        made[name] = folder / f"{name}.png"
        made[name].write_bytes(render_png(name, seed, 0, (64, 64)))
    return made


def text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


def check_secrets(result: object, where: str) -> None:
    """No API key anywhere in what the client received, its JSON form included."""
    dump = result.model_dump_json() if hasattr(result, "model_dump_json") else str(result)
    assert_no_secret(dump, where)


@dataclass
class Transcript:
    """What a session saw: the tool list and each call's arguments and answer."""

    tools: ListToolsResult | None = None
    calls: list[tuple[str, dict[str, Any], CallToolResult]] = field(default_factory=list)

    def answer(self, name: str) -> CallToolResult:
        return next(result for tool, _, result in self.calls if tool == name)


async def call(
    session: Session, transcript: Transcript, name: str, arguments: Mapping[str, Any]
) -> CallToolResult:
    from mcp.types import CallToolResult

    result = await session.call_tool(name, dict(arguments))
    assert isinstance(result, CallToolResult), result
    check_secrets(result, f"the answer of {name}")
    transcript.calls.append((name, dict(arguments), result))
    return result


def succeeded(result: CallToolResult, name: str) -> dict[str, Any]:
    assert not result.is_error, f"{name}: {text(result)}"
    assert result.structured_content is not None
    return dict(result.structured_content)


async def exercise(
    session: Session, out: Path, pictures: dict[str, Path], check_file: Callable[[Path], bool]
) -> Transcript:
    """Every tool once, in an order that gives each something to do; `out` is the server's
    output folder, `pictures` what images() made (on the server's machine)."""
    transcript = Transcript()
    transcript.tools = await session.list_tools()
    check_secrets(transcript.tools, "the tool list")
    listed = {tool.name: tool for tool in transcript.tools.tools}
    assert list(listed) == tool_names()
    for tool in listed.values():
        assert tool.input_schema["type"] == "object"
        assert tool.output_schema is not None
        assert tool.description

    reference = str(pictures["portrait"])
    picture, mask = str(pictures["picture"]), str(pictures["mask"])
    requests: dict[str, dict[str, Any]] = {
        "character": {"prompt": "a pilot by his plane", "reference_image": reference},
        "character_edit": {
            "prompt": "the same man in a rain coat",
            "reference_image": URL,
            "image": picture,
            "mask": mask,
        },
        "character_remix": {
            "prompt": "the same woman, at dusk",
            "reference_image": URL,
            "image": picture,
            "strength": 0.3,  # a multiple of 0.1 that floats get wrong
        },
    }
    made: dict[str, str] = {}
    for short, request in requests.items():
        arguments = {**request, "num_images": 2} if short == "character" else request
        answer = succeeded(await call(session, transcript, f"generate_{short}", arguments), short)
        assert answer["state"] == "success"
        files = [Path(path) for path in answer["files"]]
        assert len(files) == arguments.get("num_images", 1)
        assert all(path.parent == out and check_file(path) for path in files)
        result = transcript.calls[-1][2]
        previews = [block for block in result.content if block.type == "image"]
        assert len(previews) == len(files)
        assert all(block.mime_type == "image/jpeg" for block in previews)
        assert answer["task_id"] in text(result)
    for short, request in requests.items():
        answer = succeeded(await call(session, transcript, f"submit_{short}", request), short)
        made[short] = answer["task_id"]
        assert answer["task_id"] in text(transcript.calls[-1][2])

    status = succeeded(
        await call(session, transcript, "status", {"task_id": made["character"]}), "status"
    )
    assert status["task_id"] == made["character"]
    waited = succeeded(
        await call(session, transcript, "wait", {"task_id": made["character"], "timeout": 30}),
        "wait",
    )
    assert waited["state"] == "success"
    assert waited["image_urls"]
    downloaded = succeeded(
        await call(session, transcript, "download", {"task_id": made["character"]}), "download"
    )
    assert [Path(path).parent for path in downloaded["files"]] == [out]
    credits = succeeded(await call(session, transcript, "credits", {}), "credits")
    assert isinstance(credits["credits"], int | float)

    listed_tasks = succeeded(await call(session, transcript, "tasks", {"all": True}), "tasks")
    journaled = {row["task_id"]: row for row in listed_tasks["tasks"]}
    assert set(made.values()) <= set(journaled)
    assert len(journaled) == 6  # three generated, three submitted: every accepted task
    pending = succeeded(await call(session, transcript, "tasks", {}), "tasks")
    assert {row["task_id"] for row in pending["tasks"]} == {
        made["character_edit"],
        made["character_remix"],
    }  # submitted and not saved yet; the third was downloaded
    resumed = succeeded(await call(session, transcript, "resume", {"timeout": 30}), "resume")
    assert resumed["unfinished"] == resumed["uncertain"] == 0
    assert {row["state"] for row in resumed["tasks"]} == {"succeeded"}
    assert all(Path(path).parent == out for row in resumed["tasks"] for path in row["files"])

    bad = await call(
        session,
        transcript,
        "generate_character_remix",
        {**requests["character_remix"], "strength": 5},
    )
    assert bad.is_error
    assert "strength must be <= 1" in text(bad), text(bad)
    typo = await call(
        session, transcript, "generate_character", {**requests["character"], "sizee": "square"}
    )
    assert typo.is_error
    assert "unknown argument 'sizee' (did you mean 'image_size'?)" in text(typo), text(typo)
    return transcript
