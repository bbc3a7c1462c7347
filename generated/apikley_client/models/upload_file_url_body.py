from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UploadFileUrlBody")


@_attrs_define
class UploadFileUrlBody:
    file_url: str
    """ URL of the file to upload """
    upload_path: str
    """ Upload path, without a leading or trailing slash """
    file_name: str | Unset = UNSET
    """ Optional file name. Reusing a fileName overwrites the existing file, so use unique names """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file_url = self.file_url

        upload_path = self.upload_path

        file_name = self.file_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "fileUrl": file_url,
                "uploadPath": upload_path,
            }
        )
        if file_name is not UNSET:
            field_dict["fileName"] = file_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file_url = d.pop("fileUrl")

        upload_path = d.pop("uploadPath")

        file_name = d.pop("fileName", UNSET)

        upload_file_url_body = cls(
            file_url=file_url,
            upload_path=upload_path,
            file_name=file_name,
        )

        upload_file_url_body.additional_properties = d
        return upload_file_url_body

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
