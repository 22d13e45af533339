"""Output profiles: what a build produces and where it goes.

One :class:`OutputProfile` says everything about a build's output that is not in a sheet: the
paper, the PDF variant, bleed and crop marks, the output folder and the file name. It owns the
output path of every sheet, gives the CSS that the page needs from it (as data, escaped for
CSS), and is part of the manifest key, so that a change of profile rebuilds. A new kind of
output (a print shop's, say) is a new entry in :data:`PROFILES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import PAPER_SIZES, Site
from .locale import Locale

DEFAULT_PROFILE = "screen"
PRINT_PROFILE = "print"
# A print shop's trim: an eighth of an inch of bleed on each side (9 pt), crop marks beyond it.
PRINT_BLEED = "0.125in"
PRINT_VARIANT = "pdf/x-4"
# CLDR numbering systems and the CSS counter styles (WeasyPrint's predefined ones) that write
# them; "latn" is CSS's decimal.
COUNTER_STYLES = {
    "arab": "arabic-indic",
    "arabext": "persian",
    "deva": "devanagari",
    "beng": "bengali",
    "thai": "thai",
}


@dataclass(frozen=True)
class OutputProfile:
    """What one build writes: the paper, the PDF flavour, the marks, and where files go."""

    name: str
    out_dir: Path
    paper: str
    pdf_variant: str
    # Subfolder of ``out_dir`` for this profile's files; "" writes into ``out_dir`` itself.
    subfolder: str = ""
    bleed: str | None = None
    marks: str | None = None
    # Stylesheets of templates/ this profile adds after the layout's (by file name).
    stylesheets: tuple[str, ...] = ()

    @property
    def for_press(self) -> bool:
        """Whether this profile's PDFs go to a print shop (PDF/X in CMYK, with bleed)."""
        return self.pdf_variant.startswith("pdf/x-")

    def output_path(self, sheet_name: str, suffix: str = ".pdf") -> Path:
        """Where the file of the sheet named ``sheet_name`` is written."""
        return self.folder / f"{sheet_name}{suffix}"

    def site_path(self, sheet_name: str, suffix: str = ".html") -> Path:
        """Where the web version (``factsheet html``) writes a sheet's page, or its PDF."""
        return self.folder / "html" / f"{sheet_name}{suffix}"

    @property
    def folder(self) -> Path:
        """The folder this profile writes into (its manifest lives there too)."""
        return self.out_dir / self.subfolder if self.subfolder else self.out_dir

    @property
    def page_size(self) -> str:
        """The CSS ``@page size`` of the paper."""
        return PAPER_SIZES[self.paper]

    @property
    def fingerprint(self) -> str:
        """Everything about the profile that shapes a file's bytes, for the manifest key."""
        return (
            f"profile {self.name} paper {self.paper} variant {self.pdf_variant} "
            f"bleed {self.bleed} marks {self.marks} stylesheets {self.stylesheets}"
        )

    def page_css(self, locale: Locale) -> str:
        """The ``@page`` rules this profile and the sheet's language add to the stylesheets.

        Every value is written as a CSS string or keyword by :func:`css_string`, never pasted
        into a template: a word with a quote or backslash prints as itself.
        """
        numbering = locale.page_numbering
        # Page numbers in the language's own digits (CLDR's default numbering system).
        style = COUNTER_STYLES.get(locale.numbering)
        page, pages = (
            (f"counter(page, {style})", f"counter(pages, {style})")
            if style
            else ("counter(page)", "counter(pages)")
        )
        parts = (
            css_string(numbering.before) if numbering.before else "",
            page,
            css_string(numbering.between) if numbering.between else "",
            pages,
            css_string(numbering.after) if numbering.after else "",
        )
        footer = " ".join(part for part in parts if part)
        rules = [f"size: {self.page_size};"]
        if self.bleed:
            rules.append(f"bleed: {self.bleed};")
        if self.marks:
            rules.append(f"marks: {self.marks};")
        # On the side where a line of the language ends: the left, right to left.
        side = "left" if locale.direction == "rtl" else "right"
        rules.append(f"@bottom-{side} {{ content: {footer}; }}")
        return "@page {\n  " + "\n  ".join(rules) + "\n}\n"


def css_string(text: str) -> str:
    """``text`` as a double-quoted CSS string that means exactly ``text``.

    Quotes and backslashes are escaped, and so are ``<`` and ``&``, so that the string is also
    safe inside an HTML ``<style>`` element.
    """
    escaped = []
    for char in text:
        if char in '"\\<>&' or not char.isprintable():
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def screen_profile(site: Site, out_dir: Path, pdf_variant: str) -> OutputProfile:
    """Today's PDFs: the site's paper, tagged PDF/UA by default, straight into ``out_dir``."""
    return OutputProfile(
        name=DEFAULT_PROFILE, out_dir=out_dir, paper=site.paper, pdf_variant=pdf_variant
    )


def print_profile(site: Site, out_dir: Path, pdf_variant: str) -> OutputProfile:
    """A print shop's PDFs: PDF/X-4 in CMYK with its output intent, 0.125 in of bleed and crop
    marks, in ``print/`` under ``out_dir`` (``pdf_variant`` does not apply: it is PDF/X-4)."""
    del pdf_variant
    return OutputProfile(
        name=PRINT_PROFILE,
        out_dir=out_dir,
        paper=site.paper,
        pdf_variant=PRINT_VARIANT,
        subfolder="print",
        bleed=PRINT_BLEED,
        # Drawn by factsheet.press outside the bleed, in registration colour: WeasyPrint's
        # are RGB and inside the bleed.
        marks=None,
        stylesheets=("print.css",),
    )


PROFILES = {DEFAULT_PROFILE: screen_profile, PRINT_PROFILE: print_profile}


def build_profile(
    site: Site,
    *,
    name: str | None = None,
    out_dir: Path | None = None,
    pdf_variant: str | None = None,
) -> OutputProfile:
    """The profile ``name`` (default: the site's ``profile``) for ``site``, with the command
    line's folder and variant if given."""
    return PROFILES[name or site.profile](
        site, out_dir or site.root / "dist", pdf_variant or site.pdf_variant
    )
