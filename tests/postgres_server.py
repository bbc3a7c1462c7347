"""A real PostgreSQL server in a temporary folder, for the tests and benchmarks of the journal
in PostgreSQL (and of anything else kept there).

    with PostgresServer.start() as server:    # PostgresServer.find() names the missing program
        url = server.create_database()        # a fresh database: postgresql://test@127.0.0.1:P/db_...

The server runs from Debian's binaries (`initdb`, `pg_ctl`: package `postgresql`), loopback
only, with trust authentication for the one role `test`. The server refuses to run as root,
so from root it runs as `nobody` (`setpriv`). By default it does not sync to disk (fsync off):
a test's data dies with the server anyway, and initdb plus start then take about a second;
`durable=True` keeps PostgreSQL's defaults, for benchmarks of what a commit costs.

A watchdog process stops the server (and removes its folder) as soon as the process that
started it, or `owner` (a pid), is gone, so that a test run killed half-way leaves no server
behind.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType

INSTALL = "install it with `apt-get install -y postgresql` (.ci/run does when it is missing)"
ROLE = "test"
# Not for a server whose data is kept: each commit is lost in a crash of the host.
FAST = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False


class PostgresServer:
    """One PostgreSQL cluster: `url` names its `postgres` database; `stop()` ends it."""

    def __init__(self, folder: Path, port: int, bin_dir: str) -> None:
        self.folder = folder
        self.port = port
        self.url = f"postgresql://{ROLE}@127.0.0.1:{port}/postgres"
        self.bin_dir = bin_dir

    @staticmethod
    def find() -> str | None:
        """The folder of `initdb` and `pg_ctl`: on PATH, else Debian's newest version."""
        found = shutil.which("initdb")
        if found is not None and shutil.which("pg_ctl") is not None:
            return str(Path(found).resolve().parent)
        versions = sorted(
            glob.glob("/usr/lib/postgresql/*/bin/initdb"),
            key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
        )
        return str(Path(versions[-1]).parent) if versions else None

    @classmethod
    def start(
        cls, *, durable: bool = False, owner: int | None = None, attempts: int = 3
    ) -> PostgresServer:
        """A new cluster on a free loopback port, stopped when `owner` (default: this
        process) ends, if `stop()` was not called before."""
        bin_dir = cls.find()
        if bin_dir is None:
            raise FileNotFoundError(f"PostgreSQL's initdb is not installed: {INSTALL}")
        folder = Path(tempfile.mkdtemp(prefix="pgtest-"))
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        user = _as_user(folder)
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        data = folder / "data"
        try:
            _run(
                [
                    *user,
                    f"{bin_dir}/initdb",
                    "-D",
                    str(data),
                    "-U",
                    ROLE,
                    "--auth=trust",
                    "--no-sync",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ],
                env,
            )
            for _ in range(attempts):  # another process may take the free port first
                port = free_port()
                options = [
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-p",
                    str(port),
                    "-k",
                    str(folder),
                    *([] if durable else FAST),
                ]
                started = subprocess.run(
                    [
                        *user,
                        f"{bin_dir}/pg_ctl",
                        "-D",
                        str(data),
                        "-l",
                        str(folder / "log"),
                        "-w",
                        "-t",
                        "30",
                        "-o",
                        " ".join(options),
                        "start",
                    ],
                    env=env,
                    cwd=folder,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                if started.returncode == 0 and _answers(port):
                    server = cls(folder, port, bin_dir)
                    server._watch(owner if owner is not None else os.getpid())
                    return server
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        log = (
            (folder / "log").read_text(errors="replace")[-2000:]
            if (folder / "log").exists()
            else ""
        )
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(
            f"PostgreSQL did not start on a free port in {attempts} attempts:\n{log}"
        )

    def create_database(self, name: str | None = None) -> str:
        """A new, empty database; its URL."""
        name = name or f"db_{uuid.uuid4().hex[:12]}"
        # FILE_COPY: a copy of the template's files, not a WAL record per block (PG 15's
        # default), several times faster on a cluster that does not sync.
        _run(
            [
                f"{self.bin_dir}/psql" if Path(f"{self.bin_dir}/psql").exists() else "psql",
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                ROLE,
                "-d",
                "postgres",
                "-c",
                f'CREATE DATABASE "{name}" STRATEGY FILE_COPY',
            ],
            {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        )
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        _stop(self.bin_dir, self.folder)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _watch(self, owner: int) -> None:
        """A detached process that stops the server once `owner` is gone."""
        script = (
            "import os, sys, time\n"
            "sys.path.insert(0, sys.argv[4])\n"
            "from tests.postgres_server import _stop, _alive\n"
            "owner, bin_dir, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3]\n"
            "while _alive(owner) and os.path.isdir(folder):\n"
            "    time.sleep(0.5)\n"
            "_stop(bin_dir, folder)\n"
        )
        root = str(Path(__file__).resolve().parents[1])
        # setsid --fork: the watchdog is nobody's child here, in a session of its own (so a
        # Ctrl-C to the test run spares it), and this process waits for nothing.
        subprocess.run(
            [
                "setsid",
                "--fork",
                sys.executable,
                "-c",
                script,
                str(owner),
                self.bin_dir,
                str(self.folder),
                root,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (ended, not yet reaped by its parent) is gone too.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def _as_user(folder: Path) -> list[str]:
    """The command prefix that runs the server's programs as the owner of `folder`: the server
    refuses to run as root, so from root `start()` gives the folder to `nobody`. Empty when
    this process is not root."""
    if os.geteuid() != 0:
        return []
    owner = folder.stat()
    return ["setpriv", f"--reuid={owner.st_uid}", f"--regid={owner.st_gid}", "--clear-groups", "--"]


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr}")


def _stop(bin_dir: str, folder: str | Path) -> None:
    """Stop the server at once (its data is thrown away) and remove its folder."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    subprocess.run(
        [
            *_as_user(folder),
            f"{bin_dir}/pg_ctl",
            "-D",
            str(folder / "data"),
            "-m",
            "immediate",
            "-w",
            "-t",
            "30",
            "stop",
        ],
        env={"PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # python -m tests.postgres_server: start one, time it, stop it
    began = time.perf_counter()
    with PostgresServer.start() as server:
        up = time.perf_counter() - began
        made = time.perf_counter()
        url = server.create_database()
        print(f"up in {up:.2f} s, a database in {time.perf_counter() - made:.3f} s: {url}")
