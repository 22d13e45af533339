"""Stage 2: turn a sheet's Markdown body into print HTML, as markdown-it-py plugins.

CommonMark with GFM tables, footnotes, image attributes and smart typography (markdown-it-py
and mdit-py-plugins). Raw HTML is never passed through: it is printed as text. The work is
split as markdown-it itself splits it: a plugin is a function that registers core rules (which
rewrite the token stream) and render rules (which print tokens), and the state of one document
lives in ``env`` (a :class:`DocumentState`):

- :mod:`.chunks` cuts long runs of text before the typographer (which is quadratic on them);
- :mod:`.tables` marks columns of figures, totals rows, captions and source lines;
- :mod:`.addresses` keeps a link whose text is its address from the typographer, and says how
  addresses are compared and printed;
- :mod:`.lint` checks the token stream, records every problem at its line, and puts the sheet's
  links, images, headings, footnotes and blocks on the :class:`Body`;
- :mod:`.boxes` sets off `::: box Key facts` containers;
- :mod:`.endmark` takes a `# # #` line as the end mark, not a heading;
- :mod:`.figures` makes a lone image with a title or a size a figure with its caption;
- :mod:`.notes` turns links and footnotes into notes printed at the foot of the page (a link's
  address on paper, the external-link disclaimer once);
- :mod:`.linebreaks` keeps phone numbers, amounts, dates and a paragraph's short last word
  on one line;
- :mod:`.columns` groups the running text of a two-column sheet between what spans the page;
- :mod:`.renderer` prints the tokens as HTML, and nothing else;
- :mod:`.contact` prints the front matter's `contact:` lines (plain text, not Markdown).

A new Markdown construct or content rule is a new plugin module, added to :data:`PLUGINS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from ..config import Site
from ..content import Sheet
from ..errors import ProblemCollector
from ..locale import Locale
from . import (
    addresses,
    boxes,
    chunks,
    columns,
    endmark,
    figures,
    linebreaks,
    lint,
    notes,
    tables,
)
from .contact import render_contact
from .renderer import PrintRenderer
from .state import Block, Body, DocumentState, Footnote, Heading, Link

__all__ = ["Block", "Body", "Footnote", "Heading", "Link", "new_parser", "parser", "render_body"]

# In the order their core rules run, after markdown-it's own.
PLUGINS: tuple[Callable[[MarkdownIt], None], ...] = (
    boxes.boxes_plugin,
    endmark.endmark_plugin,
    chunks.chunks_plugin,
    tables.tables_plugin,
    addresses.addresses_plugin,
    lint.lint_plugin,
    figures.figures_plugin,
    notes.notes_plugin,
    linebreaks.linebreaks_plugin,
    columns.columns_plugin,
)


def new_parser(locale: Locale) -> MarkdownIt:
    """A CommonMark parser with tables, footnotes, image attributes and the locale's quotes."""
    parser = MarkdownIt(
        "commonmark",
        {"typographer": True, "html": False, "quotes": locale.quotes},
        renderer_cls=PrintRenderer,
    )
    parser.enable(["table", "replacements", "smartquotes"])
    parser.use(footnote_plugin)
    # Nothing is applied as given: the lint pass reads what was written (kept by the plugin in
    # the token's meta) and accepts only what the print renderer supports.
    parser.use(attrs_plugin, after=("image",), allowed=())
    # markdown-it silently turns links with schemes such as file: or javascript: back into
    # text; accept them here so that the lint pass can report them as errors.
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    for plugin in PLUGINS:
        parser.use(plugin)
    return parser


def render_body(sheet: Sheet, site: Site) -> Body:
    """Render ``sheet``'s Markdown body to print HTML, or raise every problem found in it.

    Warnings are left on the returned body's ``warnings``.
    """
    collector = ProblemCollector(sheet.path)
    state = DocumentState(sheet=sheet, site=site, collector=collector)
    env: dict[str, Any] = {DocumentState.KEY: state}
    markdown = parser(sheet.locale)
    tokens = markdown.parse(sheet.body, env)
    html = markdown.renderer.render(tokens, markdown.options, env)
    collector.raise_if_any()
    state.body.html = html
    state.body.contact_html = render_contact(sheet.contact, sheet.locale)
    state.body.warnings.extend(collector.warnings)
    return state.body


_parsers: dict[str, MarkdownIt] = {}


def parser(locale: Locale) -> MarkdownIt:
    """The parser of a language, made once: it holds no per-document state (that is in env)."""
    if locale.tag not in _parsers:
        _parsers[locale.tag] = new_parser(locale)
    return _parsers[locale.tag]
