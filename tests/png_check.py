#!/usr/bin/env python3
"""Checks that a PNG screenshot is not blank.

usage: png_check.py FILE [MIN_INK]

Decodes the PNG with the standard library only (8-bit greyscale, RGB or
RGBA, not interlaced, as Chromium writes them) and requires that at least
MIN_INK (default 0.02) of the pixels differ from the most common colour
(the background) and that the image holds several colours: text, lines
and bars. Prints the figures; exits 0 when both hold, 1 otherwise.
"""
import struct
import sys
import zlib


def pixels(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    bpp = {0: 1, 2: 3, 6: 4, 4: 2}.get(ctype)
    if depth != 8 or bpp is None or interlace:
        raise ValueError("unsupported PNG layout %s" % (hdr,))
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main(argv):
    path = argv[1]
    min_ink = float(argv[2]) if len(argv) > 2 else 0.02
    w, h, bpp, rows = pixels(path)
    counts = {}
    for line in rows[::2]:  # every other row and column is plenty
        for x in range(0, w * bpp, 2 * bpp):
            px = line[x:x + min(bpp, 3)]
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    background = max(counts.values())
    ink = 1 - background / total
    colours = sum(1 for v in counts.values() if v > total / 10000)
    print("png_check: %s: %dx%d, %.1f%% ink, %d colours" % (path, w, h, 100 * ink, colours))
    return 0 if ink >= min_ink and colours >= 8 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
