from typing import Literal

CharacterRemixModel = Literal["ideogram/character-remix"]

CHARACTER_REMIX_MODEL_VALUES: set[CharacterRemixModel] = {
    "ideogram/character-remix",
}


def check_character_remix_model(value: str) -> CharacterRemixModel:
    if value in CHARACTER_REMIX_MODEL_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CHARACTER_REMIX_MODEL_VALUES!r}"
    )
