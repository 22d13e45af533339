"""Stage 4: lay out an HTML document with WeasyPrint and write the PDF atomically.

This is the only module that imports WeasyPrint, and it does so lazily (inside
:class:`PdfRenderer`), so that ``check`` and a build with nothing to do never pay for it.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .config import Site
from .errors import FactsheetError
from .files import atomic_output
from .render import STYLESHEET_LINK, HtmlDocument, site_stylesheet_url
from .tagging import finish_tags

if TYPE_CHECKING:
    import weasyprint


@dataclass(frozen=True)
class PdfResult:
    """What rendering one sheet produced."""

    path: Path
    pages: int


# The PDF stage sees the project under this fixed root instead of its real folder, so that
# nothing in the PDF (image names, the file identifier) depends on where the project lies.
PROJECT_URL = "file:///factsheet-project/"


# The log message WeasyPrint 70 writes for an image without alt text (pdf/tags.py).
MISSING_ALT_MESSAGE = 'Image "%s" has no required alt description'


def relocate(text: str, site: Site) -> str:
    """Replace the project's real ``file:`` URLs in ``text`` by ``PROJECT_URL`` ones.

    ``templates/`` and ``content/`` are mapped by their resolved paths too, so that a project
    whose folders are symbolic links renders the same bytes as any other.
    """
    for folder in (site.templates_dir, site.content_dir):
        text = text.replace(folder.resolve().as_uri() + "/", f"{PROJECT_URL}{folder.name}/")
    return text.replace(site.root.as_uri() + "/", PROJECT_URL)


def resolve_confined(url: str, site: Site) -> Path:
    """Return the real file a ``file:`` URL names, or raise ``ValueError`` if it is not allowed.

    ``PROJECT_URL`` URLs are mapped back into ``root``. Symbolic links are followed before the
    check, so a link pointing outside is refused too.
    """
    if url.startswith(PROJECT_URL):
        url = site.root.as_uri() + "/" + url.removeprefix(PROJECT_URL)
    parts = urlsplit(url)
    if parts.scheme != "file":
        raise ValueError(
            f"{url}: only files inside the project can be used, not {parts.scheme}: URLs"
        )
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"{url}: files on other hosts cannot be used")
    path = Path(unquote(parts.path))
    if not site.is_readable(path):
        raise ValueError(f"{url}: outside the project's templates and content folders")
    return path.resolve()


class PdfRenderer:
    """Renders HTML documents to PDF files, keeping WeasyPrint's set-up warm between sheets."""

    def __init__(self, site: Site, pdf_variant: str | None = None) -> None:
        import weasyprint  # noqa: PLC0415 - lazy: the import costs ~0.7 s
        from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

        self.site = site
        self.pdf_variant = pdf_variant or site.pdf_variant
        self.weasyprint = weasyprint
        self.font_config = FontConfiguration()
        self.fetcher = _confined_fetcher_class(weasyprint)(site)
        self.cache: dict[str, Any] = {}
        self.stylesheets: dict[str, Any] = {}
        # WeasyPrint reports what it could not use (an image, a stylesheet rule) in its log.
        self.log = _weasyprint_log()

    def _stylesheet(self, url: str) -> Any:
        """The site stylesheet, parsed once per process (with its fonts) and reused."""
        if url not in self.stylesheets:
            self.stylesheets[url] = self.weasyprint.CSS(
                url=url, url_fetcher=self.fetcher, font_config=self.font_config
            )
        return self.stylesheets[url]

    def warm_up(self) -> None:
        """Parse the site stylesheet and load its fonts now rather than on the first sheet."""
        self._stylesheet(relocate(site_stylesheet_url(self.site), self.site))

    def _forget_changed_files(self) -> None:
        # A long-lived renderer (watch mode) must not serve a file edited since it was read.
        if self.fetcher.forget_changed():
            self.cache.clear()
            self.stylesheets.clear()

    def layout(self, document: HtmlDocument, relocated: str) -> weasyprint.Document:
        """Lay out ``document``, whose HTML relocated under ``PROJECT_URL`` is ``relocated``."""
        sheet_path = document.sheet.path
        self._forget_changed_files()
        self.fetcher.refused.clear()
        self.log.records.clear()
        # The linked stylesheet is applied pre-parsed instead of being parsed for every sheet.
        link = STYLESHEET_LINK.format(url=document.stylesheet_url)
        html = self.weasyprint.HTML(
            string=relocated.replace(relocate(link, self.site), "", 1),
            base_url=relocate(document.base_url, self.site),
            url_fetcher=self.fetcher,
        )
        try:
            stylesheet = self._stylesheet(relocate(document.stylesheet_url, self.site))
            laid_out = html.render(
                font_config=self.font_config,
                cache=self.cache,
                stylesheets=[stylesheet],
                **self._options(),
            )
        except self.weasyprint.urls.FatalURLFetchingError:
            raise self._refusal(sheet_path) from None
        # A decorative image has alt="" on purpose; WeasyPrint logs it as missing alt text.
        decorative = {relocate(path.as_uri(), self.site) for path in document.decorative_images}
        failures = [
            record
            for record in self.log.records
            if record.levelno >= logging.ERROR
            and not (record.msg == MISSING_ALT_MESSAGE and _first_argument(record) in decorative)
        ]
        if failures:
            # Name files as the user knows them, relative to the project, not by virtual URL.
            reason = failures[0].getMessage().replace(PROJECT_URL, "").rstrip(": ")
            raise FactsheetError(sheet_path, None, f"rendering failed: {reason}")
        return laid_out

    def _refusal(self, sheet_path: Path) -> FactsheetError:
        return FactsheetError(sheet_path, None, f"refused to read {self.fetcher.refused[0]}")

    def _options(self) -> dict[str, Any]:
        variant = None if self.pdf_variant == "none" else self.pdf_variant
        return {"pdf_variant": variant, "pdf_tags": variant is not None}

    def write(self, document: HtmlDocument, target: Path) -> PdfResult:
        """Render ``document`` and write it to ``target`` atomically; enforce the page budget."""
        relocated = relocate(document.html, self.site)
        laid_out = self.layout(document, relocated)
        sheet = document.sheet
        if sheet.max_pages is not None and len(laid_out.pages) > sheet.max_pages:
            raise overflow_error(laid_out, sheet.path, sheet.max_pages)
        # A stable identifier derived from the input keeps the output byte-for-byte reproducible.
        identifier = hashlib.md5(relocated.encode(), usedforsecurity=False).hexdigest()
        try:
            # Attachments are only fetched now, when the PDF is written.
            pdf_bytes = laid_out.write_pdf(pdf_identifier=identifier.encode(), **self._options())
        except self.weasyprint.urls.FatalURLFetchingError:
            raise self._refusal(sheet.path) from None
        with atomic_output(target) as temporary:
            finish_tags(pdf_bytes, temporary)
        return PdfResult(path=target, pages=len(laid_out.pages))


