#!/usr/bin/env python3
"""Draws the launcher icons in android/res/mipmap-*/ic_launcher.png (committed; rerun only
to change them): a dark blue square with a white barcode and an amber dock line. Standard
library only."""
import os
import struct
import zlib

SIZES = {"mdpi": 48, "hdpi": 72, "xhdpi": 96, "xxhdpi": 144, "xxxhdpi": 192}
BLUE, WHITE, AMBER = (0x0B, 0x3D, 0x91), (0xFF, 0xFF, 0xFF), (0xFF, 0xB3, 0x00)
# Bar widths in 1/48 of the icon, left to right, alternating bar / gap.
BARS = [2, 1, 1, 1, 3, 1, 1, 2, 2, 1, 1, 1, 3, 1, 2, 1, 1]


def pixel(x, y, size):
    u, v = x * 48.0 / size, y * 48.0 / size
    if 38 <= v < 41 and 8 <= u < 40:
        return AMBER
    if 10 <= v < 34 and 8 <= u < 40:
        pos, bar = 8.0, True
        for width in BARS:
            if pos <= u < pos + width * (32.0 / sum(BARS)):
                return WHITE if bar else BLUE
            pos += width * (32.0 / sum(BARS))
            bar = not bar
    return BLUE


def png(size):
    rows = b"".join(
        b"\x00" + bytes(c for x in range(size) for c in pixel(x, y, size)) for y in range(size)
    )

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "res")
    for density, size in SIZES.items():
        folder = os.path.join(root, "mipmap-" + density)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "ic_launcher.png"), "wb") as f:
            f.write(png(size))
