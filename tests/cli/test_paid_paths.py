"""Paid-then-failed paths: nothing is paid for that the CLI already knows it cannot save, and a
save that fails after paying says how to get the images, in the command line's own words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ideogram_facade.cli._display import eta
from ideogram_facade.testing import FakeApikley
from ideogram_facade.testing._png import render_png

from .support import cli_env, run_cli, with_file_limit

URL = "https://example.com/portrait.png"
RESULTS = "/files/results/"


@pytest.fixture
def portrait(tmp_path: Path) -> Path:
    path = tmp_path / "me.png"
    path.write_bytes(render_png("me", 1, 0, (32, 32)))
    return path


def result_fetches(fake: FakeApikley) -> int:
    return sum(1 for record in fake.requests if record.path.startswith(RESULTS))


@pytest.mark.parametrize("command", ["generate", "batch"])
def test_an_output_folder_under_a_file_costs_nothing(
    fake: FakeApikley, tmp_path: Path, command: str
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    lines = tmp_path / "lines.jsonl"
    lines.write_text(json.dumps({"prompt": "a pilot", "reference": URL}) + "\n")
    first = ["a pilot", "--reference", URL] if command == "generate" else [lines]
    result = run_cli(command, *first, "--out", blocker / "out", env=cli_env(fake))
    assert result.code == 10
    assert "cannot write to the output folder" in result.stderr
    assert "nothing was uploaded or submitted" in result.stderr
    assert fake.creates_received == 0


def test_a_folder_that_cannot_be_written_is_found_before_the_upload(
    fake: FakeApikley, tmp_path: Path, portrait: Path
) -> None:
    result = run_cli(
        "generate", "a pilot", "--reference", portrait, "--out", tmp_path / "out",
        env=cli_env(fake), command=with_file_limit(0),
    )  # fmt: skip
    assert result.code == 10, result.stderr
    assert "cannot write to the output folder" in result.stderr
    assert fake.uploads == {}
    assert fake.creates_received == 0


def test_a_save_that_fails_after_paying_names_the_task_and_the_download_command(
    fake: FakeApikley, tmp_path: Path
) -> None:
    # Room for the probe byte, not for an image.
    result = run_cli(
        "generate", "a pilot", "--reference", URL, "--out", tmp_path / "out",
        env=cli_env(fake), command=with_file_limit(64),
    )  # fmt: skip
    (task_id,) = fake.tasks
    assert result.code == 12, result.stderr
    assert "cannot save the images" in result.stderr
    assert f"cannot write {tmp_path / 'out'}" in result.stderr
    assert f"ideogram-character download {task_id} --out DIR" in result.stderr
    assert "network" not in result.stderr
    assert "download(" not in result.stderr  # the library's words, not the CLI's
    assert result_fetches(fake) == 1  # a disk error is not retried like a network one
    # The task is not lost: once the disk can take it, the command in the message works.
    again = run_cli("download", task_id, "--out", tmp_path / "out", env=cli_env(fake))
    assert again.code == 0, again.stderr


def test_cli_errors_give_cli_advice(fake: FakeApikley, tmp_path: Path) -> None:
    out = tmp_path / "out"
    task_id = run_cli("submit", "a pilot", "--reference", URL, env=cli_env(fake)).stdout.strip()
    assert run_cli("download", task_id, "--out", out, env=cli_env(fake)).code == 0
    again = run_cli("download", task_id, "--out", out, env=cli_env(fake))
    assert again.code == 5
    assert "--overwrite" in again.stderr
    assert "overwrite=True" not in again.stderr


def test_verbose_goes_before_or_after_the_command(fake: FakeApikley) -> None:
    for args in (["-v", "credits"], ["credits", "-v"]):
        result = run_cli(*args, env=cli_env(fake))
        assert result.code == 0, result.stderr
        assert "GET /api/v1/chat/credit -> 200" in result.stderr, args
    quiet = run_cli("credits", env=cli_env(fake))
    assert "GET" not in quiet.stderr


@pytest.mark.parametrize(("balance", "shown"), [(1_000_000, "1000000"), (12.5, "12.5")])
def test_credits_prints_the_exact_number(fake: FakeApikley, balance: float, shown: str) -> None:
    fake.credits = balance
    result = run_cli("credits", env=cli_env(fake))
    assert result.stdout.strip() == shown


def test_a_reference_url_that_is_not_http_says_so(fake: FakeApikley, tmp_path: Path) -> None:
    result = run_cli(
        "generate", "a", "--reference", "ftp://example.com/me.png", "--out", tmp_path,
        env=cli_env(fake),
    )  # fmt: skip
    assert result.code == 5
    assert "is a URL, but not http(s)" in result.stderr
    assert "not a file" not in result.stderr


@pytest.mark.parametrize("command", ["status", "wait"])
def test_a_sandbox_task_of_another_command_is_explained(command: str) -> None:
    result = run_cli(command, "task_ideogram_1", "--sandbox", env=cli_env())
    assert result.code == 1
    assert "sandbox tasks live only as long as the command that made them" in result.stderr


@pytest.mark.parametrize(
    ("total", "finished", "elapsed", "shown"),
    [(10, 0, 5.0, "-:--"), (10, 2, 10.0, "0:40"), (100, 50, 60.0, "1:00"), (4, 4, 9.0, "0:00")],
)
def test_the_eta_follows_the_observed_rate(
    total: int, finished: int, elapsed: float, shown: str
) -> None:
    assert eta(total, finished, elapsed) == shown


def test_a_batch_prints_its_eta_as_lines_finish(fake: FakeApikley, tmp_path: Path) -> None:
    lines = tmp_path / "lines.jsonl"
    lines.write_text("".join(json.dumps({"prompt": f"p{n}", "reference": URL}) + "\n"
                             for n in range(3)))  # fmt: skip
    result = run_cli("batch", lines, "--out", tmp_path / "out", env=cli_env(fake))
    assert result.code == 0, result.stderr
    assert "[3/3] done 3, failed 0, running 0, ETA 0:00" in result.stderr


def test_a_budget_shared_by_commands_refuses_the_submit_that_would_pass_it(
    fake: FakeApikley, tmp_path: Path
) -> None:
    # The client's table reserves 30 credits for one BALANCED image; the fake charges 10.
    budget = ["--max-credits", "70", "--budget-storage", f"sqlite://{tmp_path / 'budget.db'}"]
    submit = ["submit", "a pilot", "--reference", URL, *budget]
    first = run_cli(*submit, env=cli_env(fake)).stdout.strip()
    assert run_cli(*submit, env=cli_env(fake)).code == 0
    over = run_cli(*submit, env=cli_env(fake))
    assert over.code == 14
    assert "over the credit budget" in over.stderr
    assert "has 10 left" in over.stderr
    assert "Nothing was sent" in over.stderr
    assert "raise --max-credits" in over.stderr
    assert fake.creates_received == 2
    # Waiting for the first task with the same budget settles it at the 10 it consumed:
    # 10 + 30 + 30 fits in 70.
    assert run_cli("wait", first, *budget, env=cli_env(fake)).code == 0
    assert run_cli(*submit, env=cli_env(fake)).code == 0
    assert fake.creates_received == 3


def test_a_batch_over_its_budget_sends_nothing_and_leaves_the_lines_pending(
    fake: FakeApikley, tmp_path: Path
) -> None:
    lines = tmp_path / "lines.jsonl"
    line = {"prompt": "a pilot", "reference": URL, "num_images": 2}  # reserves 60
    lines.write_text("".join(json.dumps(line) + "\n" for _ in range(3)))
    result = run_cli(
        "batch", lines, "--out", tmp_path / "out", "--max-credits", "50", env=cli_env(fake)
    )
    assert result.code == 14, result.stderr
    assert "no more submits: the credit budget (50 credits" in result.stderr
    assert fake.creates_received == 0
    again = run_cli("batch", lines, "--out", tmp_path / "out", env=cli_env(fake))
    assert again.code == 0, again.stderr
    assert fake.creates_received == 3


def test_a_budget_storage_without_max_credits_is_a_usage_error(fake: FakeApikley) -> None:
    result = run_cli(
        "submit", "a pilot", "--reference", URL, "--budget-storage", "memory://",
        env=cli_env(fake),
    )  # fmt: skip
    assert result.code == 2
    assert "--budget-storage needs --max-credits N" in result.stderr
    assert fake.creates_received == 0
