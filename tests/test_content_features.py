"""What offices print every day: tables of figures (and, as they land, figures, boxes, notes).

The sheets are the gallery's (docs/gallery/), built with the CLI and read back."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from helpers import PROJECT_ROOT, SUBSET_PREFIX, flat, invoke, pdf_words, pdffonts, pdftotext

GALLERY = PROJECT_ROOT / "docs" / "gallery"


def body_html(project: Path, body: str) -> str:
    """The print HTML of ``body``, as ``content/body.md`` of ``project`` (front matter on
    lines 1-4, so the body starts on line 5)."""
    from factsheet.config import load_site
    from factsheet.content import load_sheet
    from factsheet.markdown import render_body

    path = project / "content" / "body.md"
    path.write_text(f"---\ntitle: T\ndate: 2020-01-01\n---\n{body}", "utf-8")
    site = load_site(project)
    return render_body(load_sheet(path, site), site).html


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
    roles = [role for role, _ in _roles(funding)]
    assert "/Caption" in roles


def test_a_column_with_text_is_not_a_column_of_figures(in_project: Path) -> None:
    body = "| A | B |\n|---|---|\n| 1,457 | about 3 |\n| −3.5% | 12 |\n| — | €12.4 million |\n"
    html = body_html(in_project, body)
    assert html.count('class="num"') == 4  # column A: its header and three cells


# Figures --------------------------------------------------------------------------------------


def _roles(pdf: Path) -> list[tuple[str, str]]:
    """(role, alt text) of every structure element, depth first."""
    found = []
    with pikepdf.open(pdf) as document:
        stack = [document.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary) and "/S" in node:
                found.append((str(node.S), str(node.get("/Alt", ""))))
            kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None
            if isinstance(kids, pikepdf.Array):
                stack.extend(reversed(list(kids)))
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
    return found


@pytest.fixture
def photo(in_project: Path) -> Path:
    for name in ("photo-caption.md", "clinic.jpg"):
        shutil.copy(GALLERY / name, in_project / "content" / name)
    result = invoke("pdf", "-j", "1", "content/photo-caption.md")
    assert result.exit_code == 0, result.output
    return in_project / "dist" / "photo-caption.pdf"


def test_a_titled_image_is_a_sized_floating_figure_with_caption_and_credit(photo: Path) -> None:
    (page,) = pdf_words(photo)
    lines = page.line_texts()
    caption = next(i for i, line in enumerate(lines) if "Maternal Health Clinic, opened" in line)
    assert "State Department photo" in lines[caption + 1]
    words = {word.text: word for word in page.words}
    # Floated right at half the text width: the caption starts right of the page's middle,
    # and the text beside it ("district") is on its left.
    assert words["Northern"].x_min > page.width / 2
    assert words["district"].x_max < page.width / 2
    roles = _roles(photo)
    figures = [alt for role, alt in roles if role == "/Figure" and alt.startswith("The new clinic")]
    assert figures == ["The new clinic: two low buildings under a clear sky"]
    assert "/Caption" in [role for role, _ in roles]
    text = flat(pdftotext(photo, layout=False))
    assert "{width" not in text and "credit=" not in text


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ("{width=wide}", "width 'wide' is not a size"),
        ("{width=150%}", "width '150%' is not a size"),
        ("{.centre}", "class `.centre` is not supported"),
        ("{onclick=x}", "attribute `onclick` is not supported"),
    ],
)
def test_figure_attributes_are_checked(in_project: Path, attributes: str, message: str) -> None:
    shutil.copy(GALLERY / "clinic.jpg", in_project / "content" / "clinic.jpg")
    sheet = f'---\ntitle: T\ndate: 2020-01-01\n---\n![A clinic](clinic.jpg "Caption"){attributes}\n'
    (in_project / "content" / "f.md").write_text(sheet, "utf-8")
    result = invoke("check", "content/f.md")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"content/f.md:5: image 'clinic.jpg': {message}")


# Boxes ----------------------------------------------------------------------------------------


def test_a_key_facts_box_prints_set_off_with_its_heading(in_project: Path) -> None:
    shutil.copy(GALLERY / "key-facts.md", in_project / "content" / "key-facts.md")
    result = invoke("pdf", "-j", "1", "content/key-facts.md")
    assert result.exit_code == 0, result.output
    pdf = in_project / "dist" / "key-facts.pdf"
    text = flat(pdftotext(pdf, layout=False))
    assert "Key facts • Capital: Examplegrad" in text
    assert ":::" not in text and "box Key facts" not in text
    roles = [role for role, _ in _roles(pdf)]
    # The box's heading is a heading (one level below its section: H2 before any section),
    # and the sheet's headings still skip no level.
    headings = [role for role in roles if role in ("/H1", "/H2", "/H3", "/H4")]
    assert headings[:3] == ["/H1", "/H2", "/H2"]
    assert "/Div" in roles  # the box, with its heading inside it
    with pikepdf.open(pdf) as document:
        page = document.pages[0]
        assert b"0.941176 0.941176 0.941176 rg" in page.Contents.read_bytes()  # the shading


def test_a_box_inside_a_section_takes_the_next_heading_level(in_project: Path) -> None:
    body = "## Section\n\nText.\n\n::: box Did you know?\nA fact.\n:::\n"
    html = body_html(in_project, body)
    assert (
        '<div class="box" role="complementary" data-line="9">'
        '<h3 class="box-title">Did you know?</h3>'
    ) in html


# Line breaks a typesetter would accept ---------------------------------------------------------


def test_phone_numbers_amounts_dates_and_short_last_words_stay_together(in_project: Path) -> None:
    """In a narrow measure, each of these would fall across a line end somewhere; none does."""
    kept = ["(202) 647-0000", "$56 million", "June 11, 2010", "No. 5", "U.S.-funded", "3.5 percent"]
    filler = "Padding words move each phrase along the line so that it lands on its end"
    paragraphs = [
        f"{filler[: 6 + 7 * shift]} {phrase} and the rest of this sentence, which goes on."
        for phrase in kept
        for shift in range(8)
    ]
    paragraphs.append("A paragraph whose last word is short enough to stand alone at its end: it.")
    in_project.joinpath("content", "k.md").write_text(
        "---\ntitle: K\ndate: 2020-01-01\nmax_pages: 20\n---\n" + "\n\n".join(paragraphs) + "\n",
        "utf-8",
    )
    css = in_project / "templates" / "factsheet.css"
    css.write_text(css.read_text("utf-8") + "\n.body p { width: 2.2in; }\n", "utf-8")
    result = invoke("pdf", "-j", "1", "content/k.md")
    assert result.exit_code == 0, result.output
    lines = [
        " ".join(line.split())
        for page in pdftotext(in_project / "dist" / "k.pdf").split("\f")
        for line in page.splitlines()
    ]
    for phrase in kept:
        found = sum(phrase in line for line in lines)
        assert found == 8, f"{phrase!r} split across lines ({found} of 8 whole)"
    assert "it." not in lines, "a short last word stands alone"


def test_no_page_but_the_last_ends_in_a_hyphenated_word(in_project: Path) -> None:
    """Long paragraphs of long words, hyphenated often: a word may break at a line's end, but
    never at a page's. (Without the rule, this sheet ends four of its pages in a broken word.)"""
    chooser = random.Random(6)
    long_words = [
        *("international", "responsibilities", "administration", "humanitarian"),
        *("organizations", "implementation", "accountability", "infrastructure"),
        *("understanding", "reconstruction", "partnership", "development", "agricultural"),
    ]
    short_words = ["the", "of", "and", "to", "in", "for", "with", "a", "on", "by"]
    paragraphs = [
        " ".join(
            chooser.choice(long_words if chooser.random() < 0.5 else short_words)
            for _ in range(chooser.randint(80, 160))
        ).capitalize()
        + "."
        for _ in range(40)
    ]
    in_project.joinpath("content", "long.md").write_text(
        "---\ntitle: Long words\ndate: 2020-01-01\nmax_pages: 20\n---\n"
        + "\n\n".join(paragraphs)
        + "\n",
        "utf-8",
    )
    result = invoke("pdf", "-j", "1", "content/long.md")
    assert result.exit_code == 0, result.output
    pages = pdf_words(in_project / "dist" / "long.pdf")
    assert len(pages) > 5
    # Body text is the commonest size (headers, footers and the title are not).
    body_size = Counter(
        round(row[0].height, 1) for page in pages for row in page.lines()
    ).most_common(1)[0][0]
    body_lines = [
        [
            " ".join(word.text for word in row)
            for row in page.lines()
            if round(row[0].height, 1) == body_size
        ]
        for page in pages
    ]
    hyphenated = [line for lines in body_lines for line in lines if line.endswith("-")]
    assert len(hyphenated) > 10, "the sheet is hyphenated, or the test proves nothing"
    page_ends = [lines[-1] for lines in body_lines[:-1]]
    assert not [end for end in page_ends if end.endswith("-")], page_ends


