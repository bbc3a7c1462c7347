"""The client's logic, with no I/O: both clients run these flows.

A flow is a generator that yields effects (`_effects`: `Send` a request, `Sleep`, `Fetch` a
download) and receives their results (an `HttpResponse`, or the transport exception, for
`Send`). `CharacterClient` runs flows with httpx.Client and time.sleep, `AsyncCharacterClient`
with httpx.AsyncClient and asyncio.sleep; retries, rate limits, polling, deadlines and error
mapping exist once, here (downloads in `_downloads`).

    flow = core.submit("a knight", "https://example.com/me.png", {})
    effect = next(flow)                 # Send(HttpRequest(POST .../createTask))
    flow.send(HttpResponse(200, {}, b'{"code":200,"msg":"ok","data":{"taskId":"t1"}}'))
    # StopIteration("t1")
"""

from __future__ import annotations

import copy
import functools
import logging
import math
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs
import httpx

from . import _constants as C
from . import _downloads, _files, _journal, _options, _requests, _retry, _wire
from ._budget import Hold, Ledger
from ._effects import Flow, Limit, Record, Send, Sleep
from ._endpoints import CREATE_TASK
from ._exceptions import (
    REDACTED,
    ApikleyError,
    APITimeoutError,
    GenerationFailedError,
    InvalidRequestError,
    JournalError,
    SubmissionUncertainError,
    TaskNotFoundError,
    TaskTimeoutError,
    UnexpectedResponseError,
    register_secret,
)
from ._hosts import is_private_host, plain_http_off_machine
from ._journal import Journal
from ._memory import remember
from ._models import NOT_GIVEN, NotGiven, OnUpdate, PollPolicy, RateLimit, Task, TaskState
from ._ratelimit import RateWindow, Ticket
from ._requests import HttpRequest
from ._shared_limits import windows
from ._wire import HttpResponse

logger = logging.getLogger(C.LOGGER_NAME)
T = TypeVar("T")


@attrs.define
class Callbacks:
    """What a callback receiver bound to the client (callbacks.wsgi_app, asgi_app) tells its
    waits: `wait()` returns a confirmed task without polling, and polls a task that expects a
    callback only as a fallback."""

    bound: bool = False
    # Receivers in other processes wake this client's waits too (shared_callbacks=True).
    shared: bool = False
    expected: dict[str, None] = attrs.field(factory=dict)  # task ids, oldest first
    confirmed: dict[str, Task] = attrs.field(factory=dict)


def _ended(
    entry: _journal.JournalEntry, state: TaskState, reason: str | None, code: str | None = None
) -> Task:
    """A journaled task that ended without images, as `resume()` reports it."""
    assert entry.task_id is not None
    return Task(
        task_id=entry.task_id, state=state, fail_code=code, fail_message=reason, model=entry.model
    )


def _check_max_retries(max_retries: object) -> None:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise InvalidRequestError(f"max_retries must be an int >= 0; got {max_retries!r}")


