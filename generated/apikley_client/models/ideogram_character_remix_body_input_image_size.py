from typing import Literal

IdeogramCharacterRemixBodyInputImageSize = Literal[
    "landscape_16_9",
    "landscape_4_3",
    "portrait_16_9",
    "portrait_4_3",
    "square",
    "square_hd",
]

IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_IMAGE_SIZE_VALUES: set[
    IdeogramCharacterRemixBodyInputImageSize
] = {
    "landscape_16_9",
    "landscape_4_3",
    "portrait_16_9",
    "portrait_4_3",
    "square",
    "square_hd",
}


def check_ideogram_character_remix_body_input_image_size(
    value: str,
) -> IdeogramCharacterRemixBodyInputImageSize:
    if value in IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_IMAGE_SIZE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_REMIX_BODY_INPUT_IMAGE_SIZE_VALUES!r}"
    )
