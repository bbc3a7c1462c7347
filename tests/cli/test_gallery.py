"""The output folder's index.html, as `generate` and `batch` write it (the page itself is
opened in headless Chromium by tests/docs/test_gallery_page.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ideogram_facade.cli import _gallery as gallery
from ideogram_facade.testing import FakeApikley
from ideogram_facade.testing._png import render_png

from .support import cli_env, run_cli

URL = "https://example.com/portrait.png"


def cards(page: Path) -> list[dict[str, object]]:
    found = re.search(
        r'<script type="application/json" id="cards">(.*?)</script>', page.read_text()
    )
    assert found, "no cards in the page"
    loaded: list[dict[str, object]] = json.loads(found[1])
    return loaded


def sources(page: Path) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', page.read_text())


def test_generate_adds_its_card_beside_the_earlier_ones(fake: FakeApikley, tmp_path: Path) -> None:
    portrait = tmp_path / "me.png"
    portrait.write_bytes(render_png("me", 1, 0, (32, 32)))
    out = tmp_path / "out"
    first = run_cli(
        "generate", "a pilot", "--reference", portrait, "--out", out, "-n", "2",
        env=cli_env(fake),
    )  # fmt: skip
    second = run_cli(
        "generate", "a <b>sailor</b>", "--reference", URL, "--out", out, "--style", "FICTION",
        env=cli_env(fake),
    )  # fmt: skip
    assert first.code == second.code == 0, first.stderr + second.stderr
    page = out / "index.html"
    shown = cards(page)
    assert [card["prompt"] for card in shown] == ["a pilot", "a <b>sailor</b>"]
    assert [card["task_id"] for card in shown] == list(fake.tasks)
    assert shown[0]["options"] == {"num_images": 2}
    assert shown[1]["options"] == {"style": "FICTION"}
    # Every saved image is on the page by a path relative to it; the local reference too.
    saved = sorted(path.name for path in out.glob("*.png"))
    assert sorted(sources(page)) == saved
    assert shown[0]["reference"] == "../me.png"
    text = page.read_text()
    assert "a &lt;b&gt;sailor&lt;/b&gt;" in text
    assert "<b>sailor" not in text.split("<script")[0]
    # Nothing that a browser would fetch from the network: the URL reference is a link only.
    assert not re.search(r'src="https?:', text)
    assert "default-src 'none'" in text


def test_a_failed_task_is_a_card_with_its_reason(fake: FakeApikley, tmp_path: Path) -> None:
    fake.script_next_task(fail=("500", "the model refused the prompt"))
    out = tmp_path / "out"
    result = run_cli("generate", "a pilot", "--reference", URL, "--out", out, env=cli_env(fake))
    assert result.code != 0
    (card,) = cards(out / "index.html")
    assert card["state"] == "failed"
    assert "the model refused the prompt" in str(card["error"])
    assert card["task_id"] == next(iter(fake.tasks))


def test_a_page_someone_else_wrote_is_left_alone(fake: FakeApikley, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("<h1>my own page</h1>")
    result = run_cli("generate", "a pilot", "--reference", URL, "--out", out, env=cli_env(fake))
    assert result.code == 0, result.stderr
    assert (out / "index.html").read_text() == "<h1>my own page</h1>"
    assert "no gallery" in result.stderr
    assert "left as it is" in result.stderr


def test_batch_shows_every_line_with_its_outcome(fake: FakeApikley, tmp_path: Path) -> None:
    lines = [
        {"prompt": "a knight", "reference": URL},
        {"prompt": "a wizard", "reference": "missing.png"},
        {"prompt": "a dragon", "reference": URL, "num_images": 2},
    ]
    source = tmp_path / "lines.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")
    out = tmp_path / "out"
    result = run_cli("batch", source, "--out", out, env=cli_env(fake))
    assert result.code != 0  # two lines failed
    shown = cards(out / "index.html")
    assert [(c["title"], c["state"]) for c in shown] == [
        ("line 1", "done"), ("line 2", "failed"), ("line 3", "done"), ("line 4", "failed"),
    ]  # fmt: skip
    assert "neither an http(s) URL nor an existing file" in str(shown[1]["error"])
    assert "not valid JSON" in str(shown[3]["error"])
    assert sorted(sources(out / "index.html")) == sorted(p.name for p in out.glob("*.png"))
    assert "(still running)" not in (out / "index.html").read_text()


def test_a_page_written_while_lines_run_reloads_itself(tmp_path: Path) -> None:
    card = gallery.Card("line 1", "a knight", "ideogram/character", URL, "running")
    assert gallery.write(tmp_path, [card], running=True) is None
    text = (tmp_path / "index.html").read_text()
    assert '<meta http-equiv="refresh"' in text
    assert "(still running)" in text
    assert gallery.write(tmp_path, [card], running=False) is None
    assert '<meta http-equiv="refresh"' not in (tmp_path / "index.html").read_text()
