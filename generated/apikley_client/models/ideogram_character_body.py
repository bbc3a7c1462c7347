from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ideogram_character_body_model import (
    IdeogramCharacterBodyModel,
    check_ideogram_character_body_model,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.ideogram_character_body_input import IdeogramCharacterBodyInput


T = TypeVar("T", bound="IdeogramCharacterBody")


@_attrs_define
class IdeogramCharacterBody:
    model: IdeogramCharacterBodyModel = "ideogram/character"
    """ The model name to use for generation. Required field.

    - Must be `ideogram/character` for this endpoint """
    call_back_url: str | Unset = UNSET
    """ The URL to receive generation task completion updates. Optional but recommended for production use.

    - System will POST task status and results to this URL when generation completes
    - Callback includes generated content URLs and task information
    - Your callback endpoint should accept POST requests with JSON payload containing results
    - Alternatively, use the Get Task Details endpoint to poll task status """
    input_: IdeogramCharacterBodyInput | Unset = UNSET
    """ Input parameters for the generation task """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model: str = self.model

        call_back_url = self.call_back_url

        input_: dict[str, Any] | Unset = UNSET
        if not isinstance(self.input_, Unset):
            input_ = self.input_.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
            }
        )
        if call_back_url is not UNSET:
            field_dict["callBackUrl"] = call_back_url
        if input_ is not UNSET:
            field_dict["input"] = input_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ideogram_character_body_input import IdeogramCharacterBodyInput  # noqa: PLC0415

        d = dict(src_dict)
        model = check_ideogram_character_body_model(d.pop("model"))

        call_back_url = d.pop("callBackUrl", UNSET)

        _input_ = d.pop("input", UNSET)
        input_: IdeogramCharacterBodyInput | Unset
        if isinstance(_input_, Unset):
            input_ = UNSET
        else:
            input_ = IdeogramCharacterBodyInput.from_dict(_input_)

        ideogram_character_body = cls(
            model=model,
            call_back_url=call_back_url,
            input_=input_,
        )

        ideogram_character_body.additional_properties = d
        return ideogram_character_body

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
