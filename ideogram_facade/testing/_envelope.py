"""The service's JSON answers: `{"code", "msg", "data"}`, and `success` too for uploads.

    envelope(200, "success", {"taskId": "task_1"})     # HTTP 200
    envelope(401, "unauthorized", status=401)         # when the fake answers with a real 401
    upload_envelope(400, "uploadPath is required")

Errors are HTTP 200 with an error code in the body unless `status` says otherwise: that is
how the live service has been seen to answer.
"""

from __future__ import annotations

import json
from typing import Any

from ideogram_facade.testing._wire import Response


def envelope(code: int, msg: str, data: Any = None, *, status: int = 200) -> Response:
    body = json.dumps({"code": code, "msg": msg, "data": data}, ensure_ascii=False)
    return Response(status, body.encode(), code=code)


def upload_envelope(code: int, msg: str, data: Any = None, *, status: int = 200) -> Response:
    payload = {"success": code == 200, "code": code, "msg": msg, "data": data}
    return Response(status, json.dumps(payload, ensure_ascii=False).encode(), code=code)


def parse_json_body(body: bytes) -> tuple[Any, str | None]:
    """(value, None), or (None, a message saying why the body is not JSON)."""
    try:
        return json.loads(body), None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"request body is not valid JSON: {error}"
