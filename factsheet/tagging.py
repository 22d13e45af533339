"""Stage 5: finish WeasyPrint's tag tree for screen readers (pikepdf post-processing).

WeasyPrint 70 writes a good structure tree, with five gaps this stage closes:

- table header cells (``/TH``) carry no ``/Scope``: it is inferred here from the ``/Headers``
  and ``/ID`` links WeasyPrint does write (a header referenced only from its own row is a row
  header, otherwise a column header);
- the running header and footer ("Page N of M") are marked content whose structure elements
  are not in the tree: they are re-marked as pagination artifacts, out of the read text;
- footnotes are anonymous spans: they become ``/Note`` elements with unique IDs;
- links have no alternate description: each ``/Link`` gets an ``/Alt`` naming its address;
- a decorative image (``alt=""``) stays a figure without text: it becomes an artifact;
- right-to-left text is drawn in visual order: each such line becomes a ``/Span`` whose
  ``/ActualText`` is its logical text (from the renderer, see ``mark_logical_text``);
- a paragraph, list, table or link that continues on the next page is two elements: they are
  joined into one, from the HTML element behind each (``remember_source_elements``); a
  table's header row repeated on the next page becomes an artifact, read once;
- a list item holding a block (an endnote's disclaimer) has it beside its ``/LBody``: it is
  moved into it; a note's number is a ``/Lbl``;
- floats (the emblem) and list markers are painted after the text around them: their marked
  content is moved to where the tree reads it, when that does not change what is drawn;
- link annotations lack the Print flag, which a printed sheet needs (ISO 32000 12.5.3);
- a glyph that is part of a cluster another glyph maps (a Devanagari conjunct) has an empty
  ToUnicode mapping, which PDF/UA forbids: it maps to U+200B ZERO WIDTH SPACE;
- the contextual forms of an Arabic letter all map to the letter: each maps to its own
  presentation form (which Unicode normalization folds back);
- the PDF/A variants do not declare PDF/UA: they do here, as they meet it (an archival copy
  that is also the accessible copy).

The rewrite is deterministic (same input bytes, same output bytes).
"""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from . import fonts
from .locale import Locale
from .weasyprint_private import (
    ARTIFACT_KEY,
    FOOTNOTE_AREA_ROLE,
    FOOTNOTE_ROLE,
    LOGICAL_TEXT_KEY,
    MARKED_CONTENT,
    SOURCE_KEY,
)


def _kids(node: Any) -> list[Any]:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _elements(root: Any) -> Iterator[Any]:
    """Every structure element reachable from ``root``, depth first, in document order."""
    stack = list(reversed(_kids(root)))
    while stack:
        node = stack.pop()
        if isinstance(node, Dictionary) and "/S" in node:
            yield node
            stack.extend(reversed(_kids(node)))


def _attributes(element: Any) -> list[Any]:
    attributes = element.get("/A")
    if attributes is None:
        return []
    items = attributes if isinstance(attributes, Array) else [attributes]
    return [item for item in items if isinstance(item, Dictionary)]


def _table_attributes(element: Any) -> Any:
    """The element's attribute dictionary owned by /Table, created when missing."""
    for attributes in _attributes(element):
        if attributes.get("/O") == Name.Table:
            return attributes
    created = Dictionary(O=Name.Table)
    existing = element.get("/A")
    if existing is None:
        element.A = created
    elif isinstance(existing, Array):
        existing.append(created)
    else:
        element.A = Array([existing, created])
    return created


def add_header_scopes(pdf: pikepdf.Pdf) -> int:
    """Give every /TH a /Scope (/Column, /Row or /Both); return how many were set."""
    elements = list(_elements(pdf.Root.StructTreeRoot))
    rows_citing: dict[bytes, set[tuple[int, int]]] = {}
    for cell in (element for element in elements if element.S == Name.TD):
        for attributes in _attributes(cell):
            headers = attributes.get("/Headers")
            for header in headers if isinstance(headers, Array) else []:
                rows_citing.setdefault(bytes(header), set()).add(cell.P.objgen)
    count = 0
    for header in (element for element in elements if element.S == Name.TH):
        attributes = _table_attributes(header)
        if "/Scope" in attributes:
            continue
        row = header.P
        rows = rows_citing.get(bytes(header.ID), set()) if "/ID" in header else set()
        if rows:
            own_row, other_rows = row.objgen in rows, bool(rows - {row.objgen})
            scope = "/Both" if own_row and other_rows else "/Row" if own_row else "/Column"
        else:
            cells = [cell for cell in _kids(row) if isinstance(cell, Dictionary) and "/S" in cell]
            header_row = all(cell.S == Name.TH for cell in cells)
            scope = "/Column" if header_row or row.P.get("/S") == Name.THead else "/Row"
        attributes.Scope = Name(scope)
        count += 1
    return count


def drop_decorative_figures(pdf: pikepdf.Pdf) -> int:
    """Take figures without alternate text (decorative images) out of the tree.

    Their content then has no structure element, and is marked as an artifact below.
    """
    count = 0
    for element in list(_elements(pdf.Root.StructTreeRoot)):
        if Name.Figure != element.S or "/Alt" in element or "/ActualText" in element:
            continue
        parent = element.P
        kids = parent.get("/K")
        if isinstance(kids, Array):
            parent.K = Array([kid for kid in kids if kid.objgen != element.objgen])
        else:
            del parent["/K"]
        count += 1
    return count


def _parent_tree(root: Any) -> dict[int, Any]:
    """The structure tree's /ParentTree as a dict: a page's key → its MCIDs' elements (an
    array), an annotation's key → its element. The values are the PDF's own objects."""
    numbers = root.ParentTree.Nums
    return {int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)}


