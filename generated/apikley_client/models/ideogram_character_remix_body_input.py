from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ideogram_character_remix_body_input_image_size import (
    IdeogramCharacterRemixBodyInputImageSize,
    check_ideogram_character_remix_body_input_image_size,
)
from ..models.ideogram_character_remix_body_input_num_images import (
    IdeogramCharacterRemixBodyInputNumImages,
    check_ideogram_character_remix_body_input_num_images,
)
from ..models.ideogram_character_remix_body_input_rendering_speed import (
    IdeogramCharacterRemixBodyInputRenderingSpeed,
    check_ideogram_character_remix_body_input_rendering_speed,
)
from ..models.ideogram_character_remix_body_input_style import (
    IdeogramCharacterRemixBodyInputStyle,
    check_ideogram_character_remix_body_input_style,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="IdeogramCharacterRemixBodyInput")


@_attrs_define
class IdeogramCharacterRemixBodyInput:
    """Input parameters for the generation task"""

    prompt: str
    """ The prompt to remix the image with. (Max length: 5000 characters) """
    image_url: str
    """ The image URL to remix. The image should be in JPEG, PNG or WebP format (File URL after upload, not file
    content; Accepted types: image/jpeg, image/png, image/webp; Max size: 10.0MB) """
    reference_image_urls: list[str]
    """ A set of images to use as character references. Currently only 1 image is supported, rest will be ignored.
    (maximum total size 10MB across all character references). The images should be in JPEG, PNG or WebP format
    (File URL after upload, not file content; Accepted types: image/jpeg, image/png, image/webp; Max size: 10.0MB)
    """
    rendering_speed: IdeogramCharacterRemixBodyInputRenderingSpeed | Unset = "BALANCED"
    """ The rendering speed to use. Default value: "BALANCED" """
    style: IdeogramCharacterRemixBodyInputStyle | Unset = "AUTO"
    """ The style type to generate with. Cannot be used with style_codes. Default value: "AUTO" """
    expand_prompt: bool | Unset = UNSET
    """ Determine if MagicPrompt should be used in generating the request or not. Default value: true (Boolean value
    (true/false)) """
    image_size: IdeogramCharacterRemixBodyInputImageSize | Unset = "square_hd"
    """ The resolution of the generated image Default value: square_hd """
    num_images: IdeogramCharacterRemixBodyInputNumImages | Unset = "1"
    """ Select description """
    seed: int | Unset = UNSET
    """ Seed for the random number generator """
    strength: float | Unset = 0.8
    """ Strength of the input image in the remix. Default value: 0.8 (Range: 0.1 to 1, step 0.1) """
    negative_prompt: str | Unset = ""
    """ Description of what to exclude from an image. Descriptions in the prompt take precedence to descriptions in
    the negative prompt. Default value: "" (Max length: 500 characters) """
    image_urls: list[str] | Unset = UNSET
    """ A set of images to use as style references (maximum total size 10MB across all style references). The images
    should be in JPEG, PNG or WebP format (File URL after upload, not file content; Accepted types: image/jpeg,
    image/png, image/webp; Max size: 10.0MB) """
    reference_mask_urls: str | Unset = ""
    """ A set of masks to apply to the character references. Currently only 1 mask is supported, rest will be
    ignored. (maximum total size 10MB across all character references). The masks should be in JPEG, PNG or WebP
    format (File URL after upload, not file content; Accepted types: image/jpeg, image/png, image/webp; Max size:
    10.0MB) """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prompt = self.prompt

        image_url = self.image_url

        reference_image_urls = self.reference_image_urls

        rendering_speed: str | Unset = UNSET
        if not isinstance(self.rendering_speed, Unset):
            rendering_speed = self.rendering_speed

        style: str | Unset = UNSET
        if not isinstance(self.style, Unset):
            style = self.style

        expand_prompt = self.expand_prompt

        image_size: str | Unset = UNSET
        if not isinstance(self.image_size, Unset):
            image_size = self.image_size

        num_images: str | Unset = UNSET
        if not isinstance(self.num_images, Unset):
            num_images = self.num_images

        seed = self.seed

        strength = self.strength

        negative_prompt = self.negative_prompt

        image_urls: list[str] | Unset = UNSET
        if not isinstance(self.image_urls, Unset):
            image_urls = self.image_urls

        reference_mask_urls = self.reference_mask_urls

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "prompt": prompt,
                "image_url": image_url,
                "reference_image_urls": reference_image_urls,
            }
        )
        if rendering_speed is not UNSET:
            field_dict["rendering_speed"] = rendering_speed
        if style is not UNSET:
            field_dict["style"] = style
        if expand_prompt is not UNSET:
            field_dict["expand_prompt"] = expand_prompt
        if image_size is not UNSET:
            field_dict["image_size"] = image_size
        if num_images is not UNSET:
            field_dict["num_images"] = num_images
        if seed is not UNSET:
            field_dict["seed"] = seed
        if strength is not UNSET:
            field_dict["strength"] = strength
        if negative_prompt is not UNSET:
            field_dict["negative_prompt"] = negative_prompt
        if image_urls is not UNSET:
            field_dict["image_urls"] = image_urls
        if reference_mask_urls is not UNSET:
            field_dict["reference_mask_urls"] = reference_mask_urls

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        prompt = d.pop("prompt")

        image_url = d.pop("image_url")

        reference_image_urls = cast(list[str], d.pop("reference_image_urls"))

        _rendering_speed = d.pop("rendering_speed", UNSET)
        rendering_speed: IdeogramCharacterRemixBodyInputRenderingSpeed | Unset
        if isinstance(_rendering_speed, Unset):
            rendering_speed = UNSET
        else:
            rendering_speed = check_ideogram_character_remix_body_input_rendering_speed(
                _rendering_speed
            )

        _style = d.pop("style", UNSET)
        style: IdeogramCharacterRemixBodyInputStyle | Unset
        if isinstance(_style, Unset):
            style = UNSET
        else:
            style = check_ideogram_character_remix_body_input_style(_style)

        expand_prompt = d.pop("expand_prompt", UNSET)

        _image_size = d.pop("image_size", UNSET)
        image_size: IdeogramCharacterRemixBodyInputImageSize | Unset
        if isinstance(_image_size, Unset):
            image_size = UNSET
        else:
            image_size = check_ideogram_character_remix_body_input_image_size(
                _image_size
            )

        _num_images = d.pop("num_images", UNSET)
        num_images: IdeogramCharacterRemixBodyInputNumImages | Unset
        if isinstance(_num_images, Unset):
            num_images = UNSET
        else:
            num_images = check_ideogram_character_remix_body_input_num_images(
                _num_images
            )

        seed = d.pop("seed", UNSET)

        strength = d.pop("strength", UNSET)

        negative_prompt = d.pop("negative_prompt", UNSET)

        image_urls = cast(list[str], d.pop("image_urls", UNSET))

        reference_mask_urls = d.pop("reference_mask_urls", UNSET)

        ideogram_character_remix_body_input = cls(
            prompt=prompt,
            image_url=image_url,
            reference_image_urls=reference_image_urls,
            rendering_speed=rendering_speed,
            style=style,
            expand_prompt=expand_prompt,
            image_size=image_size,
            num_images=num_images,
            seed=seed,
            strength=strength,
            negative_prompt=negative_prompt,
            image_urls=image_urls,
            reference_mask_urls=reference_mask_urls,
        )

        ideogram_character_remix_body_input.additional_properties = d
        return ideogram_character_remix_body_input

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
