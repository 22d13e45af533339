"""The print shop's profile: PDF/X-4 in CMYK, with its output intent, bleed and crop marks.

Sheets with every kind of colour (the house style, an SVG chart, a photo, a box, a draft
watermark) are built with ``--profile print`` and read back with pikepdf: identification,
output intent, page boxes, every content stream's colour operators, every picture's colour
space; and a page image shows the masthead rules in the bleed and the crop marks outside it.
There is no PDF/X validator in the stack; README says what a print shop's preflight adds.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from helpers import (
    ICC_SOURCE,
    PROJECT_ROOT,
    make_project,
    rasterize_page,
    run_cli,
    sheet_text,
    write_sheet,
)
from PIL import Image, ImageCms

GALLERY = PROJECT_ROOT / "docs" / "gallery"
BLEED = 9  # points: 0.125 in
RGB_OPERATORS = {"rg", "RG"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the ICC sheet, the gallery (chart, photo, table, box) and a draft, built
    in the print profile and in the screen profile."""
    project = make_project(tmp_path_factory.mktemp("print") / "project")
    shutil.copy(ICC_SOURCE, project / "content")
    for name in ("assistance-chart", "photo-caption", "key-facts", "funding-table"):
        shutil.copy(GALLERY / f"{name}.md", project / "content")
    for picture in (*GALLERY.glob("*.svg"), *GALLERY.glob("*.jpg")):
        shutil.copy(picture, project / "content")
    write_sheet(project, "draft", sheet_text("A Draft Sheet", status="draft"))
    result = run_cli(["pdf", "--profile", "print"], cwd=project)
    assert result.returncode == 0, result.stderr
    result = run_cli(["pdf"], cwd=project)
    assert result.returncode == 0, result.stderr
    return project


def print_pdfs(project: Path) -> list[Path]:
    pdfs = sorted((project / "dist" / "print").glob("*.pdf"))
    assert len(pdfs) == 6
    return pdfs


def test_print_pdfs_go_to_their_own_folder_with_their_own_manifest(project: Path) -> None:
    assert {path.stem for path in print_pdfs(project)} == {
        path.stem for path in (project / "dist").glob("*.pdf")
    }
    assert (project / "dist" / "print" / ".factsheet-manifest.json").is_file()
    assert (project / "dist" / ".factsheet-manifest.json").is_file()
    again = run_cli(["pdf", "--profile", "print"], cwd=project)
    assert "0 built, 6 skipped" in again.stderr


def test_identified_as_pdf_x_4_in_xmp_and_info(project: Path) -> None:
    for path in print_pdfs(project):
        with pikepdf.open(path) as pdf:
            xmp = pdf.Root.Metadata.read_bytes().decode()
            assert re.search(r"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>", xmp)
            assert str(pdf.docinfo["/GTS_PDFXVersion"]) == "PDF/X-4"
            assert pdf.docinfo["/Trapped"] == pikepdf.Name("/False")
            assert pdf.pdf_version >= "1.6"


def test_output_intent_embeds_a_cmyk_printer_profile(project: Path, tmp_path: Path) -> None:
    for path in print_pdfs(project):
        with pikepdf.open(path) as pdf:
            (intent,) = pdf.Root.OutputIntents
            assert str(intent.S) == "/GTS_PDFX"
            assert str(intent.OutputConditionIdentifier)
            profile = intent.DestOutputProfile
            assert profile.N == 4
            icc = profile.read_bytes()
    # The ICC header: a printer ("prtr") profile whose data colour space is CMYK.
    assert icc[12:16] == b"prtr" and icc[16:20] == b"CMYK"
    saved = tmp_path / "intent.icc"
    saved.write_bytes(icc)
    assert "SWOP" in ImageCms.getProfileDescription(ImageCms.getOpenProfile(str(saved)))


