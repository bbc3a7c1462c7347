"""What a change of the vendored API documents means to a user of the facade, item by item.

    python tools/codegen.py update   # prints the summary and adds it to CHANGELOG.md
    python tools/codegen.py drift    # prints it when generated/ is stale: openapi/ at HEAD -> now

Each document that `openapi/sources.json` lists is taken apart into operations, and each
operation into its request fields (parameters and body) and response fields (2xx bodies),
nested ones by dotted name (`input.style`, `reference_image_urls[]`). An operation is its
document, method, path and model: several documents may each define `POST
/api/v1/jobs/createTask`, one model each, told apart by the enum of the body's `model` field.

An item is breaking when code written against the old document may fail or behave otherwise
against the new one. What a user sends must not be narrowed: a removed operation or request
field, a removed choice, a new required field, a tighter limit, a changed type or a changed
default break. What a user receives must not be widened: a removed response field, a new
choice in an answer (a task state the code does not know), a looser limit or a field that
may now be missing break. Descriptions and examples are not compared.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

CHANGELOG = Path(__file__).resolve().parent.parent / "CHANGELOG.md"
UNRELEASED = "## [Unreleased]"
SECTION = "### Vendor API changes"

Side = Literal["request", "response"]
# How a limit's change narrows what it allows: "upper" and "lower" bounds, "step" (multipleOf),
# "pattern", "flag" (true narrows) and "allowance" (true widens).
LIMITS = {
    "maxLength": "upper",
    "maxItems": "upper",
    "maxProperties": "upper",
    "maximum": "upper",
    "exclusiveMaximum": "upper",
    "minLength": "lower",
    "minItems": "lower",
    "minProperties": "lower",
    "minimum": "lower",
    "exclusiveMinimum": "lower",
    "multipleOf": "step",
    "pattern": "pattern",
    "uniqueItems": "flag",
    "nullable": "allowance",
}


class SpecDiffError(Exception):
    """The documents to compare cannot be read; the message says which and why."""


@dataclasses.dataclass(frozen=True)
class Change:
    operation: str  # method, path and model, as a reader of the changelog knows it
    text: str
    breaking: bool

    def changelog_line(self) -> str:
        mark = "**Breaking:** " if self.breaking else ""
        return f"- {mark}{self.operation}: {self.text}"


@dataclasses.dataclass(frozen=True)
class Field:
    parent: str | None  # the enclosing field's name; None at the top of a body
    type: str
    required: bool | None  # None where it does not apply (array items)
    enum: tuple[Any, ...] | None
    limits: Mapping[str, Any]
    default: tuple[Any, ...]  # (value,), or () when the document gives none


@dataclasses.dataclass(frozen=True)
class Operation:
    label: str
    request: Mapping[str, Field]
    response: Mapping[str, Field]


Documents = Mapping[str, Mapping[str, Any]]  # vendored path -> parsed document


OperationKey = tuple[str, str, str, str | None]  # document, METHOD, path, model
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load(openapi_dir: Path) -> dict[str, Any]:
    """Every document `openapi_dir/sources.json` lists, parsed, by its path there."""

    def read(path: str) -> str | None:
        file = openapi_dir / path
        return file.read_text(encoding="utf-8") if file.is_file() else None

    return _documents(read, str(openapi_dir))


def load_at(openapi_dir: Path, revision: str) -> dict[str, Any]:
    """The documents as git's `revision` holds them; one it does not hold is left out."""

    def show(path: str) -> str | None:
        try:
            result = subprocess.run(
                ["git", "show", f"{revision}:./{path}"],
                cwd=openapi_dir,
                capture_output=True,
                text=True,
                encoding="utf-8",
            )
        except OSError as error:
            raise SpecDiffError(f"cannot run git: {error}") from error
        return result.stdout if result.returncode == 0 else None

    return _documents(show, f"{openapi_dir} at git {revision}")


def _documents(read: Callable[[str], str | None], where: str) -> dict[str, Any]:
    listing = read("sources.json")
    if listing is None:
        raise SpecDiffError(f"no sources.json in {where}")
    found = {}
    for source in json.loads(listing)["documents"]:
        text = read(source["path"])
        if text is not None:
            found[source["path"]] = json.loads(text)
    return found


def compare(before: Documents, after: Documents) -> list[Change]:
    """Every change between two sets of documents a user of the facade could notice."""
    old, new = _operations(before), _operations(after)
    changes = []
    for key in [*new, *(key for key in old if key not in new)]:
        if key not in old:
            changes.append(Change(new[key].label, "new operation", breaking=False))
        elif key not in new:
            changes.append(Change(old[key].label, "operation removed", breaking=True))
        else:
            changes.extend(_compare_side(old[key], new[key], "request"))
            changes.extend(_compare_side(old[key], new[key], "response"))
    return changes + _disagreements(before, after)


