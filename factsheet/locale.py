"""The words the tool itself prints or speaks, in a sheet's language.

A :class:`Locale` is built from a sheet's ``lang`` (a BCP 47 tag). Dates come from Babel
(CLDR); the tool's own words (the default label, "Page N of M", a link's description for screen
readers, quotation marks, the default agency, tagline and disclaimer) come from a gettext
message catalog, ``factsheet/locales/<language>.po``. Adding a language is adding a catalog:
copy ``factsheet/locales/factsheet.pot`` to ``<language>.po`` and translate it. Catalogs are
compiled to ``.mo`` files by ``make`` (``python -m factsheet.locale``), and again whenever a
``.po`` file is newer than its ``.mo``.
"""

from __future__ import annotations

import contextlib
import datetime
import gettext
import io
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import babel

CATALOG_DIR = Path(__file__).parent / "locales"
# Zones whose abbreviation an English sheet prints for a time's UTC offset, Washington first:
# -05:00 is EST in winter, and CDT (Chicago) in summer, when Washington is -04:00.
US_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)
TEMPLATE_NAME = "factsheet.pot"
ENGLISH = "en"

# Message contexts of the entries that are settings rather than sentences.
QUOTES_CONTEXT = "quotation marks: double open, double close, single open, single close"
FIRST_DAY_CONTEXT = "date pattern for the first day of a month (CLDR syntax), or 'long'"


def _(message: str) -> str:
    """Mark ``message`` for the catalog template; it is translated where it is used."""
    return message


# The tool's own words, in English: the msgids of every catalog.
DEFAULT_LABEL = _("Fact Sheet")
PAGE_OF_PAGES = _("Page {page} of {pages}")
LINK_DESCRIPTION = _("Link to {address}")
LINKS_HEADING = _("Links")
DEFAULT_AGENCY = _("U.S. Department of State")
DEFAULT_TAGLINE = _("Diplomacy in Action")
DEFAULT_DISCLAIMER = _(
    "Links to non-U.S. Government Internet sites should not be construed as an endorsement "
    "of those sites or the information contained therein."
)
# The layouts' words (their `defaults` in templates/layouts/), listed here for the catalogs.
LAYOUT_WORDS = (
    _("Media Note"),
    _("Office of the Spokesperson"),
    _("Joint Statement"),
    _("Remarks"),
)
AS_PREPARED = _("As Prepared for Delivery")
AS_DELIVERED = _("As Delivered")
DRAFT_WATERMARK = _("DRAFT")
DRAFT_MARKING = _("DRAFT — NOT FOR RELEASE")
DRAFT_TITLE = _("DRAFT: {title}")
EMBARGO_MARKING = _("Embargoed until {time}, {date}")
UPDATED_ON = _("Updated {date}")
EMBLEM_OF = _("Emblem of {name}")
WEB_VERSION = _("Online version")
QR_CODE_OF = _("QR code for {address}")
BOOK_CONTENTS = _("Contents")
PDF_VERSION = _("Print version (PDF)")
WEB_SHEETS = _("Fact sheets")
BLANK_PAGE = _("This page intentionally left blank")
TRANSLATION_NOTICE = _(
    "This is a translation of the original English text, which is authoritative."
)
ENGLISH_QUOTES = "“ ” ‘ ’"
# The digits of the CLDR numbering systems other than "latn" that a sheet's language may use.
DIGITS = {
    "arab": "٠١٢٣٤٥٦٧٨٩",
    "arabext": "۰۱۲۳۴۵۶۷۸۹",
    "deva": "०१२३४५६७८९",
    "beng": "০১২৩৪৫৬৭৮৯",
    "thai": "๐๑๒๓๔๕๖๗๘๙",
}
CLDR_LONG_DATE = "long"
MESSAGES = (DEFAULT_LABEL, PAGE_OF_PAGES, LINK_DESCRIPTION, DEFAULT_AGENCY, DEFAULT_TAGLINE)


@dataclass(frozen=True)
class PageNumbering:
    """ "Page N of M" split around its two numbers, for a CSS ``content`` value."""

    before: str
    between: str
    after: str


