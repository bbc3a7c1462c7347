"""`ideogram-character mcp` as a command: where it listens, where it writes, what it says when
it cannot start, and that nothing else imports the MCP SDK."""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ideogram_facade._journal import Journal
from ideogram_facade.cli._mcp import JOURNAL_NAME, default_out
from ideogram_facade.testing import FakeApikley
from tests.cli.support import CLI, cli_env, run_cli
from tests.conftest import SECRETS
from tests.postgres_server import free_port


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("0.0.0.0:8765", "refusing to listen on 0.0.0.0: the server has no authentication"),
        ("[2001:db8::1]:8765", "refusing to listen on 2001:db8::1"),
        ("example.com:8765", "add --allow-remote if every host that can reach example.com"),
        ("8765", "--http takes HOST:PORT, as 127.0.0.1:8765"),
        ("127.0.0.1:99999", "--http takes HOST:PORT"),
    ],
)
def test_http_listens_only_on_loopback_unless_allowed(address: str, says: str) -> None:
    done = run_cli("mcp", "--sandbox", "--http", address, env=cli_env())
    assert done.code == 2
    assert says in done.stderr


def test_the_package_and_the_cli_import_no_mcp() -> None:
    check = (
        "import sys, ideogram_facade, ideogram_facade.cli\n"
        "from ideogram_facade.cli import _command_table\n"
        "from ideogram_facade.cli._parser import build_parser\n"
        "build_parser().parse_args(['mcp', '--sandbox'])\n"
        "_command_table()\n"
        "print(sorted(m for m in ('mcp', 'PIL', 'jsonschema', 'uvicorn') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_the_extra_it_says_how_to_install_it(tmp_path: Path) -> None:
    without_mcp = [
        sys.executable,
        "-c",
        "import sys; sys.modules['mcp'] = None; "
        "from ideogram_facade.cli import main; sys.exit(main(sys.argv[1:]))",
    ]
    done = run_cli("mcp", "--sandbox", "--out", tmp_path, env=cli_env(), command=without_mcp)
    assert done.code == 2
    assert "the MCP server needs the mcp extra (mcp is not installed)" in done.stderr
    assert "pip install 'ideogram-facade[mcp]'" in done.stderr


def test_without_a_key_it_exits_3_before_serving(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_cli("mcp", "--out", out, env=cli_env())  # cli_env() without a fake: no key
    assert done.code == 3
    assert "no API key: set APIKLEY_API_KEY" in done.stderr
    assert not out.exists()  # neither the folder nor its journal


@pytest.mark.parametrize(
    ("platform", "environment", "folder"),
    [
        ("linux", {"XDG_DATA_HOME": "{tmp}/data"}, "{tmp}/data/ideogram-character"),
        ("linux", {}, "{tmp}/home/.local/share/ideogram-character"),
        ("darwin", {}, "{tmp}/home/Library/Application Support/ideogram-character"),
        ("win32", {"LOCALAPPDATA": "{tmp}/local"}, "{tmp}/local/ideogram-character"),
    ],
)
def test_by_default_it_writes_into_the_user_data_folder(
    platform: str,
    environment: dict[str, str],
    folder: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Not the working folder: a client may start the server in /.
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("XDG_DATA_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    expected = Path(folder.format(tmp=tmp_path))
    assert default_out(sandbox=False) == expected / "mcp"
    assert default_out(sandbox=True) == expected / "mcp-sandbox"


def test_a_journal_another_server_holds_is_refused_with_exit_13(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / JOURNAL_NAME)  # its lock is refused to any other opener
    try:
        done = run_cli("mcp", "--sandbox", "--out", tmp_path, env=cli_env())
    finally:
        journal.close()
    assert done.code == 13
    said = done.stderr
    assert "another process is using the journal" in said
    assert "give this one its own --journal or --out" in said


def test_a_sandbox_server_refuses_a_journal_of_real_tasks_in_the_cli_words(
    tmp_path: Path,
) -> None:
    real = tmp_path / "tasks.sqlite3"
    Journal.open(real).close()  # a journal of the service's tasks
    done = run_cli("mcp", "--sandbox", "--journal", real, "--out", tmp_path, env=cli_env())
    assert done.code == 13
    assert "holds tasks of the Apikley service, which a sandbox (--sandbox)" in done.stderr
    assert "sandbox=True" not in done.stderr


@pytest.mark.slow  # a server process
@pytest.mark.parametrize(("number", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_the_stdio_server_while_its_client_keeps_stdin_open(
    fake: FakeApikley, tmp_path: Path, number: int, code: int
) -> None:
    # The SDK reads stdin in a thread that only the client's end of stdin stops: the server
    # once waited for it after the signal, for as long as the client kept the pipe open, and
    # a signal inside the SDK's task group was reported as an internal error.
    process = subprocess.Popen(
        [*CLI, "mcp", "--out", str(tmp_path)],
        env=cli_env(fake),
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    assert process.stderr is not None
    try:
        assert "serving on stdio" in process.stderr.readline()
        process.send_signal(number)
        assert process.wait(timeout=60) == code
        assert process.stderr.read() == "ideogram-character: interrupted\n"
    finally:
        process.kill()
        process.stdin.close()
        process.stderr.close()
    # The journal was closed: another server can open it.
    Journal.open(tmp_path / JOURNAL_NAME).close()


def test_a_journal_database_it_cannot_reach_is_exit_13_naming_it_without_its_password(
    tmp_path: Path,
) -> None:
    pytest.importorskip("psycopg")  # the postgres extra (not in `nox -s lowest`'s MCP run)
    password, port = secrets.token_hex(8), free_port()
    SECRETS.add(password)  # run_cli fails on any of SECRETS in what is printed
    uri = f"postgresql://fleet:{password}@127.0.0.1:{port}/tasks"
    done = run_cli("mcp", "--sandbox", "--journal", uri, "--out", tmp_path, env=cli_env())
    assert done.code == 13, done.stderr
    assert f"postgresql://fleet@127.0.0.1:{port}/tasks" in done.stderr
    assert "a URI goes as a str" not in done.stderr  # it was once taken for a file's Path
    assert "One server at a time" not in done.stderr  # that is about a journal file


@pytest.mark.slow  # a server process
def test_a_server_keeps_its_journal_in_a_postgresql_database(
    postgres_url: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [*CLI, "mcp", "--sandbox", "--journal", postgres_url, "--out", str(tmp_path)],
        env=cli_env(),
        stdin=subprocess.DEVNULL,  # its client gone at once: it serves, then ends
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"journal {postgres_url}" in done.stderr  # no password in the test's database URL
    journal = Journal.open(postgres_url, sandbox=None)
    try:
        assert journal.sandbox  # made by the sandbox server
    finally:
        journal.close()
