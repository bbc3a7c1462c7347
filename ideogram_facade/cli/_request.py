"""One generation request as the CLI holds it: from command-line options or a batch record.

request = Request.build({"prompt": "a pilot", "reference": "me.png", "n": "2"}, base=folder)
request.options        # {"num_images": 2}
request.key()          # a stable hash of what would be sent, for the batch journal

request = Request.build({"prompt": "a pilot", "reference": "me.png", "model": "character-edit",
                         "image": "cockpit.png", "mask": "seat.png"}, base=folder)
request.images         # {"image": "/abs/cockpit.png", "mask": "/abs/seat.png"}
"""

from __future__ import annotations

import argparse
import difflib
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ideogram_facade as facade

from ._exitcodes import CliError, ExitCode
from ._parser import REFERENCE, image_flags, option_flags, spelled

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class RequestError(ValueError):
    """A field of a request cannot be used; the message names it."""


@functools.cache
def field_names() -> Mapping[str, str]:
    """Each name a batch file may give a field, to the field's name in the spec (`reference`
    for the reference image). Both spellings work: the command line's and the spec's; a yes/no
    option can also be given negated, as no_<name>."""
    names = {
        "prompt": "prompt",
        "reference": "reference",
        "reference_image": "reference",
        "reference_image_url": "reference",
        "callback_url": "callback_url",
        "model": "model",
        "input": "extra_input",
        "extra_input": "extra_input",
    }
    table = {name: spec for each in facade.models() for name, spec in each.options.items()}
    for name, flags in option_flags().items():
        for spelling in (
            name,
            table[name].field,
            *(f.lstrip("-").replace("-", "_") for f in flags),
        ):
            names[spelling] = name
            if table[name].kind == "boolean":
                names["no_" + spelling] = "no_" + name
    for name, flag in image_flags().items():
        for spelling in (table[name].field, name, flag.lstrip("-").replace("-", "_")):
            names[spelling] = name
    return names


# In a CSV cell, the images of a list field (style_images) are separated by this.
LIST_SEPARATOR = "|"


