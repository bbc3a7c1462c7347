"""A server that misbehaves on purpose: every answer capped, every wait bounded, no key echoed.

Each test plays the API with a raw-socket server on loopback (`hostile.py`) and runs for both
clients. The hostile scripts stop by themselves after a few seconds, so a client that does not
bound its wait fails these tests instead of hanging them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import re
import signal
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ideogram_facade import (
    ApikleyError,
    APITimeoutError,
    AsyncCharacterClient,
    AuthenticationError,
    GenerationFailedError,
    InvalidRequestError,
    PollPolicy,
    SubmissionUncertainError,
    Task,
    TaskState,
    TaskTimeoutError,
    UnexpectedResponseError,
    _files,
)
from ideogram_facade import _constants as C
from ideogram_facade._journal import State
from ideogram_facade._wire import HttpResponse, unwrap
from ideogram_facade.callbacks import parse_callback
from ideogram_facade.testing import FakeApikley
from tests.conftest import SECRETS, Guarded

from .hostile import (
    HostileServer,
    Network,
    RawRequest,
    answer,
    drip,
    envelope,
    gzip_zeros,
    head,
)

KEY = "sk-hostile-0123456789abcdef0123456789abcdef"
SECRETS.add(KEY)
URL = "https://example.com/portrait.png"
# What is tested is mostly an answer, not a deadline: a timeout no busy machine reaches, so
# that a connection slow to be made is never the error seen instead (it was, at 1 s).
GENEROUS = httpx.Timeout(60.0)
# The tests of deadlines: short, so that a deadline is seconds, not minutes.
TIMEOUT = httpx.Timeout(1.0)


@pytest.fixture
def against(
    make_client: Callable[..., Guarded],
) -> Iterator[Callable[..., tuple[Guarded, HostileServer]]]:
    servers: list[HostileServer] = []

    def start(
        script: Callable[[RawRequest], object], **settings: object
    ) -> tuple[Guarded, HostileServer]:
        server = HostileServer(script)  # type: ignore[arg-type]
        server.__enter__()
        servers.append(server)
        client = make_client(
            **{
                "api_key": KEY,
                "base_url": server.url,
                "upload_base_url": server.url,
                "timeout": GENEROUS,
                "max_retries": 0,
                **settings,
            }
        )
        return client, server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def _every_text(error: ApikleyError) -> str:
    return " ".join([str(error), repr(error), error.message, error.body or ""])


# -- the key is never echoed ----------------------------------------------------------------


def test_an_answer_that_echoes_the_key_never_shows_it(
    against: Callable[..., tuple[Guarded, HostileServer]],
) -> None:
    said = f"Invalid API key: Bearer {KEY}; key={KEY}"
    client, _ = against(lambda request: [answer(200, envelope(None, 401, said))])
    with pytest.raises(AuthenticationError) as caught:
        client.get_task("task_1")
    assert KEY not in _every_text(caught.value)
    assert "Invalid API key" in caught.value.message


def test_a_key_planted_at_any_offset_of_a_long_answer_is_redacted() -> None:
    SECRETS.add(KEY)
    from ideogram_facade._exceptions import register_secret

    register_secret(KEY)
    filler = "x" * 1200
    for offset in range(0, len(filler) + 1):
        said = filler[:offset] + KEY + filler[offset:]
        for content in (
            envelope(None, 500, said),  # in the message
            (filler[:offset] + KEY + filler[offset:]).encode(),  # in a body that is not JSON
            envelope(None, 401, "Bearer " + said[: offset % 700] + " tail"),
        ):
            with pytest.raises(ApikleyError) as caught:
                unwrap(HttpResponse(500, {}, content), endpoint="recordInfo", idempotent=True)
            text = _every_text(caught.value)
            assert KEY not in text
            # Not even a piece of it that straddles a cut.
            assert KEY[:12] not in text
            assert KEY[-12:] not in text


# What a careless service may echo: the key as the task's id, its failure and its fields.
ECHOED = {
    "taskId": KEY,
    "state": "fail",
    "failCode": KEY,
    "failMsg": f"no access for key {KEY}",
    "model": f"Bearer {KEY}",
    "param": {"headers": [f"Authorization: Bearer {KEY}"], KEY: KEY},
}


def _echoing(request: RawRequest) -> list[bytes]:
    if request.path.endswith("/createTask"):
        return [answer(200, envelope({"taskId": f"task_{KEY}"}))]
    return [answer(200, envelope(ECHOED))]


def test_the_key_echoed_in_a_task_s_values_appears_nowhere(
    against: Callable[..., tuple[Guarded, HostileServer]],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    caplog.set_level(logging.DEBUG, logger=C.LOGGER_NAME)
    client, _ = against(
        _echoing,
        journal=tmp_path / "journal.sqlite3",
        tracer_provider=provider,
        poll=PollPolicy(initial=0.01, jitter=0.0),
    )
    task = client.get_task("task_1")
    updates: list[Task] = []
    with pytest.raises(GenerationFailedError) as failed:
        client.wait("task_1", timeout=5, on_update=updates.append)
    with pytest.raises(SubmissionUncertainError, match="a taskId holding the API key") as lost:
        client.submit("a knight", URL)
    (entry,) = client.unfinished()  # journaled as uncertain, with no id to poll
    assert (entry.state, entry.task_id) == (State.UNCERTAIN, None)
    assert task.task_id == "task_1"  # the id asked about, whatever the answer says
    seen = {
        "the Task's repr": repr(task),
        "Task.raw": repr(task.raw),
        "the Task given to on_update": repr(updates),
        "fail_message": str(failed.value.fail_message),
        "fail_code": str(failed.value.fail_code),
        "the failure's repr": repr(failed.value),
        "the uncertain submit's error": repr(lost.value),
        "the journal": repr(entry) + str(entry.error),
        "a log record": caplog.text,
        "a span": json.dumps(
            [[dict(s.attributes or {}), [dict(e.attributes or {}) for e in s.events]]
             for s in exporter.get_finished_spans()],
            default=str,
        ),
    }  # fmt: skip
    assert [where for where, text in seen.items() if KEY in text] == []


def test_a_callback_that_echoes_the_key_gives_a_task_without_it(
    against: Callable[..., tuple[Guarded, HostileServer]],
) -> None:
    against(_echoing)  # a client of this key, as a receiver has
    task = parse_callback(json.dumps({"code": 501, "msg": KEY, "data": ECHOED}))
    assert task.state is TaskState.FAIL
    assert KEY not in repr(task) + repr(task.raw) + task.task_id


# -- no exception from outside the hierarchy --------------------------------------------------

MALFORMED = {
    "deep nesting": b'{"code": 200, "msg": "ok", "data": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "deep data object": b'{"code": 200, "msg": "ok", "data": {"taskId": "t", "state": "success", '
    b'"resultJson": "' + b"[" * 3000 + b"]" * 3000 + b'"}}',
    "a 5,000-digit code": b'{"code": ' + b"9" * 5000 + b', "msg": "x", "data": null}',
    "a 400-digit credit": b'{"code": 200, "msg": "ok", "data": ' + b"9" * 400 + b"}",
    "invalid UTF-8": b'{"code": 200, "msg": "\xff\xfe", "data": {"taskId": "\xc3\x28"}}',
    "the wrong type everywhere": b'{"code": [200], "msg": {"a": 1}, "data": [null, 1.5e999]}',
    "data of the wrong type": b'{"code": 200, "msg": "ok", "data": {"state": 7, "taskId": [1], '
    b'"resultJson": 5, "createTime": "x", "failCode": {"a": 1}}}',
    "1e999": b'{"code": 1e999, "msg": 1e999, "data": 1e999}',
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_answer_is_an_error_of_the_hierarchy(
    against: Callable[..., tuple[Guarded, HostileServer]], case: str
) -> None:
    content = MALFORMED[case]
    client, _ = against(lambda request: [answer(200, content)])
    for call, args in (("get_task", ("task_1",)), ("credits", ())):
        with contextlib.suppress(ApikleyError):
            getattr(client, call)(*args)
    # A create answered with something unreadable may have been accepted: never a plain error.
    with contextlib.suppress(SubmissionUncertainError):
        assert isinstance(client.submit("a knight", URL), str)


# -- every wait is bounded ------------------------------------------------------------------


def _dripping_answer(request: RawRequest) -> Iterator[bytes | float]:
    return drip(head(200, length=10**6) + b'{"code": 200, "msg": "ok", "data": ')


def _dripping_head(request: RawRequest) -> Iterator[bytes | float]:
    return drip(b"HTTP/1.1 200 OK\r\n", b"X-Slow: a\r\n")


@pytest.mark.parametrize("script", [_dripping_answer, _dripping_head], ids=["body", "head"])
@pytest.mark.slow
def test_a_request_has_one_deadline_however_the_server_drips(
    against: Callable[..., tuple[Guarded, HostileServer]],
    script: Callable[[RawRequest], Iterator[bytes | float]],
) -> None:
    # Each drip comes well within the per-read timeout, and the server drips for longer than
    # the deadline: only the request's deadline ends it as a timeout (without one, the server
    # giving up would end it as a broken answer). No real interval is measured.
    client, _ = against(script, timeout=TIMEOUT)
    with pytest.raises(APITimeoutError):
        client.get_task("task_1")
    with pytest.raises(SubmissionUncertainError, match="ReadTimeout"):
        client.submit("a knight", URL)


@pytest.mark.slow
def test_wait_returns_within_its_timeout_however_the_server_drips(
    against: Callable[..., tuple[Guarded, HostileServer]],
) -> None:
    client, _ = against(_dripping_answer, timeout=httpx.Timeout(30.0))
    started = time.monotonic()
    with pytest.raises(TaskTimeoutError) as caught:
        client.wait("task_1", timeout=1.5, poll=PollPolicy(initial=0.1, jitter=0.0))
    assert time.monotonic() - started < 1.5 + 2.0
    assert caught.value.task_id == "task_1"


def test_an_answer_past_the_size_cap_is_not_read_whole(
    against: Callable[..., tuple[Guarded, HostileServer]],
) -> None:
    piece = b" " * 65536

    def huge(request: RawRequest) -> Iterator[bytes | float]:
        yield head(200, length=100 * 1024 * 1024) + b'{"code": 200, "data": "'
        while True:
            yield piece

    client, server = against(huge, max_answer_bytes=1024 * 1024)
    with pytest.raises(UnexpectedResponseError, match="larger than"):
        client.get_task("task_1")
    with pytest.raises(SubmissionUncertainError, match="larger than"):
        client.submit("a knight", URL)
    # The client hung up soon after the cap: far from the 2 x 100 MB promised.
    assert server.bytes_sent < 20 * 1024 * 1024


# -- compressed answers are decoded a step at a time, never past the cap ---------------------


def _gzip_bomb(content_type: str = "application/json") -> Callable[[RawRequest], object]:
    """An answer of endless gzip'd zeros: each kB sent decodes to a MiB."""
    first, piece = gzip_zeros()

    def script(request: RawRequest) -> Iterator[bytes | float]:
        yield head(200, content_type=content_type, content_encoding="gzip") + first
        while True:
            yield piece

    return script


