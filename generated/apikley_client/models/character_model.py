from typing import Literal

CharacterModel = Literal["ideogram/character"]

CHARACTER_MODEL_VALUES: set[CharacterModel] = {
    "ideogram/character",
}


def check_character_model(value: str) -> CharacterModel:
    if value in CHARACTER_MODEL_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CHARACTER_MODEL_VALUES!r}"
    )
