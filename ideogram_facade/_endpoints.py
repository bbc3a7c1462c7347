"""The API's endpoints, each stated once: the facade, its errors and the fake all use these.

    CREATE_TASK.name        # "createTask": in logs, errors, rate limits and fake.inject()
    CREATE_TASK.method      # "POST", from the vendored spec
    CREATE_TASK.path        # "/api/v1/jobs/createTask", from the vendored spec
    CREATE_TASK.idempotent  # False: a lost answer may hide a paid task, so never resent blindly

What is ours to decide (is it safe to send again, which rate window it counts against, which
base URL it lives on) is written here; its method and path come from the shipped spec, found
by operationId, and its short name is the last segment of its path.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Mapping
from typing import Any, Literal

import attrs

Window = Literal["creates", "polls"]


@functools.cache
def spec() -> Mapping[str, Any]:
    """The merged OpenAPI document shipped with the generated client (read once, on first use)."""
    resource = importlib.resources.files("ideogram_facade._generated") / "openapi.json"
    loaded: Mapping[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _operations() -> Mapping[str, tuple[str, str]]:
    """operationId -> (METHOD, path), for every operation of the shipped spec."""
    found = {}
    for path, item in spec()["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, Mapping) and "operationId" in operation:
                found[operation["operationId"]] = (method.upper(), path)
    return found


@attrs.frozen
class Endpoint:
    operation_id: str
    idempotent: bool  # safe to send again when its answer was lost
    window: Window | None = None  # the client-side rate limit it counts against
    upload: bool = False  # on the upload API's base URL, not the main one

    @property
    def method(self) -> str:
        return _operations()[self.operation_id][0]

    @property
    def path(self) -> str:
        return _operations()[self.operation_id][1]

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


# One operation for every model: tools/codegen.py folds the models' documents into it.
CREATE_TASK = Endpoint("create-task", idempotent=False, window="creates")
RECORD_INFO = Endpoint("get-task-details", idempotent=True, window="polls")
CREDIT = Endpoint("get-account-credits", idempotent=True)
# Only signs a URL again: sending it twice costs nothing.
DOWNLOAD_URL = Endpoint("get-download-url", idempotent=True)
# Uploads are free and each has a unique name, so sending one twice only overwrites it.
FILE_STREAM_UPLOAD = Endpoint("upload-file-stream", idempotent=True, upload=True)
FILE_BASE64_UPLOAD = Endpoint("upload-file-base64", idempotent=True, upload=True)
FILE_URL_UPLOAD = Endpoint("upload-file-url", idempotent=True, upload=True)

ALL = (
    CREATE_TASK,
    RECORD_INFO,
    CREDIT,
    DOWNLOAD_URL,
    FILE_STREAM_UPLOAD,
    FILE_BASE64_UPLOAD,
    FILE_URL_UPLOAD,
)


def named(name: str) -> Endpoint:
    """The endpoint called `name` (as in logs and errors), or ValueError."""
    for endpoint in ALL:
        if endpoint.name == name:
            return endpoint
    raise ValueError(f"no endpoint {name!r}; the endpoints are {', '.join(e.name for e in ALL)}")