def _page_indexes(pdf: pikepdf.Pdf) -> dict[tuple[int, int], int]:
    """Each page's index, by its object number."""
    return {page.obj.objgen: index for index, page in enumerate(pdf.pages)}


def mark_page_furniture_as_artifacts(pdf: pikepdf.Pdf) -> int:
    """Re-mark content whose structure element is not in the tree as pagination artifacts.

    That content is WeasyPrint's page margin boxes: running header, footer, page numbers.
    """
    root = pdf.Root.StructTreeRoot
    reachable = {element.objgen for element in _elements(root)}
    parents = _parent_tree(root)
    count = 0
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        slots = parents.get(int(key)) if key is not None else None
        if not isinstance(slots, Array):
            continue
        orphans = {
            mcid
            for mcid, element in enumerate(slots)
            if isinstance(element, Dictionary) and element.objgen not in reachable
        }
        if not orphans:
            continue
        page.contents_coalesce()
        page.Contents.write(_artifacts_in_stream(page, orphans))
        for mcid in orphans:
            slots[mcid] = None
        count += len(orphans)
    return count


_PAGINATION_ARTIFACT = b"/Artifact\n<</Type /Pagination>>\nBDC"


def _artifacts_in_stream(page: Any, mcids: set[int]) -> bytes:
    """The page's content with the sequences ``mcids`` re-marked as pagination artifacts.

    A byte-level rewrite of WeasyPrint's own layout is about ten times faster than parsing
    the content stream; the parser is the fallback when the layout is not the expected one.
    """
    content = page.Contents.read_bytes()
    replaced = 0

    def replace(match: re.Match[bytes]) -> bytes:
        nonlocal replaced
        if int(match[1]) not in mcids:
            return match[0]
        replaced += 1
        return _PAGINATION_ARTIFACT

    rewritten = MARKED_CONTENT.sub(replace, content)
    if replaced == len(mcids):
        return rewritten
    artifact = pikepdf.ContentStreamInstruction(
        [Name.Artifact, Dictionary(Type=Name.Pagination)], pikepdf.Operator("BDC")
    )
    instructions = [
        artifact if _opens_marked_content(instruction, mcids) else instruction
        for instruction in pikepdf.parse_content_stream(page)
    ]
    return pikepdf.unparse_content_stream(instructions)


def _opens_marked_content(instruction: Any, mcids: set[int]) -> bool:
    """True for a ``BDC`` operator opening one of the marked-content sequences ``mcids``."""
    return (
        not isinstance(instruction, pikepdf.ContentStreamInlineImage)
        and instruction.operator == pikepdf.Operator("BDC")
        and isinstance(instruction.operands[1], Dictionary)
        and instruction.operands[1].get("/MCID") in mcids
    )


def tag_notes(pdf: pikepdf.Pdf) -> int:
    """Tag footnote bodies as /Note elements with unique /ID (PDF/UA-1 7.9).

    WeasyPrint places each page's footnote area, after that page's share of the body, as a
    document-level /NonStruct whose children are one /Span per note.
    """
    documents = _kids(pdf.Root.StructTreeRoot)
    count = 0
    for area in _kids(documents[0]) if documents else []:
        if not isinstance(area, Dictionary) or area.get("/S") != Name(FOOTNOTE_AREA_ROLE):
            continue
        notes = [kid for kid in _kids(area) if isinstance(kid, Dictionary)]
        if not notes or any(note.get("/S") != Name(FOOTNOTE_ROLE) for note in notes):
            continue
        for note in notes:
            count += 1
            note.S = Name.Note
            note.ID = pikepdf.String(f"note-{count}")
            # Its number (the ::footnote-marker, a /NonStruct) is its label.
            first = next(iter(_kids(note)), None)
            if isinstance(first, Dictionary) and first.get("/S") == Name.NonStruct:
                first.S = Name.Lbl
    return count


def describe_links(pdf: pikepdf.Pdf, locale: Locale) -> int:
    """Give each /Link element an /Alt naming where it leads, in the sheet's language."""
    count = 0
    for element in _elements(pdf.Root.StructTreeRoot):
        if Name.Link != element.S or "/Alt" in element:
            continue
        for kid in _kids(element):
            annotation = kid.get("/Obj") if isinstance(kid, Dictionary) else None
            if annotation is None:
                continue
            # An address (/A /URI). A link to a place in the document (/Dest: a briefing
            # book's contents) is read as its own words, which an /Alt would hide.
            if "/Dest" in annotation and "/A" not in annotation:
                break
            target = (annotation.A.get("/URI") if "/A" in annotation else None) or annotation.get(
                "/Contents"
            )
            if target is not None:
                address = str(target)
                description = locale.link_description(address.removeprefix("mailto:"))
                element.Alt = pikepdf.String(description)
                count += 1
                break
    return count


# The PDF/A variants, all tagged here (level a, and the u ones too), and so PDF/UA-1 as well;
# the print shop's PDF/X-4 is tagged too.
ACCESSIBLE_ARCHIVAL_VARIANTS = ("pdf/a-2a", "pdf/a-3a", "pdf/a-2u", "pdf/a-3u", "pdf/x-4")

# "/MCID 12/FactsheetText <feff…>" in a marked-content property list.
_LOGICAL_TEXT = re.compile(
    rb"(<</MCID (\d+))/" + LOGICAL_TEXT_KEY.encode() + rb" <([0-9a-f]*)>(>>)"
)


