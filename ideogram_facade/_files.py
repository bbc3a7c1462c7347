"""Local files: reference images to upload, and where downloaded images go.

Only the local side lives here (reading, sniffing, naming, renaming); the network side is
the clients' `Fetch` effect, so that both clients share this too.
"""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

import attrs
import httpx

from . import _constants as C
from ._exceptions import InvalidRequestError, UnexpectedResponseError

ReferenceImage = str | os.PathLike[str] | bytes
UploadableFile = str | os.PathLike[str] | bytes | BinaryIO

# The three formats the service accepts, by their first bytes.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


@attrs.frozen
class LocalImage:
    """A checked reference image, ready to upload."""

    content: bytes = attrs.field(repr=lambda content: f"<{len(content)} bytes>")
    file_name: str
    mime_type: str
    from_disk: bool


def sniff(content: bytes) -> tuple[str, str] | None:
    """(MIME type, extension) of a JPEG, PNG or WebP; None for anything else."""
    for magic, mime, extension in _SIGNATURES:
        if content.startswith(magic):
            return mime, extension
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def load(
    file: UploadableFile, file_name: str | None = None, *, what: str = "the image"
) -> LocalImage:
    """Read and check an image before any network I/O: type by content, size ≤ 10 MB. `what`
    names it in errors."""
    from_disk = not isinstance(file, bytes | bytearray)
    if isinstance(file, bytes | bytearray):
        content = bytes(file)
    elif isinstance(file, str | os.PathLike):
        path = Path(file)
        if not path.is_file():
            raise InvalidRequestError(f"{what} {str(path)!r}: no such file")
        size = path.stat().st_size
        _check_size(size, str(path))
        content = path.read_bytes()
    else:
        content = file.read(C.MAX_REFERENCE_BYTES + 1)
    _check_size(len(content), what)
    kind = sniff(content)
    if kind is None:
        raise InvalidRequestError(
            f"{what} is not a JPEG, PNG or WebP (judged by its first bytes); convert it to one "
            "of those"
        )
    mime, extension = kind
    # A unique name: the upload API overwrites a file that reuses a name.
    name = file_name or f"{uuid.uuid4().hex}{extension}"
    return LocalImage(content=content, file_name=name, mime_type=mime, from_disk=from_disk)


def _check_size(size: int, what: str) -> None:
    if size > C.MAX_REFERENCE_BYTES:
        raise InvalidRequestError(
            f"{what} is {size / 1e6:.1f} MB; the service accepts at most "
            f"{C.MAX_REFERENCE_BYTES // (1024 * 1024)} MB: make it smaller"
        )
    if size == 0:
        raise InvalidRequestError(f"{what} is empty")


def resolve(reference: ReferenceImage, what: str = "reference_image") -> str | LocalImage:
    """An http(s) URL as is; a local path or bytes as a `LocalImage` to upload. `what` names
    the argument in errors."""
    if isinstance(reference, str) and reference.startswith(("http://", "https://")):
        return reference
    if isinstance(reference, str) and "://" in reference[:12]:
        raise InvalidRequestError(
            f"{what} {reference[:200]!r} is a URL, but not http(s): give an http(s) URL or a "
            "local file"
        )
    if isinstance(reference, bytes | bytearray):
        return load(reference, what=what)
    if isinstance(reference, str | os.PathLike):
        if not Path(reference).is_file():
            raise InvalidRequestError(
                f"{what} {str(reference)[:200]!r} is neither an http(s) URL nor an existing file"
            )
        return load(reference, what=what)
    raise InvalidRequestError(
        f"{what} must be an http(s) URL, a path or bytes; got {type(reference).__name__}"
    )


Resolved = str | LocalImage | list[str | LocalImage]


def resolve_images(images: Mapping[str, object]) -> dict[str, Resolved]:
    """Every image argument read and checked, before anything is uploaded: each file's type
    and size; a list's total size (the service's limit is per field); and that an `image` and
    its `mask` have the same pixel size when both are local (the service requires it, and
    would take the money before it failed)."""
    resolved: dict[str, Resolved] = {}
    for name, value in images.items():
        if isinstance(value, list | tuple):
            items = [resolve(item, f"{name}[{index}]") for index, item in enumerate(value)]
            local = [item for item in items if isinstance(item, LocalImage)]
            if local:
                _check_size(sum(len(item.content) for item in local), f"{name}, together,")
            resolved[name] = items
        else:
            resolved[name] = resolve(value, name)  # type: ignore[arg-type]
    image, mask = resolved.get("image"), resolved.get("mask")
    if isinstance(image, LocalImage) and isinstance(mask, LocalImage):
        image_size, mask_size = pixel_size(image.content), pixel_size(mask.content)
        if image_size and mask_size and image_size != mask_size:
            raise InvalidRequestError(
                f"the mask is {mask_size[0]}x{mask_size[1]} pixels and the image "
                f"{image_size[0]}x{image_size[1]}; they must be the same size: resize the mask"
            )
    return resolved


