"""`http_client=`: an httpx or an httpx2 client, each with every guarantee, anything else refused.

`nox -s httpx2` runs the whole suite with httpx2 clients; these tests hold in every run: they
name the library they use.
"""

from __future__ import annotations

import importlib
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest

from ideogram_facade import (
    APIConnectionError,
    APITimeoutError,
    AsyncCharacterClient,
    CharacterClient,
    InvalidRequestError,
    SubmissionUncertainError,
    UnexpectedResponseError,
)
from ideogram_facade._httpx2 import httpx_error
from ideogram_facade._wire import NOT_SENT
from ideogram_facade.testing import FakeApikley
from tests.conftest import HTTPX2, SECRETS, Guarded, http_client

from .hostile import HostileServer, RawRequest, answer, drip, envelope, head

KEY = "sk-http-clients-0123456789abcdef0123456789abcdef"
SECRETS.add(KEY)
URL = "https://example.com/portrait.png"
LIBRARIES = ["httpx", "httpx2"]


def test_this_run_sends_with_the_library_it_names(client: Guarded, fake: FakeApikley) -> None:
    # What makes `nox -s httpx2` a run with httpx2 clients, not the same run twice.
    client.credits()
    agent = fake.requests[-1].headers["user-agent"]
    assert agent.startswith("python-httpx2/" if HTTPX2 else "python-httpx/"), agent


@pytest.fixture
def given(
    request: pytest.FixtureRequest, make_client: Callable[..., Guarded]
) -> Iterator[Callable[..., Guarded]]:
    """`make_client` handed an HTTP client of `library` and of the client's kind, made with
    `settings`; closed after the test."""
    kind = request.node.callspec.params["make_client"]
    made: list[tuple[Guarded, Any]] = []

    def make(library: str, http_settings: dict[str, Any], **settings: Any) -> Guarded:
        http = http_client(kind, library, **http_settings)
        client = make_client(http_client=http, **settings)
        made.append((client, http))
        return client

    yield make
    for client, http in made:
        if client.kind == "sync":
            http.close()
        else:
            client.run(http.aclose())


@pytest.mark.parametrize("library", LIBRARIES)
def test_an_http_client_of_either_library_sends_every_call(
    given: Callable[..., Guarded], fake: FakeApikley, library: str, tmp_path: Path
) -> None:
    # The failure: an httpx2 client's default Timeout reached httpx, and the first
    # request raised "'>' not supported between instances of 'Timeout' and 'Timeout'".
    client = given(library, {})
    task = client.generate("a knight", URL, num_images=2)
    assert client.credits() == fake.credits
    assert len(client.download(task, tmp_path)) == 2
    assert fake.requests[-1].headers["user-agent"].startswith(f"python-{library}/")


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_timeout_of_either_library_is_taken_field_by_field(
    given: Callable[..., Guarded], library: str
) -> None:
    timeouts = httpx.Timeout(7.0, connect=2.0, pool=None)
    client = given(library, {"timeout": timeouts})  # the default: the http_client's own
    assert client.inner._core.timeout == timeouts
    set_here = client.with_options(timeout=httpx2.Timeout(3.0, read=9.0))
    assert set_here.inner._core.timeout == httpx.Timeout(3.0, read=9.0)


def test_a_timeout_of_neither_library_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match=r"timeout must be .* not builtins\.str"):
        CharacterClient("k", base_url="http://127.0.0.1:1", timeout="30")  # type: ignore[arg-type]


def _not_an_http_client() -> Any:
    class Session:  # what a requests user might pass
        pass

    Session.__module__ = "requests.sessions"
    return Session()


@pytest.mark.parametrize(
    ("kind", "make", "said"),
    [
        ("sync", _not_an_http_client, r"not requests\.sessions\.Session$"),
        ("async", _not_an_http_client, r"not requests\.sessions\.Session$"),
        ("sync", httpx.AsyncClient, r"AsyncClient: an async client goes to AsyncCharacterClient$"),
        ("sync", httpx2.AsyncClient, r"AsyncClient: an async client goes to AsyncCharacterClient$"),
        ("async", httpx.Client, r"Client: a sync client goes to CharacterClient$"),
        ("async", httpx2.Client, r"Client: a sync client goes to CharacterClient$"),
    ],
    ids=[
        "sync-session",
        "async-session",
        "sync-httpx",
        "sync-httpx2",
        "async-httpx",
        "async-httpx2",
    ],
)
def test_anything_but_a_client_of_the_same_kind_is_refused_before_anything_starts(
    kind: str, make: Callable[[], Any], said: str, tmp_path: Path
) -> None:
    cls: Any = CharacterClient if kind == "sync" else AsyncCharacterClient
    accepted = (
        "an httpx.Client or an httpx2.Client"
        if kind == "sync"
        else ("an httpx.AsyncClient or an httpx2.AsyncClient")
    )
    with pytest.raises(InvalidRequestError, match=said) as refused:
        cls(KEY, http_client=make(), journal=tmp_path / "tasks.sqlite3", sandbox=True)
    assert f"{cls.__name__}(http_client=...) takes {accepted}" in refused.value.message
    assert list(tmp_path.iterdir()) == []  # no journal opened, no sandbox's journal either


# -- every guarantee, through the user's own client ------------------------------------------


def _dripping_head(request: RawRequest) -> Iterator[bytes | float]:
    return drip(b"HTTP/1.1 200 OK\r\n", b"X-Slow: a\r\n")


