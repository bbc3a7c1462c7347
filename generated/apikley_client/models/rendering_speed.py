from typing import Literal

RenderingSpeed = Literal["BALANCED", "QUALITY", "TURBO"]

RENDERING_SPEED_VALUES: set[RenderingSpeed] = {
    "BALANCED",
    "QUALITY",
    "TURBO",
}


def check_rendering_speed(value: str) -> RenderingSpeed:
    if value in RENDERING_SPEED_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {RENDERING_SPEED_VALUES!r}"
    )