def read_logical_text(pdf: pikepdf.Pdf) -> dict[tuple[int, int], str]:
    """Take the renderer's logical text of right-to-left marked content out of the pages'
    content streams; return it by (page index, MCID)."""
    found: dict[tuple[int, int], str] = {}
    for index, page in enumerate(pdf.pages):
        contents = page.obj.get("/Contents")
        if not isinstance(contents, pikepdf.Stream):
            page.contents_coalesce()
            contents = page.obj.Contents
        content = contents.read_bytes()
        if LOGICAL_TEXT_KEY.encode() not in content:
            continue

        def take(match: re.Match[bytes], index: int = index) -> bytes:
            text = bytes.fromhex(match.group(3).decode()).decode("utf-16")
            found[(index, int(match.group(2)))] = text
            return match.group(1) + match.group(4)

        contents.write(_LOGICAL_TEXT.sub(take, content))
    return found


def give_logical_text(pdf: pikepdf.Pdf, texts: dict[tuple[int, int], str]) -> int:
    """Wrap each right-to-left marked-content reference in a /Span whose /ActualText is its
    logical text, so that the tag tree reads in logical order (PDF/UA)."""
    if not texts:
        return 0
    root = pdf.Root.StructTreeRoot
    parents = _parent_tree(root)
    page_index = _page_indexes(pdf)
    wrapped = 0
    for element in list(_elements(root)):
        page = element.get("/Pg")
        if page is None or page.objgen not in page_index:
            continue
        index = page_index[page.objgen]
        kids = _kids(element)
        changed = False
        for position, kid in enumerate(kids):
            if not isinstance(kid, int | pikepdf.Object) or isinstance(kid, Dictionary):
                continue
            try:
                mcid = int(kid)
            except (TypeError, ValueError):
                continue
            text = texts.get((index, mcid))
            if text is None:
                continue
            span = pdf.make_indirect(
                Dictionary(
                    Type=Name.StructElem,
                    S=Name.Span,
                    P=element,
                    Pg=page,
                    K=mcid,
                    ActualText=pikepdf.String(text),
                )
            )
            kids[position] = span
            slots = parents.get(pdf_page_parents(pdf.pages[index].obj))
            if isinstance(slots, Array) and mcid < len(slots):
                slots[mcid] = span
            changed = True
            wrapped += 1
        if changed:
            element.K = Array(kids)
    return wrapped


_SOURCE = Name("/" + SOURCE_KEY)
_ARTIFACT = Name("/" + ARTIFACT_KEY)


def drop_artifact_elements(pdf: pikepdf.Pdf) -> int:
    """Take the elements made from ``data-artifact`` HTML out of the tree (their content then
    becomes an artifact, by :func:`mark_page_furniture_as_artifacts`); return how many."""
    count = 0
    for element in list(_elements(pdf.Root.StructTreeRoot)):
        if _ARTIFACT not in element:
            continue
        parent = element.get("/P")
        if parent is not None and "/K" in parent:
            parent.K = Array(
                [
                    kid
                    for kid in _kids(parent)
                    if not (isinstance(kid, Dictionary) and kid.objgen == element.objgen)
                ]
            )
            count += 1
    for candidate in pdf.objects:
        if isinstance(candidate, Dictionary) and _ARTIFACT in candidate:
            del candidate[_ARTIFACT]
    return count


def join_continued_elements(pdf: pikepdf.Pdf) -> int:
    """Make each HTML element one structure element, however many pages it spans.

    WeasyPrint 70 builds the tree page by page: a paragraph, list, block quote, link or table
    that continues on the next page is two elements. Elements made from the same HTML element
    (``/FactsheetSource``, see ``remember_source_elements``) are joined into the first: its
    content then spans both pages (marked content of the later page by /MCR references). Of a
    table, the header row repeated on the later page is re-marked as an artifact, so that it is
    read once. The notes of a page between two parts of an element are left where they are.
    """
    root = pdf.Root.StructTreeRoot
    if "/ParentTree" not in root or "/Nums" not in root.ParentTree:
        return 0
    parents = _parent_tree(root)
    page_index = _page_indexes(pdf)
    repeated: dict[int, set[int]] = {}  # page index → MCIDs of repeated table headers
    replaced: dict[Any, Any] = {}  # a joined element → the one it joined
    joined = _join_kids(root, parents, page_index, repeated, replaced)
    _point_parent_tree(root.ParentTree.Nums, replaced)
    _rename_headers(root, replaced)
    for index, mcids in repeated.items():
        page = pdf.pages[index]
        page.contents_coalesce()
        page.Contents.write(_artifacts_in_stream(page, mcids))
        slots = parents.get(pdf_page_parents(page.obj))
        for mcid in mcids:
            if isinstance(slots, Array) and mcid < len(slots):
                slots[mcid] = None
    # Every mark goes, reachable or not: it is a Python id(), which must not reach the file.
    for candidate in pdf.objects:
        if isinstance(candidate, Dictionary) and _SOURCE in candidate:
            del candidate[_SOURCE]
    return joined


def _join_kids(
    element: Any,
    parents: dict[int, Any],
    page_index: dict[tuple[int, int], int],
    repeated: dict[int, set[int]],
    replaced: dict[Any, Any],
) -> int:
    kids = _kids(element)
    kept: list[Any] = []
    joined = 0
    for kid in kids:
        earlier = _continued(kept, kid)
        if earlier is None:
            kept.append(kid)
            continue
        _absorb(earlier, kid, parents, page_index, repeated, replaced)
        joined += 1
    if len(kept) != len(kids):
        element.K = Array(kept)
    for kid in kept:
        if isinstance(kid, Dictionary) and "/S" in kid:
            joined += _join_kids(kid, parents, page_index, repeated, replaced)
    return joined