SHARED = "shared components"


def _disagreements(before: Documents, after: Documents) -> list[Change]:
    """A component several documents define (the `ApiResponse` envelope), now defined
    differently in some of them, or alike again. The merge keeps each document's own; the
    differences themselves are listed under each operation that uses it."""
    old, new = _variants(before), _variants(after)
    changes = []
    for name, variants in new.items():
        if len(variants) > 1 and len(old.get(name, [])) <= 1:
            groups = "; ".join(", ".join(paths) for paths in variants)
            text = f"`{name}` now differs between documents ({groups}): each keeps its own"
            changes.append(Change(SHARED, text, breaking=False))
    for name, variants in old.items():
        if len(variants) > 1 and len(new.get(name, [])) == 1:
            changes.append(Change(SHARED, f"`{name}` is the same in every document again", False))
    return changes


def _variants(documents: Documents) -> dict[str, list[list[str]]]:
    """For each component name defined by more than one document, the documents grouped by
    which definition they hold (one group when they all agree)."""
    found: dict[str, list[tuple[Any, list[str]]]] = {}
    for path, document in documents.items():
        for kind, entries in document.get("components", {}).items():
            for name, value in entries.items():
                groups = found.setdefault(f"components.{kind}.{name}", [])
                for definition, paths in groups:
                    if definition == value:
                        paths.append(path)
                        break
                else:
                    groups.append((value, [path]))
    return {
        name: [paths for _, paths in groups]
        for name, groups in found.items()
        if sum(len(paths) for _, paths in groups) > 1
    }


def summary(changes: list[Change], title: str) -> str:
    """The changes as lines for a terminal, by operation, breaking ones first in each."""
    if not changes:
        return f"{title}: nothing a user of the facade could notice"
    breaking = sum(change.breaking for change in changes)
    lines = [f"{title}: {breaking} breaking, {len(changes) - breaking} not breaking"]
    for operation in dict.fromkeys(change.operation for change in changes):
        lines.append(f"  {operation}")
        for change in _breaking_first(c for c in changes if c.operation == operation):
            lines.append(
                f"    {'breaking' if change.breaking else 'not breaking':12}  {change.text}"
            )
    return "\n".join(lines)


def record(changes: list[Change], changelog: Path = CHANGELOG) -> list[str]:
    """Add each change not listed yet to the Unreleased section of `changelog`, under its
    own heading (made when first needed), breaking ones first; the lines added."""
    lines = changelog.read_text(encoding="utf-8").splitlines()
    if UNRELEASED not in lines:
        raise SpecDiffError(f"{changelog} has no {UNRELEASED!r} heading: add one")
    start = lines.index(UNRELEASED)
    section_end = _next_heading(lines, start, "## ")
    if SECTION in lines[start:section_end]:
        heading = lines.index(SECTION, start)
    else:
        heading = section_end
        while not lines[heading - 1].strip():
            heading -= 1
        lines[heading:heading] = ["", SECTION]
        heading += 1
    end = _next_heading(lines, heading, "#")
    listed = [line for line in lines[heading + 1 : end] if line.strip()]
    added = [
        line
        for line in dict.fromkeys(map(Change.changelog_line, _breaking_first(changes)))
        if line not in listed
    ]
    if added:
        lines[heading + 1 : end] = ["", *listed, *added, *([""] if end < len(lines) else [])]
        changelog.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return added


def after_update(before: Documents, openapi_dir: Path, changelog: Path = CHANGELOG) -> str:
    """The summary of what an update of `openapi_dir` changed, also added to `changelog`."""
    changes = compare(before, load(openapi_dir))
    record(changes, changelog)
    return summary(changes, f"Vendor API changes (in {changelog.name} too)")


def drift_summary(openapi_dir: Path, generated: Path) -> str:
    """The summary of `openapi_dir` as it was when `generated` was last committed (what the
    committed client was made from) against the working tree, or why there is none."""
    try:
        revision = last_commit(generated)
        changes = compare(load_at(openapi_dir, revision), load(openapi_dir))
    except SpecDiffError as error:
        return f"no summary of the spec change: {error}"
    return summary(changes, f"openapi/ since generated/ was last committed ({revision[:10]})")


