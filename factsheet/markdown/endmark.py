"""The end mark: a `# # #` line closes a release, centred, and is never a heading.

Press releases end with `# # #` (or `###`). In CommonMark both are headings (an ``h1`` of "#",
an empty ``h3``), which would print a stray heading and break the outline. A block rule that
runs before markdown-it's heading rule takes such a line as an ``end_mark`` token instead.

Written last, the end mark is taken out of the body and printed by the layout after the contact
block, where a release ends; written elsewhere, it prints where it is. Either way the body
records it, so that a layout's ``end_mark: true`` does not print a second.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .state import DocumentState

END_MARK_LINE = re.compile(r"^(?:# # #|###)[ \t]*$")
# Printed with no-break spaces, so that the three marks never part.
END_MARK_HTML = "#\u00a0#\u00a0#"


def endmark_plugin(md: MarkdownIt) -> None:
    """Register the `# # #` block rule and its rendering."""
    md.block.ruler.before("heading", "factsheet_end_mark", end_mark_rule)
    md.core.ruler.after("block", "factsheet_final_end_mark", final_end_mark_rule)
    md.add_render_rule("end_mark", render_end_mark)


def end_mark_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Take a `# # #` line (at most three spaces in) as an end mark."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    line = state.src[state.bMarks[start_line] + state.tShift[start_line] : state.eMarks[start_line]]
    if not END_MARK_LINE.match(line):
        return False
    if silent:
        return True
    token = state.push("end_mark", "p", 0)
    token.map = [start_line, start_line + 1]
    state.line = start_line + 1
    return True


def final_end_mark_rule(state: StateCore) -> None:
    """Take an end mark written last out of the body, for the layout to print at the end."""
    if state.tokens and state.tokens[-1].type == "end_mark":
        state.tokens.pop()
        DocumentState.of(state.env).body.end_mark = "last"


def render_end_mark(
    renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    """``<p class="end-mark">#&nbsp;#&nbsp;#</p>``."""
    document = DocumentState.of(env)
    document.body.end_mark = document.body.end_mark or "in place"
    line = document.line_of(tokens[idx].map, document.sheet.body_line)
    return f'<p class="end-mark" data-line="{line}">{END_MARK_HTML}</p>\n'