def _continued(kept: list[Any], kid: Any) -> Any | None:
    """The element of ``kept`` that ``kid`` continues: the last one, or the last before a
    page's notes (anonymous ``/NonStruct`` areas), made from the same HTML element."""
    if not (isinstance(kid, Dictionary) and _SOURCE in kid):
        return None
    for earlier in reversed(kept):
        if not isinstance(earlier, Dictionary) or "/S" not in earlier:
            return None
        if earlier.get(_SOURCE) == kid[_SOURCE] and earlier.get("/S") == kid.get("/S"):
            return earlier
        if earlier.get("/S") != Name(FOOTNOTE_AREA_ROLE) or _SOURCE in earlier:
            return None
    return None


def _absorb(
    target: Any,
    other: Any,
    parents: dict[int, Any],
    page_index: dict[tuple[int, int], int],
    repeated: dict[int, set[int]],
    replaced: dict[Any, Any],
) -> None:
    """Move ``other``'s content into ``target`` (the same HTML element, on an earlier page)."""
    page = other.get("/Pg")
    index = page_index.get(page.objgen) if page is not None else None
    headers = {
        kid.get(_SOURCE)
        for kid in _kids(target)
        if isinstance(kid, Dictionary) and kid.get("/S") == Name.THead
    }
    moved: list[Any] = []
    for kid in _kids(other):
        if (
            isinstance(kid, Dictionary)
            and kid.get("/S") == Name.THead
            and kid.get(_SOURCE) in headers
        ):
            # The header row, repeated on this page: shown, not read again; the cells below
            # it name the header cells of the first.
            for page_number, mcid in _marked_content(kid, index, page_index):
                repeated.setdefault(page_number, set()).add(mcid)
            first = next(
                head
                for head in _kids(target)
                if isinstance(head, Dictionary) and head.get(_SOURCE) == kid.get(_SOURCE)
            )
            for again, original in zip(_header_cells(kid), _header_cells(first), strict=False):
                if "/ID" in again and "/ID" in original:
                    replaced[("header", bytes(again.ID))] = original.ID
            _adopt_annotations(kid, first, replaced)
            continue
        if isinstance(kid, int) and page is not None and index is not None:
            reference = Dictionary(Type=Name.MCR, Pg=page, MCID=kid)
            moved.append(reference)
            slots = parents.get(int(pdf_page_parents(page)))
            if isinstance(slots, Array) and kid < len(slots):
                slots[kid] = target
            continue
        if isinstance(kid, Dictionary) and "/S" in kid:
            kid.P = target
        moved.append(kid)
    target.K = Array([*_kids(target), *moved])
    replaced[other.objgen] = target


def _adopt_annotations(dropped: Any, first: Any, replaced: dict[Any, Any]) -> None:
    """Give the links of a repeated header row (dropped from the tree) to the same links of
    the first: each annotation stays in the tree, and the parent tree names an element in it."""
    counterparts = {
        element.get(_SOURCE): element
        for element in [first, *_elements(first)]
        if element.get("/S") == Name.Link
    }
    for element in [dropped, *_elements(dropped)]:
        if element.get("/S") != Name.Link:
            continue
        counterpart = counterparts.get(element.get(_SOURCE))
        if counterpart is None:
            continue
        annotations = [
            kid
            for kid in _kids(element)
            if isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR
        ]
        if annotations:
            counterpart.K = Array([*_kids(counterpart), *annotations])
        replaced[element.objgen] = counterpart


def _header_cells(element: Any) -> list[Any]:
    """The /TH elements of a subtree, in order."""
    cells: list[Any] = []
    for kid in _kids(element):
        if isinstance(kid, Dictionary) and "/S" in kid:
            cells += [kid] if kid.get("/S") == Name.TH else _header_cells(kid)
    return cells


def _rename_headers(root: Any, replaced: dict[Any, Any]) -> None:
    """Point each cell's /Headers at the header cells read (not the repeated ones)."""
    for element in _elements(root):
        for attributes in _attributes(element):
            names = attributes.get("/Headers")
            if isinstance(names, Array):
                attributes.Headers = Array(
                    [replaced.get(("header", bytes(name)), name) for name in names]
                )


def pdf_page_parents(page: Any) -> int:
    """A page's /StructParents key."""
    return int(page.get("/StructParents", -1))


def _point_parent_tree(numbers: Any, replaced: dict[Any, Any]) -> None:
    """Make the parent tree's entries that name a joined element name the one it joined."""
    for position in range(1, len(numbers), 2):
        value = numbers[position]
        if isinstance(value, Dictionary) and value.objgen in replaced:
            numbers[position] = replaced[value.objgen]
        elif isinstance(value, Array):
            for slot, entry in enumerate(value):
                if isinstance(entry, Dictionary) and entry.objgen in replaced:
                    value[slot] = replaced[entry.objgen]


def _marked_content(
    element: Any, page: int | None, page_index: dict[tuple[int, int], int]
) -> Iterator[tuple[int, int]]:
    """(page index, MCID) of the marked content of ``element``'s subtree."""
    own = element.get("/Pg")
    if own is not None and own.objgen in page_index:
        page = page_index[own.objgen]
    for kid in _kids(element):
        if isinstance(kid, int) and page is not None:
            yield page, kid
        elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
            yield page_index[kid.Pg.objgen], int(kid.MCID)
        elif isinstance(kid, Dictionary) and "/S" in kid:
            yield from _marked_content(kid, page, page_index)


# Operators that build a path or clip with it: a unit of marked content may start with them.
_PATH_OPERATORS = frozenset({"m", "l", "c", "v", "y", "h", "re", "W", "W*", "n"})
_PAINT_OPERATORS = frozenset({"n", "f", "F", "f*", "S", "s", "B", "B*", "b", "b*"})


