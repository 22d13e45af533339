"""Stage 3: put a sheet and its rendered body into its layout's HTML template (Jinja2).

A layout is a template in ``templates/layouts/`` that extends ``base.html`` and declares its
stylesheets with ``{% set stylesheets = ["factsheet.css", …] %}`` (paths relative to
``templates/``). Adding a kind of document is adding such a template (and its stylesheet): no
Python. The stylesheets are listed on the :class:`HtmlDocument`, for the PDF stage to apply
pre-parsed; what the page needs from the output profile and the locale (paper size, "Page N of
M") is CSS generated from data (:meth:`OutputProfile.page_css`), never pasted into a template.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2 import nodes
from markupsafe import Markup

from . import __version__
from .config import Site
from .content import Sheet
from .errors import FactsheetError
from .markdown import Block, Body
from .profiles import OutputProfile

# The variable a layout template sets to declare its stylesheets.
STYLESHEETS_VARIABLE = "stylesheets"


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


@lru_cache(maxsize=8)
def template_environment(templates_dir: Path) -> jinja2.Environment:
    """A Jinja2 environment over the project's templates: autoescaped, strict about undefined."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def layout_stylesheets(site: Site, layout: str) -> tuple[Path, ...]:
    """The stylesheet files a layout declares, checked to exist inside ``templates/``."""
    environment = template_environment(site.templates_dir)
    name = site.layout_template(layout)
    try:
        source, filename, _ = environment.loader.get_source(environment, name)  # type: ignore[union-attr]
    except jinja2.TemplateNotFound:
        raise FactsheetError(site.templates_dir, None, f"template {name} not found") from None
    declared = _declared_stylesheets(environment, source, filename or name)
    path = Path(filename or site.templates_dir / name)
    if not declared:
        raise FactsheetError(
            path,
            None,
            f"the layout declares no stylesheets: add {{% set {STYLESHEETS_VARIABLE} = "
            '["factsheet.css"] %}',
        )
    stylesheets = []
    for relative in declared:
        stylesheet = site.templates_dir / relative
        if not stylesheet.resolve().is_relative_to(site.templates_dir.resolve()):
            raise FactsheetError(path, None, f"stylesheet {relative!r} is outside templates/")
        if not stylesheet.is_file():
            raise FactsheetError(path, None, f"stylesheet {relative!r} not found in templates/")
        stylesheets.append(stylesheet)
    return tuple(stylesheets)


@lru_cache(maxsize=32)
def _declared_stylesheets(
    environment: jinja2.Environment, source: str, filename: str
) -> tuple[str, ...]:
    """The constant list a template assigns to ``stylesheets`` (read without rendering)."""
    try:
        tree = environment.parse(source, filename=filename)
    except jinja2.TemplateSyntaxError as error:
        raise FactsheetError(filename, error.lineno, error.message or "") from None
    for assignment in tree.find_all(nodes.Assign):
        target = assignment.target
        if isinstance(target, nodes.Name) and target.name == STYLESHEETS_VARIABLE:
            try:
                value = assignment.node.as_const()  # type: ignore[attr-defined]
            except nodes.Impossible:
                value = None
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise FactsheetError(
                    filename,
                    assignment.lineno,
                    f"`{STYLESHEETS_VARIABLE}` must be a list of file names, such as "
                    '["factsheet.css"]',
                )
            return tuple(value)
    return ()


def render_document(
    sheet: Sheet, body: Body, site: Site, profile: OutputProfile, *, for_browser: bool = False
) -> HtmlDocument:
    """Render the full HTML document of ``sheet`` in its layout.

    ``for_browser`` links the stylesheets and embeds the page CSS in the HTML itself, so that
    the file opens in a browser; the PDF stage is given them separately.
    """
    environment = template_environment(site.templates_dir)
    stylesheets = tuple(path.as_uri() for path in layout_stylesheets(site, sheet.layout))
    page_css = profile.page_css(sheet.locale)
    name = site.layout_template(sheet.layout)
    try:
        template = environment.get_template(name)
        html = template.render(
            site=site,
            sheet=sheet,
            body_html=Markup(body.html),
            emblem_url=site.emblem_path.as_uri(),
            generator=f"factsheet {__version__}",
            stylesheet_links=stylesheets if for_browser else (),
            # css_string() escapes < and &, so the CSS cannot end the <style> element.
            page_style=Markup(page_css) if for_browser else "",
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
        images=tuple(body.images),
        decorative_images=tuple(body.decorative_images),
        blocks=tuple(body.blocks.items()),
    )
