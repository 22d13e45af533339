"""Stage 1: read a content file (YAML front matter + Markdown body) into a :class:`Sheet`."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

from . import fields
from .config import LINK_NOTES, Site, emblem_problems
from .errors import FactsheetError, Problem, ProblemCollector, Severity, display_path
from .fields import declare
from .files import read_text_file
from .layouts import DEFAULT_LAYOUT, Layout
from .locale import (
    AS_DELIVERED,
    AS_PREPARED,
    DRAFT_MARKING,
    DRAFT_WATERMARK,
    TRANSLATION_NOTICE,
    Locale,
    locale_for,
)
from .running_title import MARKING_FONT, running_title
from .typography import typeset

# The front-matter fields printed as text (or shown as the PDF's Subject).
PRINTED_TEXT_FIELDS = (
    "title",
    "short_title",
    "label",
    "office",
    "dateline",
    "summary",
    "agency",
    "tagline",
    "speaker",
    "place",
)


STATUSES = ("final", "draft")
DELIVERY = ("prepared", "delivered")


@dataclass(frozen=True)
class Partner:
    """Another issuer of a joint statement: its name, and its emblem (a path, as written)."""

    name: str
    emblem: str | None = None
    emblem_alt: str | None = None


_PARTNER_KEYS = ("name", "emblem", "emblem_alt")


def _partners(value: Any) -> tuple[Partner, ...]:
    """A list of partners, each a mapping with `name` and optional `emblem`, `emblem_alt`."""
    example = "- name: Government of Japan"
    if not isinstance(value, list) or not value:
        raise ValueError(f"expected a list of partners, each as `{example}`")
    partners = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise ValueError(f"partner {number}: expected `{example}`, got {item!r}"[:200])
        unknown = [str(key) for key in item if key not in _PARTNER_KEYS]
        if unknown:
            raise ValueError(
                f"partner {number}: unknown field `{unknown[0]}` (known: name, emblem, emblem_alt)"
            )
        if item.get("name") is None:
            raise ValueError(f"partner {number}: give its `name`")
        try:
            checked = {key: fields.text(item[key]) for key in _PARTNER_KEYS if key in item}
        except ValueError as error:
            raise ValueError(f"partner {number}: {error}") from None
        partners.append(Partner(**checked))
    return tuple(partners)


def _lines(value: Any) -> tuple[str, ...]:
    """One line of text, or a list of them."""
    if isinstance(value, list):
        return tuple(fields.text(line) for line in value)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return (fields.text(value),)
    raise ValueError(
        'expected a line of text, or a list of lines such as ["For further information: '
        'Office of Press Relations, (202) 647-2492"]'
    )


LINES = fields.Kind(
    _lines,
    {"oneOf": [{"type": "string", "minLength": 1}, {"type": "array", "items": {"type": "string"}}]},
    reads_text=True,
)

PARTNERS = fields.Kind(
    _partners,
    {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "properties": {key: {"type": "string", "minLength": 1} for key in _PARTNER_KEYS},
            "required": ["name"],
            "additionalProperties": False,
        },
    },
)


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
        "PDF's creation date (and its modification date, unless `updated` is given).",
        required=True,
    )
    layout: str = declare(
        fields.TEXT,
        "Kind of document: a layout in `templates/layouts/` (`fact-sheet`, …).",
        default=DEFAULT_LAYOUT,
    )
    label: str | None = declare(
        fields.TEXT,
        'Kind of document printed above the title; default "Fact Sheet", or the layout\'s '
        '("Media Note", …), in the sheet\'s language.',
    )
    office: str | None = declare(
        fields.TEXT,
        'Issuing office, e.g. "Bureau of Public Affairs" (`media-note`: "Office of the '
        'Spokesperson").',
    )
    dateline: str | None = declare(
        fields.TEXT, 'Place of issue, printed before the date, e.g. "Washington, DC".'
    )
    short_title: str | None = declare(
        fields.TEXT,
        "The running header's title from page 2. Without it, a title too long for the header's "
        "one line is shortened there with an ellipsis (and `check` suggests a `short_title`).",
    )
    agency: str | None = declare(
        fields.TEXT, "The issuer in the masthead, for this sheet; default from `factsheet.yaml`."
    )
    tagline: str | None = declare(
        fields.TEXT, "The line under the issuer, for this sheet; default from `factsheet.yaml`."
    )
    emblem: str | None = declare(
        fields.TEXT,
        "The masthead emblem for this sheet: a path relative to the project, inside "
        "`templates/` or `content/`; default from `factsheet.yaml`.",
    )
    emblem_alt: str | None = declare(
        fields.TEXT, "The emblem's text for screen readers; default from `factsheet.yaml`."
    )
    partners: tuple[Partner, ...] = declare(
        PARTNERS,
        "The other issuers of a joint statement, in the order they are printed after this "
        "sheet's own: a list of `name:` with optional `emblem:` (a path as for `emblem`) and "
        '`emblem_alt:` (default "Emblem of NAME").',
        default=(),
    )
    speaker: str | None = declare(
        fields.TEXT,
        'Remarks: who spoke, printed under the title, e.g. "Secretary of State Antony J. Blinken".',
    )
    place: str | None = declare(
        fields.TEXT, 'Remarks: where, printed under the speaker, e.g. "Benjamin Franklin Room".'
    )
    delivery: str | None = declare(
        fields.one_of(*DELIVERY),
        '`prepared` prints "As Prepared for Delivery", `delivered` "As Delivered" (remarks).',
    )
    status: str = declare(
        fields.one_of(*STATUSES),
        '`draft` prints a diagonal "DRAFT" on every page and "DRAFT — NOT FOR RELEASE" in the '
        'header and footer, and puts "DRAFT: " before the PDF Title; `pdf --release` refuses '
        "to build it. `final` when left out.",
        default="final",
    )
    embargo: datetime.datetime | None = declare(
        fields.MOMENT,
        "Not for release before this time: `2026-12-01T10:00-05:00` (with its UTC offset) "
        'prints "EMBARGOED UNTIL 10:00 A.M. EST, DECEMBER 1, 2026" above the title and in '
        "the header. The tool never reads the clock: lifting an embargo is removing the field.",
    )
    updated: datetime.date | None = declare(
        fields.DATE,
        'Date of the last revision, `YYYY-MM-DD`: "Updated December 3, 2026" after the date, '
        "and the PDF's modification date.",
    )
    contact: tuple[str, ...] = declare(
        LINES,
        "A line, or a list of lines, printed in a small ruled block at the end, e.g. "
        '`["For further information: Office of Press Relations, (202) 647-2492, '
        'press@state.gov"]`; addresses are linked, and no address or phone number is split '
        "across lines.",
        default=(),
    )
    url: str | None = declare(
        fields.WEB_ADDRESS,
        "The sheet's web address (`https://www.state.gov/…`, at most 150 characters): printed "
        "at the end with a QR code that leads to it, both links.",
    )
    end_mark: bool | None = declare(
        fields.BOOLEAN,
        "`true` prints a centred `# # #` after the body (the default in `media-note`). A "
        "`# # #` line in the body is an end mark too, never a heading.",
    )
    columns: int | None = declare(
        fields.number_between(1, 2),
        "`2` sets the body in two columns (headings, tables and figures span both); notes "
        "stay full width at the foot. Default 1.",
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
    translation_of: str | None = declare(
        fields.TEXT,
        "The sheet this one translates: its name in the same folder, without `.md` "
        "(`international-criminal-court`). Recorded in the PDF's metadata (XMP `dc:source`); "
        "`check` fails when it does not exist and warns when its `date` or `updated` is newer "
        "than this sheet's (the translation is out of date).",
    )
    translation_notice: bool | None = declare(
        fields.BOOLEAN,
        '`true` prints "This is a translation of the original English text, which is '
        "authoritative.\" (in the sheet's language) under the title of a translation.",
    )
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


@dataclass(frozen=True)
class Issuer:
    """Who issues a sheet, as its masthead shows it: a name and an emblem."""

    name: str
    emblem: Path | None
    emblem_alt: str


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
    end_mark: bool
    columns: int
    # The sheet's own issuer first, then a joint statement's partners, in the order given.
    issuers: tuple[Issuer, ...]
    # What the running header prints beside the agency: ``short_title``, or the title
    # shortened; a draft's or an embargo's marking instead of either.
    running_title: str
    # A draft's or an embargo's marking, printed in the running header.
    header_marking: str | None
    body: str
    body_line: int
    # The line of each front-matter field the file gives, to report a problem found later.
    field_lines: dict[str, int] = dataclass_field(default_factory=dict, compare=False)
    # The whole file as read, to find the line of a problem found in what it printed.
    source: str = dataclass_field(default="", compare=False, repr=False)

    @property
    def is_draft(self) -> bool:
        """True for ``status: draft``."""
        return self.status == "draft"

    @property
    def pdf_title(self) -> str:
        """The PDF's Title: the title, after "DRAFT: " on a draft."""
        return self.locale.draft_title(self.title) if self.is_draft else self.title

    @property
    def draft_marking(self) -> str:
        """ "DRAFT — NOT FOR RELEASE", in the sheet's language."""
        return self.locale.translate(DRAFT_MARKING)

    @property
    def draft_watermark(self) -> str:
        """ "DRAFT", the watermark's word, in the sheet's language."""
        return self.locale.translate(DRAFT_WATERMARK)

    @property
    def printed_embargo(self) -> str | None:
        """ "Embargoed until 10:00 a.m. EST, December 1, 2026" (set in capitals)."""
        return self.locale.embargo(self.embargo) if self.embargo else None

    @property
    def printed_updated(self) -> str | None:
        """ "Updated December 3, 2026"."""
        return self.locale.updated(self.updated) if self.updated else None

    @property
    def delivery_line(self) -> str | None:
        """Remarks: "As Prepared for Delivery" or "As Delivered"."""
        if self.delivery is None:
            return None
        return self.locale.translate(AS_PREPARED if self.delivery == "prepared" else AS_DELIVERED)

    @property
    def printed_translation_notice(self) -> str | None:
        """ "This is a translation of the original English text…", when asked for."""
        if not (self.translation_of and self.translation_notice):
            return None
        return self.locale.translate(TRANSLATION_NOTICE)

    @property
    def modified(self) -> datetime.date:
        """The PDF's modification date: ``updated``, else ``date``."""
        return self.updated or self.date

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
    source = read_text_file(path)
    front, body, body_line = split_front_matter(source, path)
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

    words = _issuer_words(site, lang)
    if words.missing and not (settings["agency"] and settings["tagline"]):
        collector.warnings.append(
            Problem(
                site.config_path,
                None,
                f"no `translations: {lang}:` agency and tagline: sheets in `{lang}` print "
                "them in English",
                Severity.WARNING,
            )
        )

    def line_of(name: str) -> int:
        given = values.get(name) if values else None
        return given.line if given else 1

    layout = settings["layout"]
    layouts = site.layouts()
    if layout in layouts:
        kind = site.layout(layout)
        _apply_layout_defaults(settings, kind, locale)
        for name in kind.requires:
            if name not in settings:
                raise FactsheetError(
                    kind.path, None, f"`requires`: `{name}` is not a front-matter field"
                )
            # A value given but wrong is reported as such, at its own line.
            if name not in (values or {}) and settings.get(name) in (None, (), ""):
                collector.add(
                    line_of("layout"),
                    f"field `{name}`: a `{layout}` sheet must give it",
                )
    else:
        known = ", ".join(layouts) or "none"
        collector.add(
            line_of("layout"),
            f"field `layout`: no layout {layout!r} in templates/layouts/ (layouts: {known})",
        )
    if settings["translation_of"]:
        _check_original(path, settings, line_of("translation_of"), collector)
    if settings["updated"] and settings["date"] and settings["updated"] < settings["date"]:
        collector.add(
            line_of("updated"),
            f"field `updated`: {settings['updated']} is before the sheet's date {settings['date']}",
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
        agency=settings["agency"] or words.agency or locale.agency,
        tagline=settings["tagline"] or words.tagline or locale.tagline,
        end_mark=bool(settings["end_mark"]),
        columns=settings["columns"] or 1,
    )
    issuers = _issuers(settings, site, locale, collector, line_of)
    marking = locale.translate(DRAFT_MARKING) if settings["status"] == "draft" else None
    if marking is None and settings["embargo"]:
        marking = locale.embargo(settings["embargo"])
    header_title = settings["short_title"] or settings["title"]
    fonts = site.templates_dir / "fonts"
    shortened = running_title(header_title, settings["agency"], site.paper, fonts)
    if shortened != header_title:
        name = "short_title" if settings["short_title"] else "title"
        collector.warn(
            line_of(name),
            f"the {name} is too long for the running header's one line and is shortened there "
            f"to “{shortened}”; a `short_title` would read better",
        )
    sheet = Sheet(
        path=path,
        locale=locale,
        disclaimer=words.disclaimer or locale.disclaimer,
        issuers=issuers,
        # A draft's or an embargo's marking takes the title's place in the running header.
        running_title=(
            running_title(marking.upper(), settings["agency"], site.paper, fonts, MARKING_FONT)
            if marking
            else shortened
        ),
        header_marking=marking,
        field_lines={name: given.line for name, given in (values or {}).items()},
        source=source,
        body=body,
        body_line=body_line,
        **settings,
    )
    return sheet, collector


