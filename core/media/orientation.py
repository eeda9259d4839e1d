"""EXIF orientation: which transpose shows a picture upright (as ImageOps.exif_transpose)."""

from __future__ import annotations

from PIL import Image

ORIENTATION_TAG = 0x0112
# EXIF orientation -> the transpose that shows the photo upright.
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