def last_commit(path: Path) -> str:
    """The last git commit that changed `path`."""
    try:
        result = subprocess.run(
            ["git", "log", "-1", "--format=%H", "--", "."],
            cwd=path,
            capture_output=True,
            text=True,
        )
    except OSError as error:
        raise SpecDiffError(f"cannot run git: {error}") from error
    if result.returncode != 0 or not result.stdout.strip():
        raise SpecDiffError(f"{path} has no git history")
    return result.stdout.strip()


def _next_heading(lines: list[str], after: int, prefix: str) -> int:
    return next(
        (i for i in range(after + 1, len(lines)) if lines[i].startswith(prefix)), len(lines)
    )


def _breaking_first(changes: Iterable[Change]) -> list[Change]:
    return sorted(changes, key=lambda change: not change.breaking)


def _operations(documents: Documents) -> dict[OperationKey, Operation]:
    found = {}
    for document_path, document in documents.items():
        for path, item in document.get("paths", {}).items():
            for method in (method for method in METHODS if method in item):
                operation = item[method]
                parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
                request = _parameters(parameters, document)
                response = _responses(operation, document)
                for model, body in _bodies(operation, document):
                    label = f"`{method.upper()} {path}`" + (f" for `{model}`" if model else "")
                    key = (document_path, method.upper(), path, model)
                    found[key] = Operation(label, {**request, **_fields(body, document)}, response)
    return found


def _bodies(
    operation: Mapping[str, Any], document: Mapping[str, Any]
) -> list[tuple[str | None, Mapping[str, Any]]]:
    """The request body schema of each model the operation serves (one, model None, when the
    body names none): each `oneOf`/`anyOf` alternative apart when each names its own model."""
    content = _resolve(operation.get("requestBody", {}), document).get("content", {})
    body = _resolve(_media(content).get("schema", {}), document)
    alternatives = [_resolve(a, document) for a in body.get("oneOf", body.get("anyOf", []))]
    models = [_model(alternative, document) for alternative in alternatives]
    if alternatives and None not in models and len(set(models)) == len(models):
        return list(zip(models, alternatives, strict=True))
    return [(_model(body, document), body)]


def _media(content: Mapping[str, Any]) -> Mapping[str, Any]:
    """The JSON body of a `content` map, or else its first (a multipart upload's form)."""
    found: Mapping[str, Any] = content.get("application/json") or next(iter(content.values()), {})
    return found


def _model(body: Mapping[str, Any], document: Mapping[str, Any]) -> str | None:
    field = _resolve(body.get("properties", {}).get("model", {}), document)
    names = field.get("enum", [field["const"]] if "const" in field else [])
    return ", ".join(map(str, names)) or None


def _parameters(parameters: list[Any], document: Mapping[str, Any]) -> dict[str, Field]:
    # The operation's own parameters come last: they override the path's of the same name.
    chosen = {(p["in"], p["name"]): p for p in (_resolve(p, document) for p in parameters)}
    found: dict[str, Field] = {}
    for (where, name), parameter in chosen.items():
        required = bool(parameter.get("required"))
        _walk(parameter.get("schema", {}), document, f"{name} ({where})", None, required, found)
    return found


def _responses(operation: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Field]:
    """The fields of every 2xx answer's body; by status too when there are several."""
    answers = operation.get("responses", {})
    statuses = sorted(status for status in answers if status.startswith("2"))
    found: dict[str, Field] = {}
    for status in statuses:
        content = _resolve(answers[status], document).get("content", {})
        prefix = f"{status} " if len(statuses) > 1 else ""
        for name, field in _fields(_media(content).get("schema", {}), document).items():
            found[prefix + name] = field
    return found


def _fields(schema: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Field]:
    """The fields a schema holds, nested ones under dotted names (the schema itself is none)."""
    found: dict[str, Field] = {}
    _walk(schema, document, "", None, None, found)
    return found


