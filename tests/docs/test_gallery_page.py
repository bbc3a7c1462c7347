"""The gallery page a batch writes into its output folder, opened from disk in Debian's
headless Chromium: every image loads, with the network out of reach."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ideogram_facade.testing._png import render_png
from tests.cli.support import cli_env, run_cli

from .browser import dump_dom, png_pixels, screenshot

pytestmark = pytest.mark.docs


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gallery")
    (folder / "me.png").write_bytes(render_png("me", 1, 0, (48, 48)))
    lines = [
        {"prompt": "a knight", "reference": "me.png", "num_images": 2},
        {"prompt": "a dragon", "reference": "https://example.com/d.png"},
        {"prompt": "a wizard", "reference": "missing.png"},
    ]
    source = folder / "lines.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = run_cli("batch", "--sandbox", source, "--out", folder / "out", env=cli_env())
    assert result.code != 0  # the third line cannot be sent
    return folder / "out"


def images(dom: str) -> list[tuple[str, str]]:
    return re.findall(r'<img[^>]* src="([^"]+)"[^>]* data-loaded="(yes|no)"', dom)


def test_every_image_on_the_page_loads(out: Path) -> None:
    dom = dump_dom((out / "index.html").as_uri())
    assert 'data-checked="yes"' in dom, "the page's script did not run"
    shown = images(dom)
    saved = sorted(path.name for path in out.glob("*.png"))
    assert len(saved) == 3
    assert sorted(src for src, _ in shown if not src.startswith("..")) == saved
    assert all(loaded == "yes" for src, loaded in shown if src != "../missing.png"), shown
    assert ("../me.png", "yes") in shown  # the local reference, by its relative path
    assert ("../missing.png", "no") in shown  # a reference that is not there is marked
    assert "line 3" in dom
    assert "neither an http(s) URL nor an existing file" in dom


def test_an_image_deleted_since_is_marked_missing(out: Path, tmp_path: Path) -> None:
    gone = sorted(out.glob("*.png"))[0]
    kept = gone.read_bytes()
    gone.unlink()
    try:
        shown = dict(images(dump_dom((out / "index.html").as_uri())))
    finally:
        gone.write_bytes(kept)
    assert shown[gone.name] == "no"


def test_the_page_shows_the_thumbnails(out: Path, tmp_path: Path) -> None:
    picture = tmp_path / "gallery.png"
    screenshot((out / "index.html").as_uri(), picture, 1200, 800)
    width, height, rows = png_pixels(picture.read_bytes())
    assert (width, height) == (1200, 800)
    # The fake's results are bright checkerboards: far from the page's greys and white.
    step = len(rows[0]) // width  # RGB or RGBA
    colours = {
        bytes(row[x : x + 3]) for row in rows[100:300] for x in range(0, step * 600, step * 4)
    }
    assert any(max(c) - min(c) > 60 for c in colours), "no coloured thumbnail on the page"
