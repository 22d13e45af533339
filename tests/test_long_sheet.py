"""Structure tier, multi-page: tests/data/long-sheet.md uses every body feature over 3 pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pikepdf
import pytest
from helpers import (
    LONG_SOURCE,
    SUBSET_PREFIX,
    TextRun,
    body_text_size,
    flat,
    front_matter,
    markdown_body,
    page_count,
    page_texts,
    pdf_words,
    pdffonts,
    squeeze,
    text_runs,
)

DISCLAIMER_PHRASE = "should not be construed as an endorsement"
BUNDLED_FAMILIES = ("merriweather", "publicsans")

DEFINITION = re.compile(r"^\[\^([\w-]+)\]:\s*(.*)$")
# In reading order: a footnote citation, a [text](address) link or an <address> autolink.
CITATION_OR_LINK = re.compile(
    r"\[\^(?P<ref>[\w-]+)\](?!:)"
    r"|\[(?P<text>[^\]^][^\]]*)\]\((?P<href>[^)\s]+)\)"
    r"|<(?P<auto>https?://[^>\s]+)>"
)
MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class ExpectedNote:
    """A note the source calls for, and how its printed text starts."""

    key: str
    starts_with: str


def _split_source() -> tuple[str, dict[str, str]]:
    """The running text of the long sheet and its footnote definitions (id → text)."""
    body_lines: list[str] = []
    definitions: dict[str, str] = {}
    current: str | None = None
    for line in markdown_body(LONG_SOURCE).splitlines():
        match = DEFINITION.match(line)
        if match:
            current = match.group(1)
            definitions[current] = match.group(2)
        elif current is not None and line.startswith("    "):
            definitions[current] += " " + line.strip()
        else:
            current = None
            body_lines.append(line)
    return "\n".join(body_lines), definitions


def _is_government(href: str) -> bool:
    host = (urlsplit(href).hostname or "").lower()
    return host.endswith((".gov", ".mil", ".fed.us"))


def expected_citations() -> tuple[list[ExpectedNote], list[int]]:
    """What the source calls for, in reading order: the notes (each footnote once, each link
    whose text is not its address once per address; the disclaimer rides on the first external
    link's note) and the number printed at every citation (a repeat repeats its number)."""
    body, definitions = _split_source()
    notes: list[ExpectedNote] = []
    calls: list[int] = []
    number_of: dict[str, int] = {}
    disclaimer_given = False

    def cite(key: str, starts_with: str) -> None:
        if key not in number_of:
            notes.append(ExpectedNote(key, starts_with))
            number_of[key] = len(notes)
        calls.append(number_of[key])

    for match in CITATION_OR_LINK.finditer(body):
        if match.group("ref"):
            text = MARKDOWN_LINK.sub(r"\1", definitions[match.group("ref")])
            cite("footnote:" + match.group("ref"), text)
            continue
        href = match.group("href") or match.group("auto")
        external = not _is_government(href)
        needs_disclaimer = external and not disclaimer_given
        disclaimer_given = disclaimer_given or external
        if match.group("href") and squeeze(match.group("text")) != squeeze(href):
            cite(href, href)
        elif needs_disclaimer:
            cite("disclaimer", "Links to non-U.S. Government")
    return notes, calls


def expected_notes() -> list[ExpectedNote]:
    """The notes the source calls for, in reading order."""
    return expected_citations()[0]


@dataclass(frozen=True)
class PrintedNote:
    """A note at the foot of a page: its number, page index and first printed line."""

    number: int
    page: int
    first_line: str


@pytest.fixture(scope="module")
def runs(long_pdf: Path) -> list[list[TextRun]]:
    """Text runs of every page of the long sheet."""
    return text_runs(long_pdf)


@pytest.fixture(scope="module")
def printed_notes(runs: list[list[TextRun]]) -> list[PrintedNote]:
    """The notes at the feet of the pages, in reading order: a small "N." marker, then text."""
    body_size = body_text_size(runs)
    notes = []
    for page_index, page_runs in enumerate(runs):
        for index, run in enumerate(page_runs):
            match = re.fullmatch(r"\s*(\d+)\.\s*", run.text)
            if not match or run.size >= body_size:
                continue
            line = "".join(
                other.text for other in page_runs[index + 1 :] if abs(other.y - run.y) < 1
            )
            notes.append(PrintedNote(int(match.group(1)), page_index, line))
    return notes


@pytest.fixture(scope="module")
def note_calls(
    runs: list[list[TextRun]], printed_notes: list[PrintedNote]
) -> list[tuple[int, int]]:
    """Note numbers called in the text, as (page index, number) in reading order: superscript
    digits, smaller than the notes' own text."""
    note_size = min(
        run.size
        for page_runs in runs
        for run in page_runs
        if re.fullmatch(r"\s*\d+\.\s*", run.text)
    )
    calls = []
    for page_index, page_runs in enumerate(runs):
        digits = [run for run in page_runs if run.text.strip().isdigit() and run.size < note_size]
        for run in sorted(digits, key=lambda r: (round(r.y), r.x)):
            calls.append((page_index, int(run.text)))
    assert printed_notes, "no notes found at the feet of the pages"
    return calls


def test_fixture_is_multi_page(long_pdf: Path) -> None:
    """The fixture really spans several pages (otherwise the page tests prove nothing)."""
    assert page_count(long_pdf) >= 3


def test_running_header_on_page_2(long_pdf: Path) -> None:
    """Page 2 opens with a running header naming the sheet, and its footer says "Page 2 of N"."""
    title = front_matter(LONG_SOURCE)["title"]
    total = page_count(long_pdf)
    page_2 = pdf_words(long_pdf)[1]
    top_line = page_2.line_texts()[0]
    assert top_line.startswith(title)
    assert f"Page 2 of {total}" in flat(page_texts(long_pdf)[1])


def test_every_page_numbered_of_total(long_pdf: Path) -> None:
    """Each page's footer counts "Page i of N" with N the real page count."""
    total = page_count(long_pdf)
    texts = page_texts(long_pdf)
    assert len(texts) == total
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in flat(text)


def test_first_page_has_no_running_header(long_pdf: Path) -> None:
    """Page 1 starts with the masthead: nothing is printed where later pages put the header."""
    pages = pdf_words(long_pdf)
    first_lines = pages[0].line_texts()
    assert first_lines[0] == "U.S. DEPARTMENT OF STATE"
    header_bottom = max(word.y_max for word in pages[1].lines()[0])
    assert all(word.y_min > header_bottom for word in pages[0].words)


def test_note_numbers_form_one_sequence(printed_notes: list[PrintedNote]) -> None:
    """Footnotes and link notes share one numbering, 1, 2, 3 … across all pages."""
    numbers = [note.number for note in printed_notes]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) == len(expected_notes())


