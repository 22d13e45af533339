"""The running header's title: one line, never wrapped, shortened at a word with an ellipsis.

From page 2, the header prints the title on the left and the agency on the right (a draft or an
embargoed sheet prints its marking there instead of the title). A title too long for its share
of the line would wrap the header onto two lines and squeeze the agency; this is decided before
layout, so that ``check`` can suggest a ``short_title``: text is measured with the bundled
fonts' advance widths (fontTools, already a dependency of WeasyPrint), not with WeasyPrint.

The sizes below are the header's in ``templates/factsheet.css`` (``@page`` margins and the
``@top-*`` boxes); a change there is a change here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .config import PAPER_SIZES
from .files import cached_json
from .fonts import font_tools_version

POINTS_PER_INCH = 72.0
POINTS_PER_MM = 72.0 / 25.4
# factsheet.css: @page { margin: … 0.8in … 0.8in }.
SIDE_MARGINS_PT = 2 * 0.8 * POINTS_PER_INCH
# Between the header's boxes, and a reserve for kerning and rounding.
GAP_PT = 18.0
ELLIPSIS = "…"


@dataclass(frozen=True)
class HeaderFont:
    """How a header box sets its text: a font file of ``templates/fonts/``, a size, spacing."""

    file: str
    size_pt: float
    letter_spacing_em: float = 0.0


TITLE_FONT = HeaderFont("PublicSans-SemiBold.ttf", 8.0)
AGENCY_FONT = HeaderFont("PublicSans-Regular.ttf", 7.5, 0.06)
MARKING_FONT = HeaderFont("PublicSans-Bold.ttf", 7.5, 0.06)


def page_width_pt(paper: str) -> float:
    """The width of the paper's text area, in points."""
    width = PAPER_SIZES[paper].split()[0]
    number = float(width[:-2])
    return number * (POINTS_PER_INCH if width.endswith("in") else POINTS_PER_MM) - SIDE_MARGINS_PT


def text_width(text: str, font: HeaderFont, fonts_dir: Path) -> float:
    """The width of ``text`` set in ``font``, in points (advance widths, no kerning)."""
    advances, units_per_em = _advances(fonts_dir / font.file)
    width = 0.0
    for char in text:
        advance = advances.get(ord(char))
        if advance is None:
            # A character the font lacks is set in another font: wide scripts a full em.
            wide = unicodedata.east_asian_width(char) in ("W", "F")
            advance = units_per_em if wide else int(units_per_em * 0.6)
        width += advance / units_per_em + font.letter_spacing_em
    return width * font.size_pt


def running_title(
    title: str, agency: str, paper: str, fonts_dir: Path, font: HeaderFont = TITLE_FONT
) -> str:
    """``title`` as the header prints it beside the agency: whole if it fits the rest of the
    line, else cut at a word and ended with an ellipsis. ``font`` is the title's (a draft's or
    an embargo's marking, printed there instead, is set bolder)."""
    if not (fonts_dir / font.file).is_file() or not (fonts_dir / AGENCY_FONT.file).is_file():
        return title  # a project with other fonts: nothing to measure with
    budget = page_width_pt(paper) - text_width(agency.upper(), AGENCY_FONT, fonts_dir) - GAP_PT
    if text_width(title, font, fonts_dir) <= budget:
        return title
    words = title.split()
    for count in range(len(words) - 1, 0, -1):
        shortened = " ".join(words[:count]).rstrip(",;:–—-") + ELLIPSIS
        if text_width(shortened, font, fonts_dir) <= budget:
            return shortened
    # Not even the first word fits: cut inside it.
    characters = words[0] if words else title
    while characters and text_width(characters + ELLIPSIS, font, fonts_dir) > budget:
        characters = characters[:-1]
    return characters + ELLIPSIS


@lru_cache(maxsize=8)
def _advances(font_path: Path) -> tuple[dict[int, int], int]:
    """A font's advance width by code point, and its units per em (kept in the cache folder,
    by the font's name, size and time: reading them takes a fortieth of a second)."""
    status = font_path.stat()
    return cached_json(
        f"advances-{font_path.name}-{status.st_size}-{status.st_mtime_ns}-"
        f"{font_tools_version()}.json",
        lambda: _read_advances(font_path),
        _advances_from_json,
    )


def _advances_from_json(data: Any) -> tuple[dict[int, int], int]:
    advances = {int(code): int(width) for code, width in data[0].items()}
    units_per_em = int(data[1])
    if not 16 <= units_per_em <= 16384 or any(not 0 <= w <= 65535 for w in advances.values()):
        raise ValueError("not a font's advance widths")
    return advances, units_per_em


def _read_advances(font_path: Path) -> tuple[dict[int, int], int]:
    from fontTools.ttLib import TTFont  # noqa: PLC0415 - lazy: only a long title needs it

    with TTFont(font_path, lazy=True) as font:
        metrics = font["hmtx"].metrics
        advances = {code: metrics[name][0] for code, name in font.getBestCmap().items()}
        return advances, int(font["head"].unitsPerEm)
