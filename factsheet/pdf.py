"""Stage 4: lay out an HTML document with WeasyPrint and write the PDF atomically.

This is the only module that imports WeasyPrint, and it does so lazily (inside
:class:`PdfRenderer`), so that ``check`` and a build with nothing to do never pay for it. What
it relies on beyond WeasyPrint's public API is listed in :mod:`factsheet.weasyprint_private`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mimetypes
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .config import Site
from .errors import FactsheetError, ProblemsError, display_path
from .files import atomic_output
from .fit import overflows
from .layouts import Layout
from .locale import Locale
from .page_ends import hyphenated_page_ends, no_hyphenation_css
from .press import make_press_ready, output_intent_path
from .profiles import OutputProfile
from .render import HtmlDocument
from .tagging import finish_tags
from .weasyprint_private import (
    MISSING_ALT_MESSAGE,
    import_weasyprint,
    keep_hyphenation_patterns,
    load_hyphenation,
    mark_logical_text,
    remember_source_elements,
)

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
    real = path.resolve()
    if not real.is_file():  # a named pipe or a device would block the render
        raise ValueError(f"{url}: not a regular file")
    return real


# Fontconfig's settings for a render: the project's fonts and nothing else. A family that is not
# bundled (an SVG chart's "DejaVu Sans", say) falls back to a bundled one, never to a system
# font, so that the look does not depend on the machine.
FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
  <alias><family>serif</family><prefer><family>Merriweather</family></prefer></alias>
  <alias><family>sans-serif</family><prefer><family>Public Sans</family></prefer></alias>
  <alias><family>monospace</family><prefer><family>Public Sans</family></prefer></alias>
  <match target="pattern">
    <edit name="family" mode="append_last"><string>Public Sans</string></edit>
  </match>
</fontconfig>
"""


@contextlib.contextmanager
def bundled_fonts_only(site: Site) -> Iterator[None]:
    """While in the block, a new fontconfig configuration sees only ``templates/fonts/``."""
    fonts = (site.templates_dir / "fonts").resolve()
    folder = Path(tempfile.gettempdir()) / f"factsheet-fontconfig-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    digest = hashlib.sha256(str(fonts).encode()).hexdigest()[:16]
    config = folder / f"fonts-{digest}.conf"
    text = FONTCONFIG.format(fonts=escape(str(fonts)), cache=escape(str(folder / "cache")))
    if not config.is_file() or config.read_text(encoding="utf-8") != text:
        with atomic_output(config) as temporary:
            temporary.write_text(text, encoding="utf-8")
    previous = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = str(config)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["FONTCONFIG_FILE"]
        else:
            os.environ["FONTCONFIG_FILE"] = previous


