"""The generation side of the fake: tasks, credits, result URLs and the images behind them.

    jobs = Jobs(JobsConfig(...), spec, clock, on_callback)
    jobs.base_url = "http://127.0.0.1:8000"
    jobs.create(b'{"model": ...}')    # -> Response with {"taskId": ...} or an error envelope
    jobs.record_info("task_1")        # -> Response with the task's state
    jobs.serve_result("/files/results/task_1/0.png", "token=...")

Every method runs under one lock: handlers run on the server's thread while tests inspect
and script the same state from theirs.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

from ideogram_facade._endpoints import CREATE_TASK, DOWNLOAD_URL
from ideogram_facade._files import pixel_size
from ideogram_facade._options import MODEL, model
from ideogram_facade.testing._envelope import envelope, parse_json_body
from ideogram_facade.testing._png import image_dimensions, render_png
from ideogram_facade.testing._schema import request_schema, validate
from ideogram_facade.testing._tasks import EpochMapper, Task, TaskTiming, TaskView
from ideogram_facade.testing._wire import Response

RESULTS_PREFIX = "/files/results/"
# What an expired signed URL of an object store answers.
_EXPIRED = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"


@attrs.frozen
class JobsConfig:
    timing: TaskTiming
    credits: float
    credits_per_image: float
    unknown_task_code: int
    result_url_ttl: float | None


@attrs.frozen
class TaskScript:
    timing: TaskTiming | None = None
    fail: tuple[str, str] | None = None


class Jobs:
    def __init__(
        self,
        config: JobsConfig,
        spec: Mapping[str, Any],
        clock: Callable[[], float],
        on_callback: Callable[[Task, str], None],
    ) -> None:
        self.base_url = ""
        # The bytes of an upload of this fake by its URL (set by FakeApikley); None otherwise.
        self.uploaded: Callable[[str], bytes | None] = lambda url: None
        self._config = config
        self._spec = spec
        self._clock = clock
        self._on_callback = on_callback
        self.epoch = EpochMapper(clock())
        self.lock = threading.RLock()
        self._balance = float(config.credits)
        self._tasks: dict[str, Task] = {}
        self._scripts: deque[TaskScript] = deque()
        self._unsettled_failures: list[Task] = []
        self._tokens: dict[str, tuple[str, float]] = {}
        self._images: dict[tuple[str, int], bytes] = {}
        self._sequence = itertools.count()

    # -- scripting and inspection (any thread) --------------------------------------------

    def script_next(self, script: TaskScript) -> None:
        with self.lock:
            self._scripts.append(script)

    def expire_urls(self) -> None:
        with self.lock:
            self._tokens.clear()

    @property
    def balance(self) -> float:
        with self.lock:
            self._settle(self._clock())
            return self._balance

    @balance.setter
    def balance(self, value: float) -> None:
        with self.lock:
            self._balance = float(value)

    @property
    def accepted(self) -> int:
        with self.lock:
            return len(self._tasks)

    def views(self) -> dict[str, TaskView]:
        with self.lock:
            now = self._clock()
            return {
                task_id: TaskView(
                    task_id,
                    task.phase(now)[0],
                    task.body,
                    task.timing,
                    task.fail,
                    task.cost,
                    tuple(self._result_urls(task)),
                )
                for task_id, task in self._tasks.items()
            }

    def payload_for(self, task: Task) -> dict[str, Any]:
        """The callback body: recordInfo's data as of the task's end."""
        with self.lock:
            data = task.record(task.ends, self.epoch, self._result_urls(task))
        if task.fail:
            return {"code": 501, "msg": task.fail[1], "data": data}
        return {"code": 200, "msg": "Image generated successfully.", "data": data}

    # -- endpoints (server thread) ---------------------------------------------------------

    def create(self, body: bytes) -> Response:
        value, problem = parse_json_body(body)
        if problem is None:
            problem = self._check_create(value)
        if problem is not None:
            return envelope(422, problem)
        with self.lock:
            now = self._clock()
            script = self._scripts[0] if self._scripts else TaskScript()
            cost = self._config.credits_per_image * int(value["input"].get("num_images", "1"))
            self._settle(now)
            if cost > self._balance:
                left = self._balance
                return envelope(402, f"Credits insufficient: {cost:g} needed, {left:g} left")
            if self._scripts:
                self._scripts.popleft()
            task_id = f"task_ideogram_{self.epoch.ms(now)}{next(self._sequence):04d}"
            timing = script.timing or self._config.timing
            task = Task.create(task_id, value, now, timing, script.fail, cost)
            task.token = self._issue_token(task_id, now)
            self._tasks[task_id] = task
            self._balance -= cost
            if script.fail:
                self._unsettled_failures.append(task)
        if isinstance(value.get("callBackUrl"), str):
            self._on_callback(task, value["callBackUrl"])
        return envelope(200, "success", {"taskId": task_id})

    def record_info(self, task_id: str) -> Response:
        if not task_id:
            return envelope(400, "taskId parameter is required")
        with self.lock:
            task = self._tasks.get(task_id)
            if task is None:
                if self._config.unknown_task_code == 404:
                    return envelope(404, "Task not found")
                return envelope(self._config.unknown_task_code, "recordInfo is null")
            data = task.record(self._clock(), self.epoch, self._result_urls(task))
        return envelope(200, "success", data)

    def credit(self) -> Response:
        balance = self.balance
        return envelope(200, "success", int(balance) if balance.is_integer() else balance)

    def download_url(self, body: bytes) -> Response:
        value, problem = parse_json_body(body)
        schema = request_schema(self._spec, DOWNLOAD_URL.method, DOWNLOAD_URL.path)
        if problem is None and schema is not None:
            problem = "; ".join(validate(schema, value, self._spec)) or None
        if problem is None and not (isinstance(value, dict) and isinstance(value.get("url"), str)):
            problem = "url: required field is missing"
        if problem is not None:
            return envelope(422, problem)
        with self.lock:
            found = self._find_result(value["url"])
            if found is None:
                return envelope(422, "url was not generated by this service")
            task, index = found
            token = self._issue_token(task.task_id, self._clock())
        return envelope(200, "success", self._image_url(task.task_id, index, token))

    def serve_result(self, path: str, query: str) -> Response:
        parsed = self._parse_result_path(path)
        token = parse_qs(query).get("token", [""])[0]
        with self.lock:
            now = self._clock()
            task = self._tasks.get(parsed[0]) if parsed else None
            if task is None or parsed is None or task.phase(now)[0] != "success":
                return Response(404, b"Not Found", content_type="text/plain")
            issued = self._tokens.get(token)
            ttl = self._config.result_url_ttl
            if issued is None or issued[0] != task.task_id or (ttl and now - issued[1] > ttl):
                return Response(403, _EXPIRED, content_type="application/xml")
            index = parsed[1]
            if not 0 <= index < task.num_images:
                return Response(404, b"Not Found", content_type="text/plain")
            image = self._images.get((task.task_id, index))
            if image is None:
                image = self._render(task, index)
                self._images[(task.task_id, index)] = image
        return Response(200, image, content_type="image/png")

    # -- helpers (hold the lock) -----------------------------------------------------------

    def _check_create(self, value: Any) -> str | None:
        schema = request_schema(self._spec, CREATE_TASK.method, CREATE_TASK.path)
        if schema is not None:
            errors = validate(schema, value, self._spec)
            if errors:
                return "; ".join(errors)
        # Rules the document leaves out but the service cannot work without.
        if not isinstance(value, dict):
            return "body: expected object"
        if not isinstance(value.get("input"), dict):
            return "input: required field is missing"
        num_images = value["input"].get("num_images", "1")
        if not (isinstance(num_images, str) and num_images.isdigit() and int(num_images) >= 1):
            return "input.num_images: expected a positive number as a string"
        return None

    def _settle(self, now: float) -> None:
        # Failed generations are refunded when they fail, not when they are created.
        for task in [t for t in self._unsettled_failures if t.ends <= now]:
            self._balance += task.cost
            task.refunded = True
            self._unsettled_failures.remove(task)

    def _issue_token(self, task_id: str, now: float) -> str:
        token = secrets.token_urlsafe(12)
        self._tokens[token] = (task_id, now)
        return token

    def _image_url(self, task_id: str, index: int, token: str) -> str:
        return f"{self.base_url}{RESULTS_PREFIX}{task_id}/{index}.png?token={token}"

    def _result_urls(self, task: Task) -> list[str]:
        return [self._image_url(task.task_id, n, task.token) for n in range(task.num_images)]

    def _parse_result_path(self, path: str) -> tuple[str, int] | None:
        if not path.startswith(RESULTS_PREFIX):
            return None
        task_id, _, name = path[len(RESULTS_PREFIX) :].partition("/")
        stem, dot, ext = name.partition(".")
        if not (dot and ext == "png" and stem.isdigit()):
            return None
        return task_id, int(stem)

    def _find_result(self, url: str) -> tuple[Task, int] | None:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.base_url:
            return None
        parsed = self._parse_result_path(parts.path)
        task = self._tasks.get(parsed[0]) if parsed else None
        if task is None or parsed is None or not 0 <= parsed[1] < task.num_images:
            return None
        if task.phase(self._clock())[0] != "success":
            return None
        return task, parsed[1]

    def _render(self, task: Task, index: int) -> bytes:
        seed = task.input.get("seed")
        size = image_dimensions(task.input.get("image_size"))
        # A model that takes no image_size but an image (character-edit) repaints that image,
        # so its result is the image's size: known when it is an upload of this fake.
        fields = {
            option.field for option in model(str(task.body.get("model", MODEL))).fields.values()
        }
        if "image_size" not in fields and "image_url" in fields:
            content = self.uploaded(str(task.input.get("image_url", "")))
            size = (pixel_size(content) if content else None) or size
        return render_png(str(task.input.get("prompt", "")), seed, index, size)