def test_every_note_uses_the_full_measure(in_project: Path) -> None:
    """Long notes cited in a paragraph, a list, a table cell, a box and a quote, and a link
    note: each wraps at the right margin (not at 60% of it)."""
    note = (
        "This note is long enough to wrap across more than one line at the foot of the page, "
        "so that its measure shows where the text area ends on the right, as it should."
    )
    body = (
        "A paragraph.[^a]\n\n- A list item.[^b]\n\n| Program | Amount |\n|---|---:|\n"
        "| A cell[^c] | $1,000 |\n\n::: box Key facts\nIn a box.[^d]\n:::\n\n> A quote.[^e]\n\n"
        "A [link](https://www.example.org/an/address/long/enough/to/fill/a/line/of/the/notes/"
        "at-the-foot-of-the-page/and/wrap/onto/the/next/one/so/that/its/measure/shows.html).\n\n"
    ) + "".join(f"[^{key}]: {note}\n" for key in "abcde")
    in_project.joinpath("content", "fn.md").write_text(
        f"---\ntitle: Notes\ndate: 2020-01-01\n---\n{body}", "utf-8"
    )
    result = invoke("pdf", "-j", "1", "content/fn.md")
    assert result.exit_code == 0, result.output
    page = pdf_words(in_project / "dist" / "fn.pdf")[0]
    left = min(word.x_min for word in page.words)
    right = max(word.x_max for word in page.words)  # "Page 1 of 1" ends at the right margin
    first_lines = [row for row in page.lines() if row[0].text in {f"{n}." for n in range(1, 7)}]
    assert len(first_lines) == 6, page.line_texts()
    for row in first_lines:
        assert row[-1].x_max - left > 0.92 * (right - left), " ".join(w.text for w in row)


