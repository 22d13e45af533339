"""Boxes: a fenced container sets off "Key facts" (or any heading) from the running text.

    ::: box Key facts
    - Population: 4.2 million
    :::

prints a shaded, ruled box with its heading, kept on one page where it fits (via
``mdit_py_plugins.container``). Its heading is one level below the section it is in (``h2``
before any section), so the headings of the sheet still skip no level; it is not a section of
the outline. The box is tagged ``Div`` with its heading, and marked as an aside
(``role="complementary"``) for a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from ..typography import typeset
from .state import DocumentState

BOX = "box"


def boxes_plugin(md: MarkdownIt) -> None:
    """Register `::: box Heading` … `:::` and how it renders."""
    container_plugin(md, BOX, render=render_box)


def render_box(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """The opening of a box (with its heading) or its closing."""
    token = tokens[idx]
    if token.nesting == -1:
        return "</div>\n"
    document = DocumentState.of(env)
    title = token.info.strip()[len(BOX) :].strip()
    level = token.meta.get("heading_level", 2)
    line = document.line_of(token.map, document.sheet.body_line)
    heading = ""
    if title:
        text = escape(typeset(title, document.sheet.locale))
        heading = f'<h{level} class="box-title">{text}</h{level}>'
    # A div with the role of an aside: WeasyPrint 70 tags a div as /Div (an aside would be an
    # untagged /NonStruct), the role keeps the meaning for the web version.
    return f'<div class="box" role="complementary" data-line="{line}">{heading}\n'
