from typing import Literal

IdeogramCharacterRemixBodyInputRenderingSpeed = Literal["BALANCED", "QUALITY", "TURBO"]

IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_RENDERING_SPEED_VALUES: set[
    IdeogramCharacterRemixBodyInputRenderingSpeed
] = {
    "BALANCED",
    "QUALITY",
    "TURBO",
}


def check_ideogram_character_remix_body_input_rendering_speed(
    value: str,
) -> IdeogramCharacterRemixBodyInputRenderingSpeed:
    if value in IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_RENDERING_SPEED_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_RENDERING_SPEED_VALUES!r}"
    )
