"""Every fault the fake can inject, against every operation, for both clients.

Each cell is what the operation must end in when the next request to its endpoint meets the
fault once (the client's default max_retries=2). Whatever the outcome, a task id the service
handed out is never lost, and one call never gets two creates accepted. README.md prints this
table; a test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ideogram_facade import (
    ApikleyError,
    AuthenticationError,
    FeatureDisabledError,
    InsufficientCreditsError,
    ServerError,
    SubmissionUncertainError,
    UnexpectedResponseError,
)
from ideogram_facade.testing import FakeApikley, Fault
from tests.conftest import Guarded

URL = "https://example.com/me.png"
TIMEOUT = 0.5  # the clients' timeout for the faults that are about timeouts
# For the others, a timeout no busy machine reaches: their outcome must not depend on speed.
GENEROUS = 30.0
# The timeout each timing fault meets. A delay meets a short read and a generous connect (a
# connection slow to be made would be "not sent", and retried); a drip, whose every piece
# comes within the read timeout, meets the request's deadline, the largest of the timeouts.
TIMED = {
    "delay > timeout": httpx.Timeout(TIMEOUT, connect=GENEROUS),
    "answer dripped": httpx.Timeout(TIMEOUT),
}

FAULTS: dict[str, Fault] = {
    "429 + Retry-After": Fault.http_status(429, retry_after=0.05),
    "HTTP 455": Fault.http_status(455),
    "HTTP 500": Fault.http_status(500),
    "200 + code 401": Fault.body_code(401),
    "200 + code 402": Fault.body_code(402),
    "200 + code 433": Fault.body_code(433),
    "200 + code 505": Fault.body_code(505),
    "malformed JSON": Fault.malformed_json(),
    "HTML error page": Fault.html_page(502),
    "delay > timeout": Fault.delay(TIMEOUT * 3),
    "closed before body": Fault.close_before_body(),
    "closed after body": Fault.close_after_body(),
    "answer dripped": Fault.drip(TIMEOUT / 4),
    "8 MB answer": Fault.raw(b'{"code": 200, "msg": "' + b"x" * 8 * 1024 * 1024 + b'"}'),
    "JSON 100,000 deep": Fault.raw(b"[" * 100_000 + b"]" * 100_000),
}

OK = None  # the operation succeeds
Outcome = type[ApikleyError] | None
REFUSALS: dict[str, Outcome] = {
    "200 + code 401": AuthenticationError,
    "200 + code 402": InsufficientCreditsError,
    "200 + code 433": InsufficientCreditsError,
    "200 + code 505": FeatureDisabledError,
}
UNCERTAIN: dict[str, Outcome] = dict.fromkeys(
    [
        "malformed JSON",
        "HTML error page",
        "delay > timeout",
        "closed before body",
        "closed after body",
        "answer dripped",
        "8 MB answer",
        "JSON 100,000 deep",
    ],
    SubmissionUncertainError,
)
# What the image host sends instead of an image is refused (and not retried: it would be the
# same again), not saved.
NOT_AN_IMAGE = {"malformed JSON", "8 MB answer", "JSON 100,000 deep"}

EXPECTED: dict[str, dict[str, Outcome]] = {
    "submit": {
        "429 + Retry-After": OK,
        "HTTP 455": OK,
        "HTTP 500": ServerError,
        **REFUSALS,
        **UNCERTAIN,
    },
    "get_task": {name: REFUSALS.get(name, OK) for name in FAULTS},
    "wait": {name: REFUSALS.get(name, OK) for name in FAULTS},
    # The image host answers JSON instead of an image: discarded, not saved.
    "download": {
        name: UnexpectedResponseError if name in REFUSALS or name in NOT_AN_IMAGE else OK
        for name in FAULTS
    },
}
ENDPOINT = {"submit": "createTask", "get_task": "recordInfo", "wait": "recordInfo"}


def run(operation: str, client: Guarded, fake: FakeApikley, fault: Fault, tmp: Path) -> str:
    """Inject `fault` where `operation` will meet it, run it; the id of the task involved."""
    if operation == "submit":
        fake.inject("createTask", fault)
        client.submit("a knight", URL)
        (task_id,) = fake.tasks
        return task_id
    task = client.generate("a knight", URL)
    fake.inject(ENDPOINT.get(operation, "files"), fault)
    if operation == "get_task":
        client.get_task(task.task_id)
    elif operation == "wait":
        client.wait(task.task_id, timeout=10)
    else:
        assert client.download(task, tmp)
    return str(task.task_id)


@pytest.mark.parametrize("fault_name", FAULTS)
@pytest.mark.parametrize("operation", EXPECTED)
def test_fault_matrix(
    make_client: Callable[..., Guarded],
    fake: FakeApikley,
    tmp_path: Path,
    operation: str,
    fault_name: str,
) -> None:
    client = make_client(timeout=TIMED.get(fault_name, GENEROUS))
    expected = EXPECTED[operation][fault_name]
    if expected is None:
        run(operation, client, fake, FAULTS[fault_name], tmp_path)
    else:
        with pytest.raises(expected) as info:
            run(operation, client, fake, FAULTS[fault_name], tmp_path)
        assert type(info.value) is expected
        if operation != "submit":
            (task_id,) = fake.tasks
            assert info.value.task_id == task_id, "the task id was lost"
    assert fake.creates_accepted <= 1, "one call, two paid creates"
    if operation == "download" and expected is not None:
        assert not any(p.suffix == ".png" for p in tmp_path.iterdir())


def render() -> str:
    names = list(EXPECTED)
    lines = ["| fault | " + " | ".join(f"`{n}`" for n in names) + " |"]
    lines.append("|---" * (len(names) + 1) + "|")
    for fault_name in FAULTS:
        outcomes = [EXPECTED[name][fault_name] for name in names]
        cells = ["ok" if o is None else f"`{o.__name__}`" for o in outcomes]
        lines.append(f"| {fault_name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def test_the_readme_prints_this_matrix() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert render() in readme, "README's fault matrix is stale; paste:\n" + render()
