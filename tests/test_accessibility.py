"""Accessibility: tagged PDF/UA-1 output whose structure a screen reader can use.

The structure tree is walked with pikepdf; the text of each marked-content sequence is read
from the page content streams (BDC/MCID … EMC, decoded through each font's /ToUnicode map), so
that the text a screen reader gets (the tree's) can be told from page furniture (/Artifact).
The sheets checked are every content/*.md of the repo, the long fixture, and a French sheet
with an image and a table in a project with its own emblem text. The independent PyPI checker
``pdfua`` must find nothing in them.
"""

from __future__ import annotations

import datetime
import importlib.util
import itertools
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import babel
import babel.dates
import pikepdf
import pytest
import yaml
from babel.messages.pofile import read_po
from helpers import (
    LONG_SOURCE,
    PROJECT_ROOT,
    fold_presentation_forms,
    front_matter,
    make_project,
    markdown_body,
    pdfinfo,
    run_cli,
    sheet_text,
    squeeze,
    write_sheet,
)
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from pikepdf import Array, Dictionary, Name
from PIL import Image

CONTENT_SOURCES = sorted((PROJECT_ROOT / "content").glob("*.md"))
CONTENT_NAMES = [path.stem for path in CONTENT_SOURCES]

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

FRENCH_EMBLEM_ALT = "Placeholder seal, a navy ring around a star"
FRENCH_IMAGE_ALT = "Deux barres bleues, la seconde plus courte"
FRENCH_SHEET = f"""\
---
title: Programme d'échanges civiques
date: 2021-02-03
lang: fr
office: Bureau des affaires publiques
dateline: Paris
---
Un paragraphe avec une "citation" et une note.[^note]

![{FRENCH_IMAGE_ALT}](barres.png)

## Participants

| Pays | Boursiers |
|---|---:|
| Ghana | 10 |
| Kenya | 11 |

Voir le [site du programme](https://www.state.gov/programme).

[^note]: Une note de bas de page.
"""


# Reading the PDF back --------------------------------------------------------------------------


def _cmap_spans(data: str) -> tuple[int, dict[int, str]]:
    """(code length in bytes, {code: text}) from a /ToUnicode CMap."""
    codespace = re.search(r"begincodespacerange\s*<([0-9a-fA-F]+)>", data)
    width = len(codespace.group(1)) // 2 if codespace else 2
    table: dict[int, str] = {}

    def text(hexa: str) -> str:
        return bytes.fromhex(hexa).decode("utf-16-be", errors="replace")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for source, target in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            table[int(source, 16)] = text(target)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        pattern = r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]*>|\[[^\]]*\])"
        for low, high, target in re.findall(pattern, block):
            first, last = int(low, 16), int(high, 16)
            if target.startswith("["):
                for offset, item in enumerate(re.findall(r"<([0-9a-fA-F]*)>", target)):
                    table[first + offset] = text(item)
            else:
                start = bytes.fromhex(target[1:-1])
                for offset in range(last - first + 1):
                    value = int.from_bytes(start, "big") + offset
                    table[first + offset] = text(value.to_bytes(len(start), "big").hex())
    return width, table


class FontDecoder:
    """Decodes the strings of text-showing operators into Unicode, font by font."""

    def __init__(self) -> None:
        self.maps: dict[tuple[int, int], tuple[int, dict[int, str]] | None] = {}

    def decode(self, font: Any, data: bytes) -> str:
        key = font.objgen if font is not None else (0, 0)
        if key not in self.maps:
            to_unicode = font.get("/ToUnicode") if font is not None else None
            self.maps[key] = (
                _cmap_spans(to_unicode.read_bytes().decode("latin-1"))
                if isinstance(to_unicode, pikepdf.Stream)
                else None
            )
        mapping = self.maps[key]
        if mapping is None:
            return data.decode("latin-1")
        width, table = mapping
        codes = (int.from_bytes(data[i : i + width], "big") for i in range(0, len(data), width))
        return "".join(table.get(code, "\ufffd") for code in codes)


@dataclass
class PageText:
    """The text of one page, split by where it is marked."""

    by_mcid: dict[int, str] = field(default_factory=dict)
    artifact: str = ""
    unmarked: str = ""
    mcids: set[int] = field(default_factory=set)


TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}


def _page_text(page: pikepdf.Page, decoder: FontDecoder) -> PageText:
    """Walk the page's content stream (and form XObjects) attributing text to MCIDs. Marked
    content with an /ActualText is read as that text, as a screen reader reads it (right-to-left
    text, drawn in visual order, carries its logical order there)."""
    result = PageText()
    stack: list[tuple[str, int | None]] = []

    def owner() -> tuple[str, int | None]:
        for kind, mcid in reversed(stack):
            if kind in ("mcid", "artifact", "actual"):
                return kind, mcid
        return "none", None

    def add(text: str) -> None:
        kind, mcid = owner()
        if kind == "actual":
            return  # its glyphs are read as its /ActualText
        if kind == "mcid" and mcid is not None:
            result.by_mcid[mcid] = result.by_mcid.get(mcid, "") + text
        elif kind == "artifact":
            result.artifact += text
        else:
            result.unmarked += text

    def open_marked(tag: Any, properties: Any) -> tuple[str, int | None]:
        if tag == Name.Artifact:
            return ("artifact", None)
        if not (isinstance(properties, Dictionary) and "/MCID" in properties):
            return ("other", None)
        mcid = int(properties.MCID)
        result.mcids.add(mcid)
        if "/ActualText" not in properties:
            return ("mcid", mcid)
        result.by_mcid[mcid] = result.by_mcid.get(mcid, "") + str(properties.ActualText)
        return ("actual", mcid)

    def run(stream: Any, resources: Any, depth: int) -> None:
        fonts = resources.get("/Font", {}) if resources is not None else {}
        xobjects = resources.get("/XObject", {}) if resources is not None else {}
        font = None
        for instruction in pikepdf.parse_content_stream(stream):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                continue
            operator, operands = str(instruction.operator), instruction.operands
            if operator == "BDC":
                stack.append(open_marked(operands[0], operands[1]))
            elif operator == "BMC":
                stack.append(("artifact" if operands[0] == Name.Artifact else "other", None))
            elif operator == "EMC":
                stack.pop()
            elif operator == "Tf":
                font = fonts.get(str(operands[0]))
            elif operator in TEXT_OPERATORS:
                strings = operands[-1] if operator != "TJ" else operands[0]
                items = strings if isinstance(strings, Array) else [strings]
                add(
                    "".join(
                        fold_presentation_forms(decoder.decode(font, bytes(item)))
                        for item in items
                        if isinstance(item, pikepdf.String)
                    )
                )
            elif operator == "Do" and depth < 8:
                xobject = xobjects.get(str(operands[0]))
                if xobject is not None and xobject.get("/Subtype") == Name.Form:
                    run(xobject, xobject.get("/Resources", resources), depth + 1)

    run(page, page.obj.get("/Resources"), 0)
    assert not stack, "unbalanced marked content (BDC/BMC without EMC)"
    return result