@dataclass(frozen=True)
class Locale:
    """Everything language-dependent that the tool prints or speaks for one sheet."""

    tag: str
    catalog: gettext.NullTranslations
    has_catalog: bool
    cldr: babel.Locale
    # From the language itself, catalog or not: "ltr" or "rtl".
    direction: str = "ltr"
    # The digits the language writes numbers with (CLDR's default numbering system): "latn",
    # "arabext" (Persian), "arab", "deva"…
    numbering: str = "latn"

    def translate(self, message: str, context: str | None = None) -> str:
        """``message`` in this locale's language (English when the catalog lacks it)."""
        if context is None:
            return self.catalog.gettext(message)
        return self.catalog.pgettext(context, message)

    def format_date(self, date: datetime.date) -> str:
        """The date as a fact sheet prints it: ``June 11, 2010``, ``11 juin 2010``."""
        pattern = CLDR_LONG_DATE
        if date.day == 1:
            pattern = self.translate(CLDR_LONG_DATE, FIRST_DAY_CONTEXT)
        import babel.dates  # noqa: PLC0415 - lazy: a build with nothing to do never needs it

        # CLDR writes some spaces as U+202F NARROW NO-BREAK SPACE, which the bundled Latin
        # fonts lack: a no-break space keeps the meaning and has a glyph.
        printed = babel.dates.format_date(date, pattern, locale=self.cldr).replace("\u202f", "\xa0")
        return self.digits(printed)

    def digits(self, text: str) -> str:
        """``text`` with its digits 0-9 in the language's own (Persian: ۰-۹)."""
        own = DIGITS.get(self.numbering)
        return text.translate(str.maketrans("0123456789", own)) if own else text

    @property
    def default_label(self) -> str:
        """The label of a sheet that sets none: "Fact Sheet"."""
        return self.translate(DEFAULT_LABEL)

    @property
    def page_numbering(self) -> PageNumbering:
        """The words of the footer's "Page N of M"."""
        text = self.translate(PAGE_OF_PAGES)
        before, _, rest = text.partition("{page}")
        between, _, after = rest.partition("{pages}")
        return PageNumbering(before, between, after)

    def format_moment(self, moment: datetime.datetime) -> tuple[str, str]:
        """The time (with its zone) and the date of ``moment``, as printed: ``10:00 a.m. EST``
        and ``December 1, 2026`` in English. Both are read in the moment's own UTC offset."""
        import babel.dates  # noqa: PLC0415 - lazy: a build with nothing to do never needs it

        time = babel.dates.format_time(moment, "short", tzinfo=moment.tzinfo, locale=self.cldr)
        time = self.digits(time.replace("\u202f", "\xa0"))
        if self.cldr.language == ENGLISH:
            # The Department's style (and the AP's): "10:00 a.m.", not "10:00 AM".
            time = time.replace("AM", "a.m.").replace("PM", "p.m.")
        return f"{time}\xa0{self._zone_name(moment)}", self.format_date(moment.date())

    def _zone_name(self, moment: datetime.datetime) -> str:
        """A U.S. zone's abbreviation in English when the offset is one (``EST``, ``PDT``);
        else the offset from UTC in the language's own form (``UTC-05:00``)."""
        import babel.dates  # noqa: PLC0415

        if self.cldr.language == ENGLISH:
            offset = moment.utcoffset()
            for zone in US_ZONES:
                local = moment.astimezone(zoneinfo.ZoneInfo(zone))
                if local.utcoffset() == offset and local.tzname():
                    return str(local.tzname())
        return str(babel.dates.get_timezone_gmt(moment, "long", locale=self.cldr))

    def embargo(self, moment: datetime.datetime) -> str:
        """ "Embargoed until 10:00 a.m. EST, December 1, 2026" (the stylesheet sets capitals)."""
        time, date = self.format_moment(moment)
        return self.translate(EMBARGO_MARKING).replace("{time}", time).replace("{date}", date)

    def updated(self, date: datetime.date) -> str:
        """ "Updated December 3, 2026"."""
        return self.translate(UPDATED_ON).replace("{date}", self.format_date(date))

    def draft_title(self, title: str) -> str:
        """The PDF Title of a draft: "DRAFT: …"."""
        return self.translate(DRAFT_TITLE).replace("{title}", title)

    def emblem_of(self, name: str) -> str:
        """A partner's emblem described for screen readers: "Emblem of Japan"."""
        return self.translate(EMBLEM_OF).replace("{name}", name)

    def link_description(self, address: str) -> str:
        """What a screen reader says of a link: "Link to https://…"."""
        return self.translate(LINK_DESCRIPTION).replace("{address}", address)

    @property
    def quotes(self) -> list[str]:
        """Double open, double close, single open, single close quotation marks."""
        marks = self.translate(ENGLISH_QUOTES, QUOTES_CONTEXT).split(" ")
        return marks if len(marks) == 4 else ENGLISH_QUOTES.split(" ")

    @property
    def agency(self) -> str:
        """The agency name when the settings give none."""
        return self.translate(DEFAULT_AGENCY)

    @property
    def tagline(self) -> str:
        """The tagline when the settings give none."""
        return self.translate(DEFAULT_TAGLINE)

    @property
    def disclaimer(self) -> str:
        """The external-link disclaimer when the settings give none."""
        return self.translate(DEFAULT_DISCLAIMER)


