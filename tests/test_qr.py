"""A sheet's web address (``url``) prints with a QR code that leads to it.

The code is decoded from a rendered page image with zxing-cpp, in the screen and the print
profile and in a right-to-left sheet; its tags, links and drawing are read back with pikepdf.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
import zxingcpp
from helpers import (
    PROJECT_ROOT,
    make_project,
    page_count,
    pdftotext,
    rasterize_page,
    run_cli,
    sheet_text,
    structure_elements,
    write_sheet,
)
from PIL import Image

ADDRESS = "https://www.state.gov/secretary-blinkens-travel-to-brussels/"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("qr") / "project")
    (project / "content" / "media-note.md").write_text(
        (PROJECT_ROOT / "docs" / "layouts" / "media-note.md").read_text("utf-8"), "utf-8"
    )
    write_sheet(
        project,
        "arabic",
        sheet_text("صحيفة وقائع", "فقرة قصيرة.", lang="ar", url="https://www.state.gov/ar/"),
    )
    for profile in ("screen", "print"):
        result = run_cli(["pdf", "--profile", profile], cwd=project)
        assert result.returncode == 0, result.stderr
    return project


def decoded(pdf: Path, tmp_path: Path) -> list[str]:
    """The texts of every QR code zxing-cpp finds on the last page, rendered at 150 dpi."""
    image = Image.open(rasterize_page(pdf, tmp_path, 150, page_count(pdf)))
    return [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]


@pytest.mark.parametrize("profile", ["", "print"])
def test_the_printed_code_decodes_to_the_url(project: Path, profile: str, tmp_path: Path) -> None:
    folder = project / "dist" / profile
    assert decoded(folder / "media-note.pdf", tmp_path) == [ADDRESS]
    assert decoded(folder / "arabic.pdf", tmp_path) == ["https://www.state.gov/ar/"]


def test_the_address_is_printed_beside_the_code(project: Path) -> None:
    text = " ".join(pdftotext(project / "dist" / "media-note.pdf").split())
    assert f"Online version {ADDRESS}" in text


def test_the_code_is_a_figure_named_by_its_address_inside_a_link(project: Path) -> None:
    with pikepdf.open(project / "dist" / "media-note.pdf") as pdf:
        figures = [
            element
            for element in structure_elements(pdf.Root.StructTreeRoot)
            if element.get("/S") == "/Figure" and ADDRESS in str(element.get("/Alt", ""))
        ]
        assert len(figures) == 1
        assert str(figures[0].Alt) == f"QR code for {ADDRESS}"
        assert figures[0].P.S == "/Link"
        links = {
            element.objgen
            for element in structure_elements(pdf.Root.StructTreeRoot)
            if element.get("/S") == "/Link"
            for kid in element.K
            if isinstance(kid, pikepdf.Dictionary)
            and kid.get("/Type") == "/OBJR"
            and str(kid.Obj.get("/A", {}).get("/URI", "")) == ADDRESS
        }
        # The code and the printed address: two links to the sheet's address.
        assert len(links) == 2
        # Drawn as vector paths (an SVG form), never as a picture.
        assert not [
            item
            for item in pdf.objects
            if isinstance(item, pikepdf.Stream) and item.get("/Subtype") == "/Image"
        ]


def test_the_alt_text_is_in_the_sheets_language(project: Path) -> None:
    with pikepdf.open(project / "dist" / "arabic.pdf") as pdf:
        alts = [
            str(element.Alt)
            for element in structure_elements(pdf.Root.StructTreeRoot)
            if element.get("/S") == "/Figure" and "/Alt" in element
        ]
    assert "رمز QR للوصول إلى https://www.state.gov/ar/" in alts


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "ftp://example.gov/x",
            "expected an http:// or https:// address, got 'ftp://example.gov/x'",
        ),
        ("www.state.gov", "expected an http:// or https:// address, got 'www.state.gov'"),
        (
            "https://www.state.gov/" + "a" * 140,
            "the address is 162 characters; a printed QR code stays readable up to 150: "
            "use a shorter address",
        ),
    ],
)
def test_a_bad_url_is_an_error_at_its_line(tmp_path: Path, value: str, message: str) -> None:
    project = make_project(tmp_path / "project")
    write_sheet(project, "bad", sheet_text("Bad", url=f'"{value}"'))
    result = run_cli(["check", "content/bad.md"], cwd=project)
    assert result.returncode == 1
    assert f"content/bad.md:4: field `url`: {message}" in result.stderr
