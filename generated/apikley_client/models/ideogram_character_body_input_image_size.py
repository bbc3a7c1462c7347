from typing import Literal

IdeogramCharacterBodyInputImageSize = Literal[
    "landscape_16_9",
    "landscape_4_3",
    "portrait_16_9",
    "portrait_4_3",
    "square",
    "square_hd",
]

IDEOGRAM_CHARACTER_BODY_INPUT_IMAGE_SIZE_VALUES: set[
    IdeogramCharacterBodyInputImageSize
] = {
    "landscape_16_9",
    "landscape_4_3",
    "portrait_16_9",
    "portrait_4_3",
    "square",
    "square_hd",
}


def check_ideogram_character_body_input_image_size(
    value: str,
) -> IdeogramCharacterBodyInputImageSize:
    if value in IDEOGRAM_CHARACTER_BODY_INPUT_IMAGE_SIZE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_BODY_INPUT_IMAGE_SIZE_VALUES!r}"
    )
