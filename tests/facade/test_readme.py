"""The README's quick start runs as written, against the fake service instead of the real one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ideogram_facade.testing import FakeApikley, TaskTiming

from .test_files import JPEG

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def quick_start_blocks() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


@pytest.mark.slow
@pytest.mark.parametrize("block", quick_start_blocks(), ids=["sync", "async"])
def test_the_quick_start_runs(block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeApikley(timing=TaskTiming.instant()) as fake:
        monkeypatch.setenv("APIKLEY_API_KEY", fake.api_key)
        monkeypatch.setenv("APIKLEY_BASE_URL", fake.base_url)
        monkeypatch.setenv("APIKLEY_UPLOAD_BASE_URL", fake.upload_base_url)
        monkeypatch.chdir(tmp_path)
        (tmp_path / "portrait.jpg").write_bytes(JPEG)
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
        assert fake.creates_accepted >= 1
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".png"] * (
        2 if "num_images=2" in block else fake.creates_accepted
    )


def test_the_first_setup_makes_a_virtual_environment_before_pip_install() -> None:
    # A system Python under PEP 668 (Debian 12, ...) refuses `pip install` outright.
    section = README.split("## Try it", 1)[1].split("\n## ", 1)[0]
    first_block = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)[0]
    commands = first_block.splitlines()
    assert commands[0] == "python3 -m venv .venv && . .venv/bin/activate"
    assert any("pip install" in command for command in commands[1:])
    assert "pip install" not in commands[0]