def check_images(images: Mapping[str, object]) -> None:
    """Every image of a request (keyword -> URL, path or bytes, or a list of them) read and
    checked as `submit()` would, before anything is uploaded; InvalidRequestError names the
    first that fails. A batch checks each line so, and refuses it before its first upload.

        check_images({"reference_image": "me.png", "image": "street.png", "mask": "m.png"})
    """
    resolve_images(images)


def pixel_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG or WebP, read from its header; None if unreadable."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        width, height = struct.unpack(">II", content[16:24])
        return width, height
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return _webp_size(content)
    if content.startswith(b"\xff\xd8"):
        return _jpeg_size(content)
    return None


def _webp_size(content: bytes) -> tuple[int, int] | None:
    chunk = content[12:16]
    if chunk == b"VP8 " and len(content) >= 30:
        width, height = struct.unpack("<HH", content[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(content) >= 25:
        bits = int.from_bytes(content[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(content) >= 30:
        return int.from_bytes(content[24:27], "little") + 1, int.from_bytes(
            content[27:30], "little"
        ) + 1
    return None


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 < len(content):
        if content[at] != 0xFF:
            return None
        marker = content[at + 1]
        length = int.from_bytes(content[at + 2 : at + 4], "big")
        # Start-of-frame markers (all but DHT, JPG and DAC in C0..CF) carry the size.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


# Long enough for any real task id; a longer one is cut and told apart by a hash suffix.
_MAX_STEM = 80


def download_stem(task_id: str | None, url: str) -> str:
    """`<task_id>`, made safe as a file name; for a bare URL, a stable name derived from it.

    An id that had to be changed (characters a file name cannot hold, or too long) gets a hash
    of the original appended, so that two ids never share a name.
    """
    if not task_id:
        return "image_" + hashlib.sha256(url.encode()).hexdigest()[:12]
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in task_id)
    if safe == task_id and len(safe) <= _MAX_STEM:
        return safe
    return f"{safe[:_MAX_STEM]}_{hashlib.sha256(task_id.encode()).hexdigest()[:12]}"


def image_extension(part: Path, url: str, task_id: str | None) -> str:
    """The extension of what the downloaded bytes are; anything but an image is refused.

    The bytes decide, not the Content-Type header: a host that labels an HTML page image/png
    does not get it saved as a picture.
    """
    with part.open("rb") as file:
        head = file.read(16)
    kind = sniff(head)
    if kind is None:
        raise UnexpectedResponseError(
            f"the file from {httpx.URL(url).host} is not a JPEG, PNG or WebP (it begins with "
            f"{head[:8]!r}); the URL may have expired: fetch the task again",
            task_id=task_id,
        )
    return kind[1]


def place(part: Path, target: Path, overwrite: bool) -> Path:
    """Move a finished download to its final name: never a half-written file under it.

    Without `overwrite` the move is atomic: of two downloads of the same image only one
    creates the file, the other is refused (a hard link fails if the name exists).
    """
    if overwrite:
        os.replace(part, target)
        return target
    try:
        try:
            os.link(part, target)
        except FileExistsError:
            raise
        except OSError:
            # No hard links on this file system (FAT, some network shares): claim the name
            # first, then move the file over the empty claim.
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            os.replace(part, target)
    except FileExistsError:
        raise InvalidRequestError(f"{target} exists; pass overwrite=True to replace it") from None
    finally:
        part.unlink(missing_ok=True)
    return target


class PartFile:
    """A download in progress: a hidden temporary file beside its final place.

    Both clients stream into it chunk by chunk (`_decoding.Body` keeps it within its cap).
    """

    def __init__(self, directory: Path) -> None:
        # Not mkstemp: its 0600 would stick to the image; this file's mode follows the umask.
        self.path = directory / f".part-{uuid.uuid4().hex}.download"
        handle = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        self._file = os.fdopen(handle, "wb")

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    def finish(self) -> Path:
        self._file.close()
        return self.path

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)
