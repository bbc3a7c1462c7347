"""The wheel users install: both packages, typed, and nothing but the three runtime deps."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
    )
    (built,) = out.glob("ideogram_facade-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_both_packages_with_py_typed(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for required in (
        "ideogram_facade/py.typed",
        "ideogram_facade/_client.py",
        "ideogram_facade/testing/__init__.py",
        "apikley_client/py.typed",
        "apikley_client/openapi.json",
        "apikley_client/models/task_details.py",
    ):
        assert required in names, required
    assert not any(name.startswith(("tests/", "generated/", "tools/")) for name in names)


def test_runtime_dependencies_are_attrs_httpx_and_dateutil_only(wheel: zipfile.ZipFile) -> None:
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    requires = [
        line.split(":", 1)[1].strip()
        for line in wheel.read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:")
    ]
    always = sorted(r.split(">")[0].split("<")[0].split("=")[0] for r in requires if ";" not in r)
    assert always == ["attrs", "httpx", "python-dateutil"]
    assert all("==" not in r.split(";")[0] for r in requires), "users pin in lock files, not us"
    assert any(r.startswith("rich") and "extra == 'cli'" in r for r in requires)


def test_importing_the_package_does_not_load_the_generated_models_or_asyncio() -> None:
    # They cost more to import than httpx itself; they load on first use instead.
    code = (
        "import sys, ideogram_facade; "
        "print(sorted(m for m in ('apikley_client.models', 'asyncio', 'dateutil.parser') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert loaded.strip() == "[]"
