"""Stage 0: read the site settings (``factsheet.yaml``) into a :class:`Site`.

The folder holding ``factsheet.yaml`` is the project: its ``templates/`` and ``content/``
folders are the only places a build reads from. Each setting is declared once, in
:class:`SiteSettings`: the validator, the typed :class:`Site`, the README's table and the JSON
Schema (``factsheet schema --site``) all come from that declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import fields
from .errors import FactsheetError, ProblemCollector
from .fields import declare
from .files import read_text_file
from .layouts import Layout, layout_names, load_layout
from .locale import with_script
from .svg import svg_inputs

CONFIG_NAME = "factsheet.yaml"

PDF_VARIANTS = ("pdf/ua-1", "pdf/ua-2", "pdf/a-2u", "pdf/a-3u", "pdf/a-2a", "pdf/a-3a", "none")
# Paper names and their CSS page sizes.
PAPER_SIZES = {"letter": "8.5in 11in", "legal": "8.5in 14in", "a4": "210mm 297mm"}
LINK_NOTES = ("footnotes", "endnotes")
OUTPUT_PROFILES = ("screen", "print")


@dataclass(frozen=True)
class Translation:
    """The issuer's words in one language: what a sheet in that language prints."""

    agency: str | None = None
    tagline: str | None = None
    disclaimer: str | None = None


_TRANSLATED = ("agency", "tagline", "disclaimer")


def _translations(value: Any) -> dict[str, Translation]:
    """A mapping of language tags to ``agency``, ``tagline`` and ``disclaimer`` texts."""
    example = "{es: {agency: Departamento de Estado, tagline: Diplomacia en acción}}"
    if not isinstance(value, dict):
        raise ValueError(f"expected languages and their words, such as {example}")
    result = {}
    for language, words in value.items():
        tag = fields.language_tag(language)
        if not isinstance(words, dict):
            raise ValueError(f"{tag}: expected agency, tagline or disclaimer, such as {example}")
        unknown = [str(key) for key in words if key not in _TRANSLATED]
        if unknown:
            raise ValueError(
                f"{tag}: unknown field `{unknown[0]}` (known: agency, tagline, disclaimer)"
            )
        try:
            checked = {key: fields.text(text) for key, text in words.items()}
        except ValueError as error:
            raise ValueError(f"{tag}: {error}") from None
        result[tag.lower()] = Translation(**checked)
    return result


TRANSLATIONS = fields.Kind(
    _translations,
    {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "properties": {key: {"type": "string", "minLength": 1} for key in _TRANSLATED},
            "additionalProperties": False,
        },
    },
)


@dataclass(frozen=True, kw_only=True)
class SiteSettings:
    """The fields of ``factsheet.yaml``, each declared once."""

    agency: str | None = declare(
        fields.TEXT,
        "Printed in capitals in the masthead; the PDF Author.",
        shown_default="U.S. Department of State (in the sheet's language)",
    )
    tagline: str | None = declare(
        fields.TEXT,
        "Printed under the agency name in small letter-spaced capitals.",
        shown_default="Diplomacy in Action (in the sheet's language)",
    )
    emblem: str = declare(
        fields.TEXT,
        "Masthead emblem (SVG, PNG, JPEG), a path relative to the project that must lie inside "
        "`templates/` or `content/`. The shipped one is a neutral placeholder, not an official "
        "seal.",
        default="templates/emblem.svg",
    )
    emblem_alt: str = declare(
        fields.TEXT, "The emblem's text for screen readers.", default="Emblem"
    )
    disclaimer: str | None = declare(
        fields.TEXT,
        "The external-link disclaimer, printed once per sheet as a footnote.",
        shown_default='"Links to non-U.S. Government Internet sites should not be construed '
        'as an endorsement of those sites or the information contained therein." (in the '
        "sheet's language)",
    )
    government_domains: tuple[str, ...] = declare(
        fields.TEXT_LIST,
        "Extra domains counted as U.S. Government besides `.gov`, `.mil`, `.fed.us`.",
        default=(),
    )
    paper: str = declare(
        fields.one_of(*PAPER_SIZES), "`letter`, `legal` or `a4`.", default="letter"
    )
    lang: str = declare(
        fields.LANGUAGE_TAG, "Language of sheets that do not set `lang`.", default="en"
    )
    translations: Mapping[str, Translation] | None = declare(
        TRANSLATIONS,
        "The issuer's words in other languages, by language tag: `{es: {agency: Departamento "
        "de Estado de los Estados Unidos, tagline: Diplomacia en acción}}` (and `disclaimer`). "
        "A sheet in another language than `lang` prints these; where a language has none, "
        "`agency` and `tagline` stay in English (`check` warns, once per language), and the "
        "disclaimer comes from the language's message catalog.",
        shown_default="none",
    )
    max_pages: int | None = declare(fields.POSITIVE_INT, "Default page budget.")
    link_notes: str = declare(
        fields.one_of(*LINK_NOTES),
        "Where printed addresses go, unless a sheet sets `link_notes`: `footnotes` (at the foot "
        'of the page citing them) or `endnotes` (gathered under a "Links" heading at the '
        "end: for link-heavy sheets).",
        default="footnotes",
    )
    pdf_variant: str = declare(
        fields.one_of(*PDF_VARIANTS),
        ", ".join(f"`{variant}`" for variant in PDF_VARIANTS[:-1]) + f" or `{PDF_VARIANTS[-1]}`.",
        default="pdf/ua-1",
    )
    profile: str = declare(
        fields.one_of(*OUTPUT_PROFILES),
        "What `pdf` makes unless `--profile` says otherwise: `screen` (tagged PDFs in `dist/`, "
        "for the office printer and the web) or `print` (PDF/X-4 in CMYK with bleed and crop "
        "marks, in `dist/print/`, for a print shop).",
        default="screen",
    )