def test_a_compressed_answer_is_decoded_no_further_than_the_cap(
    against: Callable[..., tuple[Guarded, HostileServer]],
) -> None:
    cap = 1024 * 1024
    client, _ = against(_gzip_bomb(), max_answer_bytes=cap)
    with pytest.raises(UnexpectedResponseError, match="larger than") as read:
        client.get_task("task_1")
    with pytest.raises(SubmissionUncertainError, match="larger than") as created:
        client.submit("a knight", URL)
    for caught in (read, created):
        decoded = re.search(r"\((\d+) bytes read\)", caught.value.message)
        assert decoded is not None, caught.value.message
        assert int(decoded[1]) <= cap  # not the 64 MB that one network chunk of it holds


def test_a_compressed_image_is_decoded_no_further_than_the_cap(
    against: Callable[..., tuple[Guarded, HostileServer]], tmp_path: Path
) -> None:
    client, server = against(_gzip_bomb("image/png"))
    tracemalloc.start()
    try:
        with pytest.raises(UnexpectedResponseError, match="larger than") as caught:
            client.download(_task(f"{server.url}/a.png"), tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.task_id == "task_1"
    # What the download held at once: a few steps of decoded bytes, not a decoded network
    # chunk (64 kB of this gzip are 64 MB).
    assert peak < 8 * 1024 * 1024, f"{peak / 2**20:.1f} MiB held at once"
    assert list(tmp_path.iterdir()) == []


ENVELOPE = envelope({"taskId": "task_1", "state": "generating"})


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the standard says
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw, as some send
        ("deflate, gzip", lambda data: gzip.compress(zlib.compress(data))),
        ("identity", lambda data: data),
    ],
    ids=["gzip", "deflate", "raw-deflate", "deflate-then-gzip", "identity"],
)
def test_a_compressed_answer_within_the_cap_reads_as_usual(
    against: Callable[..., tuple[Guarded, HostileServer]],
    encoding: str,
    encode: Callable[[bytes], bytes],
) -> None:
    body = encode(ENVELOPE)
    client, server = against(
        lambda request: [head(200, length=len(body), content_encoding=encoding) + body]
    )
    assert client.get_task("task_1").state is TaskState.GENERATING
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("encoding", "body", "said"),
    [
        ("br", b"\x1b\x00\x00", "compressed as 'br', which this client does not decode"),
        ("gzip", gzip.compress(ENVELOPE)[:-12], "ends before the end of the stream"),
        ("gzip", b"\x1f\x8b not gzip at all", "its gzip data is corrupt"),
    ],
    ids=["unasked-brotli", "cut-short", "corrupt"],
)
def test_an_answer_that_cannot_be_decoded_says_why(
    against: Callable[..., tuple[Guarded, HostileServer]], encoding: str, body: bytes, said: str
) -> None:
    client, _ = against(
        lambda request: [head(200, length=len(body), content_encoding=encoding) + body]
    )
    with pytest.raises(UnexpectedResponseError, match=said):
        client.get_task("task_1")
    with pytest.raises(SubmissionUncertainError, match=said):
        client.submit("a knight", URL)


