"""The models the vendored spec describes, and what each takes: the catalogue every part reads.

    catalogue.model("character-edit").options["mask"]
    # Option(name="mask", field="mask_url", kind="string", required=True, image=True, ...)
    catalogue.model().options["rendering_speed"].choices   # ("TURBO", "BALANCED", "QUALITY")
    catalogue.models()                                     # (Model("ideogram/character"), ...)

Every fact here is the spec's: the models (each request body of createTask names one), their
fields, types, choices, defaults, limits, descriptions and required lists. So a vendor change
reaches the facade's checks, its typed surface (tools/surface.py), the CLI's flags, the batch
fields and the docs on regeneration, with no edit here. Ours are four rules:

- An **image field** is a string, or a list of strings, whose description carries the vendor's
  mark for uploaded files ("File URL after upload"), or whose name ends in `_url` or `_urls`
  with the `uri` format. It takes what `reference_image` takes (an http(s) URL as is; a path or
  bytes, uploaded first), and is sent as the spec's shape (one URL, or a list).
- Its **keyword** is the field's name less `_url`/`_urls`, plural when it takes a list
  (`mask_url` -> `mask`, `image_urls` -> `images`), except the two named before this rule
  existed, kept for compatibility: `reference_image_urls` is `reference_image` (the positional
  argument; the service uses one) and `image_urls` is `style_images`.
- A string enum of whole numbers (the spec's `num_images`, "1".."4") is an int for callers,
  sent as the spec's string.
- A required string must not be blank.

The shipped spec is read on first use, not on `import ideogram_facade`.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ._endpoints import spec
from ._exceptions import InvalidRequestError

# The model `submit()` and `generate()` use when none is named.
MODEL = "ideogram/character"
# What the vendor's pages write in the description of every field that takes a file.
UPLOAD_MARK = "File URL after upload"
# Keywords published before the naming rule; any other image field is named by the rule.
_PUBLISHED_KEYWORDS = {"reference_image_urls": "reference_image", "image_urls": "style_images"}
# Arguments of their own in `submit()` and `generate()`, not keyword options.
PROMPT = "prompt"
REFERENCE = "reference_image"

# How a message spells a keyword for its reader: as is for Python callers; the command line
# passes its flags (`image_size` -> `--size`).
Spell = Callable[[str], str]


@attrs.frozen
class Option:
    """One input field of a model, by the name `submit()` and `generate()` give it: its type,
    choices, default and limits, as the spec states them.

    `name` is the keyword (and, with dashes, the CLI's flag); `field` the spec's name of the
    field, which the request carries. `image` fields take images: one, or a list when `kind`
    is "array".
    """

    name: str
    field: str
    kind: str  # the JSON schema type, as the facade takes it: string, integer, number, ...
    description: str = ""
    required: bool = False
    choices: tuple[Any, ...] | None = None
    default: Any = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None  # the spec's multipleOf
    image: bool = False
    sent_as_text: bool = False  # an int here, the spec's string on the wire

    def check(self, value: object, spell: Spell = str) -> None:
        """InvalidRequestError naming this option (as `spell` writes it), the problem and the
        limit; None is unset."""
        name = spell(self.name)
        if value is None:
            if self.required:
                raise InvalidRequestError(f"{name} is required")
            return
        if self.choices is not None:
            if isinstance(value, bool) or value not in self.choices:
                shown = ", ".join(str(choice) for choice in self.choices)
                raise InvalidRequestError(f"{name} must be one of {shown}; got {value!r}")
            return
        if isinstance(value, bool) is not (self.kind == "boolean") or not isinstance(
            value, _PYTHON_TYPES[self.kind]
        ):
            raise InvalidRequestError(
                f"{name} must be {_KIND_NAMES[self.kind]}; got {type(value).__name__}"
            )
        if isinstance(value, str):
            if self.required and not value.strip():
                raise InvalidRequestError(f"{name} must not be empty")
            if self.max_length is not None and len(value) > self.max_length:
                raise InvalidRequestError(
                    f"{name} is {len(value)} characters long; the limit is {self.max_length}"
                )
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                raise InvalidRequestError(f"{name} must be >= {self.minimum:g}; got {value}")
            if self.maximum is not None and value > self.maximum:
                raise InvalidRequestError(f"{name} must be <= {self.maximum:g}; got {value}")
            # Within a float's rounding of a multiple: 0.3 is 3 steps of 0.1, though 0.3 / 0.1
            # is 2.9999999999999996.
            if self.step is not None and abs(value / self.step - round(value / self.step)) > 1e-9:
                raise InvalidRequestError(
                    f"{name} must be a multiple of {self.step:g}; got {value}"
                )

    def to_wire(self, value: Any) -> Any:
        """`value`, checked, as the request body carries it."""
        return str(value) if self.sent_as_text else value


@attrs.frozen
class Model:
    """A model of the service, and every input field it takes, as the spec describes it.

    model = ideogram_facade.model("character-remix")
    model.name                          # "ideogram/character-remix"
    model.options["strength"].maximum   # 1
    [o.name for o in model.options.values() if o.required]   # ["image"]
    """

    name: str
    # Every input field by its keyword, in the spec's order: the prompt and the reference image
    # (arguments of their own) first among them.
    fields: Mapping[str, Option] = attrs.field(repr=False)

    @property
    def short(self) -> str:
        """The name without its family: `character-edit` for ideogram/character-edit."""
        return self.name.rsplit("/", 1)[-1]

    @property
    def options(self) -> dict[str, Option]:
        """The keyword arguments of `submit()` and `generate()` for this model: every field
        but the prompt and the reference image, images included."""
        return {name: o for name, o in self.fields.items() if name not in (PROMPT, REFERENCE)}

    @property
    def images(self) -> dict[str, Option]:
        """The fields that take images, the reference image among them, in the spec's order."""
        return {name: option for name, option in self.fields.items() if option.image}

    def check(
        self,
        prompt: object,
        given: Mapping[str, object],
        extra_input: Mapping[str, object] | None = None,
        *,
        spell: Spell | None = None,
    ) -> None:
        """The prompt, and every keyword `given` (images by keyword, None for left out),
        checked against this model's fields before anything is uploaded or sent. The images
        themselves are read and checked by `_files`; `callback_url` is the caller's. Messages
        name keywords as `spell` writes them (the CLI's flags), else as they are, with what
        the spec says of a missing one."""
        for name in given:
            if name not in self.fields or name == PROMPT:
                raise InvalidRequestError(_not_taken(name, self, spell or str))
        for name, option in self.fields.items():
            if name == PROMPT:
                option.check(prompt, spell or str)
            elif option.required and given.get(name) is None:
                what = "" if spell else _first_sentence(option.description)
                shown = spell(name) if spell else name
                raise InvalidRequestError(
                    f"{self.name} requires {shown}" + (f" ({what})" if what else "")
                )
            elif not option.image:
                option.check(given.get(name), spell or str)
        for name, value in (extra_input or {}).items():
            if not isinstance(name, str) or not name:
                raise InvalidRequestError(f"extra_input keys must be field names; got {name!r}")
            known = next((o for o in self.fields.values() if name in (o.name, o.field)), None)
            if known is not None:
                raise InvalidRequestError(
                    f"extra_input names {name!r}, a field of {self.name} that is checked: pass "
                    f"it as {known.name}=... (extra_input is for fields the spec does not know)"
                )
            try:
                json.dumps(value)
            except (TypeError, ValueError) as error:
                raise InvalidRequestError(f"extra_input[{name!r}] is not JSON: {error}") from None


def _first_sentence(description: str) -> str:
    """The description's first sentence, less the vendor's notes on uploads and defaults."""
    text = " ".join(description.split())
    return re.split(r"(?<=[a-z])\. |\(", text, maxsplit=1)[0].rstrip(" .")


def _not_taken(name: str, model: Model, spell: Spell) -> str:
    """Why `model` refuses the keyword `name`: who takes it, or what was meant, then the rest."""
    others = [other.name for other in models() if name in other.options]
    what = f"{model.name} takes no {spell(name)}"
    if others:
        what += f" (only {', '.join(others)} {'does' if len(others) == 1 else 'do'})"
    options = [*model.options, "callback_url"]
    # `speed` means rendering_speed more likely than seed, which it is closer to by letters.
    meant = [option for option in options if name in option] or difflib.get_close_matches(
        name, options, n=1, cutoff=0.6
    )
    if meant and not others:
        what += f"; did you mean {spell(meant[0])}?"
    return f"{what}; its options are {', '.join(map(spell, options))}"


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


@functools.cache
def models() -> tuple[Model, ...]:
    """Every model the shipped spec describes, in its order (read once)."""
    return tuple(models_of(spec()))


def model(name: str = MODEL) -> Model:
    """The model called `name` (`ideogram/character-edit`) or by its short name
    (`character-edit`); InvalidRequestError naming the models otherwise."""
    known = models()
    for candidate in known:
        if name in (candidate.name, candidate.short):
            return candidate
    shown = ", ".join(f"{m.name} ({m.short})" for m in known)
    raise InvalidRequestError(f"no model {name!r}; the models are {shown}")


def most_images() -> int:
    """The most images one task makes, of any model: the largest `num_images` choice."""
    counts = [
        o.choices or () for m in models() for o in m.fields.values() if o.name == "num_images"
    ]
    return int(max((max(c) for c in counts if c), default=1))


def models_of(document: Mapping[str, Any]) -> list[Model]:
    """The models of `document`: one per request body whose `model` field names it."""
    found = []
    for body in _request_bodies(document):
        names = resolve(body.get("properties", {}).get("model", {}), document)
        for name in names.get("enum", [names.get("const")]):
            if name:
                schema = resolve(body["properties"]["input"], document)
                found.append(Model(name, fields_of(schema, document)))
    return found


def fields_of(schema: Mapping[str, Any], document: Mapping[str, Any]) -> Mapping[str, Option]:
    """The input fields an `input` object schema describes, by keyword, in its order."""
    required = set(schema.get("required", ()))
    fields = {}
    for field, definition in schema.get("properties", {}).items():
        option = _option(field, resolve(definition, document), field in required, document)
        fields[option.name] = option
    return MappingProxyType(fields)


def _option(field: str, schema: Mapping[str, Any], required: bool, document: Any) -> Option:
    kind = schema.get("type", "string")
    choices = tuple(schema["enum"]) if "enum" in schema else None
    default = schema.get("default")
    whole_numbers = choices is not None and all(
        isinstance(choice, str) and choice.isdecimal() for choice in choices
    )
    if choices is not None and whole_numbers:
        kind, choices = "integer", tuple(int(choice) for choice in choices)
        default = None if default is None else int(default)
    image = _takes_images(field, schema, document)
    return Option(
        name=_keyword(field, kind) if image else field,
        field=field,
        kind=kind,
        description=schema.get("description", ""),
        required=required,
        choices=choices,
        default=default,
        max_length=schema.get("maxLength"),
        minimum=schema.get("minimum"),
        maximum=schema.get("maximum"),
        step=schema.get("multipleOf"),
        image=image,
        sent_as_text=whole_numbers,
    )


def _takes_images(field: str, schema: Mapping[str, Any], document: Any) -> bool:
    """The first rule of the module docstring."""
    item = resolve(schema.get("items", {}), document) if schema.get("type") == "array" else schema
    if item.get("type", "string") != "string" or "enum" in item:
        return False
    if UPLOAD_MARK in schema.get("description", ""):
        return True
    return field.endswith(("_url", "_urls")) and item.get("format") == "uri"


def _keyword(field: str, kind: str) -> str:
    """The second rule of the module docstring."""
    if field in _PUBLISHED_KEYWORDS:
        return _PUBLISHED_KEYWORDS[field]
    stem = re.sub(r"_urls?$", "", field)
    return stem + "s" if kind == "array" and not stem.endswith("s") else stem


def _request_bodies(document: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every JSON request body schema of `document`, each alternative of a oneOf/anyOf apart."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, Mapping) or "requestBody" not in operation:
                continue
            content = resolve(operation["requestBody"], document).get("content", {})
            body = resolve(content.get("application/json", {}).get("schema", {}), document)
            for candidate in body.get("oneOf", body.get("anyOf", [body])):
                yield resolve(candidate, document)


def resolve(schema: Mapping[str, Any], document: Mapping[str, Any]) -> Mapping[str, Any]:
    """`schema`, or what its local `$ref` points at, followed until it is no reference."""
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, got {ref}")
        node: Any = document
        for key in ref[2:].split("/"):
            node = node[key.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema
