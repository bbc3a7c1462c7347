"""OpenTelemetry spans, for a program that has set up tracing (`pip install
'ideogram-facade[otel]'` and a tracer provider of its own).

    ideogram generate                  model, task id, state; an event per state change
    ├── ideogram file-stream-upload    one span per HTTP request: endpoint, method, host,
    ├── ideogram createTask            path, attempt, task id, status
    ├── ideogram recordInfo            (each poll: a poll is a request with its own status,
    └── ideogram recordInfo             duration and retries, and there are few of them)

`submit`, `wait` and `download` (a child span per file, and per redirect it follows) are
spans of their own likewise. The
API key is never an attribute (it is only in request headers, which are not recorded); the
prompt only with `trace_prompts=True`.

Without a provider, nothing happens and nothing is imported: the tracer is looked up only if
the program has imported `opentelemetry.trace` itself, and a provider that was never set (the
API's proxy) counts as none. A `tracer_provider=` given to the client is used as is.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._effects import Fetch, Fetched, Send
from ._exceptions import ApikleyError
from ._models import OnUpdate, Task
from ._version import __version__
from ._wire import HttpResponse

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer, TracerProvider


class Traced:
    """The span of one operation or request, or nothing (tracing off): the same calls."""

    def __init__(self, span: Span | None) -> None:
        self._span = span

    def __bool__(self) -> bool:
        """Whether tracing is on: work done only for a span is skipped otherwise."""
        return self._span is not None

    def set(self, **attributes: object) -> None:
        """This package's attributes, `ideogram.<name>`; None values are left out."""
        if self._span is not None:
            for name, value in attributes.items():
                if value is not None:
                    self._span.set_attribute(f"ideogram.{name}", value)  # type: ignore[arg-type]

    def set_standard(self, attributes: Mapping[str, str]) -> None:
        """Attributes under OpenTelemetry's own names (`http.request.method`, ...)."""
        if self._span is not None:
            self._span.set_attributes(attributes)

    def ended(self, task: Task) -> None:
        self.set(task_id=task.task_id, state=task.state.value, model=task.model)

    def on_update(self, on_update: OnUpdate | None) -> OnUpdate | None:
        """`on_update`, also adding an event to this span for each state the task reaches."""
        span = self._span
        if span is None:
            return on_update

        def both(task: Task) -> None:
            span.add_event("state", {"ideogram.state": task.state.value})
            if on_update is not None:
                on_update(task)

        return both

    def answered(self, answer: object) -> None:
        """A request's outcome: its HTTP status, or the transport error it ended in."""
        if self._span is None:
            return
        if isinstance(answer, HttpResponse | Fetched):
            self._span.set_attribute("http.response.status_code", answer.status_code)
        elif isinstance(answer, BaseException):
            from opentelemetry.trace import Status, StatusCode

            self._span.record_exception(answer)
            self._span.set_status(Status(StatusCode.ERROR, type(answer).__name__))


_OFF = Traced(None)


class Tracing:
    """Where a client's spans go: `tracer_provider`, or the program's global one."""

    def __init__(self, provider: TracerProvider | None, prompts: bool) -> None:
        self._provider = provider
        self._prompts = prompts
        self._made: tuple[TracerProvider, Tracer] | None = None  # the last provider's tracer

    def _tracer(self) -> Tracer | None:
        provider = self._provider
        if provider is None:
            trace = sys.modules.get("opentelemetry.trace")
            if trace is None:  # the program never imported it: tracing is not set up
                return None
            provider = trace.get_tracer_provider()
            if isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider):
                return None
        if self._made is None or self._made[0] is not provider:
            self._made = (provider, provider.get_tracer("ideogram_facade", __version__))
        return self._made[1]

    @contextmanager
    def operation(
        self, name: str, *, prompt: str | None = None, **attributes: Any
    ) -> Iterator[Traced]:
        """A public method's span; its task id is noted even when it fails."""
        with self._span(f"ideogram {name}") as traced:
            traced.set(**attributes, prompt=prompt if self._prompts else None)
            try:
                yield traced
            except ApikleyError as error:
                traced.set(task_id=error.task_id)
                raise

    @contextmanager
    def request(self, effect: Send) -> Iterator[Traced]:
        request = effect.request
        with self._span(f"ideogram {request.endpoint.name}") as traced:
            if traced:
                url = urlsplit(request.url)
                traced.set(
                    endpoint=request.endpoint.name, attempt=effect.attempt, task_id=effect.task_id
                )
                traced.set_standard(
                    {
                        "http.request.method": request.method,
                        "server.address": url.hostname or "",
                        "url.path": url.path,
                    }
                )
            yield traced

    @contextmanager
    def download(self, effect: Fetch) -> Iterator[Traced]:
        with self._span("ideogram download file") as traced:
            if traced:
                # The host only: a result URL's path and query may carry its access token.
                traced.set_standard({"server.address": urlsplit(effect.url).hostname or ""})
            yield traced

    @contextmanager
    def _span(self, name: str) -> Iterator[Traced]:
        tracer = self._tracer()
        if tracer is None:
            yield _OFF
            return
        with tracer.start_as_current_span(name) as span:
            yield Traced(span)
