"""Visual tier: page 1 of the ICC sheet and of each gallery sheet, rasterized, must look like
the approved golden image.

Set FACTSHEET_UPDATE_GOLDEN=1 (``make golden``) to approve the current rendering instead.
On failure the actual image and a difference image are written to tests/.failures/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import PROJECT_ROOT, TESTS_DIR, make_project, rasterize_page, run_cli
from PIL import Image, ImageChops

FAILURES = TESTS_DIR / ".failures"
RESOLUTION = 60
# A pixel counts as different when any channel differs by more than this (out of 255): small
# anti-aliasing shifts are tolerated, a moved line of text is not.
CHANNEL_TOLERANCE = 16
# The page fails when more than this share of its pixels differ.
MAX_DIFFERING_SHARE = 0.005


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


def compare_with_golden(pdf: Path, name: str, tmp_path: Path) -> None:
    """Page 1 of ``pdf`` must match ``tests/golden/<name>-1.png`` (or becomes it, when
    FACTSHEET_UPDATE_GOLDEN=1)."""
    golden_path = TESTS_DIR / "golden" / f"{name}-1.png"
    actual = Image.open(rasterize_page(pdf, tmp_path, RESOLUTION)).convert("RGB")
    if os.environ.get("FACTSHEET_UPDATE_GOLDEN") == "1":
        golden_path.parent.mkdir(parents=True, exist_ok=True)
        actual.save(golden_path)
        return
    assert golden_path.is_file(), f"no golden image {golden_path}: run `make golden` to create it"
    golden = Image.open(golden_path).convert("RGB")
    assert actual.size == golden.size, f"page size {actual.size} differs from golden {golden.size}"
    mask = differing_mask(actual, golden)
    differing = mask.histogram()[255]
    share = differing / (actual.width * actual.height)
    if share > MAX_DIFFERING_SHARE:
        FAILURES.mkdir(exist_ok=True)
        actual.save(FAILURES / f"{name}-1.actual.png")
        highlight = Image.new("RGB", actual.size, (255, 0, 0))
        diff = Image.composite(highlight, actual.convert("L").convert("RGB"), mask)
        diff.save(FAILURES / f"{name}-1.diff.png")
    assert share <= MAX_DIFFERING_SHARE, (
        f"{name}: {share:.2%} of pixels differ from the golden image (limit "
        f"{MAX_DIFFERING_SHARE:.1%}); see {FAILURES}"
    )


def test_first_page_matches_golden(icc_pdf: Path, tmp_path: Path) -> None:
    """Page 1 looks like the approved rendering (masthead, type, spacing, notes)."""
    compare_with_golden(icc_pdf, "international-criminal-court", tmp_path)


GALLERY = PROJECT_ROOT / "docs" / "gallery"


@pytest.mark.parametrize("name", sorted(path.stem for path in GALLERY.glob("*.md")))
def test_gallery_sheet_matches_golden(name: str, tmp_path: Path) -> None:
    """Each gallery sheet (one per feature) looks like its approved rendering."""
    project = make_project(tmp_path / "project")
    for path in GALLERY.iterdir():
        if path.is_file() and path.name != "README.md":
            shutil.copy(path, project / "content" / path.name)
    result = run_cli(["pdf", "-j", "1", f"content/{name}.md"], cwd=project)
    assert result.returncode == 0, result.stderr
    compare_with_golden(project / "dist" / f"{name}.pdf", f"gallery-{name}", tmp_path)


LAYOUT_SAMPLES = PROJECT_ROOT / "docs" / "layouts"


@pytest.mark.parametrize("name", sorted(path.stem for path in LAYOUT_SAMPLES.glob("*.md")))
def test_layout_sample_matches_golden(name: str, tmp_path: Path) -> None:
    """Each layout's sample sheet (media note, joint statement, remarks, two columns, an
    embargoed draft) looks like its approved rendering."""
    project = make_project(tmp_path / "project")
    for path in LAYOUT_SAMPLES.iterdir():
        shutil.copy(path, project / "content" / path.name)
    result = run_cli(["pdf", "-j", "1", f"content/{name}.md"], cwd=project)
    assert result.returncode == 0, result.stderr
    compare_with_golden(project / "dist" / f"{name}.pdf", f"layout-{name}", tmp_path)


LANGUAGE_SAMPLES = PROJECT_ROOT / "docs" / "languages"


@pytest.mark.parametrize("name", ["ar", "zh-hans", "hi"])
def test_language_sample_matches_golden(name: str, tmp_path: Path) -> None:
    """The Arabic (right to left), Chinese and Hindi samples look like their approved
    renderings."""
    project = make_project(tmp_path / "project")
    shutil.copy(LANGUAGE_SAMPLES / f"{name}.md", project / "content" / f"{name}.md")
    result = run_cli(["pdf", "-j", "1", f"content/{name}.md"], cwd=project)
    assert result.returncode == 0, result.stderr
    compare_with_golden(project / "dist" / f"{name}.pdf", f"language-{name}", tmp_path)
