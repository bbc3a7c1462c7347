from typing import Literal

NumImages = Literal["1", "2", "3", "4"]

NUM_IMAGES_VALUES: set[NumImages] = {
    "1",
    "2",
    "3",
    "4",
}


def check_num_images(value: str) -> NumImages:
    if value in NUM_IMAGES_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {NUM_IMAGES_VALUES!r}"
    )
