"""Stage 1: read a content file (YAML front matter + Markdown body) into a :class:`Sheet`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from . import fields
from .config import Site
from .errors import FactsheetError, ProblemCollector, ProblemsError
from .files import read_text_file

SHEET_FIELDS = (
    fields.Field(
        "title", fields.text, required=True, doc="Title of the sheet; PDF Title and running header."
    ),
    fields.Field(
        "date",
        fields.iso_date,
        required=True,
        doc='Issue date, YYYY-MM-DD; printed "June 11, 2010"; PDF dates.',
    ),
    fields.Field(
        "label", fields.text, default="Fact Sheet", doc="Kind of document printed above the title."
    ),
    fields.Field("office", fields.text, doc="Issuing office, printed under the label."),
    fields.Field("dateline", fields.text, doc="Place of issue, printed before the date."),
    fields.Field(
        "lang", fields.language_tag, doc="Language (BCP 47); default from factsheet.yaml."
    ),
    fields.Field("summary", fields.text, doc="One sentence; PDF Subject."),
    fields.Field("keywords", fields.text_list, default=(), doc="List of keywords; PDF Keywords."),
    fields.Field("max_pages", fields.positive_int, doc="Page budget; default from factsheet.yaml."),
)

FENCE = "---"
FENCE_ENDS = ("---", "...")

# How a date and the page footer are printed, by the primary language subtag of `lang`.
# Other languages are printed as in English.
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
}
DATE_FORMATS = {
    "en": "{month} {day}, {year}",
    "fr": "{day} {month} {year}",
    "es": "{day} de {month} de {year}",
    "pt": "{day} de {month} de {year}",
    "de": "{day}. {month} {year}",
    "it": "{day} {month} {year}",
}
# "Page N of M" is written as (word before N, word between N and M).
PAGE_WORDS = {
    "en": ("Page", "of"),
    "fr": ("Page", "sur"),
    "es": ("Página", "de"),
    "pt": ("Página", "de"),
    "de": ("Seite", "von"),
    "it": ("Pagina", "di"),
}


def language(lang: str) -> str:
    """The primary subtag of ``lang`` if its words are known, else ``en``."""
    primary = lang.split("-", maxsplit=1)[0].lower()
    return primary if primary in DATE_FORMATS else "en"


def format_date(date: datetime.date, lang: str = "en") -> str:
    """Print a date the way a fact sheet does: ``June 11, 2010`` (``11 juin 2010`` in French)."""
    key = language(lang)
    day = "1er" if key == "fr" and date.day == 1 else str(date.day)
    month = MONTHS[key].split()[date.month - 1]
    return DATE_FORMATS[key].format(day=day, month=month, year=date.year)


@dataclass(frozen=True)
class Sheet:
    """One fact sheet: validated front matter and the Markdown body with its first line."""

    path: Path
    title: str
    date: datetime.date
    label: str
    office: str | None
    dateline: str | None
    lang: str
    summary: str | None
    keywords: tuple[str, ...]
    max_pages: int | None
    body: str
    body_line: int

    @property
    def name(self) -> str:
        """The file name without ``.md``: the name of its PDF."""
        return self.path.stem

    @property
    def printed_date(self) -> str:
        """The date as printed on the sheet."""
        return format_date(self.date, self.lang)

    @property
    def page_words(self) -> tuple[str, str]:
        """The words of the "Page N of M" footer in the sheet's language."""
        return PAGE_WORDS[language(self.lang)]


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
    if lines[0].rstrip() != FENCE:
        raise FactsheetError(
            path,
            1,
            "no front matter: the file must start with a `---` line, then `title:` and `date:`",
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() in FENCE_ENDS:
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return front, body, index + 2
    raise FactsheetError(
        path, 1, "front matter is not closed: add a `---` line after the last field"
    )


def read_sheet(path: Path, site: Site) -> tuple[Sheet, list[FactsheetError]]:
    """Read one content file; return the sheet and every front-matter problem found.

    Fields with problems get placeholder values, so that the body can still be checked and
    every problem in the file reported in one pass.
    """
    front, body, body_line = split_front_matter(read_text_file(path), path)
    collector = ProblemCollector(path)
    values, problems = fields.read_mapping(front, path, 1, "front matter")
    collector.extend(problems)
    settings = fields.validate(values, SHEET_FIELDS, collector, first_line=1)
    if not body.strip():
        collector.add(
            body_line - 1, "the body is empty: write the fact sheet's text after the front matter"
        )
    sheet = Sheet(
        path=path,
        title=settings["title"] or "",
        date=settings["date"] or datetime.date(1, 1, 1),
        label=settings["label"],
        office=settings["office"],
        dateline=settings["dateline"],
        lang=settings["lang"] or site.lang,
        summary=settings["summary"],
        keywords=settings["keywords"],
        max_pages=settings["max_pages"] or site.max_pages,
        body=body,
        body_line=body_line,
    )
    return sheet, collector.problems


def load_sheet(path: Path, site: Site) -> Sheet:
    """Read and validate one content file, raising every front-matter problem at its line."""
    sheet, problems = read_sheet(path, site)
    if problems:
        raise ProblemsError(problems)
    return sheet