def paint_in_reading_order(pdf: pikepdf.Pdf) -> int:
    """Paint each page's tagged content in the order the tag tree reads it, where it can move.

    WeasyPrint 70 paints floats (the masthead emblem) and list markers after the text around
    them, so a tool that follows the page's painting order (reflow, some readers) meets them
    out of place. A marked-content sequence wrapped in its own graphics state (``q … BDC …
    EMC … Q``) is moved to just before the content the tree reads after it, when the
    transformation and clip are the same there, carrying the colour, line and text state it had
    where it was: what is drawn does not change.
    """
    moved = 0
    orders = _tree_orders(pdf)
    for index, page in enumerate(pdf.pages):
        order = orders.get(index, [])
        painted = [int(mcid) for mcid in re.findall(rb"<</MCID (\d+)", _page_bytes(page))]
        rank = {mcid: position for position, mcid in enumerate(painted)}
        if all(rank.get(a, 0) <= rank.get(b, 0) for a, b in itertools.pairwise(order)):
            continue
        content = _Content(pikepdf.parse_content_stream(page))
        page_moves = 0
        for _ in range(len(order)):
            if not _move_one(content, order):
                break
            page_moves += 1
        if page_moves:
            page.contents_coalesce()
            page.Contents.write(pikepdf.unparse_content_stream(content.instructions))
            moved += page_moves
    return moved


class _Content:
    """A page's content stream as pikepdf instructions, with what the moves ask of them read
    once (pikepdf objects are slow to query): each one's operator, a BDC's marked-content
    identifier, and the operands of a transformation or path (what a clip depends on). The
    instructions and their operators are kept in step."""

    def __init__(self, instructions: Iterable[Any]) -> None:
        self.instructions = list(instructions)
        inline_image = pikepdf.ContentStreamInlineImage
        self.operators = [
            "INLINE IMAGE" if type(instruction) is inline_image else str(instruction.operator)
            for instruction in self.instructions
        ]
        pairs = list(zip(self.instructions, self.operators, strict=True))
        self.mcids = {
            id(instruction): mcid
            for instruction, operator in pairs
            if operator == "BDC" and (mcid := _mcid_of(instruction)) is not None
        }
        self.operands = {
            id(instruction): tuple(str(operand) for operand in instruction.operands)
            for instruction, operator in pairs
            if operator == "cm" or operator in _PATH_OPERATORS
        }

    def openings(self) -> dict[int, int]:
        """Where each marked-content sequence with an MCID opens, by MCID."""
        instructions, mcids = self.instructions, self.mcids
        return {
            mcids[id(instructions[position])]: position
            for position, operator in enumerate(self.operators)
            if operator == "BDC" and id(instructions[position]) in mcids
        }

    def move(self, span: tuple[int, int], target: int, replayed: list[int]) -> None:
        """Move the instructions of ``span`` to before ``target`` (which precedes them), the
        instructions at ``replayed`` repeated after the first one moved."""
        start, end = span
        for sequence in (self.instructions, self.operators):
            block = sequence[start:end]
            replay = [sequence[position] for position in replayed]
            del sequence[start:end]
            sequence[target:target] = [block[0], *replay, *block[1:]]


def _mcid_of(instruction: Any) -> int | None:
    properties = instruction.operands[1]
    if isinstance(properties, Dictionary) and "/MCID" in properties:
        return int(properties.MCID)
    return None


def _page_bytes(page: Any) -> bytes:
    contents = page.obj.get("/Contents")
    if isinstance(contents, pikepdf.Stream):
        return bytes(contents.read_bytes())
    return b"".join(bytes(part.read_bytes()) for part in contents or [])


def _tree_orders(pdf: pikepdf.Pdf) -> dict[int, list[int]]:
    """The MCIDs of each page, in the order the tag tree reads them (one walk of the tree)."""
    numbers = _page_indexes(pdf)
    orders: dict[int, list[int]] = {}

    def walk(element: Any, page: int | None) -> None:
        if "/Pg" in element:
            page = numbers.get(element.Pg.objgen)
        for kid in _kids(element):
            if isinstance(kid, int):
                if page is not None:
                    orders.setdefault(page, []).append(kid)
            elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
                orders.setdefault(numbers.get(kid.Pg.objgen, -1), []).append(int(kid.MCID))
            elif isinstance(kid, Dictionary) and "/S" in kid:
                walk(kid, page)

    walk(pdf.Root.StructTreeRoot, None)
    return orders


# Operators whose effect lasts until the graphics state is restored: a unit moved elsewhere
# must find the same ones in force there (WeasyPrint leaves out a colour already set).
_STATE_OPERATORS = frozenset(
    {
        "w", "J", "j", "M", "d", "ri", "i", "gs", "CS", "cs", "SC", "SCN", "sc", "scn",
        "G", "g", "RG", "rg", "K", "k", "Tc", "Tw", "Tz", "TL", "Tf", "Tr", "Ts",
    }
)  # fmt: skip


def _geometries(content: _Content, until: int) -> list[tuple[Any, ...]]:
    """Before each instruction up to ``until`` (excluded): the transformations and clips of
    each saved graphics state, and the marked-content depth: what a unit cannot carry with it
    when it moves."""
    stack: list[tuple[Any, ...]] = [()]
    depth = 0
    current: tuple[Any, ...] = (depth, tuple(stack))
    path: list[Any] = []
    states: list[tuple[Any, ...]] = []
    operands = content.operands
    steps = zip(content.instructions[:until], content.operators[:until], strict=True)
    for instruction, operator in steps:
        states.append(current)
        if operator == "q":
            stack.append(())
        elif operator == "Q" and len(stack) > 1:
            stack.pop()
        elif operator in ("BDC", "BMC"):
            depth += 1
        elif operator == "EMC":
            depth -= 1
        elif operator == "cm":
            stack[-1] += ((operator, operands[id(instruction)]),)
        elif operator in ("W", "W*"):
            stack[-1] += ((operator, tuple(path)),)
        elif operator in ("m", "l", "c", "v", "y", "h", "re"):
            path.append((operator, operands[id(instruction)]))
            continue
        elif operator in _PAINT_OPERATORS:
            path = []
            continue
        else:
            continue
        current = (depth, tuple(stack))
    return states


