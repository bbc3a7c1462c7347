from typing import Literal

IdeogramCharacterEditBodyInputNumImages = Literal["1", "2", "3", "4"]

IDEOGRAM_CHARACTER_EDIT_BODY_INPUT_NUM_IMAGES_VALUES: set[
    IdeogramCharacterEditBodyInputNumImages
] = {
    "1",
    "2",
    "3",
    "4",
}


def check_ideogram_character_edit_body_input_num_images(
    value: str,
) -> IdeogramCharacterEditBodyInputNumImages:
    if value in IDEOGRAM_CHARACTER_EDIT_BODY_INPUT_NUM_IMAGES_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_EDIT_BODY_INPUT_NUM_IMAGES_VALUES!r}"
    )
