"""Shared fixtures and helpers: build fact sheets with the real CLI and read the PDFs back.

PDFs are read with the tools a reviewer would use: poppler's ``pdftotext``, ``pdfinfo`` and
``pdffonts``, plus pypdf (font sizes of text runs) and pikepdf (catalog, outline, links).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
import yaml

from factsheet.pipeline import forget_warm_state

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
DATA_DIR = TESTS_DIR / "data"
ICC_SOURCE = PROJECT_ROOT / "content" / "international-criminal-court.md"
LONG_SOURCE = DATA_DIR / "long-sheet.md"

# A subset font is named with six capital letters and a plus sign, e.g. "ABCDEF+Merriweather".
SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")


# Building -----------------------------------------------------------------------------------


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python build.py ARGS`` (the project's CLI) in ``cwd``, capturing its output."""
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "build.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_python(code: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -c CODE ARGS`` in a fresh interpreter that imports this checkout's
    ``factsheet``, in ``cwd``, capturing its output."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def make_project(root: Path) -> Path:
    """Create a fact-sheet project in ``root``: the repo's settings, a copy of its templates and
    an empty ``content/`` folder. Returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(PROJECT_ROOT / "factsheet.yaml", root / "factsheet.yaml")
    shutil.copytree(PROJECT_ROOT / "templates", root / "templates")
    (root / "content").mkdir(exist_ok=True)
    return root


def write_sheet(project: Path, name: str, text: str) -> Path:
    """Write ``content/<name>.md`` in ``project`` and return its path."""
    path = project / "content" / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


def build_fixture_sheet(project: Path, name: str, text: str) -> Path:
    """Build ``text`` as ``content/<name>.md`` of a fresh project in ``project`` with the CLI
    (cwd = the project); return the PDF path, failing the test if the build fails."""
    make_project(project)
    write_sheet(project, name, text)
    out = project / "out"
    result = run_cli(["pdf", f"content/{name}.md", "--out", str(out)], cwd=project)
    assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
    pdf = out / f"{name}.pdf"
    assert pdf.is_file(), f"no PDF written:\n{result.stdout}\n{result.stderr}"
    return pdf


def front_matter(path: Path) -> dict:
    """The YAML front matter of a content file, read independently of the product code."""
    text = path.read_text(encoding="utf-8")
    _, front, _ = text.split("---\n", 2)
    return yaml.safe_load(front)


def markdown_body(path: Path) -> str:
    """The Markdown body of a content file (everything after the front matter)."""
    return path.read_text(encoding="utf-8").split("---\n", 2)[2]


@pytest.fixture(scope="session")
def icc_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ICC sheet, built once per session from the repo with the CLI."""
    out = tmp_path_factory.mktemp("icc")
    result = run_cli(
        ["pdf", "content/international-criminal-court.md", "--out", str(out)], cwd=PROJECT_ROOT
    )
    assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
    pdf = out / "international-criminal-court.pdf"
    assert pdf.is_file()
    return pdf


@pytest.fixture(scope="session")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The multi-page fixture sheet tests/data/long-sheet.md, built once per session."""
    project = tmp_path_factory.mktemp("long") / "project"
    return build_fixture_sheet(project, "long-sheet", LONG_SOURCE.read_text(encoding="utf-8"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh fact-sheet project (settings, templates, empty content/) in a temp folder."""
    return make_project(tmp_path / "project")


@pytest.fixture
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh project that is also the working directory."""
    monkeypatch.chdir(project)
    return project


@pytest.fixture(autouse=True)
def _cold_renderer() -> None:
    """Each test starts without the warm renderer a previous in-process build left behind."""
    forget_warm_state()


@pytest.fixture
def sheet_builder(tmp_path: Path) -> Callable[[str, str], Path]:
    """Build an arbitrary sheet in its own fresh project; returns the PDF path."""

    def build(name: str, text: str) -> Path:
        return build_fixture_sheet(tmp_path / f"project-{name}", name, text)

    return build


# Reading PDFs back ----------------------------------------------------------------------------


def _run(args: list[str]) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def pdftotext(pdf: Path, *, layout: bool = True) -> str:
    """The text of the whole PDF as ``pdftotext`` prints it (pages separated by form feeds)."""
    return _run(["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"])


def page_texts(pdf: Path) -> list[str]:
    """The ``pdftotext -layout`` text of each page."""
    pages = pdftotext(pdf).split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def flat(text: str) -> str:
    """Whitespace collapsed to single spaces (a phrase may wrap across lines)."""
    return " ".join(text.split())


def squeeze(text: str) -> str:
    """Only lower-case letters and digits: compares text across hyphenation and typography."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


