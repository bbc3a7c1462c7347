"""Derive the sync client from the async one, so that the two are written once.

    python tools/unasync.py            # rewrite ideogram_facade/_client.py
    python tools/unasync.py --check    # exit 1, printing the diff, if it is not what we derive

As httpcore does with its `scripts/unasync.py`: `_async_client.py` is the source, and
`_client.py` is what these substitutions make of it, formatted by the project's pinned ruff.
The drift check (`nox -s drift`) fails when someone edits the derived file by hand.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "ideogram_facade" / "_async_client.py"
TARGET = ROOT / "ideogram_facade" / "_client.py"

HEADER = (
    "# Derived from _async_client.py by tools/unasync.py: edit that file, then run\n"
    "# `nox -s generate` (or `python tools/unasync.py`). `nox -s drift` fails on hand edits.\n"
)

# Whole words, in this order: the longer names before the shorter ones they contain.
SUBSTITUTIONS = [
    (r"\bAsyncCharacterClient\b", "CharacterClient"),
    (r"\bhttpx\.AsyncClient\b", "httpx.Client"),
    (r"\basync_client\b", "sync_client"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\baclose\b", "close"),
    (r"\baiter_bytes\b", "iter_bytes"),
    (r"\basyncio\.sleep\b", "time.sleep"),
    (r"\bimport asyncio\b", "import time"),
    (r"\basync (def|with|for)\b", r"\1"),
    (r"\bawait ", ""),
    # Prose that names the concurrency model.
    (r"the asyncio client", "the synchronous client"),
    (r"many asyncio tasks", "one or many threads"),
]


def derive(source: str) -> str:
    for pattern, replacement in SUBSTITUTIONS:
        source = re.sub(pattern, replacement, source)
    return HEADER + source


def formatted(code: str, path: Path = TARGET) -> str:
    """`code` as the project's ruff formats it (and sorts its imports)."""
    for command in (
        ["ruff", "check", "--select", "I", "--fix-only", "--quiet"],
        ["ruff", "format", "--quiet"],
    ):
        result = subprocess.run(
            [*command, "--stdin-filename", str(path), "-"],
            input=code,
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"ruff failed on the derived client:\n{result.stderr}")
        code = result.stdout
    return code


def main(argv: list[str]) -> int:
    source = Path(argv[argv.index("--source") + 1]) if "--source" in argv else SOURCE
    target = Path(argv[argv.index("--target") + 1]) if "--target" in argv else TARGET
    expected = formatted(derive(source.read_text(encoding="utf-8")), target)
    if "--check" not in argv:
        target.write_text(expected, encoding="utf-8")
        print(f"derived {target.name} from {source.name}")
        return 0
    actual = target.read_text(encoding="utf-8") if target.exists() else ""
    if actual == expected:
        print(f"{target.name} is what tools/unasync.py derives from {source.name}")
        return 0
    diff = difflib.unified_diff(
        actual.splitlines(keepends=True),
        expected.splitlines(keepends=True),
        f"committed/{target.name}",
        f"derived/{target.name}",
    )
    sys.stdout.writelines(diff)
    print(
        f"\n{target.name} is not what tools/unasync.py derives from {source.name}: edit "
        f"{source.name} instead, then run `nox -s generate`",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
