"""The built site served on 127.0.0.1 and opened in Debian's headless Chromium.

No tests here: helpers for test_site.py. Chromium runs in its own command-line modes
(`--dump-dom`, `--screenshot`), one fresh profile per run, with everything that would reach
beyond this machine turned off.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
# Chromium loads a page and its assets in well under a second here; this only stops a hang.
CHROMIUM_TIMEOUT = 120


def site_dir() -> Path:
    """The folder mkdocs.yml builds the site into."""
    found = re.search(r"^site_dir:\s*(\S+)", (ROOT / "mkdocs.yml").read_text(), re.MULTILINE)
    assert found, "mkdocs.yml names no site_dir"
    site = ROOT / found[1]
    if not (site / "index.html").is_file():
        pytest.fail(f"no site in {site}: build it with `nox -s docs` (or `mkdocs build`)")
    return site


class SiteServer:
    """`http.server` on a free loopback port, keeping the path and status of every answer."""

    def __init__(self, site: Path) -> None:
        answers = self.answers = list[tuple[str, int]]()

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                answers.append((self.path, int(code)))

            def log_message(self, format: str, *args: object) -> None:
                pass  # answers are kept above; stderr stays quiet

        handler = functools.partial(Handler, directory=str(site))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "Debian's chromium is not installed: `apt-get install chromium` (as root), "
            "or run `nox -s docs`, which installs it"
        )
    return path


@contextmanager
def _profile() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        yield f"--user-data-dir={profile}"


def _run_chromium(*args: str) -> subprocess.CompletedProcess[bytes]:
    with _profile() as profile:
        result = subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, profile, *args],
            capture_output=True,
            timeout=CHROMIUM_TIMEOUT,
            check=False,
        )
    if result.returncode != 0:
        pytest.fail(f"chromium {args} exited {result.returncode}: {result.stderr[-2000:]!r}")
    return result


def dump_dom(url: str) -> str:
    """The page's DOM as Chromium has it once the page has loaded and its scripts ran."""
    return _run_chromium("--dump-dom", url).stdout.decode()


def screenshot(url: str, path: Path, width: int, height: int) -> None:
    # A URL with a #fragment gives a blank picture in this mode: take the page from its top.
    _run_chromium(f"--window-size={width},{height}", f"--screenshot={path}", url)


def png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) pixels of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks: dict[bytes, bytes] = {}
    position = 8
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        chunks[kind] = chunks.get(kind, b"") + png[position + 8 : position + 8 + length]
        position += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, color, interlace) in ((8, 2, 0), (8, 6, 0)), (depth, color, interlace)
    channels = 3 if color == 2 else 4
    data = zlib.decompress(chunks[b"IDAT"])
    stride = width * channels
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = data[start], bytearray(data[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            up_left = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - up_left
                nearest = min(
                    (abs(estimate - left), 0, left),
                    (abs(estimate - up), 1, up),
                    (abs(estimate - up_left), 2, up_left),
                )[2]
                line[x] = (line[x] + nearest) & 0xFF
        previous = bytes(line)
        rows.append(previous)
    return width, height, rows
