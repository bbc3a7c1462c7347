"""The command line speaks its own words: flags, not the API's fields; the usage of the command
that was mistyped, with what was meant; nothing cut without saying so; no box characters for a
program reading its output; and it says where the page of images is.

In process (`main(argv)`), as far as no service is needed: what is checked is the text.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from ideogram_facade.cli import main
from ideogram_facade.cli._batchreport import clip
from ideogram_facade.cli._parser import batch_fields, build_parser
from ideogram_facade.testing._png import render_png

URL = "https://example.com/portrait.png"


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("APIKLEY_API_KEY", "APIKLEY_BASE_URL", "APIKLEY_UPLOAD_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_main_called_again_logs_to_the_stderr_of_that_call() -> None:
    # The first call's stderr is closed by the time of the second (a test, a notebook cell).
    first, second = io.StringIO(), io.StringIO()
    for stderr in (first, second):
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            code = main(["submit", "a pilot", "--reference", URL, "--sandbox"])
        assert code == 0
        said = stderr.getvalue()
        stderr.close()
        assert "sandbox" in said
        assert "Logging error" not in said


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(argument) for argument in argv])
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (
            ["--model", "character-edit", "--image", URL, "--mask", URL, "--size", "square"],
            "ideogram/character-edit takes no --size (only ideogram/character, "
            "ideogram/character-remix do)",
        ),
        (
            ["--model", "character-remix", "--image", URL, "--negative", "x" * 600],
            "--negative is 600 characters long; the limit is 500",
        ),
        (["--model", "character-edit", "--image", URL], "ideogram/character-edit requires --mask"),
        (
            ["--model", "character-remix", "--image", URL, "--strength", "2"],
            "--strength must be <= 1",
        ),
        (
            ["--seed", "1", "--strength", "0.5"],
            "takes no --strength (only ideogram/character-remix does)",
        ),
    ],
)
def test_a_refused_option_is_named_by_its_flag(
    capsys: pytest.CaptureFixture[str], arguments: list[str], words: str
) -> None:
    code, _, err = run(capsys, "submit", "a pilot", "--reference", URL, "--sandbox", *arguments)
    assert code == 5, err
    assert words in err
    assert "File URL after upload" not in err  # the spec's words for the API, not for a flag


def test_a_mistyped_option_gets_its_command_s_usage_and_what_was_meant(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "generate", "a pilot", "--reference", URL, "--sizee", "square")
    assert code == 2
    assert err.startswith("usage: ideogram-character generate ")
    assert "unrecognized arguments: --sizee square (did you mean --size?)" in err


def test_a_mistyped_batch_field_says_what_was_meant_before_the_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = tmp_path / "lines.jsonl"
    lines.write_text(f'{{"prompt": "a", "reference": "{URL}", "sizee": "square"}}\n')
    code, out, err = run(capsys, "batch", lines, "--out", tmp_path / "out", "--sandbox")
    assert code == 11, err
    assert "unknown field 'sizee'; did you mean 'size'?" in " ".join(out.split())


def test_a_long_reason_is_cut_with_an_ellipsis() -> None:
    assert clip("short", 10) == "short"
    cut = clip("unknown field 'x'; the fields are " + ", ".join(batch_fields()), 60)
    assert len(cut) == 60
    assert cut.endswith("…")


def test_batch_help_names_every_field_of_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "batch", "--help")
    assert code == 0
    text = " ".join(out.split())
    for field in batch_fields():
        assert re.search(rf"\b{field}\b", text), field
    assert {"size", "style_image", "mask", "strength", "input"} <= set(batch_fields())


def test_no_key_leaves_no_empty_output_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, _, err = run(capsys, "generate", "a pilot", "--reference", URL, "--out", out)
    assert code == 3
    assert "no API key" in err
    assert not out.exists()


def test_generate_says_where_the_page_of_images_is(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    me = tmp_path / "me.png"
    me.write_bytes(render_png("me", 1, 0, (32, 32)))
    out = tmp_path / "out"
    code, stdout, err = run(
        capsys, "generate", "a pilot", "--reference", me, "--out", out, "--sandbox"
    )
    assert code == 0, err
    assert f"open {out / 'index.html'}" in err
    assert (out / "index.html").is_file()
    assert "index.html" not in stdout  # stdout is the images' paths, for scripts


def test_tables_for_a_pipe_are_plain_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = tmp_path / "lines.jsonl"
    lines.write_text(f'{{"prompt": "a", "reference": "{URL}"}}\n')
    code, out, err = run(capsys, "batch", lines, "--out", tmp_path / "out", "--sandbox")
    assert code == 0, err
    assert "batch summary" in out
    assert not set(out) & set("─│┃━┏┓┗┛┡┩╇╭╮╰╯"), out
    assert build_parser().prog == "ideogram-character"
