"""Units of factsheet/tagging.py on hand-made PDFs: the cases real sheets do not reach."""

from __future__ import annotations

import pikepdf
from pikepdf import Dictionary, Name

from factsheet.tagging import _artifacts_in_stream


def pdf_with_content(content: bytes) -> pikepdf.Pdf:
    """A one-page PDF whose page content stream is ``content``."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pdf.make_stream(content)
    return pdf


def marked_sequences(content: bytes) -> list[tuple[str, object]]:
    """(tag, properties) of every BDC operator in ``content``."""
    pdf = pdf_with_content(content)
    return [
        (str(instruction.operands[0]), instruction.operands[1])
        for instruction in pikepdf.parse_content_stream(pdf.pages[0])
        if instruction.operator == pikepdf.Operator("BDC")
    ]


def test_weasyprint_layout_is_rewritten_in_place() -> None:
    """Only the orphaned sequence becomes a pagination artifact; the others keep their MCID."""
    content = (
        b"/Span\n<</MCID 0>>\nBDC\nBT (body) Tj ET\nEMC\n"
        b"/Span\n<</MCID 1>>\nBDC\nBT (Page 1 of 1) Tj ET\nEMC\n"
    )
    pdf = pdf_with_content(content)
    rewritten = _artifacts_in_stream(pdf.pages[0], {1})
    sequences = marked_sequences(rewritten)
    assert sequences[0] == ("/Span", Dictionary(MCID=0))
    assert sequences[1][0] == "/Artifact"
    assert sequences[1][1].Type == Name.Pagination


def test_other_layouts_fall_back_to_the_parser() -> None:
    """Operators on one line (not WeasyPrint's layout) are still found and re-marked."""
    content = (
        b"/P <</MCID 0>> BDC BT (body) Tj ET EMC /Span <</MCID 1>> BDC BT (Page 1 of 1) Tj ET EMC"
    )
    pdf = pdf_with_content(content)
    rewritten = _artifacts_in_stream(pdf.pages[0], {1})
    sequences = marked_sequences(rewritten)
    assert [tag for tag, _ in sequences] == ["/P", "/Artifact"]
    assert sequences[0][1] == Dictionary(MCID=0)
    assert b"Page 1 of 1" in rewritten
