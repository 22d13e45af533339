"""Figures: an image alone in its paragraph, with a title or a size, is a figure.

``![A clinic in Examplestan](clinic.jpg "Nurses at the Northern Clinic"){width=50% .right
credit="State Department photo"}`` prints the image at half the text width, floated right with
the text wrapping around it, its caption (the title) and credit below it, all kept on one page.
The figure is tagged as the image (``Figure``, with its alt text) and its caption (``Caption``).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from .state import DocumentState

FIGURE_META = ("width", "credit", "float")


def figures_plugin(md: MarkdownIt) -> None:
    """Register the rule that turns lone images with a title or size into figures."""
    md.core.ruler.before("block", "factsheet_percentages", percentages_rule)
    md.core.ruler.after("factsheet_lint", "factsheet_figures", figures_rule)


# `){… width=50% …}`: an attribute block right after an image or link.
_ATTRIBUTE_BLOCK = re.compile(r"\)\{[^{}\n]*\}")
_PERCENTAGE = re.compile(r"(\bwidth=)(\d{1,3}%)")


def percentages_rule(state: StateCore) -> None:
    """Quote `width=50%` in attribute blocks: the attribute syntax reads `%` as a comment."""
    state.src = _ATTRIBUTE_BLOCK.sub(
        lambda block: _PERCENTAGE.sub(r'\1"\2"', block.group(0)), state.src
    )


def figures_rule(state: StateCore) -> None:
    """Mark each such image a figure, and hide the paragraph around it."""
    document = DocumentState.of(state.env)
    tokens = state.tokens
    for index in range(1, len(tokens) - 1):
        inline = tokens[index]
        if inline.type != "inline" or tokens[index - 1].type != "paragraph_open":
            continue
        children = [
            child
            for child in inline.children or []
            if not (child.type in ("text", "softbreak") and not child.content.strip())
        ]
        if len(children) != 1 or children[0].type != "image":
            continue
        image = children[0]
        if not (image.attrGet("title") or any(name in image.meta for name in FIGURE_META)):
            continue
        image.meta["figure"] = True
        image.meta["line"] = document.line_of(tokens[index - 1].map, document.sheet.body_line)
        # A figure is a block of its own: no paragraph around it.
        tokens[index - 1].hidden = tokens[index + 1].hidden = True