def _state_in_force(operators: list[str], position: int) -> list[int]:
    """Where the colour, line and text state operators in force before ``position`` are (the
    ones of every saved level, in order): replayed at the start of a moved unit, they give it
    the state it had where it was. (WeasyPrint leaves out a colour that is already set.)"""
    stack: list[list[int]] = [[]]
    for index, operator in enumerate(operators[:position]):
        if operator == "q":
            stack.append([])
        elif operator == "Q" and len(stack) > 1:
            stack.pop()
        elif operator in _STATE_OPERATORS:
            stack[-1].append(index)
    return [index for level in stack for index in level]


def _unit(operators: list[str], opening: int) -> tuple[int, int] | None:
    """The span of the self-contained unit around the BDC at ``opening``: the ``q``s (and a
    clip path) before it, the sequence, and as many ``Q``s after it."""
    start = opening
    while start > 0 and operators[start - 1] in _PATH_OPERATORS | {"q"}:
        start -= 1
    while start < opening and operators[start] != "q":
        start += 1
    saves = operators[start:opening].count("q")
    if not saves:
        return None
    depth, end = 0, opening
    while end < len(operators):
        operator = operators[end]
        if operator in ("BDC", "BMC"):
            depth += 1
        elif operator == "EMC":
            depth -= 1
            if depth == 0:
                break
        end += 1
    end += 1
    restores = 0
    while end < len(operators) and restores < saves and operators[end] == "Q":
        restores += 1
        end += 1
    return (start, end) if restores == saves else None


def _move_one(content: _Content, order: list[int]) -> bool:
    """Move the first unit painted after the content read after it; True if one moved."""
    openings = content.openings()
    states: list[tuple[Any, ...]] | None = None
    for earlier, later in itertools.pairwise(order):
        if earlier not in openings or later not in openings:
            continue
        if openings[earlier] < openings[later]:
            continue
        span = _unit(content.operators, openings[earlier])
        if span is None or span[0] <= openings[later] < span[1]:
            continue
        if states is None or len(states) <= span[0]:
            states = _geometries(content, span[0] + 1)
        if states[span[0]] != states[openings[later]]:
            continue
        # Before the unit: its position does not move. After the unit's first `q`: its
        # state, then its own content.
        content.move(span, openings[later], _state_in_force(content.operators, span[0]))
        return True
    return False


def drop_duplicate_links(pdf: pikepdf.Pdf) -> int:
    """Remove a link annotation that repeats another (same rectangle, same action) but hangs
    under a non-Link element; return how many were removed.

    WeasyPrint gives a link's anonymous boxes the link too: a picture inside ``<a>`` (a QR
    code) gets a second annotation, over the same area, tagged as part of the Figure, which
    PDF/UA forbids (an annotation outside any Link). The one inside the Link stays.
    """
    root = pdf.Root.StructTreeRoot
    tree = _parent_tree(root)
    dropped: set[int] = set()
    for page in pdf.pages:
        annotations = list(page.obj.get("/Annots", []))
        kept: dict[tuple[Any, ...], Any] = {}
        for annotation in annotations:
            if annotation.get("/Subtype") != Name.Link or "/StructParent" not in annotation:
                continue
            action = annotation.get("/A", Dictionary())
            key = (
                tuple(float(value) for value in annotation.Rect),
                str(action.get("/URI", "")),
                repr(annotation.get("/Dest")),
            )
            kept.setdefault(key, []).append(annotation)
        for group in kept.values():
            in_links = [
                a
                for a in group
                if tree.get(int(a.StructParent), Dictionary()).get("/S") == Name.Link
            ]
            if not in_links or len(group) < 2:
                continue
            for annotation in group:
                if any(annotation.objgen == link.objgen for link in in_links):
                    continue
                element = tree[int(annotation.StructParent)]
                element.K = Array(
                    [
                        kid
                        for kid in _kids(element)
                        if not (
                            isinstance(kid, Dictionary)
                            and kid.get("/Type") == Name.OBJR
                            and kid.Obj.objgen == annotation.objgen
                        )
                    ]
                )
                dropped.add(int(annotation.StructParent))
                page.obj.Annots = Array(
                    [a for a in page.obj.Annots if a.objgen != annotation.objgen]
                )
    if dropped:
        numbers = root.ParentTree.Nums
        root.ParentTree.Nums = Array(
            [
                item
                for i in range(0, len(numbers), 2)
                if int(numbers[i]) not in dropped
                for item in (numbers[i], numbers[i + 1])
            ]
        )
    return len(dropped)


def set_print_flags(pdf: pikepdf.Pdf) -> int:
    """Set the Print flag (bit 3) of every annotation: links are printed as they show."""
    count = 0
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            flags = int(annotation.get("/F", 0))
            if not flags & 4:
                annotation.F = flags | 4
                count += 1
    return count


