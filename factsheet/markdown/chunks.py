"""Long runs of text are cut into short tokens before the typographer, and joined after.

markdown-it's smart quotes rebuild a text token's whole string for every quote they curl: on a
paragraph of a million quotes that is quadratic (600 KB did not finish in a minute). The
typographer looks across tokens for the characters around a quote, so cutting a text token in
pieces changes nothing it prints; a cut is made only where no replacement (``--``, ``...``,
``(c)``) can span it. ``text_join`` joins the pieces again.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# Long enough that ordinary paragraphs are never cut.
PIECE = 512


def chunks_plugin(md: MarkdownIt) -> None:
    """Register the rule that cuts long text tokens, before the typographer's rules."""
    md.core.ruler.before("replacements", "factsheet_chunks", chunks_rule)


def chunks_rule(state: StateCore) -> None:
    """Cut every text token longer than :data:`PIECE` characters into pieces of that size."""
    for block in state.tokens:
        children = block.children
        if not children or not any(len(t.content) > PIECE for t in children if t.type == "text"):
            continue
        pieces: list[Token] = []
        for token in children:
            if token.type != "text" or len(token.content) <= PIECE:
                pieces.append(token)
                continue
            for content in _pieces(token.content):
                piece = Token("text", "", 0)
                piece.content = content
                piece.level = token.level
                pieces.append(piece)
        block.children = pieces


def _pieces(text: str) -> list[str]:
    """``text`` cut every :data:`PIECE` characters or so, where no replacement can span."""
    pieces, start = [], 0
    while len(text) - start > PIECE:
        cut = next((i for i in range(start + PIECE, len(text)) if _can_cut(text, i)), len(text))
        pieces.append(text[start:cut])
        start = cut
    if start < len(text):
        pieces.append(text[start:])
    return pieces


# The characters of the typographer's replacements: `--`, `...`, `+-`, `?!!!`, `,,`, `(c)`.
_REPLACED = frozenset("-.+?!,()")


def _can_cut(text: str, index: int) -> bool:
    """True when no replacement can span the boundary before ``text[index]``."""
    before, after = text[index - 1], text[index]
    return before.isspace() or (before not in _REPLACED and after not in _REPLACED)
