"""Stage 0: read the site settings (``factsheet.yaml``) into a :class:`Site`.

The folder holding ``factsheet.yaml`` is the project: its ``templates/`` and ``content/``
folders are the only places a build reads from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import fields
from .errors import FactsheetError, ProblemCollector
from .files import read_text_file

CONFIG_NAME = "factsheet.yaml"

PDF_VARIANTS = ("pdf/ua-1", "pdf/ua-2", "pdf/a-2u", "pdf/a-3u", "pdf/a-2a", "pdf/a-3a", "none")
PAPER_SIZES = {"letter": "8.5in 11in", "legal": "8.5in 14in", "a4": "210mm 297mm"}

DEFAULT_DISCLAIMER = (
    "Links to non-U.S. Government Internet sites should not be construed as an endorsement "
    "of those sites or the information contained therein."
)

SITE_FIELDS = (
    fields.Field(
        "agency",
        fields.text,
        default="U.S. Department of State",
        doc="Agency name, printed in capitals in the masthead; PDF Author.",
    ),
    fields.Field(
        "tagline",
        fields.text,
        default="Diplomacy in Action",
        doc="Printed under the agency name in small letter-spaced capitals.",
    ),
    fields.Field(
        "emblem",
        fields.text,
        default="templates/emblem.svg",
        doc="Masthead emblem image, relative to the project folder.",
    ),
    fields.Field(
        "emblem_alt",
        fields.text,
        default="Emblem",
        doc="Alternative text of the emblem for screen readers.",
    ),
    fields.Field(
        "disclaimer",
        fields.text,
        default=DEFAULT_DISCLAIMER,
        doc="External-link disclaimer, printed once per sheet as a footnote.",
    ),
    fields.Field(
        "government_domains",
        fields.text_list,
        default=(),
        doc="Extra domains counted as U.S. Government besides .gov, .mil, .fed.us.",
    ),
    fields.Field(
        "paper",
        fields.one_of(*PAPER_SIZES),
        default="letter",
        doc="Paper size: letter, legal or a4.",
    ),
    fields.Field(
        "lang", fields.language_tag, default="en", doc="Default language of the sheets (BCP 47)."
    ),
    fields.Field(
        "max_pages",
        fields.positive_int,
        default=None,
        doc="Default page budget of a sheet; none when absent.",
    ),
    fields.Field(
        "pdf_variant",
        fields.one_of(*PDF_VARIANTS),
        default="pdf/ua-1",
        doc="PDF flavour: " + ", ".join(PDF_VARIANTS) + ".",
    ),
)


@dataclass(frozen=True)
class Site:
    """Site-wide settings, validated, with the project folder they came from."""

    root: Path
    agency: str
    tagline: str
    emblem: Path
    emblem_alt: str
    disclaimer: str
    government_domains: tuple[str, ...]
    paper: str
    lang: str
    max_pages: int | None
    pdf_variant: str

    @property
    def config_path(self) -> Path:
        """The settings file."""
        return self.root / CONFIG_NAME

    @property
    def templates_dir(self) -> Path:
        """Templates, stylesheet, fonts and emblem."""
        return self.root / "templates"

    @property
    def content_dir(self) -> Path:
        """The default folder of content files."""
        return self.root / "content"

    @property
    def readable_dirs(self) -> tuple[Path, ...]:
        """The only folders a build reads from (symbolic links resolved)."""
        return (self.templates_dir.resolve(), self.content_dir.resolve())

    def is_readable(self, path: Path) -> bool:
        """True when ``path`` (symbolic links followed) lies in one of ``readable_dirs``."""
        real = path.resolve()
        return any(real.is_relative_to(folder) for folder in self.readable_dirs)

    @property
    def page_size(self) -> str:
        """The CSS ``@page size`` for the configured paper."""
        return PAPER_SIZES[self.paper]


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
    settings = fields.validate(values, SITE_FIELDS, collector, first_line=1)
    domains = tuple(domain.lower().lstrip(".") for domain in settings.pop("government_domains"))
    emblem = root.resolve() / settings.pop("emblem")
    site = Site(root=root.resolve(), emblem=emblem, government_domains=domains, **settings)
    emblem_field = values.get("emblem") if values else None
    line = emblem_field.line if emblem_field else None
    if not site.is_readable(emblem):
        collector.add(line, "field `emblem`: must be a file inside templates/ or content/")
    elif not emblem.is_file():
        collector.add(line, f"field `emblem`: no file {emblem.relative_to(site.root)}")
    collector.raise_if_any()
    return site