def test_a_compressed_image_is_saved_decoded(
    against: Callable[..., tuple[Guarded, HostileServer]], tmp_path: Path
) -> None:
    packed = gzip.compress(PNG)
    client, server = against(
        lambda request: [
            head(200, length=len(packed), content_type="image/png", content_encoding="gzip")
            + packed
        ]
    )
    (path,) = client.download(_task(f"{server.url}/a.png"), tmp_path)
    assert path.read_bytes() == PNG


# -- polling costs O(1) per poll ----------------------------------------------------------------


def _reference_delay(policy: PollPolicy, attempt: int) -> float:
    elapsed, step = 0.0, policy.initial
    for _ in range(attempt + 1):
        step = min(policy.maximum, max(policy.initial, (policy.multiplier - 1) * elapsed))
        elapsed += step
    return step


@pytest.mark.parametrize(
    "policy",
    [
        PollPolicy(jitter=0.0),
        PollPolicy(initial=0.5, multiplier=2.0, maximum=600.0, jitter=0.0),
        PollPolicy(initial=1.0, multiplier=1.0, maximum=5.0, jitter=0.0),
        PollPolicy(initial=7.0, multiplier=1.01, maximum=2.0, jitter=0.0),
    ],
)
def test_the_poll_schedule_in_closed_form_is_the_schedule(policy: PollPolicy) -> None:
    for attempt in range(500):
        assert policy.delay(attempt) == pytest.approx(_reference_delay(policy, attempt), rel=1e-9)


