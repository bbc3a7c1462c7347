"""Derive the sync client from the async one, so that the client is written once.

    python tools/unasync.py            # rewrite ideogram_facade/_client.py
    python tools/unasync.py --check    # exit 1, printing the diff, if it is not what we derive

As httpcore does with its `scripts/unasync.py`: `_async_client.py` is the source, and
`_client.py` is what these substitutions make of it, formatted by the project's pinned ruff.
The drift check (`nox -s drift`) fails when someone edits the derived file by hand.
"""

from __future__ import annotations

import argparse
import difflib
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "ideogram_facade" / "_async_client.py"
TARGET = ROOT / "ideogram_facade" / "_client.py"

HEADER = (
    "# Generated from _async_client.py by tools/unasync.py: do not edit by hand. Edit that file,\n"
    "# then run `nox -s generate` (or `python tools/unasync.py`); `nox -s drift` fails otherwise.\n"
)

# Whole words, in this order: the longer names before the shorter ones they contain.
SUBSTITUTIONS = [
    (r"\bAsyncCharacterClient\b", "CharacterClient"),
    (r"\bAsyncWakers\b", "Wakers"),
    (r"\b(httpx2?)\.AsyncClient\b", r"\1.Client"),
    (r"\basync_(client|http)\b", r"sync_\1"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\baclose\b", "close"),
    (r"\baiter_raw\b", "iter_raw"),
    # A blocking call the async client runs in a worker thread, the sync one in its own.
    (r"[ \t]*import asyncio  # for to_thread only\n\n?", ""),
    (r"\basyncio\.to_thread\(([\w.]+)\)", r"\1()"),
    (r"\basyncio\.sleep\b", "time.sleep"),
    (r"\bimport asyncio\b", "import time"),
    (r"\basync (def|with|for)\b", r"\1"),
    (r"\bawait ", ""),
    # The prose that names the concurrency model.
    (r"\bthe asyncio client\b", "the synchronous client"),
    (r"\bmany asyncio tasks\b", "one or many threads"),
]

# Names that only async code uses: one left in the derived code means a substitution is missing.
ASYNC_NAME = re.compile(
    r"async|await|asyncio|anext|aclose|aiter\w*|__a(enter|exit|iter|next)__|Async\w*"
)


class UnasyncError(Exception):
    pass


def derive(async_source: str) -> str:
    """The sync client that `async_source` makes, formatted as the project formats it."""
    code = async_source
    for pattern, replacement in SUBSTITUTIONS:
        code = re.sub(pattern, replacement, code)
    code = _formatted(HEADER + code)
    left = [
        f"line {token.start[0]}: {token.line.strip()}"
        for token in tokenize.generate_tokens(io.StringIO(code).readline)
        if token.type == tokenize.NAME and ASYNC_NAME.fullmatch(token.string)
    ]
    if left:
        raise UnasyncError(
            "the derived sync client still has async code; add a substitution to "
            "tools/unasync.py:\n" + "\n".join(left)
        )
    return code


def _formatted(code: str) -> str:
    # The ruff of this environment (the pinned one), with the project's settings; named as the
    # target so that its per-file settings apply wherever the output goes.
    for command in (
        ["check", "--select", "I", "--fix-only", "--quiet"],  # the renames reorder imports
        ["format", "--quiet"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--stdin-filename", str(TARGET), "-"],
            input=code,
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        if result.returncode != 0:
            raise UnasyncError(f"ruff failed on the derived sync client:\n{result.stderr}")
        code = result.stdout
    return code


def drift(source: Path = SOURCE, target: Path = TARGET) -> list[str]:
    """The unified diff from `target` to what `source` derives; empty when they are the same."""
    actual = target.read_text(encoding="utf-8") if target.exists() else ""
    expected = derive(source.read_text(encoding="utf-8"))
    return list(
        difflib.unified_diff(
            actual.splitlines(keepends=True),
            expected.splitlines(keepends=True),
            f"committed/{target.name}",
            f"derived/{target.name}",
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a change")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the async client")
    parser.add_argument("--target", type=Path, default=TARGET, help="the derived sync client")
    args = parser.parse_args(argv)
    try:
        if not args.check:
            args.target.write_text(derive(args.source.read_text(encoding="utf-8")), "utf-8")
            print(f"derived {args.target.name} from {args.source.name}")
            return 0
        diff = drift(args.source, args.target)
    except UnasyncError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not diff:
        print(f"{args.target.name} is what tools/unasync.py derives from {args.source.name}")
        return 0
    sys.stdout.writelines(diff)
    print(
        f"\n{args.target.name} is not what tools/unasync.py derives from {args.source.name}: "
        f"edit {args.source.name} instead, then run `nox -s generate`",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
