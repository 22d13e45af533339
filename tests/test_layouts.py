"""Every kind of release an office issues: media notes, joint statements, remarks; drafts,
embargoes, updates, contacts, end marks, the running title and two columns.

The sample sheets of docs/layouts/ are built once with the CLI and read back (text, word
positions, PDF metadata and structure); the rules they do not show are built in a fresh
project each. Their look is checked against golden images in test_golden.py, and their tags by
every test of test_accessibility.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
import pytest
from helpers import (
    PROJECT_ROOT,
    PageWords,
    flat,
    invoke,
    make_project,
    page_texts,
    pdf_words,
    pdfinfo,
    pdftotext,
    run_cli,
    sections_body,
    sheet_text,
    squeeze,
    structure_elements,
    write_sheet,
)

SAMPLES = PROJECT_ROOT / "docs" / "layouts"
LONG_BODY = sections_body(
    4, "Paragraph {paragraph} of section {section} says enough to fill some lines. " * 6
)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with every sample of docs/layouts/, built; returns its dist/ folder."""
    project = make_project(tmp_path_factory.mktemp("samples") / "project")
    for path in SAMPLES.iterdir():
        shutil.copy(path, project / "content" / path.name)
    result = run_cli(["pdf", "content"], cwd=project)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
    return project / "dist"


def order_in(text: str, *parts: str) -> list[int]:
    """Where each part is found in ``text``, each after the one before (-1: not found); letters
    and digits only, as letter-spaced capitals are extracted with spaces between letters."""
    positions, start = [], 0
    text = squeeze(text)
    for part in parts:
        at = text.find(squeeze(part), start)
        positions.append(at)
        start = max(at, 0) + 1
    return positions


def lines_with(page: PageWords, *words: str) -> list[list[str]]:
    """The visual lines of a page that hold any of ``words``."""
    return [
        [word.text for word in row]
        for row in page.lines()
        if any(word.text in words for word in row)
    ]


# Layouts -------------------------------------------------------------------------------------


def test_media_note_leads_with_the_date_and_ends_with_the_end_mark(samples: Path) -> None:
    text = flat(pdftotext(samples / "media-note.pdf", layout=False))
    positions = order_in(
        text,
        "Washington, DC, November 30, 2026",
        "MEDIA NOTE",
        "Office of the Spokesperson",
        "Secretary Blinken’s Travel to Brussels",
        "Secretary of State Antony J. Blinken will travel",
        "For further information",
        "# # #",
    )
    assert -1 not in positions and positions == sorted(positions), positions
    page = pdf_words(samples / "media-note.pdf")[0]
    (marks,) = [row for row in page.lines() if [w.text for w in row] == ["#", "#", "#"]]
    middle = (marks[0].x_min + marks[-1].x_max) / 2
    assert abs(middle - page.width / 2) < 3, "the end mark is not centred"


def test_joint_statement_shows_every_issuer_side_by_side_in_order(samples: Path) -> None:
    page = pdf_words(samples / "joint-statement.pdf")[0]
    own = next(word for word in page.words if word.text == "DEPARTMENT")
    partner = next(word for word in page.words if word.text == "MINISTRY")
    assert own.x_max < partner.x_min, "the partner is not beside (after) the sheet's issuer"
    assert abs(own.y_min - partner.y_min) < 2, "the issuers are not side by side"
    with pikepdf.open(samples / "joint-statement.pdf") as pdf:
        alts = [
            str(element.get("/Alt"))
            for element in structure_elements(pdf.Root.StructTreeRoot)
            if element.get("/S") == pikepdf.Name.Figure
        ]
    assert alts == [
        "Emblem of the U.S. Department of State",
        "Emblem of the Ministry of Foreign Affairs of the Republic of Atlantica",
    ]
    text = squeeze(pdftotext(samples / "joint-statement.pdf", layout=False))
    assert squeeze("JOINT STATEMENT November 18, 2026 Joint Statement by the United States") in text


