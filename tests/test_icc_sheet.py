"""Structure tier: the shipped ICC fact sheet, read back from its PDF as a reviewer would."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from helpers import (
    ICC_SOURCE,
    SUBSET_PREFIX,
    body_text_size,
    flat,
    front_matter,
    page_texts,
    pdf_words,
    pdffonts,
    pdfinfo,
    pdftotext,
    squeeze,
    text_runs,
)

DISCLAIMER_PHRASE = "should not be construed as an endorsement"
ICC_URL = "https://www.icc-cpi.int"
BUNDLED_FAMILIES = ("merriweather", "publicsans")


@pytest.fixture(scope="module")
def icc_text(icc_pdf: Path) -> str:
    """The whole sheet's text with whitespace collapsed."""
    return flat(pdftotext(icc_pdf))


@pytest.fixture(scope="module")
def meta() -> dict:
    """The ICC sheet's front matter."""
    return front_matter(ICC_SOURCE)


def test_masthead_shows_agency_and_tagline(icc_pdf: Path) -> None:
    """The masthead prints the agency and tagline in capitals at the top of page 1."""
    first_page = page_texts(icc_pdf)[0]
    lines = [line.strip() for line in first_page.splitlines() if line.strip()]
    assert lines[0] == "U.S. DEPARTMENT OF STATE"
    assert lines[1] == "DIPLOMACY IN ACTION"


def test_title_and_printed_date(icc_text: str, meta: dict) -> None:
    """The title and the date as a reader expects it ("June 11, 2010") are printed."""
    assert meta["title"] in icc_text
    assert "June 11, 2010" in icc_text
    assert "2010-06-11" not in icc_text


def test_quoted_passage_is_printed(icc_pdf: Path) -> None:
    """The block quote from the National Security Strategy is printed, indented from the body."""
    page = pdf_words(icc_pdf)[0]
    lines = page.lines()
    quote_line = next(row for row in lines if row[0].text == "From")
    assert " ".join(w.text for w in quote_line).startswith("From Nuremberg to Yugoslavia")
    body_line = next(row for row in lines if row[0].text == "Although")
    assert quote_line[0].x_min > body_line[0].x_min


def test_link_address_is_printed(icc_text: str) -> None:
    """On paper the link cannot be clicked, so its address is printed."""
    assert "www.icc-cpi.int" in icc_text


def test_disclaimer_printed_exactly_once(icc_text: str) -> None:
    """The external-link disclaimer appears once, however many external links there are."""
    assert icc_text.count(DISCLAIMER_PHRASE) == 1


def test_disclaimer_is_smaller_than_body_text(icc_pdf: Path) -> None:
    """The disclaimer is set in a smaller size than the body text."""
    pages = text_runs(icc_pdf)
    body_size = body_text_size(pages)
    disclaimer_sizes = {run.size for runs in pages for run in runs if "endorsement" in run.text}
    assert disclaimer_sizes, "disclaimer text not found"
    assert max(disclaimer_sizes) < body_size


def test_disclaimer_at_foot_of_page_citing_link(icc_pdf: Path) -> None:
    """The disclaimer sits in the bottom fifth of the page that carries the link."""
    pdf = pikepdf.open(icc_pdf)
    link_pages = [
        index
        for index, page in enumerate(pdf.pages)
        for annot in page.get("/Annots", [])
        if str(annot.get("/A", {}).get("/URI", "")).startswith(ICC_URL)
    ]
    assert link_pages, "no link annotation to the ICC site"
    pages = pdf_words(icc_pdf)
    page = pages[link_pages[0]]
    words = [word for word in page.words if word.text == "endorsement"]
    assert len(words) == 1
    assert words[0].y_min >= 0.8 * page.height


def test_page_is_us_letter(icc_pdf: Path) -> None:
    """Every page is US Letter, 612 × 792 pt."""
    pdf = pikepdf.open(icc_pdf)
    for page in pdf.pages:
        box = [float(v) for v in page.mediabox]
        assert box[2] - box[0] == pytest.approx(612, abs=0.5)
        assert box[3] - box[1] == pytest.approx(792, abs=0.5)
    assert pdfinfo(icc_pdf)["Page size"].startswith("612 x 792")


def test_fonts_embedded_and_subset(icc_pdf: Path) -> None:
    """Every font is embedded and subset, so the sheet prints the same everywhere."""
    fonts = pdffonts(icc_pdf)
    assert fonts
    for font in fonts:
        assert font.embedded, font
        assert font.subset, font
        assert SUBSET_PREFIX.match(font.name), font


def test_only_bundled_font_families(icc_pdf: Path) -> None:
    """Only Merriweather and Public Sans are used: no system fallback font such as DejaVu."""
    families = {squeeze(SUBSET_PREFIX.sub("", font.name)) for font in pdffonts(icc_pdf)}
    stray = {name for name in families if not name.startswith(BUNDLED_FAMILIES)}
    assert not stray, f"fonts outside the bundled families: {sorted(stray)}"
    assert any(name.startswith("merriweather") for name in families)
    assert any(name.startswith("publicsans") for name in families)


def test_document_metadata(icc_pdf: Path, meta: dict) -> None:
    """Title, Author, Subject and Keywords come from the front matter and factsheet.yaml."""
    info = pdfinfo(icc_pdf)
    assert info["Title"] == meta["title"] == "International Criminal Court"
    assert info["Author"] == "U.S. Department of State"
    # Printed like the body: the apostrophe of "the Court's" is a typographer's one.
    assert info["Subject"] == flat(meta["summary"]).replace("'", "’")
    keywords = [keyword.strip() for keyword in info["Keywords"].split(",")]
    assert keywords == meta["keywords"]


def test_document_language_is_english(icc_pdf: Path) -> None:
    """The catalog declares the document language, for screen readers."""
    pdf = pikepdf.open(icc_pdf)
    assert str(pdf.Root.Lang) == "en"


def test_outline_contains_title(icc_pdf: Path, meta: dict) -> None:
    """The bookmark panel shows the sheet's title."""
    pdf = pikepdf.open(icc_pdf)
    with pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
    assert meta["title"] in titles


def test_link_is_clickable(icc_pdf: Path) -> None:
    """On screen the link still works: page 1 has a URI link annotation to the ICC site."""
    pdf = pikepdf.open(icc_pdf)
    uris = [
        str(annot.A.URI)
        for annot in pdf.pages[0].get("/Annots", [])
        if annot.get("/Subtype") == "/Link" and "/A" in annot and "/URI" in annot.A
    ]
    assert ICC_URL in [uri.rstrip("/") for uri in uris]