def test_a_poll_a_trillion_polls_in_is_computed_at_once() -> None:
    # The old loop would run for hours here; the closed form answers at once.
    assert PollPolicy(jitter=0.0).delay(10**12) == 30.0


# -- downloads that cannot be steered -------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _task(*urls: str, task_id: str = "task_1") -> Task:
    return Task(task_id=task_id, state=TaskState.SUCCESS, image_urls=urls)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".part-"))


@pytest.mark.slow
def test_a_dripping_image_is_cut_off_at_its_deadline(
    against: Callable[..., tuple[Guarded, HostileServer]], tmp_path: Path
) -> None:
    # TIMEOUT is 1 s, so the file's deadline is DOWNLOAD_DEADLINE_FACTOR seconds, well before
    # the server stops dripping (its lifetime): only the deadline can end it as a timeout.
    client, server = against(
        lambda request: drip(head(200, length=10**6, content_type="image/png") + PNG),
        timeout=TIMEOUT,
    )
    with pytest.raises(APITimeoutError):
        client.download(_task(f"{server.url}/a.png"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_task_with_more_urls_than_images_downloads_nothing(
    against: Callable[..., tuple[Guarded, HostileServer]], tmp_path: Path
) -> None:
    client, server = against(lambda request: [answer(200, PNG, "image/png")])
    urls = [f"{server.url}/{n}.png" for n in range(10_000)]
    with pytest.raises(UnexpectedResponseError, match="10000 result URLs") as caught:
        client.download(_task(*urls), tmp_path / "out")
    assert caught.value.task_id == "task_1"
    assert server.requests == []
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:6379",
        "169.254.169.254",
        "10.1.2.3",
        "192.168.0.1",
        "[::1]",
        "localhost",
        "127.1",
        "2130706433",
        "0.0.0.0",
    ],
)
def test_result_urls_on_private_hosts_are_refused(
    make_client: Callable[..., Guarded], host: str, tmp_path: Path
) -> None:
    # A client of a public API (never reached here): nothing may steer it at internal hosts.
    client = make_client(api_key=KEY, base_url="https://api.example.invalid")
    with pytest.raises(InvalidRequestError, match="allow_private_urls") as caught:
        client.download(_task(f"http://{host}/latest/meta-data.png"), tmp_path)
    assert caught.value.task_id == "task_1"
    with pytest.raises(InvalidRequestError, match="callback_url"):
        client.submit("a knight", URL, callback_url=f"http://{host}/hook")


