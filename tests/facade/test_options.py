"""The option table is the spec's: its choices, defaults and limits, and a spec change moves it."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import typing
from typing import Any

import attrs
import pytest

from ideogram_facade import InvalidRequestError, SubmitOptions, _options, _requests
from ideogram_facade._endpoints import spec
from ideogram_facade._generated.models import CharacterInput
from ideogram_facade._generated.models.image_size import IMAGE_SIZE_VALUES
from ideogram_facade._generated.models.num_images import NUM_IMAGES_VALUES
from ideogram_facade._generated.models.rendering_speed import RENDERING_SPEED_VALUES
from ideogram_facade._generated.models.style import STYLE_VALUES
from ideogram_facade._options import MODEL
from ideogram_facade._requests import check_request, create_task
from tools import codegen

URL = "https://example.com/portrait.png"


def character_input(document: Any, model: str = MODEL) -> Any:
    """A model's input schema, found the plain way (not through _options): the createTask body
    is a oneOf of the models' bodies, each a component."""
    body = document["paths"]["/api/v1/jobs/createTask"]["post"]["requestBody"]
    for choice in body["content"]["application/json"]["schema"]["oneOf"]:
        schema = document["components"]["schemas"][choice["$ref"].rsplit("/", 1)[-1]]
        if model in schema["properties"]["model"]["enum"]:
            return schema["properties"]["input"]
    raise AssertionError(f"no {model} in the document")


def test_the_table_is_what_the_vendored_documents_say() -> None:
    schema = character_input(codegen.merge())
    table = _options.options()
    assert list(table) == list(schema["properties"])
    for name, field in schema["properties"].items():
        option = table[name]
        assert option.required is (name in schema["required"]), name
        assert option.max_length == field.get("maxLength"), name
        assert option.minimum == field.get("minimum"), name
        assert option.maximum == field.get("maximum"), name
        assert option.description == field["description"], name
        if "enum" in field:
            assert [option.to_wire(choice) for choice in option.choices or ()] == field["enum"]
        if "default" in field:
            assert option.to_wire(option.default) == field["default"], name
        else:
            assert option.default is None, name
        # A whole-number enum is an int for the facade; every other kind is the spec's.
        whole = all(str(choice).isdecimal() for choice in field.get("enum", ["x"]))
        assert option.kind == ("integer" if whole else field["type"]), name
    assert table["num_images"].kind == "integer"


def test_the_table_agrees_with_the_generated_models() -> None:
    table = _options.options()
    assert set(table["style"].choices or ()) == STYLE_VALUES
    assert set(table["image_size"].choices or ()) == IMAGE_SIZE_VALUES
    assert set(table["rendering_speed"].choices or ()) == RENDERING_SPEED_VALUES
    assert {str(n) for n in table["num_images"].choices or ()} == NUM_IMAGES_VALUES
    generated = {field.name: field for field in attrs.fields(CharacterInput) if field.init}
    assert set(generated) == set(table)
    for name, option in table.items():
        if option.default is not None:
            assert generated[name].default == option.to_wire(option.default), name


def test_submit_options_types_exactly_the_optional_fields() -> None:
    # The TypedDict is for type checkers; what a call takes at runtime is the spec's. A field
    # the vendor adds fails here until SubmitOptions names it.
    assert set(SubmitOptions.__annotations__) == {*_options.optional(), "callback_url"}
    assert not set(_options.optional()) & {"prompt", "reference_image_urls"}


@pytest.mark.parametrize(
    ("options", "literal", "model"),
    [
        (SubmitOptions, _requests.CharacterModel, "ideogram/character"),
        (_requests.EditOptions, _requests.EditModel, "ideogram/character-edit"),
        (_requests.RemixOptions, _requests.RemixModel, "ideogram/character-remix"),
    ],
)
def test_each_model_s_typed_options_are_its_fields_in_the_spec(
    options: Any, literal: Any, model: str
) -> None:
    # The TypedDicts and Literals are for type checkers; a field or model the vendor adds
    # fails here until they name it. The required images are arguments of their own.
    optional_images = {name for name, spec in _options.files(model).items() if not spec.required}
    expected = {*_options.optional(model), *optional_images, "callback_url"}
    assert set(options.__annotations__) | set(options.__optional_keys__) == expected
    assert set(typing.get_args(literal)) == {model, model.removeprefix("ideogram/")}
    assert {
        typing.get_args(m)[0]
        for m in (_requests.CharacterModel, _requests.EditModel, _requests.RemixModel)
    } == set(_options.models())


def test_create_task_sends_the_spec_defaults_and_its_wire_types() -> None:
    body = create_task("https://api.example", MODEL, "a knight", {"reference_image": URL}, {})
    sent = body.json["input"]
    for name, option in _options.optional().items():
        if option.default is not None:
            assert sent[name] == option.to_wire(option.default), name
    two = create_task(
        "https://api.example",
        MODEL,
        "a knight",
        {"reference_image": URL},
        {"num_images": 2, "seed": 7},
    )
    assert two.json["input"]["num_images"] == "2"
    assert two.json["input"]["seed"] == 7


