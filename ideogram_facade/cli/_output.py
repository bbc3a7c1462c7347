"""Results on stdout: one value per line for people and pipes, or one JSON document."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ideogram_facade import Task


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def task_json(task: Task) -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "model": task.model,
        "state": task.state.value,
        "image_urls": list(task.image_urls),
        "fail_code": task.fail_code,
        "fail_message": task.fail_message,
        "created_at": _when(task.created_at),
        "completed_at": _when(task.completed_at),
        "credits_consumed": task.credits_consumed,
    }


def paths_json(files: Sequence[Path]) -> list[str]:
    return [str(path) for path in files]


def emit_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2), flush=True)


def emit_lines(values: Sequence[object]) -> None:
    for value in values:
        print(value, flush=True)
