"""A briefing book: `factsheet book BOOK.yaml` binds sheets behind a cover and a contents page.

A book of sheets in several layouts and languages (English, Arabic, Chinese, a draft) is built
once and read back: pages, the contents' page numbers against where each sheet really starts,
right-hand starts with blank versos that say so, page numbers through the book, bookmarks, one
tag tree with each sheet's language, the independent checkers, reproducibility, incremental
rebuilds, the print profile, and errors in the book file at their line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from helpers import PROJECT_ROOT, make_project, page_texts, run_cli, structure_elements

SHEETS = (
    ("docs/layouts/media-note.md", "en"),
    ("content/international-criminal-court.md", "en"),
    ("docs/languages/ar.md", "ar"),
    ("docs/layouts/embargoed-draft.md", "en"),
    ("docs/languages/zh-hans.md", "zh-Hans"),
)
BOOK = """\
title: Visit of the Secretary to Brussels
subtitle: Briefing book for the NATO Foreign Ministers' Meeting
date: 2026-11-30
sheets:
{sheets}
"""


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("book") / "project")
    for source, _ in SHEETS:
        shutil.copy(PROJECT_ROOT / source, project / "content")
    listed = "\n".join(f"  - content/{Path(source).name}" for source, _ in SHEETS)
    (project / "briefing.yaml").write_text(BOOK.format(sheets=listed), "utf-8")
    result = run_cli(["book", "briefing.yaml"], cwd=project)
    assert result.returncode == 0, result.stderr
    assert "wrote dist/briefing.pdf" in result.stderr
    return project


@pytest.fixture(scope="module")
def pages(project: Path) -> list[str]:
    """The text of each page of the book."""
    return [_flat(text) for text in page_texts(project / "dist" / "briefing.pdf")]


def _starts(project: Path) -> list[int]:
    """The page (1-based) where each sheet starts: where its title's bookmark leads."""
    with pikepdf.open(project / "dist" / "briefing.pdf") as pdf:
        numbers = {page.objgen: number for number, page in enumerate(pdf.pages, 1)}
        found = []
        item = pdf.Root.Outlines.First
        while item is not None:
            if str(item.Title) != "Contents":
                destination = item.get("/Dest") or item.A.D
                found.append(numbers[destination[0].objgen])
            item = item.get("/Next")
    assert len(found) == len(SHEETS)
    return found


def test_cover_then_contents_with_true_page_numbers(project: Path, pages: list[str]) -> None:
    assert "Visit of the Secretary to Brussels" in pages[0]
    assert "Briefing book for the NATO Foreign Ministers" in pages[0]
    assert "November 30, 2026" in pages[0]
    assert "U.S. DEPARTMENT OF STATE" in pages[0]
    contents = pages[2]
    assert contents.startswith("Contents")
    listed = [int(number) for number in re.findall(r"\.{3,}\s*(\d+)", contents)]
    assert listed == _starts(project)


def test_each_sheet_starts_on_a_right_hand_page(project: Path, pages: list[str]) -> None:
    starts = _starts(project)
    assert all(start % 2 == 1 for start in starts), starts
    # A blank left-hand page says so, and carries nothing else.
    blanks = [number for number, text in enumerate(pages, 1) if "intentionally left blank" in text]
    assert blanks
    for number in blanks:
        assert pages[number - 1] == "This page intentionally left blank"
        assert number % 2 == 0
    # Every page is a sheet's page, the cover, the contents, or a blank verso.
    assert len(pages) % 2 == 0 or starts[-1] == len(pages)


def test_page_numbers_run_through_the_book(project: Path, pages: list[str]) -> None:
    total = len(pages)
    for number in _starts(project)[:2]:
        assert f"Page {number} of {total}" in pages[number - 1]


def test_bookmarks_for_each_sheet_and_its_headings(project: Path) -> None:
    with pikepdf.open(project / "dist" / "briefing.pdf") as pdf:
        titles = []

        def walk(item: pikepdf.Object, depth: int) -> None:
            while item is not None:
                titles.append((depth, str(item.Title)))
                if "/First" in item:
                    walk(item.First, depth + 1)
                item = item.get("/Next")

        walk(pdf.Root.Outlines.First, 0)
    top = [title for depth, title in titles if depth == 0]
    assert top[0] == "Contents"
    assert len(top) == 1 + len(SHEETS)
    assert "International Criminal Court" in top
    # The Arabic sheet's heading is a bookmark under its title.
    assert any(depth == 1 for depth, _ in titles)


def test_one_tag_tree_with_each_sheets_language(project: Path) -> None:
    with pikepdf.open(project / "dist" / "briefing.pdf") as pdf:
        assert str(pdf.Root.Lang) == "en"
        elements = structure_elements(pdf.Root.StructTreeRoot)
        sections = [
            str(element.Lang)
            for element in elements
            if element.get("/S") == "/Sect" and "/Lang" in element
        ]
        assert sections == [language for _, language in SHEETS]
        # The cover's masthead is read; the English sheets' repeats of it are artifacts, and
        # the Arabic and Chinese sheets' mastheads, in their languages, are read.
        figures = [
            str(element.get("/Alt")) for element in elements if element.get("/S") == "/Figure"
        ]
        assert sum("Department of State" in alt for alt in figures) == 1 + 2