def test_remarks_name_speaker_place_date_and_delivery_under_the_title(samples: Path) -> None:
    text = flat(pdftotext(samples / "remarks.pdf", layout=False))
    positions = order_in(
        text,
        "REMARKS",
        "Remarks at the Opening of the Global Health Security Conference",
        "Antony J. Blinken, Secretary of State",
        "Benjamin Franklin Room, Washington, DC",
        "October 14, 2026",
        "AS PREPARED FOR DELIVERY",
        "Good morning, everyone.",
    )
    assert -1 not in positions and positions == sorted(positions), positions


def test_a_layout_gives_defaults_a_sheet_can_override(in_project: Path) -> None:
    """A media note's label, office and end mark are the layout's unless the sheet sets them;
    in French, the layout's words are French."""
    write_sheet(
        in_project,
        "own",
        sheet_text("T", layout="media-note", label="Readout", office="Office X", end_mark="false"),
    )
    write_sheet(in_project, "fr", sheet_text("Note", layout="media-note", lang="fr"))
    result = invoke("pdf", "-j", "1", "content/own.md", "content/fr.md")
    assert result.exit_code == 0, result.output
    own = flat(pdftotext(in_project / "dist" / "own.pdf", layout=False))
    assert squeeze("READOUT") in squeeze(own) and "Office X" in own
    assert squeeze("MEDIA NOTE") not in squeeze(own) and "Spokesperson" not in own
    assert "# # #" not in own
    french = squeeze(pdftotext(in_project / "dist" / "fr.pdf", layout=False))
    assert squeeze("NOTE AUX MÉDIAS") in french and squeeze("Bureau du porte-parole") in french


# Per-sheet issuers ---------------------------------------------------------------------------