@pytest.fixture
def network(
    request: pytest.FixtureRequest, make_client: Callable[..., Guarded]
) -> Iterator[Callable[..., tuple[Guarded, Network]]]:
    """A client of a public API whose HTTP goes through a `Network` of the test's own, where
    the given public-looking names are a loopback server."""
    kind = request.node.callspec.params["make_client"]
    made: list[tuple[Guarded, Any]] = []

    def start(*names: str) -> tuple[Guarded, Network]:
        routes = Network(*names)
        http = routes.client(kind)
        client = make_client(
            api_key=KEY,
            base_url="https://api.example.invalid",  # never reached: no download asks it
            http_client=http,
            timeout=TIMEOUT,
            max_retries=0,
        )
        made.append((client, http))
        return client, routes

    yield start
    for client, http in made:
        if kind == "sync":
            http.close()
        else:
            client.run(http.aclose())


def _parses(url: str) -> bool:
    try:
        httpx.URL(url)
    except httpx.InvalidURL:
        return False
    return True


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_a_private_host_is_refused_before_any_connection(
    network: Callable[..., tuple[Guarded, Network]], status: int, tmp_path: Path
) -> None:
    # A trap on loopback: an image host must never hand the client on to it.
    with socket.create_server(("127.0.0.1", 0)) as trap:
        port = trap.getsockname()[1]
        targets = [
            f"http://127.0.0.1:{port}/a.png",
            f"http://localhost:{port}/a.png",
            f"http://2130706433:{port}/a.png",
            f"http://[::1]:{port}/a.png",
            "http://169.254.169.254/latest/meta-data/iam.png",
            "http://10.1.2.3/a.png",
        ]
        with HostileServer(
            lambda request: [head(status, length=0, location=targets[int(request.path[1:])])]
        ) as images:
            host = f"images.example.com:{images.port}"
            client, routes = network("images.example.com")
            for number, target in enumerate(targets):
                # httpx 0.24 cannot read a one-number IPv4 address: refused as well.
                refused, said = (
                    (InvalidRequestError, "private network")
                    if _parses(target)
                    else (UnexpectedResponseError, "not a URL")
                )
                with pytest.raises(refused, match=said) as caught:
                    client.download(_task(f"http://{host}/{number}"), tmp_path)
                assert caught.value.task_id == "task_1"
                if refused is InvalidRequestError:
                    assert target[:30] in caught.value.message
        trap.setblocking(False)
        with pytest.raises(BlockingIOError):
            trap.accept()  # nobody knocked
    assert routes.connects == ["images.example.com"] * len(targets)
    assert list(tmp_path.iterdir()) == []


