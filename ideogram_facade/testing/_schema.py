"""Request checking driven by the vendored OpenAPI document, so a spec change changes the fake.

    spec = _endpoints.spec()
    schema = request_schema(spec, "POST", "/api/v1/jobs/createTask")
    validate(schema, {"model": "x"}, spec)
    # ['model: "x" is not one of ["ideogram/character"]']

A JSON-schema subset: type, required, properties, items, enum, minLength/maxLength,
minItems/maxItems, minimum/maximum, allOf, oneOf, $ref to the same document, nullable, and
format "uri" read as an absolute http(s) URL. Unknown keywords are ignored, as is
additionalProperties (the vendor documents never set it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

Schema = Mapping[str, Any]


def request_schema(spec: Mapping[str, Any], method: str, path: str) -> Schema | None:
    """The request body schema of one operation (first media type), or None if undocumented."""
    operation = spec.get("paths", {}).get(path, {}).get(method.lower())
    if not operation:
        return None
    content = operation.get("requestBody", {}).get("content", {})
    for media in content.values():
        schema: Schema | None = media.get("schema")
        return schema
    return None


def validate(schema: Schema, value: object, spec: Mapping[str, Any], where: str = "") -> list[str]:
    """Every problem found, each as 'field.path: problem (limit)'; empty when valid."""
    schema = _resolve(schema, spec)
    label = where or "body"
    if value is None and schema.get("nullable"):
        return []
    errors: list[str] = []
    for part in schema.get("allOf", ()):
        errors += validate(part, value, spec, where)
    if "oneOf" in schema:
        return errors + _one_of(schema["oneOf"], value, spec, where)
    expected = schema.get("type")
    if expected is not None and not _has_type(value, expected, schema.get("format")):
        return [*errors, f"{label}: expected {expected}, got {_json_type(value)}"]
    if ("enum" in schema and value not in schema["enum"]) or _bool_in_enum(value, schema):
        allowed = json.dumps(schema["enum"], ensure_ascii=False)
        return [*errors, f"{label}: {json.dumps(value)} is not one of {allowed}"]
    if isinstance(value, str):
        errors += _check_string(schema, value, label)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        errors += _check_number(schema, value, label)
    elif isinstance(value, list):
        errors += _check_array(schema, value, spec, label)
    elif isinstance(value, dict):
        errors += _check_object(schema, value, spec, where)
    return errors


def _one_of(
    branches: list[Schema], value: object, spec: Mapping[str, Any], where: str
) -> list[str]:
    """Valid if one branch is; else the problems of the branch the body names by its `model`
    (the models sharing createTask each have one), or of the closest branch."""
    results = [validate(branch, value, spec, where) for branch in branches]
    if any(not problems for problems in results):
        return []
    for branch, problems in zip(branches, results, strict=True):
        model = _resolve(branch, spec).get("properties", {}).get("model", {})
        if isinstance(value, dict) and value.get("model") in model.get("enum", ()):
            return problems
    return min(results, key=len)


def _resolve(schema: Schema, spec: Mapping[str, Any]) -> Schema:
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, got {ref}")
        node: Any = spec
        for key in ref[2:].split("/"):
            node = node[key.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


def _bool_in_enum(value: object, schema: Schema) -> bool:
    # True == 1 in Python, so `True in [1]` would wrongly pass an integer enum.
    return (
        "enum" in schema
        and isinstance(value, bool)
        and not any(isinstance(item, bool) for item in schema["enum"])
    )


def _has_type(value: object, expected: str, fmt: str | None) -> bool:
    if expected == "string" and fmt == "binary" and isinstance(value, bytes):
        return True
    return _json_type(value) == expected or (
        expected == "number" and _json_type(value) == "integer"
    )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _check_string(schema: Schema, value: str, label: str) -> list[str]:
    errors = []
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{label}: length {len(value)} exceeds maxLength {schema['maxLength']}")
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(f"{label}: length {len(value)} is below minLength {schema['minLength']}")
    if schema.get("format") == "uri" and not is_http_url(value):
        errors.append(f"{label}: {json.dumps(value)} is not an absolute http(s) URL (format uri)")
    return errors


def is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_number(schema: Schema, value: float, label: str) -> list[str]:
    errors = []
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{label}: {value} is below minimum {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        errors.append(f"{label}: {value} exceeds maximum {schema['maximum']}")
    return errors


def _check_array(
    schema: Schema, value: list[Any], spec: Mapping[str, Any], label: str
) -> list[str]:
    errors = []
    if "minItems" in schema and len(value) < schema["minItems"]:
        errors.append(f"{label}: {len(value)} items, fewer than minItems {schema['minItems']}")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(f"{label}: {len(value)} items, more than maxItems {schema['maxItems']}")
    if "items" in schema:
        for index, item in enumerate(value):
            errors += validate(schema["items"], item, spec, f"{label}[{index}]")
    return errors


def _check_object(
    schema: Schema, value: dict[str, Any], spec: Mapping[str, Any], where: str
) -> list[str]:
    prefix = f"{where}." if where else ""
    errors = [
        f"{prefix}{name}: required field is missing"
        for name in schema.get("required", ())
        if name not in value
    ]
    for name, sub in schema.get("properties", {}).items():
        if name in value:
            errors += validate(sub, value[name], spec, prefix + name)
    return errors