def test_a_sheet_sets_its_own_issuer(in_project: Path) -> None:
    emblem = in_project / "content" / "bureau.svg"
    shutil.copy(SAMPLES / "partner-emblem.svg", emblem)
    write_sheet(
        in_project,
        "own",
        sheet_text(
            "T",
            sections_body(3, "Words of paragraph {paragraph}. " * 40),
            agency='"U.S. Embassy Port Meridian"',
            tagline="Consular Section",
            emblem="content/bureau.svg",
            emblem_alt="Emblem of the embassy",
            max_pages=5,
        ),
    )
    result = invoke("pdf", "-j", "1", "content/own.md")
    assert result.exit_code == 0, result.output
    pdf = in_project / "dist" / "own.pdf"
    pages = page_texts(pdf)
    assert "U.S. EMBASSY PORT MERIDIAN" in flat(pages[0])
    assert "CONSULAR SECTION" in flat(pages[0])
    assert "U.S. EMBASSY PORT MERIDIAN" in flat(pages[1]), "the running header's agency"
    assert pdfinfo(pdf)["Author"] == "U.S. Embassy Port Meridian"
    with pikepdf.open(pdf) as document:
        figures = [
            element
            for element in structure_elements(document.Root.StructTreeRoot)
            if element.get("/S") == pikepdf.Name.Figure
        ]
        assert str(figures[0].Alt) == "Emblem of the embassy"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "../factsheet.yaml",
            "content/x.md:4: field `emblem`: must be a file inside templates/ or content/",
        ),
        ("content/none.svg", "content/x.md:4: field `emblem`: no file content/none.svg"),
    ],
)
def test_a_sheet_emblem_is_confined(in_project: Path, value: str, message: str) -> None:
    write_sheet(in_project, "x", sheet_text("T", emblem=value))
    result = invoke("check", "content/x.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == message


@pytest.mark.parametrize(
    ("partners", "message"),
    [
        ("[Japan]", "partner 1: expected `- name: Government of Japan`, got 'Japan'"),
        ("[{emblem: content/a.svg}]", "partner 1: give its `name`"),
        (
            "[{name: Japan, flag: x}]",
            "partner 1: unknown field `flag` (known: name, emblem, emblem_alt)",
        ),
        ("[{name: Japan, emblem: content/none.svg}]", "Japan: no file content/none.svg"),
        ("Japan", "expected a list of partners, each as `- name: Government of Japan`"),
    ],
)
def test_partners_are_checked(in_project: Path, partners: str, message: str) -> None:
    write_sheet(in_project, "x", sheet_text("T", layout="joint-statement", partners=partners))
    result = invoke("check", "content/x.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"content/x.md:5: field `partners`: {message}"


# Markings ------------------------------------------------------------------------------------


def test_a_draft_is_marked_and_titled_on_every_page(in_project: Path) -> None:
    write_sheet(in_project, "d", sheet_text("Plans", LONG_BODY, status="draft", max_pages=5))
    result = invoke("pdf", "-j", "1", "content/d.md")
    assert result.exit_code == 0, result.output
    pdf = in_project / "dist" / "d.pdf"
    assert pdfinfo(pdf)["Title"] == "DRAFT: Plans"
    pages = pdf_words(pdf)
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        rows = [" ".join(word.text for word in row) for row in page.lines()]
        # The footer and the running header (in the title's place) on every page; above the
        # title on page 1 too.
        assert "DRAFT — NOT FOR RELEASE" in " ".join(rows[-2:]), f"page {number}: {rows[-2:]}"
        assert rows[0].startswith("DRAFT — NOT FOR RELEASE"), f"page {number}: {rows[0]!r}"
        if number == 1:
            assert rows.count("DRAFT — NOT FOR RELEASE") == 2, rows
            assert rows.index("DRAFT — NOT FOR RELEASE", 1) < rows.index("Plans"), rows


def test_a_release_build_refuses_every_draft(in_project: Path) -> None:
    """One line per draft, exit 1; the final sheet builds; a draft's earlier PDF is removed."""
    write_sheet(in_project, "a", sheet_text("A", status="draft"))
    write_sheet(in_project, "b", sheet_text("B", status="draft"))
    write_sheet(in_project, "c", sheet_text("C", status="final"))
    assert invoke("pdf", "-j", "1", "content/a.md").exit_code == 0
    assert (in_project / "dist" / "a.pdf").is_file()
    result = invoke("pdf", "--release", "-j", "1")
    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if "draft" in line]
    assert problems == [
        "content/a.md:4: status: draft: a release build does not build drafts (set `status: "
        "final`, or leave the field out, once it is approved); its earlier PDF dist/a.pdf was "
        "removed",
        "content/b.md:4: status: draft: a release build does not build drafts (set `status: "
        "final`, or leave the field out, once it is approved)",
    ]
    assert sorted(path.name for path in (in_project / "dist").glob("*.pdf")) == ["c.pdf"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "EMBARGOED UNTIL 10:00 A.M. EST, DECEMBER 1, 2026"),
        ("fr", "SOUS EMBARGO JUSQU’AU 1ER DÉCEMBRE 2026, 10:00 UTC-05:00"),
    ],
)
def test_an_embargo_prints_above_the_title_and_in_the_header(
    in_project: Path, lang: str, expected: str
) -> None:
    text = sheet_text("Accord", LONG_BODY, embargo="2026-12-01T10:00-05:00", lang=lang, max_pages=5)
    write_sheet(in_project, "e", text)
    result = invoke("pdf", "-j", "1", "content/e.md")
    assert result.exit_code == 0, result.output
    pages = [flat(page) for page in page_texts(in_project / "dist" / "e.pdf")]
    assert len(pages) > 1
    first = pages[0]
    assert first.index(expected) < first.index("Accord"), first  # above the title
    assert pages[1].startswith(expected), pages[1]  # the running header, in the title's place


def test_an_embargo_needs_its_utc_offset(in_project: Path) -> None:
    write_sheet(in_project, "e", sheet_text("T", embargo="2026-12-01T10:00"))
    result = invoke("check", "content/e.md")
    assert result.stderr.splitlines()[0] == (
        "content/e.md:4: field `embargo`: give the time's offset from UTC, e.g. "
        "2026-12-01T10:00-05:00 (-05:00 is Washington in winter)"
    )


