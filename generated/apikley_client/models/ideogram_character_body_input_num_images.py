from typing import Literal

IdeogramCharacterBodyInputNumImages = Literal["1", "2", "3", "4"]

IDEOGRAM_CHARACTER_BODY_INPUT_NUM_IMAGES_VALUES: set[
    IdeogramCharacterBodyInputNumImages
] = {
    "1",
    "2",
    "3",
    "4",
}


def check_ideogram_character_body_input_num_images(
    value: str,
) -> IdeogramCharacterBodyInputNumImages:
    if value in IDEOGRAM_CHARACTER_BODY_INPUT_NUM_IMAGES_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_BODY_INPUT_NUM_IMAGES_VALUES!r}"
    )
