"""The task journal (`journal=`): every paid task on disk before `submit()` returns, and
`resume()` finishing them in another process. Both clients, real SQLite, real processes."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from ideogram_facade import JournalError, ServerError, TaskState
from ideogram_facade._journal import Journal, State
from ideogram_facade.testing import FakeApikley, Fault, TaskTiming
from tests.conftest import FAST_TIMING, SECRETS, Guarded

URL = "https://example.com/portrait.png"

# Submits one task with a journal, prints its id, then waits to be killed.
CHILD = """
import sys, time
from ideogram_facade import CharacterClient
base_url, key, journal = sys.argv[1:]
client = CharacterClient(api_key=key, base_url=base_url, upload_base_url=base_url,
                         rate_limit=None, journal=journal)
print(client.submit("a knight", "https://example.com/portrait.png"), flush=True)
time.sleep(60)
"""


def rows(path: Path) -> list[tuple[str, str | None]]:
    """(state, task_id) of each entry, read as another program would."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute("SELECT state, task_id FROM tasks ORDER BY id").fetchall()


def test_the_task_id_is_on_disk_before_submit_returns(
    make_client: Callable[..., Guarded], fake: FakeApikley, tmp_path: Path
) -> None:
    path = tmp_path / "journal.sqlite3"
    client = make_client(journal=path)
    task_id = client.submit("a knight", URL)
    assert rows(path) == [("submitted", task_id)]
    (entry,) = client.unfinished()
    assert entry.task_id == task_id
    assert entry.model == "ideogram/character"
    assert entry.request["prompt"] == "a knight"


def test_a_label_given_to_submit_and_generate_is_the_entry_s(
    make_client: Callable[..., Guarded], fake: FakeApikley, tmp_path: Path
) -> None:
    client = make_client(journal=tmp_path / "journal.sqlite3")
    submitted = client.submit("a knight", URL, label="shots.csv:7")
    generated = client.generate("a knight", URL, label="hero")
    client.submit("a knight", URL)
    labels = {entry.task_id: entry.label for entry in client.unfinished()}
    assert labels[submitted] == "shots.csv:7"
    assert labels[generated.task_id] == "hero"
    assert sorted(labels.values(), key=str) == [None, "hero", "shots.csv:7"]


def test_a_saved_task_is_finished_and_its_files_are_recorded(
    make_client: Callable[..., Guarded], fake: FakeApikley, tmp_path: Path
) -> None:
    client = make_client(journal=tmp_path / "journal.sqlite3")
    task = client.generate("a knight", URL)
    assert [entry.task_id for entry in client.unfinished()] == [task.task_id]
    (saved,) = client.download(task, tmp_path / "out")
    assert client.unfinished() == []
    with closing(sqlite3.connect(tmp_path / "journal.sqlite3")) as db:
        assert db.execute("SELECT state, files FROM tasks").fetchone() == (
            "succeeded",
            f'["{saved.resolve()}"]',
        )


@pytest.mark.slow
def test_a_process_killed_right_after_submit_loses_nothing(
    make_client: Callable[..., Guarded], fake: FakeApikley, tmp_path: Path
) -> None:
    SECRETS.add(fake.api_key)
    path = tmp_path / "journal.sqlite3"
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, fake.base_url, fake.api_key, str(path)],
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        task_id = child.stdout.readline().strip()
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    client = make_client(journal=path)  # the killed process's lock went with it
    (task,) = client.resume(tmp_path / "out")
    assert task.task_id == task_id
    assert task.succeeded
    assert [p.name for p in (tmp_path / "out").iterdir()] == [f"{task_id}_1.png"]
    assert fake.creates_received == 1
    assert client.unfinished() == []


def test_a_task_past_the_service_s_retention_is_expired_not_waited_for(
    make_client: Callable[..., Guarded], fake: FakeApikley, tmp_path: Path
) -> None:
    journal_path = tmp_path / "old.sqlite3"
    journal = Journal.open(journal_path)
    entry = journal.submitting("ideogram/character", {"prompt": "old"})
    journal.submitted(entry, "task_ideogram_old")
    journal.close()
    with closing(sqlite3.connect(journal_path)) as db, db:
        db.execute("UPDATE tasks SET created_at = ?", (time.time() - 15 * 86_400,))
    client = make_client(journal=journal_path)
    (task,) = client.resume(tmp_path / "out")
    assert task.state is TaskState.EXPIRED
    assert "older than 14 days" in (task.fail_message or "")
    assert fake.polls("task_ideogram_old") == 0
    assert client.unfinished() == []