def test_an_update_prints_after_the_date_and_is_the_modification_date(samples: Path) -> None:
    pdf = samples / "embargoed-draft.pdf"
    text = flat(pdftotext(pdf, layout=False))
    assert "November 30, 2026 · Updated December 3, 2026" in text
    info = pdfinfo(pdf)
    assert info["CreationDate"].startswith("Mon Nov 30") and "2026" in info["CreationDate"]
    assert info["ModDate"].startswith("Thu Dec  3") and "2026" in info["ModDate"]


def test_an_update_before_the_date_is_an_error(in_project: Path) -> None:
    write_sheet(in_project, "u", sheet_text("T", date="2026-12-03", updated="2026-12-01"))
    result = invoke("check", "content/u.md")
    assert result.stderr.splitlines()[0] == (
        "content/u.md:4: field `updated`: 2026-12-01 is before the sheet's date 2026-12-03"
    )


# The running title ---------------------------------------------------------------------------

LONG_TITLE = (
    "The United States and the Republic of Atlantica Sign a Comprehensive Agreement on "
    "Maritime Security"
)


def _header(page: PageWords) -> list[str]:
    """The words above the rule under the running header (its one line, or more)."""
    top = min(word.y_min for word in page.words)
    return [" ".join(word.text for word in row) for row in page.lines() if row[0].y_min < top + 20]


def test_a_long_title_is_shortened_in_the_header_with_a_warning(in_project: Path) -> None:
    write_sheet(in_project, "t", sheet_text(LONG_TITLE, LONG_BODY, max_pages=5))
    check = invoke("check", "content/t.md")
    assert check.exit_code == 0
    assert check.stderr.splitlines()[0] == (
        "content/t.md:2: warning: the title is too long for the running header's one line and "
        "is shortened there to “The United States and the Republic of Atlantica Sign a "
        "Comprehensive Agreement on Maritime…”; a `short_title` would read better"
    )
    assert invoke("pdf", "-j", "1", "content/t.md").exit_code == 0
    header = _header(pdf_words(in_project / "dist" / "t.pdf")[1])
    assert len(header) == 1, f"the header wraps: {header}"
    assert header[0].startswith("The United States and the Republic of Atlantica Sign a")
    assert header[0].endswith("Maritime… U.S. DEPARTMENT OF STATE")


def test_short_title_sets_the_header_and_a_long_agency_never_wraps(in_project: Path) -> None:
    agency = "Bureau of Oceans and International Environmental and Scientific Affairs"
    write_sheet(
        in_project,
        "t",
        sheet_text(
            LONG_TITLE, LONG_BODY, short_title="Maritime Security", agency=agency, max_pages=5
        ),
    )
    result = invoke("pdf", "-j", "1", "content/t.md")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    header = _header(pdf_words(in_project / "dist" / "t.pdf")[1])
    assert header == [f"Maritime Security {agency.upper()}"]


# Contact block and end mark ------------------------------------------------------------------


def test_contact_addresses_are_links_and_never_split(in_project: Path) -> None:
    contact = (
        '["For further information, please contact the Office of Press Relations at '
        "(202) 647-2492 or press-relations@state.gov, or write to "
        'public-affairs-officers@example.org at any time."]'
    )
    write_sheet(in_project, "c", sheet_text("T", contact=contact))
    css = in_project / "templates" / "factsheet.css"
    css.write_text(css.read_text("utf-8") + "\n.contact { width: 2.3in; }\n", "utf-8")
    result = invoke("pdf", "-j", "1", "content/c.md")
    assert result.exit_code == 0, result.output
    pdf = in_project / "dist" / "c.pdf"
    lines = [" ".join(line.split()) for line in pdftotext(pdf).splitlines()]
    for whole in (
        "(202) 647-2492",
        "press-relations@state.gov",
        "public-affairs-officers@example.org",
    ):
        assert any(whole in line for line in lines), f"{whole} is split: {lines}"
    with pikepdf.open(pdf) as document:
        targets = {
            str(annotation.A.URI)
            for annotation in document.pages[0].obj.get("/Annots", [])
            if "/A" in annotation
        }
    assert targets == {
        "mailto:press-relations@state.gov",
        "mailto:public-affairs-officers@example.org",
    }


