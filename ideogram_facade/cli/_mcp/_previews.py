"""Small previews of saved images, for an MCP answer: the agent sees the result, the full image
stays on disk.

    preview(Path("out/task_1_1.png"))   # JPEG bytes, at most PREVIEW_SIDE px a side, or None

A generated image is a few MB; an MCP client shows a tool's images to its model, which pays
for each in its context, and some clients cap an answer's size. A JPEG thumbnail of
PREVIEW_SIDE px is tens of kB whatever the original, and at most MAX_PREVIEWS go in one
answer, so an answer stays bounded however many images a call saved.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image

# Enough to judge a composition and a face; an agent that needs more opens the file.
PREVIEW_SIDE = 512
PREVIEW_QUALITY = 80
# One task makes at most 4 images; resume may save many: the rest are listed by path only.
MAX_PREVIEWS = 4
# A generated image is a few million pixels; past this a file is not one to decode for a
# thumbnail (it would take hundreds of MB), whatever its size on disk.
MAX_PREVIEW_PIXELS = 40_000_000


def preview(path: Path) -> bytes | None:
    """A JPEG of the image at `path`, at most PREVIEW_SIDE px on its longer side; None when
    the file is not an image Pillow can read, or too large to decode safely."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_PREVIEW_PIXELS:
                    return None
                image.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))  # a JPEG decodes smaller
                image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
                buffer = io.BytesIO()
                image.convert("RGB").save(buffer, "JPEG", quality=PREVIEW_QUALITY)
    except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        return None
    return buffer.getvalue()
