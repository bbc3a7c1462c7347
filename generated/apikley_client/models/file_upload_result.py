from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.file_upload_result_data import FileUploadResultData


T = TypeVar("T", bound="FileUploadResult")


@_attrs_define
class FileUploadResult:
    success: bool | Unset = UNSET
    """ Whether the upload succeeded """
    code: int | Unset = UNSET
    """ Response status code """
    msg: str | Unset = UNSET
    """ Response message """
    data: FileUploadResultData | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        code = self.code

        msg = self.msg

        data: dict[str, Any] | Unset = UNSET
        if not isinstance(self.data, Unset):
            data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if success is not UNSET:
            field_dict["success"] = success
        if code is not UNSET:
            field_dict["code"] = code
        if msg is not UNSET:
            field_dict["msg"] = msg
        if data is not UNSET:
            field_dict["data"] = data

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.file_upload_result_data import FileUploadResultData  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success", UNSET)

        code = d.pop("code", UNSET)

        msg = d.pop("msg", UNSET)

        _data = d.pop("data", UNSET)
        data: FileUploadResultData | Unset
        if isinstance(_data, Unset):
            data = UNSET
        else:
            data = FileUploadResultData.from_dict(_data)

        file_upload_result = cls(
            success=success,
            code=code,
            msg=msg,
            data=data,
        )

        file_upload_result.additional_properties = d
        return file_upload_result

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
