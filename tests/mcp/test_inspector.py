"""`ideogram-character mcp` driven by the official MCP inspector's command-line mode, a client
of the TypeScript SDK in node, configured with docs/mcp.md's client configuration: its
--strict check of the tools' schemas, a generate in the sandbox, a bad argument.
`nox -s inspector` installs the inspector and runs these."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import PNG_SIGNATURE

from .support import URL, tool_names

pytestmark = pytest.mark.node

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mcp.md"


def client_configuration(out: Path) -> dict[str, Any]:
    """The docs' configuration for an MCP client, with this environment's command, run in the
    sandbox into `out`."""
    snippet = re.search(r"```json\n(.*?)```", DOCS.read_text("utf-8"), re.DOTALL)
    assert snippet is not None, "docs/mcp.md has no client configuration"
    configuration: dict[str, Any] = json.loads(snippet[1])
    server = configuration["mcpServers"]["ideogram-character"]
    assert (server["command"], server["args"]) == ("ideogram-character", ["mcp"])
    assert set(server["env"]) == {"APIKLEY_API_KEY"}
    # The command as installed beside this Python; no key in the sandbox.
    server["command"] = str(Path(sys.executable).with_name("ideogram-character"))
    server["args"] += ["--sandbox", "--out", str(out)]
    server["env"] = {"IDEOGRAM_CHARACTER_POLL_INTERVAL": "0.1"}
    return configuration


def inspect(configuration: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    inspector = os.environ.get("MCP_INSPECTOR", "")
    if not Path(inspector).is_file():
        pytest.fail("MCP_INSPECTOR names no inspector: run these with `nox -s inspector`")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MCP_")}
    # This machine has no keychain; the inspector keeps the secrets of servers (none here)
    # in memory then, and says so unless told.
    environment["MCP_INSPECTOR_SECRET_STORE"] = "memory"
    return subprocess.run(
        [
            *(inspector, "--cli", "--config", str(configuration)),
            *("--server", "ideogram-character", *arguments),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_inspector_lists_the_tools_generates_and_gets_a_tool_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    configuration = tmp_path / "mcp.json"
    configuration.write_text(json.dumps(client_configuration(out)))

    listed = inspect(configuration, "--method", "tools/list", "--strict")
    assert listed.returncode == 0, listed.stderr
    # Every schema portable, as it judges: it prints each problem, and a count if any.
    assert not re.search(r"^(Warning|Error): tool", listed.stderr, re.MULTILINE), listed.stderr
    assert "across" not in listed.stderr, listed.stderr
    tools = {tool["name"]: tool for tool in json.loads(listed.stdout)["tools"]}
    assert list(tools) == tool_names()
    assert {"image", "mask"} <= set(tools["generate_character_edit"]["inputSchema"]["required"])

    generated = inspect(
        configuration,
        *("--method", "tools/call", "--tool-name", "generate_character"),
        *("--tool-arg", "prompt=a pilot by his plane", f"reference_image={URL}", "num_images=2"),
    )
    assert generated.returncode == 0, generated.stderr
    result = json.loads(generated.stdout)
    assert not result.get("isError")
    files = [Path(path) for path in result["structuredContent"]["files"]]
    assert len(files) == 2
    assert all(path.parent == out and path.read_bytes().startswith(PNG_SIGNATURE) for path in files)
    assert [block["type"] for block in result["content"]] == ["text", "image", "image"]

    refused = inspect(
        configuration,
        *("--method", "tools/call", "--tool-name", "generate_character_remix"),
        *("--tool-arg", "prompt=a pilot", f"reference_image={URL}", f"image={URL}", "strength=5"),
    )
    assert refused.returncode == 5, refused.stderr  # the inspector's code for isError
    assert "strength must be <= 1; got 5" in refused.stdout
