"""A batch line's fields, by the command line's or the spec's names, become the facade's options."""

from __future__ import annotations

from pathlib import Path

import pytest

from ideogram_facade import InvalidRequestError, model, models
from ideogram_facade.cli._parser import option_flags
from ideogram_facade.cli._request import Request, RequestError

URL = "https://example.com/portrait.png"


def build(**fields: object) -> Request:
    return Request.build({"prompt": "a pilot", "reference": URL, **fields}, base=Path("/batch"))


def a_model(name: str) -> dict[str, str]:
    """The fields that pick the first model that takes option `name` (and its images)."""
    chosen = next(each for each in models() if name in each.options)
    needed = [image for image, spec in chosen.images.items() if spec.required]
    return {"model": chosen.name, **{image: URL for image in needed if image != "reference_image"}}


def a_value(name: str) -> object:
    """A valid value of option `name`, as the facade takes it."""
    spec = next(each.options[name] for each in models() if name in each.options)
    if spec.choices is not None:
        return spec.choices[-1]
    return {"string": "text", "integer": 7, "number": 0.5, "boolean": False}[spec.kind]


@pytest.mark.parametrize("name", sorted(option_flags()))
def test_each_option_is_read_by_its_spec_name_and_each_flag_spelling(name: str) -> None:
    value = a_value(name)
    cell = str(value).lower() if isinstance(value, bool) else str(value)  # as CSV holds it
    spellings = {name, *(flag.lstrip("-").replace("-", "_") for flag in option_flags()[name])}
    for spelling in spellings:
        assert build(**a_model(name), **{spelling: cell}).options == {name: value}, spelling
        assert build(**a_model(name), **{spelling: value}).options == {name: value}, spelling


def test_a_yes_no_option_can_be_given_negated() -> None:
    booleans = [name for name, spec in model().options.items() if spec.kind == "boolean"]
    assert booleans
    for name in booleans:
        assert build(**{"no_" + name: "yes"}).options == {name: False}
        assert build(**{"no_" + name: "off"}).options == {name: True}
        with pytest.raises(RequestError, match=f"{name} must be true or false"):
            build(**{"no_" + name: "maybe"})


def test_text_becomes_the_type_of_the_spec_and_then_is_checked() -> None:
    assert build(n="2", seed="-3").options == {"num_images": 2, "seed": -3}
    with pytest.raises(RequestError, match="seed must be a whole number"):
        build(seed="1.5")
    with pytest.raises(InvalidRequestError, match="--num-images must be one of"):
        build(n="99")


def test_an_unknown_field_names_the_known_ones() -> None:
    with pytest.raises(RequestError, match=r"unknown field 'colour'.*rendering_speed.*speed"):
        build(colour="red")


def test_a_line_s_input_is_sent_as_extra_input_and_changes_its_key() -> None:
    plain = build()
    extra = build(input={"style_codes": ["a1b2"]})
    assert extra.extra_input == {"style_codes": ["a1b2"]}
    assert extra.arguments()["extra_input"] == {"style_codes": ["a1b2"]}
    assert build(input='{"style_codes": ["a1b2"]}').extra_input == extra.extra_input  # CSV
    assert extra.key() != plain.key()
    assert "extra_input" not in plain.arguments()
    with pytest.raises(RequestError, match="input must be a JSON object"):
        build(input="[1, 2]")