def test_redirects_between_public_hosts_are_followed_a_few_times(
    network: Callable[..., tuple[Guarded, Network]], tmp_path: Path
) -> None:
    def hosts(request: RawRequest) -> list[bytes]:
        if request.path == "/start":  # relative, then to another host, then the image
            return [head(302, length=0, location="/moved")]
        if request.path == "/moved":
            return [head(307, length=0, location=f"http://cdn.example.com:{port}/a.png")]
        if request.path == "/loop":
            return [head(301, length=0, location="/loop")]
        return [answer(200, PNG, "image/png")]

    with HostileServer(hosts) as server:
        port = server.port
        client, routes = network("images.example.com", "cdn.example.com")
        (path,) = client.download(_task(f"http://images.example.com:{port}/start"), tmp_path)
        assert path.read_bytes() == PNG
        assert [r.path for r in server.requests] == ["/start", "/moved", "/a.png"]
        assert routes.connects == ["images.example.com"] * 2 + ["cdn.example.com"]
        with pytest.raises(UnexpectedResponseError, match="redirected more than 5 times"):
            client.download(_task(f"http://images.example.com:{port}/loop", task_id="t2"), tmp_path)
        assert len(server.requests) == 3 + 1 + C.MAX_REDIRECTS
        # The API key goes to no image host, on no hop.
        assert all("authorization" not in r.headers for r in server.requests)


def test_a_redirect_to_something_that_is_not_a_url_is_refused_once_not_retried(
    make_client: Callable[..., Guarded], tmp_path: Path
) -> None:
    with HostileServer(
        lambda request: [head(302, length=0, location="http://[zz]:x/a.png")]
    ) as host:
        client = make_client(api_key=KEY, base_url=host.url, max_retries=3)
        with pytest.raises(UnexpectedResponseError, match="not a URL") as caught:
            client.download(_task(f"{host.url}/a.png"), tmp_path)
        assert caught.value.task_id == "task_1"
        assert len(host.requests) == 1
    assert list(tmp_path.iterdir()) == []


