"""The CLI (the MCP server with it) is built on the public surface alone, as a user's program
would be: what it needs, users may need too, and a private module can change under it."""

from __future__ import annotations

import ast
from pathlib import Path

import ideogram_facade.cli

CLI = Path(ideogram_facade.cli.__file__).parent


def private_imports(source: str) -> list[str]:
    """Each `ideogram_facade._x` that `source` imports, directly or as a name (`__version__`
    is public)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            modules = [node.module, *names] if node.module == "ideogram_facade" else [node.module]
        else:
            continue
        found += [
            m
            for m in modules
            if m.startswith("ideogram_facade._") and not m.startswith("ideogram_facade.__")
        ]
    return found


def test_the_check_finds_a_private_import() -> None:
    assert private_imports("from ideogram_facade._journal import Journal") == [
        "ideogram_facade._journal"
    ]
    assert private_imports("from ideogram_facade import _constants as C") == [
        "ideogram_facade._constants"
    ]
    assert private_imports("import ideogram_facade._files") == ["ideogram_facade._files"]
    assert private_imports("from ideogram_facade import Task, __version__") == []
    assert private_imports("from . import _batch") == []


def test_the_cli_imports_nothing_private_of_the_package() -> None:
    offending = {
        str(path.relative_to(CLI)): found
        for path in sorted(CLI.rglob("*.py"))
        if (found := private_imports(path.read_text(encoding="utf-8")))
    }
    assert offending == {}
