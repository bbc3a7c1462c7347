from typing import Literal

CharacterEditModel = Literal["ideogram/character-edit"]

CHARACTER_EDIT_MODEL_VALUES: set[CharacterEditModel] = {
    "ideogram/character-edit",
}


def check_character_edit_model(value: str) -> CharacterEditModel:
    if value in CHARACTER_EDIT_MODEL_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CHARACTER_EDIT_MODEL_VALUES!r}"
    )
