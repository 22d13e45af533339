"""Visual tier: page 1 of the ICC sheet, rasterized, must look like the approved golden image.

Set FACTSHEET_UPDATE_GOLDEN=1 (``make golden``) to approve the current rendering instead.
On failure the actual image and a difference image are written to tests/.failures/.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from helpers import TESTS_DIR
from PIL import Image, ImageChops

GOLDEN = TESTS_DIR / "golden" / "international-criminal-court-1.png"
FAILURES = TESTS_DIR / ".failures"
RESOLUTION = 60
# A pixel counts as different when any channel differs by more than this (out of 255): small
# anti-aliasing shifts are tolerated, a moved line of text is not.
CHANNEL_TOLERANCE = 16
# The page fails when more than this share of its pixels differ.
MAX_DIFFERING_SHARE = 0.005


def rasterize_first_page(pdf: Path, out_dir: Path) -> Path:
    """Render page 1 with ``pdftoppm -png -r 60``; return the PNG path."""
    prefix = out_dir / "page"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(RESOLUTION),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return prefix.with_suffix(".png")


def differing_mask(actual: Image.Image, golden: Image.Image) -> Image.Image:
    """A black-and-white mask: white where any channel differs by more than the tolerance."""
    difference = ImageChops.difference(actual, golden)
    channels = [
        band.point(lambda v: 255 if v > CHANNEL_TOLERANCE else 0) for band in difference.split()
    ]
    mask = channels[0]
    for band in channels[1:]:
        mask = ImageChops.lighter(mask, band)
    return mask


def test_first_page_matches_golden(icc_pdf: Path, tmp_path: Path) -> None:
    """Page 1 looks like the approved rendering (masthead, type, spacing, notes)."""
    actual_path = rasterize_first_page(icc_pdf, tmp_path)
    actual = Image.open(actual_path).convert("RGB")
    if os.environ.get("FACTSHEET_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        actual.save(GOLDEN)
        return
    assert GOLDEN.is_file(), f"no golden image {GOLDEN}: run `make golden` to create it"
    golden = Image.open(GOLDEN).convert("RGB")
    assert actual.size == golden.size, f"page size {actual.size} differs from golden {golden.size}"
    mask = differing_mask(actual, golden)
    differing = mask.histogram()[255]
    share = differing / (actual.width * actual.height)
    if share > MAX_DIFFERING_SHARE:
        FAILURES.mkdir(exist_ok=True)
        actual.save(FAILURES / "international-criminal-court-1.actual.png")
        highlight = Image.new("RGB", actual.size, (255, 0, 0))
        diff = Image.composite(highlight, actual.convert("L").convert("RGB"), mask)
        diff.save(FAILURES / "international-criminal-court-1.diff.png")
    assert share <= MAX_DIFFERING_SHARE, (
        f"{share:.2%} of pixels differ from the golden image (limit {MAX_DIFFERING_SHARE:.1%}); "
        f"see {FAILURES}"
    )
