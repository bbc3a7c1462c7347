from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_task_details_response_200_data_state import (
    GetTaskDetailsResponse200DataState,
    check_get_task_details_response_200_data_state,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="GetTaskDetailsResponse200Data")


@_attrs_define
class GetTaskDetailsResponse200Data:
    task_id: str | Unset = UNSET
    """ Task ID """
    model: str | Unset = UNSET
    """ Model name, e.g. `ideogram/character` """
    state: GetTaskDetailsResponse200DataState | Unset = UNSET
    """ Task state """
    param: str | Unset = UNSET
    """ The original createTask request body, as a JSON string """
    result_json: str | Unset = UNSET
    """ Only on success: a JSON string `{"resultUrls": ["https://..."]}` """
    fail_code: str | Unset = UNSET
    """ Failure code; empty string on success """
    fail_msg: str | Unset = UNSET
    """ Failure reason """
    cost_time: int | Unset = UNSET
    """ Processing time, milliseconds """
    complete_time: int | Unset = UNSET
    """ Completion time, Unix epoch milliseconds """
    create_time: int | Unset = UNSET
    """ Creation time, Unix epoch milliseconds """
    update_time: int | Unset = UNSET
    """ Last update time, Unix epoch milliseconds """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        task_id = self.task_id

        model = self.model

        state: str | Unset = UNSET
        if not isinstance(self.state, Unset):
            state = self.state

        param = self.param

        result_json = self.result_json

        fail_code = self.fail_code

        fail_msg = self.fail_msg

        cost_time = self.cost_time

        complete_time = self.complete_time

        create_time = self.create_time

        update_time = self.update_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if task_id is not UNSET:
            field_dict["taskId"] = task_id
        if model is not UNSET:
            field_dict["model"] = model
        if state is not UNSET:
            field_dict["state"] = state
        if param is not UNSET:
            field_dict["param"] = param
        if result_json is not UNSET:
            field_dict["resultJson"] = result_json
        if fail_code is not UNSET:
            field_dict["failCode"] = fail_code
        if fail_msg is not UNSET:
            field_dict["failMsg"] = fail_msg
        if cost_time is not UNSET:
            field_dict["costTime"] = cost_time
        if complete_time is not UNSET:
            field_dict["completeTime"] = complete_time
        if create_time is not UNSET:
            field_dict["createTime"] = create_time
        if update_time is not UNSET:
            field_dict["updateTime"] = update_time

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        task_id = d.pop("taskId", UNSET)

        model = d.pop("model", UNSET)

        _state = d.pop("state", UNSET)
        state: GetTaskDetailsResponse200DataState | Unset
        if isinstance(_state, Unset):
            state = UNSET
        else:
            state = check_get_task_details_response_200_data_state(_state)

        param = d.pop("param", UNSET)

        result_json = d.pop("resultJson", UNSET)

        fail_code = d.pop("failCode", UNSET)

        fail_msg = d.pop("failMsg", UNSET)

        cost_time = d.pop("costTime", UNSET)

        complete_time = d.pop("completeTime", UNSET)

        create_time = d.pop("createTime", UNSET)

        update_time = d.pop("updateTime", UNSET)

        get_task_details_response_200_data = cls(
            task_id=task_id,
            model=model,
            state=state,
            param=param,
            result_json=result_json,
            fail_code=fail_code,
            fail_msg=fail_msg,
            cost_time=cost_time,
            complete_time=complete_time,
            create_time=create_time,
            update_time=update_time,
        )

        get_task_details_response_200_data.additional_properties = d
        return get_task_details_response_200_data

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