def _check_original(
    path: Path, settings: dict[str, Any], line: int, collector: ProblemCollector
) -> None:
    """The original of a translation exists, and is not newer than the translation."""
    name = str(settings["translation_of"]).removesuffix(".md")
    original = path.parent / f"{name}.md"
    if "/" in name or "\\" in name or name in ("", ".", "..") or original == path:
        collector.add(line, f"field `translation_of`: {name!r} is not another sheet's name")
        return
    if not original.is_file():
        collector.add(line, f"field `translation_of`: no sheet {display_path(original)}")
        return
    try:
        front, _, _ = split_front_matter(read_text_file(original), original)
        values, _ = fields.read_mapping(front, original, 1, "front matter")
    except FactsheetError:
        return  # the original's own check reports it
    revised = [
        value
        for value in (
            fields.iso_date_or_none(values, "date"),
            fields.iso_date_or_none(values, "updated"),
        )
        if value is not None
    ]
    own = [value for value in (settings["date"], settings["updated"]) if value is not None]
    if revised and own and max(revised) > max(own):
        collector.warn(
            line,
            f"the original {display_path(original)} was revised on {max(revised)}, after this "
            f"translation ({max(own)}): the translation may be out of date",
        )


@dataclass(frozen=True)
class IssuerWords:
    """The agency, tagline and disclaimer a sheet's language gets from the site settings."""

    agency: str | None
    tagline: str | None
    disclaimer: str | None
    # A language other than the site's with no `translations` entry for it.
    missing: bool = False