# Notes: endnotes for link-heavy sheets ------------------------------------------------------------


def test_link_notes_as_endnotes_gather_the_addresses_at_the_end(in_project: Path) -> None:
    shutil.copy(GALLERY / "link-heavy-endnotes.md", in_project / "content" / "links.md")
    result = invoke("pdf", "-j", "1", "content/links.md")
    assert result.exit_code == 0, result.output
    text = flat(pdftotext(in_project / "dist" / "links.pdf", layout=False))
    links = text.index("Links 1. https://alumni.state.gov")
    # Numbered as in the text, in reading order; the disclaimer once, on the first external.
    order = [text.index(f"{n}. ", links) for n in range(1, 11)]
    assert order == sorted(order)
    assert text.count("should not be construed as an endorsement") == 1
    disclaimer = text.index("should not be construed")
    assert text.index("2. https://fulbrightassociation.org") < disclaimer < text.index("3. ")
    # No address is printed at the foot of the first page, before the Links section.
    assert "https://alumni.state.gov" not in text[:links]


def test_an_svg_chart_uses_only_the_bundled_fonts(in_project: Path) -> None:
    """The chart names DejaVu Sans, Arial and Times New Roman; none reaches the PDF."""
    for name in ("assistance-chart.md", "assistance-chart.svg"):
        shutil.copy(GALLERY / name, in_project / "content" / name)
    result = invoke("pdf", "-j", "1", "content/assistance-chart.md")
    assert result.exit_code == 0, result.output
    pdf = in_project / "dist" / "assistance-chart.pdf"
    families = {SUBSET_PREFIX.sub("", row.name) for row in pdffonts(pdf)}
    assert families <= {
        "Merriweather",
        "Merriweather-Italic",
        "Merriweather-Bold",
        "Public-Sans",
        "Public-Sans-Bold",
        "Public-Sans-Semi-Bold",
        "Public-Sans-Italic",
    }, families
    assert "Humanitarian" in pdftotext(pdf)  # the chart's text is there, in a bundled font


def test_link_heavy_pages_leave_no_hole_above_the_notes(in_project: Path) -> None:
    """A three-page sheet with 29 links as footnotes: on every page but the last, the text runs
    down to the notes (at most 15% of the text area left empty)."""
    paragraphs, number = [], 0
    for index in range(24):
        links = []
        for _ in range(2 if index % 2 else 1):
            number += 1
            if number <= 29:
                links.append(
                    f"[resource {number}](https://www.example.org/programs/{number}/"
                    "overview-of-the-program-and-how-to-apply)"
                )
        paragraphs.append(
            f"Paragraph {index} describes a program in enough words to fill a few printed lines "
            "of a fact sheet, with its details and figures, and it points to "
            + " and ".join(links or ["its office"])
            + " for more."
        )
    in_project.joinpath("content", "links.md").write_text(
        "---\ntitle: Twenty-nine links\ndate: 2024-01-01\n---\n" + "\n\n".join(paragraphs) + "\n",
        "utf-8",
    )
    result = invoke("pdf", "-j", "1", "content/links.md")
    assert result.exit_code == 0, result.output
    pages = pdf_words(in_project / "dist" / "links.pdf")
    assert len(pages) >= 3
    top, bottom = 0.7 * 72 + 12, 792 - 0.85 * 72  # the text area of a letter page
    for page in pages[:-1]:
        lines = page.lines()
        notes = [
            line for line in lines if line[0].text.rstrip(".").isdigit() and line[0].y_min > 300
        ]
        body = [line for line in lines if line not in notes and line[0].y_max < bottom]
        note_top = min((line[0].y_min for line in notes), default=bottom)
        body_bottom = max(line[0].y_max for line in body if line[0].y_max < note_top)
        assert (note_top - body_bottom) / (bottom - top) <= 0.15, (note_top, body_bottom)