def test_private_urls_are_allowed_when_asked_or_when_the_api_is_local(
    make_client: Callable[..., Guarded], tmp_path: Path
) -> None:
    with HostileServer(lambda request: [answer(200, PNG, "image/png")]) as image_host:
        asked = make_client(
            api_key=KEY, base_url="https://api.example.invalid", allow_private_urls=True
        )
        (path,) = asked.download(_task(f"{image_host.url}/a.png"), tmp_path / "asked")
        assert path.read_bytes() == PNG
        local = make_client(api_key=KEY, base_url=image_host.url)
        (path,) = local.download(_task(f"{image_host.url}/a.png"), tmp_path / "local")
        assert path.read_bytes() == PNG


def test_a_file_is_named_by_its_bytes_and_html_is_not_saved_as_an_image(
    against: Callable[..., tuple[Guarded, HostileServer]], tmp_path: Path
) -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 64
    pages = {"/photo.png": jpeg, "/page.png": b"<html><body>login</body></html>"}
    client, server = against(lambda request: [answer(200, pages[request.path], "image/png")])
    (path,) = client.download(_task(f"{server.url}/photo.png"), tmp_path)
    assert path.suffix == ".jpg"
    with pytest.raises(UnexpectedResponseError, match="not a JPEG, PNG or WebP"):
        client.download(_task(f"{server.url}/page.png", task_id="task_2"), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_an_interrupted_download_leaves_no_part_file(
    against: Callable[..., tuple[Guarded, HostileServer]], tmp_path: Path
) -> None:
    client, server = against(
        lambda request: drip(
            head(200, length=10**6, content_type="image/png") + PNG, b"\x00" * 1024
        ),
        timeout=httpx.Timeout(30.0),
    )
    task = _task(f"{server.url}/a.png")
    if client.kind == "async":

        async def cancel_midway() -> None:
            inner = client.inner
            assert isinstance(inner, AsyncCharacterClient)
            download = asyncio.ensure_future(inner.download(task, tmp_path))
            await asyncio.sleep(0.5)
            download.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await download

        client.run(cancel_midway())
    else:

        def interrupt(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGALRM, interrupt)
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        try:
            with pytest.raises(KeyboardInterrupt):
                client.download(task, tmp_path)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    assert server.requests, "the download had started"
    assert _leftovers(tmp_path) == []


def test_without_overwrite_only_one_of_many_racing_downloads_wins(tmp_path: Path) -> None:
    target = tmp_path / "task_1_1.png"
    parts = []
    for n in range(32):
        part = tmp_path / f".part-{n}.download"
        part.write_bytes(PNG + bytes([n]))
        parts.append(part)
    start = threading.Barrier(len(parts))
    outcomes: list[str] = []

    def place(part: Path) -> None:
        start.wait()
        try:
            _files.place(part, target, overwrite=False)
            outcomes.append("saved")
        except InvalidRequestError:
            outcomes.append("refused")

    threads = [threading.Thread(target=place, args=(part,)) for part in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 31 + ["saved"]
    assert _leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_odd_and_overlong_task_ids_give_safe_distinct_names(
    against: Callable[..., tuple[Guarded, HostileServer]], tmp_path: Path
) -> None:
    client, server = against(lambda request: [answer(200, PNG, "image/png")])
    ids = ["t" * 400, "t" * 400 + "x", "a/b", "a_b", "a:b", "../../etc/passwd", "ü"]
    names = set()
    for task_id in ids:
        (path,) = client.download(_task(f"{server.url}/a.png", task_id=task_id), tmp_path)
        assert path.parent == tmp_path
        assert len(path.name) < 120
        names.add(path.name)
    assert len(names) == len(ids)


# -- the key never goes to a proxy -------------------------------------------------------------


def test_a_proxy_from_the_environment_never_sees_the_key(
    make_client: Callable[..., Guarded], fake: FakeApikley, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileServer(lambda request: [answer(502, b"proxy")]) as proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client = make_client()  # plain http to the fake on loopback
        assert client.credits() >= 0
    assert proxy.requests == []
