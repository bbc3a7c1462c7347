"""The catalogue is the spec's: its models, fields, choices, defaults and limits, the rules that
name the images, and a spec change moves it."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import typing
from typing import Any

import attrs
import pytest

import ideogram_facade
from ideogram_facade import InvalidRequestError, _options, _surface
from ideogram_facade._endpoints import spec
from ideogram_facade._generated import models as generated_models
from ideogram_facade._options import MODEL, REFERENCE, Model
from ideogram_facade._requests import _request_model, create_task
from tools import codegen

URL = "https://example.com/portrait.png"
EDIT, REMIX = "ideogram/character-edit", "ideogram/character-remix"


def input_schema(document: Any, model: str = MODEL) -> Any:
    """A model's input schema, found the plain way (not through _options): the createTask body
    is a oneOf of the models' bodies, each a component."""
    body = document["paths"]["/api/v1/jobs/createTask"]["post"]["requestBody"]
    for choice in body["content"]["application/json"]["schema"]["oneOf"]:
        schema = document["components"]["schemas"][choice["$ref"].rsplit("/", 1)[-1]]
        if model in schema["properties"]["model"]["enum"]:
            return schema["properties"]["input"]
    raise AssertionError(f"no {model} in the document")


def fields(model: str = MODEL) -> dict[str, _options.Option]:
    """A model's fields by the spec's names."""
    return {option.field: option for option in _options.model(model).fields.values()}


@pytest.mark.parametrize("model", [MODEL, EDIT, REMIX])
def test_the_catalogue_is_what_the_vendored_documents_say(model: str) -> None:
    schema = input_schema(codegen.merge(), model)
    table = fields(model)
    assert list(table) == list(schema["properties"])
    for name, field in schema["properties"].items():
        option = table[name]
        assert option.required is (name in schema["required"]), name
        assert option.max_length == field.get("maxLength"), name
        assert option.minimum == field.get("minimum"), name
        assert option.maximum == field.get("maximum"), name
        assert option.step == field.get("multipleOf"), name
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


@pytest.mark.parametrize("model", [MODEL, EDIT, REMIX])
def test_the_catalogue_agrees_with_the_generated_request_classes(model: str) -> None:
    request = _request_model(model)
    # The field's annotation, `<Input class> | Unset`, is a string (postponed annotations).
    inputs = getattr(generated_models, attrs.fields(request).input_.type.split(" | ")[0])
    generated = {field.name: field for field in attrs.fields(inputs) if field.init}
    table = fields(model)
    assert set(generated) == set(table)
    for name, option in table.items():
        if option.default is not None and not option.image:
            assert generated[name].default == option.to_wire(option.default), name


def test_the_models_are_the_spec_s_by_name_and_short_name() -> None:
    assert [m.name for m in ideogram_facade.models()] == [MODEL, EDIT, REMIX]
    assert ideogram_facade.model("character-edit") is ideogram_facade.model(EDIT)
    assert ideogram_facade.model().name == MODEL
    with pytest.raises(InvalidRequestError, match="no model 'ideogram/nothing'; the models are"):
        ideogram_facade.model("ideogram/nothing")


def test_the_family_differs_where_the_pages_say() -> None:
    plain, edit, remix = (m.options for m in ideogram_facade.models())
    assert remix["negative_prompt"].max_length == 500 != plain["negative_prompt"].max_length
    assert "image_size" not in edit
    assert "negative_prompt" not in edit
    assert remix["reference_mask"].kind == "string"
    assert remix["style_images"].kind == "array"
    assert set(ideogram_facade.model("character-edit").images) == {REFERENCE, "image", "mask"}
    assert all(o.required for o in ideogram_facade.model("character-edit").images.values())


def test_the_remix_document_states_its_documented_defaults() -> None:
    remix = fields(REMIX)
    assert remix["negative_prompt"].default == ""
    assert remix["image_urls"].default == []
    assert remix["reference_mask_urls"].default == ""


