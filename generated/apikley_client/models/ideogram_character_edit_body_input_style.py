from typing import Literal

IdeogramCharacterEditBodyInputStyle = Literal["AUTO", "FICTION", "REALISTIC"]

IDEOGRAM_CHARACTER_EDIT_BODY_INPUT_STYLE_VALUES: set[
    IdeogramCharacterEditBodyInputStyle
] = {
    "AUTO",
    "FICTION",
    "REALISTIC",
}


def check_ideogram_character_edit_body_input_style(
    value: str,
) -> IdeogramCharacterEditBodyInputStyle:
    if value in IDEOGRAM_CHARACTER_EDIT_BODY_INPUT_STYLE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_EDIT_BODY_INPUT_STYLE_VALUES!r}"
    )