def test_the_checkers_pass_the_book(project: Path, tmp_path: Path) -> None:
    import page

    pdf = project / "dist" / "briefing.pdf"
    report_ua = page.validate_pdf(pdf, profile=page.ValidationProfile.PDF_UA_1)
    assert not [f"{failure.rule_id} {failure.message}" for failure in report_ua.failures]
    outloud = shutil.which("outloud", path=str(Path(sys.executable).parent))
    assert outloud is not None
    report = tmp_path / "outloud.json"
    subprocess.run(
        [outloud, "--fail-on", "never", "--json", str(report), str(pdf)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    findings = [
        finding
        for result in json.loads(report.read_text("utf-8"))["results"]
        for finding in result["findings"]
        if finding.get("severity") in ("error", "warning")
    ]
    assert not findings, findings


def test_rebuilt_only_when_a_listed_sheet_changes(project: Path) -> None:
    book = project / "dist" / "briefing.pdf"
    before = book.read_bytes()
    again = run_cli(["book", "briefing.yaml"], cwd=project)
    assert again.returncode == 0 and "is up to date" in again.stderr
    sheet = project / "content" / "international-criminal-court.md"
    original = sheet.read_text("utf-8")
    try:
        sheet.write_text(original.replace("The May 2010", "In May 2010 the", 1), "utf-8")
        changed = run_cli(["book", "briefing.yaml"], cwd=project)
        assert changed.returncode == 0 and "wrote dist/briefing.pdf" in changed.stderr
        assert book.read_bytes() != before
    finally:
        sheet.write_text(original, "utf-8")
    restored = run_cli(["book", "briefing.yaml"], cwd=project)
    assert restored.returncode == 0 and "wrote" in restored.stderr
    # Reproducible: the same inputs give the same bytes.
    assert book.read_bytes() == before


def test_the_print_profile_applies_to_the_book(project: Path) -> None:
    result = run_cli(["book", "briefing.yaml", "--profile", "print"], cwd=project)
    assert result.returncode == 0, result.stderr
    with pikepdf.open(project / "dist" / "print" / "briefing.pdf") as pdf:
        assert "/OutputIntents" in pdf.Root
        assert [float(value) for value in pdf.pages[0].BleedBox] == [-9, -9, 621, 801]


def test_out_folder(project: Path) -> None:
    result = run_cli(["book", "briefing.yaml", "--out", "books"], cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "books" / "briefing.pdf").is_file()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "title: T\ndate: 2026-11-30\nsheets:\n  - content/missing.md\n",
            "book.yaml:4: field `sheets`: no file content/missing.md",
        ),
        ("title: T\nsheets: [content/a.md]\n", "book.yaml:1: missing required field `date`"),
        (
            "title: T\ndate: 2026-11-30\nsheets: [content/a.md]\nsubtitel: x\n",
            "book.yaml:4: unknown field `subtitel`; did you mean `subtitle`?",
        ),
        (
            "title: T\ndate: 30 Nov\nsheets: [content/a.md]\n",
            "book.yaml:2: field `date`:",
        ),
    ],
)
def test_a_bad_book_file_is_an_error_at_its_line(tmp_path: Path, text: str, expected: str) -> None:
    project = make_project(tmp_path / "project")
    (project / "content" / "a.md").write_text("---\ntitle: A\ndate: 2026-01-02\n---\nText.\n")
    (project / "book.yaml").write_text(text, "utf-8")
    result = run_cli(["book", "book.yaml"], cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith(expected), result.stderr


def test_a_bad_sheet_fails_the_book_at_its_line(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    (project / "content" / "a.md").write_text("---\ntitle: A\ndate: someday\n---\nText.\n")
    (project / "book.yaml").write_text("title: T\ndate: 2026-11-30\nsheets: [content/a.md]\n")
    result = run_cli(["book", "book.yaml"], cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith("content/a.md:3: field `date`"), result.stderr
    assert not (project / "dist" / "book.pdf").exists()


def test_each_sheets_anchors_are_its_own_and_a_book_never_takes_a_sheets_name(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project")
    for name in ("first", "second"):
        (project / "content" / f"{name}.md").write_text(
            f"---\ntitle: {name.title()}\ndate: 2026-11-30\n---\n"
            "See [the background](#background).\n\n## Background\n\nText.\n\n## Sheet 2\n\nMore.\n",
            "utf-8",
        )
    (project / "book.yaml").write_text(
        "title: T\ndate: 2026-11-30\nsheets: [content/first.md, content/second.md]\n", "utf-8"
    )
    result = run_cli(["book", "book.yaml"], cwd=project)
    assert result.returncode == 0, result.stderr
    with pikepdf.open(project / "dist" / "book.pdf") as pdf:
        numbers = {page.objgen: number for number, page in enumerate(pdf.pages, 1)}
        starts, links = [], []
        item = pdf.Root.Outlines.First
        while item is not None:
            if str(item.Title) != "Contents":
                starts.append(numbers[(item.get("/Dest") or item.A.D)[0].objgen])
            item = item.get("/Next")
        names = pdf.Root.Names.Dests.Names if "/Names" in pdf.Root else []
        destinations = {
            str(names[i]): numbers[names[i + 1][0].objgen] for i in range(0, len(names), 2)
        }
        for page in pdf.pages:
            for annotation in page.get("/Annots", []):
                if "/Dest" in annotation:
                    links.append((numbers[page.objgen], destinations[str(annotation.Dest)]))
    first, second = starts
    # Each sheet's link leads to its own Background heading, on its own pages.
    body_links = [(page, target) for page, target in links if page >= first]
    assert any(page < second and first <= target < second for page, target in body_links)
    assert any(page >= second and target >= second for page, target in body_links)
    # The contents lead to where each sheet starts, whatever its headings are called.
    contents = [target for page, target in links if page < first]
    assert contents == [first, second]
    (project / "first.yaml").write_text(
        "title: T\ndate: 2026-11-30\nsheets: [content/second.md]\n", "utf-8"
    )
    clash = run_cli(["book", "first.yaml"], cwd=project)
    assert clash.returncode == 1
    assert "the sheet content/first.md writes first.pdf too" in clash.stderr
