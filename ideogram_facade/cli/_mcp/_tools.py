"""The MCP server's tools: names, descriptions and JSON Schemas, derived from the catalogue.

    tools = catalogue()
    tools["generate_character_edit"].input_schema["properties"]["mask"]
    arguments = tools["generate_character_edit"].check({"prompt": ..., ...})   # or raises

A model's `generate_<model>` and `submit_<model>` tools take its fields as the catalogue lists
them (`ideogram_facade.model(name).options`): each one's type, choices, default, length and
range, whether it is required, its description. So a vendor change to the spec reaches the
tools' schemas on regeneration with no edit here, as it reaches the CLI's flags. A field's
`multipleOf` is said in its description instead of the schema: JSON Schema validators test it
with floats, where 0.3 is no multiple of 0.1 (jsonschema and ajv both refuse it); the
facade's own check allows for rounding and says what to fix.

Nothing here imports `mcp`: the schemas are plain dictionaries, checked with jsonschema.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema  # a dependency of mcp, so of the mcp extra, like this whole package

import ideogram_facade as facade
from ideogram_facade import InvalidRequestError, Model, Option

# The prompt and the reference image: submit()'s two positional arguments, fields of every model.
PROMPT, REFERENCE = list(inspect.signature(facade.AsyncCharacterClient.submit).parameters)[1:3]
# How long a tool waits for a task by default before it answers with the task id. MCP clients
# give up on a call after their own timeout (60 s in the TypeScript SDK's default), after
# which an answer is lost: a client that then calls generate again pays for a second task.
DEFAULT_TOOL_WAIT = 45.0
# What a model is for, in a few words; a model the vendor adds later is "generate with NAME".
_PURPOSES = {
    "ideogram/character": "the character of reference_image in a new scene that prompt describes",
    "ideogram/character-edit": "repaint the part of image that mask marks (white) with the "
    "character of reference_image, as prompt describes",
    "ideogram/character-remix": "remix image around the character of reference_image, as "
    "prompt describes",
}
# The vendor's note on its image fields speaks of its upload API: ours takes paths too.
_UPLOAD_NOTE = re.compile(r"\s*\(File URL after upload.*$", re.DOTALL)
_IMAGE_TEXT = (
    "An http(s) URL, or the absolute path of a JPEG, PNG or WebP file on the server's machine "
    "(uploaded first)."
)
_TASK_ID = {"type": "string", "minLength": 1, "description": "A task id, as submit returned it."}
_TIMEOUT = {
    "type": "number",
    "exclusiveMinimum": 0,
    "maximum": facade.DEFAULT_WAIT_TIMEOUT,
    "default": DEFAULT_TOOL_WAIT,
    "description": "Seconds to wait for the task. If it is not done by then, the answer is an "
    "error that carries its task_id: the task keeps running, call wait or download with it.",
}
_EXTRA_INPUT = {
    "type": "object",
    "description": "Fields the service takes that this server's spec does not list yet, sent "
    "in the request's input as they are, unchecked. A field listed here is refused: use its "
    "own argument.",
}


# The answers' structured content leaves out what is unknown rather than giving null: a type
# of ["string", "null"] is valid JSON Schema, but clients that map schemas onto one type per
# field (Gemini's function declarations) refuse it, as the MCP inspector's --strict warns.
_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": _STRING}
# A task as the service last reported it, with the files this server saved for it.
TASK_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "task_id": _STRING,
        "state": _STRING,
        "model": _STRING,
        "image_urls": _STRINGS,
        "files": _STRINGS,
        "fail_code": _STRING,
        "fail_message": _STRING,
        "created_at": _STRING,
        "completed_at": _STRING,
        "credits_consumed": {"type": "number"},
    },
    "required": ["task_id", "state"],
}
# A task of the journal; one whose submit lost its answer has no task_id.
_ENTRY_OUTPUT = {
    "type": "object",
    "properties": {
        "task_id": _STRING,
        "state": _STRING,
        "model": _STRING,
        "prompt": _STRING,
        "created_at": _STRING,
        "files": _STRINGS,
        "error": _STRING,
    },
    "required": ["state", "model", "created_at", "files"],
}


@dataclass(frozen=True)
class ToolSpec:
    """One tool: what an MCP client lists, and which of the server's actions runs it."""

    name: str
    title: str
    description: str
    input_schema: Mapping[str, Any]
    output_schema: Mapping[str, Any]
    action: str  # generate, submit, status, wait, download, credits, tasks, resume
    read_only: bool = False
    idempotent: bool = False
    model: Model | None = None

    def check(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments, checked against the schema and, for a request, by the facade's
        own checks of its model; InvalidRequestError saying what to fix otherwise. A null is
        an argument left out (some clients send one for every optional argument), and a whole
        number given as 2.0 is 2 (JSON does not tell them apart)."""
        properties = self.input_schema["properties"]
        unknown = [name for name in arguments if name not in properties]
        if unknown:
            raise InvalidRequestError(_unknown(unknown, self))
        given = {
            name: int(value)
            if properties[name].get("type") == "integer"
            and isinstance(value, float)
            and value.is_integer()
            else value
            for name, value in arguments.items()
            if value is not None
        }
        if self.model is not None:
            _check_request(self.model, given)
        errors = sorted(self._validator.iter_errors(given), key=lambda e: list(e.path))
        if errors:
            raise InvalidRequestError("; ".join(_explain(error) for error in errors[:3]))
        return given

    @functools.cached_property
    def _validator(self) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator(self.input_schema)


def tool_name(action: str, model: Model) -> str:
    """`generate_character_edit` for ideogram/character-edit: MCP tool names take letters,
    digits and underscores."""
    return f"{action}_{re.sub(r'[^A-Za-z0-9]+', '_', model.short)}"


@functools.cache
def catalogue() -> dict[str, ToolSpec]:
    """Every tool, by name: a generate and a submit per model, then the task tools."""
    tools = [
        *(request_tool("generate", each) for each in facade.models()),
        *(request_tool("submit", each) for each in facade.models()),
        *_task_tools(),
    ]
    return {tool.name: tool for tool in tools}


def request_tool(action: str, model: Model) -> ToolSpec:
    """The `generate_` or `submit_` tool of `model`: its fields, as the catalogue has them."""
    purpose = _PURPOSES.get(model.name, f"generate with {model.name}")
    if action == "generate":
        description = (
            f"{model.name}: {purpose}. Submits the request (the task is written to the "
            "server's task journal as soon as the service accepts it), waits up to timeout "
            "seconds, saves the images in the server's output folder, and answers with their "
            "paths, small previews and the task_id. A task not done in time is an error that "
            "carries its task_id: call wait or download with it, as calling generate again "
            "pays for another task."
        )
    else:
        description = (
            f"{model.name}: {purpose}. Submits the request and answers with its task_id at "
            "once (journaled first); wait, status and download take it."
        )
    properties: dict[str, Any] = {}
    for name, option in model.fields.items():
        properties[name] = _reference() if name == REFERENCE else _property(option)
    properties["extra_input"] = dict(_EXTRA_INPUT)
    if action == "generate":
        properties["timeout"] = dict(_TIMEOUT)
    required = [name for name, option in model.fields.items() if option.required]
    for name in (PROMPT, REFERENCE):  # arguments of submit() that the spec may not require
        if name not in required:
            required.insert(0, name)
    schema = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    output: Mapping[str, Any]
    if action == "generate":
        output = TASK_OUTPUT
    else:
        output = {
            "type": "object",
            "properties": {"task_id": {"type": "string"}, "model": {"type": "string"}},
            "required": ["task_id", "model"],
        }
    return ToolSpec(
        name=tool_name(action, model),
        title=f"{action.capitalize()} with {model.name}",
        description=description,
        input_schema=schema,
        output_schema=output,
        action=action,
        model=model,
    )


def _task_tools() -> list[ToolSpec]:
    def tool(
        name: str,
        title: str,
        description: str,
        properties: dict[str, Any],
        output: Mapping[str, Any],
        *,
        required: tuple[str, ...] = (),
        read_only: bool = False,
        idempotent: bool = False,
    ) -> ToolSpec:
        schema = {
            "type": "object",
            "properties": properties,
            "required": list(required),
            "additionalProperties": False,
        }
        return ToolSpec(name, title, description, schema, output, name, read_only, idempotent)

    return [
        tool(
            "status",
            "Task status",
            "A task's current state and, once it succeeded, its image URLs (one request).",
            {"task_id": _TASK_ID},
            TASK_OUTPUT,
            required=("task_id",),
            read_only=True,
            idempotent=True,
        ),
        tool(
            "wait",
            "Wait for a task",
            "Waits until the task ends, at most timeout seconds, and answers with its state "
            "and image URLs; download saves the images.",
            {"task_id": _TASK_ID, "timeout": dict(_TIMEOUT)},
            TASK_OUTPUT,
            required=("task_id",),
            read_only=True,
            idempotent=True,
        ),
        tool(
            "download",
            "Download a task's images",
            "Waits for the task if it is still running (at most timeout seconds), then saves "
            "its images in the server's output folder and answers with their paths and small "
            "previews.",
            {
                "task_id": _TASK_ID,
                "timeout": dict(_TIMEOUT),
                "overwrite": {
                    "type": "boolean",
                    "default": False,
                    "description": "Replace the task's files if they exist already.",
                },
            },
            TASK_OUTPUT,
            required=("task_id",),
            idempotent=True,
        ),
        tool(
            "credits",
            "Credit balance",
            "The account's remaining credits.",
            {},
            {
                "type": "object",
                "properties": {"credits": {"type": "number"}},
                "required": ["credits"],
            },
            read_only=True,
            idempotent=True,
        ),
        tool(
            "tasks",
            "Journaled tasks",
            "The tasks in the server's task journal: by default those that still need "
            "something (to be waited for and saved, which resume does, or, for a submit whose "
            "answer was lost, to be looked for in the Apikley dashboard); all=true lists every "
            "task.",
            {
                "all": {
                    "type": "boolean",
                    "default": False,
                    "description": "List every task, not only those that need something.",
                }
            },
            {
                "type": "object",
                "properties": {
                    "journal": {"type": "string"},
                    "tasks": {"type": "array", "items": _ENTRY_OUTPUT},
                },
                "required": ["journal", "tasks"],
            },
            read_only=True,
            idempotent=True,
        ),
        tool(
            "resume",
            "Resume unfinished tasks",
            "Waits for the journal's unfinished tasks (at most timeout seconds in all) and "
            "saves their images in the server's output folder; answers with each one's state "
            "and files. Tasks still running then stay in the journal: call resume again.",
            {"timeout": dict(_TIMEOUT)},
            {
                "type": "object",
                "properties": {
                    "tasks": {"type": "array", "items": _ENTRY_OUTPUT},
                    "unfinished": {"type": "integer"},
                    "uncertain": {"type": "integer"},
                },
                "required": ["tasks", "unfinished", "uncertain"],
            },
            idempotent=True,
        ),
    ]


def _reference() -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": 1,
        "description": "The character's portrait. " + _IMAGE_TEXT,
    }


def _property(option: Option) -> dict[str, Any]:
    """The JSON Schema of one option, from what the catalogue says of it."""
    text = " ".join(option.description.split())
    if option.image:
        item = {"type": "string", "minLength": 1}
        schema: dict[str, Any] = (
            {"type": "array", "items": item} if option.kind == "array" else dict(item)
        )
        text = _UPLOAD_NOTE.sub("", text).rstrip(" .")
        schema["description"] = f"{text}. {_IMAGE_TEXT}" if text else _IMAGE_TEXT
        return schema  # no default: the spec's "" or [] is "no image", not a value to send
    schema = {"type": option.kind}
    if option.choices is not None:
        schema["enum"] = list(option.choices)
    if option.kind == "string" and option.required:
        schema["minLength"] = 1
    if option.max_length is not None:
        schema["maxLength"] = option.max_length
    if option.minimum is not None:
        schema["minimum"] = option.minimum
    if option.maximum is not None:
        schema["maximum"] = option.maximum
    if option.step is not None:
        text += f" A multiple of {option.step:g}."
    if option.default is not None:
        schema["default"] = option.default
    if text:
        schema["description"] = text
    return schema


def _check_request(model: Model, given: Mapping[str, Any]) -> None:
    """The facade's checks of a request for `model`, with its messages; local images must be
    absolute paths, as the server's working folder is whatever its client chose."""
    for name in model.images:
        value = given.get(name)
        for item in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
            if (
                isinstance(item, str)
                and not item.lower().startswith(("http://", "https://"))
                and not Path(item).expanduser().is_absolute()
            ):
                raise InvalidRequestError(
                    f"{name} {item[:200]!r} is a relative path: give an http(s) URL, or the "
                    f"absolute path of the image (this server's working folder is {Path.cwd()})"
                )
    options = {key: value for key, value in given.items() if key in model.fields}
    extra_input = given.get("extra_input")
    model.check(
        options.pop(PROMPT, None),
        options,
        extra_input if isinstance(extra_input, Mapping) else None,
    )


def _unknown(names: list[str], tool: ToolSpec) -> str:
    """Which arguments `tool` does not take, each with the tools that take it or the likeliest
    one it meant; a word of a name counts too (`sizee` is closer to image_size's `size` than to
    `seed`)."""
    known = list(tool.input_schema["properties"])
    spellings = {word: name for name in known for word in name.split("_") if len(word) > 3}
    spellings.update({name: name for name in known})
    parts = []
    for name in names:
        takers = [
            other.name
            for other in catalogue().values()
            if other.action == tool.action and name in other.input_schema["properties"]
        ]
        close = difflib.get_close_matches(str(name), list(spellings), n=1, cutoff=0.75)
        if takers:
            parts.append(f"{name!r} (an argument of {' and '.join(takers)})")
        else:
            parts.append(
                f"{name!r}" + (f" (did you mean {spellings[close[0]]!r}?)" if close else "")
            )
    return f"unknown argument {', '.join(parts)}; the arguments are {', '.join(known)}"


def _explain(error: jsonschema.ValidationError) -> str:
    """One jsonschema error, named by its argument."""
    where = ".".join(str(part) for part in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message
