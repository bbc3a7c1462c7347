from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ideogram_character_body_input_image_size import (
    IdeogramCharacterBodyInputImageSize,
    check_ideogram_character_body_input_image_size,
)
from ..models.ideogram_character_body_input_num_images import (
    IdeogramCharacterBodyInputNumImages,
    check_ideogram_character_body_input_num_images,
)
from ..models.ideogram_character_body_input_rendering_speed import (
    IdeogramCharacterBodyInputRenderingSpeed,
    check_ideogram_character_body_input_rendering_speed,
)
from ..models.ideogram_character_body_input_style import (
    IdeogramCharacterBodyInputStyle,
    check_ideogram_character_body_input_style,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="IdeogramCharacterBodyInput")


@_attrs_define
class IdeogramCharacterBodyInput:
    """Input parameters for the generation task"""

    prompt: str
    """ The prompt to fill the masked part of the image. (Max length: 5000 characters) """
    reference_image_urls: list[str]
    """ A set of images to use as character references. Currently only 1 image is supported, rest will be ignored.
    (maximum total size 10MB across all character references). The images should be in JPEG, PNG or WebP format
    (File URL after upload, not file content; Accepted types: image/jpeg, image/png, image/webp; Max size: 10.0MB)
    """
    rendering_speed: IdeogramCharacterBodyInputRenderingSpeed | Unset = "BALANCED"
    """ The rendering speed to use. Default value: "BALANCED" """
    style: IdeogramCharacterBodyInputStyle | Unset = "AUTO"
    """ The style type to generate with. Cannot be used with style_codes. Default value: "AUTO" """
    expand_prompt: bool | Unset = UNSET
    """ Determine if MagicPrompt should be used in generating the request or not. Default value: true (Boolean value
    (true/false)) """
    num_images: IdeogramCharacterBodyInputNumImages | Unset = "1"
    """ Select description """
    image_size: IdeogramCharacterBodyInputImageSize | Unset = "square_hd"
    """ The resolution of the generated image Default value: square_hd """
    seed: int | Unset = UNSET
    """ Seed for the random number generator """
    negative_prompt: str | Unset = UNSET
    """ Description of what to exclude from an image. Descriptions in the prompt take precedence to descriptions in
    the negative prompt. Default value: "" (Max length: 5000 characters) """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prompt = self.prompt

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

        image_size: str | Unset = UNSET
        if not isinstance(self.image_size, Unset):
            image_size = self.image_size

        seed = self.seed

        negative_prompt = self.negative_prompt

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "prompt": prompt,
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
        if image_size is not UNSET:
            field_dict["image_size"] = image_size
        if seed is not UNSET:
            field_dict["seed"] = seed
        if negative_prompt is not UNSET:
            field_dict["negative_prompt"] = negative_prompt

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        prompt = d.pop("prompt")

        reference_image_urls = cast(list[str], d.pop("reference_image_urls"))

        _rendering_speed = d.pop("rendering_speed", UNSET)
        rendering_speed: IdeogramCharacterBodyInputRenderingSpeed | Unset
        if isinstance(_rendering_speed, Unset):
            rendering_speed = UNSET
        else:
            rendering_speed = check_ideogram_character_body_input_rendering_speed(
                _rendering_speed
            )

        _style = d.pop("style", UNSET)
        style: IdeogramCharacterBodyInputStyle | Unset
        if isinstance(_style, Unset):
            style = UNSET
        else:
            style = check_ideogram_character_body_input_style(_style)

        expand_prompt = d.pop("expand_prompt", UNSET)

        _num_images = d.pop("num_images", UNSET)
        num_images: IdeogramCharacterBodyInputNumImages | Unset
        if isinstance(_num_images, Unset):
            num_images = UNSET
        else:
            num_images = check_ideogram_character_body_input_num_images(_num_images)

        _image_size = d.pop("image_size", UNSET)
        image_size: IdeogramCharacterBodyInputImageSize | Unset
        if isinstance(_image_size, Unset):
            image_size = UNSET
        else:
            image_size = check_ideogram_character_body_input_image_size(_image_size)

        seed = d.pop("seed", UNSET)

        negative_prompt = d.pop("negative_prompt", UNSET)

        ideogram_character_body_input = cls(
            prompt=prompt,
            reference_image_urls=reference_image_urls,
            rendering_speed=rendering_speed,
            style=style,
            expand_prompt=expand_prompt,
            num_images=num_images,
            image_size=image_size,
            seed=seed,
            negative_prompt=negative_prompt,
        )

        ideogram_character_body_input.additional_properties = d
        return ideogram_character_body_input

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