def _walk(
    schema: Mapping[str, Any],
    document: Mapping[str, Any],
    name: str,
    parent: str | None,
    required: bool | None,
    found: dict[str, Field],
    refs: tuple[str, ...] = (),
) -> None:
    """Add the field `name` that `schema` describes to `found`, then the fields inside it."""
    if "$ref" in schema:
        if schema["$ref"] in refs:  # a recursive schema: its fields are listed already
            return
        refs = (*refs, schema["$ref"])
        schema = _resolve(schema, document)
    parts = [schema, *(_resolve(part, document) for part in schema.get("allOf", []))]
    alternatives = [_resolve(a, document) for a in schema.get("oneOf", schema.get("anyOf", []))]
    facts: dict[str, Any] = {}
    for part in reversed(parts):  # the schema's own keywords win over its allOf parts'
        facts.update(part)
    properties = {
        key: value
        for part in [*parts, *alternatives]
        for key, value in part.get("properties", {}).items()
    }
    if name:
        kind = facts.get("type", "object" if properties else "any")
        found[name] = Field(
            parent=parent,
            type=("|".join(kind) if isinstance(kind, list) else str(kind))
            + (f" ({facts['format']})" if "format" in facts else ""),
            required=required,
            enum=tuple(facts["enum"]) if "enum" in facts else None,
            limits={key: facts[key] for key in LIMITS if key in facts},
            default=(facts["default"],) if "default" in facts else (),
        )
    needed = {key for part in parts for key in part.get("required", [])}
    for key, value in properties.items():
        child = f"{name}.{key}" if name else key
        _walk(value, document, child, name or None, key in needed, found, refs)
    if "items" in facts:
        _walk(facts["items"], document, f"{name}[]", name or None, None, found, refs)


def _resolve(schema: Mapping[str, Any], document: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        node: Any = document
        for key in schema["$ref"].removeprefix("#/").split("/"):
            node = node[key]
        schema = node
    return schema


def _compare_side(old: Operation, new: Operation, side: Side) -> Iterator[Change]:
    before: Mapping[str, Field] = getattr(old, side)
    after: Mapping[str, Field] = getattr(new, side)
    sends = side == "request"
    for name, field in after.items():
        if name in before:
            for text, breaking in _compare_field(before[name], field, sends):
                yield Change(new.label, f"{side} field `{name}`: {text}", breaking)
        elif field.parent is None or field.parent in before:  # not inside a new field
            optional = "required" if field.required else "optional"
            kind = f"new {optional} request field" if sends else "new response field"
            yield Change(new.label, f"{kind} `{name}`", breaking=sends and field.required is True)
    for name, field in before.items():
        if name not in after and (field.parent is None or field.parent in after):
            yield Change(new.label, f"{side} field `{name}` removed", breaking=True)


def _compare_field(old: Field, new: Field, sends: bool) -> Iterator[tuple[str, bool]]:
    """Each difference, with whether it breaks: what a user sends must not be narrowed, what
    they receive not widened."""

    def breaks(narrows: bool) -> bool:
        return narrows == sends

    if old.type != new.type:
        yield f"type {old.type} -> {new.type}", True
    if old.enum != new.enum:
        if new.enum is None:
            yield f"no longer limited to {_values(old.enum or ())}", breaks(False)
        elif old.enum is None:
            yield f"now limited to {_values(new.enum)}", breaks(True)
        else:
            added = [value for value in new.enum if value not in old.enum]
            removed = [value for value in old.enum if value not in new.enum]
            if added:
                yield f"new choice {_values(added)}", breaks(False)
            if removed:
                yield f"choice {_values(removed)} removed", breaks(True)
    for key, kind in LIMITS.items():
        was, now = old.limits.get(key), new.limits.get(key)
        if was != now:
            narrows = _narrows(kind, was, now)
            tighter = "tighter" if narrows else "looser"
            yield f"{key} {_shown(was)} -> {_shown(now)} ({tighter})", breaks(narrows)
    if None not in (old.required, new.required) and old.required != new.required:
        yield ("now required" if new.required else "now optional"), breaks(bool(new.required))
    if old.default != new.default:
        # A request that leaves the field out now gets another value, or the service's choice.
        shown = f"default {_shown(*old.default)} -> {_shown(*new.default)}"
        yield shown, sends and bool(old.default)


def _narrows(kind: str, was: Any, now: Any) -> bool:
    """Whether a limit going from `was` to `now` (None: absent) allows fewer values."""
    if kind == "allowance":  # nullable: true lets null through
        return bool(was) and not now
    if kind == "flag" or isinstance(was, bool) or isinstance(now, bool):
        return bool(now) and not was  # OpenAPI 3.0's exclusiveMaximum is a flag too
    if was is None or now is None:
        return was is None  # a new limit narrows, a dropped one widens
    if kind == "upper":
        return bool(now < was)
    if kind == "lower":
        return bool(now > was)
    if kind == "step":
        return not float(was / now).is_integer()  # is every multiple of `was` one of `now`?
    return True  # another pattern: what it allows cannot be compared, so assume less


def _values(values: Iterable[Any]) -> str:
    return ", ".join(json.dumps(value, ensure_ascii=False) for value in values)


def _shown(value: Any = None) -> str:
    return "none" if value is None else json.dumps(value, ensure_ascii=False)
