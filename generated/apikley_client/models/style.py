from typing import Literal

Style = Literal["AUTO", "FICTION", "REALISTIC"]

STYLE_VALUES: set[Style] = {
    "AUTO",
    "FICTION",
    "REALISTIC",
}


def check_style(value: str) -> Style:
    if value in STYLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {STYLE_VALUES!r}")