def _issuer_words(site: Site, lang: str) -> IssuerWords:
    """The site's words for ``lang``: its own in the site's language, else the `translations`
    entry; without one, the English agency and tagline and the catalog's disclaimer."""
    if lang.split("-", maxsplit=1)[0].lower() == site.lang.split("-")[0].lower():
        return IssuerWords(site.agency, site.tagline, site.disclaimer)
    translation = site.translation(lang)
    if translation is None:
        return IssuerWords(site.agency, site.tagline, None, missing=True)
    return IssuerWords(
        translation.agency or site.agency,
        translation.tagline or site.tagline,
        translation.disclaimer,
        missing=not (translation.agency and translation.tagline),
    )


def _apply_layout_defaults(settings: dict[str, Any], layout: Layout, locale: Locale) -> None:
    """Give the fields the sheet leaves out its layout's defaults; texts in its language."""
    declared = {field.name: field for field in fields.declared_fields(FrontMatter)}
    for name, value in layout.defaults.items():
        if name not in declared or name in ("title", "date", "layout"):
            raise FactsheetError(
                layout.path, None, f"`defaults`: `{name}` is not a field a layout can set"
            )
        if settings[name] not in (None, ()):
            continue
        try:
            converted = declared[name].convert(value)
        except ValueError as error:
            raise FactsheetError(layout.path, None, f"`defaults`: `{name}`: {error}") from None
        settings[name] = locale.translate(converted) if isinstance(converted, str) else converted


