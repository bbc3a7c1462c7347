from typing import Literal

ModelName = Literal["ideogram/character"]

MODEL_NAME_VALUES: set[ModelName] = {
    "ideogram/character",
}


def check_model_name(value: str) -> ModelName:
    if value in MODEL_NAME_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {MODEL_NAME_VALUES!r}"
    )
