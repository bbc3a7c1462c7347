"""The sync client is derived from the async one: a hand edit fails, and the two agree."""

from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ideogram_facade import AsyncCharacterClient, CharacterClient
from tools import unasync

pytestmark = pytest.mark.slow  # runs ruff twice per derivation


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(unasync.ROOT / "tools" / "unasync.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_committed_sync_client_is_the_derived_one() -> None:
    result = _run("--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_one_line_hand_edit_of_the_sync_client_fails_the_check(tmp_path: Path) -> None:
    edited = tmp_path / "_client.py"
    text = unasync.TARGET.read_text()
    edited.write_text(text.replace("def credits(self)", "def credits(self)  ", 1))
    assert edited.read_text() != text
    result = _run("--check", "--target", str(edited))
    assert result.returncode == 1
    assert "edit _async_client.py instead" in result.stderr
    assert "-    def credits(self)  " in result.stdout


def test_removing_a_method_from_the_async_client_removes_it_from_the_sync_one(
    tmp_path: Path,
) -> None:
    source = tmp_path / "_async_client.py"
    target = tmp_path / "_client.py"
    shutil.copy(unasync.SOURCE, source)
    text = source.read_text()
    start = text.index("    async def credits(self)")
    end = text.index("    async def close(self)")
    source.write_text(text[:start] + text[end:])
    assert _run("--source", str(source), "--target", str(target)).returncode == 0
    derived = target.read_text()
    assert "def credits(" not in derived
    assert "def download(" in derived
    assert "async " not in derived
    assert "await " not in derived


def _public(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_") or name in ("__init__", "__enter__", "__exit__")
    }


def _sync_text(text: str) -> str:
    return text.replace("AsyncCharacterClient", "CharacterClient").replace(
        "httpx.AsyncClient", "httpx.Client"
    )


def test_both_clients_have_the_same_methods_parameters_defaults_and_docstrings() -> None:
    sync, asynchronous = _public(CharacterClient), _public(AsyncCharacterClient)
    renamed = {"__aenter__": "__enter__", "__aexit__": "__exit__"}
    asynchronous = {renamed.get(name, name): member for name, member in asynchronous.items()}
    asynchronous |= {
        renamed[name]: member
        for name, member in vars(AsyncCharacterClient).items()
        if name in renamed
    }
    assert sorted(sync) == sorted(asynchronous)
    assert {"submit", "wait", "generate", "get_task", "download", "upload", "credits"} <= set(sync)
    for name, sync_member in sync.items():
        async_member = asynchronous[name]
        assert inspect.getdoc(sync_member) == (
            None
            if inspect.getdoc(async_member) is None
            else _sync_text(inspect.getdoc(async_member) or "")
        ), name
        if not callable(sync_member):
            continue
        sync_signature = inspect.signature(sync_member)
        async_signature = inspect.signature(async_member)  # type: ignore[arg-type]
        assert [
            (p.name, p.kind, p.default, _sync_text(str(p.annotation)))
            for p in async_signature.parameters.values()
        ] == [
            (p.name, p.kind, p.default, str(p.annotation))
            for p in sync_signature.parameters.values()
        ], name
        assert _sync_text(str(async_signature.return_annotation)) == str(
            sync_signature.return_annotation
        ), name
        if name != "__init__":
            assert inspect.iscoroutinefunction(async_member), name
            assert not inspect.iscoroutinefunction(sync_member), name