def _issuers(
    settings: dict[str, Any],
    site: Site,
    locale: Locale,
    collector: ProblemCollector,
    line_of: Callable[[str], int],
) -> tuple[Issuer, ...]:
    """The sheet's own issuer (its agency and emblem), then a joint statement's partners."""
    emblem = settings["emblem"] or site.emblem
    for problem in emblem_problems(site, emblem) if settings["emblem"] else ():
        collector.add(line_of("emblem"), f"field `emblem`: {problem}")
    own = Issuer(
        name=settings["agency"],
        emblem=site.root / emblem,
        emblem_alt=settings["emblem_alt"] or site.emblem_alt,
    )
    partners = []
    for partner in settings["partners"]:
        path = None
        if partner.emblem:
            for problem in emblem_problems(site, partner.emblem):
                collector.add(line_of("partners"), f"field `partners`: {partner.name}: {problem}")
            path = site.root / partner.emblem
        alt = partner.emblem_alt or locale.emblem_of(partner.name)
        partners.append(Issuer(name=partner.name, emblem=path, emblem_alt=alt))
    return (own, *partners)


def load_sheet(path: Path, site: Site) -> Sheet:
    """Read and validate one content file, raising every front-matter problem at its line."""
    sheet, collector = read_sheet(path, site)
    collector.raise_if_any()
    return sheet
