"""Whatever the service answers, only `ApikleyError`s escape, and nothing hangs.

Hypothesis writes the answers (wrong types, missing fields, unknown codes and states, huge
strings, broken resultJson, bytes that are not UTF-8, valid answers mutated byte by byte,
nesting 20,000 deep, 5,000-digit numbers, answers cut at the size cap) and feeds them to the
core's flows directly, on a simulated clock: thousands of exchanges a second, no sockets, no
sleeping.
`nox -s tests` runs the `ci` profile (a few hundred examples), `nox -s fuzz` tens of thousands.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from ideogram_facade import ApikleyError, PollPolicy, Task
from ideogram_facade import _constants as C
from ideogram_facade._core import Core
from ideogram_facade._effects import Flow, Send, Sleep
from ideogram_facade._wire import HttpResponse

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
states = st.sampled_from(["waiting", "queuing", "generating", "success", "fail"]) | st.text(
    max_size=12
)
result_json = st.one_of(
    st.builds(lambda urls: json.dumps({"resultUrls": urls}), st.lists(st.text(max_size=30))),
    st.text(max_size=60),
    json_values,
)
task_data = st.fixed_dictionaries(
    {},
    optional={
        "taskId": st.text(max_size=20) | json_values,
        "task_id": st.text(max_size=20),
        "state": states | json_values,
        "resultJson": result_json,
        "failCode": st.none() | st.integers() | st.text(max_size=8),
        "failMsg": st.none() | st.text(max_size=5000),
        "createTime": st.integers() | st.floats() | st.text(max_size=30),
        "completeTime": st.integers(min_value=-(2**70), max_value=2**70),
        "creditsConsumed": json_values,
    },
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "code": st.sampled_from([200, 401, 402, 404, 422, 429, 433, 455, 500, 501, 505])
        | st.integers()
        | st.text(max_size=5)
        | st.none(),
        "msg": st.text(max_size=20) | json_values,
        "message": st.text(max_size=20),
        "success": st.booleans(),
        "data": task_data | json_values | st.fixed_dictionaries({"taskId": st.text(max_size=20)}),
    },
)
VALID = [
    b'{"code": 200, "msg": "success", "data": {"taskId": "task_1"}}',
    b'{"code": 200, "msg": "success", "data": {"taskId": "t1", "state": "success", '
    b'"resultJson": "{\\"resultUrls\\": [\\"https://example.com/a.png\\"]}"}}',
    b'{"code": 200, "msg": "success", "data": 12.5}',
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid answer with bytes flipped, inserted, cut or spliced in, anywhere."""
    body = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(body)))
        edit = draw(st.sampled_from(["flip", "insert", "cut", "splice"]))
        if edit == "flip" and at < len(body):
            body[at] = draw(st.integers(0, 255))
        elif edit == "insert":
            body[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif edit == "cut":
            del body[at:]
        else:
            body[at:at] = draw(
                st.sampled_from([b"[" * 5000, b"9" * 5000, b"1e999", b"-0", b"\xc3\x28", b"{"])
            )
    return bytes(body)


deep = st.integers(1, 20_000).map(lambda n: b'{"code": 200, "data": ' + b"[" * n + b"]" * n + b"}")
bodies = st.one_of(
    envelopes.map(lambda e: json.dumps(e).encode()),
    st.binary(max_size=200),
    st.text(max_size=20_000).map(str.encode),
    st.just(b"\xff\xfe{not utf-8}"),
    mutated(),
    deep,
)
answers = st.builds(
    HttpResponse,
    status_code=st.sampled_from([200, 200, 200, 401, 404, 429, 455, 500, 502, 503]),
    headers=st.fixed_dictionaries(
        {}, optional={"retry-after": st.text(max_size=30), "content-type": st.text(max_size=20)}
    ),
    content=bodies,
    too_large=st.booleans(),
)
transport_errors = st.sampled_from(
    [httpx.ReadTimeout("t"), httpx.ConnectError("c"), httpx.RemoteProtocolError("r")]
)
replies = st.lists(answers | transport_errors, min_size=1, max_size=8)


def core() -> Core:
    return Core.configure(
        "secret-key",
        base_url="https://api.example.com",
        upload_base_url=None,
        timeout=C.DEFAULT_TIMEOUT,
        max_retries=2,
        poll=PollPolicy(),
        rate_limit=None,
        allow_insecure=False,
    )


OPERATIONS: dict[str, Callable[[Core], Flow[Any]]] = {
    "submit": lambda c: c.submit("a knight", "https://example.com/me.png", {}),
    "get_task": lambda c: c.get_task("t1"),
    "credits": lambda c: c.credits(),
    "wait": lambda c: c.wait("t1", timeout=600, poll=None, on_update=None),
}


def drive(operation: str, replies: list[Any]) -> None:
    """Run an operation's flow to its end, answering every request from `replies` in turn (the
    last one again and again), with time passing only when the flow sleeps."""
    clock = [0.0]
    simulated = core()
    simulated.clock = lambda: clock[0]
    flow = OPERATIONS[operation](simulated)
    reply: Any = None
    for step in range(2_000):
        try:
            effect = flow.send(reply)
        except StopIteration:
            return
        if isinstance(effect, Sleep):
            assert effect.seconds >= 0
            clock[0] += effect.seconds
            reply = None
        else:
            assert isinstance(effect, Send)
            reply = replies[min(step, len(replies) - 1)]
    raise AssertionError("the flow did not end within 2,000 steps")


@given(operation=st.sampled_from(sorted(OPERATIONS)), replies=replies)
def test_only_apikley_errors_escape_and_every_flow_ends(operation: str, replies: list[Any]) -> None:
    try:
        drive(operation, replies)
    except ApikleyError as error:
        assert "secret-key" not in str(error)
        assert isinstance(error.message, str)


@given(data=task_data)
def test_any_task_data_parses_to_a_task_or_an_apikley_error(data: dict[str, Any]) -> None:
    from ideogram_facade._wire import parse_task

    try:
        task = parse_task(data, "fallback")
    except ApikleyError:
        return
    assert isinstance(task, Task)
    assert all(isinstance(url, str) for url in task.image_urls)
