"""Units of factsheet/tagging.py on hand-made PDFs: the cases real sheets do not reach."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
from helpers import invoke, pdftotext, sheet_text, structure_elements, write_sheet
from pikepdf import Dictionary, Name

from factsheet import tagging
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


# One element per element -------------------------------------------------------------------


def _pages_of(element: pikepdf.Object, pdf: pikepdf.Pdf) -> set[int]:
    """The pages (0-based) the marked content of ``element``'s subtree lies on."""
    numbers = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    found: set[int] = set()

    def walk(node: pikepdf.Object, page: int | None) -> None:
        if "/Pg" in node:
            page = numbers[node.Pg.objgen]
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int) and page is not None:
                found.add(page)
            elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
                found.add(numbers[kid.Pg.objgen])
            elif isinstance(kid, Dictionary) and "/S" in kid:
                walk(kid, page)

    walk(element, None)
    return found


def test_a_block_continued_on_the_next_page_is_one_element(in_project: Path) -> None:
    """A paragraph, a list and a table that each cross a page end are one P, one L and one
    Table, whose content lies on both pages; the table's repeated header row is read once."""
    long_paragraph = "This paragraph runs on and on across the page end. " * 70
    items = "\n".join(f"- List item number {n} with a few words." for n in range(1, 60))
    rows = "\n".join(f"| Program {n} | ${n},000 |" for n in range(1, 70))
    body = f"{long_paragraph}\n\n{items}\n\n| Unique header cell | Amount |\n|---|---:|\n{rows}\n"
    write_sheet(in_project, "long", sheet_text("Long", body, max_pages=10))
    result = invoke("pdf", "-j", "1", "content/long.md")
    assert result.exit_code == 0, result.output
    with pikepdf.open(in_project / "dist" / "long.pdf") as pdf:
        elements = structure_elements(pdf.Root.StructTreeRoot)
        paragraphs = [e for e in elements if e.get("/S") == Name.P and "/K" in e]
        lists = [e for e in elements if e.get("/S") == Name.L]
        tables = [e for e in elements if e.get("/S") == Name.Table]
        assert len(lists) == 1 and len(tables) == 1, (len(lists), len(tables))
        assert len(_pages_of(lists[0], pdf)) >= 2, "the list does not cross a page"
        assert len(_pages_of(tables[0], pdf)) >= 2, "the table does not cross a page"
        assert any(len(_pages_of(p, pdf)) == 2 for p in paragraphs), "no P spans two pages"
        heads = [e for e in elements if e.get("/S") == Name.THead]
        assert len(heads) == 1, f"{len(heads)} header rows read"
    assert "Unique header cell" in pdftotext(in_project / "dist" / "long.pdf").split("\f")[-2]


def _rasterized(pdf: Path, folder: Path) -> list[bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(folder / "p")], check=True)
    return [path.read_bytes() for path in sorted(folder.glob("p-*.png"))]


def test_painting_in_reading_order_draws_the_same(
    in_project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Moving marked content into reading order changes nothing drawn: a list on page 2 whose
    items end in note calls (its markers rely on a colour set before them) looks the same with
    and without the moves."""
    words = " ".join(f"word{n}" for n in range(400))
    body = (
        f"{words}\n\n{words}\n\n- first item[^a]\n- second item[^b]\n- third item\n\n"
        "[^a]: A note.\n[^b]: Another note.\n"
    )
    write_sheet(in_project, "list", sheet_text("List", body, max_pages=5))
    assert invoke("pdf", "-j", "1", "content/list.md").exit_code == 0
    moved = _rasterized(in_project / "dist" / "list.pdf", tmp_path / "moved")
    monkeypatch.setattr(tagging, "paint_in_reading_order", lambda pdf: 0)
    assert invoke("pdf", "-j", "1", "--force", "content/list.md").exit_code == 0
    unmoved = _rasterized(in_project / "dist" / "list.pdf", tmp_path / "unmoved")
    assert len(moved) >= 2
    assert moved == unmoved


def test_a_link_in_a_repeated_table_header_stays_in_the_tree(in_project: Path) -> None:
    """A header cell's link, repeated on the next page: its annotation belongs to the first
    header's link, no renderer mark is left in the file, and two builds are byte-identical."""
    rows = "\n".join(f"| Region {n} | {n} |" for n in range(1, 90))
    body = f"| [Sector](https://example.com/a) | Amount |\n|---|---:|\n{rows}\n"
    write_sheet(in_project, "t", sheet_text("Table", body, max_pages=6))
    assert invoke("pdf", "-j", "1", "content/t.md").exit_code == 0
    first = (in_project / "dist" / "t.pdf").read_bytes()
    assert invoke("pdf", "-j", "1", "--force", "content/t.md").exit_code == 0
    assert (in_project / "dist" / "t.pdf").read_bytes() == first
    with pikepdf.open(in_project / "dist" / "t.pdf") as pdf:
        assert len(pdf.pages) > 1
        reachable = {element.objgen for element in structure_elements(pdf.Root.StructTreeRoot)}
        numbers = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)}
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                owner = parents[int(annotation.StructParent)]
                assert owner.objgen in reachable, "an annotation's element is not in the tree"
        for candidate in pdf.objects:
            assert not (isinstance(candidate, Dictionary) and "/FactsheetSource" in candidate)


def _type0_font(pdf: pikepdf.Pdf, cmap: bytes) -> None:
    """Add a Type0 font whose ToUnicode CMap holds ``cmap``'s lines (no embedded program)."""
    to_unicode = pdf.make_stream(
        b"1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n"
        + b"1 beginbfchar\n" + cmap + b"\nendbfchar\n"
    )  # fmt: skip
    pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type0, ToUnicode=to_unicode))


@pytest.mark.parametrize(
    ("cmap", "read"),
    [
        (b"<0612> <4E2D>", False),  # a CJK glyph whose number is 06xx: no Arabic letter
        (b"<0041> <0041>", False),
        (b"<0123> <0628>", True),  # a glyph drawn for the letter beh
    ],
)
def test_only_fonts_mapping_an_arabic_letter_are_read_for_contextual_forms(
    monkeypatch: pytest.MonkeyPatch, cmap: bytes, read: bool
) -> None:
    # Reading a font's program is costly (a CJK font takes tens of milliseconds).
    fonts_read: list[object] = []
    monkeypatch.setattr(tagging, "_presentation_forms", lambda font: fonts_read.append(font) or {})
    pdf = pikepdf.new()
    _type0_font(pdf, cmap)
    tagging.map_contextual_forms(pdf)
    assert bool(fonts_read) is read