def test_bleed_is_exactly_9pt_beyond_the_trim_and_marks_fit_the_media(project: Path) -> None:
    for path in print_pdfs(project):
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                trim = [float(value) for value in page.TrimBox]
                bleed = [float(value) for value in page.BleedBox]
                media = [float(value) for value in page.MediaBox]
                assert trim == [0, 0, 612, 792]  # US Letter, the site's paper
                assert bleed == [trim[0] - BLEED, trim[1] - BLEED, trim[2] + BLEED, trim[3] + BLEED]
                assert media[0] < bleed[0] and media[1] < bleed[1]
                assert media[2] > bleed[2] and media[3] > bleed[3]


def _streams(owner: pikepdf.Object, seen: set[tuple[int, int]]) -> list[pikepdf.Object]:
    """A page or form and every form and tiling pattern it paints, recursively."""
    found = [owner]
    resources = owner.get("/Resources", {})
    for kind in ("/XObject", "/Pattern"):
        for item in resources.get(kind, {}).values():
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
            if item.get("/Subtype") == "/Form" or item.get("/PatternType") == 1:
                found.extend(_streams(item, seen))
    return found


def _pictures(pdf: pikepdf.Pdf) -> list[pikepdf.Object]:
    return [
        item
        for item in pdf.objects
        if isinstance(item, pikepdf.Stream) and item.get("/Subtype") == "/Image"
    ]


def _rgb_space(space: pikepdf.Object) -> bool:
    """DeviceRGB, CalRGB or a three-component ICC space (Lab and CMYK are allowed)."""
    if isinstance(space, pikepdf.Name):
        return space == "/DeviceRGB"
    if space[0] == "/ICCBased":
        return int(space[1].N) == 3
    return bool(space[0] == "/CalRGB")


def test_no_content_stream_sets_an_rgb_colour(project: Path) -> None:
    for path in print_pdfs(project):
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                for owner in _streams(page.obj, set()):
                    spaces = owner.get("/Resources", {}).get("/ColorSpace", {})
                    for name, space in spaces.items():
                        assert not _rgb_space(space), f"{path.name}: {name} is {space}"
                    for operands, operator in pikepdf.parse_content_stream(owner):
                        assert str(operator) not in RGB_OPERATORS, f"{path.name}: {operator}"
                        if str(operator) in ("cs", "CS"):
                            assert operands[0] != "/DeviceRGB", path.name
                group = page.get("/Group")
                if group is not None and "/CS" in group:
                    assert group.CS == "/DeviceCMYK"
            for picture in _pictures(pdf):
                space = picture.get("/ColorSpace")
                if picture.get("/ImageMask") or space is None:
                    continue
                assert space in ("/DeviceCMYK", "/DeviceGray"), f"{path.name}: picture in {space}"


def test_the_photo_is_converted_to_cmyk_not_dropped(project: Path) -> None:
    with pikepdf.open(project / "dist" / "print" / "photo-caption.pdf") as pdf:
        pictures = [
            picture for picture in _pictures(pdf) if picture.get("/ColorSpace") == "/DeviceCMYK"
        ]
        assert pictures
        image = pikepdf.PdfImage(max(pictures, key=lambda p: int(p.Width) * int(p.Height)))
        assert image.mode == "CMYK" and image.width > 100
        # The photo is not blank: its ink varies across the picture.
        extrema = image.as_pil_image().getextrema()
        assert any(high - low > 100 for low, high in extrema)


def _page_image(pdf: Path, tmp_path: Path) -> Image.Image:
    """Page 1 at 72 dpi (one pixel a point), the whole MediaBox."""
    return Image.open(rasterize_page(pdf, tmp_path, 72)).convert("RGB")