def test_a_spec_change_changes_the_checks() -> None:
    changed = copy.deepcopy(dict(spec()))
    fields = character_input(changed)["properties"]
    fields["style"]["enum"].append("NEW-STYLE")
    fields["negative_prompt"]["maxLength"] = 10
    more = max(_options.options()["num_images"].choices or ()) + 1
    fields["num_images"]["enum"].append(str(more))
    fields["rendering_speed"]["default"] = "TURBO"
    fields["strength"] = {"type": "number", "minimum": 0.1, "maximum": 1, "default": 0.8}
    table = _options.options_of(_options.MODEL, changed)
    table["style"].check("NEW-STYLE")
    table["num_images"].check(more)
    assert table["rendering_speed"].default == "TURBO"
    with pytest.raises(InvalidRequestError, match=r"negative_prompt is 11 .* the limit is 10"):
        table["negative_prompt"].check("x" * 11)
    table["strength"].check(0.5)
    with pytest.raises(InvalidRequestError, match=re.escape("strength must be >= 0.1; got 0.05")):
        table["strength"].check(0.05)
    with pytest.raises(InvalidRequestError, match=re.escape("strength must be <= 1; got 1.5")):
        table["strength"].check(1.5)
    with pytest.raises(InvalidRequestError, match="strength must be a number; got str"):
        table["strength"].check("0.5")
    # ...while the shipped spec's table still says what the shipped spec says.
    with pytest.raises(InvalidRequestError, match="style must be one of"):
        _options.options()["style"].check("NEW-STYLE")
    with pytest.raises(InvalidRequestError, match="num_images must be one of"):
        _options.options()["num_images"].check(more)


@pytest.mark.parametrize("model", ["ideogram/character-edit", "ideogram/character-remix"])
def test_each_model_has_the_options_of_its_own_input_schema(model: str) -> None:
    schema = character_input(codegen.merge(), model)
    table = _options.options(model)
    assert list(table) == list(schema["properties"])
    for name, field in schema["properties"].items():
        assert table[name].required is (name in schema["required"]), name
        assert table[name].max_length == field.get("maxLength"), name
        assert table[name].step == field.get("multipleOf"), name
    assert _options.options(model.removeprefix("ideogram/")) == table  # the short name


def test_the_family_differs_where_the_pages_say() -> None:
    plain, edit, remix = (_options.options(m) for m in _options.models())
    assert _options.models() == (MODEL, "ideogram/character-edit", "ideogram/character-remix")
    assert remix["negative_prompt"].max_length == 500 != plain["negative_prompt"].max_length
    assert "image_size" not in edit
    assert "negative_prompt" not in edit
    assert remix["reference_mask_urls"].kind == "string"
    assert remix["image_urls"].kind == "array"
    assert set(_options.files("character-edit")) == {"reference_image", "image", "mask"}
    assert all(option.required for option in _options.files("character-edit").values())
    with pytest.raises(InvalidRequestError, match="no model 'ideogram/nothing'; the models are"):
        _options.options("ideogram/nothing")


def test_every_field_that_takes_a_url_is_an_image_argument() -> None:
    # A field the vendor adds that takes an image must get a name before it can be used.
    for model in _options.models():
        for name in _options.options(model):
            if name.endswith(("_url", "_urls")):
                assert name in _options.FILE_PARAMETERS, (model, name)


@pytest.mark.parametrize(
    ("value", "ok"),
    [(0.1, True), (0.3, True), (0.7, True), (1, True), (0.35, False), (0.05, False)],
)
def test_strength_takes_steps_of_a_tenth(value: float, ok: bool) -> None:
    strength = _options.options("character-remix")["strength"]
    if ok:
        strength.check(value)
    else:
        with pytest.raises(InvalidRequestError, match="strength must be"):
            strength.check(value)


def test_importing_the_package_reads_no_spec() -> None:
    code = (
        "import sys, ideogram_facade; from ideogram_facade import _endpoints, _options; "
        "print(_endpoints.spec.cache_info().currsize, _options.options.cache_info().currsize, "
        "'ideogram_facade._generated.models' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert done.stdout.split() == ["0", "0", "False"]


def _cases() -> list[tuple[str, dict[str, Any], str]]:
    table = _options.options()
    prompt_limit = table["prompt"].max_length or 0
    negative_limit = table["negative_prompt"].max_length or 0
    styles = ", ".join(map(str, table["style"].choices or ()))
    counts = ", ".join(map(str, table["num_images"].choices or ()))
    return [
        ("", {}, "prompt must not be empty"),
        (" \n", {}, "prompt must not be empty"),
        ("x" * (prompt_limit + 1), {}, f"prompt is {prompt_limit + 1} .* limit is {prompt_limit}"),
        ("a knight", {"style": "NO-SUCH"}, f"style must be one of {styles}; got 'NO-SUCH'"),
        ("a knight", {"num_images": max(table["num_images"].choices or ()) + 1}, counts),
        ("a knight", {"num_images": True}, "num_images must be one of"),
        ("a knight", {"seed": "7"}, "seed must be an int; got str"),
        ("a knight", {"expand_prompt": 1}, "expand_prompt must be True or False; got int"),
        ("a knight", {"negative_prompt": "x" * (negative_limit + 1)}, f"limit is {negative_limit}"),
        ("a knight", {"callback_url": "/relative"}, "callback_url must be an absolute"),
        (
            "a knight",
            {"speed": "TURBO"},
            "ideogram/character takes no speed; its options are rendering_speed",
        ),
    ]


@pytest.mark.parametrize(("prompt", "options", "message"), _cases())
def test_each_option_is_checked_with_a_message_that_names_it(
    prompt: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        check_request(MODEL, prompt, options, {"reference_image": URL})


def test_every_choice_and_unset_option_passes() -> None:
    for name, option in _options.optional().items():
        check_request(MODEL, "a knight", {name: None}, {"reference_image": URL})
        for choice in option.choices or ():
            check_request(MODEL, "a knight", {name: choice}, {"reference_image": URL})