@pytest.mark.parametrize("mark", ["# # #", "###"])
def test_an_end_mark_line_is_never_a_heading(in_project: Path, mark: str) -> None:
    body = f"First paragraph.\n\n{mark}\n\nA note after the mark."
    write_sheet(in_project, "m", sheet_text("T", body, end_mark="true"))
    result = invoke("pdf", "-j", "1", "content/m.md")
    assert result.exit_code == 0, result.output
    text = flat(pdftotext(in_project / "dist" / "m.pdf", layout=False))
    assert text.count("# # #") == 1, "the end mark is printed twice (or not at all)"
    assert text.index("First paragraph.") < text.index("# # #") < text.index("after the mark")
    with pikepdf.open(in_project / "dist" / "m.pdf") as pdf:
        headings = [
            element
            for element in structure_elements(pdf.Root.StructTreeRoot)
            if str(element.get("/S", "")).startswith("/H")
        ]
    assert len(headings) == 1, "the end mark became a heading"


# Two columns ---------------------------------------------------------------------------------


def test_two_columns_set_the_text_side_by_side_and_tables_across(samples: Path) -> None:
    page = pdf_words(samples / "two-columns.pdf")[0]
    left = min(word.x_min for word in page.words)
    right = max(word.x_max for word in page.words)
    middle = (left + right) / 2
    (row,) = [row for row in page.lines() if row[0].text == "The" and row[1].text == "United"]
    first_line = [word for word in row if word.x_min < middle]
    # The first line of the body ends before the middle: it is in the left column, and the
    # right column starts at the same height.
    assert first_line[-1].x_max < middle
    beside = [word for word in page.words if abs(word.y_min - first_line[0].y_min) < 1]
    assert any(word.x_min > middle for word in beside), "no right column beside the left one"
    total = next(row for row in page.lines() if row[0].text == "Total")
    assert total[-1].x_max > right - 10, "the table does not span both columns"
    note = next(row for row in page.lines() if row[0].text == "1.")
    assert note[-1].x_max > middle + 40, "the note is not full width"


@pytest.mark.parametrize(
    ("layout", "field"), [("joint-statement", "partners"), ("remarks", "speaker")]
)
def test_a_layout_requires_what_its_kind_needs(in_project: Path, layout: str, field: str) -> None:
    """A joint statement without partners, remarks without a speaker: an error at `layout:`."""
    write_sheet(in_project, "x", sheet_text("T", layout=layout))
    result = invoke("check", "content/x.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"content/x.md:4: field `{field}`: a `{layout}` sheet must give it"
    )


def test_a_single_contact_line_may_be_written_without_a_list(in_project: Path) -> None:
    contact = '"For further information: press@state.gov"'
    write_sheet(in_project, "c", sheet_text("T", contact=contact))
    result = invoke("pdf", "-j", "1", "content/c.md")
    assert result.exit_code == 0, result.output
    assert "For further information: press@state.gov" in flat(
        pdftotext(in_project / "dist" / "c.pdf", layout=False)
    )


def test_a_layout_cannot_require_an_unknown_field(in_project: Path) -> None:
    layout = in_project / "templates" / "layouts" / "brief.html"
    layout.write_text(
        '{% extends "base.html" %}{% set stylesheets = ["factsheet.css"] %}'
        '{% set requires = ["sponsor"] %}{% block page %}{{ body_html }}{% endblock %}\n',
        "utf-8",
    )
    write_sheet(in_project, "x", sheet_text("T", layout="brief"))
    result = invoke("check", "content/x.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "templates/layouts/brief.html: `requires`: `sponsor` is not a front-matter field"
    )