def test_masthead_rules_run_into_the_bleed_and_crop_marks_sit_outside_it(
    project: Path, tmp_path: Path
) -> None:
    path = project / "dist" / "print" / "international-criminal-court.pdf"
    with pikepdf.open(path) as pdf:
        media = [float(value) for value in pdf.pages[0].MediaBox]
    image = _page_image(path, tmp_path)
    margin = round(-media[0])  # the trim's left edge, in pixels from the image's left

    def dark(x: int, y: int) -> bool:
        return sum(image.getpixel((x, y))) < 600

    # Rows of the top 2.5 in where the rules are: ink at the trim's left edge.
    rule_rows = [y for y in range(margin, margin + 180) if dark(margin + 1, y)]
    assert rule_rows, "no masthead rule reaches the trim's edge"
    for y in rule_rows:
        assert dark(margin - BLEED + 2, y), "a masthead rule stops short of the bleed"
        assert not dark(margin - BLEED - 3, y), "a masthead rule runs past the bleed"
    # Crop marks: on the trim lines, outside the bleed; nothing printed in the bleed's corner.
    assert any(dark(margin, y) for y in range(0, margin - BLEED))
    assert any(dark(x, margin) for x in range(0, margin - BLEED))
    corner = [
        dark(x, y) for x in range(margin - BLEED, margin) for y in range(margin - BLEED, margin)
    ]
    assert not any(corner)


def test_crop_marks_are_registration_colour_artifacts(project: Path) -> None:
    with pikepdf.open(project / "dist" / "print" / "international-criminal-court.pdf") as pdf:
        page = pdf.pages[0]
        spaces = page.Resources.ColorSpace
        registration = [name for name, space in spaces.items() if space[0] == "/Separation"]
        assert len(registration) == 1 and spaces[registration[0]][1] == "/All"
        instructions = list(pikepdf.parse_content_stream(page))
        chosen = next(
            index
            for index, (operands, operator) in enumerate(instructions)
            if str(operator) == "CS" and str(operands[0]) == registration[0]
        )
        opened = max(
            index
            for index, (operands, operator) in enumerate(instructions[:chosen])
            if str(operator) == "BDC"
        )
        assert instructions[opened][0][0] == "/Artifact"


def test_the_print_profile_keeps_the_tags_and_links_but_prints_no_annotation(
    project: Path,
) -> None:
    with pikepdf.open(project / "dist" / "print" / "international-criminal-court.pdf") as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "en"
        annotations = [annotation for page in pdf.pages for annotation in page.Annots]
        assert annotations  # the links still work on screen
        # PDF/X: no printable annotation inside the bleed (links have nothing to print).
        assert not [annotation for annotation in annotations if int(annotation.get("/F", 0)) & 4]


def test_the_screen_profile_is_unchanged(project: Path) -> None:
    with pikepdf.open(project / "dist" / "international-criminal-court.pdf") as pdf:
        assert "/OutputIntents" not in pdf.Root
        page = pdf.pages[0]
        for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
            assert [float(value) for value in page.get(box, page.MediaBox)] == [0, 0, 612, 792]
        operators = {str(operator) for _, operator in pikepdf.parse_content_stream(pdf.pages[0])}
        assert "rg" in operators  # screen colours stay RGB


def test_print_pdfs_are_reproducible(project: Path, tmp_path: Path) -> None:
    path = project / "dist" / "print" / "photo-caption.pdf"
    before = path.read_bytes()
    result = run_cli(
        ["pdf", "content/photo-caption.md", "--profile", "print", "--force"], cwd=project
    )
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == before


def test_profile_print_in_settings_is_the_default(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    settings = project / "factsheet.yaml"
    settings.write_text(settings.read_text().replace("profile: screen", "profile: print"))
    write_sheet(project, "one", sheet_text("One"))
    result = run_cli(["pdf"], cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "dist" / "print" / "one.pdf").is_file()
    assert not (project / "dist" / "one.pdf").exists()
    refused = run_cli(["pdf", "--pdf-variant", "pdf/a-2a"], cwd=project)
    assert refused.returncode == 2
    assert "--pdf-variant is for the screen profile" in refused.stderr
