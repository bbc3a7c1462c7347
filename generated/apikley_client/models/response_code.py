from typing import Literal

ResponseCode = Literal[200, 401, 402, 404, 422, 429, 455, 500, 501, 505]

RESPONSE_CODE_VALUES: set[ResponseCode] = {
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


def check_response_code(value: int) -> ResponseCode:
    if value in RESPONSE_CODE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {RESPONSE_CODE_VALUES!r}"
    )
