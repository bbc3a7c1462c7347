"""`AsyncCharacterClient`: the asyncio client. All logic is in `_core`; this class does the I/O.

`_client.py` is derived from `_async_client.py` by `tools/unasync.py`, so the two clients have
the same methods, parameters, defaults and docstrings by construction.

from ideogram_facade import AsyncCharacterClient

async with AsyncCharacterClient() as client:  # key from APIKLEY_API_KEY
    task = await client.generate(
        "the same woman reading in a sunlit garden",
        "https://example.com/portrait.png",
        image_size="portrait_4_3",
    )
    print(task.image_urls)
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, Unpack, overload

import httpx

from . import _constants as C
from . import _sandbox, _surface
from ._broadcast import Broadcast
from ._budget import Ledger
from ._core import Core
from ._deadline import deadline, past_deadline
from ._decoding import ACCEPT_HEADERS, Body
from ._effects import Effect, Fetch, Fetched, Flow, Limit, Record, Send, Sleep
from ._exceptions import APIConnectionError, InvalidRequestError, JournalError
from ._files import PartFile, ReferenceImage, UploadableFile
from ._inflight import InFlight
from ._journal import Journal, JournalEntry, for_client
from ._models import NOT_GIVEN, Budget, NotGiven, OnUpdate, PollPolicy, RateLimit, Task
from ._options import MODEL
from ._tracing import Tracing
from ._transport import as_timeout, async_client, async_http
from ._wake import AsyncWakers
from ._wire import HttpResponse

if TYPE_CHECKING:
    import httpx2
    from opentelemetry.trace import TracerProvider

T = TypeVar("T")


class AsyncCharacterClient:
    """A client for Apikley's Ideogram character models (ideogram/character, -edit and
    -remix), for use from many asyncio tasks.

    Arguments: `api_key` (default: env APIKLEY_API_KEY), `base_url` (default: env
    APIKLEY_BASE_URL, else https://api.apikley.ru), `upload_base_url`, `timeout` per HTTP
    request (its largest part also bounds each request as a whole: connect, send and the whole
    answer), `max_retries` per request, `poll` (when `wait()` polls), `rate_limit` (None turns
    client-side limiting off), `http_client` (an `httpx.AsyncClient`, or with the httpx2 extra an
    `httpx2.AsyncClient`: its transport, proxies and certificates are kept, and this client does
    not close it), `allow_insecure` (permit plain http to a non-loopback host),
    `max_answer_bytes` (an API answer longer than this is not read), `allow_private_urls`
    (download from, and call back to, hosts on this machine or a private network; on by itself
    when `base_url` is such a host),
    `sandbox` (run against an in-process fake service: no key, no network, no charge),
    `max_in_flight` (at most this many requests at once, the size of the client's own pool and
    of httpx's default one; the others wait their turn in order, and that wait does not count
    against their timeout: give an `http_client` whose pool is smaller its `max_connections`),
    `journal` (where every task this client creates is recorded before `submit()` returns,
    with its later states and saved files: a path (an SQLite file, shared by the processes of
    one host) or `"postgresql://USER:PASSWORD@HOST:PORT/DATABASE"` (shared by workers on any
    number of machines; `pip install 'ideogram-facade[postgres]'`); `unfinished()` and
    `resume()` read it, in this process or another one, and a task's lease keeps two workers
    from polling or downloading it at once; a sandbox's tasks go in a journal of their own),
    `shared_callbacks` (a callback that a receiver in any process of the fleet confirms wakes
    this client's `wait()` for it, and this client's receivers wake theirs: through the
    journal's PostgreSQL, or else the rate limits' Redis), `budget` (a `Budget`: at most
    `max_credits` consumed by the tasks of every process sharing its storage; a submit that
    would pass it raises `BudgetExceededError` and sends nothing), `tracer_provider` (where
    OpenTelemetry spans go; by default the program's global provider, if it set one, and no
    spans otherwise), `trace_prompts` (add each prompt to its span; off, as prompts may be
    private).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        upload_base_url: str | None = None,
        timeout: float | httpx.Timeout | httpx2.Timeout | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        poll: PollPolicy = PollPolicy(),  # noqa: B008 (frozen, so a shared default is safe)
        rate_limit: RateLimit | None = RateLimit(),  # noqa: B008
        http_client: httpx.AsyncClient | httpx2.AsyncClient | None = None,
        allow_insecure: bool = False,
        max_answer_bytes: int = C.MAX_ANSWER_BYTES,
        allow_private_urls: bool = False,
        sandbox: bool = False,
        max_in_flight: int = C.MAX_IN_FLIGHT,
        journal: str | os.PathLike[str] | Journal | None = None,
        shared_callbacks: bool = False,
        budget: Budget | None = None,
        tracer_provider: TracerProvider | None = None,
        trace_prompts: bool = False,
    ) -> None:
        self._tracing = Tracing(tracer_provider, trace_prompts)
        # An HTTP client or timeout it cannot use is refused before anything starts.
        given = async_http(http_client) if http_client is not None else None
        if timeout is None:
            timeout = http_client.timeout if http_client is not None else C.DEFAULT_TIMEOUT
        per_request = as_timeout(timeout)
        self._sandbox = _sandbox.start() if sandbox else None
        if self._sandbox is not None:
            api_key, base_url, upload_base_url = self._sandbox.settings()
        self._core = Core.configure(
            api_key,
            base_url=base_url,
            upload_base_url=upload_base_url,
            timeout=per_request,
            max_retries=max_retries,
            poll=poll,
            rate_limit=rate_limit,
            allow_insecure=allow_insecure,
            max_answer_bytes=max_answer_bytes,
            allow_private_urls=allow_private_urls,
        )
        if budget is not None:
            self._core.budget = Ledger(budget)  # makes no connection until its first step
        self._owns_budget = True
        # What close() closes: the HTTP client it made, never one it was given.
        self._own_http: httpx.AsyncClient | None = None
        if given is None:
            given = self._own_http = async_client(C.POOL_LIMITS)
        self._http = given
        self._in_flight = InFlight(max_in_flight)
        self._wakers = AsyncWakers()  # sleeps between polls that a callback can cut short
        # Opened last: it holds a lock until close(), which nothing above can now skip.
        # An open Journal is shared (the batch keeps its lines in it), not closed here.
        self._owns_journal = journal is not None and not isinstance(journal, Journal)
        self._broadcast: Broadcast | None = None
        self._owns_broadcast = shared_callbacks
        try:
            self._core.journal = for_client(journal, sandbox=sandbox)
            if shared_callbacks:
                self._broadcast = Broadcast.start(self._core, wake=self._wakers.wake)
                self._core.callbacks.shared = True
        except (JournalError, InvalidRequestError):
            if self._owns_journal and self._core.journal is not None:
                self._core.journal.close()
            if self._sandbox is not None:
                self._sandbox.stop()
            raise

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | httpx2.Timeout | None = None,
        max_retries: int | None = None,
        poll: PollPolicy | None = None,
        rate_limit: RateLimit | NotGiven | None = NOT_GIVEN,
    ) -> AsyncCharacterClient:
        """A client for calls with other settings; this one is unchanged.

            task_id = await client.with_options(max_retries=0, timeout=5).submit(...)

        It shares this client's connection pool, in-flight cap and rate-limit windows (unless
        given a `rate_limit` of its own, `None` for none), so calls through both still keep the
        service's limits together. Settings left out are this client's. Closing it closes
        nothing it shares; closing this client ends both.
        """
        child = copy.copy(self)
        child._core = self._core.with_settings(
            timeout=None if timeout is None else as_timeout(timeout),
            max_retries=max_retries,
            poll=poll,
            rate_limit=rate_limit,
        )
        child._own_http = None
        child._owns_journal = child._owns_budget = child._owns_broadcast = False
        child._sandbox = None
        return child

    # >>> generated by tools/surface.py from the spec (nox -s generate): submit()
    @overload
    async def submit(
        self,
        prompt: str,
        reference_image: ReferenceImage,
        *,
        model: _surface.CharacterModel = ...,
        extra_input: Mapping[str, Any] | None = ...,
        label: str | None = ...,
        **options: Unpack[_surface.CharacterOptions],
    ) -> str: ...
    @overload
    async def submit(
        self,
        prompt: str,
        reference_image: ReferenceImage,
        *,
        model: _surface.CharacterEditModel,
        extra_input: Mapping[str, Any] | None = ...,
        label: str | None = ...,
        **options: Unpack[_surface.CharacterEditOptions],
    ) -> str: ...
    @overload
    async def submit(
        self,
        prompt: str,
        reference_image: ReferenceImage,
        *,
        model: _surface.CharacterRemixModel,
        extra_input: Mapping[str, Any] | None = ...,
        label: str | None = ...,
        **options: Unpack[_surface.CharacterRemixOptions],
    ) -> str: ...
    # <<< generated
    async def submit(
        self,
        prompt: str,
        reference_image: ReferenceImage,
        *,
        model: str = MODEL,
        extra_input: Mapping[str, Any] | None = None,
        label: str | None = None,
        **options: Any,
    ) -> str:
        """Create a task and return its id at once.

        `model` names one of `ideogram_facade.models()`: `"ideogram/character"` (a new scene),
        `"ideogram/character-edit"` (repaint the part of `image` that `mask` marks),
        `"ideogram/character-remix"` (remix `image`), or their short names
        (`"character-edit"`). Its options are keywords (`CharacterEditOptions`, ...), and so
        are its images besides `reference_image`: each an http(s) URL, or a local path or
        bytes uploaded first. Everything is checked against the spec before the first upload
        or request: a missing required option, or one the model does not take, is an
        `InvalidRequestError`.

        `extra_input` sends fields the vendored spec does not know yet (the service moved
        first) into the request's `input` as they are, unchecked; a field the spec knows must
        be passed as its keyword, and naming it here is an `InvalidRequestError`.

        `label` is kept with the request in the journal (`journal=`): a name of your own to
        find its entry by (`JournalEntry.label`), such as a batch file's line.

        Never sent twice: if the request may have reached the service but its answer was lost,
        this raises `SubmissionUncertainError` instead of retrying.
        """
        with self._tracing.operation("submit", model=model, prompt=prompt) as traced:
            task_id = await self._run(
                self._core.submit(
                    prompt, reference_image, {"model": model, **options}, extra_input, label
                )
            )
            traced.set(task_id=task_id)
            return task_id

    async def get_task(self, task_id: str) -> Task:
        """The task's current state, one request."""
        return await self._run(self._core.get_task(task_id))

    async def wait(
        self,
        task_id: str,
        *,
        timeout: float | None = C.DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
    ) -> Task:
        """Poll until the task succeeds and return it.

        Raises `GenerationFailedError` if it fails and `TaskTimeoutError` after `timeout`
        seconds (None: no limit); both carry `task_id`, so you can call `wait()` again.
        Network errors, 429, 455 and 5xx while polling are ridden out until the deadline.
        `on_update` is called with the task once per state change.
        """
        with self._tracing.operation("wait", task_id=task_id) as traced:
            task = await self._run(
                self._core.wait(
                    task_id, timeout=timeout, poll=poll, on_update=traced.on_update(on_update)
                )
            )
            traced.ended(task)
            return task

    # >>> generated by tools/surface.py from the spec (nox -s generate): generate()
    @overload
    async def generate(
        self,
        prompt: str,
        reference_image: ReferenceImage,
        *,
        model: _surface.CharacterModel = ...,
        timeout: float | None = ...,
        on_update: OnUpdate | None = ...,
        extra_input: Mapping[str, Any] | None = ...,
        label: str | None = ...,
        **options: Unpack[_surface.CharacterOptions],
    ) -> Task: ...
    @overload
    async def generate(
        self,
        prompt: str,
        reference_image: ReferenceImage,
        *,
        model: _surface.CharacterEditModel,
        timeout: float | None = ...,
        on_update: OnUpdate | None = ...,
        extra_input: Mapping[str, Any] | None = ...,
        label: str | None = ...,
        **options: Unpack[_surface.CharacterEditOptions],
    ) -> Task: ...
    @overload
    async def generate(
        self,
        prompt: str,
        reference_image: ReferenceImage,
        *,
        model: _surface.CharacterRemixModel,
        timeout: float | None = ...,
        on_update: OnUpdate | None = ...,
        extra_input: Mapping[str, Any] | None = ...,
        label: str | None = ...,
        **options: Unpack[_surface.CharacterRemixOptions],
    ) -> Task: ...
    # <<< generated
    async def generate(
        self,
        prompt: str,
        reference_image: ReferenceImage,
        *,
        model: str = MODEL,
        timeout: float | None = C.DEFAULT_WAIT_TIMEOUT,
        on_update: OnUpdate | None = None,
        extra_input: Mapping[str, Any] | None = None,
        label: str | None = None,
        **options: Any,
    ) -> Task:
        """`submit()`, then `wait()`: the finished task with its image URLs. It takes the
        arguments of both.

            task = await client.generate(
                "the same man, now in a rain coat", "me.png",
                model="character-edit", image="street.png", mask="coat-mask.png",
            )
        """
        with self._tracing.operation("generate", model=model, prompt=prompt) as traced:
            task = await self._run(
                self._core.generate(
                    prompt,
                    reference_image,
                    {"model": model, **options},
                    extra_input,
                    label,
                    timeout=timeout,
                    on_update=traced.on_update(on_update),
                )
            )
            traced.ended(task)
            return task

    async def upload(self, file: UploadableFile, *, file_name: str | None = None) -> str:
        """Upload a JPEG, PNG or WebP (path, bytes or binary file) and return its URL.

        Type and size (at most 10 MB) are checked before sending; the service keeps uploads
        for 3 days. The name is unique unless you give `file_name`.
        """
        return await self._run(self._core.upload(file, file_name))

    async def download(
        self,
        task_or_urls: Task | Sequence[str],
        directory: str | Path,
        *,
        overwrite: bool = False,
    ) -> list[Path]:
        """Save each image of a finished task (or each URL) in `directory`; return the paths.

        Files are named `<task_id>_<n>.<ext>` and appear whole or not at all. The API key is
        never sent to the image host; an expired result URL is renewed once.
        """
        task_id = task_or_urls.task_id if isinstance(task_or_urls, Task) else None
        with self._tracing.operation("download", task_id=task_id) as traced:
            files = await self._run(self._core.download(task_or_urls, directory, overwrite))
            traced.set(files=len(files))
            return files

    async def credits(self) -> float:
        """The account's remaining credit balance."""
        return await self._run(self._core.credits())

    async def unfinished(self) -> list[JournalEntry]:
        """The journal's tasks that still need someone: to be waited for and saved
        (`resume()` does it), or, for a submit whose answer was lost, to be looked for in the
        Apikley dashboard. Needs `journal=`."""
        return await self._run(self._core.unfinished())

    async def resume(
        self, directory: str | Path, *, timeout: float | None = C.DEFAULT_WAIT_TIMEOUT
    ) -> list[Task]:
        """Wait for every unfinished task of the journal and save its images in `directory`;
        return the tasks that ended. Needs `journal=`.

            async with AsyncCharacterClient(journal="tasks.sqlite3") as client:
                for task in await client.resume("out/"):
                    print(task.task_id, task.state)

        A task older than the service keeps tasks (14 days) is not waited for: it comes back
        in state `EXPIRED`; a failed one in state `FAIL`, with its reason. A task the service
        does not find ("recordInfo is null") has not ended: younger than that, it may still
        exist, so `unfinished()` still lists it, with the answer as its `error`. A submit whose
        answer was lost has no task id to wait for: `unfinished()` still lists it.
        """
        return await self._run(self._core.resume(directory, timeout=timeout))

    async def close(self) -> None:
        """Close what this client made: its HTTP client (not an `http_client` it was given),
        its journal (not an open `Journal` it was given; its leases pass to other workers at
        once), its shared callbacks' threads, its budget storage's connections and its sandbox.
        A `with_options()` client owns none of them; closing it leaves its parent working."""
        if self._owns_broadcast and self._broadcast is not None:
            self._broadcast.close()
        if self._owns_journal and self._core.journal is not None:
            self._core.journal.close()
        if self._owns_budget and self._core.budget is not None:
            self._core.budget.close()
        if self._own_http is not None:
            await self._own_http.aclose()
        if self._sandbox is not None:
            self._sandbox.stop()

    async def __aenter__(self) -> AsyncCharacterClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AsyncCharacterClient({self._core!r})"

    def _bind_callbacks(self) -> None:
        """A receiver (callbacks.wsgi_app, asgi_app) now confirms this client's callbacks."""
        self._core.callbacks.bound = True

    def _callback_confirmed(self, task: Task) -> None:
        """A receiver read `task` with get_task() after its callback: end the wait for it."""
        self._core.confirm(task)
        self._wakers.wake(task.task_id)
        if self._broadcast is not None:
            self._broadcast.publish(task.task_id)

    async def _run(self, flow: Flow[T]) -> T:
        reply: Any = None
        while True:
            try:
                effect = flow.send(reply)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            try:
                reply = await self._perform(effect)
            except BaseException as interrupt:
                flow.throw(interrupt)  # the flow notes its task id on the way out
                raise

    async def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            with self._tracing.request(effect) as traced:
                answer = await self._send(effect)
                traced.answered(answer)
                return answer
        if isinstance(effect, Fetch):
            with self._tracing.download(effect) as traced:
                fetched = await self._fetch(effect)
                traced.answered(fetched)
                return fetched
        if isinstance(effect, Record):
            return await self._record(effect)
        if isinstance(effect, Limit):
            return await self._limit(effect)
        if isinstance(effect, Sleep):
            # Imported here, not at the top: asyncio costs more to import than httpx, and a program
            # that only imports this package should not pay for it. (The sync client, derived
            # from this one, imports `time` here likewise.)
            import asyncio

            if effect.wake is not None:
                await self._wakers.sleep(effect.wake, effect.seconds)
            else:
                await asyncio.sleep(effect.seconds)
            return None
        raise AssertionError(f"no such effect: {effect!r}")

    async def _send(self, effect: Send) -> HttpResponse | Exception:
        request = effect.request
        try:
            # A request that names a task (a poll) is for a task that exists: it goes before
            # new work (_inflight).
            ongoing = effect.task_id is not None
            async with self._in_flight.slot(effect.deadline, effect.until, ongoing) as ends:
                with deadline(ends):
                    async with self._http.stream(
                        request.method,
                        request.url,
                        params=request.params,
                        json=request.json,
                        files=request.files,
                        headers={**effect.headers, **ACCEPT_HEADERS},
                        timeout=effect.timeout,
                        # An answer is the flow's to judge, even where a user's http_client
                        # follows redirects: a 307 would resend a createTask elsewhere.
                        follow_redirects=False,
                    ) as response:
                        # Raw, and decoded here a step at a time: never past the cap.
                        body = Body(response.headers.get("content-encoding"), effect.max_bytes)
                        content = bytearray()
                        async for raw in response.aiter_raw():
                            for piece in body.decode(raw):
                                content += piece
                            if body.failed:
                                break
                            past_deadline(ends)
                        for piece in body.finish():
                            content += piece
        except httpx.HTTPError as exc:  # an answer too: the flow decides what it means
            return exc
        return HttpResponse(
            response.status_code, response.headers, bytes(content), body.too_large, body.problem
        )

    async def _record(self, effect: Record) -> Any:
        # A commit waits for the disk (synchronous=FULL): in a worker thread, off the event
        # loop. The sync client, derived from this one, writes in its own thread.
        import asyncio  # for to_thread only

        try:
            return await asyncio.to_thread(effect.write)
        except JournalError as error:
            return error

    async def _limit(self, effect: Limit) -> Any:
        # A shared window's step waits for its storage (a sqlite lock, a Redis round trip): in
        # a worker thread, off the event loop. The sync client, derived from this one, steps in
        # its own thread.
        import asyncio  # for to_thread only

        try:
            return await asyncio.to_thread(effect.step)
        except APIConnectionError as error:
            return error

    async def _fetch(self, effect: Fetch) -> Fetched | Exception:
        part = None
        try:
            async with self._in_flight.slot(effect.deadline, None, ongoing=True) as ends:
                with deadline(ends):
                    async with self._http.stream(
                        "GET",
                        effect.url,
                        headers=ACCEPT_HEADERS,
                        timeout=effect.timeout,
                        follow_redirects=False,  # the flow checks each hop's host first
                    ) as response:
                        status, headers = response.status_code, response.headers
                        if not 200 <= status < 300:
                            return Fetched(status, headers, None)
                        part = PartFile(effect.directory)
                        body = Body(headers.get("content-encoding"), effect.max_bytes)
                        async for raw in response.aiter_raw():
                            for piece in body.decode(raw):
                                part.write(piece)
                            if body.failed:
                                break
                            past_deadline(ends)
                        for piece in body.finish():
                            part.write(piece)
                        if body.failed:
                            return Fetched(status, headers, None, body.too_large, body.problem)
                        finished, part = part.finish(), None
                        return Fetched(status, headers, finished)
        except (httpx.HTTPError, OSError) as exc:
            return exc
        finally:
            if part is not None:  # every way out: errors, cancellation, Ctrl-C
                part.discard()
