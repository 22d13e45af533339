"""Tables of figures: numbers that never break, aligned right; captions, sources and totals.

A core rule over the GFM table tokens:

- a column whose body cells all hold a number, amount or percentage (``$1,250,000``,
  ``−3.5%``, ``1,457``, ``€12.4 million``; empty cells allowed) is a column of figures: its
  cells (header included) get the class ``num``, which the stylesheet aligns right, keeps on
  one line and sets in lining, tabular figures;
- a body row whose first cell is all bold (``| **Total** | … |``) is a totals row (``total``):
  a rule above it;
- a paragraph just before the table that starts ``Table:`` becomes its ``<caption>`` (printed
  above, tagged Caption); a paragraph just after it that starts ``Source:`` or ``Note:`` is its
  source line (``table-source``), kept on the page with the table.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

NUMBER = re.compile(
    r"^[(]?[−–+-]?\s*(?:US\$|[$€£¥]|USD|EUR)?\s*[−–+-]?\d[\d,.\u00a0\u202f ]*"
    r"(?:\s?(?:%|percent|million|billion|thousand|trillion|bn|m|k))?[)]?$",
    re.IGNORECASE,
)
# What a table of figures writes in an empty cell.
PLACEHOLDERS = frozenset({"—", "–", "-", "n/a", "N/A", "…"})
CAPTION = re.compile(r"^Table:\s*")
SOURCE = re.compile(r"^(Source|Sources|Note|Notes):", re.IGNORECASE)


def tables_plugin(md: MarkdownIt) -> None:
    """Register the rule that marks figures, totals, captions and sources (after inline)."""
    md.core.ruler.after("inline", "factsheet_tables", tables_rule)


def tables_rule(state: StateCore) -> None:
    """Find every table and mark it up."""
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        if tokens[index].type == "table_open":
            index = _mark_table(tokens, index)
        index += 1


# GFM's column alignment, physical, as the logical alignment it means: a `---:` column is
# aligned at the end of the line, which is the left in a right-to-left sheet.
LOGICAL_ALIGNMENT = {"text-align:left": "text-align:start", "text-align:right": "text-align:end"}


def _mark_table(tokens: list[Token], start: int) -> int:
    """Mark the table opening at ``start``; return the index of its ``table_close``."""
    end = next(i for i in range(start, len(tokens)) if tokens[i].type == "table_close")
    for token in tokens[start:end]:
        style = token.attrGet("style")
        if token.type in ("th_open", "td_open") and style in LOGICAL_ALIGNMENT:
            token.attrSet("style", LOGICAL_ALIGNMENT[str(style)])
    rows = _rows(tokens, start, end)
    if rows:
        header, *body = rows
        for column in range(len(header)):
            cells = [row[column] for row in body if column < len(row)]
            texts = [_text(tokens, cell) for cell in cells]
            texts = ["" if text in PLACEHOLDERS else text for text in texts]
            if any(texts) and all(not text or NUMBER.match(text) for text in texts):
                for row in rows:
                    if column < len(row):
                        tokens[row[column]].attrJoin("class", "num")
        for row in body:
            if row and _all_bold(tokens, row[0]):
                tokens[row[0] - 1].attrJoin("class", "total")  # the tr_open before it
    source = _paragraph_after(tokens, end)
    if source is not None and SOURCE.match(tokens[source + 1].content):
        tokens[source].attrJoin("class", "table-source")
    caption = _paragraph_before(tokens, start)
    if caption is not None and CAPTION.match(tokens[caption + 1].content):
        inline = tokens[caption + 1]
        _strip_prefix(inline, CAPTION)
        opening, closing = (
            Token("caption_open", "caption", 1),
            Token("caption_close", "caption", -1),
        )
        opening.map = tokens[caption].map
        # The paragraph's three tokens become the caption's, just after table_open (which
        # moves to where the paragraph began): the table still ends at index `end`.
        del tokens[caption : caption + 3]
        tokens[caption + 1 : caption + 1] = [opening, inline, closing]
    return end


def _rows(tokens: list[Token], start: int, end: int) -> list[list[int]]:
    """The index of each cell's opening token, row by row."""
    rows: list[list[int]] = []
    for index in range(start, end):
        if tokens[index].type == "tr_open":
            rows.append([])
        elif tokens[index].type in ("th_open", "td_open") and rows:
            rows[-1].append(index)
    return rows


def _text(tokens: list[Token], cell: int) -> str:
    inline = tokens[cell + 1]
    return "".join(child.content for child in inline.children or []).strip()


def _all_bold(tokens: list[Token], cell: int) -> bool:
    children = [
        child for child in tokens[cell + 1].children or [] if child.content or child.nesting
    ]
    return (
        len(children) >= 3
        and children[0].type == "strong_open"
        and children[-1].type == "strong_close"
    )


def _paragraph_before(tokens: list[Token], index: int) -> int | None:
    """The ``paragraph_open`` of a paragraph ending just before ``tokens[index]``."""
    if index >= 3 and tokens[index - 1].type == "paragraph_close":
        opening = index - 3
        if (
            tokens[opening].type == "paragraph_open"
            and tokens[opening].level == tokens[index].level
        ):
            return opening
    return None


def _paragraph_after(tokens: list[Token], index: int) -> int | None:
    """The ``paragraph_open`` of a paragraph starting just after ``tokens[index]``."""
    following = index + 1
    if following + 1 < len(tokens) and tokens[following].type == "paragraph_open":
        return following
    return None


def _strip_prefix(inline: Token, prefix: re.Pattern[str]) -> None:
    inline.content = prefix.sub("", inline.content, count=1)
    for child in inline.children or []:
        if child.type == "text":
            child.content = prefix.sub("", child.content, count=1)
            break