@dataclass(frozen=True, kw_only=True)
class Site(SiteSettings):
    """Site-wide settings, validated, with the project folder they came from."""

    root: Path

    @property
    def config_path(self) -> Path:
        """The settings file."""
        return self.root / CONFIG_NAME

    @property
    def templates_dir(self) -> Path:
        """Templates, stylesheets, fonts and emblem."""
        return self.root / "templates"

    @property
    def content_dir(self) -> Path:
        """The default folder of content files."""
        return self.root / "content"

    @property
    def emblem_path(self) -> Path:
        """The emblem file."""
        return self.root / self.emblem

    @property
    def readable_dirs(self) -> tuple[Path, ...]:
        """The only folders a build reads from (symbolic links resolved)."""
        return (self.templates_dir.resolve(), self.content_dir.resolve())

    def is_readable(self, path: Path) -> bool:
        """True when ``path`` (symbolic links followed) lies in one of ``readable_dirs``."""
        real = path.resolve()
        return any(real.is_relative_to(folder) for folder in self.readable_dirs)

    def translation(self, lang: str) -> Translation | None:
        """The issuer's words for a language tag, if given: by the whole tag (``pt-br``), the
        language and its script (``zh-hant`` for ``zh-TW``), or the language (``pt``)."""
        translations = self.translations or {}
        subtags = lang.replace("_", "-").split("-")
        language = subtags[0].lower()
        for key in (lang.lower(), with_script(language, subtags).replace("_", "-"), language):
            if key.lower() in translations:
                return translations[key.lower()]
        return None

    def layouts(self) -> list[str]:
        """The names of the layouts in ``templates/layouts/`` (one template each)."""
        return layout_names(self.templates_dir)

    def layout(self, name: str) -> Layout:
        """The layout ``name``: its template, stylesheets and field defaults."""
        return load_layout(self.templates_dir, name)


def find_project_root(start: Path) -> Path:
    """Return the nearest folder at or above ``start`` that holds ``factsheet.yaml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise FactsheetError(None, None, f"no {CONFIG_NAME} in {start} or any folder above it")


def load_site(root: Path) -> Site:
    """Read and validate ``root/factsheet.yaml``, reporting every problem at its line."""
    path = root / CONFIG_NAME
    values, problems = fields.read_mapping(read_text_file(path), path, 0, CONFIG_NAME)
    collector = ProblemCollector(path)
    collector.extend(problems)
    settings = fields.validate(values, SiteSettings, collector, first_line=1)
    settings["government_domains"] = tuple(
        domain.lower().lstrip(".") for domain in settings["government_domains"]
    )
    site = Site(root=root.resolve(), **settings)
    emblem_field = values.get("emblem") if values else None
    line = emblem_field.line if emblem_field else None
    for problem in emblem_problems(site, site.emblem):
        collector.add(line, f"field `emblem`: {problem}")
    collector.raise_if_any()
    return site


def emblem_problems(site: Site, emblem: str) -> list[str]:
    """What is wrong with an emblem file named relative to the project (nothing: ``[]``).

    It must be a regular file inside ``templates/`` or ``content/``, and an SVG may draw only
    files inside them too.
    """
    path = site.root / emblem
    try:
        readable, exists = site.is_readable(path), path.is_file()
    except (ValueError, OSError, RuntimeError):
        # A NUL byte, a name too long for the file system, a link loop.
        return ["not a usable file name"]
    if not readable:
        return ["must be a file inside templates/ or content/"]
    if not exists:
        return [f"no file {emblem}"]
    if path.suffix.lower() != ".svg":
        return []
    return [
        f"the SVG draws {target[:80]!r}, which cannot be used: an SVG may draw only files "
        "inside content/ or templates/"
        for target in svg_inputs(path, site.readable_dirs).refused
    ]
