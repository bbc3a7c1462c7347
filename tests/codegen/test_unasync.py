"""The sync client is derived from the async one: a hand edit fails, and the two agree."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ideogram_facade import AsyncCharacterClient, CharacterClient
from tools import unasync


def test_the_committed_sync_client_is_the_derived_one() -> None:
    result = subprocess.run(
        [sys.executable, str(unasync.ROOT / "tools" / "unasync.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_one_line_hand_edit_of_the_sync_client_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = tmp_path / "_client.py"
    text = unasync.TARGET.read_text()
    edited.write_text(text.replace("def credits(self)", "def credits(self)  ", 1))
    assert edited.read_text() != text
    assert unasync.main(["--check", "--target", str(edited)]) == 1
    out, err = capsys.readouterr()
    assert "-    def credits(self)  " in out
    assert "edit _async_client.py instead" in err


def test_removing_a_method_from_the_async_client_removes_it_from_the_sync_one(
    tmp_path: Path,
) -> None:
    source, target = tmp_path / "_async_client.py", tmp_path / "_client.py"
    text = unasync.SOURCE.read_text()
    start = text.index("    async def credits(self)")
    source.write_text(text[:start] + text[text.index("    async def close(self)") :])
    assert unasync.main(["--source", str(source), "--target", str(target)]) == 0
    derived = target.read_text()
    assert "def credits(" not in derived
    assert "def download(" in derived
    assert derived.startswith(unasync.HEADER)


def test_async_code_the_substitutions_miss_fails_the_derivation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = tmp_path / "_async_client.py", tmp_path / "_client.py"
    line = "            await asyncio.sleep(effect.seconds)\n"
    text = unasync.SOURCE.read_text()
    assert line in text
    source.write_text(text.replace(line, line.replace("sleep", "shield"), 1))
    assert unasync.main(["--source", str(source), "--target", str(target)]) == 1
    assert not target.exists()
    assert "asyncio.shield(effect.seconds)" in capsys.readouterr().err


def _as_sync(text: str) -> str:
    return (
        text.replace("AsyncCharacterClient", "CharacterClient")
        .replace("httpx.AsyncClient", "httpx.Client")
        .replace("httpx2.AsyncClient", "httpx2.Client")
        .replace("await ", "")
        .replace("async with ", "with ")
    )


def _methods(cls: type, renamed: dict[str, str]) -> dict[str, Callable[..., object]]:
    """The public methods, `__init__` and the context manager's, by their sync names."""
    return {
        renamed.get(name, name): member
        for name, member in vars(cls).items()
        if callable(member) and (not name.startswith("_") or name in {"__init__", *renamed})
    }


def test_both_clients_have_the_same_methods_parameters_defaults_and_docstrings() -> None:
    sync = _methods(CharacterClient, {"__enter__": "__enter__", "__exit__": "__exit__"})
    asynchronous = _methods(
        AsyncCharacterClient, {"__aenter__": "__enter__", "__aexit__": "__exit__"}
    )
    assert sorted(sync) == sorted(asynchronous)
    assert {"submit", "wait", "generate", "get_task", "download", "upload", "credits"} <= set(sync)
    assert {"close", "__enter__", "__exit__"} <= set(sync)
    for name, sync_method in sync.items():
        async_method = asynchronous[name]
        async_doc = inspect.getdoc(async_method)
        assert inspect.getdoc(sync_method) == (async_doc and _as_sync(async_doc)), name
        sync_signature = inspect.signature(sync_method)
        async_signature = inspect.signature(async_method)
        assert [
            (p.name, p.kind, p.default, _as_sync(str(p.annotation)))
            for p in async_signature.parameters.values()
        ] == [
            (p.name, p.kind, p.default, str(p.annotation))
            for p in sync_signature.parameters.values()
        ], name
        assert str(sync_signature.return_annotation) == _as_sync(
            str(async_signature.return_annotation)
        ), name
        is_coroutine = name not in {"__init__", "with_options"}  # both make a client at once
        assert inspect.iscoroutinefunction(async_method) is is_coroutine, name
        assert not inspect.iscoroutinefunction(sync_method), name
