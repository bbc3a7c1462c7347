"""Small, real, deterministic PNG images standing in for generated pictures.

    size = image_dimensions("portrait_16_9")          # (72, 128)
    data = render_png("a cat", seed=7, index=0, size=size)
    data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"

The same prompt, seed and index always give the same bytes, so tests can compare downloads;
a different one gives other colours and another checker size. Built with zlib and struct only.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

from ideogram_facade._options import model

SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Long side 128 px keeps downloads tiny; square_hd is larger than square, as upstream.
_DIMENSIONS = {
    "square": (96, 96),
    "square_hd": (128, 128),
    "portrait_4_3": (96, 128),
    "portrait_16_9": (72, 128),
    "landscape_4_3": (128, 96),
    "landscape_16_9": (128, 72),
}


def image_dimensions(image_size: str | None) -> tuple[int, int]:
    """(width, height) for an `image_size` value; left out or unknown, the spec's default's."""
    default = model().fields["image_size"].default
    return _DIMENSIONS.get(image_size or default, _DIMENSIONS[default])


def render_png(prompt: str, seed: int | None, index: int, size: tuple[int, int]) -> bytes:
    width, height = size
    digest = hashlib.sha256(f"{seed}\x00{index}\x00{prompt}".encode()).digest()
    first, second = digest[0:3], digest[3:6]
    cell = 4 + digest[6] % 13
    # A checkerboard needs only two distinct rows; each scanline starts with filter byte 0.
    row_a = b"\x00" + b"".join(first if (x // cell) % 2 == 0 else second for x in range(width))
    row_b = b"\x00" + b"".join(second if (x // cell) % 2 == 0 else first for x in range(width))
    raw = b"".join(row_a if (y // cell) % 2 == 0 else row_b for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
