"""After layout: nothing may lie outside the page's text area. Never a silent cut.

The stylesheet wraps what can be wrapped (long words, addresses, code lines, table cells). What
still does not fit (a table too wide even then, a note taller than a page) fails the sheet
with where and by how much: ``content/x.md:41: table is 38 mm wider than the text area``.

This reads WeasyPrint's laid-out box tree, which it has no public API for (see
:mod:`factsheet.weasyprint_private`); it recognises boxes by their class names, so that it does
not import WeasyPrint itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .weasyprint_private import page_box

# CSS pixels (1/96 in) per millimetre.
PX_PER_MM = 96 / 25.4
# Less than this past an edge is rounding, not overflow (a quarter of a millimetre).
TOLERANCE_PX = 1.0


@dataclass(frozen=True)
class Overflow:
    """Something that lies outside the text area: its source line, what it is, by how much."""

    line: int | None
    what: str
    millimetres: float
    page: int
    # What follows the amount: "wider than the text area", "past the text area"…
    how: str = "past the text area"

    @property
    def message(self) -> str:
        """How the problem is reported."""
        amount = f"{self.millimetres:.0f} mm" if self.millimetres >= 1 else "less than 1 mm"
        return f"{self.what} {amount} {self.how} (page {self.page})"


def overflows(pages: list[Any]) -> list[Overflow]:
    """Everything outside the text area, in page order (at most one per source block)."""
    found: list[Overflow] = []
    seen: set[tuple[int | None, str]] = set()
    for number, page in enumerate(pages, start=1):
        for overflow in _page_overflows(page_box(page), number):
            key = (overflow.line, overflow.what)
            if key not in seen:
                seen.add(key)
                found.append(overflow)
    return found


def _page_overflows(page: Any, number: int) -> Iterator[Overflow]:
    left = page.content_box_x()
    top = page.content_box_y()
    right = left + page.width
    for child in page.children:
        kind = type(child).__name__
        if kind == "FootnoteAreaBox":
            if child.position_y < top - TOLERANCE_PX:
                line = _first_line_in(child)
                yield Overflow(
                    line,
                    "a note cited here is",
                    (top - child.position_y) / PX_PER_MM,
                    number,
                    "taller than the page can hold: its start is cut off",
                )
            yield from _horizontal(child, left, right, number, None)
        elif kind != "MarginBox":
            yield from _horizontal(child, left, right, number, None)


def _horizontal(
    box: Any, left: float, right: float, page: int, line: int | None
) -> Iterator[Overflow]:
    """Boxes of ``box``'s subtree that reach past ``left`` or ``right``."""
    element = getattr(box, "element", None)
    if element is not None and getattr(box, "element_tag", None) and element.get("data-line"):
        line = int(element.get("data-line"))
    kind = type(box).__name__
    if kind in ("TableBox", "InlineTableBox"):
        excess = box.position_x + box.margin_width() - right
        if excess > TOLERANCE_PX:
            yield Overflow(line, "table is", excess / PX_PER_MM, page, "wider than the text area")
            return
    if kind == "TextBox":
        start, end = box.position_x, box.position_x + box.width
        excess = max(end - right, left - start)
        if excess > TOLERANCE_PX:
            yield Overflow(line, "text runs", excess / PX_PER_MM, page)
        return
    if kind in ("InlineReplacedBox", "BlockReplacedBox"):
        excess = box.position_x + box.margin_width() - right
        if excess > TOLERANCE_PX:
            yield Overflow(line, "an image runs", excess / PX_PER_MM, page)
        return
    for child in getattr(box, "children", ()):
        yield from _horizontal(child, left, right, page, line)


def _first_line_in(box: Any) -> int | None:
    """The source line of the first note in a footnote area (a note carries its citing line)."""
    element = getattr(box, "element", None)
    if element is not None and element.get("data-line"):
        return int(element.get("data-line"))
    for child in getattr(box, "children", ()):
        found = _first_line_in(child)
        if found is not None:
            return found
    return None