@attrs.define(repr=False)
class Core:
    """Settings and shared state of one client (its rate-limit windows above all)."""

    api_key: str
    base_url: str
    upload_base_url: str
    timeout: httpx.Timeout
    max_retries: int
    poll: PollPolicy
    rate_limit: RateLimit | None
    max_answer_bytes: int = C.MAX_ANSWER_BYTES
    # Result and callback URLs on this machine or a private network are refused unless the
    # API itself is there (the fake service) or the user said so.
    allow_private_urls: bool = False
    clock: Callable[[], float] = time.monotonic
    # Uniform draws from [0, 1) that place each poll pause and retry backoff within its jitter
    # (a test's driver passes its own, with `clock`, for runs that repeat exactly).
    random: Callable[[], float] = random.random
    # Where every task this client creates is recorded before submit() returns (journal=).
    journal: Journal | None = None
    # The credit budget (budget=): reserved before each createTask, settled when tasks end.
    budget: Ledger | None = None
    # Tasks whose end a callback receiver bound to this client has confirmed, and which tasks
    # expect a callback at all. Shared with with_options() copies.
    callbacks: Callbacks = attrs.field(factory=lambda: Callbacks())
    creates: RateWindow | None = attrs.field(init=False)
    polls: RateWindow | None = attrs.field(init=False)
    # When each task this client created was accepted (clock()), newest last: the grace for
    # "recordInfo is null" (PollPolicy.fresh_task_grace). Shared with with_options() copies.
    submitted: dict[str, float] = attrs.field(init=False, factory=dict)
    # Tasks whose end this client has settled in the budget already: not settled again on
    # every later read. Shared with with_options() copies.
    settled: dict[str, None] = attrs.field(init=False, factory=dict)
    _auth: dict[str, str] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        register_secret(self.api_key)  # scrubbed from every error, whatever an answer echoes
        self._auth = {"Authorization": f"Bearer {self.api_key}"}
        limit = self.rate_limit
        self.creates = self.polls = None
        if limit is not None:
            self.creates, self.polls = windows(
                limit, base_url=self.base_url, api_key=self.api_key, clock=self.clock
            )

    @classmethod
    def configure(
        cls,
        api_key: str | None,
        *,
        base_url: str | None,
        upload_base_url: str | None,
        timeout: httpx.Timeout,
        max_retries: int,
        poll: PollPolicy,
        rate_limit: RateLimit | None,
        allow_insecure: bool,
        max_answer_bytes: int = C.MAX_ANSWER_BYTES,
        allow_private_urls: bool = False,
    ) -> Core:
        """The settings both clients take, checked, with the environment's defaults."""
        api_key = api_key if api_key is not None else os.environ.get(C.API_KEY_ENV)
        if not api_key or not api_key.strip():
            raise InvalidRequestError(
                f"no API key: pass api_key=... or set {C.API_KEY_ENV} (get a key at "
                "https://app.apikley.ru/keys); or use sandbox=True to try the client offline"
            )
        base_url = base_url or os.environ.get(C.BASE_URL_ENV) or C.DEFAULT_BASE_URL
        upload_base_url = (
            upload_base_url or os.environ.get(C.UPLOAD_BASE_URL_ENV) or C.DEFAULT_UPLOAD_BASE_URL
        )
        for name, url in (("base_url", base_url), ("upload_base_url", upload_base_url)):
            _requests.check_url(name, url)
            if not allow_insecure and plain_http_off_machine(url):
                raise InvalidRequestError(
                    f"{name} {url!r} is plain http to another machine, which would expose the "
                    "API key on the network: use https, or pass allow_insecure=True"
                )
        _check_max_retries(max_retries)
        if (
            isinstance(max_answer_bytes, bool)
            or not isinstance(max_answer_bytes, int)
            or max_answer_bytes < 1024
        ):
            raise InvalidRequestError(
                f"max_answer_bytes must be an int >= 1024; got {max_answer_bytes!r}"
            )
        return cls(
            api_key=api_key.strip(),
            base_url=base_url.rstrip("/"),
            upload_base_url=upload_base_url.rstrip("/"),
            timeout=timeout,
            max_retries=max_retries,
            poll=poll,
            rate_limit=rate_limit,
            max_answer_bytes=max_answer_bytes,
            allow_private_urls=allow_private_urls or is_private_host(base_url),
        )

    def __repr__(self) -> str:
        return f"base_url={self.base_url!r}"

    def with_settings(
        self,
        *,
        timeout: httpx.Timeout | None = None,
        max_retries: int | None = None,
        poll: PollPolicy | None = None,
        rate_limit: RateLimit | NotGiven | None = NOT_GIVEN,
    ) -> Core:
        """A copy with other settings for the calls of a `with_options()` client. It shares
        this core's rate-limit windows, unless it is given a `rate_limit` of its own."""
        child = copy.copy(self)
        if timeout is not None:
            child.timeout = timeout
        if max_retries is not None:
            _check_max_retries(max_retries)
            child.max_retries = max_retries
        if poll is not None:
            child.poll = poll
        if not isinstance(rate_limit, NotGiven):
            child.rate_limit = rate_limit
            child.creates = child.polls = None
            if rate_limit is not None:
                child.creates, child.polls = windows(
                    rate_limit, base_url=self.base_url, api_key=self.api_key, clock=self.clock
                )
        return child

    # -- one request, with rate limits and retries ---------------------------------------

    def call(
        self,
        request: HttpRequest,
        *,
        task_id: str | None = None,
        deadline: float | None = None,
        retries: int | None = None,
        before_send: Callable[[], Flow[None]] | None = None,
    ) -> Flow[Any]:
        """The `data` of the answer to `request`, retried as far as it is safe to.

        `before_send` runs once, after any wait for the rate limit, just before the request
        first leaves (the journal's "submitting")."""
        retries = self.max_retries if retries is None else retries
        endpoint = request.endpoint
        window = {"creates": self.creates, "polls": self.polls}.get(endpoint.window or "")
        attempt = 0
        while True:
            ticket = None
            if window is not None:
                ticket = yield from self._queue(window, deadline, endpoint.name, task_id)
            started = self.clock()
            try:
                if before_send is not None and attempt == 0:
                    yield from before_send()
                reply = yield Send(
                    request,
                    self._timeout(deadline),
                    self.request_deadline(deadline),
                    self.max_answer_bytes,
                    self._auth,
                    until=deadline,
                    attempt=attempt,
                    task_id=task_id,
                )
            except ApikleyError:  # before_send failed (the journal): nothing was sent
                if window is not None and ticket is not None:
                    yield from self._step(window, window.release, ticket)
                raise
            except BaseException:
                # Interrupted (Ctrl-C, cancellation): no effect can run any more, so the slot is
                # freed here, at once.
                if window is not None and ticket is not None:
                    window.release(ticket)
                raise
            if window is not None and ticket is not None:
                yield from self._step(window, window.release, ticket)
            self._log(request, reply, attempt, task_id, self.clock() - started)
            try:
                if isinstance(reply, Exception):
                    raise _wire.transport_error(
                        reply,
                        endpoint=endpoint.name,
                        idempotent=endpoint.idempotent,
                        task_id=task_id,
                    )
                return _wire.unwrap(
                    reply,
                    endpoint=endpoint.name,
                    idempotent=endpoint.idempotent,
                    task_id=task_id,
                )
            except ApikleyError as error:
                delay = _retry.delay(
                    idempotent=endpoint.idempotent,
                    reply=reply,
                    error=error,
                    attempt=attempt,
                    retries=retries,
                    deadline=deadline,
                    now=self.clock(),
                    spread=self.random(),
                )
                if delay is None:
                    raise
            attempt += 1
            yield Sleep(delay)

    def _queue(
        self, window: RateWindow, deadline: float | None, endpoint: str, task_id: str | None
    ) -> Flow[Ticket]:
        """Wait for this request's turn in `window`; the ticket must be released after it."""
        ticket = yield from self._step(window, window.reserve)
        try:
            wait = ticket.wait
            while wait > 0:
                if deadline is not None and self.clock() + wait >= deadline:
                    yield Sleep(max(0.0, deadline - self.clock()))
                    raise APITimeoutError(
                        f"{endpoint}: the client's rate limit queue is longer than the time left",
                        task_id=task_id,
                    )
                yield Sleep(wait)
                wait = yield from self._step(window, window.hold, ticket)
        except BaseException:
            window.release(ticket)  # never let go, so no storage to tell: no I/O
            raise
        return ticket

    def _step(self, window: RateWindow, step: Callable[..., T], *arguments: Any) -> Flow[T]:
        """One step of `window`: a call for a window in memory (arithmetic), a `Limit` effect
        for a shared one (a storage round trip, which the async client runs off its loop)."""
        if not window.shared:
            return step(*arguments)
        result = yield Limit(functools.partial(step, *arguments))
        if isinstance(result, ApikleyError):
            raise result
        return result  # type: ignore[no-any-return]

    def request_deadline(self, deadline: float | None, factor: float = 1) -> float:
        """When a request starting now must be over: `factor` times the largest part of the
        client's timeout from now, and never later than `deadline`."""
        t = self.timeout
        longest = max((part for part in (t.connect, t.read, t.write, t.pool) if part), default=0)
        ends = self.clock() + factor * longest if longest else math.inf
        return ends if deadline is None else min(ends, deadline)

    def _timeout(self, deadline: float | None) -> httpx.Timeout:
        """The client's timeout, cut down so that no request outlives `deadline`."""
        t = self.timeout
        if deadline is None:
            return t
        left = max(0.001, deadline - self.clock())
        parts = (t.connect, t.read, t.write, t.pool)
        if all(part is not None and part <= left for part in parts):
            return t  # the usual case, and a new Timeout per poll is measurable overhead
        return httpx.Timeout(
            connect=min(t.connect or left, left),
            read=min(t.read or left, left),
            write=min(t.write or left, left),
            pool=min(t.pool or left, left),
        )

    def _log(
        self,
        request: HttpRequest,
        reply: object,
        attempt: int,
        task_id: str | None,
        elapsed: float,
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            outcome = reply.status_code if isinstance(reply, HttpResponse) else type(reply).__name__
            logger.debug(
                "%s %s -> %s (attempt %d, task %s, %.3f s)",
                request.method,
                httpx.URL(request.url).path,
                outcome,
                attempt + 1,
                task_id or "-",
                elapsed,
            )

    # -- the operations ----------------------------------------------------------------

    def upload(self, file: _files.UploadableFile, file_name: str | None) -> Flow[str]:
        image = _files.load(file, file_name)
        return (yield from self._upload(image))

    def _uploaded(self, image: str | _files.LocalImage) -> Flow[str]:
        """The URL of an image: a URL as is, a local image once uploaded."""
        if isinstance(image, str):
            return image
        return (yield from self._upload(image))

    def _upload(self, image: _files.LocalImage) -> Flow[str]:
        data = yield from self.call(_requests.upload(self.upload_base_url, image))
        url = data.get("downloadUrl") or data.get("fileUrl") if isinstance(data, Mapping) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise UnexpectedResponseError(
                f"upload: the answer names no downloadUrl; got {_wire.preview(data)!r}",
            )
        logger.debug("uploaded %s (%d bytes)", image.file_name, len(image.content))
        return url

    def submit(
        self,
        prompt: str,
        reference_image: _files.ReferenceImage,
        options: Mapping[str, Any],
        extra_input: Mapping[str, Any] | None = None,
        label: str | None = None,
    ) -> Flow[str]:
        """`options` are the call's keyword arguments: `model`, `callback_url`, the model's
        images besides the reference (`image`, `mask`, ...) and its options; `label` is the
        journal's for the request."""
        options = dict(options)
        model = _options.model(options.pop("model", None) or _options.MODEL)
        callback_url = options.pop("callback_url", None)
        if callback_url is not None:
            # The service could not reach it, and the result would only come by polling.
            _requests.check_url("callback_url", callback_url)
            _requests.check_public_url(
                "callback_url", callback_url, allowed=self.allow_private_urls
            )
        given = {_options.REFERENCE: reference_image, **options}
        # Everything is checked before the first upload: a wrong option costs no request.
        model.check(prompt, given, extra_input)
        images = {n: v for n, v in given.items() if n in model.images and v is not None}
        settings = {n: v for n, v in given.items() if n not in model.images}
        budget = self.budget
        cost = None
        if budget is not None:
            # Refused before the first upload: nothing is paid for that could not be sent.
            cost = budget.cost(model, settings)
            yield from self._spend(budget.check, cost)
        urls: dict[str, str | list[str]] = {}
        for name, image in _files.resolve_images(images).items():
            if isinstance(image, list):
                each: list[str] = []
                for item in image:
                    each.append((yield from self._uploaded(item)))
                urls[name] = each
            else:
                urls[name] = yield from self._uploaded(image)
        request = _requests.create_task(
            self.base_url,
            model,
            prompt,
            urls,
            settings,
            callback_url=callback_url,
            extra_input=extra_input,
        )
        record: dict[str, Any] = {"prompt": prompt, "images": urls, "options": settings}
        if callback_url is not None:
            record["options"] = {**settings, "callback_url": callback_url}
        if extra_input:
            record["extra_input"] = dict(extra_input)
        journal, entry = self.journal, []
        holds: list[Hold] = []

        def submitting() -> Flow[None]:
            if budget is not None and cost is not None:
                # After any wait for the rate limit, just before createTask leaves: the
                # reservation is held no longer than it must be.
                holds.append((yield from self._spend(budget.reserve, cost)))
            if journal is not None:
                entry.append(
                    (yield from self._record(journal.submitting, model.name, record, label))
                )

        try:
            data = yield from self.call(request, before_send=submitting)
        except SubmissionUncertainError as error:
            # The task may exist and be paid for: its reservation stays, for good.
            if journal is not None and entry:
                yield from self._note(journal.uncertain, entry[0], error.message)
            raise
        except ApikleyError as error:
            # Refused, or never sent: no task exists, so nothing will consume the hold.
            if budget is not None and holds:
                yield from self._spend_note(budget.release, holds[0])
            if journal is not None and entry:
                yield from self._note(journal.rejected, entry[0], error.message, error.task_id)
            raise
        task_id = data.get("taskId") if isinstance(data, Mapping) else None
        if not isinstance(task_id, str) or not task_id or REDACTED in task_id:
            # An id that held the API key (redacted in every answer) is no real task's id;
            # kept or polled, it would carry the key into the journal, logs and spans.
            holds_key = isinstance(task_id, str) and REDACTED in task_id
            named = "named a taskId holding the API key" if holds_key else "named no taskId"
            if journal is not None and entry:
                yield from self._note(journal.uncertain, entry[0], f"the answer {named}")
            raise SubmissionUncertainError(
                f"{CREATE_TASK.name}: the service answered success but {named}, so a "
                "task may exist that this client cannot track. Check your tasks in the Apikley "
                "dashboard before submitting again",
                body=_wire.preview(data, C.ERROR_BODY_EXCERPT),
            )
        logger.debug("%s accepted task %s", CREATE_TASK.name, task_id)
        remember(self.submitted, task_id, self.clock(), C.FRESH_TASKS_REMEMBERED)
        if budget is not None and holds:
            # Failing here keeps the hold unnamed: counted for good, never under-counted.
            yield from self._spend_note(budget.assign, holds[0], task_id)
        if journal is not None and entry:
            try:
                yield from self._record(journal.submitted, entry[0], task_id)
            except JournalError as error:
                # Paid for, and not on disk: the id must reach someone, whatever happens next.
                logger.error("task %s was accepted but not journaled: %s", task_id, error.message)
                raise JournalError(
                    f"task {task_id} was accepted (it is paid for) but could not be written to "
                    f"the journal: {error.message}. Keep its id: wait({task_id!r}) and "
                    "download() take it",
                    task_id=task_id,
                ) from None
        if callback_url is not None:
            remember(self.callbacks.expected, task_id, None, C.FRESH_TASKS_REMEMBERED)
        return task_id

    def get_task(
        self, task_id: str, *, deadline: float | None = None, retries: int | None = None
    ) -> Flow[Task]:
        request = _requests.task_details(self.base_url, task_id)
        data = yield from self.call(request, task_id=task_id, deadline=deadline, retries=retries)
        task = _wire.parse_task(data, task_id)
        if self.budget is not None and task.done and task_id not in self.settled:
            # Whichever client sharing the budget reads the end settles it: its real cost
            # replaces its reservation (nothing happens for a task reserved nowhere). If the
            # storage fails, the hold stays counted, and a later read settles it.
            try:
                yield from self._spend(
                    self.budget.settle, task_id, task.credits_consumed, task.succeeded
                )
            except ApikleyError as error:
                logger.warning("%s", error.message)
            else:
                remember(self.settled, task_id, None, C.FRESH_TASKS_REMEMBERED)
        return task

    def credits(self) -> Flow[float]:
        data = yield from self.call(_requests.credits(self.base_url))
        balance = _wire.number(data)
        if balance is None:
            raise UnexpectedResponseError(
                f"credit: expected a number, got {_wire.preview(data, 100)!r}; report it if it "
                "persists"
            )
        return balance

    def wait(
        self,
        task_id: str,
        *,
        timeout: float | None,
        poll: PollPolicy | None,
        on_update: OnUpdate | None,
        just_submitted: bool = False,
    ) -> Flow[Task]:
        """Poll until the task ends; return it on success, raise on failure or deadline."""
        task_id = _requests.check_task_id(task_id)
        policy = poll or self.poll
        listening = self.callbacks.bound or self.callbacks.shared
        if poll is None and listening and task_id in self.callbacks.expected:
            # Its callback will wake this wait: polling is only for a callback that is lost.
            slow = max(policy.maximum, C.CALLBACK_FALLBACK_POLL)
            policy = attrs.evolve(policy, initial=slow, maximum=slow)
        deadline = None if timeout is None else self.clock() + timeout
        state: TaskState | None = None
        last_error: ApikleyError | None = None
        # A task that was just created is never done yet: sleep before the first poll.
        attempt = 0
        pause = policy.delay(0, self.random()) if just_submitted else 0.0
        renewed = self.clock()  # its lease (if this client's) was taken or renewed just now
        while True:
            if self.journal is not None and self.clock() - renewed >= C.JOURNAL_LEASE_RENEW:
                # Still working on it: other workers' resume() leave it to this one.
                yield from self._note(self.journal.renew, task_id)
                renewed = self.clock()
            if pause > 0:
                if deadline is not None and self.clock() + pause >= deadline:
                    yield Sleep(max(0.0, deadline - self.clock()), wake=task_id)
                    # Unless a callback cut the sleep short: confirmed here, or in another
                    # process (shared callbacks), which the next poll reads.
                    if task_id not in self.callbacks.confirmed and self.clock() >= deadline:
                        raise self._timed_out(task_id, timeout, state, last_error)
                else:
                    yield Sleep(pause, wake=task_id)
                attempt += 1
            confirmed = self.callbacks.confirmed.pop(task_id, None)
            if confirmed is None and deadline is not None and self.clock() >= deadline:
                raise self._timed_out(task_id, timeout, state, last_error)
            failed: ApikleyError | None = None
            try:
                if confirmed is not None:
                    task = confirmed  # read with get_task() by the receiver that woke us
                else:
                    task = yield from self.get_task(task_id, deadline=deadline, retries=0)
            except TaskNotFoundError as error:
                if not self._fresh(task_id, policy):
                    raise
                last_error = error
                logger.debug(
                    "task %s was just created and is not found yet; polling again", task_id
                )
            except ApikleyError as error:
                if not error.retryable:
                    raise
                # The task is still there when this passes: ridden out until the deadline.
                last_error = failed = error
                logger.debug("poll of task %s failed, will retry: %s", task_id, error)
            else:
                if task.state is not state:
                    state = task.state
                    if on_update is not None:
                        on_update(task)
                if task.state is TaskState.SUCCESS:
                    return task
                if task.state is TaskState.FAIL:
                    failure = _wire.failure(task)
                    if self.journal is not None:
                        yield from self._note(
                            self.journal.ended, task_id, _journal.State.FAILED, failure.message
                        )
                    raise failure
            pause = _retry.poll_pause(policy.delay(attempt, self.random()), failed)

    def confirm(self, task: Task) -> None:
        """A receiver read this task with get_task() after its callback: a wait for it that
        is sleeping takes it (the client then wakes that wait)."""
        if task.done:  # forgotten once waited for, or among the oldest nobody waited for
            remember(self.callbacks.confirmed, task.task_id, task, C.FRESH_TASKS_REMEMBERED)

    def _spend(self, step: Callable[..., T | ApikleyError], *arguments: Any) -> Flow[T]:
        """A step of the budget's ledger: a call for a ledger in memory, a `Limit` effect for a
        shared one (a storage round trip, which the async client runs off its loop). A refusal
        (`BudgetExceededError`) or a storage failure is raised."""
        assert self.budget is not None
        result: T | ApikleyError
        if self.budget.shared:
            result = yield Limit(functools.partial(step, *arguments))
        else:
            result = step(*arguments)
        if isinstance(result, ApikleyError):
            raise result
        return result

    def _spend_note(self, step: Callable[..., object], *arguments: Any) -> Flow[None]:
        """A budget step that may fail without losing anything but accuracy in the safe
        direction (a hold counted longer than it had to be): the failure is logged."""
        try:
            yield from self._spend(step, *arguments)
        except ApikleyError as error:
            logger.warning("%s", error.message)

    def _record(self, write: Callable[..., T], *arguments: Any) -> Flow[T]:
        """`write(*arguments)` to the journal, through the client; JournalError if it fails."""
        result = yield Record(functools.partial(write, *arguments))
        if isinstance(result, JournalError):
            raise result
        return result  # type: ignore[no-any-return]

    def _note(self, write: Callable[..., object], *arguments: Any) -> Flow[None]:
        """A journal write that may fail without harm (the task id is on disk already): the
        failure is logged, and the call goes on."""
        try:
            yield from self._record(write, *arguments)
        except JournalError as error:
            logger.warning("%s", error.message)

    def _fresh(self, task_id: str, policy: PollPolicy) -> bool:
        """Whether this client created `task_id` less than the policy's grace ago."""
        created = self.submitted.get(task_id)
        return created is not None and self.clock() - created < policy.fresh_task_grace

    def _timed_out(
        self,
        task_id: str,
        timeout: float | None,
        state: TaskState | None,
        last_error: ApikleyError | None,
    ) -> TaskTimeoutError:
        seen = state.value if state is not None else "never read"
        cause = f"; last poll failed: {last_error.message}" if last_error is not None else ""
        return TaskTimeoutError(
            f"the task did not finish within {timeout:g} s (last state: {seen}{cause}). It keeps "
            f"running on the service: resume with wait({task_id!r})",
            task_id=task_id,
            last_state=state,
        )

    def generate(
        self,
        prompt: str,
        reference_image: _files.ReferenceImage,
        options: Mapping[str, Any],
        extra_input: Mapping[str, Any] | None = None,
        label: str | None = None,
        *,
        timeout: float | None,
        on_update: OnUpdate | None,
    ) -> Flow[Task]:
        task_id = yield from self.submit(prompt, reference_image, options, extra_input, label)
        try:
            return (
                yield from self.wait(
                    task_id, timeout=timeout, poll=None, on_update=on_update, just_submitted=True
                )
            )
        except ApikleyError:
            raise
        except BaseException as interrupt:
            # Ctrl-C, cancellation or the user's on_update: the task id must not be lost.
            interrupt.add_note(
                f"ideogram_facade: task {task_id} was submitted and keeps running; resume "
                f"with client.wait({task_id!r})"
            )
            logger.warning("interrupted while waiting for task %s; it keeps running", task_id)
            raise

    def download(
        self, task_or_urls: Task | Sequence[str], directory: str | Path, overwrite: bool
    ) -> Flow[list[Path]]:
        downloads = _downloads.Downloads(
            timeout=self.timeout,
            max_retries=self.max_retries,
            allow_private_urls=self.allow_private_urls,
            clock=self.clock,
            random=self.random,
            deadline=lambda: self.request_deadline(None, C.DOWNLOAD_DEADLINE_FACTOR),
            renew=self._renew_url,
            before_each=self._renew_lease(task_or_urls),
        )
        paths = yield from downloads.download(task_or_urls, directory, overwrite)
        if self.journal is not None and isinstance(task_or_urls, Task):
            files = [str(path.resolve()) for path in paths]
            yield from self._note(self.journal.saved, task_or_urls.task_id, files)
        return paths

    # -- the journal -----------------------------------------------------------------------

    def _require_journal(self) -> _journal.Journal:
        if self.journal is None:
            raise InvalidRequestError(
                "this client keeps no journal: make it with journal=PATH (an SQLite file) or "
                "journal='postgresql://...'"
            )
        return self.journal

    def unfinished(self) -> Flow[list[_journal.JournalEntry]]:
        journal = self._require_journal()
        return (yield from self._record(journal.unfinished))

    def resume(self, directory: str | Path, *, timeout: float | None) -> Flow[list[Task]]:
        """Wait for and save every unfinished journaled task that has an id, each under its
        lease; the ended ones. A task another worker holds is left to it while its lease
        runs: looked at again until that worker ends it, or its lease lapses and this one
        takes it, or `timeout` passes (then it stays unfinished)."""
        journal = self._require_journal()
        ended: list[Task] = []
        waiting = [e for e in (yield from self._record(journal.unfinished)) if e.task_id]
        gives_up = None if timeout is None else self.clock() + timeout
        while waiting:
            held: list[tuple[_journal.JournalEntry, float]] = []
            for entry in waiting:
                claim = yield from self._record(journal.claim, entry.id)
                if not claim.taken:
                    held.append((entry, claim.left))
                    continue
                if claim.entry.state not in _journal.UNFINISHED:
                    yield from self._note(journal.release, entry.id)  # another worker ended it
                    continue
                try:
                    task = yield from self._resume_one(journal, claim.entry, directory, timeout)
                except ApikleyError:
                    yield from self._note(journal.release, entry.id)
                    raise
                if task is not None:
                    ended.append(task)
            if not held or (gives_up is not None and self.clock() >= gives_up):
                break
            pause = min(min(left for _, left in held), C.JOURNAL_LEASE_CHECK)
            if gives_up is not None:
                pause = min(pause, gives_up - self.clock())
            logger.debug(
                "%d task(s) held by other workers; looking again in %.1f s", len(held), pause
            )
            yield Sleep(max(pause, 0.0))
            waiting = [entry for entry, _ in held]
        return ended

    def _resume_one(
        self,
        journal: _journal.Journal,
        entry: _journal.JournalEntry,
        directory: str | Path,
        timeout: float | None,
    ) -> Flow[Task | None]:
        """One claimed task waited for and saved; None if it has not ended (not found)."""
        assert entry.task_id is not None
        if entry.expired:
            reason = _journal.EXPIRED
            yield from self._note(journal.ended, entry.task_id, _journal.State.EXPIRED, reason)
            return _ended(entry, TaskState.EXPIRED, reason)
        if isinstance(entry.request.get("options"), Mapping) and entry.request["options"].get(
            "callback_url"
        ):
            # Its callback may come to a receiver anywhere: a shared one wakes this wait.
            remember(self.callbacks.expected, entry.task_id, None, C.FRESH_TASKS_REMEMBERED)
        try:
            task = yield from self.wait(entry.task_id, timeout=timeout, poll=None, on_update=None)
        except GenerationFailedError as error:  # journaled as failed by wait()
            return _ended(entry, TaskState.FAIL, error.fail_message, error.fail_code)
        except TaskNotFoundError as error:
            # The service keeps a task 14 days, and "not found" before that may be its lag,
            # or the wrong service: the task stays unfinished, for a later resume().
            logger.warning(
                "task %s is not found by the service; it stays in the journal: %s",
                entry.task_id,
                error.message,
            )
            yield from self._note(journal.note, entry.id, error.message)
            yield from self._note(journal.release, entry.id)
            return None
        yield from self.download(task, directory, True)  # the same images: overwrite
        return task

    def _renew_lease(self, task: Task | Sequence[str]) -> Callable[[], Flow[None]] | None:
        """Before each image of a journaled task: its lease runs on while it is downloaded."""
        journal = self.journal
        if journal is None or not isinstance(task, Task):
            return None
        return functools.partial(self._note, journal.renew, task.task_id)

    def _renew_url(self, url: str, task_id: str | None) -> Flow[Any]:
        """A freshly signed URL for an expired result URL, from the download-url endpoint."""
        return (yield from self.call(_requests.download_url(self.base_url, url), task_id=task_id))
