"""Task lifecycle on a manual clock, scripting, introspection, secrecy of the key, ways to run."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from ideogram_facade._transport import tls_context
from ideogram_facade.testing import FakeApikley, Fault, ManualClock, TaskTiming
from ideogram_facade.testing.__main__ import main as serve_main

ROOT = Path(__file__).resolve().parents[2]
BODY = {
    "model": "ideogram/character",
    "input": {"prompt": "a pilot", "reference_image_urls": ["https://e.com/a.png"]},
}


def client_for(fake: FakeApikley, key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key or fake.api_key}"}
    return httpx.Client(
        base_url=fake.base_url, headers=headers, trust_env=False, verify=tls_context()
    )


def create(client: httpx.Client) -> str:
    task_id: str = client.post("/api/v1/jobs/createTask", json=BODY).json()["data"]["taskId"]
    return task_id


def record(client: httpx.Client, task_id: str) -> dict[str, Any]:
    answer = client.get("/api/v1/jobs/recordInfo", params={"taskId": task_id})
    data: dict[str, Any] = answer.json()["data"]
    return data


def test_states_follow_the_manual_clock() -> None:
    clock = ManualClock(500.0)
    with FakeApikley(clock=clock, timing=TaskTiming(2, 3, 5)) as fake, client_for(fake) as client:
        task_id = create(client)
        seen = []
        for step in (0, 1.999, 0.001, 2.999, 0.001, 4.999, 0.001, 100):
            clock.advance(step)
            data = record(client, task_id)
            seen.append((data["state"], data["updateTime"] - data["createTime"]))
        assert seen == [
            ("waiting", 0),
            ("waiting", 0),
            ("queuing", 2000),
            ("queuing", 2000),
            ("generating", 5000),
            ("generating", 5000),
            ("success", 10000),
            ("success", 10000),
        ]
        assert data["completeTime"] - data["createTime"] == 10000
        assert data["costTime"] == 5000
        assert fake.tasks[task_id].state == "success"


def test_instant_timing_is_done_at_the_first_poll() -> None:
    with FakeApikley(timing=TaskTiming.instant()) as fake, client_for(fake) as client:
        assert record(client, create(client))["state"] == "success"


def test_scripted_tasks_take_their_timing_and_failure_in_order() -> None:
    clock = ManualClock()
    with FakeApikley(clock=clock, timing=TaskTiming.instant()) as fake, client_for(fake) as client:
        fake.script_next_task(timing=TaskTiming(0, 0, 10), times=2)
        fake.script_next_task(fail=("505", "feature disabled"))
        slow_a, slow_b, failing, normal = (create(client) for _ in range(4))
        states = [record(client, task)["state"] for task in (slow_a, slow_b, failing, normal)]
        assert states == ["generating", "generating", "fail", "success"]
        assert record(client, failing)["failCode"] == "505"
        assert fake.tasks[slow_a].timing == TaskTiming(0, 0, 10)
        assert fake.tasks[failing].fail == ("505", "feature disabled")


def test_counters_and_request_records() -> None:
    with FakeApikley(timing=TaskTiming.instant()) as fake, client_for(fake) as client:
        fake.inject("createTask", Fault.http_status(429))
        client.post("/api/v1/jobs/createTask", json=BODY)
        task_id = create(client)
        for _ in range(3):
            record(client, task_id)
        httpx.get(fake.base_url + "/api/v1/chat/credit", trust_env=False, verify=tls_context())
        assert (fake.creates_received, fake.creates_accepted) == (2, 1)
        assert fake.polls(task_id) == 3
        assert fake.polls("task_other") == 0
        rows = [
            (r.method, r.endpoint, r.status, r.code, r.authorization_present) for r in fake.requests
        ]
        assert rows == [
            ("POST", "createTask", 429, 429, True),
            ("POST", "createTask", 200, 200, True),
            ("GET", "recordInfo", 200, 200, True),
            ("GET", "recordInfo", 200, 200, True),
            ("GET", "recordInfo", 200, 200, True),
            ("GET", "credit", 200, 401, False),
        ]
        assert fake.requests[2].query == f"taskId={task_id}"
        assert list(fake.tasks) == [task_id]
        with pytest.raises(TypeError):
            fake.tasks[task_id] = fake.tasks[task_id]  # type: ignore[index]


def test_the_key_never_appears_in_records_or_repr() -> None:
    key = "sk-very-secret-0123456789"
    with FakeApikley(api_key=key, timing=TaskTiming.instant()) as fake:
        with client_for(fake) as client:
            create(client)
            client.get("/api/v1/chat/credit", params={"echo": key}, headers={"X-Debug": key})
        with client_for(fake, key="sk-wrong") as wrong:
            wrong.get("/api/v1/chat/credit")
        assert fake.api_key == key
        dumped = repr(fake) + repr(fake.requests) + repr(dict(fake.tasks))
        assert key not in dumped
        assert "sk-wrong" not in dumped
        assert fake.requests[0].headers["authorization"] == "Bearer [REDACTED]"
        assert fake.requests[1].headers["x-debug"] == "[REDACTED]"
        assert "[REDACTED]" in fake.requests[1].query


def test_default_key_is_random_and_marked_fake() -> None:
    first, second = FakeApikley(), FakeApikley()
    assert first.api_key.startswith("fake-")
    assert first.api_key != second.api_key
    assert first.api_key not in repr(first)


def test_peak_rate_counts_the_busiest_window() -> None:
    clock = ManualClock()
    with FakeApikley(clock=clock, timing=TaskTiming.instant()) as fake, client_for(fake) as client:
        for burst, pause in ((5, 0.5), (3, 1.0), (2, 0.0)):
            for _ in range(burst):
                client.get("/api/v1/jobs/recordInfo", params={"taskId": "t"})
            clock.advance(pause)
        assert fake.peak_rate("recordInfo", 0.1) == 5
        assert fake.peak_rate("recordInfo", 1.0) == 8
        assert fake.peak_rate("recordInfo", 2.0) == 10
        assert fake.peak_rate("createTask", 1.0) == 0


def test_credits_can_be_read_and_set() -> None:
    with FakeApikley(credits=10) as fake, client_for(fake) as client:
        fake.credits = 0
        assert client.post("/api/v1/jobs/createTask", json=BODY).json()["code"] == 402
        assert fake.credits == 0


def test_start_stop_and_restart_errors() -> None:
    fake = FakeApikley().start()
    url = fake.base_url
    assert url.startswith("http://127.0.0.1:")
    assert fake.upload_base_url == url + "/file-upload"
    with pytest.raises(RuntimeError):
        fake.start()
    fake.stop()
    fake.stop()
    assert "stopped" in repr(fake)
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/api/v1/chat/credit", trust_env=False, verify=tls_context())


def test_async_context_manager() -> None:
    async def scenario() -> int:
        async with FakeApikley(timing=TaskTiming.instant()) as fake:
            headers = {"Authorization": f"Bearer {fake.api_key}"}
            async with httpx.AsyncClient(
                base_url=fake.base_url, headers=headers, verify=tls_context()
            ) as client:
                answers = await asyncio.gather(
                    *(client.post("/api/v1/jobs/createTask", json=BODY) for _ in range(20))
                )
            assert {answer.json()["code"] for answer in answers} == {200}
            return fake.creates_accepted

    assert asyncio.run(scenario()) == 20


def test_pytest_fixture_yields_a_running_fast_fake(fake_apikley: FakeApikley) -> None:
    with client_for(fake_apikley) as client:
        task_id = create(client)
        assert record(client, task_id)["taskId"] == task_id
    assert fake_apikley.tasks[task_id].timing == TaskTiming.fast()


def test_serve_command_prints_url_and_key_as_json() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "generated")])}
    command = [sys.executable, "-m", "ideogram_facade.testing", "serve", "--api-key", "k-1"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            line = json.loads(process.stdout.readline())
            assert line["api_key"] == "k-1"
            assert line["upload_base_url"] == line["base_url"] + "/file-upload"
            answer = httpx.get(
                line["base_url"] + "/api/v1/chat/credit",
                headers={"Authorization": "Bearer k-1"},
                trust_env=False,
                verify=tls_context(),
            )
            assert answer.json()["code"] == 200
        finally:
            process.terminate()
            assert process.wait(10) == 0


def test_serve_prints_the_exports_that_point_the_cli_at_it() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "generated")])}
    command = [sys.executable, "-m", "ideogram_facade.testing", "serve", "--api-key", "k 1"]
    command += ["--credits", "1234"]
    pipe = subprocess.PIPE
    with subprocess.Popen(command, stdout=pipe, stderr=pipe, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            assert process.stderr is not None
            line = json.loads(process.stdout.readline())  # still the first line of stdout
            exports = process.stderr.readline()
            while not exports.startswith("export "):
                assert exports, "no export line on stderr"
                exports = process.stderr.readline()
            settings = dict(word.split("=", 1) for word in shlex.split(exports)[1:])
            assert settings == {
                "APIKLEY_API_KEY": "k 1",
                "APIKLEY_BASE_URL": line["base_url"],
                "APIKLEY_UPLOAD_BASE_URL": line["upload_base_url"],
            }
            cli = subprocess.run(
                [sys.executable, "-m", "ideogram_facade.cli", "credits", "--json"],
                env={**env, **settings},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert cli.returncode == 0, cli.stderr
            assert json.loads(cli.stdout) == {"credits": 1234}
        finally:
            process.terminate()
            assert process.wait(10) == 0


def test_serve_help_documents_timing_and_credits(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_status:
        serve_main(["serve", "--help"])
    assert exit_status.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for name in ("instant", "fast", "realistic"):
        assert f"{name} {getattr(TaskTiming, name)().total:g} s" in text
    assert "default: fast" in text
    assert "--credits CREDITS the account's starting credit balance" in text
    assert "(default: 1000000)" in text


def test_a_fake_that_cannot_listen_says_why_instead_of_hanging() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        fake = FakeApikley(port=port)
        with pytest.raises(RuntimeError, match=f"cannot listen on 127.0.0.1:{port}: Address"):
            fake.start()
    with FakeApikley(port=port) as fake:  # the port is free again: no socket was leaked
        assert fake.port == port
