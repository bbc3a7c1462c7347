from typing import Literal

IdeogramCharacterRemixBodyInputNumImages = Literal["1", "2", "3", "4"]

IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_NUM_IMAGES_VALUES: set[
    IdeogramCharacterRemixBodyInputNumImages
] = {
    "1",
    "2",
    "3",
    "4",
}


def check_ideogram_character_remix_body_input_num_images(
    value: str,
) -> IdeogramCharacterRemixBodyInputNumImages:
    if value in IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_NUM_IMAGES_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_NUM_IMAGES_VALUES!r}"
    )
