from typing import Literal

ImageSize = Literal[
    "landscape_16_9",
    "landscape_4_3",
    "portrait_16_9",
    "portrait_4_3",
    "square",
    "square_hd",
]

IMAGE_SIZE_VALUES: set[ImageSize] = {
    "landscape_16_9",
    "landscape_4_3",
    "portrait_16_9",
    "portrait_4_3",
    "square",
    "square_hd",
}


def check_image_size(value: str) -> ImageSize:
    if value in IMAGE_SIZE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IMAGE_SIZE_VALUES!r}"
    )