def catalog_languages() -> list[str]:
    """The languages that have a message catalog (English needs none: it is the msgids)."""
    return sorted(path.stem for path in CATALOG_DIR.glob("*.po"))


@lru_cache(maxsize=64)
def locale_for(tag: str) -> Locale:
    """The locale of a BCP 47 tag: its catalog (by full tag, then language) and CLDR data."""
    subtags = tag.replace("_", "-").split("-")
    language = subtags[0].lower()
    # By full tag, then language and script (zh-TW is written in Traditional characters:
    # zh_Hant), then language alone.
    candidates = ["_".join([language, *subtags[1:]]), with_script(language, subtags), language]
    catalog: gettext.NullTranslations = gettext.NullTranslations()
    has_catalog = candidates[-1] == ENGLISH
    for candidate in dict.fromkeys(candidates):
        compiled = _compiled_catalog(candidate)
        if compiled is not None:
            catalog, has_catalog = gettext.GNUTranslations(io.BytesIO(compiled)), True
            break
    # Without a catalog every word is English, the date included: a sheet never mixes the two.
    # The direction of the text is the language's own either way.
    spoken = _cldr_locale(subtags)
    cldr = spoken if has_catalog else _cldr_locale([ENGLISH])
    return Locale(
        tag=tag,
        catalog=catalog,
        has_catalog=has_catalog,
        cldr=cldr,
        direction="rtl" if spoken.character_order == "right-to-left" else "ltr",
        numbering=str(getattr(cldr, "default_numbering_system", None) or "latn"),
    )


def with_script(language: str, subtags: list[str]) -> str:
    """``language_Script`` for a tag, from CLDR's likely subtags (``zh-TW`` → ``zh_Hant``)."""
    import babel.core  # noqa: PLC0415 - lazy: a build with nothing to do never needs it

    likely = babel.core.get_global("likely_subtags")
    key = "_".join([language, *subtags[1:]])
    full = str(likely.get(key) or likely.get(language) or language).split("_")
    scripts = [part for part in [*subtags[1:], *full[1:]] if len(part) == 4 and part.isalpha()]
    return f"{language}_{scripts[0].title()}" if scripts else language


def _cldr_locale(subtags: list[str]) -> babel.Locale:
    import babel  # noqa: PLC0415 - lazy: a build with nothing to do never needs it

    for candidate in ("_".join(subtags), subtags[0]):
        try:
            return babel.Locale.parse(candidate)
        except (ValueError, babel.UnknownLocaleError):
            continue
    return babel.Locale.parse(ENGLISH)


def _compiled_catalog(language: str) -> bytes | None:
    """The ``.mo`` bytes of a language's catalog, compiled anew when the ``.po`` is newer."""
    source = CATALOG_DIR / f"{language}.po"
    if not source.is_file():
        return None
    compiled = source.with_suffix(".mo")
    try:
        if compiled.stat().st_mtime_ns >= source.stat().st_mtime_ns:
            return compiled.read_bytes()
    except OSError:
        pass  # not compiled yet
    data = compile_catalog(source)
    # On a read-only installation the catalog compiled in memory is used as it is.
    with contextlib.suppress(OSError):
        _write_atomically(compiled, data)
    return data


def compile_catalog(source: Path) -> bytes:
    """Compile a ``.po`` catalog to ``.mo`` bytes (with Babel's reader and writer)."""
    from babel.messages import mofile, pofile  # noqa: PLC0415 - only when compiling

    with source.open("rb") as file:
        catalog = pofile.read_po(file, locale=source.stem)
    output = io.BytesIO()
    mofile.write_mo(output, catalog)
    return output.getvalue()


def _write_atomically(target: Path, data: bytes) -> None:
    from .files import atomic_output  # noqa: PLC0415 - files imports errors only

    with atomic_output(target) as temporary:
        temporary.write_bytes(data)


def compile_all() -> list[Path]:
    """Compile every catalog whose ``.mo`` is missing or older; return the ``.mo`` paths."""
    return [
        CATALOG_DIR / f"{language}.mo"
        for language in catalog_languages()
        if _compiled_catalog(language) is not None
    ]


if __name__ == "__main__":
    compile_all()
