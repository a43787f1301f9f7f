"""Writes tests/fixtures/odd/: small images in every layout `nst` must read, each with the RGB
image Pillow makes of it (EXIF orientation applied, transparency composited on white), and
broken files it must refuse.

    python3 reference/make_odd_images.py          # Pillow 13.0.0, numpy 2.4.6

Deterministic: rerunning gives the same files.
"""

import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "odd"
W, H = 24, 16


def base_rgb():
    y, x = np.mgrid[0:H, 0:W]
    r = (x * 10) % 256
    g = (y * 15) % 256
    b = ((x + y) * 7 + 40) % 256
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def png_rgb16(path, pixels16):
    """A 16-bit RGB PNG (Pillow cannot write one)."""
    h, w, _ = pixels16.shape
    raw = b"".join(b"\x00" + pixels16[row].astype(">u2").tobytes() for row in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def expected(image):
    """What nst should see: Pillow's view, oriented, composited on white, 8-bit RGB."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I"):
        image = Image.fromarray((np.asarray(image).astype(np.uint32) // 257).astype(np.uint8), "L")
    if "A" in image.mode or image.mode == "P" and "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rgb = base_rgb()
    photo = Image.fromarray(rgb, "RGB")
    cases = {}

    def save(name, image, **options):
        path = OUT / name
        image.save(path, **options)
        return path

    cases["grey.png"] = save("grey.png", photo.convert("L"))
    alpha = Image.fromarray(np.tile(np.linspace(0, 255, W).astype(np.uint8), (H, 1)), "L")
    grey_alpha = photo.convert("L").copy()
    grey_alpha.putalpha(alpha)
    cases["grey_alpha.png"] = save("grey_alpha.png", grey_alpha)
    rgba = photo.copy()
    rgba.putalpha(alpha)
    cases["rgba.png"] = save("rgba.png", rgba)
    cases["palette.png"] = save("palette.png", photo.quantize(16, dither=Image.Dither.NONE))
    grey16 = Image.fromarray(rgb[..., 0].astype(np.uint16) * 257)
    assert grey16.mode == "I;16", grey16.mode
    cases["grey16.png"] = save("grey16.png", grey16)
    # Values between the exact 8-bit levels, to check the rounding: round(v / 257).
    rgb16 = rgb.astype(np.uint32) * 257 // 2 + 16000
    png_rgb16(OUT / "rgb16.png", rgb16.astype(np.uint16))
    expected16 = np.floor(rgb16 / 257 + 0.5).astype(np.uint8)
    cases["lossless.webp"] = save("lossless.webp", photo, lossless=True)
    cases["photo.tiff"] = save("photo.tiff", photo)
    cases["photo.bmp"] = save("photo.bmp", photo)
    cases["cmyk.jpg"] = save("cmyk.jpg", photo.convert("CMYK"), quality=95)
    # Stored sideways, with EXIF orientation 6 ("rotate 90° clockwise to view").
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways = photo.transpose(Image.Transpose.ROTATE_90)
    cases["exif_rotated.jpg"] = save("exif_rotated.jpg", sideways, quality=95, exif=exif.tobytes())
    exif_png = Image.Exif()
    exif_png[0x0112] = 3
    cases["exif_rotated.png"] = save("exif_rotated.png", photo.transpose(Image.Transpose.ROTATE_180), exif=exif_png.tobytes())

    manifest = {}
    cases["rgb16.png"] = OUT / "rgb16.png"
    for name, path in cases.items():
        if name == "rgb16.png":
            want = Image.fromarray(expected16, "RGB")
        else:
            with Image.open(path) as image:
                want = expected(image)
        assert want.size == (W, H), (name, want.size)
        want_name = f"expected_{Path(name).stem}_{Path(name).suffix[1:]}.png"
        want.save(OUT / want_name)
        manifest[name] = {"expected": want_name, "lossy": name == "cmyk.jpg"}

    # Broken files: each must be refused with a reason.
    full_jpeg = io.BytesIO()
    photo.save(full_jpeg, "JPEG", quality=95)
    full_png = io.BytesIO()
    photo.save(full_png, "PNG")
    broken = {
        "truncated.jpg": full_jpeg.getvalue()[: len(full_jpeg.getvalue()) * 2 // 3],
        "truncated.png": full_png.getvalue()[: len(full_png.getvalue()) // 2],
        "empty.png": b"",
        "text.jpg": b"this is not an image\n",
        "animation.gif": b"GIF89a" + bytes(20),
        "zero_width.bmp": b"BM" + struct.pack("<IHHI", 58, 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, 0, 1, 1, 24, 0, 4, 2835, 2835, 0, 0) + bytes(4),
    }
    for name, data in broken.items():
        (OUT / name).write_bytes(data)
    manifest_all = {"readable": manifest, "broken": sorted(broken)}
    (OUT / "manifest.json").write_text(json.dumps(manifest_all, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