def test_a_failed_task_is_reported_and_finished(
    make_client: Callable[..., Guarded], fake: FakeApikley, tmp_path: Path
) -> None:
    client = make_client(journal=tmp_path / "journal.sqlite3")
    fake.script_next_task(fail=("500", "content policy"), timing=TaskTiming.instant())
    client.submit("a knight", URL)
    (task,) = client.resume(tmp_path / "out")
    assert task.state is TaskState.FAIL
    assert task.fail_message == "content policy"
    assert client.unfinished() == []


def test_a_client_without_a_journal_says_how_to_get_one(client: Guarded) -> None:
    with pytest.raises(Exception, match="keeps no journal: make it with journal=PATH"):
        client.unfinished()


def test_a_file_that_is_not_a_journal_is_refused_and_kept(
    make_client: Callable[..., Guarded], tmp_path: Path
) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"my notes, not a database" * 100)
    with pytest.raises(JournalError, match="cannot be used as a task journal"):
        make_client(journal=path)
    assert path.read_bytes().startswith(b"my notes")


def paid_journal(path: Path, task_id: str = "task_paid") -> None:
    """A journal with one task accepted and not yet collected."""
    journal = Journal.open(path)
    entry = journal.submitting("ideogram/character", {"prompt": "a knight"})
    journal.submitted(entry, task_id)
    journal.close()


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("emptied", "is empty or missing, but its lock file"),
        ("deleted", "is empty or missing, but its lock file"),
        ("replaced", "is another journal, but its lock file"),
    ],
    ids=["emptied", "deleted", "replaced"],
)
def test_a_journal_lost_since_its_last_use_is_refused(
    make_client: Callable[..., Guarded], fake: FakeApikley, tmp_path: Path, damage: str, said: str
) -> None:
    path = tmp_path / "journal.sqlite3"
    paid_journal(path)
    if damage == "emptied":
        path.write_bytes(b"")
    elif damage == "deleted":
        path.unlink()
    else:
        Journal.open(tmp_path / "other.sqlite3").close()
        (tmp_path / "other.sqlite3").replace(path)
    with pytest.raises(JournalError, match=said):
        make_client(journal=path)
    assert fake.requests == []
    Journal.open(path, start_over=True).close()  # on purpose, it may be started over
    make_client(journal=path)


def damage(path: Path, column: str, value: str | None) -> None:
    """Set `column` of every row, whatever the schema's NOT NULL says (as a careless tool can)."""
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE copy AS SELECT * FROM tasks")  # NOT NULL goes with a copy
        db.execute("DROP TABLE tasks")
        db.execute("ALTER TABLE copy RENAME TO tasks")
        db.execute(f"UPDATE tasks SET {column} = ?", (value,))


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("state", "bogus"),
        ("state", None),
        ("task_id", None),  # a submitted row names its task
        ("files", "{broken"),
        ("files", "[1, 2]"),
        ("request", '{"prompt": "a kni'),
        ("model", None),
        ("created_at", "yesterday"),
    ],
)
def test_a_damaged_row_is_a_journal_error_naming_it(
    tmp_path: Path, column: str, value: str | None
) -> None:
    path = tmp_path / "journal.sqlite3"
    paid_journal(path)
    damage(path, column, value)
    journal = Journal.open(path)
    try:
        for read in (journal.unfinished, journal.entries):
            with pytest.raises(JournalError, match=rf"row 1 .*is damaged: its {column} ") as caught:
                read()
            assert str(path) in caught.value.message
    finally:
        journal.close()


def test_a_client_refuses_a_damaged_row_by_name(
    make_client: Callable[..., Guarded], fake: FakeApikley, tmp_path: Path
) -> None:
    path = tmp_path / "journal.sqlite3"
    paid_journal(path)
    damage(path, "state", "bogus")  # which unfinished() used to pass over without a word
    client = make_client(journal=path)
    for call in (client.unfinished, lambda: client.resume(tmp_path / "out")):
        with pytest.raises(
            JournalError, match=r"row 1 \(task task_paid\) of the journal .* is damaged"
        ):
            call()
    assert fake.requests == []


