from typing import Literal

IdeogramCharacterBodyModel = Literal["ideogram/character"]

IDEOGRAM_CHARACTER_BODY_MODEL_VALUES: set[IdeogramCharacterBodyModel] = {
    "ideogram/character",
}


def check_ideogram_character_body_model(value: str) -> IdeogramCharacterBodyModel:
    if value in IDEOGRAM_CHARACTER_BODY_MODEL_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_BODY_MODEL_VALUES!r}"
    )