def complete_list_items(pdf: pikepdf.Pdf) -> int:
    """Move what a /LI holds besides its /Lbl and /LBody into its /LBody (PDF/UA-1 7.6)."""
    count = 0
    for item in _elements(pdf.Root.StructTreeRoot):
        if item.get("/S") != Name.LI:
            continue
        kids = _kids(item)
        bodies = [
            kid for kid in kids if isinstance(kid, Dictionary) and kid.get("/S") == Name.LBody
        ]
        strays = [
            kid
            for kid in kids
            if not (isinstance(kid, Dictionary) and kid.get("/S") in (Name.Lbl, Name.LBody))
        ]
        if not strays:
            continue
        if bodies:
            body = bodies[0]
        else:
            body = pdf.make_indirect(
                Dictionary(Type=Name.StructElem, S=Name.LBody, P=item, K=Array())
            )
            if "/Pg" in item:
                body.Pg = item.Pg
        moved = Array([*_kids(body), *strays])
        for stray in strays:
            if isinstance(stray, Dictionary) and "/S" in stray:
                stray.P = body
        body.K = moved
        item.K = Array([kid for kid in kids if kid not in strays and kid is not body] + [body])
        count += 1
    return count


_EMPTY_MAPPING = re.compile(rb"(<[0-9A-Fa-f]+>) <>")
_ANY_MAPPING = re.compile(rb"<([0-9A-Fa-f]+)> <([0-9A-Fa-f]*)>")


def map_empty_unicode(pdf: pikepdf.Pdf, fonts_dir: Path | None = None) -> int:
    """Map each glyph of a shaped font to the characters it draws; return the fonts changed.

    WeasyPrint maps a cluster's text to its first glyph and nothing to the others, once per
    glyph for the whole document: in a Devanagari conjunct "स्थ" the half form takes all three
    characters, "थ" takes nothing, and every later "थ" is then silent too. PDF/UA forbids
    the empty mappings. A font with any is mapped again from its own data, each glyph to
    what it draws (:func:`fonts.glyph_texts`), found in ``fonts_dir`` by its PostScript name;
    a glyph nothing derives maps to U+200B (zero width space). The tag tree reads these
    lines through /ActualText in any case.
    """
    count = 0
    for font in pdf.objects:
        if not isinstance(font, Dictionary) or "/ToUnicode" not in font:
            continue
        data = font.ToUnicode.read_bytes()
        if b"> <>" not in data:
            continue
        texts = _own_glyph_texts(font, fonts_dir)

        def remap(match: re.Match[bytes], texts: dict[int, str] = texts) -> bytes:
            text = texts.get(int(match.group(1), 16)) or "\u200b"
            encoded = text.encode("utf-16-be").hex().upper().encode()
            return b"<" + match.group(1) + b"> <" + encoded + b">"

        pattern = _ANY_MAPPING if texts else _EMPTY_MAPPING
        replacement = remap if texts else (lambda match: match.group(1) + b" <200B>")
        font.ToUnicode.write(_in_bfchar_blocks(data, pattern, replacement))
        count += 1
    return count


_BFCHAR_BLOCK = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)


def _in_bfchar_blocks(
    data: bytes, pattern: re.Pattern[bytes], replacement: Callable[[re.Match[bytes]], bytes]
) -> bytes:
    """``data`` (a CMap) with ``pattern`` replaced only inside its ``bfchar`` blocks: never in
    its code space range, which has the same ``<code> <code>`` shape."""
    return _BFCHAR_BLOCK.sub(
        lambda block: b"beginbfchar" + pattern.sub(replacement, block.group(1)) + b"endbfchar",
        data,
    )


def _own_glyph_texts(font: Any, fonts_dir: Path | None) -> dict[int, str]:
    """Code → text for a Type 0 font whose codes are glyph ids, from its bundled font file."""
    from fontTools.ttLib import TTFont, TTLibError  # noqa: PLC0415 - only for shaped scripts

    descendants = font.get("/DescendantFonts")
    if fonts_dir is None or font.get("/Encoding") != Name("/Identity-H") or not descendants:
        return {}
    # The codes are glyph ids of the whole font only when the CIDs map to glyphs one to one.
    if descendants[0].get("/CIDToGIDMap", Name.Identity) != Name.Identity:
        return {}
    program = descendants[0].get("/FontDescriptor", Dictionary()).get("/FontFile2")
    if program is None:
        return {}
    try:
        with TTFont(io.BytesIO(program.read_bytes()), lazy=True) as embedded:
            postscript_name = embedded["name"].getDebugName(6)
    except (TTLibError, KeyError, ValueError, AssertionError):
        return {}
    source = fonts.font_named(fonts_dir, postscript_name) if postscript_name else None
    return fonts.glyph_texts(source) if source is not None else {}


# PDF/A allows an XMP property outside its predefined schemas only with a description of its
# schema: pdfuaid's (ISO 14289-1, annex A).
_PDFUA_EXTENSION_SCHEMA = b"""<rdf:Description rdf:about="" \
xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" \
xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"><pdfaExtension:schemas><rdf:Bag>\
<rdf:li rdf:parseType="Resource">\
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>\
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>\
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">\
<pdfaProperty:name>part</pdfaProperty:name>\
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>\
<pdfaProperty:category>internal</pdfaProperty:category>\
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed\
</pdfaProperty:description></rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag>\
</pdfaExtension:schemas></rdf:Description>\
<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\
<pdfuaid:part>1</pdfuaid:part></rdf:Description>"""


_MAPPING = re.compile(rb"<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)>")
_ARABIC_LETTER_MAPPING = re.compile(rb"<[0-9A-Fa-f]+> <06[0-9A-Fa-f]{2}>")