def test_a_task_the_service_does_not_find_stays_resumable(
    make_client: Callable[..., Guarded], fake: FakeApikley, tmp_path: Path
) -> None:
    path, out = tmp_path / "journal.sqlite3", tmp_path / "out"
    with fake.client() as made:
        task_id = made.submit("a knight", URL)
    paid_journal(path, task_id)
    with FakeApikley(timing=FAST_TIMING) as elsewhere:  # the wrong service, or one lagging
        SECRETS.add(elsewhere.api_key)
        wrong = make_client(
            api_key=elsewhere.api_key,
            base_url=elsewhere.base_url,
            upload_base_url=elsewhere.upload_base_url,
            journal=path,
        )
        assert wrong.resume(out) == []  # nothing ended
        (entry,) = wrong.unfinished()
        assert (entry.task_id, entry.state) == (task_id, State.SUBMITTED)
        assert "recordInfo is null" in (entry.error or "")
        wrong.close()
    (task,) = make_client(journal=path).resume(out)
    assert task.succeeded
    assert [p.name for p in out.iterdir()] == [f"{task_id}_1.png"]


def test_a_sandbox_and_real_tasks_never_share_a_journal(
    make_client: Callable[..., Guarded], tmp_path: Path
) -> None:
    real, sandboxed = tmp_path / "real.sqlite3", tmp_path / "sandbox.sqlite3"
    paid_journal(real)
    with pytest.raises(JournalError, match="holds tasks of the Apikley service"):
        make_client(sandbox=True, journal=real)
    assert rows(real) == [("submitted", "task_paid")]
    make_client(sandbox=True, journal=sandboxed).close()
    with pytest.raises(JournalError, match="holds a sandbox's tasks"):
        make_client(journal=sandboxed)


def test_processes_share_a_journal_and_a_batch_has_one_alone(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from ideogram_facade._journal import Journal; "
         f"j = Journal.open({str(path)!r}); j.submitting('m', {{}}); print('open', flush=True); "
         "time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:  # fmt: skip
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "open"
            shared = Journal.open(path)
            assert [entry.model for entry in shared.unfinished()] == ["m"]
            shared.close()
            with pytest.raises(JournalError, match="another process is using the journal"):
                Journal.open(path, exclusive=True)  # a batch's
        finally:
            holder.kill()
            holder.wait(10)
    Journal.open(path, exclusive=True).close()  # free again once that process is gone


def test_a_journal_that_cannot_be_written_stops_the_submit_before_it_is_sent(
    fake: FakeApikley, tmp_path: Path
) -> None:
    SECRETS.add(fake.api_key)
    path = tmp_path / "journal.sqlite3"
    Journal.open(path).close()
    # A full disk: no file may be written past its first 100 bytes.
    script = (
        "import resource, signal, sys\n"
        "from ideogram_facade import CharacterClient, JournalError\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))\n"
        f"client = CharacterClient(api_key={fake.api_key!r}, base_url={fake.base_url!r}, "
        f"rate_limit=None, journal={str(path)!r})\n"
        "try:\n"
        "    client.submit('a knight', 'https://example.com/portrait.png')\n"
        "except JournalError as error:\n"
        "    print('refused:', error.task_id, error.message)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.startswith("refused: None cannot write the journal"), done.stderr
    assert fake.creates_received == 0
    assert rows(path) == []


def test_the_batch_label_files_a_task_under_its_line(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.sqlite3")
    try:
        entry = journal.submitting("ideogram/character", {}, label="1:abc")
        with pytest.raises(JournalError, match="1:abc already has a task"):
            journal.submitting("ideogram/character", {}, label="1:abc")
        journal.rejected(entry, "refused")
        assert journal.submitting("ideogram/character", {}, label="1:abc") == entry
        assert [e.state for e in journal.entries()] == [State.SUBMITTING]
    finally:
        journal.close()


def test_a_refusal_that_names_a_task_keeps_its_id(
    make_client: Callable[..., Guarded], fake: FakeApikley, tmp_path: Path
) -> None:
    body = b'{"code": 500, "msg": "busy", "data": {"taskId": "task_ideogram_42"}}'
    fake.inject("createTask", Fault.raw(body, status=500))
    client = make_client(journal=tmp_path / "journal.sqlite3")
    with pytest.raises(ServerError) as caught:
        client.submit("a knight", URL)
    assert caught.value.task_id == "task_ideogram_42"
    assert rows(tmp_path / "journal.sqlite3") == [("rejected", "task_ideogram_42")]