# What to call the block where an overflow begins, by its HTML tag.
BLOCK_NAMES = {
    "h2": "heading",
    "h3": "heading",
    "h4": "heading",
    "h5": "heading",
    "h6": "heading",
    "p": "paragraph",
    "li": "list item",
    "tr": "table row",
    "blockquote": "quotation",
    "table": "table",
    "ul": "list",
    "ol": "list",
    "pre": "code block",
    "hr": "rule",
}


def overflow_error(laid_out: weasyprint.Document, path: Path, budget: int) -> FactsheetError:
    """Name the heading or paragraph where a sheet runs past its page budget."""
    pages = len(laid_out.pages)
    message = f"renders to {pages} pages, budget is {budget}"
    element = _first_source_element(laid_out.pages[budget]._page_box)
    if element is None:
        return FactsheetError(path, None, message)
    text = " ".join("".join(element.itertext()).split())
    text = text[:60] + "…" if len(text) > 60 else text
    kind = BLOCK_NAMES.get(element.tag, "block")
    where = f"; page {budget + 1} begins in the {kind} “{text}”"
    return FactsheetError(path, int(element.get("data-line")), message + where)


def _first_source_element(box: Any) -> Any:
    """The first element with a ``data-line`` (a body block) in a page's box tree."""
    element = getattr(box, "element", None)
    if element is not None and element.get("data-line"):
        return element
    for child in getattr(box, "children", ()):
        found = _first_source_element(child)
        if found is not None:
            return found
    return None


def _first_argument(record: logging.LogRecord) -> object:
    return record.args[0] if isinstance(record.args, tuple) and record.args else None


def _stamp(path: Path) -> tuple[int, int]:
    try:
        status = path.stat()
    except OSError:
        return (-1, -1)
    return (status.st_mtime_ns, status.st_size)


def _weasyprint_log() -> _CollectingHandler:
    """The one handler collecting WeasyPrint's log records in this process."""
    logger = logging.getLogger("weasyprint")
    for handler in logger.handlers:
        if isinstance(handler, _CollectingHandler):
            return handler
    handler = _CollectingHandler()
    logger.addHandler(handler)
    return handler


class _CollectingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _confined_fetcher_class(weasyprint: Any) -> type:
    """Build the confined fetcher class once WeasyPrint is imported."""

    class ConfinedFetcher(weasyprint.urls.URLFetcher):
        """Serves only files inside the project (and inline ``data:`` URLs); refuses the rest."""

        def __init__(self, site: Site) -> None:
            super().__init__(allowed_protocols=("file", "data"))
            self.site = site
            self.refused: list[str] = []
            self.files: dict[Path, tuple[tuple[int, int], bytes]] = {}

        def forget_changed(self) -> bool:
            """Drop files changed on disk since they were read; True if there was one."""
            changed = [path for path, (stamp, _) in self.files.items() if _stamp(path) != stamp]
            for path in changed:
                del self.files[path]
            return bool(changed)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            try:
                path = resolve_confined(url, self.site)
            except ValueError as error:
                self.refused.append(str(error))
                raise weasyprint.urls.FatalURLFetchingError(str(error)) from None
            if path not in self.files:
                self.files[path] = (_stamp(path), path.read_bytes())
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(
                url, self.files[path][1], headers={"Content-Type": mime_type}
            )

    return ConfinedFetcher