def map_contextual_forms(pdf: pikepdf.Pdf) -> int:
    """Map each Arabic contextual form (initial, medial, final) to its own character.

    HarfBuzz sets an Arabic letter in up to four glyphs, and WeasyPrint maps each to the letter
    itself: one character, several glyphs, which a text extractor cannot tell apart. The
    embedded font's own character map names the presentation form of each such glyph
    (U+FE70-U+FEFF, which Unicode normalization folds back to the letter); the ToUnicode map
    takes it. The tag tree reads these lines through /ActualText in any case.
    """
    count = 0
    for font in pdf.objects:
        if not (isinstance(font, Dictionary) and font.get("/Subtype") == Name.Type0):
            continue
        if "/ToUnicode" not in font:
            continue
        mapping = font.ToUnicode.read_bytes()
        # Only a glyph mapped to one Arabic letter can change. The letter is on the right of
        # its "<glyph> <letter>" line: a glyph number 06xx (a CJK font has them) is not one.
        if not _ARABIC_LETTER_MAPPING.search(mapping):
            continue
        forms = _presentation_forms(font)
        if not forms:
            continue

        def present(match: re.Match[bytes], forms: dict[int, str] = forms) -> bytes:
            glyph, text = int(match.group(1), 16), bytes.fromhex(match.group(2).decode())
            letter = text.decode("utf-16-be", errors="replace")
            form = forms.get(glyph)
            if form is None or len(letter) != 1 or unicodedata.normalize("NFKC", form) != letter:
                return match.group(0)
            return (
                b"<"
                + match.group(1)
                + b"> <"
                + form.encode("utf-16-be").hex().upper().encode()
                + b">"
            )

        fixed = _MAPPING.sub(present, mapping)
        if fixed != mapping:
            font.ToUnicode.write(fixed)
            count += 1
    return count


def _presentation_forms(font: Any) -> dict[int, str]:
    """Glyph → the contextual presentation form (not isolated) its embedded font maps to it."""
    from fontTools.ttLib import TTFont, TTLibError  # noqa: PLC0415 - only for Arabic fonts

    descendants = font.get("/DescendantFonts")
    descriptor = descendants[0].get("/FontDescriptor") if descendants else None
    program = None
    if descriptor is not None:
        program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
    if program is None:
        return {}
    try:
        embedded = TTFont(io.BytesIO(program.read_bytes()))
        character_map = embedded.getBestCmap() or {}
    except (TTLibError, KeyError, ValueError, AssertionError):
        return {}
    forms: dict[int, str] = {}
    for code, name in character_map.items():
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition.startswith(("<initial>", "<medial>", "<final>")):
            forms[embedded.getGlyphID(name)] = chr(code)
    return forms


def declare_accessible(pdf: pikepdf.Pdf) -> None:
    """Declare PDF/UA-1 in the XMP (``pdfuaid:part`` and its PDF/A extension schema), and show
    the document title, for the PDF/A "a" variants, which are tagged as PDF/UA asks."""
    metadata = pdf.Root.Metadata.read_bytes()
    if b"pdfuaid" not in metadata:
        metadata = metadata.replace(b"</rdf:RDF>", _PDFUA_EXTENSION_SCHEMA + b"</rdf:RDF>", 1)
        pdf.Root.Metadata.write(metadata)
    preferences = pdf.Root.get("/ViewerPreferences")
    if not isinstance(preferences, Dictionary):
        preferences = pdf.Root.ViewerPreferences = Dictionary()
    preferences.DisplayDocTitle = True


def finish_tags(
    pdf_bytes: bytes,
    locale: Locale,
    source: str | None = None,
    variant: str | None = None,
    fonts_dir: Path | None = None,
    finish: Callable[[pikepdf.Pdf], None] | None = None,
) -> bytes:
    """Close the gaps in a tagged PDF's structure tree; return the finished PDF's bytes.

    ``locale`` gives the words a screen reader speaks that the tool writes (link descriptions).
    ``source`` names the PDF a translation is made from: recorded as the XMP ``dc:source``.
    ``variant`` is the PDF flavour (``pdf/a-2a``…): the PDF/A "a" ones declare PDF/UA-1 too.
    ``fonts_dir`` holds the bundled fonts, whose own data maps the glyphs of shaped scripts.
    ``finish`` is given the PDF last, before it is saved (a print shop's conversion).
    The bytes are returned, not written: only the tool's own atomic writer writes into the
    output folder, so that a full disk is an ordinary error, not an abort inside QPDF.
    """
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        logical = read_logical_text(pdf)
        if "/StructTreeRoot" in pdf.Root:
            give_logical_text(pdf, logical)
            drop_artifact_elements(pdf)
            drop_duplicate_links(pdf)
            join_continued_elements(pdf)
            add_header_scopes(pdf)
            drop_decorative_figures(pdf)
            mark_page_furniture_as_artifacts(pdf)
            tag_notes(pdf)
            complete_list_items(pdf)
            describe_links(pdf, locale)
            map_empty_unicode(pdf, fonts_dir)
            map_contextual_forms(pdf)
            if variant in ACCESSIBLE_ARCHIVAL_VARIANTS:
                declare_accessible(pdf)
            paint_in_reading_order(pdf)
        set_print_flags(pdf)
        if source is not None:
            # No dates, no editor: the metadata stays a function of the input.
            with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
                meta["dc:source"] = source
        if finish is not None:
            finish(pdf)
        # Everything QPDF writes is a function of the input and these options; the defaults
        # are pinned so that a pikepdf upgrade cannot silently change the bytes.
        output = io.BytesIO()
        pdf.save(
            output,
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.preserve,
            compress_streams=True,
            stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
            recompress_flate=False,
            normalize_content=False,
            linearize=False,
            fix_metadata_version=False,
        )
    return output.getvalue()
