from typing import Literal

GetTaskDetailsResponse200Code = Literal[
    200, 400, 401, 402, 404, 422, 429, 455, 500, 501, 505
]

GET_TASK_DETAILS_RESPONSE_200_CODE_VALUES: set[GetTaskDetailsResponse200Code] = {
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


def check_get_task_details_response_200_code(
    value: int,
) -> GetTaskDetailsResponse200Code:
    if value in GET_TASK_DETAILS_RESPONSE_200_CODE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_TASK_DETAILS_RESPONSE_200_CODE_VALUES!r}"
    )
