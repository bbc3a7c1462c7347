from typing import Literal

GetTaskDetailsResponse200DataState = Literal[
    "fail", "generating", "queuing", "success", "waiting"
]

GET_TASK_DETAILS_RESPONSE_200_DATA_STATE_VALUES: set[
    GetTaskDetailsResponse200DataState
] = {
    "fail",
    "generating",
    "queuing",
    "success",
    "waiting",
}


def check_get_task_details_response_200_data_state(
    value: str,
) -> GetTaskDetailsResponse200DataState:
    if value in GET_TASK_DETAILS_RESPONSE_200_DATA_STATE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_TASK_DETAILS_RESPONSE_200_DATA_STATE_VALUES!r}"
    )
