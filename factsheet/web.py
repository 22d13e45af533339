"""The web version (``factsheet html``): one site folder that can be moved or served as it is.

``DIR/html/`` holds a page per sheet (``<name>.html``), its PDF beside it (``<name>.pdf``, built
first when it is missing or out of date), an index of the sheets (``index.html``), and
everything the pages use: the stylesheets and fonts under ``assets/`` (as they are laid out in
``templates/``), the pictures under ``media/`` (as in ``content/``). Every link is relative.
The pages are the sheets' own HTML with the screen rules of the stylesheets: the page's
measure on a desktop, the full width on a phone, links clickable (the notes that print their
addresses are hidden), ``lang`` and ``dir`` from the sheet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .config import Site
from .errors import FactsheetError
from .files import atomic_output
from .locale import WEB_SHEETS, locale_for
from .pipeline import BuildOptions, Outcome, _sheet_failure, prepare, write_pdfs
from .profiles import OutputProfile

ASSETS = "assets"
MEDIA = "media"
INDEX_TEMPLATE = "web-index.html"
_CSS_URL = re.compile(r"url\(\s*[\"']?([^\"')]+)[\"']?\s*\)")
# The renderer's own file URLs, in the attributes it writes them in; text that mentions one
# (a sheet about file URLs) is text.
_FILE_ATTRIBUTE = re.compile(r'(\s(?:src|href)=")(file://[^"]+)(")')


def write_site(
    paths: list[Path],
    site: Site,
    profile: OutputProfile,
    *,
    strict: bool = False,
    debug: bool = False,
) -> Iterator[Outcome]:
    """Build the PDFs that are missing or stale, then write the site folder; one outcome per
    sheet (its page), failures located as for ``pdf``."""
    folder = profile.site_path("index").parent
    built = {
        outcome.source: outcome
        for outcome in write_pdfs(
            paths, site, BuildOptions(profile=profile, strict=strict, debug=debug)
        )
    }
    pages: list[tuple[str, str, str, str]] = []
    copied: set[Path] = set()
    for path in paths:
        pdf = built.get(path)
        if pdf is not None and pdf.error is not None:
            yield replace(pdf, skipped=False)
            continue
        outcome = Outcome(source=path)
        with _sheet_failure(outcome, debug):
            prepared = prepare(path, site, profile, strict=strict, for_browser=True)
            sheet = prepared.document.sheet
            html = _relative(prepared.document.html, site, folder, copied)
            target = profile.site_path(sheet.name)
            with atomic_output(target) as temporary:
                temporary.write_text(html, encoding="utf-8")
            _copy(profile.output_path(sheet.name), profile.site_path(sheet.name, ".pdf"))
            outcome.output, outcome.warnings = target, prepared.warnings
            pages.append((target.name, sheet.title, sheet.lang, sheet.locale.direction))
        yield outcome
    if pages:
        _write_index(folder, site, _site_pages(folder, pages))


def _relative(html: str, site: Site, folder: Path, copied: set[Path]) -> str:
    """``html`` with every ``file:`` URL made relative to the site folder; the files (and the
    fonts and pictures their stylesheets name) copied there."""

    def relink(match: re.Match[str]) -> str:
        source = Path(unquote(urlsplit(html_unescape(match.group(2))).path))
        relative = _place(source, site)
        if relative is None:
            raise FactsheetError(source, None, "is outside templates/ and content/")
        if source not in copied:
            copied.add(source)
            if source.suffix == ".css":
                _copy_stylesheet(source, folder / relative, site, folder, copied)
            else:
                _copy(source, folder / relative)
        return match.group(1) + quote(relative.as_posix()) + match.group(3)

    return _FILE_ATTRIBUTE.sub(relink, html)


def _place(source: Path, site: Site) -> Path | None:
    """Where a project file goes in the site folder: templates/ → assets/, content/ → media/."""
    resolved = source.resolve()
    for root, prefix in (
        (site.templates_dir.resolve(), ASSETS),
        (site.content_dir.resolve(), MEDIA),
    ):
        if resolved.is_relative_to(root):
            return Path(prefix) / resolved.relative_to(root)
    return None


def _copy_stylesheet(
    source: Path, target: Path, site: Site, folder: Path, copied: set[Path]
) -> None:
    """Copy a stylesheet, and every file it names by a relative ``url()`` beside it."""
    css = source.read_text(encoding="utf-8")
    for reference in _CSS_URL.findall(css):
        if reference.startswith(("data:", "#", "http:", "https:")):
            continue
        named = (source.parent / unquote(reference)).resolve()
        place = _place(named, site)
        if place is None or not named.is_file() or named in copied:
            continue
        copied.add(named)
        _copy(named, folder / place)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target) as temporary:
        temporary.write_text(css, encoding="utf-8")


def _copy(source: Path, target: Path) -> None:
    """Copy a file unless the same bytes are there already, atomically."""
    try:
        data = source.read_bytes()
    except OSError:
        return
    try:
        if target.read_bytes() == data:
            return
    except OSError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target) as temporary:
        temporary.write_bytes(data)


_PAGE_HEAD = re.compile(r'<html lang="([^"]*)" dir="([^"]*)">.*?<title>(.*?)</title>', re.S)


def _site_pages(
    folder: Path, written: list[tuple[str, str, str, str]]
) -> list[tuple[str, str, str, str]]:
    """Every sheet page in the folder (those of earlier runs too), by file name: (file,
    title, language, direction)."""
    pages = {page[0]: page for page in written}
    for path in folder.glob("*.html"):
        if path.name in pages or path.name == "index.html" or path.name.startswith("."):
            continue
        head = _PAGE_HEAD.search(path.read_text(encoding="utf-8", errors="replace")[:4000])
        if head and path.with_suffix(".pdf").is_file():
            pages[path.name] = (
                path.name,
                html_unescape(head.group(3)),
                head.group(1),
                head.group(2),
            )
    return sorted(pages.values())


def _write_index(folder: Path, site: Site, pages: list[tuple[str, str, str, str]]) -> None:
    from .layouts import template_environment  # noqa: PLC0415

    locale = locale_for(site.lang)
    html = (
        template_environment(site.templates_dir)
        .get_template(INDEX_TEMPLATE)
        .render(
            lang=site.lang,
            direction=locale.direction,
            heading=locale.translate(WEB_SHEETS),
            agency=site.agency or locale.agency,
            pages=[
                (quote(name), title, language, direction)
                for name, title, language, direction in pages
            ],
        )
    )
    with atomic_output(folder / "index.html") as temporary:
        temporary.write_text(html, encoding="utf-8")
