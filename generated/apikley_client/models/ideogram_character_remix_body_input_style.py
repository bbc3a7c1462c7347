from typing import Literal

IdeogramCharacterRemixBodyInputStyle = Literal["AUTO", "FICTION", "REALISTIC"]

IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_STYLE_VALUES: set[
    IdeogramCharacterRemixBodyInputStyle
] = {
    "AUTO",
    "FICTION",
    "REALISTIC",
}


def check_ideogram_character_remix_body_input_style(
    value: str,
) -> IdeogramCharacterRemixBodyInputStyle:
    if value in IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_STYLE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_STYLE_VALUES!r}"
    )
