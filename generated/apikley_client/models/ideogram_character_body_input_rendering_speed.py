from typing import Literal

IdeogramCharacterBodyInputRenderingSpeed = Literal["BALANCED", "QUALITY", "TURBO"]

IDEOGRAM_CHARACTER_BODY_INPUT_RENDERING_SPEED_VALUES: set[
    IdeogramCharacterBodyInputRenderingSpeed
] = {
    "BALANCED",
    "QUALITY",
    "TURBO",
}


def check_ideogram_character_body_input_rendering_speed(
    value: str,
) -> IdeogramCharacterBodyInputRenderingSpeed:
    if value in IDEOGRAM_CHARACTER_BODY_INPUT_RENDERING_SPEED_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_BODY_INPUT_RENDERING_SPEED_VALUES!r}"
    )
