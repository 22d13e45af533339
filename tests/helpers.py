"""Shared test helpers: run the CLI, write fact-sheet projects and content files, and read the
PDFs back. Fixtures live in conftest.py; everything here is a plain function or class.

PDFs are read with the tools a reviewer would use: poppler's ``pdftotext``, ``pdfinfo`` and
``pdffonts``, plus pypdf (font sizes of text runs) and pikepdf (catalog, outline, links).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdf
import yaml
from click.testing import CliRunner, Result

from factsheet.cli import cli

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


def invoke(*args: str) -> Result:
    """Run the CLI in-process with ``args`` (``factsheet ARGS``) and return click's result.

    Output is captured with stdout and stderr kept apart (``result.stdout``,
    ``result.stderr``) and also interleaved as ``result.output``; an exception other than
    ``SystemExit`` is caught into ``result.exception``.
    """
    return CliRunner().invoke(cli, list(args))


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
    shutil.copytree(PROJECT_ROOT / "templates", root / "templates", copy_function=_copy_or_link)
    (root / "content").mkdir(exist_ok=True)
    return root


def _copy_or_link(source: str, target: str) -> None:
    """Copy a template file, but hard-link the large Noto fonts (45 MB) and the print ICC
    profile when the file system allows: no test writes to them, and hundreds of test
    projects would copy them."""
    if "/fonts/noto/" in source or "/press/" in source:
        try:
            os.link(source, target)
            return
        except OSError:
            pass
    shutil.copy2(source, target)


def write_sheet(project: Path, name: str, text: str) -> Path:
    """Write ``content/<name>.md`` in ``project`` and return its path."""
    path = project / "content" / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


DEFAULT_BODY = "A short paragraph of the sheet."


def sheet_text(
    title: str, body: str = DEFAULT_BODY, *, date: str = "2020-05-06", **fields: object
) -> str:
    """The text of a content file: front matter, then the Markdown ``body``.

    The front matter is ``title`` on line 2, ``date`` on line 3, then one ``name: value`` line
    per keyword in ``fields``, in the order given (so the first extra field is on line 4). Values
    are written as given, as YAML source: ``max_pages=1``, ``keywords="[a, b]"``,
    ``colour="blue"`` (an unknown field), ``a1="&a1 [*a0]"``. The body follows the closing
    ``---`` line and the file ends with a newline.
    """
    lines = [f"title: {title}", f"date: {date}"]
    lines += [f"{name}: {value}" for name, value in fields.items()]
    return "---\n" + "".join(f"{line}\n" for line in lines) + f"---\n{body}\n"


def sections_body(
    sections: int, paragraph: str, *, heading: str = "Section {section}", paragraphs: int = 3
) -> str:
    """A Markdown body of ``sections`` ``## heading`` sections of ``paragraphs`` paragraphs each,
    to make a sheet of several pages.

    ``heading`` and ``paragraph`` are ``str.format`` templates that may use ``{section}`` and
    ``{paragraph}`` (both counted from 1).
    """
    blocks = []
    for section in range(1, sections + 1):
        blocks.append("## " + heading.format(section=section))
        blocks += [
            paragraph.format(section=section, paragraph=number)
            for number in range(1, paragraphs + 1)
        ]
    return "\n\n".join(blocks)


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


# Reading PDFs back ----------------------------------------------------------------------------


def _run(args: list[str]) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def fold_presentation_forms(text: str) -> str:
    """``text`` with Arabic presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFF) as the letters
    they are: the PDF maps each contextual form to its own code, and a reader folds them."""
    return "".join(
        unicodedata.normalize("NFKC", char)
        if "\ufb50" <= char <= "\ufdff" or "\ufe70" <= char <= "\ufeff"
        else char
        for char in text
    )


def pdftotext(pdf: Path, *, layout: bool = True) -> str:
    """The text of the whole PDF as ``pdftotext`` prints it (pages separated by form feeds),
    Arabic presentation forms folded to their letters."""
    text = _run(["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"])
    return fold_presentation_forms(text)


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
    """Only lower-case letters and digits (of any script): compares text across hyphenation
    and typography."""
    return "".join(char for char in text.lower() if char.isalnum())


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
                text=fold_presentation_forms(word.text or ""),
                x_min=float(word.get("xMin", 0)),
                y_min=float(word.get("yMin", 0)),
                x_max=float(word.get("xMax", 0)),
                y_max=float(word.get("yMax", 0)),
            )
            for word in page.iter("{http://www.w3.org/1999/xhtml}word")
        ]
        pages.append(PageWords(float(page.get("width", 0)), float(page.get("height", 0)), words))
    return pages


def rasterize_page(pdf: Path, out_dir: Path, resolution: int, page: int = 1) -> Path:
    """Render one page of ``pdf`` (its whole MediaBox) with ``pdftoppm -png``; return the PNG."""
    prefix = out_dir / f"{pdf.stem}-{page}"
    subprocess.run(
        [
            *("pdftoppm", "-png", "-r", str(resolution), "-f", str(page), "-l", str(page)),
            *("-singlefile", str(pdf), str(prefix)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return prefix.with_suffix(".png")


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


def structure_elements(root: pikepdf.Object) -> list[pikepdf.Object]:
    """Every structure element under ``root`` (a StructTreeRoot or element), in tree order."""
    found: list[pikepdf.Object] = []
    kids = root.get("/K")
    if kids is None:
        return found
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found.append(kid)
            found.extend(structure_elements(kid))
    return found
