"""Stage 1: read a content file (YAML front matter + Markdown body) into a :class:`Sheet`."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from . import fields
from .config import LINK_NOTES, Site
from .errors import FactsheetError, ProblemCollector
from .fields import declare
from .files import read_text_file
from .layouts import DEFAULT_LAYOUT
from .locale import Locale, locale_for
from .typography import typeset

# The front-matter fields printed as text (or shown as the PDF's Subject).
PRINTED_TEXT_FIELDS = ("title", "label", "office", "dateline", "summary")


@dataclass(frozen=True, kw_only=True)
class FrontMatter:
    """The fields of a content file's front matter, each declared once."""

    title: str = declare(
        fields.TEXT,
        "Title of the sheet: the only level-1 heading, the running header from page 2, the "
        "PDF Title.",
        required=True,
    )
    date: datetime.date = declare(
        fields.DATE,
        'Issue date as `YYYY-MM-DD`; printed "June 11, 2010" (in the sheet\'s language); the '
        "PDF's creation and modification dates.",
        required=True,
    )
    layout: str = declare(
        fields.TEXT,
        "Kind of document: a layout in `templates/layouts/` (`fact-sheet`, …).",
        default=DEFAULT_LAYOUT,
    )
    label: str | None = declare(
        fields.TEXT,
        'Kind of document printed above the title; default "Fact Sheet" (in the sheet\'s '
        "language).",
    )
    office: str | None = declare(fields.TEXT, 'Issuing office, e.g. "Bureau of Public Affairs".')
    dateline: str | None = declare(
        fields.TEXT, 'Place of issue, printed before the date, e.g. "Washington, DC".'
    )
    lang: str | None = declare(
        fields.LANGUAGE_TAG,
        "Language as a BCP 47 tag (`en`, `en-US`, `fr`); sets hyphenation, the PDF language, "
        'and the tool\'s own words: quotation marks, the printed date, "Page N of M" and the '
        "links' descriptions for screen readers, from the message catalogs in "
        "`factsheet/locales/` (English, French, Spanish, Portuguese, German, Italian, Russian; "
        "another language is printed as in English, with a warning). Default from "
        "`factsheet.yaml`.",
    )
    summary: str | None = declare(fields.TEXT, "One sentence; the PDF Subject.")
    keywords: tuple[str, ...] = declare(
        fields.TEXT_LIST, "A list, `[ICC, Rome Statute]`; the PDF Keywords.", default=()
    )
    link_notes: str | None = declare(
        fields.one_of(*LINK_NOTES),
        "`footnotes` or `endnotes`: where this sheet's printed addresses go. Default from "
        "`factsheet.yaml`.",
    )
    max_pages: int | None = declare(
        fields.POSITIVE_INT,
        "Page budget: a sheet that renders to more pages fails and names where the overflow "
        "begins. Default from `factsheet.yaml`.",
    )


# A front matter fence, which YAML lets a comment follow: `--- # Fact sheet`.
FENCE = re.compile(r"^---[ \t]*(#.*)?$")
FENCE_END = re.compile(r"^(---|\.\.\.)[ \t]*(#.*)?$")


@dataclass(frozen=True, kw_only=True)
class Sheet(FrontMatter):
    """One sheet: its front matter with the site's defaults applied, its locale, and its body.

    ``lang`` and ``max_pages`` are resolved (the sheet's, else the site's), and so are the
    words that come from the language when the settings give none: ``label``, ``agency``,
    ``tagline`` and ``disclaimer``.
    """

    path: Path
    lang: str
    label: str
    link_notes: str
    locale: Locale
    agency: str
    tagline: str
    disclaimer: str
    body: str
    body_line: int

    @property
    def name(self) -> str:
        """The file name without ``.md``: the name of its PDF."""
        return self.path.stem

    @property
    def printed_date(self) -> str:
        """The date as printed on the sheet, in its language."""
        return self.locale.format_date(self.date)


def split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    """Split a content file into front matter and body.

    Returns ``(front_matter, body, body_line)`` where ``body_line`` is the 1-based file line on
    which the body starts.
    """
    lines = text.split("\n")
    if not text.strip():
        raise FactsheetError(
            path, 1, "file is empty; a fact sheet starts with a `---` front matter block"
        )
    if not FENCE.match(lines[0].rstrip()):
        raise FactsheetError(
            path,
            1,
            "no front matter: the file must start with a `---` line, then `title:` and `date:`",
        )
    for index in range(1, len(lines)):
        if FENCE_END.match(lines[index].rstrip()):
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return front, body, index + 2
    raise FactsheetError(
        path, 1, "front matter is not closed: add a `---` line after the last field"
    )


def refuse_outside_content(path: Path, site: Site) -> None:
    """Refuse, before reading it, a content file that is not (once links are followed) in
    ``content/``: a build reads nothing outside ``templates/`` and ``content/``."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        return  # a link loop: reading it reports the problem
    content = site.content_dir.resolve()
    if real.is_relative_to(content):
        return
    if path.absolute().parent.resolve().is_relative_to(content):
        raise FactsheetError(
            path, None, "is a symbolic link to a file outside content/: refused, not read"
        )
    raise FactsheetError(path, None, "is outside content/: content files must be inside it")


def read_sheet(path: Path, site: Site) -> tuple[Sheet, ProblemCollector]:
    """Read one content file; return the sheet and every front-matter problem found.

    Fields with problems get placeholder values, so that the body can still be checked and
    every problem in the file reported in one pass.
    """
    refuse_outside_content(path, site)
    front, body, body_line = split_front_matter(read_text_file(path), path)
    collector = ProblemCollector(path)
    values, problems = fields.read_mapping(front, path, 1, "front matter")
    collector.extend(problems)
    settings = fields.validate(values, FrontMatter, collector, first_line=1)
    if not body.strip():
        collector.add(
            body_line - 1, "the body is empty: write the fact sheet's text after the front matter"
        )
    lang = settings["lang"] or site.lang
    locale = locale_for(lang)
    if not locale.has_catalog:
        given = values.get("lang") if values else None
        collector.warn(
            given.line if given else None,
            f'no message catalog for language `{lang}`: the date, "Page N of M" and the '
            "tool's other words are printed in English",
        )
    layout = settings["layout"]
    layouts = site.layouts()
    if layout not in layouts:
        given = values.get("layout") if values else None
        known = ", ".join(layouts) or "none"
        collector.add(
            given.line if given else 1,
            f"field `layout`: no layout {layout!r} in templates/layouts/ (layouts: {known})",
        )
    # Printed strings get the body's smart quotes and dashes, in the sheet's language.
    for name in PRINTED_TEXT_FIELDS:
        if settings[name]:
            settings[name] = typeset(settings[name], locale)
    settings.update(
        lang=lang,
        label=settings["label"] or locale.default_label,
        max_pages=settings["max_pages"] or site.max_pages,
        link_notes=settings["link_notes"] or site.link_notes,
        title=settings["title"] or "",
        date=settings["date"] or datetime.date(1, 1, 1),
    )
    sheet = Sheet(
        path=path,
        locale=locale,
        agency=site.agency or locale.agency,
        tagline=site.tagline or locale.tagline,
        disclaimer=site.disclaimer or locale.disclaimer,
        body=body,
        body_line=body_line,
        **settings,
    )
    return sheet, collector


def load_sheet(path: Path, site: Site) -> Sheet:
    """Read and validate one content file, raising every front-matter problem at its line."""
    sheet, collector = read_sheet(path, site)
    collector.raise_if_any()
    return sheet
