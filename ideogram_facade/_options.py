"""A model's options, read from its input schema in the vendored spec: one place per option.

    options()["rendering_speed"]   # Option(kind="string", choices=("TURBO", "BALANCED", ...),
                                   #        default="BALANCED", required=False, ...)
    options()["prompt"].check("")  # InvalidRequestError: prompt must not be empty
    options("ideogram/character-remix")  # another model of the spec: its own input schema
    models()                       # ("ideogram/character", "ideogram/character-edit", ...)
    files("character-edit")        # {"reference_image": Option(...), "image": ..., "mask": ...}

Models, enums, defaults, limits, steps, descriptions and the required lists are the spec's, so
a vendor change to a choice, a limit, a field or a model reaches the facade's checks and the
CLI's flags on regeneration. What is ours: the names the facade gives the fields that take
images (`FILE_PARAMETERS`, the public contract), that a string enum of whole numbers (the
spec's num_images, "1".."4") is taken as an int and sent as the spec's string, and that a
required string must not be blank.

The shipped spec is read on first use, not on `import ideogram_facade`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ._endpoints import spec
from ._exceptions import InvalidRequestError

# The model `submit()` and `generate()` use when none is named.
MODEL = "ideogram/character"

# The input fields that take images, by the name `submit()`, `generate()` and the CLI give
# them. Each takes what `reference_image` takes (an http(s) URL; a path or bytes, uploaded
# first); whether the spec wants one URL or a list, it gets that. A field of the spec whose name
# ends in `_url` or `_urls` and is missing here fails a test: it would take an image too.
FILE_PARAMETERS = {
    "reference_image_urls": "reference_image",
    "image_url": "image",
    "mask_url": "mask",
    "image_urls": "style_images",
    "reference_mask_urls": "reference_mask",
}


@attrs.frozen
class Option:
    """One input field of a model: its type, choices, default and limits, per the spec."""

    name: str
    kind: str  # the JSON schema type, as the facade takes it: string, integer, number, ...
    description: str = ""
    required: bool = False
    choices: tuple[Any, ...] | None = None
    default: Any = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None  # the spec's multipleOf
    sent_as_text: bool = False  # an int here, the spec's string on the wire

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
        if isinstance(value, bool) is not (self.kind == "boolean") or not isinstance(
            value, _PYTHON_TYPES[self.kind]
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
            # Within a float's rounding of a multiple: 0.3 is 3 steps of 0.1, though 0.3 / 0.1
            # is 2.9999999999999996.
            if self.step is not None and abs(value / self.step - round(value / self.step)) > 1e-9:
                raise InvalidRequestError(
                    f"{self.name} must be a multiple of {self.step}; got {value}"
                )

    def to_wire(self, value: Any) -> Any:
        """`value`, checked, as the request body carries it."""
        return str(value) if self.sent_as_text else value


_PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}
_KIND_NAMES = {
    "string": "a string",
    "integer": "an int",
    "number": "a number",
    "boolean": "True or False",
    "array": "a list",
    "object": "a dict",
}


def options_of(model: str, document: Mapping[str, Any]) -> dict[str, Option]:
    """Every input field of `model` in `document`, by name, in the spec's order."""
    schema = input_schema(model, document)
    required = set(schema.get("required", ()))
    return {
        name: _option(name, _resolve(field, document), name in required)
        for name, field in schema.get("properties", {}).items()
    }


@functools.cache
def options(model: str = MODEL) -> Mapping[str, Option]:
    """Every input field of `model`, as the shipped spec describes it (read once)."""
    return MappingProxyType(options_of(model_name(model), spec()))


def optional(model: str = MODEL) -> dict[str, Option]:
    """The fields of `model` a caller may leave out, less its images: the options of a
    request, as opposed to its prompt and images."""
    return {
        name: option
        for name, option in options(model).items()
        if not option.required and name not in FILE_PARAMETERS
    }


def files(model: str = MODEL) -> dict[str, Option]:
    """The fields of `model` that take images, by the facade's name for each."""
    return {
        FILE_PARAMETERS[name]: option
        for name, option in options(model).items()
        if name in FILE_PARAMETERS
    }


@functools.cache
def models() -> tuple[str, ...]:
    """Every model the shipped spec describes, in its order."""
    return tuple(models_of(spec()))


def models_of(document: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for body in _request_bodies(document):
        names = body.get("properties", {}).get("model", {})
        found += [name for name in names.get("enum", [names.get("const")]) if name]
    return found


def model_name(name: str) -> str:
    """The spec's name of a model, given it or its short name (`character-edit`)."""
    known = models()
    if name in known:
        return name
    for model in known:
        if model.rsplit("/", 1)[-1] == name:
            return model
    shown = ", ".join(f"{model} ({model.rsplit('/', 1)[-1]})" for model in known)
    raise InvalidRequestError(f"no model {name!r}; the models are {shown}")


def input_schema(model: str, document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `input` object schema of the request body that names `model`, in any operation."""
    for body in _request_bodies(document):
        names = body.get("properties", {}).get("model", {})
        if model in names.get("enum", [names.get("const")]):
            return _resolve(body["properties"]["input"], document)
    raise InvalidRequestError(f"no model {model!r} in the vendored spec")


def _option(name: str, field: Mapping[str, Any], required: bool) -> Option:
    kind = field.get("type", "string")
    choices = tuple(field["enum"]) if "enum" in field else None
    default = field.get("default")
    whole_numbers = choices is not None and all(
        isinstance(choice, str) and choice.isdecimal() for choice in choices
    )
    if choices is not None and whole_numbers:
        kind, choices = "integer", tuple(int(choice) for choice in choices)
        default = None if default is None else int(default)
    return Option(
        name=name,
        kind=kind,
        description=field.get("description", ""),
        required=required,
        choices=choices,
        default=default,
        max_length=field.get("maxLength"),
        minimum=field.get("minimum"),
        maximum=field.get("maximum"),
        step=field.get("multipleOf"),
        sent_as_text=whole_numbers,
    )


def _request_bodies(document: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every JSON request body schema of `document`, each alternative of a oneOf/anyOf apart."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, Mapping) or "requestBody" not in operation:
                continue
            content = _resolve(operation["requestBody"], document).get("content", {})
            body = _resolve(content.get("application/json", {}).get("schema", {}), document)
            for candidate in body.get("oneOf", body.get("anyOf", [body])):
                yield _resolve(candidate, document)


def _resolve(schema: Mapping[str, Any], document: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        node: Any = document
        for key in schema["$ref"].removeprefix("#/").split("/"):
            node = node[key]
        schema = node
    return schema
