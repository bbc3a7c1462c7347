"""The character family through one verb: each model, its images, and its own rules.

Every rule is checked before the first upload or request: where a call is refused, the fake
saw nothing at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ideogram_facade import InvalidRequestError, _options
from ideogram_facade._files import pixel_size
from ideogram_facade.testing import FakeApikley
from ideogram_facade.testing._png import render_png
from tests.conftest import Guarded

URL = "https://example.com/portrait.png"
EDIT, REMIX = "ideogram/character-edit", "ideogram/character-remix"


def image(tmp_path: Path, name: str, size: tuple[int, int] = (64, 48)) -> Path:
    path = tmp_path / name
    path.write_bytes(render_png(name, 1, 0, size))
    return path


def sent(fake: FakeApikley) -> dict[str, Any]:
    (task,) = fake.tasks.values()
    return dict(task.body)


def assert_nothing_sent(fake: FakeApikley) -> None:
    assert fake.uploads == {}
    assert fake.creates_received == 0


def test_the_plain_model_is_the_default_and_the_task_names_it(
    client: Guarded, fake: FakeApikley
) -> None:
    task = client.generate("a knight", URL)
    assert sent(fake)["model"] == _options.MODEL
    assert task.model == _options.MODEL


def test_edit_from_local_files_uploads_each_and_sends_exactly_its_fields(
    client: Guarded, fake: FakeApikley, tmp_path: Path
) -> None:
    scene, mask = image(tmp_path, "scene.png", (80, 60)), image(tmp_path, "mask.png", (80, 60))
    me = image(tmp_path, "me.png")
    task = client.generate("the same man", me, model="character-edit", image=scene, mask=mask)
    assert task.model == EDIT
    body = sent(fake)
    assert body["model"] == EDIT
    inputs = body["input"]
    assert set(inputs) <= {option.field for option in _options.model(EDIT).fields.values()}
    assert {"prompt", "image_url", "mask_url", "reference_image_urls"} <= set(inputs)
    assert "image_size" not in inputs
    assert "negative_prompt" not in inputs
    assert len(fake.uploads) == 3
    uploaded = {file.data for file in fake.uploads.values()}
    assert uploaded == {scene.read_bytes(), mask.read_bytes(), me.read_bytes()}
    assert isinstance(inputs["image_url"], str)
    assert isinstance(inputs["reference_image_urls"], list)
    # An edit repaints its image, so the result has the image's size.
    (saved,) = client.download(task, tmp_path / "out")
    assert pixel_size(saved.read_bytes()) == (80, 60)


def test_remix_sends_each_field_in_the_spec_s_shape(
    client: Guarded, fake: FakeApikley, tmp_path: Path
) -> None:
    looks = [image(tmp_path, "look1.png"), image(tmp_path, "look2.png")]
    client.generate(
        "the same woman",
        URL,
        model="ideogram/character-remix",
        image="https://example.com/scene.png",
        strength=0.6,
        image_size="landscape_16_9",
        style_images=looks,
        reference_mask=image(tmp_path, "face.png"),
        negative_prompt="blurry",
    )
    inputs = sent(fake)["input"]
    assert set(inputs) <= {option.field for option in _options.model(REMIX).fields.values()}
    assert inputs["image_url"] == "https://example.com/scene.png"
    assert inputs["strength"] == 0.6
    assert inputs["image_size"] == "landscape_16_9"
    assert inputs["negative_prompt"] == "blurry"
    assert isinstance(inputs["image_urls"], list)
    assert len(inputs["image_urls"]) == 2
    assert isinstance(inputs["reference_mask_urls"], str)  # a string, as the spec says
    assert inputs["reference_mask_urls"].startswith(fake.base_url + "/files/uploads/")
    assert len(fake.uploads) == 3


def test_every_model_takes_urls_without_uploading(client: Guarded, fake: FakeApikley) -> None:
    images = {
        "ideogram/character": {},
        EDIT: {"image": "https://example.com/a.png", "mask": "https://example.com/m.png"},
        REMIX: {"image": "https://example.com/a.png"},
    }
    for model, extra in images.items():
        task_id = client.submit("a knight", URL, model=model, **extra)
        assert fake.tasks[task_id].body["model"] == model
    assert fake.uploads == {}


@pytest.mark.parametrize(
    ("model", "arguments", "message"),
    [
        ("character", {"strength": 0.5}, "ideogram/character takes no strength .only "),
        (
            "character-edit",
            {"image": URL, "mask": URL, "image_size": "square"},
            "character-edit takes no image_size",
        ),
        (
            "character-edit",
            {"image": URL, "mask": URL, "negative_prompt": "x"},
            "character-edit takes no negative_prompt",
        ),
        ("character-edit", {"image": URL}, "ideogram/character-edit requires mask"),
        ("character-remix", {}, "ideogram/character-remix requires image"),
        ("character-remix", {"image": URL, "strength": 0.35}, "multiple of 0.1; got 0.35"),
        ("character-remix", {"image": URL, "strength": 1.1}, "strength must be <= 1"),
        ("character-remix", {"image": URL, "negative_prompt": "x" * 501}, "the limit is 500"),
        ("character-remix", {"image": "ftp://example.com/a.png"}, "not http"),
        ("character-remix", {"image": "/nowhere/a.png"}, "neither an http.s. URL nor an exist"),
        ("character-sketch", {}, "no model 'character-sketch'; the models are"),
    ],
)
def test_a_wrong_option_costs_no_request(
    client: Guarded, fake: FakeApikley, model: str, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        client.submit("a knight", URL, model=model, **arguments)
    assert_nothing_sent(fake)


def test_a_mask_of_another_size_than_its_image_is_refused_before_any_upload(
    client: Guarded, fake: FakeApikley, tmp_path: Path
) -> None:
    scene, mask = image(tmp_path, "scene.png", (80, 60)), image(tmp_path, "mask.png", (60, 80))
    with pytest.raises(InvalidRequestError, match="mask is 60x80 pixels and the image 80x60"):
        client.submit("a", image(tmp_path, "me.png"), model=EDIT, image=scene, mask=mask)
    assert_nothing_sent(fake)


def test_a_bad_style_image_is_refused_before_the_reference_is_uploaded(
    client: Guarded, fake: FakeApikley, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    with pytest.raises(InvalidRequestError, match=r"style_images\[1\] is not a JPEG, PNG"):
        client.submit(
            "a",
            image(tmp_path, "me.png"),
            model=REMIX,
            image=URL,
            style_images=[image(tmp_path, "look.png"), text],
        )
    assert_nothing_sent(fake)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            {
                "model": EDIT,
                "input": {"prompt": "a", "image_url": URL, "reference_image_urls": [URL]},
            },
            "mask_url",
        ),
        (
            {
                "model": REMIX,
                "input": {
                    "prompt": "a",
                    "image_url": URL,
                    "reference_image_urls": [URL],
                    "reference_mask_urls": [URL],
                },
            },
            "reference_mask_urls",
        ),
    ],
)
def test_the_fake_refuses_a_body_its_model_s_schema_refuses(
    fake: FakeApikley, http: Any, body: dict[str, Any], problem: str
) -> None:
    answer = http.post("/api/v1/jobs/createTask", json=body).json()
    assert answer["code"] == 422
    assert problem in answer["msg"]
    assert fake.creates_accepted == 0


def test_extra_input_is_sent_as_is_beside_the_checked_fields(
    client: Guarded, fake: FakeApikley
) -> None:
    extra = {"style_codes": ["a1b2c3d4"], "character_strength": {"face": 0.9}}
    client.generate("a knight", URL, seed=3, extra_input=extra)
    inputs = sent(fake)["input"]
    assert inputs["style_codes"] == ["a1b2c3d4"]
    assert inputs["character_strength"] == {"face": 0.9}
    assert inputs["seed"] == 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"seed": 4}, "extra_input names 'seed', a field of ideogram/character that is checked"),
        ({"image_url": URL}, "pass it as image="),
        ({"when": object()}, r"extra_input\['when'\] is not JSON"),
    ],
)
def test_extra_input_never_overrides_a_checked_field_and_costs_no_request(
    client: Guarded, fake: FakeApikley, extra: dict[str, Any], message: str
) -> None:
    arguments = {"image": URL} if "image_url" in extra else {}
    model = REMIX if arguments else "ideogram/character"
    with pytest.raises(InvalidRequestError, match=message):
        client.submit("a knight", URL, model=model, extra_input=extra, **arguments)
    assert_nothing_sent(fake)
