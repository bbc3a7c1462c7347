"""A model's options, read from its input schema in the vendored spec: one place per option.

    option("rendering_speed")   # Option(choices=("TURBO", "BALANCED", "QUALITY"), default=...)
    check("prompt", "")         # InvalidRequestError: prompt must not be empty

Enums, defaults and limits are the spec's; nothing here restates them, so a vendor change to a
choice or a limit reaches the facade's checks and the CLI's flags on regeneration. The facade
takes `num_images` as an int where the spec has the strings "1".."4", and `callback_url` is
the request's top-level `callBackUrl`; everything else is named as in the spec.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import attrs

from ._endpoints import CREATE_TASK, spec
from ._exceptions import InvalidRequestError

MODEL = "ideogram/character"
# The spec's string enum "1".."4", which the facade takes as an int.
_INTEGER_CHOICES = frozenset({"num_images"})


@attrs.frozen
class Option:
    """One input field of a model: its JSON type, choices, default and limits, per the spec."""

    name: str
    kind: str  # the JSON schema type: string, integer, number, boolean, array
    description: str = ""
    required: bool = False
    choices: tuple[Any, ...] | None = None
    default: Any = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None

    def check(self, value: object) -> None:
        """InvalidRequestError naming this option, the problem and the limit; None is unset."""
        if value is None:
            if self.required:
                raise InvalidRequestError(f"{self.name} is required")
            return
        if self.choices is not None:
            if isinstance(value, bool) or value not in self.choices:
                shown = ", ".join(str(choice) for choice in self.choices)
                raise InvalidRequestError(f"{self.name} must be one of {shown}; got {value!r}")
            return
        expected = _PYTHON_TYPES[self.kind]
        if isinstance(value, bool) is not (self.kind == "boolean") or not isinstance(
            value, expected
        ):
            raise InvalidRequestError(
                f"{self.name} must be {_KIND_NAMES[self.kind]}; got {type(value).__name__}"
            )
        if isinstance(value, str):
            if self.required and not value.strip():
                raise InvalidRequestError(f"{self.name} must not be empty")
            if self.max_length is not None and len(value) > self.max_length:
                raise InvalidRequestError(
                    f"{self.name} is {len(value)} characters long; the limit is {self.max_length}"
                )
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                raise InvalidRequestError(f"{self.name} must be >= {self.minimum}; got {value}")
            if self.maximum is not None and value > self.maximum:
                raise InvalidRequestError(f"{self.name} must be <= {self.maximum}; got {value}")


_PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
}
_KIND_NAMES = {
    "string": "a string",
    "integer": "an int",
    "number": "a number",
    "boolean": "True or False",
    "array": "a list",
}


def input_schema(
    model: str = MODEL, document: Mapping[str, Any] | None = None
) -> Mapping[str, Any]:
    """The `input` object schema of `model`'s createTask request body."""
    document = spec() if document is None else document
    operation = document["paths"][CREATE_TASK.path][CREATE_TASK.method.lower()]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    for candidate in body.get("oneOf", [body]):
        candidate = _resolve(candidate, document)
        if model in candidate["properties"]["model"].get("enum", ()):
            return _resolve(candidate["properties"]["input"], document)
    raise InvalidRequestError(f"no model {model!r} in the vendored spec")


def options_of(model: str = MODEL, document: Mapping[str, Any] | None = None) -> dict[str, Option]:
    """Every input field of `model`, by name, as the spec describes it."""
    schema = input_schema(model, document)
    required = set(schema.get("required", ()))
    table = {}
    for name, field in schema["properties"].items():
        choices = tuple(field["enum"]) if "enum" in field else None
        default = field.get("default")
        if name in _INTEGER_CHOICES and choices is not None:
            choices = tuple(int(choice) for choice in choices)
            default = int(default) if default is not None else None
        table[name] = Option(
            name=name,
            kind="integer" if name in _INTEGER_CHOICES else field.get("type", "string"),
            description=field.get("description", ""),
            required=name in required,
            choices=choices,
            default=default,
            max_length=field.get("maxLength"),
            minimum=field.get("minimum"),
            maximum=field.get("maximum"),
        )
    return table


@functools.cache
def _table(model: str) -> dict[str, Option]:
    return options_of(model)


def option(name: str, model: str = MODEL) -> Option:
    """The option `name` of `model`, as the shipped spec describes it."""
    return _table(model)[name]


def check(name: str, value: object, model: str = MODEL) -> None:
    option(name, model).check(value)


def _resolve(schema: Mapping[str, Any], document: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        node: Any = document
        for key in schema["$ref"].removeprefix("#/").split("/"):
            node = node[key]
        schema = node
    return schema
