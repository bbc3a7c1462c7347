from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ideogram_character_edit_body_input_num_images import (
    IdeogramCharacterEditBodyInputNumImages,
    check_ideogram_character_edit_body_input_num_images,
)
from ..models.ideogram_character_edit_body_input_rendering_speed import (
    IdeogramCharacterEditBodyInputRenderingSpeed,
    check_ideogram_character_edit_body_input_rendering_speed,
)
from ..models.ideogram_character_edit_body_input_style import (
    IdeogramCharacterEditBodyInputStyle,
    check_ideogram_character_edit_body_input_style,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="IdeogramCharacterEditBodyInput")


@_attrs_define
class IdeogramCharacterEditBodyInput:
    """Input parameters for the generation task"""

    prompt: str
    """ The prompt to fill the masked part of the image. (Max length: 5000 characters) """
    image_url: str
    """ The image URL to generate an image from. Needs to match the dimensions of the mask. The image should be in
    JPEG, PNG or WebP format (File URL after upload, not file content; Accepted types: image/jpeg, image/png,
    image/webp; Max size: 10.0MB) """
    mask_url: str
    """ The mask URL to inpaint the image. Needs to match the dimensions of the input image. The mask should be in
    JPEG, PNG or WebP format (File URL after upload, not file content; Accepted types: image/jpeg, image/png,
    image/webp; Max size: 10.0MB) """
    reference_image_urls: list[str]
    """ A set of images to use as character references. Currently only 1 image is supported, rest will be ignored.
    (maximum total size 10MB across all character references). The images should be in JPEG, PNG or WebP format
    (File URL after upload, not file content; Accepted types: image/jpeg, image/png, image/webp; Max size: 10.0MB)
    """
    rendering_speed: IdeogramCharacterEditBodyInputRenderingSpeed | Unset = "BALANCED"
    """ The rendering speed to use. Default value: "BALANCED" """
    style: IdeogramCharacterEditBodyInputStyle | Unset = "AUTO"
    """ The style type to generate with. Cannot be used with style_codes. Default value: "AUTO" """
    expand_prompt: bool | Unset = UNSET
    """ Determine if MagicPrompt should be used in generating the request or not. Default value: true (Boolean value
    (true/false)) """
    num_images: IdeogramCharacterEditBodyInputNumImages | Unset = "1"
    """ Select description """
    seed: int | Unset = UNSET
    """ Seed for the random number generator """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prompt = self.prompt

        image_url = self.image_url

        mask_url = self.mask_url

        reference_image_urls = self.reference_image_urls

        rendering_speed: str | Unset = UNSET
        if not isinstance(self.rendering_speed, Unset):
            rendering_speed = self.rendering_speed

        style: str | Unset = UNSET
        if not isinstance(self.style, Unset):
            style = self.style

        expand_prompt = self.expand_prompt

        num_images: str | Unset = UNSET
        if not isinstance(self.num_images, Unset):
            num_images = self.num_images

        seed = self.seed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "prompt": prompt,
                "image_url": image_url,
                "mask_url": mask_url,
                "reference_image_urls": reference_image_urls,
            }
        )
        if rendering_speed is not UNSET:
            field_dict["rendering_speed"] = rendering_speed
        if style is not UNSET:
            field_dict["style"] = style
        if expand_prompt is not UNSET:
            field_dict["expand_prompt"] = expand_prompt
        if num_images is not UNSET:
            field_dict["num_images"] = num_images
        if seed is not UNSET:
            field_dict["seed"] = seed

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        prompt = d.pop("prompt")

        image_url = d.pop("image_url")

        mask_url = d.pop("mask_url")

        reference_image_urls = cast(list[str], d.pop("reference_image_urls"))

        _rendering_speed = d.pop("rendering_speed", UNSET)
        rendering_speed: IdeogramCharacterEditBodyInputRenderingSpeed | Unset
        if isinstance(_rendering_speed, Unset):
            rendering_speed = UNSET
        else:
            rendering_speed = check_ideogram_character_edit_body_input_rendering_speed(
                _rendering_speed
            )

        _style = d.pop("style", UNSET)
        style: IdeogramCharacterEditBodyInputStyle | Unset
        if isinstance(_style, Unset):
            style = UNSET
        else:
            style = check_ideogram_character_edit_body_input_style(_style)

        expand_prompt = d.pop("expand_prompt", UNSET)

        _num_images = d.pop("num_images", UNSET)
        num_images: IdeogramCharacterEditBodyInputNumImages | Unset
        if isinstance(_num_images, Unset):
            num_images = UNSET
        else:
            num_images = check_ideogram_character_edit_body_input_num_images(
                _num_images
            )

        seed = d.pop("seed", UNSET)

        ideogram_character_edit_body_input = cls(
            prompt=prompt,
            image_url=image_url,
            mask_url=mask_url,
            reference_image_urls=reference_image_urls,
            rendering_speed=rendering_speed,
            style=style,
            expand_prompt=expand_prompt,
            num_images=num_images,
            seed=seed,
        )

        ideogram_character_edit_body_input.additional_properties = d
        return ideogram_character_edit_body_input

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
