"""A disk that cannot take the images: `SaveError`, never a network error, never retried, and
the task is not lost (both clients)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ideogram_facade import SaveError
from ideogram_facade.testing import FakeApikley
from tests.conftest import SECRETS, Guarded

URL = "https://example.com/portrait.png"
RESULTS = "/files/results/"

# Run in a child whose files may not grow past 64 bytes (a full disk, as root too): the
# download's part file fails on its first chunk.
CHILD = """
import asyncio, json, resource, signal, sys
from ideogram_facade import AsyncCharacterClient, CharacterClient, PollPolicy, SaveError
kind, base_url, key, out, URL = sys.argv[1:]
settings = dict(api_key=key, base_url=base_url, upload_base_url=base_url + "/file-upload",
                poll=PollPolicy(initial=0.01, maximum=0.05, jitter=0.0), rate_limit=None)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
async def run_async():
    async with AsyncCharacterClient(**settings) as client:
        task = await client.generate("a knight", URL)
        await client.download(task, out)
try:
    if kind == "sync":
        with CharacterClient(**settings) as client:
            client.download(client.generate("a knight", URL), out)
    else:
        asyncio.run(run_async())
except SaveError as error:
    print(json.dumps({"task_id": error.task_id, "path": error.path, "message": str(error)}))
"""


def result_fetches(fake: FakeApikley) -> int:
    return sum(1 for record in fake.requests if record.path.startswith(RESULTS))


def test_a_folder_that_cannot_be_made_is_a_save_error_naming_the_task(
    client: Guarded, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    task = client.generate("a knight", URL)
    with pytest.raises(SaveError, match=r"cannot write .*file/out: Not a directory") as caught:
        client.download(task, blocker / "out")
    assert caught.value.task_id == task.task_id
    assert caught.value.path == str(blocker / "out")
    assert f"download({task.task_id!r}, ...) fetches them again" in str(caught.value)
    assert isinstance(caught.value, OSError)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_full_disk_while_saving_is_a_save_error_and_not_retried(
    fake: FakeApikley, tmp_path: Path, kind: str
) -> None:
    SECRETS.add(fake.api_key)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, fake.base_url, fake.api_key, str(out), URL],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    error = json.loads(done.stdout)
    (task_id,) = fake.tasks
    assert error["task_id"] == task_id
    assert error["path"] == str(out)
    assert "File too large" in error["message"]
    assert result_fetches(fake) == 1
    assert list(out.iterdir()) == []  # no part file left behind