# ftp://..., file://..., s3://...: a URL, though not one the service can fetch.
_OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(reference: str) -> bool:
    return reference.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class Request:
    prompt: str
    reference: str  # an http(s) URL, or the absolute path of a local image
    options: Mapping[str, Any] = field(default_factory=dict)
    model: str = field(default_factory=lambda: facade.model().name)
    # The model's other images by their keywords (image, mask, ...): each an http(s) URL or
    # an absolute path; a list field holds a tuple.
    images: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    # Fields the vendored spec does not know, sent unchecked (--input KEY=JSON).
    extra_input: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls, record: Mapping[str, Any], *, base: Path, defaults: Mapping[str, Any] | None = None
    ) -> Request:
        """A request from field names and values as a user wrote them (JSON or CSV strings).

        `defaults` (API names, from the command line) fill the fields the record leaves out.
        Relative reference paths are taken relative to `base`, so that a batch file works from
        any current folder (and its journal keys don't depend on it).
        """
        values: dict[str, Any] = {}
        names = field_names()
        for name, value in record.items():
            canonical = names.get(str(name).strip().lower().replace("-", "_"))
            if canonical is None:
                meant = difflib.get_close_matches(str(name).lower(), names, n=1, cutoff=0.6)
                hint = f"did you mean {meant[0]!r}? " if meant else ""
                known = ", ".join(sorted(names))
                raise RequestError(f"unknown field {name!r}; {hint}the fields are {known}")
            if value is None or (isinstance(value, str) and not value.strip()):
                continue  # an empty CSV cell or a JSON null: use the default
            if canonical in values:
                raise RequestError(f"field {canonical!r} is given twice")
            values[canonical] = value
        for name in option_flags():
            if "no_" + name in values:
                values.setdefault(name, not _boolean(name, values.pop("no_" + name)))
        return cls._from_values({**(defaults or {}), **values}, base)

    @classmethod
    def _from_values(cls, values: dict[str, Any], base: Path) -> Request:
        prompt = values.pop("prompt", None)
        reference = values.pop("reference", None)
        if not isinstance(prompt, str):
            raise RequestError("prompt is missing" if prompt is None else "prompt must be text")
        if not isinstance(reference, str):
            raise RequestError(
                "reference is missing (a URL or an image file), and --reference gives no default"
                if reference is None
                else "reference must be text"
            )
        chosen = facade.model(
            str(values.pop("model", None) or facade.model().name).strip()
        )  # exit 5
        extra_input = _extra_input(values.pop("extra_input", None))
        images: dict[str, str | tuple[str, ...]] = {}
        for name in image_flags():
            if name in values:
                images[name] = _images(name, values.pop(name), base)
        # Text from a command line or a batch file becomes the types the facade takes; its
        # checks (the model's fields, the spec's choices and limits) then run here, before
        # anything is uploaded.
        table = chosen.options
        options: dict[str, Any] = {}
        for name, value in values.items():
            kind = table[name].kind if name in table else "string"
            options[name] = _CONVERSIONS.get(kind, _text)(name, value)
        checked = {key: value for key, value in options.items() if key != "callback_url"}
        given = {REFERENCE: reference, **images, **checked}
        chosen.check(prompt, given, extra_input, spell=spelled)
        reference = resolve(reference, base)
        return cls(prompt, reference, options, chosen.name, images, extra_input)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Request:
        """A request from `generate`/`submit` options; argparse has checked choices already."""
        try:
            return cls._from_values(
                {"prompt": args.prompt, "reference": args.reference, **option_values(args)},
                Path.cwd(),
            )
        except RequestError as error:
            raise CliError(ExitCode.INVALID, f"{args.command}: {error}") from None

    def key(self) -> str:
        """A hash of the request: the same line sent the same way hashes the same."""
        text = json.dumps(self.as_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def as_json(self) -> dict[str, Any]:
        # The default model and no images leave the hash of a request as it was before the
        # other models, so older batch journals still match their lines.
        chosen = {} if self.model == facade.model().name else {"model": self.model}
        extra = {"input": dict(self.extra_input)} if self.extra_input else {}
        images = {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in self.images.items()
        }
        return {
            "prompt": self.prompt,
            "reference": self.reference,
            **chosen,
            **images,
            **self.options,
            **extra,
        }

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments of `submit()` for this request, less the reference."""
        images = {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in self.images.items()
        }
        extra = {"extra_input": dict(self.extra_input)} if self.extra_input else {}
        return {"model": self.model, **images, **self.options, **extra}


def option_values(args: argparse.Namespace) -> dict[str, Any]:
    """The request's model, images and options given on the command line, by the facade's
    names; unset ones left out."""
    names = (*option_flags(), *image_flags(), "callback_url", "model", "extra_input")
    given = {name: getattr(args, name) for name in names}
    return {name: value for name, value in given.items() if value is not None}


def _extra_input(value: object) -> dict[str, Any]:
    """Fields for `extra_input`: `KEY=JSON` texts from --input, or a batch line's object (in a
    CSV cell, its JSON text)."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise RequestError(f"input must be a JSON object; got {str(value)[:200]!r}") from None
    if isinstance(value, dict):
        return {str(key): item for key, item in value.items()}
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise RequestError("input must be a JSON object of fields to send")
    fields: dict[str, Any] = {}
    for item in value:
        key, equals, text = item.partition("=")
        if not equals or not key.strip():
            raise RequestError(f"--input takes KEY=JSON; got {item!r}")
        try:
            fields[key.strip()] = json.loads(text)
        except ValueError:
            raise RequestError(
                f"--input {key.strip()}: {text[:200]!r} is not JSON: quote text as JSON, "
                f"""--input {key.strip()}='"{text[:40]}"'"""
            ) from None
    return fields


def _images(name: str, value: object, base: Path) -> str | tuple[str, ...]:
    """One image, or (for a list field) several: a list from JSON, or a CSV cell's text with
    the images separated by LIST_SEPARATOR."""
    if not any(
        name in each.options and each.options[name].kind == "array" for each in facade.models()
    ):
        if not isinstance(value, str):
            raise RequestError(f"{name} must be text: a URL or a path")
        return resolve(value, base)
    items = value.split(LIST_SEPARATOR) if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise RequestError(f"{name} must be a list of URLs or paths")
    return tuple(resolve(item, base) for item in items if item.strip())


def resolve(reference: str, base: Path) -> str:
    """An http(s) URL as is; anything else is a local path, made absolute against `base`."""
    reference = reference.strip()
    if is_url(reference):
        return reference
    if _OTHER_SCHEME.match(reference):
        raise RequestError(
            f"{reference[:200]!r} is a URL, but not http(s): the service fetches only http(s) "
            "URLs; give one, or the path of a local image (uploaded first)"
        )
    return str((base / Path(reference).expanduser()).resolve())


def _integer(name: str, value: object) -> int:
    if isinstance(value, bool):
        raise RequestError(f"{name} must be a whole number; got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise RequestError(f"{name} must be a whole number; got {value!r}")


def _number(name: str, value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        return float(str(value))
    except ValueError:
        raise RequestError(f"{name} must be a number; got {value!r}") from None


def _boolean(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RequestError(f"{name} must be true or false; got {value!r}")


def _text(name: str, value: object) -> str:
    return str(value)


# From a batch file's JSON or CSV value to what the facade takes, by the spec's type.
_CONVERSIONS = {"integer": _integer, "number": _number, "boolean": _boolean, "string": _text}
