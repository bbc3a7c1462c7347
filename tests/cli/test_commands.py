"""`ideogram-character`'s one-task commands, run as a subprocess against the loopback fake."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import get_args

import pytest

import ideogram_facade
from ideogram_facade import model, models
from ideogram_facade._constants import DEFAULT_WAIT_TIMEOUT
from ideogram_facade.cli import main
from ideogram_facade.cli._parser import option_flags
from ideogram_facade.testing import FakeApikley, Fault, TaskTiming

from .support import CLI, CLI_WITHOUT_RICH, check_output, cli_env, is_png, run_cli

URL = "https://example.com/portrait.png"
COMMANDS = ["generate", "submit", "status", "wait", "download", "credits", "upload", "batch"]


@pytest.fixture
def portrait(tmp_path: Path) -> Path:
    from ideogram_facade.testing._png import render_png

    path = tmp_path / "me.png"
    path.write_bytes(render_png("me", 1, 0, (32, 32)))
    return path


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- help and usage: in-process through main(argv), which is what the console script calls ------


def help_text(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main([command, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_sandbox_and_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_text(command, capsys)
    assert "--sandbox" in text
    assert "--json" in text
    assert "exit codes:" in text
    assert "130" in text


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_points_to_command_help_and_the_site_not_to_a_file_not_installed(
    command: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    if command is None:
        assert main(["--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
    else:
        text = " ".join(help_text(command, capsys).split())
    assert "ideogram-character COMMAND --help" in text
    assert 'reference site\'s "Command line" page' in text
    assert "`nox -s docs`" in text
    assert "docs/" not in text  # the wheel has no docs/


@pytest.mark.parametrize("command", ["generate", "submit", "batch"])
def test_help_lists_the_allowed_values_of_each_enum(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_text(command, capsys)
    for literal in (
        ideogram_facade.RenderingSpeed,
        ideogram_facade.Style,
        ideogram_facade.ImageSize,
    ):
        for value in get_args(literal):
            assert value in text, value


def test_generate_help_shows_the_wait_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    text = " ".join(help_text("generate", capsys).split())
    assert f"(default: {DEFAULT_WAIT_TIMEOUT:g})" in text


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "a pilot"],  # --reference is required
        ["generate", "a pilot", "--reference", URL, "--speed", "FAST"],
        ["generate", "a pilot", "--reference", URL, "-n", "5"],
        ["batch", "lines.jsonl", "--out", "x", "--concurrency", "0"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "usage:" in captured.err


def test_usage_error_as_a_subprocess_exits_2() -> None:
    result = run_cli("generate", "a pilot", env=cli_env())
    assert result.code == 2
    assert "--reference" in result.stderr


# -- generate ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_generate_in_the_sandbox_writes_png_files_without_a_key(tmp_path: Path) -> None:
    env = cli_env()
    assert "APIKLEY_API_KEY" not in env
    out = tmp_path / "images"
    result = run_cli(
        "generate", "--sandbox", "a pilot", "--reference", URL, "-n", "2", "--out", out,
        "--json", env=env,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"task_id", "state", "image_urls", "files"}
    assert document["state"] == "success"
    assert len(document["image_urls"]) == 2
    files = [Path(name) for name in document["files"]]
    assert len(files) == 2
    assert all(path.parent == out and path.name.startswith(document["task_id"]) for path in files)
    assert all(is_png(path) for path in files)


def test_generate_uploads_a_local_reference_and_prints_the_paths(
    fake: FakeApikley, portrait: Path, tmp_path: Path
) -> None:
    result = run_cli(
        "generate", "a pilot", "--reference", portrait, "--out", tmp_path / "out",
        env=cli_env(fake),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert len(fake.uploads) == 1
    assert fake.creates_accepted == 1
    (task_id,) = fake.tasks
    paths = [Path(line) for line in result.stdout.splitlines()]
    assert [path.name for path in paths] == [f"{task_id}_1.png"]
    assert is_png(paths[0])
    # Not a terminal: progress comes as plain lines on stderr, with the task id and the state.
    assert f"{task_id}: success" in result.stderr


def test_generate_without_rich_still_works(fake: FakeApikley, tmp_path: Path) -> None:
    result = run_cli(
        "generate", "a pilot", "--reference", URL, "--out", tmp_path,
        env=cli_env(fake), command=CLI_WITHOUT_RICH,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert is_png(Path(result.stdout.strip()))


# -- the other commands, one call each --------------------------------------------------------


def test_submit_status_wait_download(fake: FakeApikley, tmp_path: Path) -> None:
    env = cli_env(fake)
    submitted = run_cli("submit", "a pilot", "--reference", URL, "-n", "2", "--json", env=env)
    assert submitted.code == 0, submitted.stderr
    task_id = json.loads(submitted.stdout)["task_id"]
    assert list(fake.tasks) == [task_id]

    status = run_cli("status", task_id, "--json", env=env)
    assert status.code == 0
    assert json.loads(status.stdout)["task_id"] == task_id

    waited = run_cli("wait", task_id, "--json", env=env)
    assert waited.code == 0, waited.stderr
    task = json.loads(waited.stdout)
    assert task["state"] == "success"
    assert len(task["image_urls"]) == 2

    plain = run_cli("status", task_id, env=env)
    assert plain.stdout.splitlines() == [f"task {task_id}: success", *task["image_urls"]]

    downloaded = run_cli("download", task_id, "--out", tmp_path / "d", "--json", env=env)
    assert downloaded.code == 0, downloaded.stderr
    files = [Path(name) for name in json.loads(downloaded.stdout)["files"]]
    assert [path.name for path in files] == [f"{task_id}_1.png", f"{task_id}_2.png"]
    assert all(is_png(path) for path in files)
    assert fake.creates_accepted == 1

    again = run_cli("download", task_id, "--out", tmp_path / "d", env=env)
    assert again.code == 5
    assert "--overwrite" in again.stderr
    assert run_cli("download", task_id, "--out", tmp_path / "d", "--overwrite", env=env).code == 0


def test_credits(fake: FakeApikley) -> None:
    fake.credits = 123.5
    assert json.loads(run_cli("credits", "--json", env=cli_env(fake)).stdout) == {"credits": 123.5}
    assert run_cli("credits", env=cli_env(fake)).stdout == "123.5\n"


def test_upload_prints_the_url(fake: FakeApikley, portrait: Path) -> None:
    result = run_cli("upload", portrait, "--json", env=cli_env(fake))
    assert result.code == 0, result.stderr
    url = json.loads(result.stdout)["url"]
    assert url.startswith(fake.base_url)
    assert len(fake.uploads) == 1


def test_upload_of_a_missing_file_is_a_file_error(fake: FakeApikley, tmp_path: Path) -> None:
    result = run_cli("upload", tmp_path / "nope.png", env=cli_env(fake))
    assert result.code == 10
    assert "nope.png" in result.stderr
    assert len(fake.uploads) == 0


# -- errors: one line, the right exit code -------------------------------------------------------


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("ideogram-character:")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_missing_key_exits_3_and_says_what_to_do() -> None:
    result = run_cli("credits", env=cli_env())
    assert result.code == 3
    line = one_line(result.stderr)
    assert "APIKLEY_API_KEY" in line
    assert "--sandbox" in line


def test_refused_key_exits_3_and_is_never_printed(fake: FakeApikley) -> None:
    wrong = "sk-wrong-" + "9" * 24
    env = cli_env(fake, APIKLEY_API_KEY=wrong)
    result = run_cli("submit", "a pilot", "--reference", URL, "--verbose", env=env)
    assert result.code == 3
    assert "authentication" in one_line(result.stderr)
    assert wrong not in result.stdout + result.stderr


def test_the_key_is_not_printed_even_when_verbose(fake: FakeApikley, tmp_path: Path) -> None:
    result = run_cli(
        "generate", "a pilot", "--reference", URL, "--out", tmp_path, "-v", env=cli_env(fake)
    )
    assert result.code == 0
    assert "createTask" in result.stderr or "POST" in result.stderr  # verbose did log requests
    assert fake.api_key not in result.stdout + result.stderr


def test_validation_error_exits_5_before_any_request(fake: FakeApikley) -> None:
    result = run_cli("submit", "x" * 5001, "--reference", URL, env=cli_env(fake))
    assert result.code == 5
    assert "prompt" in one_line(result.stderr)
    assert fake.creates_received == 0


def test_insufficient_credits_exits_4(fake: FakeApikley) -> None:
    fake.inject("createTask", Fault.body_code(402))
    result = run_cli("submit", "a pilot", "--reference", URL, env=cli_env(fake))
    assert result.code == 4
    assert "credits" in one_line(result.stderr)


def test_generation_failed_exits_6_naming_the_task(fake: FakeApikley, tmp_path: Path) -> None:
    fake.script_next_task(fail=("500", "content policy"))
    result = run_cli(
        "generate", "a pilot", "--reference", URL, "--out", tmp_path, env=cli_env(fake)
    )
    assert result.code == 6
    (task_id,) = fake.tasks
    line = one_line(result.stderr)
    assert task_id in line
    assert "content policy" in line
    assert [path.name for path in tmp_path.iterdir()] == ["index.html"]  # the failure's card only


def test_timeout_exits_7_and_says_how_to_resume(fake: FakeApikley, tmp_path: Path) -> None:
    fake.script_next_task(timing=TaskTiming(waiting=30))
    result = run_cli(
        "generate", "a pilot", "--reference", URL, "--out", tmp_path, "--timeout", "0.3",
        env=cli_env(fake),
    )  # fmt: skip
    assert result.code == 7
    (task_id,) = fake.tasks
    assert f"ideogram-character wait {task_id}" in one_line(result.stderr)


@pytest.mark.slow
def test_network_error_exits_8() -> None:
    env = cli_env(
        APIKLEY_API_KEY="sk-test-network",
        APIKLEY_BASE_URL=f"http://127.0.0.1:{closed_port()}",
    )
    result = run_cli("credits", env=env)
    assert result.code == 8
    assert "network" in one_line(result.stderr)


def test_lost_create_answer_exits_9_and_is_not_resent(fake: FakeApikley) -> None:
    fake.inject("createTask", Fault.close_after_body())
    result = run_cli("submit", "a pilot", "--reference", URL, env=cli_env(fake))
    assert result.code == 9
    assert "dashboard" in one_line(result.stderr)
    assert fake.creates_received == 1
    assert fake.creates_accepted == 1


def test_unknown_task_is_another_api_error(fake: FakeApikley) -> None:
    result = run_cli("status", "task_does_not_exist", env=cli_env(fake))
    assert result.code == 1
    assert "task_does_not_exist" in one_line(result.stderr)


def test_a_failure_that_echoes_the_key_is_printed_without_it(fake: FakeApikley) -> None:
    fake.script_next_task(
        fail=(fake.api_key, f"no access for key {fake.api_key}"), timing=TaskTiming.instant()
    )
    with fake.client() as client:
        task_id = client.submit("a pilot", URL)
    # run_cli fails the test if the key is in anything printed; the answer's text is there.
    for args in (["--json"], []):
        shown = run_cli("status", task_id, *args, env=cli_env(fake))
        assert shown.code == 0, shown.stderr
        assert "no access for key [redacted]" in shown.stdout


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_a_stopped_generate_names_the_running_task(
    fake: FakeApikley, tmp_path: Path, signum: int, code: int
) -> None:
    fake.script_next_task(timing=TaskTiming(waiting=30))
    command = [*CLI, "generate", "a pilot", "--reference", URL, "--out", str(tmp_path)]
    with subprocess.Popen(
        command, env=cli_env(fake), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        while not fake.tasks or fake.polls(next(iter(fake.tasks))) == 0:
            assert process.poll() is None, "it ended before its first poll"
            time.sleep(0.02)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=10)
    check_output(stdout, stderr)
    assert process.returncode == code
    (task_id,) = fake.tasks
    assert f"ideogram-character download {task_id} --out {tmp_path}" in one_line(stderr)


def test_every_exit_code_is_documented_in_help_and_docs() -> None:
    from ideogram_facade.cli import ExitCode
    from ideogram_facade.cli._parser import EXIT_CODES

    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text("utf-8")
    documented = {row.split("|")[1].strip() for row in docs.splitlines() if row.startswith("| ")}
    listed = " ".join(EXIT_CODES.split())
    for code in ExitCode:
        assert any(str(code.value) in cell.split(" / ") for cell in documented), code
        assert f" {code.value} " in f" {listed} ", code


@pytest.mark.parametrize("command", ["generate", "submit"])
def test_a_bad_option_with_a_local_reference_uploads_nothing(
    command: str, fake: FakeApikley, portrait: Path, tmp_path: Path
) -> None:
    limit = model().options["negative_prompt"].max_length or 0
    for arguments, message in [
        ([""], "prompt must not be empty"),
        (["   "], "prompt must not be empty"),
        (["a pilot", "--negative", "x" * (limit + 1)], f"the limit is {limit}"),
    ]:
        result = run_cli(
            command, *arguments, "--reference", portrait, env=cli_env(fake), cwd=tmp_path
        )
        assert result.code == 5, result.stderr
        assert message in result.stderr
    assert fake.requests == []
    assert fake.uploads == {}
    assert fake.creates_received == 0
    # The same command with a good prompt does upload and create: the counts above can move.
    assert run_cli("submit", "a pilot", "--reference", portrait, env=cli_env(fake)).code == 0
    assert len(fake.uploads) == 1
    assert fake.creates_received == 1


@pytest.mark.parametrize("command", ["generate", "submit", "batch"])
def test_help_shows_every_option_with_the_choices_defaults_and_limits_of_the_spec(
    command: str, fake: FakeApikley
) -> None:
    text = " ".join(run_cli(command, "--help", env=cli_env(fake)).stdout.split())
    # Each option as the first model that takes it has it; where another model's limit
    # differs, the help says so (character-remix's negative prompt is at most 500).
    table = {
        name: spec
        for each in models()[::-1]
        for name, spec in each.options.items()
        if not spec.image
    }
    assert set(option_flags()) == set(table), "every option of every model has a flag"
    assert "at most 5000 characters (character-remix: 500)" in text
    assert "character-edit --image (required), --mask (required)," in text
    assert "at least 0.1, at most 1, in steps of 0.1 (default: 0.8)" in text
    for name, flags in option_flags().items():
        spec = table[name]
        for flag in flags:
            assert flag in text, flag
        if spec.choices is not None:
            assert f"{flags[-1]} {{{','.join(map(str, spec.choices))}}}" in text, name
        if spec.default is not None:
            assert f"(default: {spec.default})" in text, name
        if spec.max_length is not None:
            assert f"at most {spec.max_length} characters" in text, name
        if spec.kind == "boolean":
            assert f"--no-{flags[-1].removeprefix('--')}" in text, name


def test_main_runs_more_than_once_in_one_process(fake: FakeApikley) -> None:
    # main() is a function a program may call again: its first run used to shadow the command
    # table's function with the module of the same name, so the second failed.
    first = run_cli("credits", env=cli_env(fake))
    second = run_cli("credits", env=cli_env(fake))
    assert (first.code, second.code) == (0, 0), second.stderr
