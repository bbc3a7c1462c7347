"""The tools' schemas are the catalogue's, a vendor change included; the previews are bounded."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
from PIL import Image

import ideogram_facade as facade
from ideogram_facade._endpoints import spec
from ideogram_facade._options import models_of
from ideogram_facade.cli._mcp._previews import PREVIEW_SIDE, preview
from ideogram_facade.cli._mcp._tools import catalogue, request_tool, tool_name
from ideogram_facade.testing._png import render_png
from tests.facade.test_options import input_schema

from .support import tool_names


def test_the_tools_are_a_generate_and_a_submit_per_model_then_the_task_tools() -> None:
    assert list(catalogue()) == tool_names()


@pytest.mark.parametrize("model", facade.models(), ids=lambda model: model.short)
@pytest.mark.parametrize("action", ["generate", "submit"])
def test_every_option_is_in_the_schema_with_its_limits(action: str, model: facade.Model) -> None:
    schema = catalogue()[tool_name(action, model)].input_schema
    properties = schema["properties"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {
        name for name, option in model.fields.items() if option.required
    }
    for name, option in model.options.items():
        given = properties[name]
        if option.image:
            assert given["type"] == option.kind
            assert "absolute path" in given["description"]
            assert "File URL after upload" not in given["description"]
            continue
        assert given["type"] == option.kind
        assert given.get("enum") == (list(option.choices) if option.choices else None)
        assert given.get("default") == option.default
        assert given.get("maxLength") == option.max_length
        assert given.get("minimum") == option.minimum
        assert given.get("maximum") == option.maximum
        assert "multipleOf" not in given  # said in words: validators get it wrong for 0.1
        if option.step is not None:
            assert f"A multiple of {option.step:g}." in given["description"]
    assert ("timeout" in properties) is (action == "generate")


def test_a_vendor_change_reaches_the_schemas_with_no_edit() -> None:
    document = copy.deepcopy(dict(spec()))
    remix_input = input_schema(document, "ideogram/character-remix")
    remix_input["properties"]["strength"]["maximum"] = 2
    remix_input["properties"]["style"]["enum"].append("NEW-STYLE")
    remix_input["properties"]["style_codes"] = {
        "type": "string",
        "maxLength": 8,
        "description": "A style code.",
    }
    remix_input["required"].append("style_codes")
    (remix,) = [each for each in models_of(document) if each.short == "character-remix"]

    tool = request_tool("generate", remix)
    properties = tool.input_schema["properties"]
    assert properties["strength"]["maximum"] == 2
    assert properties["style"]["enum"][-1] == "NEW-STYLE"
    assert properties["style_codes"] == {
        "type": "string",
        "minLength": 1,  # required, so not blank
        "maxLength": 8,
        "description": "A style code.",
    }
    assert "style_codes" in tool.input_schema["required"]


def test_a_large_image_previews_as_a_small_jpeg(tmp_path: Path) -> None:
    large = tmp_path / "large.png"
    large.write_bytes(render_png("a pilot", 1, 0, (2048, 1024)))
    small = preview(large)
    assert small is not None
    with Image.open(io.BytesIO(small)) as image:
        assert image.format == "JPEG"
        assert image.size == (PREVIEW_SIDE, PREVIEW_SIDE // 2)


def test_a_file_that_is_no_image_has_no_preview(tmp_path: Path) -> None:
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    assert preview(fake) is None
