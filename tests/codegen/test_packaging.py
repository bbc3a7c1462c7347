"""What users install: one import name, typed, and nothing but the three runtime deps.

The generated client ships inside the facade as `ideogram_facade._generated`, in the wheel, the
sdist's wheel and an editable install alike: a generic top-level name could be shared with
another distribution, and pip overwrites such files without a word.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _build(kind: str, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)]
        if kind == "wheel"
        else [sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("ideogram_facade-*.whl" if kind == "wheel" else "ideogram_facade-*.tar.gz")
    return built


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    return zipfile.ZipFile(_build("wheel", tmp_path_factory.mktemp("wheel")))


def _top_level_names(names: list[str]) -> set[str]:
    return {name.split("/")[0] for name in names if ".dist-info/" not in name}


def test_the_wheel_holds_one_package_with_the_generated_client_inside(
    wheel: zipfile.ZipFile,
) -> None:
    names = set(wheel.namelist())
    for required in (
        "ideogram_facade/py.typed",
        "ideogram_facade/_client.py",
        "ideogram_facade/testing/__init__.py",
        "ideogram_facade/_generated/py.typed",
        "ideogram_facade/_generated/openapi.json",
        "ideogram_facade/_generated/models/get_task_details_response_200_data.py",
    ):
        assert required in names, required
    assert _top_level_names(wheel.namelist()) == {"ideogram_facade"}


def test_the_sdist_builds_a_wheel_with_the_same_files(
    wheel: zipfile.ZipFile, tmp_path: Path
) -> None:
    sdist = _build("sdist", tmp_path / "sdist")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    (unpacked,) = (tmp_path / "src").iterdir()
    out = tmp_path / "from-sdist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(unpacked)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    rebuilt = sorted(n for n in zipfile.ZipFile(built).namelist() if ".dist-info/" not in n)
    assert rebuilt == sorted(n for n in wheel.namelist() if ".dist-info/" not in n)


def test_an_editable_install_adds_no_other_import_name(tmp_path: Path) -> None:
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    # The dependencies first (the editable hook needs `editables`), so that `before` has them.
    dependencies = ["editables", "attrs", "httpx<0.29", "python-dateutil"]
    subprocess.run([str(python), "-m", "pip", "install", "-q", *dependencies], check=True)
    before = _importable(python)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(ROOT)],
        check=True,
        capture_output=True,
    )
    # The editable hook module is pip's mechanism (named after us); the checkout root, with its
    # tests/, tools/ and noxfile.py, stays off sys.path.
    assert _importable(python) - before == {"_editable_impl_ideogram_facade"}
    code = (
        "import importlib.util as u, ideogram_facade._generated.models as m\n"
        "print(m.IdeogramCharacterBody.__name__, [u.find_spec(n) for n in ('tests', 'tools', "
        "'noxfile', 'generated', 'apikley_client')])"
    )
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd="/")
    assert result.stdout.strip() == "IdeogramCharacterBody [None, None, None, None, None]", (
        result.stderr
    )


def _importable(python: Path) -> set[str]:
    code = "import pkgutil; print('\\n'.join(sorted({m.name for m in pkgutil.iter_modules()})))"
    listed = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd="/")
    return set(listed.stdout.split())


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
        "print(sorted(m for m in ('ideogram_facade._generated.models', 'asyncio', "
        "'dateutil.parser') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert loaded.strip() == "[]"
