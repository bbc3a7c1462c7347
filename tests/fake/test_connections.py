"""The fake's HTTP/1.1 server: many keep-alive connections, pipelining, chunked bodies, closing."""

from __future__ import annotations

import asyncio
import json
import resource
import select
import socket
from collections.abc import Iterator

import httpx
import pytest

from ideogram_facade.testing import FakeApikley, Fault, TaskTiming

BODY = json.dumps(
    {
        "model": "ideogram/character",
        "input": {"prompt": "a pilot", "reference_image_urls": ["https://e.com/a.png"]},
    }
).encode()
CONNECTIONS = 1000


@pytest.fixture
def fake() -> Iterator[FakeApikley]:
    with FakeApikley(timing=TaskTiming.instant()) as running:
        yield running


def raw_request(
    fake: FakeApikley, method: str, target: str, extra: str = "", body: bytes = b""
) -> bytes:
    head = (
        f"{method} {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fake.api_key}\r\n{extra}"
    )
    if body and "chunked" not in extra:
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def read_answer(sock: socket.socket, buffer: bytearray) -> tuple[bytes, bytes]:
    """(head, body) of the next answer on `sock`; leftover bytes stay in `buffer`."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before an answer"
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(rest) < length:
        rest += sock.recv(65536)
    buffer[:] = rest[length:]
    return head, rest[:length]


def connect(fake: FakeApikley) -> socket.socket:
    return socket.create_connection(("127.0.0.1", fake.port), timeout=5)


def test_a_thousand_concurrent_keep_alive_connections(fake: FakeApikley) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * CONNECTIONS + 200  # both ends live in this process
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"open-file limit {hard} is too low for {CONNECTIONS} connections")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    task_id = httpx.post(
        fake.base_url + "/api/v1/jobs/createTask", content=BODY, headers=headers, trust_env=False
    ).json()["data"]["taskId"]
    request = raw_request(fake, "GET", f"/api/v1/jobs/recordInfo?taskId={task_id}")

    async def scenario() -> list[bytes]:
        streams = await asyncio.gather(
            *(asyncio.open_connection("127.0.0.1", fake.port) for _ in range(CONNECTIONS))
        )
        for _ in range(200):  # the server accepts asynchronously
            if fake.open_connections >= CONNECTIONS:
                break
            await asyncio.sleep(0.01)
        assert fake.open_connections == CONNECTIONS

        async def two_requests(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
            bodies = b""
            for _ in range(2):  # the second one proves the connection was kept alive
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                bodies = await reader.readexactly(length)
            writer.close()
            return bodies

        return await asyncio.gather(*(two_requests(r, w) for r, w in streams))

    bodies = asyncio.run(scenario())
    assert len(bodies) == CONNECTIONS
    assert {json.loads(body)["data"]["state"] for body in bodies} == {"success"}
    assert fake.peak_connections >= CONNECTIONS
    assert fake.polls(task_id) == 2 * CONNECTIONS


def test_pipelined_requests_are_answered_in_order(fake: FakeApikley) -> None:
    fake.inject("credit", Fault.delay(0.1))  # the first answer is late, the second must wait
    with connect(fake) as sock:
        sock.sendall(
            raw_request(fake, "GET", "/api/v1/chat/credit")
            + raw_request(fake, "GET", "/api/v1/jobs/recordInfo")
        )
        buffer = bytearray()
        first = json.loads(read_answer(sock, buffer)[1])
        second = json.loads(read_answer(sock, buffer)[1])
    assert (first["code"], second["code"]) == (200, 400)


def test_requests_pipelined_behind_a_dropped_one_are_not_processed(fake: FakeApikley) -> None:
    fake.inject("createTask", Fault.close_after_body())
    create = raw_request(fake, "POST", "/api/v1/jobs/createTask", body=BODY)
    with connect(fake) as sock:
        sock.sendall(create + create)
        assert sock.recv(1024) == b""
    assert (fake.creates_received, fake.creates_accepted) == (1, 1)


def test_chunked_request_body_is_accepted(fake: FakeApikley) -> None:
    chunked = (
        b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (BODY[:10], BODY[10:]))
        + b"0\r\n\r\n"
    )
    with connect(fake) as sock:
        extra = "Transfer-Encoding: chunked\r\n"
        sock.sendall(raw_request(fake, "POST", "/api/v1/jobs/createTask", extra, chunked))
        answer = json.loads(read_answer(sock, bytearray())[1])
    assert answer["code"] == 200
    assert fake.creates_accepted == 1


def test_expect_100_continue_is_honoured(fake: FakeApikley) -> None:
    with connect(fake) as sock:
        head = raw_request(fake, "POST", "/api/v1/jobs/createTask", "Expect: 100-continue\r\n")
        sock.sendall(head.replace(b"\r\n\r\n", f"\r\nContent-Length: {len(BODY)}\r\n\r\n".encode()))
        assert sock.recv(1024).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(BODY)
        assert json.loads(read_answer(sock, bytearray())[1])["code"] == 200


@pytest.mark.parametrize(
    ("version", "extra"), [("HTTP/1.1", "Connection: close\r\n"), ("HTTP/1.0", "")]
)
def test_connection_closes_when_the_client_asks(
    fake: FakeApikley, version: str, extra: str
) -> None:
    with connect(fake) as sock:
        request = raw_request(fake, "GET", "/api/v1/chat/credit", extra)
        sock.sendall(request.replace(b"HTTP/1.1", version.encode(), 1))
        head, _ = read_answer(sock, bytearray())
        assert b"Connection: close" in head
        assert sock.recv(1024) == b""


def test_a_delayed_answer_does_not_hold_up_other_connections(fake: FakeApikley) -> None:
    # One connection's answer is held for a minute; another's request, to another endpoint (so
    # that the order in which the two arrive does not matter), is answered meanwhile.
    fake.inject("credit", Fault.delay(60.0))
    with connect(fake) as slow, connect(fake) as quick:
        slow.sendall(raw_request(fake, "GET", "/api/v1/chat/credit"))
        quick.sendall(raw_request(fake, "GET", "/api/v1/jobs/recordInfo?taskId=none"))
        head, _ = read_answer(quick, bytearray())
        assert head.startswith(b"HTTP/1.1 ")
        held, _, _ = select.select([slow], [], [], 0)
        assert held == [], "the held answer came before the other one"


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NONSENSE\r\n\r\n", b"400"),
        (b"GET / HTTP/2.0\r\n\r\n", b"505"),
        (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000, b"431"),
    ],
)
def test_broken_requests_get_an_error_and_a_close(
    fake: FakeApikley, request_bytes: bytes, status: bytes
) -> None:
    with connect(fake) as sock:
        sock.sendall(request_bytes)
        head, _ = read_answer(sock, bytearray())
        assert head.split(b" ")[1] == status
        assert sock.recv(1024) == b""