def _kids(node: Any) -> list[Any]:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _is_element(node: Any) -> bool:
    return (
        isinstance(node, Dictionary)
        and "/S" in node
        and node.get("/Type")
        not in (
            Name.MCR,
            Name.OBJR,
        )
    )


def _number_tree(node: Any) -> dict[int, Any]:
    """A number tree (e.g. /ParentTree) as a dict."""
    values: dict[int, Any] = {}
    numbers = node.get("/Nums")
    if numbers is not None:
        for index in range(0, len(numbers), 2):
            values[int(numbers[index])] = numbers[index + 1]
    for kid in node.get("/Kids", []):
        values.update(_number_tree(kid))
    return values


@dataclass
class Tagged:
    """A tagged PDF read back: its structure tree and the text of its marked content."""

    path: Path
    pdf: pikepdf.Pdf
    pages: list[PageText]
    # Structure elements in document (depth-first) order.
    elements: list[Any]
    # Marked content referenced by the tree, in tree order: (page index, MCID, element).
    references: list[tuple[int, int, Any]]
    # Annotation references: (annotation, element).
    objects: list[tuple[Any, Any]]

    @classmethod
    def read(cls, path: Path) -> Tagged:
        pdf = pikepdf.open(path)
        decoder = FontDecoder()
        pages = [_page_text(page, decoder) for page in pdf.pages]
        page_index = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        elements: list[Any] = []
        references: list[tuple[int, int, Any]] = []
        objects: list[tuple[Any, Any]] = []
        assert "/StructTreeRoot" in pdf.Root, f"{path.name} is not tagged"

        def walk(node: Any, page: int | None) -> None:
            if "/Pg" in node:
                page = page_index[node.Pg.objgen]
            for kid in _kids(node):
                if isinstance(kid, int) or (
                    isinstance(kid, pikepdf.Object)
                    and not isinstance(kid, Dictionary)
                    and kid._type_code == pikepdf.ObjectType.integer
                ):
                    assert page is not None, f"MCID {int(kid)} of {node.S} has no page"
                    references.append((page, int(kid), node))
                elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
                    kid_page = page_index[kid.Pg.objgen] if "/Pg" in kid else page
                    assert kid_page is not None, f"MCR of {node.S} has no page"
                    references.append((kid_page, int(kid.MCID), node))
                elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
                    objects.append((kid.Obj, node))
                elif _is_element(kid):
                    elements.append(kid)
                    walk(kid, page)

        walk(pdf.Root.StructTreeRoot, None)
        # A structure element's /ActualText is what is read for its marked content (how a
        # right-to-left line gives its logical order).
        for page_number, mcid, owner in references:
            if "/ActualText" in owner:
                pages[page_number].by_mcid[mcid] = str(owner.ActualText)
        return cls(path, pdf, pages, elements, references, objects)

    def text_of(self, element: Any) -> str:
        """The text of ``element`` and its descendants, in tree order."""
        inside = {element.objgen}
        for candidate in self.elements:
            if candidate.get("/P") is not None and candidate.P.objgen in inside:
                inside.add(candidate.objgen)
        return "".join(
            self.pages[page].by_mcid.get(mcid, "")
            for page, mcid, owner in self.references
            if owner.objgen in inside
        )

    @property
    def tree_text(self) -> str:
        """All the text the structure tree reaches, in tree order (what is read aloud)."""
        return "".join(self.pages[page].by_mcid.get(mcid, "") for page, mcid, _ in self.references)

    def of_type(self, *types: str) -> list[Any]:
        names = {Name("/" + kind) for kind in types}
        return [element for element in self.elements if element.S in names]

    def ancestors(self, element: Any) -> Iterator[Any]:
        node = element.get("/P")
        while node is not None and "/S" in node:
            yield node
            node = node.get("/P")


@dataclass(frozen=True)
class Case:
    """A built sheet: its PDF, its source and the factsheet.yaml it was built with."""

    name: str
    pdf: Path
    source: Path
    config: Path