class PdfRenderer:
    """Renders HTML documents to PDF files, keeping WeasyPrint's set-up warm between sheets.

    One renderer serves one site and one output profile; a build creates it once (before
    forking its workers) and passes it to every sheet.
    """

    def __init__(self, site: Site, profile: OutputProfile) -> None:
        weasyprint = import_weasyprint()  # lazy: the import costs ~0.3 s
        from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

        self.site = site
        self.profile = profile
        self.weasyprint = weasyprint
        mark_logical_text(weasyprint.pdf.stream.Stream)
        remember_source_elements(weasyprint.pdf.tags)
        keep_hyphenation_patterns()
        with bundled_fonts_only(site):
            self.font_config = FontConfiguration()
        self.fetcher = _confined_fetcher_class(weasyprint)(site)
        self.cache: dict[str, Any] = {}
        self.stylesheets: dict[tuple[str, str], Any] = {}

    def _stylesheet(self, url: str = "", text: str = "") -> Any:
        """A stylesheet (by URL, or CSS text), parsed once per process with its fonts."""
        key = (url, text)
        if key not in self.stylesheets:
            if url:
                css = self.weasyprint.CSS(
                    url=url, url_fetcher=self.fetcher, font_config=self.font_config
                )
            else:
                css = self.weasyprint.CSS(
                    string=text,
                    base_url=relocate(self.site.templates_dir.as_uri() + "/", self.site),
                    url_fetcher=self.fetcher,
                    font_config=self.font_config,
                )
            self.stylesheets[key] = css
        return self.stylesheets[key]

    def warm_up(self, layout: Layout, lang: str) -> None:
        """Parse a layout's stylesheets, load their fonts and the hyphenation patterns of
        ``lang`` now rather than on the first sheet."""
        for path in layout.stylesheets:
            self._stylesheet(relocate(path.as_uri(), self.site))
        load_hyphenation(lang)

    def _forget_changed_files(self) -> None:
        # A long-lived renderer (watch mode) must not serve a file edited since it was read.
        if self.fetcher.forget_changed():
            self.cache.clear()
            self.stylesheets.clear()

    def layout(
        self, document: HtmlDocument, relocated: str, extra_css: tuple[str, ...] = ()
    ) -> weasyprint.Document:
        """Lay out ``document``, whose HTML relocated under ``PROJECT_URL`` is ``relocated``."""
        return self.lay_out(
            document.sheet.path,
            relocated,
            document.base_url,
            (*document.stylesheets,),
            (document.page_css, *extra_css),
            document.decorative_images,
        )

    def lay_out(
        self,
        source: Path,
        relocated: str,
        base_url: str,
        stylesheet_urls: tuple[str, ...],
        css_texts: tuple[str, ...],
        decorative_images: tuple[Path, ...] = (),
    ) -> weasyprint.Document:
        """Lay out HTML already relocated under ``PROJECT_URL`` with the stylesheets at
        ``stylesheet_urls`` and then ``css_texts``; problems are reported against ``source``."""
        self._forget_changed_files()
        self.fetcher.refused.clear()
        html = self.weasyprint.HTML(
            string=relocated,
            base_url=relocate(base_url, self.site),
            url_fetcher=self.fetcher,
        )
        stylesheets = [self._stylesheet(relocate(url, self.site)) for url in stylesheet_urls]
        stylesheets.extend(self._stylesheet(text=css) for css in css_texts)
        with _weasyprint_log() as records:
            try:
                laid_out = html.render(
                    font_config=self.font_config,
                    cache=self.cache,
                    stylesheets=stylesheets,
                    **self._options(),
                )
            except self.weasyprint.urls.FatalURLFetchingError:
                raise self._refusal(source) from None
        # A decorative image has alt="" on purpose; WeasyPrint logs it as missing alt text.
        decorative = {relocate(path.as_uri(), self.site) for path in decorative_images}
        failures = [
            record
            for record in records
            if record.levelno >= logging.ERROR
            and not (record.msg == MISSING_ALT_MESSAGE and _first_argument(record) in decorative)
        ]
        if failures:
            # Name files as the user knows them, relative to the project, not by virtual URL.
            reason = failures[0].getMessage().replace(PROJECT_URL, "").rstrip(": ")
            raise FactsheetError(source, None, f"rendering failed: {reason}")
        return laid_out

    def _refusal(self, sheet_path: Path) -> FactsheetError:
        return FactsheetError(sheet_path, None, f"refused to read {self.fetcher.refused[0]}")

    def _press_finisher(self, source: Path) -> Callable[[Any], None] | None:
        """For a print shop's profile, the conversion to CMYK with output intent and marks."""
        if not self.profile.for_press:
            return None
        icc = output_intent_path(self.site.templates_dir)
        return lambda pdf: make_press_ready(pdf, icc, source)

    def _options(self) -> dict[str, Any]:
        variant = None if self.profile.pdf_variant == "none" else self.profile.pdf_variant
        return {"pdf_variant": variant, "pdf_tags": variant is not None}

    def write(self, document: HtmlDocument) -> PdfResult:
        """Render ``document`` to its profile's path atomically; enforce the page budget."""
        sheet = document.sheet
        target = self.profile.output_path(sheet.name)
        relocated = relocate(document.html, self.site)
        laid_out = self.layout(document, relocated)
        # Each round turns hyphenation off in the blocks that broke a word across a page; a
        # new layout can move another word to a page end, so a few rounds, not one.
        unhyphenated: set[int] = set()
        extra_css: tuple[str, ...] = ()
        for _ in range(HYPHENATION_ROUNDS):
            found = hyphenated_page_ends(laid_out.pages) - unhyphenated
            if not found:
                break
            unhyphenated |= found
            extra_css = (no_hyphenation_css(unhyphenated),)
            laid_out = self.layout(document, relocated, extra_css)
        if sheet.max_pages is not None and len(laid_out.pages) > sheet.max_pages:
            raise self.overflow_error(document, relocated, len(laid_out.pages), extra_css)
        outside = overflows(laid_out.pages)
        if outside:
            raise ProblemsError(
                FactsheetError(sheet.path, overflow.line, overflow.message) for overflow in outside
            )
        original = (
            self.profile.output_path(sheet.translation_of).name if sheet.translation_of else None
        )
        return self.save(
            laid_out, sheet.path, target, relocated + document.page_css, sheet.locale, original
        )

    def save(
        self,
        laid_out: weasyprint.Document,
        source: Path,
        target: Path,
        input_text: str,
        locale: Locale,
        original: str | None = None,
    ) -> PdfResult:
        """Write a laid-out document to ``target`` atomically, its tags finished.

        ``input_text`` is what it was laid out from: the PDF's identifier is derived from it.
        """
        # A stable identifier derived from the input keeps the output byte-for-byte reproducible.
        identifier = hashlib.md5(input_text.encode(), usedforsecurity=False).hexdigest()
        try:
            # Attachments are only fetched now, when the PDF is written.
            pdf_bytes = laid_out.write_pdf(pdf_identifier=identifier.encode(), **self._options())
        except self.weasyprint.urls.FatalURLFetchingError:
            raise self._refusal(source) from None
        finished = finish_tags(
            pdf_bytes,
            locale,
            original,
            self.profile.pdf_variant,
            self.site.templates_dir / "fonts",
            self._press_finisher(source),
        )
        try:
            with atomic_output(target) as temporary:
                temporary.write_bytes(finished)
        except OSError as error:
            raise FactsheetError(
                source, None, f"cannot write {display_path(target)}: {error.strerror}"
            ) from None
        return PdfResult(path=target, pages=len(laid_out.pages))

    def overflow_error(
        self, document: HtmlDocument, relocated: str, pages: int, extra_css: tuple[str, ...] = ()
    ) -> FactsheetError:
        """Name the heading or paragraph where a sheet runs past its page budget.

        Only on this failing path, the document is laid out again with each body block as an
        anchor (an ``id``: in every PDF, ids would become named destinations), and the first
        anchor on the first page over budget (WeasyPrint's ``Page.anchors``) is the block.
        """
        sheet = document.sheet
        budget = sheet.max_pages or pages
        message = f"renders to {pages} pages, budget is {budget}"
        anchored = _BLOCK_LINE.sub(r'\1 id="factsheet-line-\2" data-line="\2"', relocated)
        laid_out = self.layout(document, anchored, extra_css)
        anchors = laid_out.pages[budget].anchors if len(laid_out.pages) > budget else {}
        line = next(
            (
                int(name.removeprefix("factsheet-line-"))
                for name in anchors
                if name.startswith("factsheet-line-")
            ),
            None,
        )
        block = dict(document.blocks).get(line) if line is not None else None
        if line is None or block is None:
            return FactsheetError(sheet.path, None, message)
        text = block.text[:60] + "…" if len(block.text) > 60 else block.text
        where = f"; page {budget + 1} begins in the {block.kind} “{text}”"
        return FactsheetError(sheet.path, line, message + where)


# How many times a sheet is laid out again to keep a hyphenated word off a page end.
HYPHENATION_ROUNDS = 5

# A start tag of the body with its source line. Text never holds a "<" (it is escaped), so
# this matches only the tags the Markdown stage wrote.
_BLOCK_LINE = re.compile(r'(<[a-z0-9]+(?: [a-z-]+="[^"<>]*")*) data-line="(\d+)"')


def _first_argument(record: logging.LogRecord) -> object:
    return record.args[0] if isinstance(record.args, tuple) and record.args else None


def _stamp(path: Path) -> tuple[int, int]:
    try:
        status = path.stat()
    except OSError:
        return (-1, -1)
    return (status.st_mtime_ns, status.st_size)


@contextlib.contextmanager
def _weasyprint_log() -> Iterator[list[logging.LogRecord]]:
    """Collect what WeasyPrint logs (an image or rule it could not use) while in the block."""
    handler = _CollectingHandler()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


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
