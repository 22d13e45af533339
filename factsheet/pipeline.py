"""The build: find the sheets, prepare each (load → markdown → render), write PDFs, report.

Preparing a sheet never imports WeasyPrint; only the PDF stage does, once per process.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import Site
from .content import read_sheet
from .errors import FactsheetError, ProblemsError, display_path, problems_of
from .markdown import render_body
from .render import HtmlDocument, render_document

CONTENT_SUFFIX = ".md"


def find_sheets(paths: Iterable[Path], site: Site) -> list[Path]:
    """Expand content files and folders (default: the project's ``content/``) into .md files.

    Raises :class:`FactsheetError` for a path that does not exist or is not Markdown.
    """
    paths = list(paths) or [site.content_dir]
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob(f"*{CONTENT_SUFFIX}")))
        elif path.is_file():
            if path.suffix != CONTENT_SUFFIX:
                raise FactsheetError(
                    path, None, f"not a content file: expected a {CONTENT_SUFFIX} file"
                )
            found.append(path)
        else:
            raise FactsheetError(path, None, "no such file or folder")
    unique = list(dict.fromkeys(path.resolve() for path in found))
    by_name: dict[str, Path] = {}
    for path in unique:
        if path.stem in by_name:
            raise FactsheetError(
                path,
                None,
                f"has the same name as {display_path(by_name[path.stem])}: both would "
                f"be written to {path.stem}.pdf",
            )
        by_name[path.stem] = path
    return unique


def prepare(path: Path, site: Site) -> HtmlDocument:
    """Load, validate and render one content file to its HTML document.

    Raises every problem in the file at once: front matter and body are both checked.
    """
    sheet, problems = read_sheet(path, site)
    try:
        body = render_body(sheet, site)
    except FactsheetError as error:
        raise ProblemsError([*problems, *problems_of(error)]) from None
    if problems:
        raise ProblemsError(problems)
    return render_document(sheet, body, site)


def check(paths: list[Path], site: Site) -> Iterator[Outcome]:
    """Validate each sheet as far as its HTML document, without laying it out."""
    for path in paths:
        outcome = Outcome(source=path)
        try:
            prepare(path, site)
        except FactsheetError as error:
            outcome.error = error
        yield outcome


@dataclass
class Outcome:
    """What happened to one sheet in a build."""

    source: Path
    output: Path | None = None
    pages: int = 0
    error: FactsheetError | None = None
    skipped: bool = False


@dataclass
class Report:
    """The outcome of a whole build."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Outcome]:
        """The sheets that did not build."""
        return [outcome for outcome in self.outcomes if outcome.error is not None]

    @property
    def built(self) -> list[Outcome]:
        """The sheets written in this build."""
        return [o for o in self.outcomes if o.error is None and not o.skipped]

    @property
    def skipped(self) -> list[Outcome]:
        """The sheets left as they were because nothing they depend on changed."""
        return [outcome for outcome in self.outcomes if outcome.skipped]


def write_html(paths: list[Path], site: Site, out_dir: Path) -> Iterator[Outcome]:
    """Write each sheet's HTML document (the exact input of its PDF) to ``out_dir``."""
    from .pdf import atomic_output  # noqa: PLC0415 - the helper, not WeasyPrint

    for path in paths:
        outcome = Outcome(source=path)
        try:
            document = prepare(path, site)
            target = out_dir / f"{path.stem}.html"
            with atomic_output(target) as temporary:
                temporary.write_text(document.html, encoding="utf-8")
            outcome.output = target
        except FactsheetError as error:
            outcome.error = error
        yield outcome


def write_pdfs(
    paths: list[Path], site: Site, out_dir: Path, pdf_variant: str | None = None
) -> Iterator[Outcome]:
    """Render each sheet to ``out_dir/<name>.pdf``, yielding one outcome per sheet."""
    renderer = None
    for path in paths:
        outcome = Outcome(source=path)
        try:
            document = prepare(path, site)
            if renderer is None:
                from .pdf import PdfRenderer  # noqa: PLC0415 - lazy: imports WeasyPrint

                renderer = PdfRenderer(site, pdf_variant)
            result = renderer.write(document, out_dir / f"{path.stem}.pdf")
            outcome.output, outcome.pages = result.path, result.pages
        except FactsheetError as error:
            outcome.error = error
        yield outcome