@dataclass(frozen=True)
class Word:
    """One word with its box in points, measured from the top-left corner of the page."""

    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float

    @property
    def height(self) -> float:
        return self.y_max - self.y_min


@dataclass(frozen=True)
class PageWords:
    """The words of one page and the page size in points."""

    width: float
    height: float
    words: list[Word]

    def lines(self, tolerance: float = 2.0) -> list[list[Word]]:
        """Words grouped into visual lines (same top edge), top to bottom, left to right."""
        rows: list[list[Word]] = []
        for word in sorted(self.words, key=lambda w: (w.y_min, w.x_min)):
            if rows and abs(rows[-1][0].y_min - word.y_min) <= tolerance:
                rows[-1].append(word)
            else:
                rows.append([word])
        return [sorted(row, key=lambda w: w.x_min) for row in rows]

    def line_texts(self) -> list[str]:
        """Each visual line as text."""
        return [" ".join(word.text for word in row) for row in self.lines()]


def pdf_words(pdf: Path) -> list[PageWords]:
    """Word boxes of every page, from ``pdftotext -bbox-layout``."""
    xhtml = _run(["pdftotext", "-bbox-layout", str(pdf), "-"])
    root = ET.fromstring(xhtml)
    pages = []
    for page in root.iter("{http://www.w3.org/1999/xhtml}page"):
        words = [
            Word(
                text=word.text or "",
                x_min=float(word.get("xMin", 0)),
                y_min=float(word.get("yMin", 0)),
                x_max=float(word.get("xMax", 0)),
                y_max=float(word.get("yMax", 0)),
            )
            for word in page.iter("{http://www.w3.org/1999/xhtml}word")
        ]
        pages.append(PageWords(float(page.get("width", 0)), float(page.get("height", 0)), words))
    return pages


def pdfinfo(pdf: Path) -> dict[str, str]:
    """``pdfinfo`` fields (Title, Author, Pages, Page size, …) as a dict of stripped strings."""
    info: dict[str, str] = {}
    for line in _run(["pdfinfo", str(pdf)]).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            info[key.strip()] = value.strip()
    return info


def page_count(pdf: Path) -> int:
    """The number of pages, as ``pdfinfo`` reports it."""
    return int(pdfinfo(pdf)["Pages"])


@dataclass(frozen=True)
class FontRow:
    """One row of ``pdffonts``."""

    name: str
    type: str
    encoding: str
    embedded: bool
    subset: bool
    unicode: bool


def pdffonts(pdf: Path) -> list[FontRow]:
    """The fonts of the PDF, parsed from ``pdffonts`` using the column widths of its rule line."""
    lines = _run(["pdffonts", str(pdf)]).splitlines()
    rule = next(index for index, line in enumerate(lines) if line.startswith("---"))
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[rule])]
    rows = []
    for line in lines[rule + 1 :]:
        if not line.strip():
            continue
        cells = [line[start:end].strip() for start, end in spans]
        rows.append(
            FontRow(
                name=cells[0],
                type=cells[1],
                encoding=cells[2],
                embedded=cells[3] == "yes",
                subset=cells[4] == "yes",
                unicode=cells[5] == "yes",
            )
        )
    return rows


@dataclass(frozen=True)
class TextRun:
    """A run of text drawn with one font at one size; ``y`` is its baseline from the page top."""

    text: str
    size: float
    font: str
    x: float
    y: float


def _run_collector(runs: list[TextRun], height: float) -> Callable[..., None]:
    """A pypdf ``visitor_text`` that appends each non-blank run to ``runs``."""

    def visit(text: str, cm: list, tm: list, font: dict | None, size: float) -> None:
        if not text.strip():
            return
        matrix = pypdf.mult(tm, cm)
        scale = (matrix[2] ** 2 + matrix[3] ** 2) ** 0.5
        name = str(font.get("/BaseFont", "")) if font else ""
        runs.append(
            TextRun(
                text=text,
                size=round(size * scale, 2),
                font=SUBSET_PREFIX.sub("", name.lstrip("/")),
                x=matrix[4],
                y=height - matrix[5],
            )
        )

    return visit


def text_runs(pdf: Path) -> list[list[TextRun]]:
    """The text runs of every page in drawing order, with font size in points (via pypdf)."""
    pages: list[list[TextRun]] = []
    for page in pypdf.PdfReader(pdf).pages:
        runs: list[TextRun] = []
        page.extract_text(visitor_text=_run_collector(runs, float(page.mediabox.height)))
        pages.append(runs)
    return pages


def body_text_size(pages: list[list[TextRun]]) -> float:
    """The size of most of the text (by characters): the body text size."""
    sizes: Counter[float] = Counter()
    for runs in pages:
        for run in runs:
            sizes[run.size] += len(run.text.strip())
    return sizes.most_common(1)[0][0]
