from typing import Literal

TaskDetailsResponseCode = Literal[200, 400, 401, 402, 404, 422, 429, 455, 500, 501, 505]

TASK_DETAILS_RESPONSE_CODE_VALUES: set[TaskDetailsResponseCode] = {
    200,
    400,
    401,
    402,
    404,
    422,
    429,
    455,
    500,
    501,
    505,
}


def check_task_details_response_code(value: int) -> TaskDetailsResponseCode:
    if value in TASK_DETAILS_RESPONSE_CODE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TASK_DETAILS_RESPONSE_CODE_VALUES!r}"
    )