def test_image_fields_and_their_keywords_follow_the_documented_rules() -> None:
    document = copy.deepcopy(dict(spec()))
    marked = "A picture (File URL after upload, not file content)"
    input_schema(document)["properties"] |= {
        "mask_image_url": {"type": "string", "description": marked},
        "pose_urls": {"type": "array", "items": {"type": "string"}, "description": marked},
        "depth_url": {"type": "string", "format": "uri", "description": "a depth map"},
        "webhook_note": {"type": "string", "description": "not an image"},
        "style_codes": {"type": "array", "items": {"type": "string"}, "description": "codes"},
    }
    (model,) = [m for m in _options.models_of(document) if m.name == MODEL]
    images = {option.field: name for name, option in model.images.items()}
    assert images == {
        "reference_image_urls": "reference_image",  # published before the rule
        "mask_image_url": "mask_image",  # by its description's upload mark
        "pose_urls": "poses",  # a list: plural
        "depth_url": "depth",  # by its name and uri format
    }
    assert not model.options["webhook_note"].image
    assert not model.options["style_codes"].image
    assert [o.name for o in _options.model(REMIX).images.values()] == [
        "image",
        REFERENCE,
        "style_images",
        "reference_mask",
    ]


@pytest.mark.parametrize("model", ideogram_facade.models(), ids=lambda m: m.short)
def test_the_typed_surface_names_every_field_of_each_model(model: Model) -> None:
    # tools/surface.py writes it and `nox -s drift` checks it; this reads what it wrote.
    typed = getattr(_surface, f"{_camel(model.short)}Options")
    assert set(typed.__annotations__) == {*model.options, "callback_url"}
    required = {name for name, option in model.options.items() if option.required}
    assert typed.__required_keys__ == required
    literal = getattr(_surface, f"{_camel(model.short)}Model")
    assert set(typing.get_args(literal)) == {model.name, model.short}


def _camel(text: str) -> str:
    return "".join(part.capitalize() for part in text.split("-"))


def test_the_published_names_stay_importable() -> None:
    assert ideogram_facade.SubmitOptions is ideogram_facade.CharacterOptions
    assert ideogram_facade.EditOptions is ideogram_facade.CharacterEditOptions
    assert ideogram_facade.RemixOptions is ideogram_facade.CharacterRemixOptions
    for name in ("Style", "ImageSize", "RenderingSpeed"):
        values = set(typing.get_args(getattr(ideogram_facade, name)))
        option = re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()
        assert values == set(_options.model().options[option].choices or ())


def test_create_task_sends_the_spec_defaults_and_its_wire_types() -> None:
    model = _options.model()
    body = create_task("https://api.example", model, "a knight", {REFERENCE: URL}, {})
    sent = body.json["input"]
    for option in model.options.values():
        if option.default is not None and not option.image:
            assert sent[option.field] == option.to_wire(option.default), option.name
    two = create_task(
        "https://api.example", model, "a knight", {REFERENCE: URL}, {"num_images": 2, "seed": 7}
    )
    assert two.json["input"]["num_images"] == "2"
    assert two.json["input"]["seed"] == 7
    assert two.json["input"]["reference_image_urls"] == [URL]


def test_create_task_sends_extra_input_as_is() -> None:
    extra = {"style_codes": ["a1b2c3d4"], "character_strength": 0.5}
    request = create_task(
        "https://api.example", _options.model(), "a", {REFERENCE: URL}, {}, extra_input=extra
    )
    assert request.json["input"]["style_codes"] == ["a1b2c3d4"]
    assert request.json["input"]["character_strength"] == 0.5


