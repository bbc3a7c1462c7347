"""Receiving task results by callback: check the signature, then read the task.

The ready way is a receiver, `wsgi_app(...)` or `asgi_app(...)`: it verifies each callback,
answers replays without acting twice, confirms the task with `get_task()` before your
`on_task(task)` sees it, and wakes the client's `wait()` for that task (docs/callbacks.md).
The functions below are what it is made of, for a receiver of your own.

When a task ends, the service POSTs its result as JSON to the `callback_url` given to
`submit()`. With a webhook HMAC key enabled for the account, the request carries
`X-Webhook-Timestamp` and `X-Webhook-Signature` headers; check them before trusting the body:

    from ideogram_facade import InvalidSignatureError, TaskState
    from ideogram_facade.callbacks import parse_callback, verify_signature

    def on_callback(body: bytes, headers: Mapping[str, str]) -> int:  # your web framework's
        try:                                                           # request, as raw bytes
            verify_signature(body, headers, os.environ["APIKLEY_WEBHOOK_SECRET"])
        except InvalidSignatureError:
            return 401
        task = parse_callback(body)          # a failed task is a Task too: state FAIL
        if task.state is TaskState.SUCCESS:
            save(task.task_id, task.image_urls)
        return 200

In your own tests, `sign_callback(body, secret)` gives the headers a genuine callback carries:

    response = test_client.post("/hook", content=body, headers=sign_callback(body, "whsec-1"))

What the signature proves: it covers the task id and the timestamp, not the rest of the body
(that is the vendor's scheme). So a verified callback says "task X has ended, recently", and
its image URLs and state are only as trustworthy as the sender: treat the callback as a
notification and read the task with `client.get_task(task.task_id)`, as the receivers do. A
callback replayed within `tolerance` also verifies: handle each task id once. The vendor's
docs leave open whether Apikley forwards the signature at all; if your callbacks arrive
without one, the same `get_task()` call is how to trust them.

`examples/callback_receiver.py` is a complete receiver on the standard library's http.server.
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import attrs

from . import _constants as C
from ._exceptions import ApikleyError, InvalidSignatureError, UnexpectedResponseError
from ._memory import remember
from ._models import Task, TaskState
from ._signing import (
    _TIMESTAMP,
    _excerpt,
    _header,
    _keys,
    _load,
    _signed_task_id,
    sign_callback,
    verify_signature,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from ._async_client import AsyncCharacterClient
    from ._client import CharacterClient

    StartResponse = Callable[..., object]
    WSGIApplication = Callable[[Mapping[str, Any], StartResponse], list[bytes]]
    Receive = Callable[[], Awaitable[dict[str, Any]]]
    Send = Callable[[dict[str, Any]], Awaitable[None]]
    ASGIApplication = Callable[[Mapping[str, Any], Receive, Send], Awaitable[None]]
from ._wire import _as_code, _text, parse_task, scrubbed

__all__ = ["asgi_app", "parse_callback", "sign_callback", "verify_signature", "wsgi_app"]


def parse_callback(body: bytes | str | Mapping[str, Any]) -> Task:
    """The `Task` a callback reports, from its body (raw bytes, text, or already decoded).

    A failed task is returned with state `FAIL`, `fail_code` and `fail_message`, not raised.
    Accepts the documented variants: `taskId` or `task_id`, `resultJson` as a JSON string or an
    object, `failCode` as a string, a number or null, `msg` or `message`, and times in epoch
    milliseconds, seconds or ISO 8601. Raises `UnexpectedResponseError` for anything else.
    Call `verify_signature()` first if the callbacks are signed.
    """
    envelope = scrubbed(_load(body))  # no API key an odd sender echoes reaches the Task
    if not isinstance(envelope, Mapping):
        raise UnexpectedResponseError(
            f"a callback body is a JSON object, got {type(envelope).__name__}. Check that the "
            "request came from the service; report it if it did",
            body=_excerpt(body),
        )
    data = envelope.get("data")
    if not isinstance(data, Mapping):
        raise UnexpectedResponseError(
            "the callback has no task in its data (it is "
            f"{type(data).__name__}). Check that the request came from the service; report it "
            "if it did",
            body=_excerpt(body),
        )
    task = parse_task(data)
    # Code 501 is the service's "the generation failed": trust it even if data omits the state.
    if _as_code(envelope.get("code")) == 501 and not task.done:
        task = attrs.evolve(task, state=TaskState.FAIL)
    if task.state is TaskState.FAIL and task.fail_message is None:
        task = attrs.evolve(task, fail_message=_text(envelope.get("msg", envelope.get("message"))))
    return task


# -- receivers ---------------------------------------------------------------------------------

OnTask = Callable[[Task], object]


@attrs.frozen
class _Verdict:
    """What to answer a callback request, and what to do before answering."""

    status: int
    message: str
    task_id: str | None = None
    replay_key: tuple[str, str] | None = None  # set while the task is to be confirmed
    task: Task | None = None  # the confirmed, ended task: for on_task

    def headers(self) -> list[tuple[str, str]]:
        allow = [("Allow", "POST")] if self.status == 405 else []
        return [("Content-Type", "application/json"), *allow]

    def payload(self) -> bytes:
        answer = {"status": self.status, "message": self.message, "task_id": self.task_id}
        return json.dumps(answer).encode()


class _Receiver:
    """The decisions of a receiver, shared by the WSGI and the ASGI shells; no I/O.

    A shell asks `admit()` before reading anything: it answers at once, or says how many bytes
    of body to read; then `check()` on the body; with a `replay_key` in the verdict it reads the
    task and asks `confirmed()`; with a `task` in that verdict it calls on_task, then
    `handled()`.
    """

    def __init__(
        self, secret: str | bytes | Sequence[str | bytes], tolerance: float, remember: int
    ) -> None:
        self._keys = _keys(secret)
        self._tolerance = tolerance
        self._remember = remember
        # (task id, timestamp) of callbacks already handed to on_task, oldest first.
        self._seen: dict[tuple[str, str], None] = {}
        self._lock = threading.Lock()

    def admit(self, method: str, content_length: str | None) -> _Verdict | int:
        """The length of body to read, or the answer to give without reading a byte of it.

        A callback is a POST that states its length (`content_length`, the header's value, or
        None): without one the body could only be read to its end, however long (411); a
        length that is not a number of bytes is 400, one past a callback's size 413.
        """
        if method != "POST":
            return _Verdict(405, "callbacks are POSTed")
        if not content_length:
            return _Verdict(411, "a callback states its Content-Length")
        text = content_length.strip()
        try:
            length = int(text) if text.isascii() and text.isdigit() else -1
        except ValueError:  # thousands of digits
            length = -1
        if length < 0:
            return _Verdict(400, "the Content-Length is not a number of bytes")
        if length > C.CALLBACK_MAX_BYTES:
            return _Verdict(413, "a callback body is a few kB")
        return length

    def check(self, length: int, body: bytes, headers: Mapping[str, str]) -> _Verdict:
        """The answer to an admitted callback of `length` bytes, whose body was read."""
        if len(body) != length:
            return _Verdict(400, "the body is not as long as its Content-Length says")
        try:
            verify_signature(body, headers, self._keys, tolerance=self._tolerance)
        except InvalidSignatureError as error:
            return _Verdict(401, error.message, error.task_id)
        task_id = _signed_task_id(body)
        key = (task_id, _header(headers, _TIMESTAMP, task_id))
        with self._lock:
            if key in self._seen:
                return _Verdict(200, "already received", task_id)
        return _Verdict(200, "received", task_id, key)

    def confirmed(self, verdict: _Verdict, found: Task | ApikleyError) -> _Verdict:
        """The answer once `get_task()` has read the task (or failed to)."""
        if isinstance(found, ApikleyError):
            # Not remembered as handled: the service may send the callback again.
            return _Verdict(503, f"could not confirm the task: {found.message}", verdict.task_id)
        if not found.done:
            message = f"the task is {found.state.value} on the service: not ended yet"
            return _Verdict(200, message, verdict.task_id)
        return attrs.evolve(verdict, task=found)

    def handled(self, verdict: _Verdict) -> None:
        """on_task took the confirmed task: a replay of this callback is answered, not acted on."""
        assert verdict.replay_key is not None
        with self._lock:
            remember(self._seen, verdict.replay_key, None, self._remember)


def wsgi_app(
    secret: str | bytes | Sequence[str | bytes],
    client: CharacterClient,
    on_task: OnTask,
    *,
    tolerance: float = C.CALLBACK_TOLERANCE,
    remember: int = C.CALLBACK_REPLAYS_REMEMBERED,
) -> WSGIApplication:
    """A WSGI application that receives callbacks safely, for any WSGI server or framework.

        from ideogram_facade import CharacterClient
        from ideogram_facade.callbacks import wsgi_app

        client = CharacterClient()
        app = wsgi_app([new_key, old_key], client, on_task=lambda task: save(task))

    For each POST it checks the signature (`secret`: one key, or several while you rotate
    them) and its timestamp (401 if either is wrong or stale), and answers a replay of a
    callback already handled with 200 without acting on it again (the last `remember` are
    kept). The vendor signs only the task id and the time, not the body, so the body is not
    believed: the task is read with `client.get_task()`, and `on_task` gets that confirmed
    `Task`, once it has ended (in success or failure); a signed callback that claims success
    for a task still running never reaches it. If `get_task()` fails the answer is 503, so
    that the service can send the callback again.

    The client is bound to the receiver: its `wait()` and `generate()` for a task whose
    callback this receiver confirms return at once, and they poll a task that expects a
    callback (one submitted with `callback_url`) only every 45 s, as a fallback.
    """
    receiver = _Receiver(secret, tolerance, remember)
    client._bind_callbacks()

    def app(environ: Mapping[str, Any], start_response: StartResponse) -> list[bytes]:
        method = str(environ.get("REQUEST_METHOD", ""))
        admitted = receiver.admit(method, environ.get("CONTENT_LENGTH"))
        if isinstance(admitted, _Verdict):
            verdict = admitted
        else:
            body = environ["wsgi.input"].read(admitted) if admitted else b""
            verdict = receiver.check(admitted, body, environ)
        if verdict.replay_key is not None:
            found: Task | ApikleyError
            try:
                found = client.get_task(verdict.replay_key[0])
            except ApikleyError as error:
                found = error
            verdict = receiver.confirmed(verdict, found)
            if verdict.task is not None:
                client._callback_confirmed(verdict.task)
                on_task(verdict.task)
                receiver.handled(verdict)
        payload = verdict.payload()
        status = f"{verdict.status} {HTTPStatus(verdict.status).phrase}"
        start_response(status, [*verdict.headers(), ("Content-Length", str(len(payload)))])
        return [payload]

    return app


def asgi_app(
    secret: str | bytes | Sequence[str | bytes],
    client: AsyncCharacterClient,
    on_task: Callable[[Task], object],
    *,
    tolerance: float = C.CALLBACK_TOLERANCE,
    remember: int = C.CALLBACK_REPLAYS_REMEMBERED,
) -> ASGIApplication:
    """The same receiver as `wsgi_app`, as an ASGI application, with the async client;
    `on_task` may be a plain function or a coroutine function.

        app = asgi_app(os.environ["APIKLEY_WEBHOOK_SECRET"], client, on_task=save)
        # uvicorn module:app, or mounted in Starlette/FastAPI: app.mount("/hook", app)
    """
    receiver = _Receiver(secret, tolerance, remember)
    client._bind_callbacks()

    async def app(scope: Mapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        headers = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        # Two different lengths read as one that is not a number.
        stated = {value for key, value in scope["headers"] if key.lower() == b"content-length"}
        length = b",".join(sorted(stated)).decode("latin-1") or None
        admitted = receiver.admit(scope["method"], length)
        if isinstance(admitted, _Verdict):
            verdict = admitted
        else:
            body = bytearray()
            more = True
            while more and len(body) <= admitted:  # never past the stated length and a chunk
                message = await receive()
                body += message.get("body", b"")
                more = bool(message.get("more_body"))
            verdict = receiver.check(admitted, bytes(body), headers)
        if verdict.replay_key is not None:
            found: Task | ApikleyError
            try:
                found = await client.get_task(verdict.replay_key[0])
            except ApikleyError as error:
                found = error
            verdict = receiver.confirmed(verdict, found)
            if verdict.task is not None:
                client._callback_confirmed(verdict.task)
                result = on_task(verdict.task)
                if inspect.isawaitable(result):
                    await result
                receiver.handled(verdict)
        encoded = [(name.lower().encode(), value.encode()) for name, value in verdict.headers()]
        await send({"type": "http.response.start", "status": verdict.status, "headers": encoded})
        await send({"type": "http.response.body", "body": verdict.payload()})

    return app
