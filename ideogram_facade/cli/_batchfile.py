"""Reading a batch file: JSON Lines (one object per line) or CSV with a header row.

Each line becomes a `Line` with its 1-based line number (the journal's key, with the request's
hash); a line that cannot be used carries the reason instead of a request, so that one typo is
reported with its line number instead of stopping the whole batch.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ideogram_facade import InvalidRequestError

from ._request import Request, RequestError


@dataclass(frozen=True)
class Line:
    number: int
    request: Request | None
    error: str | None = None


def _is_csv(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return True
    if suffix in (".jsonl", ".ndjson", ".json"):
        return False
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return not first.startswith("{")


def _jsonl(text: str) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            record = json.loads(stripped)
        except ValueError as error:
            yield number, f"not valid JSON: {error}"
            continue
        yield number, record if isinstance(record, dict) else "expected a JSON object"


def _csv(text: str, tabs: bool) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    reader = csv.DictReader(text.splitlines(keepends=True), delimiter="\t" if tabs else ",")
    if not reader.fieldnames:
        return
    for row in reader:
        if None in row:
            yield reader.line_num, "more values than the header has columns"
            continue
        yield reader.line_num, row


def read(path: Path, defaults: Mapping[str, Any]) -> list[Line]:
    """Every request of the batch file at `path`; OSError if it cannot be read."""
    text = path.read_text(encoding="utf-8-sig")
    records = _csv(text, path.suffix.lower() == ".tsv") if _is_csv(path, text) else _jsonl(text)
    lines = []
    base = path.resolve().parent
    for number, record in records:
        if isinstance(record, str):
            lines.append(Line(number, None, record))
            continue
        try:
            lines.append(Line(number, Request.build(record, base=base, defaults=defaults)))
        except (RequestError, InvalidRequestError) as error:
            lines.append(Line(number, None, str(error)))
    return lines
