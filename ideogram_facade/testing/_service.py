"""Routing, authentication, fault injection and the request log, in front of jobs and uploads.

    service = Service(ServiceConfig(api_key="fake-1"), jobs, uploads, FaultPlan(), log, clock)
    server = ServerThread(service.handle, service.drop_on_head)

Order per request: route → scripted fault → bearer key → the endpoint. A fault stands for
something in front of the service (gateway, rate limiter), so it wins even over a bad key.
"""

from __future__ import annotations

import hmac
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from urllib.parse import unquote_plus

import attrs

from ideogram_facade import _endpoints as endpoints
from ideogram_facade.testing._envelope import envelope, upload_envelope
from ideogram_facade.testing._faults import FILES, Fault, FaultPlan
from ideogram_facade.testing._jobs import Jobs
from ideogram_facade.testing._records import RequestLog, RequestRecord, redact
from ideogram_facade.testing._uploads import UPLOADS_PREFIX, Uploads
from ideogram_facade.testing._wire import Request, RequestHead, Response

UPLOAD_ROOT = "/file-upload"
FILES_PREFIX = "/files/"
# path -> (method, endpoint name), from the one table the clients use too. The upload API has
# its own base URL upstream; here it lives under UPLOAD_ROOT of the same server.
_ROUTES = {
    (UPLOAD_ROOT if endpoint.upload else "") + endpoint.path: (endpoint.method, endpoint.name)
    for endpoint in endpoints.ALL
}
_UNAUTHORIZED = "You do not have access permissions"


@attrs.frozen
class ServiceConfig:
    api_key: str
    auth_error_as_http_status: bool = False


class Service:
    def __init__(
        self,
        config: ServiceConfig,
        jobs: Jobs,
        uploads: Uploads,
        faults: FaultPlan,
        log: RequestLog,
        clock: Callable[[], float],
    ) -> None:
        self._config = config
        self._expected = f"Bearer {config.api_key}".encode()
        self._jobs = jobs
        self._uploads = uploads
        self._faults = faults
        self._log = log
        self._clock = clock
        self._lock = threading.Lock()
        self._received: Counter[str] = Counter()
        self._polls: Counter[str] = Counter()

    def received(self, endpoint: str) -> int:
        with self._lock:
            return self._received[endpoint]

    def polls(self, task_id: str) -> int:
        with self._lock:
            return self._polls[task_id]

    def drop_on_head(self, head: RequestHead) -> bool:
        endpoint = _endpoint(head.method, head.path)
        if endpoint is None or self._faults.take(endpoint, before_body=True) is None:
            return False
        self._record(head, endpoint, None)
        return True

    def handle(self, request: Request) -> Response | Awaitable[Response]:
        head = request.head
        endpoint = _endpoint(head.method, head.path)
        if endpoint is None:
            if head.path in _ROUTES:
                answer = envelope(405, "Method not allowed", status=405)
                answer = attrs.evolve(answer, headers=(("Allow", _ROUTES[head.path][0]),))
            else:
                answer = envelope(404, "Not Found", status=404)
            return self._logged(head, "unknown", answer)
        task_id = (
            _query_value(head.query, "taskId") if endpoint == endpoints.RECORD_INFO.name else ""
        )
        with self._lock:
            self._received[endpoint] += 1
            if task_id:
                self._polls[task_id] += 1
        fault = self._faults.take(endpoint, before_body=False)
        if fault is not None and not fault.processes_request:
            return self._logged(head, endpoint, fault.answer())
        result = self._process(endpoint, request, task_id)
        if isinstance(result, Response):
            return self._logged(head, endpoint, _apply(fault, result))
        return self._later(head, endpoint, result, fault)

    async def _later(
        self, head: RequestHead, endpoint: str, pending: Awaitable[Response], fault: Fault | None
    ) -> Response:
        return self._logged(head, endpoint, _apply(fault, await pending))

    def _process(
        self, endpoint: str, request: Request, task_id: str
    ) -> Response | Awaitable[Response]:
        if endpoint == FILES:
            return self._serve_file(request)
        if not self._authorized(request):
            return self._unauthorized(endpoint)
        body = request.body
        if endpoint == endpoints.RECORD_INFO.name:
            return self._jobs.record_info(task_id)
        if endpoint == endpoints.CREATE_TASK.name:
            return self._jobs.create(body)
        if endpoint == endpoints.CREDIT.name:
            return self._jobs.credit()
        if endpoint == endpoints.DOWNLOAD_URL.name:
            return self._jobs.download_url(body)
        if endpoint == endpoints.FILE_STREAM_UPLOAD.name:
            return self._uploads.from_stream(body, request.headers.get("content-type", ""))
        if endpoint == endpoints.FILE_BASE64_UPLOAD.name:
            return self._uploads.from_base64(body)
        return self._uploads.from_url(body)

    def _serve_file(self, request: Request) -> Response:
        path = request.path
        if path.startswith(UPLOADS_PREFIX):
            return self._uploads.serve(path)
        return self._jobs.serve_result(path, request.head.query)

    def _authorized(self, request: Request) -> bool:
        given = request.headers.get("authorization", "").encode()
        return hmac.compare_digest(given, self._expected)

    def _unauthorized(self, endpoint: str) -> Response:
        status = 401 if self._config.auth_error_as_http_status else 200
        if endpoints.named(endpoint).upload:
            return upload_envelope(401, _UNAUTHORIZED, status=status)
        return envelope(401, _UNAUTHORIZED, status=status)

    def _logged(self, head: RequestHead, endpoint: str, response: Response) -> Response:
        self._record(head, endpoint, None if response.drop else response.status, response.code)
        return response

    def _record(
        self, head: RequestHead, endpoint: str, status: int | None, code: int | None = None
    ) -> None:
        record = RequestRecord(
            time=self._clock(),
            method=head.method,
            path=head.path,
            query=self._log.redact_text(head.query),
            endpoint=endpoint,
            status=status,
            code=code,
            authorization_present="authorization" in head.headers,
            headers=redact(head.headers, self._config.api_key),
        )
        self._log.add(record)


def _endpoint(method: str, path: str) -> str | None:
    if path.startswith(FILES_PREFIX):
        return FILES if method == "GET" else None
    route = _ROUTES.get(path)
    if route is None or route[0] != method:
        return None
    return route[1]


def _apply(fault: Fault | None, response: Response) -> Response:
    return response if fault is None else fault.after_processing(response)


def _query_value(query: str, name: str) -> str:
    # parse_qs builds lists for every key; recordInfo is the hot path of every benchmark.
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            return unquote_plus(value)
    return ""
