"""A briefing book: sheets bound in one PDF, with a cover and a contents page (``factsheet book``).

A book file (YAML, validated like front matter) names a title, an optional subtitle, a date
and the sheets, as paths relative to the project. Each sheet goes through the usual stages
(load, Markdown, its layout) and its rendered body is set in the book's document: a section in
the sheet's own language and direction, starting on a right-hand page, under a cover and a
contents page whose page numbers WeasyPrint resolves (``target-counter``). One document gives
one tag tree, one page numbering through the book, and bookmarks for every sheet's title and
headings. The book is rebuilt when it, a listed sheet, a picture, the templates or the settings
change (the output folder's manifest), and is reproducible like a sheet.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import __version__, fields
from .config import Site
from .errors import FactsheetError, ProblemCollector, ProblemsError, line_of_text
from .fields import declare
from .files import read_text_file
from .locale import BLANK_PAGE, BOOK_CONTENTS, Locale, locale_for
from .manifest import Manifest, file_digest, site_fingerprint
from .pipeline import CONTENT_SUFFIX
from .profiles import OutputProfile, css_string
from .render import HtmlDocument

BOOK_STYLESHEET = "book.css"
BOOK_TEMPLATE = "book.html"
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
_ID = re.compile(r'(\sid="|\shref="#)([^"]*)"')


@dataclass(frozen=True)
class BookSettings:
    """The fields of a book file."""

    title: str = declare(
        fields.TEXT, "Title of the book: printed on the cover; the PDF Title.", required=True
    )
    subtitle: str | None = declare(fields.TEXT, "A line under the title on the cover.")
    date: datetime.date = declare(
        fields.DATE,
        "Date of the book, `YYYY-MM-DD`: printed on the cover; the PDF's dates.",
        required=True,
    )
    sheets: tuple[str, ...] = declare(
        fields.TEXT_LIST,
        "The content files, in order, as paths relative to the project "
        "(`content/international-criminal-court.md`).",
        required=True,
    )
    lang: str | None = declare(
        fields.LANGUAGE_TAG,
        "Language of the cover, contents and page numbers (BCP 47). Default from "
        "`factsheet.yaml`; each sheet keeps its own.",
    )


@dataclass(frozen=True)
class Book:
    """A validated book file."""

    path: Path
    title: str
    subtitle: str | None
    date: datetime.date
    sheets: tuple[Path, ...]
    lang: str

    @property
    def locale(self) -> Locale:
        """The book's own words and dates."""
        return locale_for(self.lang)


def read_book(path: Path, site: Site) -> Book:
    """Read and validate a book file, reporting every problem at its line."""
    text = read_text_file(path)
    values, problems = fields.read_mapping(text, path, 0, "a book file")
    collector = ProblemCollector(path)
    collector.extend(problems)
    settings = fields.validate(values, BookSettings, collector, first_line=1)
    sheets_line = values["sheets"].line if values and "sheets" in values else None
    sheets: list[Path] = []
    for name in settings["sheets"] or ():
        sheet = (site.root / name).resolve()
        line = line_of_text(text, name) or sheets_line
        if not sheet.is_file():
            collector.add(line, f"field `sheets`: no file {name}")
        elif sheet.suffix != ".md":
            collector.add(line, f"field `sheets`: {name} is not a content file (.md)")
        elif sheet in sheets:
            collector.add(line, f"field `sheets`: {name} is listed twice")
        else:
            sheets.append(sheet)
    if settings["sheets"] == ():
        collector.add(sheets_line, "field `sheets`: list at least one content file")
    collector.raise_if_any()
    return Book(
        path=path,
        title=settings["title"],
        subtitle=settings["subtitle"],
        date=settings["date"],
        sheets=tuple(sheets),
        lang=settings["lang"] or site.lang,
    )


@dataclass(frozen=True)
class BookResult:
    """What building a book did."""

    path: Path
    pages: int = 0
    skipped: bool = False


def build_book(
    book: Book, site: Site, profile: OutputProfile, *, force: bool = False
) -> BookResult:
    """Build ``book`` into ``profile``'s folder, unless its inputs are unchanged."""
    from .pdf import PdfRenderer, relocate  # noqa: PLC0415 - lazy: WeasyPrint

    target = profile.output_path(book.path.stem)
    if (site.content_dir / f"{book.path.stem}{CONTENT_SUFFIX}").exists():
        raise FactsheetError(
            book.path,
            None,
            f"the sheet content/{book.path.stem}{CONTENT_SUFFIX} writes {target.name} too: "
            "give the book file another name",
        )
    manifest = Manifest.load(profile.folder)
    site_key = site_fingerprint(site, profile)
    if not force and manifest.is_current(book.path, target, site_key):
        return BookResult(path=target, skipped=True)
    documents = list(_sheet_documents(book, site, profile))
    inputs = {book.path: file_digest(book.path)}
    for document in documents:
        inputs[document.sheet.path] = file_digest(document.sheet.path)
        inputs.update({image: file_digest(image) for image in document.images})
    html, stylesheets, page_css = book_html(book, documents, site, profile)
    renderer = PdfRenderer(site, profile)
    relocated = relocate(html, site)
    decorative = tuple(image for document in documents for image in document.decorative_images)
    laid_out = renderer.lay_out(
        book.path,
        relocated,
        site.templates_dir.as_uri() + "/",
        stylesheets,
        (page_css,),
        decorative,
    )
    result = renderer.save(laid_out, book.path, target, relocated + page_css, book.locale)
    profile.folder.mkdir(parents=True, exist_ok=True)
    manifest.record(book.path, target, site_key, inputs)
    manifest.save()
    return BookResult(path=result.path, pages=result.pages)


