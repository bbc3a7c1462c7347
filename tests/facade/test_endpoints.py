"""One name per endpoint: the table covers the spec, and no module spells a name or path again."""

from __future__ import annotations

import ast
from pathlib import Path

from ideogram_facade import _endpoints

PACKAGE = Path(_endpoints.__file__).parent


def test_the_table_covers_exactly_the_operations_of_the_shipped_spec() -> None:
    in_spec = {
        operation["operationId"]
        for item in _endpoints.spec()["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert {endpoint.operation_id for endpoint in _endpoints.ALL} == in_spec
    names = [endpoint.name for endpoint in _endpoints.ALL]
    assert len(set(names)) == len(names)
    assert _endpoints.CREATE_TASK.name == "createTask"
    assert (_endpoints.RECORD_INFO.method, _endpoints.RECORD_INFO.path) == (
        "GET",
        "/api/v1/jobs/recordInfo",
    )
    assert not _endpoints.CREATE_TASK.idempotent


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """Every string constant in `path` outside docstrings, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_module_spells_an_endpoint_name_or_path_but_the_table() -> None:
    # A string that *is* a name (a key, an argument, a comparison) or holds a path; prose that
    # mentions createTask in a message is not a second definition.
    names = {e.name for e in _endpoints.ALL}
    paths = {e.path for e in _endpoints.ALL}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "_generated" or relative.name == "_endpoints.py":
            continue
        for line, text in _code_strings(path):
            if text in names or any(p in text for p in paths):
                found.append(f"{relative}:{line}: {text!r}")
    assert found == []