def test_note_calls_in_increasing_order(
    note_calls: list[tuple[int, int]], printed_notes: list[PrintedNote]
) -> None:
    """Reading the text in order, each new note number is one more than the last (a repeated
    citation repeats an earlier number)."""
    highest = 0
    first_seen = []
    for _, number in note_calls:
        assert number <= highest + 1, f"note {number} called after only {highest}"
        if number == highest + 1:
            highest = number
            first_seen.append(number)
    assert first_seen == [note.number for note in printed_notes]


def test_note_calls_match_citations(note_calls: list[tuple[int, int]]) -> None:
    """Every citation in the source prints the right number, repeats included."""
    _, expected_calls = expected_citations()
    assert len(expected_calls) > len(set(expected_calls)), "the fixture should repeat a citation"
    assert [number for _, number in note_calls] == expected_calls


def test_notes_interleave_in_reading_order(printed_notes: list[PrintedNote]) -> None:
    """Markdown footnotes and link addresses are numbered in the order the text cites them."""
    expected = expected_notes()
    kinds = {note.key.split(":")[0] for note in expected}
    assert "footnote" in kinds and any(key.startswith("http") for key in kinds)
    assert len(printed_notes) == len(expected)
    for printed, wanted in zip(printed_notes, expected, strict=True):
        prefix = squeeze(wanted.starts_with)[:30]
        assert squeeze(printed.first_line).startswith(prefix), (printed, wanted)


def test_each_note_on_page_of_its_citation(
    note_calls: list[tuple[int, int]], printed_notes: list[PrintedNote]
) -> None:
    """A note is printed at the foot of the page where it is first cited."""
    first_call_page: dict[int, int] = {}
    for page, number in note_calls:
        first_call_page.setdefault(number, page)
    for note in printed_notes:
        assert first_call_page.get(note.number) == note.page, (
            f"note {note.number} is on page {note.page + 1}, cited on page "
            f"{first_call_page.get(note.number, -1) + 1}"
        )


