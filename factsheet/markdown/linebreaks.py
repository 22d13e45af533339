"""Line breaks a typesetter would accept: what belongs together stays on one line.

A core rule after the typographer. In the text of the body:

- phone numbers (``(202) 647-0000``), amounts with their currency or scale (``$56 million``,
  ``€12.4 million``, ``3.5 percent``), ``U.S.`` (and ``U.S.-funded``), dates (``June 11, 2010``)
  and ``No. 5`` become ``nobreak`` tokens, which the stylesheet keeps on one line;
- the last word of a paragraph, when short, is joined to the word before it by a no-break
  space, so that it never stands alone on the paragraph's last line.

Hyphenation itself is the stylesheet's (at least 3 letters each side, dictionaries by ``lang``).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
KEEP_TOGETHER = re.compile(
    "|".join(
        (
            r"\(\d{3}\)\s\d{3}-\d{4}",  # (202) 647-0000
            r"\+\d{1,3}(?:[\s-]\d{2,4}){2,4}",  # +1 202 647 0000
            r"\b\d{3}-\d{3}-\d{4}\b",  # 202-647-0000
            r"(?:US\$|[$€£¥])\s?\d[\d,.]*(?:\s(?:million|billion|thousand|trillion))?",
            r"\b\d[\d,.]*\s(?:percent|million|billion|thousand|trillion)\b",
            r"\bU\.S\.(?:-\w+)?",
            rf"\b(?:{_MONTHS})\s\d{{1,2}}(?:,\s\d{{4}})?",
            r"\bNo\.\s\d+",
        )
    )
)
# A last word this short never stands alone on a paragraph's last line.
SHORT_WORD = 7
NO_BREAK_SPACE = "\u00a0"


def linebreaks_plugin(md: MarkdownIt) -> None:
    """Register the rule (at the end of the core chain, after the typographer)."""
    md.core.ruler.push("factsheet_linebreaks", linebreaks_rule)


def linebreaks_rule(state: StateCore) -> None:
    """Keep together what belongs together, and the last short word of each paragraph."""
    tokens = state.tokens
    for index, block in enumerate(tokens):
        if block.type != "inline" or not block.children:
            continue
        if index > 0 and tokens[index - 1].type == "paragraph_open":
            _tie_last_word(block.children)
        block.children = [part for child in block.children for part in _kept_together(child)]


def _kept_together(token: Token) -> list[Token]:
    if token.type != "text" or not KEEP_TOGETHER.search(token.content):
        return [token]
    parts: list[Token] = []
    position = 0
    for match in KEEP_TOGETHER.finditer(token.content):
        if match.start() > position:
            parts.append(_token("text", token.content[position : match.start()]))
        parts.append(_token("nobreak", match.group(0)))
        position = match.end()
    if position < len(token.content):
        parts.append(_token("text", token.content[position:]))
    return parts


def _tie_last_word(children: list[Token]) -> None:
    last = next((child for child in reversed(children) if child.type == "text"), None)
    if last is None or last is not _last_printed(children):
        return
    text = last.content.rstrip()
    space = text.rfind(" ")
    if space <= 0 or len(text) - space - 1 > SHORT_WORD:
        return
    last.content = text[:space] + NO_BREAK_SPACE + text[space + 1 :] + last.content[len(text) :]


def _last_printed(children: list[Token]) -> Token | None:
    """The last token that prints text on the paragraph's own line (notes float away)."""
    for child in reversed(children):
        if child.type in ("note", "note_call"):
            continue
        return child
    return None


def _token(kind: str, content: str) -> Token:
    token = Token(kind, "span", 0)
    token.content = content
    return token
