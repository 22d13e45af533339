"""After layout: no page but the last ends in a word broken by hyphenation.

A reader who turns the page in the middle of a word loses it; typesetters forbid it. WeasyPrint
70 has no ``hyphenate-limit-last``, so the PDF stage asks :func:`hyphenated_page_ends` which
blocks end a page with an added hyphen and lays the sheet out again with hyphenation turned
off in those blocks only (:func:`no_hyphenation_css`). Only sheets where it happens pay for it.

Like :mod:`factsheet.fit`, this reads WeasyPrint's laid-out box tree by class names (see
:mod:`factsheet.weasyprint_private`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from .weasyprint_private import page_box

# The stylesheet's ``hyphenate-character`` (the bundled fonts have no U+2010 HYPHEN).
HYPHENATE_CHARACTER = "-"
_BROKEN_WORD = re.compile(r"(\w+)" + re.escape(HYPHENATE_CHARACTER) + r"$")


def hyphenated_page_ends(pages: list[Any]) -> set[int]:
    """Source lines of the blocks whose last line on a page (not the last) is a hyphenated word.

    A line that ends in a hyphen the author wrote ("well-" / "known") is not one: the word before
    the hyphen is followed by a hyphen in the block's own text too.
    """
    lines: set[int] = set()
    for page in pages[:-1]:
        bottom = _bottom_line(page_box(page))
        if bottom is None:
            continue
        line_box, source_line = bottom
        text = _last_text(line_box)
        broken = _BROKEN_WORD.search(text) if text else None
        if broken is None or source_line is None:
            continue
        written = "".join(line_box.element.itertext()) if line_box.element is not None else ""
        if re.search(re.escape(broken.group(1) + HYPHENATE_CHARACTER), written):
            continue
        lines.add(source_line)
    return lines


def no_hyphenation_css(lines: Iterable[int]) -> str:
    """CSS that turns automatic hyphenation off in the blocks at these source lines."""
    return "\n".join(f'[data-line="{line}"] {{ hyphens: manual; }}' for line in sorted(lines))


def _bottom_line(page: Any) -> tuple[Any, int | None] | None:
    """The lowest line box of the page's text flow (not its notes or margins), with its block's
    source line."""
    lowest: tuple[float, Any, int | None] | None = None
    for child in page.children:
        if type(child).__name__ in ("FootnoteAreaBox", "MarginBox"):
            continue
        for line_box, source_line in _line_boxes(child, None):
            bottom = line_box.position_y + line_box.height
            if lowest is None or bottom >= lowest[0]:
                lowest = (bottom, line_box, source_line)
    return None if lowest is None else (lowest[1], lowest[2])


def _line_boxes(box: Any, source_line: int | None) -> Iterator[tuple[Any, int | None]]:
    element = getattr(box, "element", None)
    if element is not None and getattr(box, "element_tag", None) and element.get("data-line"):
        source_line = int(element.get("data-line"))
    if type(box).__name__ == "LineBox":
        yield box, source_line
        return
    for child in getattr(box, "children", ()):
        yield from _line_boxes(child, source_line)


def _last_text(box: Any) -> str | None:
    """The text of the last text box on a line (inside inline boxes too)."""
    if type(box).__name__ == "TextBox":
        return str(box.text)
    for child in reversed(getattr(box, "children", ())):
        text = _last_text(child)
        if text is not None:
            return text
    return None