@pytest.fixture
def hostile() -> Iterator[Callable[..., HostileServer]]:
    servers: list[HostileServer] = []

    def start(script: Callable[[RawRequest], Any]) -> HostileServer:
        server = HostileServer(script)
        server.__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_dripping_head_meets_the_deadline_through_the_user_s_client(
    given: Callable[..., Guarded], hostile: Callable[..., HostileServer], library: str
) -> None:
    # Each drip comes well within the per-read timeout: only a deadline for the request as a
    # whole ends it (a timeout). Without one, it would end when the server gives up (a broken
    # answer): no real interval is measured.
    server = hostile(_dripping_head)
    client = given(library, {}, api_key=KEY, base_url=server.url, timeout=0.3, max_retries=0)
    with pytest.raises(APITimeoutError):
        client.get_task("task_1")
    with pytest.raises(SubmissionUncertainError, match="ReadTimeout"):
        client.submit("a knight", URL)  # it may have been accepted: never sent again
    assert len(server.requests) == 2


def _proxied(library: str, kind: str, url: str) -> dict[str, Any]:
    """An HTTP client's settings that send everything through the proxy at `url`: a mounted
    proxy transport, what `proxy=` makes (httpx 0.25.1, the oldest the extra allows, has no
    `proxy=`)."""
    module = importlib.import_module(library)
    transport = module.HTTPTransport if kind == "sync" else module.AsyncHTTPTransport
    return {"mounts": {"all://": transport(proxy=module.Proxy(url))}}


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_user_s_proxy_carries_every_request_within_its_deadline(
    request: pytest.FixtureRequest,
    given: Callable[..., Guarded],
    hostile: Callable[..., HostileServer],
    library: str,
) -> None:
    # A plain-http forward proxy of the user's choosing gets each request in absolute form.
    kind = request.node.callspec.params["make_client"]
    proxy = hostile(lambda request: [answer(200, envelope(12.5))])
    api = "http://127.0.0.1:9"  # nothing listens there: only the proxy can answer
    client = given(library, _proxied(library, kind, proxy.url), api_key=KEY, base_url=api)
    assert client.credits() == 12.5
    assert proxy.requests[0].path == f"{api}/api/v1/chat/credit"
    stalling = hostile(_dripping_head)
    settings = _proxied(library, kind, stalling.url)
    client = given(library, settings, api_key=KEY, base_url=api, timeout=0.3)
    with pytest.raises(APITimeoutError):
        client.with_options(max_retries=0).credits()


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_create_that_never_connected_is_retried_and_one_that_was_sent_never_is(
    given: Callable[..., Guarded], hostile: Callable[..., HostileServer], library: str
) -> None:
    with socket.socket() as probe:  # a free port, closed at once: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nowhere = given(library, {}, api_key=KEY, base_url=f"http://127.0.0.1:{port}", max_retries=1)
    with pytest.raises(APIConnectionError, match="could not talk") as refused:
        nowhere.submit("a knight", URL)
    assert not isinstance(refused.value, SubmissionUncertainError)
    hangs_up = hostile(lambda request: [b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n{"])
    client = given(library, {}, api_key=KEY, base_url=hangs_up.url, max_retries=2)
    with pytest.raises(SubmissionUncertainError, match="RemoteProtocolError"):
        client.submit("a knight", URL)
    assert len(hangs_up.requests) == 1


def test_httpx2_errors_are_read_as_httpx_errors_of_the_same_name() -> None:
    errors = [
        cls
        for cls in vars(httpx2).values()
        if isinstance(cls, type) and issubclass(cls, httpx2.RequestError)
    ]
    assert len(errors) >= 17, errors  # the whole tree, not an empty list
    for cls in errors:
        mapped = httpx_error(cls("it failed"))
        assert str(mapped) == "it failed"
        if hasattr(httpx, cls.__name__):
            assert type(mapped) is getattr(httpx, cls.__name__)
        else:  # httpx2's own (SSEError): its nearest ancestor that httpx has
            assert isinstance(mapped, httpx.TransportError), cls
        # "Never sent" means the same in both: the rule of never paying twice.
        assert isinstance(mapped, NOT_SENT) == (cls.__name__ in {c.__name__ for c in NOT_SENT})


def test_the_package_never_imports_httpx2_unless_handed_an_httpx2_client() -> None:
    program = (
        "import sys, ideogram_facade as f\n"
        "for cls in (f.CharacterClient, f.AsyncCharacterClient):\n"
        "    c = cls('k', base_url='http://127.0.0.1:1', timeout=5)\n"
        "    c.with_options(timeout=3)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('httpx2', 'httpcore2'))))\n"
        "import httpx\n"
        "f.CharacterClient('k', base_url='http://127.0.0.1:1', http_client=httpx.Client())\n"
        "print('ideogram_facade._httpx2' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.split("\n")[:2] == ["[]", "False"], done.stdout + done.stderr


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("status", [302, 307])
def test_an_api_redirect_is_not_followed_even_by_a_client_set_to_follow_them(
    given: Callable[..., Guarded],
    hostile: Callable[..., HostileServer],
    library: str,
    status: int,
) -> None:
    # A user's client may follow redirects for its own requests; the API's answers are the
    # flow's to judge, and a 307 would send a createTask, key and all, somewhere else.
    elsewhere = hostile(lambda request: [answer(200, envelope({"taskId": "task_9"}))])
    moved = head(status, length=0, location=f"{elsewhere.url}/api/v1/jobs/createTask")
    api = hostile(lambda request: [moved])
    client = given(library, {"follow_redirects": True}, api_key=KEY, base_url=api.url)
    with pytest.raises(UnexpectedResponseError, match=f"HTTP {status}"):
        client.submit("a knight", URL)
    assert len(api.requests) == 1
    assert elsewhere.requests == []