@pytest.fixture(scope="module")
def content_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every content/*.md of the repo, built once with the CLI into a temporary folder."""
    out = tmp_path_factory.mktemp("content-pdfs")
    result = run_cli(["pdf", "content", "--out", str(out), "--force"], cwd=PROJECT_ROOT)
    assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
    return {name: out / f"{name}.pdf" for name in CONTENT_NAMES}


@pytest.fixture(scope="module")
def french_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with its own emblem text, holding a French sheet with an image and a table,
    built with the CLI into out/."""
    project = make_project(tmp_path_factory.mktemp("french") / "project")
    config = project / "factsheet.yaml"
    settings = config.read_text(encoding="utf-8")
    settings = re.sub(r"(?m)^emblem_alt:.*$", f"emblem_alt: {FRENCH_EMBLEM_ALT}", settings)
    config.write_text(settings, encoding="utf-8")
    Image.new("RGB", (48, 24), (22, 46, 81)).save(project / "content" / "barres.png")
    write_sheet(project, "fiche", FRENCH_SHEET)
    result = run_cli(["pdf", "content/fiche.md", "--out", "out"], cwd=project)
    assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
    return project


LAYOUT_SAMPLES = PROJECT_ROOT / "docs" / "layouts"
GALLERY = PROJECT_ROOT / "docs" / "gallery"
GALLERY_NAMES = sorted(path.stem for path in GALLERY.glob("*.md"))
PACKAGE_LOCALES = PROJECT_ROOT / "factsheet" / "locales"
LAYOUT_NAMES = sorted(path.stem for path in LAYOUT_SAMPLES.glob("*.md"))


@pytest.fixture(scope="module")
def layouts_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project holding the sample sheet of every layout and marking (docs/layouts/), built
    with the CLI into dist/."""
    project = make_project(tmp_path_factory.mktemp("layouts") / "project")
    for path in [*LAYOUT_SAMPLES.iterdir(), *GALLERY.iterdir()]:
        if path.suffix in (".md", ".svg", ".jpg") or path.name == "clinic.jpg":
            shutil.copy(path, project / "content" / path.name)
    result = run_cli(["pdf", "content"], cwd=project)
    assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
    return project


LANGUAGE_SAMPLES = PROJECT_ROOT / "docs" / "languages"
LANGUAGE_NAMES = sorted(path.stem for path in LANGUAGE_SAMPLES.glob("*.md"))


@pytest.fixture(scope="module")
def languages_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project holding the sample sheet of every language (docs/languages/), built with the
    CLI into dist/."""
    project = make_project(tmp_path_factory.mktemp("languages") / "project")
    for path in LANGUAGE_SAMPLES.glob("*.md"):
        shutil.copy(path, project / "content" / path.name)
    result = run_cli(["pdf", "content"], cwd=project)
    assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
    return project


CASE_NAMES = [
    *CONTENT_NAMES,
    "long-sheet",
    "french",
    *LAYOUT_NAMES,
    *GALLERY_NAMES,
    *(f"language-{name}" for name in LANGUAGE_NAMES),
]


@pytest.fixture(scope="module")
def cases(
    content_pdfs: dict[str, Path],
    long_pdf: Path,
    french_project: Path,
    layouts_project: Path,
    languages_project: Path,
) -> dict[str, Case]:
    """Every sheet checked here, by name."""
    built = {
        name: Case(name, content_pdfs[name], source, PROJECT_ROOT / "factsheet.yaml")
        for name, source in zip(CONTENT_NAMES, CONTENT_SOURCES, strict=True)
    }
    built["long-sheet"] = Case(
        "long-sheet", long_pdf, LONG_SOURCE, long_pdf.parent.parent / "factsheet.yaml"
    )
    built["french"] = Case(
        "french",
        french_project / "out" / "fiche.pdf",
        french_project / "content" / "fiche.md",
        french_project / "factsheet.yaml",
    )
    for name in [*LAYOUT_NAMES, *GALLERY_NAMES]:
        built[name] = Case(
            name,
            layouts_project / "dist" / f"{name}.pdf",
            layouts_project / "content" / f"{name}.md",
            layouts_project / "factsheet.yaml",
        )
    for name in LANGUAGE_NAMES:
        built[f"language-{name}"] = Case(
            f"language-{name}",
            languages_project / "dist" / f"{name}.pdf",
            languages_project / "content" / f"{name}.md",
            languages_project / "factsheet.yaml",
        )
    return built


@pytest.fixture(scope="module", params=CASE_NAMES)
def case(request: pytest.FixtureRequest, cases: dict[str, Case]) -> Case:
    """Each sheet in turn."""
    return cases[request.param]


@pytest.fixture(scope="module")
def tagged(case: Case) -> Iterator[Tagged]:
    """The sheet's PDF read back."""
    read = Tagged.read(case.pdf)
    yield read
    read.pdf.close()


# Written out here, independently of the layouts' `defaults`: what each kind of document prints.
LAYOUT_LABELS = {
    "fact-sheet": "Fact Sheet",
    "media-note": "Media Note",
    "joint-statement": "Joint Statement",
    "remarks": "Remarks",
}
LAYOUT_OFFICES = {"media-note": "Office of the Spokesperson"}
DRAFT_MARKING = "DRAFT — NOT FOR RELEASE"


def layout_of(case: Case) -> str:
    return str(front_matter(case.source).get("layout", "fact-sheet"))


def printed_label(case: Case) -> str:
    english = LAYOUT_LABELS[layout_of(case)]
    return str(front_matter(case.source).get("label") or catalog_word(sheet_lang(case), english))


def catalog_word(lang: str, english: str) -> str:
    """``english`` as the language's message catalog translates it (read with Babel's .po
    reader); English when there is no catalog or no translation."""
    language = lang.split("-", maxsplit=1)[0]
    candidates = [lang.replace("-", "_"), language]
    if language == "zh":
        candidates.insert(1, "zh_Hant" if lang.endswith(("Hant", "TW", "HK")) else "zh_Hans")
    for name in candidates:
        path = PACKAGE_LOCALES / f"{name}.po"
        if path.is_file():
            with path.open("rb") as file:
                message = read_po(file).get(english)
            return str(message.string) if message is not None and message.string else english
    return english


def printed_office(case: Case) -> str | None:
    meta = front_matter(case.source)
    office = LAYOUT_OFFICES.get(layout_of(case))
    return meta.get("office") or (office and catalog_word(sheet_lang(case), office))


def printed_agency(case: Case) -> str:
    """The sheet's own agency, else factsheet.yaml's in the sheet's language (`translations`,
    by language tag, then language), else the English one."""
    meta, config = front_matter(case.source), settings(case)
    lang = sheet_lang(case).lower()
    translations = {key.lower(): value for key, value in config.get("translations", {}).items()}
    same_language = lang.split("-")[0] == str(config.get("lang", "en")).split("-")[0]
    translated = (
        {}
        if same_language
        else (translations.get(lang) or translations.get(lang.split("-")[0]) or {})
    )
    english = config.get("agency", "U.S. Department of State")
    return str(meta.get("agency") or translated.get("agency") or english)


def is_draft(case: Case) -> bool:
    return front_matter(case.source).get("status") == "draft"


def contact_addresses(case: Case) -> set[str]:
    """The link targets of the contact block (its email and web addresses) and of the sheet's
    own web address (``url``), printed with its QR code."""
    found = {front_matter(case.source)["url"]} if "url" in front_matter(case.source) else set()
    for line in front_matter(case.source).get("contact", []):
        found |= {f"mailto:{email}" for email in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", line)}
        found |= set(re.findall(r"https?://\S+[^\s.,;:]", line))
    return found


def settings(case: Case) -> dict[str, Any]:
    return yaml.safe_load(case.config.read_text(encoding="utf-8")) or {}


def sheet_lang(case: Case) -> str:
    return str(front_matter(case.source).get("lang") or settings(case).get("lang") or "en")


# Written out here, independently of the product's tables: the French sheet prints French.
FRENCH_MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
)


# Persian is printed with its own digits (CLDR's default numbering system for fa).
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def printed_date(date: datetime.date, lang: str = "en") -> str:
    if lang == "fr" and date.day != 1:
        return f"{date.day} {FRENCH_MONTHS.split()[date.month - 1]} {date.year}"
    if lang in ("en", "en-US"):
        return f"{MONTHS[date.month - 1]} {date.day}, {date.year}"
    # Other languages: CLDR's long date, as Babel formats it.
    printed = babel.dates.format_date(date, "long", locale=babel.Locale.parse(lang, sep="-"))
    printed = printed.replace("\u202f", "\xa0")
    return printed.translate(PERSIAN_DIGITS) if lang.startswith("fa") else printed


def page_of(number: int, total: int, lang: str) -> str:
    words = catalog_word(lang, "Page {page} of {pages}")
    printed = words.replace("{page}", str(number)).replace("{pages}", str(total))
    return printed.translate(PERSIAN_DIGITS) if lang.startswith("fa") else printed


_MARKDOWN = MarkdownIt("commonmark").enable("table").use(footnote_plugin)


def _flatten(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _flatten(token.children)


def _plain(inline: Token) -> str:
    """The text an inline token prints (links by their text; images and note calls left out)."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


@dataclass
class Markdown:
    """What a sheet's Markdown body says the PDF must contain (CommonMark + tables + notes)."""

    first_text: str
    printed: str
    headings: list[tuple[int, str]]
    list_items: list[str]
    links: set[str]
    footnotes: int
    has_table: bool
    # Links in the body (not in a footnote) whose text is not their address.
    links_with_notes: int

    @classmethod
    def of(cls, source: Path) -> Markdown:
        endnotes = front_matter(source).get("link_notes") == "endnotes"
        return cls.parse(markdown_body(source), endnotes=endnotes)

    @classmethod
    def parse(cls, body: str, *, endnotes: bool = False) -> Markdown:
        """What the body must print; with ``endnotes``, the addresses are listed under a
        "Links" heading at the end instead of printed in notes."""
        # `# # #` (or `###`) alone on a line is a release's end mark, never a heading.
        body = re.sub(r"(?m)^ {0,3}(# # #|###)[ \t]*$", "", body)
        body = _boxes_as_headings(body)
        tokens = _MARKDOWN.parse(body)
        inlines = [token for token in tokens if token.type == "inline"]
        headings = [
            (int(token.tag[1:]), _plain(tokens[index + 1]))
            for index, token in enumerate(tokens)
            if token.type == "heading_open"
        ]
        items = [
            _plain(next(t for t in tokens[index:] if t.type == "inline"))
            for index, token in enumerate(tokens)
            if token.type == "list_item_open"
        ]
        links, noted, in_notes, addresses = set(), 0, False, []
        for token in tokens:
            in_notes = (in_notes or token.type == "footnote_block_open") and (
                token.type != "footnote_block_close"
            )
            if token.type != "inline":
                continue
            children = token.children or []
            for index, child in enumerate(children):
                if child.type != "link_open":
                    continue
                address = str(child.attrGet("href"))
                if address.startswith("#"):
                    continue
                links.add(address)
                text = children[index + 1].content if index + 1 < len(children) else ""
                # On paper a link's address is printed in a note unless its text is the address;
                # inside a note it is printed in place.
                if not in_notes and text not in (address, address.removeprefix("mailto:")):
                    noted += 1
                    if address not in addresses:
                        addresses.append(address)
        if endnotes and addresses:
            headings.append((2, "Links"))
            items += addresses
            noted = 0
        return cls(
            first_text=_plain(inlines[0]) if inlines else "",
            printed=" ".join(_plain(inline) for inline in inlines),
            headings=headings,
            list_items=items,
            links=links,
            footnotes=sum(token.type == "footnote_open" for token in _flatten(tokens)),
            has_table=any(token.type == "table_open" for token in tokens),
            links_with_notes=noted,
        )


def _boxes_as_headings(body: str) -> str:
    """``::: box Title`` … ``:::`` as what it prints: its title a heading one level below the
    section it is in (``##`` before any section), then its content."""
    lines, section = [], 1
    for line in body.split("\n"):
        heading = re.match(r"^(#{2,6}) ", line)
        if heading:
            section = len(heading.group(1))
        box = re.match(r"^:::\s*box\s+(.+)$", line)
        if box:
            lines += ["#" * min(section + 1, 6) + " " + box.group(1).strip(), ""]
        elif re.match(r"^:::\s*$", line):
            lines.append("")
        else:
            lines.append(line)
    return "\n".join(lines)


# 1. Tagged PDF/UA-1 --------------------------------------------------------------------------


def test_tagged_with_title_language_and_ua_identifier(case: Case, tagged: Tagged) -> None:
    """pdfinfo: Tagged yes and the title; catalog: /Lang, DisplayDocTitle; XMP pdfuaid:part 1."""
    info = pdfinfo(case.pdf)
    assert info.get("Tagged") == "yes", info
    # The title is printed (and named) with the body's typography: d'échanges → d’échanges.
    title = front_matter(case.source)["title"].replace("'", "’")
    assert info.get("Title") == (f"DRAFT: {title}" if is_draft(case) else title), info
    root = tagged.pdf.Root
    assert str(root.get("/Lang", "")) == sheet_lang(case)
    assert root.ViewerPreferences.get("/DisplayDocTitle") is True
    assert root.MarkInfo.get("/Marked") is True
    meta = tagged.pdf.open_metadata()
    assert str(meta.get("pdfuaid:part")) == "1"


def test_french_sheet_language(cases: dict[str, Case]) -> None:
    """`lang: fr` in the front matter gives /Lang fr (while the site default is en)."""
    french = cases["french"]
    assert settings(french).get("lang", "en") == "en"
    with pikepdf.open(french.pdf) as pdf:
        assert str(pdf.Root.Lang) == "fr"


# 3. Structure a screen reader can use ---------------------------------------------------------


def test_every_mcid_is_in_the_tree_and_parent_tree(tagged: Tagged) -> None:
    """Marked content in the pages and in the tree match one to one, and the /ParentTree maps
    each (page, MCID) back to the element that holds it."""
    parent_tree = _number_tree(tagged.pdf.Root.StructTreeRoot.ParentTree)
    referenced: dict[int, set[int]] = {}
    for page_index, mcid, element in tagged.references:
        assert mcid not in referenced.setdefault(page_index, set()), (
            f"page {page_index + 1} MCID {mcid} referenced twice"
        )
        referenced[page_index].add(mcid)
        page = tagged.pdf.pages[page_index]
        slots = parent_tree.get(int(page.obj.StructParents))
        assert isinstance(slots, Array), f"page {page_index + 1}: no ParentTree entry"
        assert slots[mcid].objgen == element.objgen, (
            f"ParentTree[page {page_index + 1}][{mcid}] is not the element holding it"
        )
    for page_index, page in enumerate(tagged.pages):
        assert page.mcids == referenced.get(page_index, set()), (
            f"page {page_index + 1}: marked content not in the tree: "
            f"{sorted(page.mcids - referenced.get(page_index, set()))}; "
            f"in the tree but not on the page: "
            f"{sorted(referenced.get(page_index, set()) - page.mcids)}"
        )


def test_all_text_is_tagged_or_artifact(tagged: Tagged) -> None:
    """No text is drawn outside marked content."""
    for index, page in enumerate(tagged.pages):
        assert not page.unmarked.strip(), f"page {index + 1}: untagged text {page.unmarked!r}"


def test_reading_order_of_the_sheet_head(case: Case, tagged: Tagged) -> None:
    """Masthead (agency, partners), label, office, dateline and date, title (H1), then the body;
    a media note puts the date line first, remarks put who spoke, where and when after the
    title."""
    meta = front_matter(case.source)
    body_start = Markdown.of(case.source).first_text
    masthead = [("agency", printed_agency(case))]
    masthead += [("partner", partner["name"]) for partner in meta.get("partners", [])]
    markings = [("draft marking", DRAFT_MARKING if is_draft(case) else None)]
    label = [("label", printed_label(case)), ("office", printed_office(case))]
    date = [
        ("dateline", meta.get("dateline")),
        ("date", printed_date(meta["date"], sheet_lang(case))),
    ]
    title = [("title", meta["title"])]
    occasion = [("speaker", meta.get("speaker")), ("place", meta.get("place"))]
    body = [("body", " ".join(body_start.split()[:6]))]
    head = {
        "media-note": markings + date + label + title,
        "remarks": markings + label + title + occasion + date,
    }.get(layout_of(case), markings + label + date + title)
    expected = masthead + head + body
    text = squeeze(tagged.tree_text)
    position, found = -1, []
    for what, value in expected:
        if not value:
            continue
        at = text.find(squeeze(str(value)), position + 1)
        assert at > position, (
            f"{what} {value!r} not found after {found[-1] if found else 'the start'} "
            f"in the structure tree's text"
        )
        position = at
        found.append(what)


def _case_bodies() -> dict[str, str]:
    """The Markdown body of each case, read before anything is built."""
    bodies = {
        name: markdown_body(source)
        for name, source in zip(CONTENT_NAMES, CONTENT_SOURCES, strict=True)
    }
    bodies["long-sheet"] = markdown_body(LONG_SOURCE)
    bodies["french"] = FRENCH_SHEET.split("---\n", 2)[2]
    bodies.update((name, markdown_body(LAYOUT_SAMPLES / f"{name}.md")) for name in LAYOUT_NAMES)
    bodies.update((name, markdown_body(GALLERY / f"{name}.md")) for name in GALLERY_NAMES)
    bodies.update(
        (f"language-{name}", markdown_body(LANGUAGE_SAMPLES / f"{name}.md"))
        for name in LANGUAGE_NAMES
    )
    return bodies


def _has_notes(body: str) -> bool:
    """Whether the PDF of this body must print notes: footnotes, or links whose address is
    printed in a note."""
    markdown = Markdown.parse(body)
    return markdown.footnotes + markdown.links_with_notes > 0


# Sheets whose links' addresses are gathered at the end: no notes, and each link is followed
# by its number in the text.
ENDNOTE_CASE_NAMES = {
    name for name in GALLERY_NAMES if front_matter(GALLERY / f"{name}.md").get("link_notes")
}
# The sheets whose note order can be checked: a sheet without notes has none to misplace.
NOTED_CASE_NAMES = [
    name
    for name, body in _case_bodies().items()
    if _has_notes(body) and name not in ENDNOTE_CASE_NAMES
]


def test_note_order_is_checked_on_the_sheets_with_notes() -> None:
    """Every sheet is classified, and those with notes include the long fixture and the French
    sheet: the note-order test below always runs, on at least those two sheets."""
    assert set(_case_bodies()) == set(CASE_NAMES)
    assert {"long-sheet", "french"} <= set(NOTED_CASE_NAMES), NOTED_CASE_NAMES


@pytest.mark.parametrize("case", NOTED_CASE_NAMES, indirect=True)
def test_notes_are_read_after_the_body_of_their_page(case: Case, tagged: Tagged) -> None:
    """On each page the footnotes are read after all of that page's body text: a note never
    interrupts the body (on a one-page sheet, the notes come after the whole body)."""
    notes = {note.objgen for note in tagged.of_type("Note")}
    assert notes, (
        f"{case.name}: the Markdown has notes but the PDF has no /Note element, so there is no "
        "note whose reading order could be checked"
    )

    def in_note(element: Any) -> bool:
        return element.objgen in notes or any(
            ancestor.objgen in notes for ancestor in tagged.ancestors(element)
        )

    for index, page in enumerate(tagged.pages):
        sequence = [
            (in_note(owner), page.by_mcid.get(mcid, ""))
            for page_index, mcid, owner in tagged.references
            if page_index == index and page.by_mcid.get(mcid, "").strip()
        ]
        first_note = next((i for i, (note, _) in enumerate(sequence) if note), len(sequence))
        after = [text for note, text in sequence[first_note:] if not note]
        assert not after, f"page {index + 1}: body text read after the notes: {after[:3]}"


def test_exactly_one_h1_and_it_is_the_title(case: Case, tagged: Tagged) -> None:
    """One H1, whose text is the title."""
    h1 = tagged.of_type("H1")
    assert len(h1) == 1, f"{len(h1)} H1 elements"
    assert squeeze(tagged.text_of(h1[0])) == squeeze(front_matter(case.source)["title"])


def test_headings_follow_the_markdown_without_skipping(case: Case, tagged: Tagged) -> None:
    """H2…H6 are the Markdown's ## headings, in order, and no level is skipped."""
    headings = [
        (int(str(element.S)[2:]), tagged.text_of(element))
        for element in tagged.elements
        if re.fullmatch(r"/H[1-6]", str(element.S))
    ]
    expected = Markdown.of(case.source).headings
    assert [(level, squeeze(text)) for level, text in headings[1:]] == [
        (level, squeeze(text)) for level, text in expected
    ]
    levels = [level for level, _ in headings]
    assert levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"heading level skips from H{before} to H{after}"
    assert not tagged.of_type("H"), "generic /H headings instead of numbered ones"


def test_long_fixture_has_h2_and_h3(cases: dict[str, Case]) -> None:
    """The long fixture exercises nested headings (else the no-skip check proves little)."""
    levels = {level for level, _ in Markdown.of(cases["long-sheet"].source).headings}
    assert {2, 3} <= levels


def test_lists_are_l_li_lbody(case: Case, tagged: Tagged) -> None:
    """Each Markdown list item is an LI with an LBody holding its text, inside an L."""
    expected = Markdown.of(case.source).list_items
    items = tagged.of_type("LI")
    assert len(items) == len(expected), f"{len(items)} LI for {len(expected)} list items"
    for item, text in zip(items, expected, strict=True):
        assert item.P.S == Name.L, f"LI inside {item.P.S}"
        kinds = [kid.S for kid in _kids(item) if _is_element(kid)]
        assert Name.LBody in kinds, f"LI without LBody: {kinds}"
        body = next(kid for kid in _kids(item) if _is_element(kid) and Name.LBody == kid.S)
        read, written = squeeze(tagged.text_of(body)), squeeze(text)
        if case.name in ENDNOTE_CASE_NAMES:
            # A link's endnote number follows it in the text.
            read, written = re.sub(r"\d", "", read), re.sub(r"\d", "", written)
        assert read.startswith(written), (
            f"LBody reads {tagged.text_of(body)[:60]!r}, expected {text[:60]!r}"
        )
    for element in tagged.of_type("L"):
        kinds = {kid.S for kid in _kids(element) if _is_element(kid)}
        assert kinds <= {Name.LI, Name.Caption}, f"L holds {kinds}"


def _table_attributes(element: Any) -> list[Any]:
    attributes = element.get("/A")
    items = attributes if isinstance(attributes, Array) else [attributes]
    return [item for item in items if isinstance(item, Dictionary)]


def test_table_headers_have_scope(case: Case, tagged: Tagged) -> None:
    """Every TH has a /Scope in its /Table attributes; header-row cells have /Column; every
    /Headers of a TD names an existing TH /ID."""
    tables = tagged.of_type("Table")
    assert bool(tables) == Markdown.of(case.source).has_table
    header_ids = set()
    for header in tagged.of_type("TH"):
        table_attributes = [a for a in _table_attributes(header) if a.get("/O") == Name.Table]
        scopes = [a.Scope for a in table_attributes if "/Scope" in a]
        text = tagged.text_of(header)
        assert scopes, f"TH {text!r} has no /Scope"
        row = header.P
        header_row = Name.THead == row.P.S or all(
            cell.S == Name.TH for cell in _kids(row) if _is_element(cell)
        )
        if header_row:
            assert scopes[0] == Name.Column, f"TH {text!r} in a header row has {scopes[0]}"
        if "/ID" in header:
            header_ids.add(bytes(header.ID))
    for cell in tagged.of_type("TD"):
        for attributes in _table_attributes(cell):
            for name in attributes.get("/Headers", []):
                assert bytes(name) in header_ids, f"TD names unknown header {name!r}"


def test_links_have_alt_and_annotation(case: Case, tagged: Tagged) -> None:
    """Each Link element has /Alt and an OBJR to a /Link annotation carrying the address; the
    addresses are exactly the Markdown's; every link annotation on the pages is tagged."""
    parent_tree = _number_tree(tagged.pdf.Root.StructTreeRoot.ParentTree)
    found = set()
    tagged_annotations = set()
    for element in tagged.of_type("Link"):
        alt = str(element.get("/Alt", ""))
        annotations = [obj for obj, owner in tagged.objects if owner.objgen == element.objgen]
        assert annotations, f"Link {tagged.text_of(element)!r} has no OBJR"
        for annotation in annotations:
            assert annotation.Subtype == Name.Link
            uri = str(annotation.A.get("/URI", "")) if "/A" in annotation else ""
            contents = str(annotation.get("/Contents", ""))
            address = uri or contents
            assert address, "link annotation without an address"
            assert contents, "link annotation without /Contents"
            found.add(address)
            assert alt.strip(), f"Link to {address} has no /Alt"
            assert address.removeprefix("mailto:") in alt, f"/Alt {alt!r} lacks {address}"
            assert parent_tree[int(annotation.StructParent)].objgen == element.objgen
            tagged_annotations.add(annotation.objgen)
    assert found == Markdown.of(case.source).links | contact_addresses(case)
    for number, page in enumerate(tagged.pdf.pages, start=1):
        if page.obj.get("/Annots"):
            # PDF/UA-1 7.18.3: tab order follows the structure on pages with annotations.
            assert page.obj.get("/Tabs") == Name.S, f"page {number}: /Tabs is not /S"
        for annotation in page.obj.get("/Annots", []):
            if annotation.get("/Subtype") == Name.Link:
                assert annotation.objgen in tagged_annotations, (
                    f"page {number}: untagged link annotation"
                )


def test_emblem_is_a_figure_with_configured_alt(case: Case, tagged: Tagged) -> None:
    """The masthead emblem is a /Figure whose /Alt is factsheet.yaml's emblem_alt, read before
    the title."""
    alt = settings(case).get("emblem_alt", "Emblem")
    figures = tagged.of_type("Figure")
    assert figures, "no Figure"
    assert str(figures[0].get("/Alt")) == alt
    title = tagged.of_type("H1")[0]
    assert tagged.elements.index(figures[0]) < tagged.elements.index(title)


def test_every_figure_has_alt(tagged: Tagged) -> None:
    """No Figure without alternative text."""
    for figure in tagged.of_type("Figure"):
        assert str(figure.get("/Alt", "")).strip(), "Figure without /Alt"


def test_content_image_is_a_figure_with_its_alt(cases: dict[str, Case]) -> None:
    """An image of the body is a Figure whose /Alt is the Markdown alt text."""
    french = Tagged.read(cases["french"].pdf)
    try:
        alts = [str(figure.get("/Alt", "")) for figure in french.of_type("Figure")]
    finally:
        french.pdf.close()
    assert alts == [FRENCH_EMBLEM_ALT, FRENCH_IMAGE_ALT]


def test_page_furniture_is_artifact_not_read(case: Case, tagged: Tagged) -> None:
    """Running header, footer and "Page N of M" are /Artifact content, absent from the text
    the structure tree reaches; so are a draft's marking in the header and footer and its
    watermark."""
    meta = front_matter(case.source)
    title = meta.get("short_title") or meta["title"]
    agency = printed_agency(case)
    lang = sheet_lang(case)
    footer = f"{printed_label(case)} · {printed_date(meta['date'], lang)}"
    total = len(tagged.pages)
    tree = squeeze(tagged.tree_text)
    # Artifacts are not read, so their glyphs carry no logical order: right to left, they are
    # found letter for letter (as a multiset), not as strings.
    right_to_left = lang.split("-")[0] in ("ar", "fa", "ur", "he")

    def printed_in(value: str, artifact: str) -> bool:
        if right_to_left:
            return not Counter(squeeze(value)) - Counter(artifact)
        return squeeze(value) in artifact

    for number, page in enumerate(tagged.pages, start=1):
        artifact = squeeze(page.artifact)
        assert printed_in(page_of(number, total, lang), artifact), (
            f"page {number}: {page.artifact!r}"
        )
        assert printed_in(footer, artifact), f"page {number}: {page.artifact!r}"
        marked = is_draft(case) or "embargo" in meta  # the marking is in the title's place
        if number > 1 and not marked:
            assert printed_in(title, artifact), f"page {number}: no running title"
        if number > 1:
            assert printed_in(agency, artifact), f"page {number}: no running agency"
        if is_draft(case):
            marking = squeeze(DRAFT_MARKING)
            # In the footer, and in the running header in the title's place.
            assert artifact.count(marking) == 2, f"page {number}: {page.artifact!r}"
            watermark = artifact.replace(marking, "")
            assert "draft" in watermark, f"page {number}: no watermark: {page.artifact!r}"
    if is_draft(case):
        # Read once: where it is printed above the title.
        assert tree.count(squeeze(DRAFT_MARKING)) == 1, "the draft marking is read more than once"
    assert not re.search(r"Page \d+ (of|sur) \d+", tagged.tree_text), "page numbers are read"
    # With its "·": the label and the date are read (next to each other, on some sheets).
    assert re.sub(r"\s", "", footer) not in re.sub(r"\s", "", tagged.tree_text), (
        "the running footer is read aloud"
    )
    web_address = front_matter(case.source).get("url", "")
    printed = squeeze(f"{meta['title']} {agency} {Markdown.of(case.source).printed} {web_address}")
    for what, value in (("title", title), ("agency name", agency)):
        assert tree.count(squeeze(value)) == printed.count(squeeze(value)), (
            f"the running {what} is read aloud"
        )


def test_footnotes_are_notes_with_unique_ids(case: Case, tagged: Tagged) -> None:
    """Each footnote (Markdown note or link address) is a /Note with a unique /ID; notes are
    numbered 1, 2, … in tree order."""
    notes = tagged.of_type("Note")
    markdown = Markdown.of(case.source)
    expected = markdown.footnotes + markdown.links_with_notes
    assert len(notes) == expected, (
        f"{len(notes)} /Note elements for {markdown.footnotes} footnotes and "
        f"{markdown.links_with_notes} links whose address is printed in a note"
    )
    ids = [bytes(note.get("/ID", b"")) for note in notes]
    assert all(ids), "a /Note without /ID"
    all_ids = [bytes(element.ID) for element in tagged.elements if "/ID" in element]
    assert len(all_ids) == len(set(all_ids)), "structure element IDs are not unique"
    for number, note in enumerate(notes, start=1):
        text = tagged.text_of(note)
        assert re.match(rf"\s*{number}\.\s*\S", text), f"note {number} reads {text[:40]!r}"


# 4. Images need alt text ------------------------------------------------------------------------


@pytest.mark.parametrize("image", ["![](pic.png)", "![  ](pic.png)"])
def test_image_without_alt_is_an_error_at_its_line(project: Path, image: str) -> None:
    """`check` (and `pdf`) reject an image without alt text, naming the file and line."""
    Image.new("RGB", (8, 8), (0, 0, 0)).save(project / "content" / "pic.png")
    text = sheet_text("Pictures", f"A paragraph.\n\n{image}", date="2020-01-02")
    write_sheet(project, "pictures", text)
    line = text.splitlines().index(image) + 1
    for command in (["check", "content/pictures.md"], ["pdf", "content/pictures.md"]):
        result = run_cli(command, cwd=project)
        output = result.stdout + result.stderr
        assert result.returncode == 1, output
        assert f"content/pictures.md:{line}:" in output, output
        assert "pic.png" in output and "alt" in output.lower(), output
    assert not (project / "dist" / "pictures.pdf").exists()


# 7. The independent checker ---------------------------------------------------------------------

# pdfua 0.1.3 with pikepdf 10: rule UA-14-001 calls getattr(value, "is_integer") on heading
# kids, which raises ValueError (not AttributeError) for an Array, so the rule is reported as
# "skip". The wrapper replaces the helper so that every rule runs; same CLI otherwise.
PDFUA_WRAPPER = """\
import sys

import pdfua.rules.structure as structure


def as_integer(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return None


if hasattr(structure, "as_integer"):
    structure.as_integer = as_integer

from pdfua.cli import main

sys.exit(main())
"""


def _json_documents(text: str) -> list[dict[str, Any]]:
    """pdfua prints one JSON object per file, one after the other."""
    decoder, documents, index = json.JSONDecoder(), [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        document, index = decoder.raw_decode(text, index)
        documents.append(document)
    return documents


def test_pdfua_checker_finds_nothing(cases: dict[str, Case], tmp_path: Path) -> None:
    """The PyPI `pdfua` checker runs every rule on every content PDF, the long fixture and the
    French sheet, skips none, and reports zero findings."""
    assert importlib.util.find_spec("pdfua") is not None, (
        "the PyPI package `pdfua`, a test dependency, is not installed: "
        "pip install -e '.[test]' (or pip install 'pdfua>=0.1.3,<0.2')"
    )
    wrapper = tmp_path / "pdfua_fixed.py"
    wrapper.write_text(PDFUA_WRAPPER, encoding="utf-8")
    files = [cases[name].pdf for name in CASE_NAMES]
    result = subprocess.run(
        [sys.executable, str(wrapper), "check", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode in (0, 1, 2, 3), f"pdfua failed:\n{result.stdout}\n{result.stderr}"
    reports = _json_documents(result.stdout)
    assert len(reports) == len(files), result.stdout
    problems = []
    for report in reports:
        name = Path(report["file"]).name
        if report["summary"]["rules_run"] == 0:
            problems.append(f"{name}: no rule ran")
        for skipped in report.get("skipped", []):
            problems.append(f"{name}: rule {skipped['rule_id']} skipped: {skipped['reason']}")
        for finding in report.get("findings", []):
            problems.append(f"{name}: {json.dumps(finding)}")
    assert not problems, "\n".join(problems)
    assert result.returncode == 0, result.stdout
