"""Two columns (`columns: 2`): the body's running text in two balanced columns.

WeasyPrint 70 does not span a table across a multi-column container (``column-span: all`` is
not applied to it), and a long multi-column body can push the title off its page. So the
columns are made here instead: each run of top-level blocks between two blocks that span the
page (a section heading, a table with its source line, a figure) becomes a
``<div class="column-group">``, which the stylesheet sets in two columns. Notes are page
floats and stay full width at the foot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .state import DocumentState

GROUP_OPEN = "column_group_open"
GROUP_CLOSE = "column_group_close"


def columns_plugin(md: MarkdownIt) -> None:
    """Register the grouping rule (last of the core chain) and how groups render."""
    md.core.ruler.push("factsheet_columns", columns_rule)
    md.add_render_rule(GROUP_OPEN, render_group)
    md.add_render_rule(GROUP_CLOSE, render_group)


def columns_rule(state: StateCore) -> None:
    """Wrap each run of column blocks of a two-column sheet in a column group."""
    if DocumentState.of(state.env).sheet.columns != 2:
        return
    output: list[Token] = []
    in_group = False
    for block in _top_level_blocks(state.tokens):
        spans = _spans_the_page(block)
        if spans and in_group:
            output.append(Token(GROUP_CLOSE, "div", -1))
            in_group = False
        elif not spans and not in_group:
            output.append(Token(GROUP_OPEN, "div", 1))
            in_group = True
        output.extend(block)
    if in_group:
        output.append(Token(GROUP_CLOSE, "div", -1))
    state.tokens = output


def render_group(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """``<div class="column-group">`` or its end."""
    return '<div class="column-group">\n' if tokens[idx].nesting == 1 else "</div>\n"


def _top_level_blocks(tokens: list[Token]) -> list[list[Token]]:
    """The tokens grouped by top-level block (an opening token to its closing one)."""
    blocks: list[list[Token]] = []
    depth = 0
    for token in tokens:
        if depth == 0:
            blocks.append([])
        blocks[-1].append(token)
        depth += token.nesting
    return blocks


def _spans_the_page(block: list[Token]) -> bool:
    first = block[0]
    if first.type == "heading_open":
        return first.tag == "h2"
    if first.type == "table_open":
        return True
    if first.type == "paragraph_open":
        # A table's source line goes with its table; a figure is wider than a column.
        if "table-source" in str(first.attrGet("class") or ""):
            return True
        inline = block[1] if len(block) > 1 else None
        return bool(inline and any(child.meta.get("figure") for child in inline.children or []))
    return False
