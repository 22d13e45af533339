"""The QR code that leads from a printed sheet to its web address (``url``).

segno draws the code as one SVG path (vector: sharp at any print size, no raster), with the
standard quiet zone of four modules, error correction level M (15 %, for creases and smudges),
in pure black, which prints from the black plate alone.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=64)
def qr_code_image(address: str) -> str:
    """A ``data:`` URL of the SVG QR code of ``address``, for an ``<img>``."""
    import segno  # noqa: PLC0415 - only for sheets with a url

    code = segno.make(address, error="m", micro=False, boost_error=False)
    # A viewBox and no size: the stylesheet sets the printed size.
    return str(
        code.svg_data_uri(
            border=4, dark="#000", light="#fff", omitsize=True, nl=False, xmldecl=False
        )
    )
