"""OpenTelemetry spans, read back with the SDK's in-memory exporter: `generate()` is one span
with a child per HTTP request, downloads have a span per file, failures carry the task id,
and neither the API key nor (unless asked) the prompt is recorded. Without a provider,
nothing is imported."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from ideogram_facade import GenerationFailedError
from ideogram_facade.testing import FakeApikley
from ideogram_facade.testing._png import render_png
from tests.conftest import Guarded

URL = "https://example.com/portrait.png"
PROMPT = "a secret project's knight"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def traced(
    make_client: Callable[..., Guarded], exporter: InMemorySpanExporter
) -> Callable[..., Guarded]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return lambda **settings: make_client(tracer_provider=provider, **settings)


def by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def everything(spans: tuple[ReadableSpan, ...]) -> str:
    """Every name, attribute and event of every span, as text."""
    return json.dumps(
        [
            [
                span.name,
                dict(span.attributes or {}),
                [(e.name, dict(e.attributes or {})) for e in span.events],
            ]
            for span in spans
        ],
        default=str,
    )


def test_generate_is_one_span_with_a_child_per_request(
    traced: Callable[..., Guarded],
    exporter: InMemorySpanExporter,
    fake: FakeApikley,
    tmp_path: Path,
) -> None:
    client = traced()
    portrait = tmp_path / "me.png"
    portrait.write_bytes(render_png("me", 1, 0, (32, 32)))
    task = client.generate(PROMPT, portrait, num_images=2)
    spans = exporter.get_finished_spans()
    (root,) = by_name(spans, "ideogram generate")
    assert root.parent is None
    assert root.status.status_code is not StatusCode.ERROR
    assert dict(root.attributes or {}) == {
        "ideogram.model": "ideogram/character",
        "ideogram.task_id": task.task_id,
        "ideogram.state": "success",
    }
    assert [e.attributes["ideogram.state"] for e in root.events if e.attributes][-1] == "success"
    children = [
        span for span in spans if span.parent and span.parent.span_id == root.context.span_id
    ]
    names = [span.name for span in children]
    assert names[:2] == ["ideogram file-stream-upload", "ideogram createTask"]
    polls = by_name(spans, "ideogram recordInfo")
    assert len(polls) == fake.polls(task.task_id) >= 1
    assert set(names[2:]) == {"ideogram recordInfo"}
    for poll in polls:
        attributes = dict(poll.attributes or {})
        assert attributes["ideogram.task_id"] == task.task_id
        assert attributes["http.response.status_code"] == 200
        assert attributes["http.request.method"] == "GET"
        assert attributes["ideogram.attempt"] == 0
        assert attributes["url.path"] == "/api/v1/jobs/recordInfo"
    # The key is in headers only, which are not recorded; the prompt only on request.
    text = everything(spans)
    assert fake.api_key not in text
    assert PROMPT not in text


def test_the_prompt_is_recorded_only_when_asked(
    traced: Callable[..., Guarded], exporter: InMemorySpanExporter
) -> None:
    traced(trace_prompts=True).submit(PROMPT, URL)
    (span,) = by_name(exporter.get_finished_spans(), "ideogram submit")
    assert (span.attributes or {})["ideogram.prompt"] == PROMPT


def test_a_download_has_a_span_per_file(
    traced: Callable[..., Guarded], exporter: InMemorySpanExporter, tmp_path: Path
) -> None:
    client = traced()
    task = client.generate("a knight", URL, num_images=2)
    exporter.clear()
    client.download(task, tmp_path)
    spans = exporter.get_finished_spans()
    (root,) = by_name(spans, "ideogram download")
    assert (root.attributes or {})["ideogram.task_id"] == task.task_id
    assert (root.attributes or {})["ideogram.files"] == 2
    files = by_name(spans, "ideogram download file")
    assert len(files) == 2
    assert all(span.parent and span.parent.span_id == root.context.span_id for span in files)
    assert all((span.attributes or {})["http.response.status_code"] == 200 for span in files)


def test_a_failed_task_s_span_is_an_error_naming_the_task(
    traced: Callable[..., Guarded], exporter: InMemorySpanExporter, fake: FakeApikley
) -> None:
    fake.script_next_task(fail=("500", "the model refused"))
    with pytest.raises(GenerationFailedError) as info:
        traced().generate("a knight", URL)
    (root,) = by_name(exporter.get_finished_spans(), "ideogram generate")
    assert root.status.status_code is StatusCode.ERROR
    assert (root.attributes or {})["ideogram.task_id"] == info.value.task_id
    assert any(event.name == "exception" for event in root.events)


def test_without_a_provider_nothing_of_opentelemetry_is_imported() -> None:
    program = (
        "import sys\n"
        "from ideogram_facade import CharacterClient\n"
        "with CharacterClient(sandbox=True) as client:\n"
        "    client.generate('a knight', 'https://example.com/me.png', timeout=60)\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_program_s_global_provider_is_used(tmp_path: Path) -> None:
    program = (
        "from opentelemetry import trace\n"
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
        "from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter\n"
        "from ideogram_facade import CharacterClient\n"
        "exporter = InMemorySpanExporter()\n"
        "with CharacterClient(sandbox=True) as client:\n"
        "    client.submit('a knight', 'https://example.com/me.png')  # before: no provider\n"
        "    provider = TracerProvider()\n"
        "    provider.add_span_processor(SimpleSpanProcessor(exporter))\n"
        "    trace.set_tracer_provider(provider)\n"
        "    client.submit('a knight', 'https://example.com/me.png')\n"
        "print(sorted(span.name for span in exporter.get_finished_spans()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "['ideogram createTask', 'ideogram submit']"