def test_footnote_text_on_page_of_citing_sentence(long_pdf: Path) -> None:
    """Each Markdown footnote's text is on the same page as the words that cite it."""
    body, definitions = _split_source()
    pages = [squeeze(text) for text in page_texts(long_pdf)]
    for footnote_id, definition in definitions.items():
        citation = body.index(f"[^{footnote_id}]")
        before = MARKDOWN_LINK.sub(r"\1", body[:citation])
        citing_words = squeeze(" ".join(before.split()[-4:]))
        note_words = squeeze(" ".join(MARKDOWN_LINK.sub(r"\1", definition).split()[:6]))
        citing_pages = [i for i, text in enumerate(pages) if citing_words in text]
        note_pages = [i for i, text in enumerate(pages) if note_words in text]
        assert len(note_pages) == 1, (footnote_id, note_pages)
        assert note_pages[0] in citing_pages, (footnote_id, citing_pages, note_pages)


def test_link_inside_footnote_prints_address(long_pdf: Path) -> None:
    """A link inside a footnote cannot get a note of its own: its address is in parentheses."""
    _, definitions = _split_source()
    text = flat(" ".join(page_texts(long_pdf)))
    links = [match for d in definitions.values() for match in MARKDOWN_LINK.finditer(d)]
    assert links
    for match in links:
        assert f"{match.group(1)} ({match.group(2)})" in text


def test_disclaimer_once_with_several_external_links(long_pdf: Path) -> None:
    """Several links leave the U.S. Government, yet the disclaimer is printed once."""
    body, _ = _split_source()
    external = {
        href
        for match in CITATION_OR_LINK.finditer(body)
        if (href := match.group("href") or match.group("auto")) and not _is_government(href)
    }
    assert len(external) >= 2
    assert flat(" ".join(page_texts(long_pdf))).count(DISCLAIMER_PHRASE) == 1


def _table_rows() -> tuple[list[str], list[list[str]]]:
    """Header cells and data rows of the GFM table in the source."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in markdown_body(LONG_SOURCE).splitlines()
        if line.startswith("|")
    ]
    return rows[0], rows[2:]


def test_table_header_repeats_on_continuation_page(long_pdf: Path) -> None:
    """When the table runs onto another page, its header row is printed again above the rows."""
    header, rows = _table_rows()
    pages = [page.line_texts() for page in pdf_words(long_pdf)]

    def row_page(row: list[str]) -> int:
        key = squeeze(row[0] + row[1])
        return next(i for i, lines in enumerate(pages) if any(key in squeeze(ln) for ln in lines))

    first, last = row_page(rows[0]), row_page(rows[-1])
    assert first < last, (
        f"the table of {LONG_SOURCE.name} fits on page {first + 1}: the fixture no longer "
        "spans two pages, so there is no repeated header to check and the test would prove "
        "nothing; lengthen the text before the table"
    )
    header_key = squeeze("".join(header))
    for page in range(first + 1, last + 1):
        lines = [squeeze(line) for line in pages[page]]
        header_at = [i for i, line in enumerate(lines) if header_key in line]
        assert header_at, f"no table header on page {page + 1}"
        row_at = [
            i for i, line in enumerate(lines) for row in rows if squeeze(row[0] + row[1]) in line
        ]
        assert header_at[0] < min(row_at)


def test_outline_contains_h2_headings(long_pdf: Path) -> None:
    """Every section (## heading) is a bookmark."""
    headings = re.findall(r"^## (.+)$", markdown_body(LONG_SOURCE), flags=re.MULTILINE)
    assert headings
    titles: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            titles.append(item.title)
            walk(item.children)

    with pikepdf.open(long_pdf) as pdf, pdf.open_outline() as outline:
        walk(outline.root)
    for heading in headings:
        assert heading in titles


def test_only_bundled_fonts_in_long_sheet(long_pdf: Path) -> None:
    """Lists, tables and notes are set in the bundled fonts too: no system fallback font."""
    fonts = pdffonts(long_pdf)
    for font in fonts:
        assert font.embedded and font.subset, font
    families = {squeeze(SUBSET_PREFIX.sub("", font.name)) for font in fonts}
    stray = {name for name in families if not name.startswith(BUNDLED_FAMILIES)}
    assert not stray, f"fonts outside the bundled families: {sorted(stray)}"