def _sheet_documents(book: Book, site: Site, profile: OutputProfile) -> Iterator[HtmlDocument]:
    """Each listed sheet rendered to its HTML document; every failing sheet is reported."""
    from .pipeline import prepare  # noqa: PLC0415

    problems: list[FactsheetError] = []
    documents = []
    for path in book.sheets:
        try:
            documents.append(prepare(path, site, profile).document)
        except ProblemsError as error:
            problems.extend(error.problems)
        except FactsheetError as error:
            problems.append(error)
    if problems:
        raise ProblemsError(problems)
    yield from documents


def book_html(
    book: Book, documents: list[HtmlDocument], site: Site, profile: OutputProfile
) -> tuple[str, tuple[str, ...], str]:
    """The book's HTML, the URLs of its stylesheets in order, and its page CSS."""
    from markupsafe import Markup  # noqa: PLC0415

    from .layouts import template_environment  # noqa: PLC0415
    from .render import markings_css  # noqa: PLC0415

    locale = book.locale
    words = site.translations.get(book.lang) if site.translations else None
    agency = (words.agency if words and words.agency else None) or site.agency
    sheets = []
    marked_css = []
    for number, document in enumerate(documents, start=1):
        sheet = document.sheet
        page = None
        markings = markings_css(sheet, site)
        if markings:
            # A draft's watermark and header marking on its own pages only: a named page.
            page = f"book-sheet-{number}"
            marked_css.append(_named(markings, page))
        body = _BODY.search(document.html)
        # Each sheet's ids (heading anchors) and the links to them, made its own: two sheets
        # with a "Background" heading must not share an anchor.
        html = _ID.sub(rf'\1s{number}-\2"', body.group(1) if body else "")
        if sheet.agency == agency and len(sheet.issuers) == 1:
            # The cover's masthead, repeated: printed, but read once (on the cover).
            html = html.replace(
                '<header class="masthead">', '<header class="masthead" data-artifact>', 1
            )
        sheets.append(
            {
                "anchor": f"sheet-{number}",
                "title": sheet.title,
                "lang": sheet.lang,
                "direction": sheet.locale.direction,
                "layout": sheet.layout,
                "page": page,
                "html": Markup(html),
            }
        )
    environment = template_environment(site.templates_dir)
    html = environment.get_template(BOOK_TEMPLATE).render(
        book=book,
        sheets=sheets,
        agency=agency,
        tagline=(words.tagline if words and words.tagline else None) or site.tagline,
        emblem=site.emblem_path.as_uri(),
        emblem_alt=site.emblem_alt,
        printed_date=locale.format_date(book.date),
        contents_heading=locale.translate(BOOK_CONTENTS),
        generator=f"factsheet {__version__}",
    )
    stylesheets: list[str] = []
    for document in documents:
        stylesheets.extend(url for url in document.stylesheets if url not in stylesheets)
    stylesheets.sort(key=_stylesheet_rank)
    stylesheets.append((site.templates_dir / BOOK_STYLESHEET).as_uri())
    blank_words = css_string(locale.translate(BLANK_PAGE))
    blank = f"@page :blank {{ @top-center {{ content: {blank_words}; }} }}\n"
    groups = ["latin", *_page_names(site.templates_dir / "scripts.css")]
    groups += [sheet["page"] for sheet in sheets if sheet["page"]]
    # A sheet's first page, like a single sheet's (factsheet.css `@page :first`): no header.
    firsts = "".join(
        f"@page :nth(1 of {name}) {{ border-top: none; padding-top: 0; "
        "@top-left { content: none; } @top-right { content: none; } }\n"
        for name in dict.fromkeys(groups)
    )
    page_css = profile.page_css(locale) + blank + "".join(marked_css) + firsts
    return html, tuple(stylesheets), page_css


def _page_names(stylesheet: Path) -> list[str]:
    """The named pages a stylesheet gives elements (``page: cjk-sc``)."""
    try:
        text = stylesheet.read_text(encoding="utf-8")
    except OSError:
        return []
    return re.findall(r"[{;\s]page:\s*([A-Za-z][\w-]*)\s*[;}]", text)


def _stylesheet_rank(url: str) -> int:
    """The house style first, then the layouts', then the scripts', then the profile's."""
    if url.endswith("/factsheet.css"):
        return 0
    if "/layouts/" in url:
        return 1
    if url.endswith("/scripts.css"):
        return 2
    return 3


def _named(css: str, page: str) -> str:
    """A sheet's ``@page`` rules made rules of the named page ``page`` (its first page: the
    first of the page group)."""
    return css.replace("@page :first {", f"@page :nth(1 of {page}) {{").replace(
        "@page {", f"@page {page} {{"
    )
