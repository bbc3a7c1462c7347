"""The fake's JSON-schema subset, on hand-made schemas (the spec-driven cases are elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest

from ideogram_facade import _endpoints
from ideogram_facade.testing._schema import request_schema, validate

SPEC: dict[str, Any] = {
    "components": {
        "schemas": {
            "Count": {"type": "integer", "minimum": 1, "maximum": 3},
            "Flags": {"type": "array", "items": {"type": "boolean"}, "minItems": 1, "maxItems": 2},
        }
    }
}


@pytest.mark.parametrize(
    ("schema", "value", "errors"),
    [
        ({"$ref": "#/components/schemas/Count"}, 2, []),
        ({"$ref": "#/components/schemas/Count"}, 0, ["body: 0 is below minimum 1"]),
        ({"$ref": "#/components/schemas/Count"}, 4, ["body: 4 exceeds maximum 3"]),
        ({"$ref": "#/components/schemas/Count"}, 2.5, ["body: expected integer, got number"]),
        ({"type": "number"}, 2, []),
        ({"type": "integer", "enum": [1, 2]}, True, ["body: expected integer, got boolean"]),
        ({"enum": [1, 2]}, True, ["body: true is not one of [1, 2]"]),
        ({"type": "string", "nullable": True}, None, []),
        ({"type": "string"}, None, ["body: expected string, got null"]),
        ({"type": "string", "minLength": 2}, "a", ["body: length 1 is below minLength 2"]),
        ({"$ref": "#/components/schemas/Flags"}, [], ["body: 0 items, fewer than minItems 1"]),
        (
            {"$ref": "#/components/schemas/Flags"},
            [True, 1, False],
            ["body: 3 items, more than maxItems 2", "body[1]: expected boolean, got integer"],
        ),
        (
            {"allOf": [{"required": ["a"]}, {"properties": {"b": {"type": "string"}}}]},
            {"b": 1},
            ["a: required field is missing", "b: expected string, got integer"],
        ),
        ({"type": "string", "format": "uri"}, "https://h/x", []),
        (
            {"type": "string", "format": "uri"},
            "mailto:x@y",
            ['body: "mailto:x@y" is not an absolute http(s) URL (format uri)'],
        ),
        ({"type": "string", "format": "binary"}, b"\x00", []),
        ({"type": "object", "properties": {"x": {"type": "string"}}}, {"x": "s", "extra": 1}, []),
    ],
)
def test_validate(schema: dict[str, Any], value: object, errors: list[str]) -> None:
    assert validate(schema, value, SPEC) == errors


def test_the_vendored_spec_drives_every_request_body() -> None:
    spec = _endpoints.spec()
    for method, path in [
        ("POST", "/api/v1/jobs/createTask"),
        ("POST", "/api/v1/common/download-url"),
        ("POST", "/api/file-stream-upload"),
        ("POST", "/api/file-base64-upload"),
        ("POST", "/api/file-url-upload"),
    ]:
        assert request_schema(spec, method, path) is not None, path
    assert request_schema(spec, "GET", "/api/v1/chat/credit") is None
