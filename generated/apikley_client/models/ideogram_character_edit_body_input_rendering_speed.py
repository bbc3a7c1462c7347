from typing import Literal

IdeogramCharacterEditBodyInputRenderingSpeed = Literal["BALANCED", "QUALITY", "TURBO"]

IDEOGRAM_CHARACTER_EDIT_BODY_INPUT_RENDERING_SPEED_VALUES: set[
    IdeogramCharacterEditBodyInputRenderingSpeed
] = {
    "BALANCED",
    "QUALITY",
    "TURBO",
}


def check_ideogram_character_edit_body_input_rendering_speed(
    value: str,
) -> IdeogramCharacterEditBodyInputRenderingSpeed:
    if value in IDEOGRAM_CHARACTER_EDIT_BODY_INPUT_RENDERING_SPEED_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_EDIT_BODY_INPUT_RENDERING_SPEED_VALUES!r}"
    )
