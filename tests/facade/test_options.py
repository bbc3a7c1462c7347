"""The option table is the spec's: its choices, defaults and limits, and a spec change moves it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ideogram_facade import InvalidRequestError, _options
from ideogram_facade._endpoints import spec
from ideogram_facade._generated.models.image_size import IMAGE_SIZE_VALUES
from ideogram_facade._generated.models.rendering_speed import RENDERING_SPEED_VALUES
from ideogram_facade._generated.models.style import STYLE_VALUES
from ideogram_facade._requests import check_options
from tools import codegen


def _input(document: Any) -> Any:
    body = document["paths"]["/api/v1/jobs/createTask"]["post"]["requestBody"]
    return body["content"]["application/json"]["schema"]["properties"]["input"]


def test_the_table_is_what_the_vendored_document_says() -> None:
    fields = _input(codegen.merge())["properties"]
    table = _options.options_of()
    assert table["prompt"].max_length == fields["prompt"]["maxLength"]
    assert table["prompt"].required
    assert table["negative_prompt"].max_length == fields["negative_prompt"]["maxLength"]
    assert table["num_images"].choices == tuple(int(n) for n in fields["num_images"]["enum"])
    assert table["num_images"].default == int(fields["num_images"]["default"])
    assert set(table["style"].choices or ()) == STYLE_VALUES
    assert set(table["image_size"].choices or ()) == IMAGE_SIZE_VALUES
    assert set(table["rendering_speed"].choices or ()) == RENDERING_SPEED_VALUES
    assert table["rendering_speed"].default == fields["rendering_speed"]["default"]
    assert table["image_size"].default == fields["image_size"]["default"]


def test_a_spec_change_changes_the_checks() -> None:
    changed = copy.deepcopy(dict(spec()))
    fields = _input(changed)["properties"]
    fields["style"]["enum"].append("ANIME")
    fields["negative_prompt"]["maxLength"] = 10
    table = _options.options_of(document=changed)
    table["style"].check("ANIME")
    with pytest.raises(InvalidRequestError, match="the limit is 10"):
        table["negative_prompt"].check("x" * 11)
    with pytest.raises(InvalidRequestError, match="style must be one of"):
        _options.options_of()["style"].check("ANIME")


@pytest.mark.parametrize(
    ("prompt", "options", "message"),
    [
        ("", {}, "prompt must not be empty"),
        ("x" * 5001, {}, "the limit is 5000"),
        ("a knight", {"style": "ANIME"}, "style must be one of AUTO, REALISTIC, FICTION"),
        ("a knight", {"num_images": 5}, "num_images must be one of 1, 2, 3, 4"),
        ("a knight", {"num_images": True}, "num_images must be one of"),
        ("a knight", {"seed": "7"}, "seed must be an int"),
        ("a knight", {"expand_prompt": 1}, "expand_prompt must be True or False"),
        ("a knight", {"negative_prompt": "x" * 5001}, "the limit is 5000"),
        ("a knight", {"speed": "TURBO"}, "unknown option"),
    ],
)
def test_each_option_is_checked_with_a_message_that_names_it(
    prompt: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        check_options(prompt, options)  # type: ignore[arg-type]
