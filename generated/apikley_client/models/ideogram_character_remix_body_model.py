from typing import Literal

IdeogramCharacterRemixBodyModel = Literal["ideogram/character-remix"]

IDEOGRAM_CHARACTER_REMIX_BODY_MODEL_VALUES: set[IdeogramCharacterRemixBodyModel] = {
    "ideogram/character-remix",
}


def check_ideogram_character_remix_body_model(
    value: str,
) -> IdeogramCharacterRemixBodyModel:
    if value in IDEOGRAM_CHARACTER_REMIX_BODY_MODEL_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IDEOGRAM_CHARACTER_REMIX_BODY_MODEL_VALUES!r}"
    )
