from typing import Literal

IdeogramCharacterBodyInputStyle = Literal["AUTO", "FICTION", "REALISTIC"]

IDEOGRAM_CHARACTER_BODY_INPUT_STYLE_VALUES: set[IdeogramCharacterBodyInputStyle] = {
    "AUTO",
    "FICTION",
    "REALISTIC",
}


def check_ideogram_character_body_input_style(
    value: str,
) -> IdeogramCharacterBodyInputStyle:
    if value in IDEOGRAM_CHARACTER_BODY_INPUT_STYLE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_BODY_INPUT_STYLE_VALUES!r}"
    )
