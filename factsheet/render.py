"""Stage 3: put a sheet and its rendered body into the HTML templates (Jinja2)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import __version__
from .config import Site
from .content import Sheet
from .errors import FactsheetError
from .markdown import Body

TEMPLATE = "factsheet.html"
STYLESHEET = "factsheet.css"
# How base.html links the stylesheet; the PDF stage recognises the link by it.
STYLESHEET_LINK = '<link rel="stylesheet" href="{url}">'


@dataclass(frozen=True)
class HtmlDocument:
    """The complete HTML a PDF is rendered from, with the base URL its links resolve against."""

    sheet: Sheet
    html: str
    base_url: str
    stylesheet_url: str = ""
    images: tuple[Path, ...] = ()
    decorative_images: tuple[Path, ...] = ()


@lru_cache(maxsize=8)
def template_environment(templates_dir: Path) -> jinja2.Environment:
    """A Jinja2 environment over the project's templates: autoescaped, strict about undefined."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def site_stylesheet_url(site: Site) -> str:
    """The ``file:`` URL of the project's stylesheet, as the templates link it."""
    return (site.templates_dir / STYLESHEET).as_uri()


def render_document(sheet: Sheet, body: Body, site: Site) -> HtmlDocument:
    """Render the full HTML document of ``sheet``."""
    environment = template_environment(site.templates_dir)
    stylesheet_url = site_stylesheet_url(site)
    try:
        template = environment.get_template(TEMPLATE)
        html = template.render(
            site=site,
            sheet=sheet,
            body_html=Markup(body.html),
            stylesheet_link=Markup(STYLESHEET_LINK.format(url=stylesheet_url)),
            emblem_url=site.emblem.as_uri(),
            generator=f"factsheet {__version__}",
        )
    except jinja2.TemplateSyntaxError as error:
        raise FactsheetError(
            error.filename or site.templates_dir, error.lineno, error.message or ""
        ) from None
    except jinja2.TemplateNotFound as error:
        raise FactsheetError(site.templates_dir, None, f"template {error.name} not found") from None
    except jinja2.UndefinedError as error:
        raise FactsheetError(
            site.templates_dir / TEMPLATE, None, f"template error: {error}"
        ) from None
    return HtmlDocument(
        sheet=sheet,
        html=html,
        base_url=site.templates_dir.as_uri() + "/",
        stylesheet_url=stylesheet_url,
        images=tuple(body.images),
        decorative_images=tuple(body.decorative_images),
    )
