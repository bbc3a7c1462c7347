from typing import Literal

TaskDetailsState = Literal["fail", "generating", "queuing", "success", "waiting"]

TASK_DETAILS_STATE_VALUES: set[TaskDetailsState] = {
    "fail",
    "generating",
    "queuing",
    "success",
    "waiting",
}


def check_task_details_state(value: str) -> TaskDetailsState:
    if value in TASK_DETAILS_STATE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TASK_DETAILS_STATE_VALUES!r}"
    )
