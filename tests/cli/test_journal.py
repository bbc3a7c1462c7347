"""The batch journal against hostile disks and careless hands, and the `tasks` and `resume`
commands; every run a subprocess against the loopback fake."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from ideogram_facade._journal import Journal
from ideogram_facade.cli._batchfile import read
from ideogram_facade.cli._journal import label
from ideogram_facade.testing import FakeApikley, Fault, TaskTiming
from tests.conftest import SECRETS

from .support import CLI, cli_env, run_cli, with_file_limit

URL = "https://example.com/portrait.png"
JOURNAL = "ideogram-character-journal.sqlite3"


@pytest.fixture
def slow_fake() -> Iterator[FakeApikley]:
    with FakeApikley(timing=TaskTiming(waiting=0.1, queuing=0.1, generating=3)) as fake:
        SECRETS.add(fake.api_key)
        yield fake


def write_lines(path: Path, count: int) -> Path:
    path.write_text(
        "".join(json.dumps({"prompt": f"shot {n}", "reference": URL}) + "\n" for n in range(count))
    )
    return path


def states(out: Path) -> list[str]:
    # Read-write, not mode=ro: a batch killed mid-commit leaves a hot rollback journal, which
    # only a connection that may write can roll back ("attempt to write a readonly database").
    with closing(sqlite3.connect(out / JOURNAL)) as db:
        return [row[0] for row in db.execute("SELECT state FROM tasks ORDER BY id")]


def test_a_full_disk_sends_nothing_it_cannot_journal_and_says_so(
    fake: FakeApikley, tmp_path: Path
) -> None:
    lines, out = tmp_path / "lines.jsonl", tmp_path / "out"
    write_lines(lines, 1)
    assert run_cli("batch", lines, "--out", out, env=cli_env(fake)).code == 0
    write_lines(lines, 3)
    full = run_cli("batch", lines, "--out", out, env=cli_env(fake), command=with_file_limit(100))
    assert full.code == 13, full.stderr
    assert "cannot write the journal" in full.stderr
    assert "internal error" not in full.stderr
    assert fake.creates_received == 1  # the two new lines were not sent, so not paid for
    again = run_cli("batch", lines, "--out", out, env=cli_env(fake))
    assert again.code == 0, again.stderr
    assert fake.creates_received == 3


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("truncated", "was emptied, truncated or deleted since"),  # its lock file knows it
        ("deleted", "was emptied, truncated or deleted since"),
        ("rows deleted", "holds images of 2 task(s) that its journal"),
    ],
)
def test_a_journal_that_forgot_paid_lines_is_refused_without_force(
    fake: FakeApikley, tmp_path: Path, damage: str, said: str
) -> None:
    lines, out = write_lines(tmp_path / "lines.jsonl", 2), tmp_path / "out"
    assert run_cli("batch", lines, "--out", out, env=cli_env(fake)).code == 0
    journal = out / JOURNAL
    if damage == "truncated":
        journal.write_bytes(b"")
    elif damage == "deleted":
        journal.unlink()
    else:
        with closing(sqlite3.connect(journal)) as db, db:
            db.execute("DELETE FROM tasks")
    refused = run_cli("batch", lines, "--out", out, env=cli_env(fake))
    assert refused.code == 13
    assert said in refused.stderr
    assert fake.creates_received == 2
    forced = run_cli("batch", lines, "--out", out, "--force", env=cli_env(fake))
    assert forced.code == 0, forced.stderr
    assert fake.creates_received == 4  # what --force says it does


def test_a_journal_emptied_before_its_tasks_were_collected_is_refused_without_force(
    fake: FakeApikley, tmp_path: Path
) -> None:
    # Three tasks accepted, none downloaded yet (the run gave up waiting): no image on disk
    # tells what the journal knew.
    lines, out = write_lines(tmp_path / "lines.jsonl", 3), tmp_path / "out"
    fake.script_next_task(timing=TaskTiming(generating=60), times=3)
    stopped = run_cli("batch", lines, "--out", out, "--timeout", "0.1", env=cli_env(fake))
    assert stopped.code == 11, stopped.stderr
    assert states(out) == ["submitted"] * 3
    (out / JOURNAL).write_bytes(b"")  # a sync tool, a careless `>`
    refused = run_cli("batch", lines, "--out", out, env=cli_env(fake))
    assert refused.code == 13
    assert "was emptied, truncated or deleted since" in refused.stderr
    assert "--force moves it aside" in refused.stderr
    assert fake.creates_received == 3  # nothing paid for twice


def line_journal(out: Path, lines: Path, *task_ids: str) -> None:
    """The journal a batch of `lines` leaves when its first lines' tasks were accepted, and the
    run stopped before they ended."""
    out.mkdir(exist_ok=True)
    journal = Journal.open(out / JOURNAL, meta={"source": lines.name})
    for line, task_id in zip(read(lines, {}), task_ids, strict=False):
        assert line.request is not None
        labelled = label(line.number, line.request.key())
        entry = journal.submitting("ideogram/character", {"prompt": "shot"}, labelled)
        journal.submitted(entry, task_id)
    journal.close()


def test_a_hand_edited_row_is_exit_13_naming_it(fake: FakeApikley, tmp_path: Path) -> None:
    lines, out = write_lines(tmp_path / "lines.jsonl", 1), tmp_path / "out"
    line_journal(out, lines, "task_made_earlier")
    with closing(sqlite3.connect(out / JOURNAL)) as db, db:
        db.execute("UPDATE tasks SET state = 'bogus'")
    commands: list[list[str | Path]] = [
        ["batch", lines, "--out", out],
        ["tasks", out / JOURNAL],
        ["resume", out / JOURNAL, "--out", out],
    ]
    for command in commands:
        refused = run_cli(*command, env=cli_env(fake))
        assert refused.code == 13, refused.stderr
        assert (
            f"row 1 (task task_made_earlier) of the journal {out / JOURNAL} is damaged: its "
            "state 'bogus'" in refused.stderr
        )
    assert fake.creates_received == 0


def test_a_task_the_service_does_not_find_stays_unfinished_until_it_is_too_old(
    fake: FakeApikley, tmp_path: Path
) -> None:
    # Made with another key, or the service lags: younger than 14 days it may still exist.
    lines, out = write_lines(tmp_path / "lines.jsonl", 2), tmp_path / "out"
    line_journal(out, lines, "task_made_elsewhere", "task_of_last_month")
    with closing(sqlite3.connect(out / JOURNAL)) as db, db:
        db.execute("UPDATE tasks SET created_at = ? WHERE id = 2", (time.time() - 15 * 86_400,))
    again = run_cli("batch", lines, "--out", out, env=cli_env(fake))
    assert again.code == 11, again.stderr
    assert "recordInfo is null" in again.stderr
    assert states(out) == ["submitted", "expired"]  # the next run looks for the first again
    assert fake.polls("task_of_last_month") == 0
    assert fake.creates_received == 0


def test_resume_in_the_sandbox_never_touches_a_journal_of_real_tasks(
    fake: FakeApikley, tmp_path: Path
) -> None:
    journal, out = tmp_path / "tasks.sqlite3", tmp_path / "out"
    with fake.client(journal=journal) as client:
        task_id = client.submit("a pilot", URL)
    sandboxed = run_cli("resume", journal, "--out", out, "--sandbox", env=cli_env(fake))
    assert sandboxed.code == 13, sandboxed.stderr
    assert "holds tasks of the Apikley service" in sandboxed.stderr
    assert "Run the command without --sandbox" in sandboxed.stderr
    with closing(sqlite3.connect(f"file:{journal}?mode=ro", uri=True)) as db:
        assert db.execute("SELECT state, task_id FROM tasks").fetchall() == [("submitted", task_id)]
    resumed = run_cli("resume", journal, "--out", out, env=cli_env(fake))
    assert resumed.code == 0, resumed.stderr
    assert (out / f"{task_id}_1.png").is_file()


def test_a_file_that_is_not_a_journal_is_refused_then_moved_aside_with_force(
    fake: FakeApikley, tmp_path: Path
) -> None:
    lines, out = write_lines(tmp_path / "lines.jsonl", 1), tmp_path / "out"
    out.mkdir()
    (out / JOURNAL).write_bytes(b"not a database, but someone's file" * 50)
    refused = run_cli("batch", lines, "--out", out, env=cli_env(fake))
    assert refused.code == 13
    assert "--force moves it aside" in refused.stderr
    assert fake.creates_received == 0
    assert run_cli("batch", lines, "--out", out, "--force", env=cli_env(fake)).code == 0
    (aside,) = out.glob(f"{JOURNAL}.broken-*")
    assert aside.read_bytes().startswith(b"not a database")


@pytest.mark.slow
def test_a_second_batch_on_the_same_folder_is_told_another_is_running(
    slow_fake: FakeApikley, tmp_path: Path
) -> None:
    lines, out = write_lines(tmp_path / "lines.jsonl", 2), tmp_path / "out"
    env = cli_env(slow_fake)
    with subprocess.Popen(
        [*CLI, "batch", str(lines), "--out", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as first:
        try:
            deadline = time.monotonic() + 20
            while slow_fake.creates_accepted < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            second = run_cli("batch", lines, "--out", out, env=env)
            assert second.code == 13
            assert "another process is using the journal" in second.stderr
        finally:
            first.wait(30)
    assert first.returncode == 0
    assert slow_fake.creates_received == 2


def test_a_json_5xx_refusal_is_sent_again_on_the_next_run(
    fake: FakeApikley, tmp_path: Path
) -> None:
    lines, out = write_lines(tmp_path / "lines.jsonl", 1), tmp_path / "out"
    fake.inject("createTask", Fault.body_code(500, "internal error"))
    first = run_cli("batch", lines, "--out", out, env=cli_env(fake))
    assert first.code == 11
    assert states(out) == ["rejected"]
    again = run_cli("batch", lines, "--out", out, env=cli_env(fake))
    assert again.code == 0, again.stderr
    assert states(out) == ["succeeded"]


@pytest.mark.parametrize("storage", ["path", "sqlite", "postgresql"])
def test_tasks_and_resume_finish_what_a_stopped_command_left(
    fake: FakeApikley, tmp_path: Path, storage: str, request: pytest.FixtureRequest
) -> None:
    journal: str | Path = tmp_path / "tasks.sqlite3"
    if storage == "sqlite":
        journal = f"sqlite://{journal}"
    elif storage == "postgresql":
        journal = request.getfixturevalue("postgres_url")
    submitted = run_cli("submit", "a pilot", "--reference", URL, "--journal", journal,
                        env=cli_env(fake))  # fmt: skip
    task_id = submitted.stdout.strip()
    listed = run_cli("tasks", journal, "--json", env=cli_env(fake))
    assert listed.code == 0
    assert [(t["task_id"], t["state"]) for t in json.loads(listed.stdout)["tasks"]] == [
        (task_id, "submitted")
    ]
    resumed = run_cli("resume", journal, "--out", tmp_path / "out", env=cli_env(fake))
    assert resumed.code == 0, resumed.stderr
    assert f"{task_id}  success" in resumed.stdout
    assert (tmp_path / "out" / f"{task_id}_1.png").is_file()
    assert run_cli("tasks", journal, env=cli_env(fake)).stdout == ""
    everything = run_cli("tasks", journal, "--all", "--json", env=cli_env(fake))
    assert json.loads(everything.stdout)["tasks"][0]["state"] == "succeeded"
    assert fake.creates_received == 1


def test_a_batch_journal_is_a_journal_tasks_can_read(fake: FakeApikley, tmp_path: Path) -> None:
    lines, out = write_lines(tmp_path / "lines.jsonl", 2), tmp_path / "out"
    assert run_cli("batch", lines, "--out", out, env=cli_env(fake)).code == 0
    listed = run_cli("tasks", out / JOURNAL, "--all", "--json", env=cli_env(fake))
    assert [t["state"] for t in json.loads(listed.stdout)["tasks"]] == ["succeeded"] * 2
