"""`ideogram-character batch`: the journal, resuming, and stopping mid-run without paying twice."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from ideogram_facade.testing import FakeApikley, Fault, TaskTiming
from tests.conftest import SECRETS

from .support import CLI, CLI_WITHOUT_RICH, check_output, cli_env, is_png, run_cli

URL = "https://example.com/portrait.png"
JOURNAL = "ideogram-character-journal.sqlite3"


@pytest.fixture
def slow_fake() -> Iterator[FakeApikley]:
    """Tasks take half a second: long enough to stop a batch while some are running."""
    with FakeApikley(timing=TaskTiming(waiting=0.05, queuing=0.05, generating=0.4)) as fake:
        SECRETS.add(fake.api_key)
        yield fake


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def journal_rows(out: Path) -> list[tuple[int, str, str | None]]:
    """(line, state, task_id) of every journal row; [] while the journal does not exist yet."""
    try:
        db = sqlite3.connect(f"file:{out / JOURNAL}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return []
    with closing(db):
        try:
            return db.execute(
                "SELECT CAST(substr(label, 1, instr(label, ':') - 1) AS INTEGER) AS line, state, "
                "task_id FROM tasks WHERE label IS NOT NULL ORDER BY line"
            ).fetchall()
        except sqlite3.OperationalError:  # created, schema not written yet
            return []


def summary(stdout: str) -> dict[int, dict[str, Any]]:
    return {line["line"]: line for line in json.loads(stdout)["lines"]}


@pytest.mark.slow
def test_a_batch_stopped_mid_run_resumes_without_submitting_any_line_twice(
    slow_fake: FakeApikley, tmp_path: Path
) -> None:
    lines = write_jsonl(
        tmp_path / "lines.jsonl",
        [{"prompt": f"scene {n}", "reference": URL, "n": 1 + n % 2} for n in range(8)],
    )
    out = tmp_path / "out"
    args = ["batch", str(lines), "--out", str(out), "--concurrency", "4", "--json"]
    env = cli_env(slow_fake)
    with subprocess.Popen(
        [*CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as first:
        deadline = time.monotonic() + 15
        while not any(task_id for _, _, task_id in journal_rows(out)):
            assert first.poll() is None, "the batch ended before it could be stopped"
            assert time.monotonic() < deadline, "no task id reached the journal"
            time.sleep(0.02)
        first.send_signal(signal.SIGINT)
        stdout, stderr = first.communicate(timeout=20)
    check_output(stdout, stderr)
    assert first.returncode == 130, stderr
    assert "run the same command again" in stderr

    rows = journal_rows(out)
    # Consistent: every createTask that was sent has its answer journaled, none is in doubt.
    assert all(state != "submitting" for _, state, _ in rows), rows
    submitted = {task_id for _, _, task_id in rows if task_id}
    assert len(submitted) == slow_fake.creates_accepted
    assert 0 < slow_fake.creates_accepted < 8, "the batch was not stopped mid-run"

    second = run_cli(*args, env=env)
    assert second.code == 0, second.stderr
    assert slow_fake.creates_accepted == 8
    assert slow_fake.creates_received == 8  # no line was sent twice, not even refused
    done = summary(second.stdout)
    assert sorted(done) == list(range(1, 9))
    task_ids = {line["task_id"] for line in done.values()}
    assert len(task_ids) == 8
    assert submitted <= task_ids  # the first run's tasks were waited for, not replaced
    for number, line in done.items():
        assert line["state"] == "done"
        files = [Path(name) for name in line["files"]]
        assert len(files) == 1 + (number - 1) % 2
        assert all(is_png(path) for path in files)
    assert {state for _, state, _ in journal_rows(out)} == {"succeeded"}


def test_a_lost_create_answer_is_reported_and_never_resent(
    fake: FakeApikley, tmp_path: Path
) -> None:
    lines = write_jsonl(
        tmp_path / "b.jsonl", [{"prompt": f"p{n}", "reference": URL} for n in range(3)]
    )
    out = tmp_path / "out"
    fake.inject("createTask", Fault.close_after_body())  # accepted, then the answer is lost
    args: list[str | Path] = ["batch", lines, "--out", out, "--concurrency", "1", "--json"]
    first = run_cli(*args, env=cli_env(fake))
    assert first.code == 9
    assert "dashboard" in first.stderr
    assert summary(first.stdout)[1]["state"] == "uncertain"
    assert [summary(first.stdout)[n]["state"] for n in (2, 3)] == ["done", "done"]
    assert fake.creates_received == 3

    again = run_cli(*args, env=cli_env(fake))
    assert again.code == 9
    assert summary(again.stdout)[1]["state"] == "uncertain"
    assert fake.creates_received == 3


def test_a_line_left_submitting_by_a_dead_process_is_reported_not_resent(
    fake: FakeApikley, tmp_path: Path
) -> None:
    lines = write_jsonl(tmp_path / "b.jsonl", [{"prompt": "a", "reference": URL}, {"prompt": "b"}])
    out = tmp_path / "out"
    args: list[str | Path] = ["batch", lines, "--out", out, "--reference", URL, "--json"]
    assert run_cli(*args, env=cli_env(fake)).code == 0
    # What a kill -9 between "submitting" and createTask's answer leaves behind: no task id,
    # and so no images.
    with closing(sqlite3.connect(out / JOURNAL)) as db, db:
        (task_id,) = db.execute("SELECT task_id FROM tasks WHERE label LIKE '1:%'").fetchone()
        db.execute("UPDATE tasks SET state = 'submitting', task_id = NULL WHERE label LIKE '1:%'")
    for image in out.glob(f"{task_id}_*"):
        image.unlink()

    again = run_cli(*args, env=cli_env(fake))
    assert again.code == 9
    assert "dashboard" in again.stderr
    lines_after = summary(again.stdout)
    assert lines_after[1]["state"] == "uncertain"
    assert lines_after[2]["state"] == "done"
    assert fake.creates_received == 2
    assert dict((line, state) for line, state, _ in journal_rows(out))[1] == "uncertain"


def test_csv_with_api_names_defaults_and_bad_lines(fake: FakeApikley, tmp_path: Path) -> None:
    table = tmp_path / "b.csv"
    table.write_text(
        "prompt,num_images,rendering_speed\nfirst,2,TURBO\nsecond,,\nthird,1,FAST\n",
        encoding="utf-8",
    )
    fake.script_next_task(fail=("500", "content policy"))  # the first line submitted
    args: list[str | Path] = [
        "batch",
        table,
        "--out",
        tmp_path / "out",
        "--reference",
        URL,
        "--concurrency",
        "1",
    ]
    first = run_cli(*args, "--json", env=cli_env(fake))
    assert first.code == 11
    lines = summary(first.stdout)
    assert lines[2]["state"] == "failed"
    assert "content policy" in lines[2]["error"]
    assert lines[3]["state"] == "done"
    assert lines[4]["state"] == "failed"
    assert "--speed must be one of" in lines[4]["error"]  # in the CLI's words
    assert fake.creates_accepted == 2
    bodies = [task.body["input"] for task in fake.tasks.values()]
    assert {"TURBO", "BALANCED"} == {body["rendering_speed"] for body in bodies}

    # A task that failed is final: re-running reports it and sends nothing again.
    again = run_cli(*args, env=cli_env(fake))
    assert again.code == 11
    assert fake.creates_received == 2
    assert "batch summary" in again.stdout


def test_lines_inserted_above_do_not_resend_the_lines_below(
    fake: FakeApikley, tmp_path: Path
) -> None:
    records = [{"prompt": "a", "reference": URL}, {"prompt": "b", "reference": URL}]
    lines = write_jsonl(tmp_path / "b.jsonl", records)
    args: list[str | Path] = ["batch", lines, "--out", tmp_path / "out"]
    assert run_cli(*args, env=cli_env(fake)).code == 0
    write_jsonl(lines, [{"prompt": "new", "reference": URL}, *records])
    assert run_cli(*args, env=cli_env(fake)).code == 0
    assert fake.creates_received == 3


def test_a_local_reference_is_uploaded_once_and_found_from_any_folder(
    fake: FakeApikley, tmp_path: Path
) -> None:
    from ideogram_facade.testing._png import render_png

    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "me.png").write_bytes(render_png("me", 1, 0, (32, 32)))
    lines = write_jsonl(
        folder / "b.jsonl", [{"prompt": f"p{n}", "reference": "me.png"} for n in range(3)]
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli("batch", lines, "--out", tmp_path / "out", env=cli_env(fake), cwd=elsewhere)
    assert result.code == 0, result.stderr
    assert len(fake.uploads) == 1
    assert fake.creates_accepted == 3
    assert "done 3, failed 0" in result.stderr  # plain progress lines: not a terminal
    assert "ETA" in result.stderr
    assert "┏" not in result.stdout  # not a terminal: a plain table for the next program


def test_batch_without_rich_prints_a_plain_summary(fake: FakeApikley, tmp_path: Path) -> None:
    lines = write_jsonl(tmp_path / "b.jsonl", [{"prompt": "a", "reference": URL}])
    result = run_cli(
        "batch", lines, "--out", tmp_path / "out", env=cli_env(fake), command=CLI_WITHOUT_RICH
    )
    assert result.code == 0, result.stderr
    assert "batch summary" in result.stdout
    assert "┏" not in result.stdout
    assert "done 1, failed 0" in result.stderr


def test_a_journal_belongs_to_one_batch_file(fake: FakeApikley, tmp_path: Path) -> None:
    out = tmp_path / "out"
    one = write_jsonl(tmp_path / "one.jsonl", [{"prompt": "a", "reference": URL}])
    two = write_jsonl(tmp_path / "two.jsonl", [{"prompt": "b", "reference": URL}])
    assert run_cli("batch", one, "--out", out, env=cli_env(fake)).code == 0
    refused = run_cli("batch", two, "--out", out, env=cli_env(fake))
    assert refused.code == 13
    assert "one.jsonl" in refused.stderr
    assert "a separate --out for each batch file" in refused.stderr
    assert fake.creates_received == 1


def start_batch(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_state(out: Path, state: str, process: subprocess.Popen[str]) -> None:
    """Until a line of the journal is in `state`; the batch must still be running by then."""
    while not any(row[1] == state for row in journal_rows(out)):
        assert process.poll() is None, f"the batch ended before any line was {state!r}"
        time.sleep(0.02)


def test_a_stop_during_create_waits_for_its_answer_and_journals_it(
    fake: FakeApikley, tmp_path: Path
) -> None:
    lines = write_jsonl(
        tmp_path / "b.jsonl", [{"prompt": f"p{n}", "reference": URL} for n in range(3)]
    )
    out = tmp_path / "out"
    args = ["batch", str(lines), "--out", str(out), "--concurrency", "1"]
    fake.inject("createTask", Fault.delay(0.5))  # processed at once, answered later
    with start_batch(args, cli_env(fake)) as batch:
        wait_for_state(out, "submitting", batch)
        batch.send_signal(signal.SIGTERM)
        stdout, stderr = batch.communicate(timeout=20)
    check_output(stdout, stderr)
    assert batch.returncode == 143
    assert "SIGTERM: stopping; waiting for 1 createTask answer" in stderr
    ((line, state, task_id),) = journal_rows(out)
    assert (line, state) == (1, "submitted")
    assert task_id in fake.tasks
    assert fake.creates_accepted == 1

    assert run_cli(*args, env=cli_env(fake)).code == 0
    assert fake.creates_received == 3


def test_a_second_signal_quits_at_once_and_the_next_run_reports_the_line(
    fake: FakeApikley, tmp_path: Path
) -> None:
    lines = write_jsonl(
        tmp_path / "b.jsonl", [{"prompt": f"p{n}", "reference": URL} for n in range(2)]
    )
    out = tmp_path / "out"
    args = ["batch", str(lines), "--out", str(out), "--concurrency", "1", "--json"]
    # Created at once, answered only after the test is over: a batch that waited for the
    # answer would never end, and its line would be journaled as submitted, not submitting.
    fake.inject("createTask", Fault.delay(600.0))
    with start_batch(args, cli_env(fake)) as batch:
        wait_for_state(out, "submitting", batch)
        while fake.creates_received == 0:  # the request has arrived: its answer is all it waits for
            assert batch.poll() is None, "the batch ended before its create arrived"
            time.sleep(0.02)
        batch.send_signal(signal.SIGINT)
        # The second signal only once the first was handled: two signals sent closer together
        # than the process runs (on a busy machine) would be taken for one.
        assert batch.stderr is not None
        said: list[str] = []
        while not said or "stopping" not in said[-1]:
            said.append(batch.stderr.readline())
            assert said[-1], f"the batch ended without saying it stops: {said}"
        batch.send_signal(signal.SIGINT)
        stdout, rest = batch.communicate(timeout=120)
    check_output(stdout, "".join(said) + rest)
    assert batch.returncode == 130
    assert [row[:2] for row in journal_rows(out)] == [(1, "submitting")]

    fake.clear_faults()
    again = run_cli(*args, env=cli_env(fake))
    assert again.code == 9
    assert summary(again.stdout)[1]["state"] == "uncertain"
    assert summary(again.stdout)[2]["state"] == "done"
    # Line 1 was not sent again: one create for each line.
    assert fake.creates_received == 2
    assert sorted(task.body["input"]["prompt"] for task in fake.tasks.values()) == ["p0", "p1"]


def test_no_credits_stops_new_submits_and_the_refused_line_is_sent_again_later(
    fake: FakeApikley, tmp_path: Path
) -> None:
    lines = write_jsonl(
        tmp_path / "b.jsonl", [{"prompt": f"p{n}", "reference": URL} for n in range(3)]
    )
    args: list[str | Path] = ["batch", lines, "--out", tmp_path / "out", "--concurrency", "1"]
    fake.inject("createTask", Fault.body_code(402))  # refused: nothing created
    first = run_cli(*args, "--json", env=cli_env(fake))
    assert first.code == 4
    assert [line["state"] for line in summary(first.stdout).values()] == [
        "failed",
        "pending",
        "pending",
    ]
    assert fake.creates_received == 1
    assert fake.creates_accepted == 0

    again = run_cli(*args, env=cli_env(fake))
    assert again.code == 0, again.stderr
    assert fake.creates_accepted == 3