def test_a_spec_change_changes_the_checks() -> None:
    changed = copy.deepcopy(dict(spec()))
    properties = input_schema(changed)["properties"]
    properties["style"]["enum"].append("NEW-STYLE")
    properties["negative_prompt"]["maxLength"] = 10
    more = max(_options.model().options["num_images"].choices or ()) + 1
    properties["num_images"]["enum"].append(str(more))
    properties["rendering_speed"]["default"] = "TURBO"
    properties["strength"] = {"type": "number", "minimum": 0.1, "maximum": 1, "default": 0.8}
    input_schema(changed)["required"].append("seed")
    (model,) = [m for m in _options.models_of(changed) if m.name == MODEL]
    table = model.options
    table["style"].check("NEW-STYLE")
    table["num_images"].check(more)
    assert table["rendering_speed"].default == "TURBO"
    assert table["seed"].required
    with pytest.raises(InvalidRequestError, match=r"negative_prompt is 11 .* the limit is 10"):
        table["negative_prompt"].check("x" * 11)
    table["strength"].check(0.5)
    with pytest.raises(InvalidRequestError, match=re.escape("strength must be >= 0.1; got 0.05")):
        table["strength"].check(0.05)
    with pytest.raises(InvalidRequestError, match=re.escape("strength must be <= 1; got 1.5")):
        table["strength"].check(1.5)
    with pytest.raises(InvalidRequestError, match="strength must be a number; got str"):
        table["strength"].check("0.5")
    with pytest.raises(InvalidRequestError, match="ideogram/character requires seed"):
        model.check("a knight", {REFERENCE: URL})
    model.check("a knight", {REFERENCE: URL, "seed": 42})
    # ...while the shipped spec's catalogue still says what the shipped spec says.
    with pytest.raises(InvalidRequestError, match="style must be one of"):
        _options.model().options["style"].check("NEW-STYLE")
    with pytest.raises(InvalidRequestError, match="num_images must be one of"):
        _options.model().options["num_images"].check(more)


@pytest.mark.parametrize(
    ("value", "ok"),
    [(0.1, True), (0.3, True), (0.7, True), (1, True), (0.35, False), (0.05, False)],
)
def test_strength_takes_steps_of_a_tenth(value: float, ok: bool) -> None:
    strength = _options.model("character-remix").options["strength"]
    if ok:
        strength.check(value)
    else:
        with pytest.raises(InvalidRequestError, match="strength must be"):
            strength.check(value)


def test_importing_the_package_reads_no_spec() -> None:
    code = (
        "import sys, ideogram_facade; from ideogram_facade import _endpoints, _options; "
        "print(_endpoints.spec.cache_info().currsize, _options.models.cache_info().currsize, "
        "'ideogram_facade._generated.models' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert done.stdout.split() == ["0", "0", "False"]


def _cases() -> list[tuple[str, dict[str, Any], str]]:
    table = _options.model().fields
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
        (
            "a knight",
            {"speed": "TURBO"},
            "ideogram/character takes no speed; did you mean rendering_speed.; its options are "
            "rendering_speed",
        ),
        (
            "a knight",
            {"strength": 0.5},
            re.escape("takes no strength (only ideogram/character-remix does)"),
        ),
        (
            "a knight",
            {"image": URL},
            re.escape("takes no image (only ideogram/character-edit, ideogram/character-remix do)"),
        ),
    ]


@pytest.mark.parametrize(("prompt", "options", "message"), _cases())
def test_each_option_is_checked_with_a_message_that_names_it(
    prompt: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        _options.model().check(prompt, {REFERENCE: URL, **options})


def test_every_choice_and_unset_option_passes() -> None:
    model = _options.model()
    for name, option in model.options.items():
        model.check("a knight", {REFERENCE: URL, name: None})
        for choice in option.choices or ():
            model.check("a knight", {REFERENCE: URL, name: choice})


@pytest.mark.parametrize(
    ("model", "given", "message"),
    [
        (MODEL, {}, "ideogram/character requires reference_image"),
        (EDIT, {REFERENCE: URL, "image": URL}, "ideogram/character-edit requires mask"),
        (REMIX, {REFERENCE: URL}, "ideogram/character-remix requires image"),
    ],
)
def test_a_missing_required_field_is_named(model: str, given: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        _options.model(model).check("a knight", given)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"seed": 3},
            "extra_input names 'seed', a field of ideogram/character .* pass it as seed=",
        ),
        ({"reference_image_urls": [URL]}, "pass it as reference_image="),
        ({"prompt": "x"}, "pass it as prompt="),
        ({"codes": {1, 2}}, re.escape("extra_input['codes'] is not JSON")),
        ({"": 1}, "extra_input keys must be field names"),
    ],
)
def test_extra_input_never_overrides_a_checked_field(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        _options.model().check("a knight", {REFERENCE: URL}, extra)
