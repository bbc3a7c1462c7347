"""The three models on the command line: --model, the image flags, and batch lines that name
a model, each run as a subprocess against the loopback fake."""

from __future__ import annotations

import json
from pathlib import Path

from ideogram_facade._files import pixel_size
from ideogram_facade.testing import FakeApikley
from ideogram_facade.testing._png import render_png

from .support import cli_env, run_cli

URL = "https://example.com/portrait.png"


def image(folder: Path, name: str, size: tuple[int, int] = (64, 48)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(render_png(name, 1, 0, size))
    return path


def test_generate_edits_with_local_files(fake: FakeApikley, tmp_path: Path) -> None:
    scene = image(tmp_path, "scene.png", (80, 60))
    mask = image(tmp_path, "mask.png", (80, 60))
    result = run_cli(
        "generate", "the same man", "--reference", image(tmp_path, "me.png"),
        "--model", "character-edit", "--image", scene, "--mask", mask,
        "--out", tmp_path / "out", "--json",
        env=cli_env(fake),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    (task,) = fake.tasks.values()
    assert task.body["model"] == "ideogram/character-edit"
    assert len(fake.uploads) == 3
    (saved,) = json.loads(result.stdout)["files"]
    assert pixel_size(Path(saved).read_bytes()) == (80, 60)


def test_remix_flags_reach_the_service_in_the_spec_s_shape(
    fake: FakeApikley, tmp_path: Path
) -> None:
    result = run_cli(
        "submit", "the same woman", "--reference", URL, "--model", "character-remix",
        "--image", URL, "--strength", "0.6", "--style-image", image(tmp_path, "a.png"),
        "--style-image", image(tmp_path, "b.png"), "--reference-mask", URL,
        "--negative", "blurry", "--size", "landscape_16_9",
        env=cli_env(fake),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    (task,) = fake.tasks.values()
    inputs = task.body["input"]
    assert inputs["strength"] == 0.6
    assert len(inputs["image_urls"]) == 2
    assert inputs["reference_mask_urls"] == URL
    assert inputs["image_size"] == "landscape_16_9"


def test_an_option_the_model_does_not_take_exits_5_before_any_upload(
    fake: FakeApikley, tmp_path: Path
) -> None:
    result = run_cli(
        "generate", "a", "--reference", image(tmp_path, "me.png"), "--model", "character-edit",
        "--image", image(tmp_path, "scene.png"), "--mask", image(tmp_path, "mask.png"),
        "--size", "square", "--out", tmp_path / "out",
        env=cli_env(fake),
    )  # fmt: skip
    assert result.code == 5
    assert "character-edit takes no --size" in result.stderr
    assert fake.uploads == {}
    assert fake.creates_received == 0


def test_a_mask_of_another_size_exits_5_before_any_upload(
    fake: FakeApikley, tmp_path: Path
) -> None:
    result = run_cli(
        "submit", "a", "--reference", image(tmp_path, "me.png"), "--model", "character-edit",
        "--image", image(tmp_path, "scene.png", (80, 60)),
        "--mask", image(tmp_path, "mask.png", (60, 60)),
        env=cli_env(fake),
    )  # fmt: skip
    assert result.code == 5
    assert "must be the same size" in result.stderr
    assert fake.uploads == {}


def test_batch_lines_name_their_model_and_share_uploads(fake: FakeApikley, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    image(folder, "me.png")
    image(folder, "scene.png", (80, 60))
    image(folder, "mask.png", (80, 60))
    lines = [
        {"prompt": "one", "reference": "me.png"},
        {"prompt": "one", "reference": "me.png", "model": "character-edit",
         "image": "scene.png", "mask": "mask.png"},
        {"prompt": "one", "reference": "me.png", "model": "character-remix",
         "image": "scene.png", "style_images": ["mask.png"], "strength": 0.5},
    ]  # fmt: skip
    batch = folder / "lines.jsonl"
    batch.write_text("".join(json.dumps(line) + "\n" for line in lines))
    args = ("batch", batch, "--out", tmp_path / "out", "--json")
    result = run_cli(*args, cwd=tmp_path, env=cli_env(fake))
    assert result.code == 0, result.stderr
    models = sorted(task.body["model"] for task in fake.tasks.values())
    assert models == [
        "ideogram/character",
        "ideogram/character-edit",
        "ideogram/character-remix",
    ]
    # Three files, each uploaded once in the run although lines share them.
    assert len(fake.uploads) == 3
    # The same prompt and reference with another model is another line to the journal: a
    # second run sends nothing again.
    again = run_cli(*args, cwd=tmp_path, env=cli_env(fake))
    assert again.code == 0, again.stderr
    assert fake.creates_received == 3


def test_help_names_what_each_model_takes(fake: FakeApikley) -> None:
    text = " ".join(run_cli("submit", "--help", env=cli_env(fake)).stdout.split())
    assert "--model {character,character-edit,character-remix}" in text
    assert "character-remix --image (required), --style-image, --reference-mask," in text


def test_input_sends_a_field_the_spec_does_not_know_and_refuses_one_it_does(
    fake: FakeApikley, tmp_path: Path
) -> None:
    result = run_cli(
        "submit", "a", "--reference", URL, "--input", 'style_codes=["a1b2"]',
        "--input", "weight=0.5",
        env=cli_env(fake),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    (task,) = fake.tasks.values()
    assert task.body["input"]["style_codes"] == ["a1b2"]
    assert task.body["input"]["weight"] == 0.5
    for argument, message in [
        ("seed=3", "a field of ideogram/character that is checked"),
        ("note=plain words", "is not JSON"),
        ("no-equals", "takes KEY=JSON"),
    ]:
        refused = run_cli("submit", "a", "--reference", URL, "--input", argument, env=cli_env(fake))
        assert refused.code == 5, (argument, refused.stderr)
        assert message in refused.stderr, (argument, refused.stderr)
    assert fake.creates_received == 1
