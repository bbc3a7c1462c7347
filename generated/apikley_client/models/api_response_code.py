from typing import Literal

ApiResponseCode = Literal[200, 401, 402, 404, 422, 429, 455, 500, 501, 505]

API_RESPONSE_CODE_VALUES: set[ApiResponseCode] = {
    200,
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


def check_api_response_code(value: int) -> ApiResponseCode:
    if value in API_RESPONSE_CODE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {API_RESPONSE_CODE_VALUES!r}"
    )
