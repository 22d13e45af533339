"""What offices print every day: tables of figures (and, as they land, figures, boxes, notes).

The sheets are the gallery's (docs/gallery/), built with the CLI and read back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
import pytest
from helpers import PROJECT_ROOT, flat, invoke, pdf_words, pdftotext

GALLERY = PROJECT_ROOT / "docs" / "gallery"


@pytest.fixture
def funding(in_project: Path) -> Path:
    shutil.copy(GALLERY / "funding-table.md", in_project / "content" / "funding.md")
    result = invoke("pdf", "-j", "1", "content/funding.md")
    assert result.exit_code == 0, result.output
    return in_project / "dist" / "funding.pdf"


AMOUNTS = ["$56,300,000", "$12,450,000", "$8,100,000", "$101,000,000", "$177,850,000"]


def test_amounts_never_break_and_align_right(funding: Path) -> None:
    (page,) = pdf_words(funding)
    words = {word.text: word for word in page.words}
    for amount in AMOUNTS:
        assert amount in words, f"{amount} was broken or lost"
    right_edges = {round(words[amount].x_max) for amount in AMOUNTS}
    assert max(right_edges) - min(right_edges) <= 1, right_edges
    # The amounts' column header aligns with them too.
    assert abs(words["Amount"].x_max - words["$56,300,000"].x_max) <= 1


def test_caption_above_and_source_below_the_table(funding: Path) -> None:
    text = flat(pdftotext(funding, layout=False))
    caption = text.index("U.S. assistance by sector, FY 2023")
    assert caption < text.index("Sector") < text.index("$177,850,000")
    assert text.index("$177,850,000") < text.index("Source: U.S. Department of State")
    assert "Table:" not in text
    with pikepdf.open(funding) as pdf:
        roles = []
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary) and "/S" in node:
                roles.append(str(node.S))
            kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None
            if isinstance(kids, pikepdf.Array):
                stack.extend(kids)
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
    assert "/Caption" in roles


def test_a_column_with_text_is_not_a_column_of_figures(in_project: Path) -> None:
    from factsheet.config import load_site
    from factsheet.content import load_sheet
    from factsheet.markdown import render_body

    body = "| A | B |\n|---|---|\n| 1,457 | about 3 |\n| −3.5% | 12 |\n| — | €12.4 million |\n"
    path = in_project / "content" / "t.md"
    path.write_text(f"---\ntitle: T\ndate: 2020-01-01\n---\n{body}", "utf-8")
    site = load_site(in_project)
    html = render_body(load_sheet(path, site), site).html
    assert html.count('class="num"') == 4  # column A: its header and three cells
