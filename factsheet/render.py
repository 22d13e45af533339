"""Stage 3: put a sheet and its rendered body into its layout's HTML template (Jinja2).

A layout (:mod:`factsheet.layouts`) is a template in ``templates/layouts/`` that extends
``base.html`` and declares its stylesheets and field defaults. The stylesheets are listed on
the :class:`HtmlDocument`, for the PDF stage to apply pre-parsed; what the page needs from the
output profile and the locale (paper size, "Page N of M") is CSS generated from data
(:meth:`OutputProfile.page_css`), never pasted into a template.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from html import escape, unescape
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import __version__
from .config import Site
from .content import Sheet
from .errors import FactsheetError
from .layouts import template_environment
from .locale import PDF_VERSION, QR_CODE_OF, WEB_VERSION
from .markdown import Block, Body
from .profiles import OutputProfile
from .qr import qr_code_image
from .running_title import HeaderFont, text_width

WATERMARK_FONT = "PublicSans-Bold.ttf"
# The markings' red (factsheet.css), at least 4.5:1 on white.
MARKING_COLOUR = "#b50909"
# A tag of the rendered HTML (text never holds a "<": it is escaped).
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class HtmlDocument:
    """The complete HTML a PDF is rendered from, and what the PDF stage needs besides it."""

    sheet: Sheet
    html: str
    base_url: str
    # ``file:`` URLs of the layout's stylesheets, in the order they apply.
    stylesheets: tuple[str, ...] = ()
    # CSS made from data (paper size, the footer's words), applied after the stylesheets.
    page_css: str = ""
    images: tuple[Path, ...] = ()
    decorative_images: tuple[Path, ...] = ()
    # The body's blocks by line, to name where a page budget is exceeded.
    blocks: tuple[tuple[int, Block], ...] = ()

    @property
    def printed_text(self) -> str:
        """Every character the PDF prints: the document's text, and the page CSS's words."""
        text = unescape(_TAG.sub(" ", self.html))
        return text + " " + self.page_css


def web_version(sheet: Sheet) -> dict[str, str] | None:
    """The QR code and words of the web-address block, for a sheet with a ``url``."""
    if sheet.url is None:
        return None
    return {
        "image": qr_code_image(sheet.url),
        "alt": sheet.locale.translate(QR_CODE_OF).format(address=sheet.url),
        "label": sheet.locale.translate(WEB_VERSION),
    }


def render_document(
    sheet: Sheet, body: Body, site: Site, profile: OutputProfile, *, for_browser: bool = False
) -> HtmlDocument:
    """Render the full HTML document of ``sheet`` in its layout.

    ``for_browser`` links the stylesheets and the PDF (the web version); the page CSS, which
    only paper has a use for (page size, running header, page numbers), is left out. The PDF
    stage is given the stylesheets and the page CSS separately.
    """
    environment = template_environment(site.templates_dir)
    layout = site.layout(sheet.layout)
    stylesheets = tuple(path.as_uri() for path in layout.stylesheets) + tuple(
        (site.templates_dir / name).as_uri() for name in profile.stylesheets
    )
    page_css = profile.page_css(sheet.locale) + markings_css(sheet, site)
    name = layout.template
    try:
        template = environment.get_template(name)
        html = template.render(
            site=site,
            sheet=sheet,
            body_html=Markup(body.html),
            contact_html=Markup(body.contact_html),
            web_version=web_version(sheet),
            # The end mark after the body and contact block: written last, or the layout's.
            end_mark=body.end_mark == "last" or (sheet.end_mark and not body.end_mark),
            generator=f"factsheet {__version__}",
            stylesheet_links=stylesheets if for_browser else (),
            # The web version links its PDF, which sits beside it.
            pdf_link=profile.output_path(sheet.name).name if for_browser else "",
            pdf_words=sheet.locale.translate(PDF_VERSION),
        )
    except jinja2.TemplateSyntaxError as error:
        raise FactsheetError(
            error.filename or site.templates_dir, error.lineno, error.message or ""
        ) from None
    except jinja2.TemplateNotFound as error:
        raise FactsheetError(site.templates_dir, None, f"template {error.name} not found") from None
    except jinja2.UndefinedError as error:
        raise FactsheetError(site.templates_dir / name, None, f"template error: {error}") from None
    return HtmlDocument(
        sheet=sheet,
        html=html,
        base_url=site.templates_dir.as_uri() + "/",
        stylesheets=stylesheets,
        page_css=page_css,
        # The sheet's own emblems (in content/) are inputs too; templates/ is hashed whole.
        images=tuple(body.images)
        + tuple(issuer.emblem for issuer in sheet.issuers if issuer.emblem is not None),
        decorative_images=tuple(body.decorative_images),
        blocks=tuple(body.blocks.items()),
    )


def markings_css(sheet: Sheet, site: Site) -> str:
    """The ``@page`` rules of a marked sheet: its running header's marking (in the place of
    the title, on every page, the first too) set in the markings' red; a draft's diagonal
    watermark of the word "DRAFT" (in the sheet's language) behind every page. A page
    background, the watermark is drawn as an artifact: a screen reader does not read it; the
    marking above the title does say it."""
    rules = ""
    if sheet.header_marking:
        # The title's side of the header: the left, or the right in a right-to-left sheet.
        side = "right" if sheet.locale.direction == "rtl" else "left"
        rules += (
            # Important: a script's named page (scripts.css) styles that box too.
            f"@page {{ @top-{side} {{ color: {MARKING_COLOUR} !important; "
            "font-weight: 700 !important; letter-spacing: 0.06em !important; }}\n"
            # The first page, which has no running header otherwise, shows the marking too.
            f"@page :first {{ @top-{side} {{ content: string(title) !important; }} }}\n"
        )
    if not sheet.is_draft:
        return rules
    word = sheet.draft_watermark
    # Sized to run corner to corner of a square the width of the page, whatever the word.
    fonts = site.templates_dir / "fonts"
    measured = 400.0
    if (fonts / WATERMARK_FONT).is_file():
        measured = text_width(word, HeaderFont(WATERMARK_FONT, 100.0, 0.05), fonts) or measured
    size = min(260.0, 100.0 * 1100.0 / measured)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000" '
        'viewBox="0 0 1000 1000"><text x="500" y="500" transform="rotate(-45 500 500)" '
        'text-anchor="middle" dominant-baseline="central" font-family="Public Sans" '
        f'font-weight="700" font-size="{size:.0f}" letter-spacing="{size * 0.05:.1f}" '
        f'fill="#dfe1e2">{escape(word)}</text></svg>'
    )
    data = base64.b64encode(svg.encode()).decode()
    return rules + (
        "@page {\n  background: url(data:image/svg+xml;base64,"
        f"{data}) center / contain no-repeat;\n}}\n"
    )
