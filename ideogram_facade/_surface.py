"""The typed surface of each model: generated from the spec by tools/surface.py
(`nox -s generate`); do not edit. `nox -s drift` fails when it is stale.

For type checkers: `submit()` and `generate()` take a model's options as keywords, and
the overloads of the clients pick the options type by the `model` given. At run time
every option is checked against the spec (`ideogram_facade.model(name).options`).
"""

from collections.abc import Sequence
from typing import Literal, Required, TypedDict

from ._files import ReferenceImage

CharacterModel = Literal["ideogram/character", "character"]
"""`model=` for ideogram/character: its name or its short name."""
CharacterEditModel = Literal["ideogram/character-edit", "character-edit"]
"""`model=` for ideogram/character-edit: its name or its short name."""
CharacterRemixModel = Literal["ideogram/character-remix", "character-remix"]
"""`model=` for ideogram/character-remix: its name or its short name."""

RenderingSpeed = Literal["TURBO", "BALANCED", "QUALITY"]
"""The choices of `rendering_speed`."""
Style = Literal["AUTO", "REALISTIC", "FICTION"]
"""The choices of `style`."""
ImageSize = Literal[
    "square", "square_hd", "portrait_4_3", "portrait_16_9", "landscape_4_3", "landscape_16_9"
]
"""The choices of `image_size`."""


class CharacterOptions(TypedDict, total=False):
    """The options of `submit()` and `generate()` for ideogram/character
    (`model="character"`): None or left out is unset, and the spec's default
    applies.

    The images take what `reference_image` takes: an http(s) URL, or a path or bytes
    uploaded first.
    """

    rendering_speed: RenderingSpeed | None
    """The rendering speed to use. Default value: "BALANCED" """
    style: Style | None
    """The style type to generate with. Cannot be used with style_codes. Default value: "AUTO" """
    expand_prompt: bool | None
    """Determine if MagicPrompt should be used in generating the request or not. Default value:
    true (Boolean value (true/false))"""
    num_images: int | None
    """Select description"""
    image_size: ImageSize | None
    """The resolution of the generated image Default value: square_hd"""
    seed: int | None
    """Seed for the random number generator"""
    negative_prompt: str | None
    """Description of what to exclude from an image. Descriptions in the prompt take precedence to
    descriptions in the negative prompt. Default value: "" (Max length: 5000 characters)"""
    callback_url: str | None
    """An http(s) URL the service POSTs the result to when the task ends."""


class CharacterEditOptions(TypedDict, total=False):
    """The options of `submit()` and `generate()` for ideogram/character-edit
    (`model="character-edit"`): None or left out is unset, and the spec's default
    applies.

    The images take what `reference_image` takes: an http(s) URL, or a path or bytes
    uploaded first.
    """

    image: Required[ReferenceImage]
    """The image URL to generate an image from. Needs to match the dimensions of the mask. The
    image should be in JPEG, PNG or WebP format (File URL after upload, not file content;
    Accepted types: image/jpeg, image/png, image/webp; Max size: 10.0MB)"""
    mask: Required[ReferenceImage]
    """The mask URL to inpaint the image. Needs to match the dimensions of the input image. The
    mask should be in JPEG, PNG or WebP format (File URL after upload, not file content;
    Accepted types: image/jpeg, image/png, image/webp; Max size: 10.0MB)"""
    rendering_speed: RenderingSpeed | None
    """The rendering speed to use. Default value: "BALANCED" """
    style: Style | None
    """The style type to generate with. Cannot be used with style_codes. Default value: "AUTO" """
    expand_prompt: bool | None
    """Determine if MagicPrompt should be used in generating the request or not. Default value:
    true (Boolean value (true/false))"""
    num_images: int | None
    """Select description"""
    seed: int | None
    """Seed for the random number generator"""
    callback_url: str | None
    """An http(s) URL the service POSTs the result to when the task ends."""


class CharacterRemixOptions(TypedDict, total=False):
    """The options of `submit()` and `generate()` for ideogram/character-remix
    (`model="character-remix"`): None or left out is unset, and the spec's default
    applies.

    The images take what `reference_image` takes: an http(s) URL, or a path or bytes
    uploaded first.
    """

    image: Required[ReferenceImage]
    """The image URL to remix. The image should be in JPEG, PNG or WebP format (File URL after
    upload, not file content; Accepted types: image/jpeg, image/png, image/webp; Max size:
    10.0MB)"""
    rendering_speed: RenderingSpeed | None
    """The rendering speed to use. Default value: "BALANCED" """
    style: Style | None
    """The style type to generate with. Cannot be used with style_codes. Default value: "AUTO" """
    expand_prompt: bool | None
    """Determine if MagicPrompt should be used in generating the request or not. Default value:
    true (Boolean value (true/false))"""
    image_size: ImageSize | None
    """The resolution of the generated image Default value: square_hd"""
    num_images: int | None
    """Select description"""
    seed: int | None
    """Seed for the random number generator"""
    strength: float | None
    """Strength of the input image in the remix. Default value: 0.8 (Range: 0.1 to 1, step 0.1)"""
    negative_prompt: str | None
    """Description of what to exclude from an image. Descriptions in the prompt take precedence to
    descriptions in the negative prompt. Default value: "" (Max length: 500 characters)"""
    style_images: Sequence[ReferenceImage] | None
    """A set of images to use as style references (maximum total size 10MB across all style
    references). The images should be in JPEG, PNG or WebP format (File URL after upload, not
    file content; Accepted types: image/jpeg, image/png, image/webp; Max size: 10.0MB)"""
    reference_mask: ReferenceImage | None
    """A set of masks to apply to the character references. Currently only 1 mask is supported,
    rest will be ignored. (maximum total size 10MB across all character references). The masks
    should be in JPEG, PNG or WebP format (File URL after upload, not file content; Accepted
    types: image/jpeg, image/png, image/webp; Max size: 10.0MB)"""
    callback_url: str | None
    """An http(s) URL the service POSTs the result to when the task ends."""


SubmitOptions = CharacterOptions
"""The earlier name of `CharacterOptions`."""

EditOptions = CharacterEditOptions
"""The earlier name of `CharacterEditOptions`."""

RemixOptions = CharacterRemixOptions
"""The earlier name of `CharacterRemixOptions`."""

__all__ = [
    "CharacterEditOptions",
    "CharacterOptions",
    "CharacterRemixOptions",
    "EditOptions",
    "ImageSize",
    "RemixOptions",
    "RenderingSpeed",
    "Style",
    "SubmitOptions",
]
