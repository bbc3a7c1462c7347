from typing import Literal

IdeogramCharacterEditBodyModel = Literal["ideogram/character-edit"]

IDEOGRAM_CHARACTER_EDIT_BODY_MODEL_VALUES: set[IdeogramCharacterEditBodyModel] = {
    "ideogram/character-edit",
}


def check_ideogram_character_edit_body_model(
    value: str,
) -> IdeogramCharacterEditBodyModel:
    if value in IDEOGRAM_CHARACTER_EDIT_BODY_MODEL_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_EDIT_BODY_MODEL_VALUES!r}"
    )
