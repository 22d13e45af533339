"""The lint pass: check the token stream, record each problem at its line, note what is there.

A core rule that runs after markdown-it's own (and after the footnote plugin has gathered the
definitions at the end of the stream). It changes nothing that is printed; it records:

- every problem, at the file line it is on: links that cannot be printed, images that are
  missing, outside ``content/``, given as addresses or without alt text, headings that skip a
  level, footnotes cited but never defined or defined but never cited;
- what later stages and commands read: the sheet's links, images, headings, footnotes and the
  text of each block (which the PDF stage names when a page budget is exceeded);
- on each image token, the checked file (``meta["path"]``) and whether it is decorative.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..svg import svg_inputs
from .state import Block, DocumentState, Footnote, Heading, Link

LINK_SCHEMES = ("http", "https", "mailto")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
# Written right after an image, marks it as decorative: no alt text, left out of the read text.
DECORATIVE = '{alt=""}'
# A citation left as text after parsing is one whose definition does not exist.
CITATION = re.compile(r"\[\^([^\]\s]+)\]")
# What a block is called in a message, by its HTML tag.
BLOCK_NAMES = {
    "h2": "heading",
    "h3": "heading",
    "h4": "heading",
    "h5": "heading",
    "h6": "heading",
    "p": "paragraph",
    "li": "list item",
    "tr": "table row",
    "blockquote": "quotation",
    "table": "table",
    "ul": "list",
    "ol": "list",
}
# More pixels than any printed page needs; decoding more could exhaust memory.
MAX_IMAGE_PIXELS = 40_000_000
# An image's size: a percentage of the text width, or a length.
WIDTH = re.compile(r"\d{1,3}%|\d+(\.\d+)?(in|cm|mm|pt)")
# A figure may float beside the text, to the right or the left.
FLOATS = ("right", "left")
# Emphasis in emphasis in a link…: far deeper than any real sentence.
MAX_INLINE_NESTING = 20
# How much of a long address or file name a message shows.
SHOWN_VALUE_LENGTH = 200
# Enough of a block's text to name it in a message.
BLOCK_TEXT_LENGTH = 61


def lint_plugin(md: MarkdownIt) -> None:
    """Register the lint pass as a core rule."""
    # Before text_join: an escaped `\[^1]` is still a separate text_special token there, so
    # it is not mistaken for a citation.
    md.core.ruler.before("text_join", "factsheet_lint", lint_rule)


def lint_rule(state: StateCore) -> None:
    """Check every token of the document and fill in the :class:`Body`'s inventory."""
    document = DocumentState.of(state.env)
    main, document.definitions = split_definitions(state.tokens)
    linter = _Linter(document)
    linter.check(main)
    linter.check_anchors()
    _check_uncited_footnotes(document, state.env)


def split_definitions(tokens: list[Token]) -> tuple[list[Token], dict[int, list[Token]]]:
    """Separate the footnote definitions (which the plugin appends at the end) from the body."""
    start = next(
        (index for index, token in enumerate(tokens) if token.type == "footnote_block_open"),
        None,
    )
    if start is None:
        return tokens, {}
    definitions: dict[int, list[Token]] = {}
    current: list[Token] | None = None
    for token in tokens[start:]:
        if token.type == "footnote_open":
            current = definitions.setdefault(token.meta["id"], [])
        elif token.type == "footnote_close":
            current = None
        elif current is not None:
            current.append(token)
    return tokens[:start], definitions


class _Linter:
    """Walks the tokens in reading order, footnotes at their first citation."""

    def __init__(self, document: DocumentState) -> None:
        self.document = document
        self.body = document.body
        self.line = document.sheet.body_line
        self.cited: set[int] = set()
        # Blocks open at this point, whose text is still being gathered.
        self.open_blocks: list[tuple[int, str, list[str]]] = []

    def problem(self, message: str, line: int | None = None) -> None:
        self.document.collector.add(self.line if line is None else line, message)

    def check(self, tokens: Sequence[Token]) -> None:
        for index, token in enumerate(tokens):
            self.line = self.document.line_of(token.map, self.line)
            if token.nesting == 1 and token.map:
                self.open_blocks.append((self.line, token.tag, []))
                if token.type == "heading_open":
                    self.heading(token, tokens[index + 1])
                elif token.type.startswith("container_"):
                    # A box's heading is one level below the section it is in.
                    section = self.body.headings[-1].level if self.body.headings else 1
                    token.meta["heading_level"] = min(section + 1, 6)
            elif token.nesting == -1 and self.open_blocks and token.tag == self.open_blocks[-1][1]:
                self.close_block()
            elif token.type == "inline":
                self.inline(token.children or [], in_note=False)

    def close_block(self) -> None:
        line, tag, parts = self.open_blocks.pop()
        if line not in self.body.blocks:
            text = " ".join("".join(parts).split()).replace("'", "’")
            self.body.blocks[line] = Block(BLOCK_NAMES.get(tag, "block"), text)

    def gather_text(self, text: str) -> None:
        for _, _, parts in self.open_blocks:
            if sum(map(len, parts)) < BLOCK_TEXT_LENGTH:
                parts.append(text)

    def inline(self, children: Sequence[Token], in_note: bool) -> None:
        start_line = self.line
        depth = deepest = 0
        for token in children:
            depth += token.nesting
            deepest = max(deepest, depth)
        if deepest > MAX_INLINE_NESTING:
            # The layout engine recurses into nested elements: refuse before it runs out.
            self.problem(
                f"text nested {deepest} levels deep (emphasis, links); the limit is "
                f"{MAX_INLINE_NESTING}"
            )
        for index, token in enumerate(children):
            if token.type in ("softbreak", "hardbreak"):
                self.line += 1
                self.gather_text(" ")
            elif token.type in ("text", "text_special", "code_inline"):
                if token.type == "text":
                    for match in CITATION.finditer(token.content):
                        self.problem(f"footnote [^{match.group(1)}] is cited but never defined")
                if not in_note:
                    self.gather_text(token.content)
            elif token.type == "footnote_ref":
                self.footnote_ref(token, in_note)
            elif token.type == "link_open":
                self.link(children, index)
            elif token.type == "image":
                self.image(token)
        self.line = start_line

    def footnote_ref(self, token: Token, in_note: bool) -> None:
        footnote_id = token.meta["id"]
        if in_note:
            self.problem("a footnote cannot cite another footnote")
            return
        if footnote_id in self.cited:
            return
        self.cited.add(footnote_id)
        self.body.footnotes.append(Footnote(token.meta["label"], self.line))
        saved = self.line
        for part in self.document.definitions.get(footnote_id, []):
            self.line = self.document.line_of(part.map, self.line)
            if part.type == "inline":
                self.inline(part.children or [], in_note=True)
        self.line = saved

    def link(self, children: Sequence[Token], index: int) -> None:
        href = str(children[index].attrGet("href") or "")
        closing = next(
            (i for i in range(index + 1, len(children)) if children[i].type == "link_close"),
            len(children),
        )
        text = "".join(token.content for token in children[index + 1 : closing])
        self.body.links.append(Link(href, text, self.line))
        if href.startswith("#"):
            return
        quoted = shown_value(href)
        try:
            parts = urlsplit(href)
            parts.port  # noqa: B018 - raises ValueError for a port that is no number
        except ValueError as error:
            self.problem(f"link to {quoted} is not a valid address ({error})")
            return
        scheme = parts.scheme.lower()
        if scheme in LINK_SCHEMES:
            return
        if scheme:
            self.problem(f"link to {quoted}: only http, https and mailto links can be printed")
        else:
            self.problem(
                f"link to {quoted} has no scheme: write the full address, e.g. "
                f"https://{shown_value(href, quote=False)}"
            )

    def image(self, token: Token) -> None:
        source = str(token.attrGet("src") or "")
        quoted = shown_value(source)
        alt = "".join(child.content for child in token.children or [])
        written = dict(token.meta.get("insecure_attrs", {}))
        decorative = written.pop("alt", None) == ""
        self.figure_attributes(token, written, quoted)
        if decorative and alt.strip():
            self.problem(f"image {quoted} has alt text and is marked decorative: choose one")
        elif not decorative and not alt.strip():
            self.problem(
                f"image {quoted} has no alt text: write ![what it shows]({source}), "
                f"or ![]({source}){DECORATIVE} for a purely decorative image"
            )
        path = self.image_file(source, quoted)
        if path is None:
            return
        token.meta["path"] = path
        token.meta["decorative"] = decorative
        self.body.images.append(path)
        if path.suffix.lower() == ".svg":
            # What the SVG draws in is an input of the sheet too; what it cannot draw in is
            # an error here rather than a picture silently drawn without it.
            drawn = svg_inputs(path, self.document.site.readable_dirs)
            for target in drawn.refused:
                self.problem(
                    f"image {quoted} draws {shown_value(target)}, which cannot be used: an SVG "
                    "may draw only files inside content/ or templates/"
                )
            content_root = self.document.site.content_dir.resolve()
            self.body.images.extend(
                reference for reference in drawn.files if reference.is_relative_to(content_root)
            )
        if decorative:
            self.body.decorative_images.append(path)

    def figure_attributes(self, token: Token, written: dict[str, str], quoted: str) -> None:
        """Check an image's `{width=… credit="…" .right}` and keep them on the token."""
        if "width" in written:
            width = written.pop("width").strip()
            if re.fullmatch(r"\d{1,3}", width):
                width += "%"  # `{width=50%}`: the attribute syntax reads `%…}` as a comment
            if not WIDTH.fullmatch(width) or (width.endswith("%") and int(width[:-1]) > 100):
                self.problem(
                    f"image {quoted}: width {width!r} is not a size: write a percentage of the "
                    "text width (width=50%) or a length (width=3in, 8cm, 60mm, 200pt)"
                )
            else:
                token.meta["width"] = width
        if "credit" in written:
            token.meta["credit"] = written.pop("credit")
        classes = written.pop("class", "").split()
        for name in classes:
            if name in FLOATS:
                token.meta["float"] = name
            else:
                self.problem(
                    f"image {quoted}: class `.{name}` is not supported; "
                    f"the classes are {', '.join('.' + f for f in FLOATS)}"
                )
        for name in written:
            self.problem(
                f"image {quoted}: attribute `{name}` is not supported; the attributes are "
                f'{DECORATIVE} (decorative), width=…, credit="…" and .right or .left'
            )

    def image_file(self, source: str, quoted: str) -> Path | None:
        """The image file ``source`` names, or ``None`` (and a problem) if it cannot be used."""
        try:
            scheme = urlsplit(source).scheme
        except ValueError:  # an address urlsplit cannot even read, such as http://[oops
            scheme = "?"
        if scheme or source.startswith("/"):
            self.problem(f"image {quoted} must be a file next to the content, not an address")
            return None
        try:
            path = (self.document.sheet.path.parent / unquote(source)).resolve()
            usable = path.is_file()
        except (ValueError, OSError, RuntimeError):
            # A NUL byte, a name too long for the file system, a link loop.
            self.problem(f"image {quoted} is not a usable file name")
            return None
        if not path.is_relative_to(self.document.site.content_dir.resolve()):
            self.problem(f"image {quoted} is outside the content folder")
            return None
        if not usable:
            self.problem(f"image {quoted} not found")
            return None
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            self.problem(f"image {quoted} is not a PNG, JPEG, GIF, SVG or WebP file")
            return None
        if path.suffix.lower() != ".svg" and not self.raster_image_fits(path, quoted):
            return None
        return path

    def raster_image_fits(self, path: Path, quoted: str) -> bool:
        """True when the file is a readable picture of a printable size (its header only is
        read): a decompression bomb would exhaust the renderer's memory."""
        from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 - only for sheets with images

        too_large = (
            f"the limit is {MAX_IMAGE_PIXELS // 1_000_000} million pixels "
            "(a full-page photo at 300 dpi is 8)"
        )
        try:
            with Image.open(path) as picture:
                width, height = picture.size
        except Image.DecompressionBombError:
            self.problem(f"image {quoted} has far too many pixels; {too_large}")
            return False
        except (UnidentifiedImageError, OSError, ValueError):
            self.problem(f"image {quoted} is not a readable PNG, JPEG, GIF or WebP picture")
            return False
        if width * height > MAX_IMAGE_PIXELS:
            self.problem(f"image {quoted} is {width}×{height} pixels; {too_large}")
            return False
        return True

    def heading(self, token: Token, inline: Token) -> None:
        level = int(token.tag[1])
        previous = self.body.headings[-1].level if self.body.headings else 1
        if level == 1:
            self.problem("the title is the only level-1 heading: use `##` for a section heading")
        elif level > previous + 1:
            self.problem(
                f"heading level {level} follows level {previous}: use {'#' * (previous + 1)}"
            )
        anchor = self.unique_anchor(inline.content)
        token.meta["anchor"] = anchor
        self.body.headings.append(Heading(level, inline.content, self.line, anchor))

    def unique_anchor(self, text: str) -> str:
        """The heading's anchor, as GitHub makes them: `## Who may apply?` → `who-may-apply`."""
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-") or "section"
        taken = {heading.anchor for heading in self.body.headings}
        anchor, number = slug, 0
        while anchor in taken:
            number += 1
            anchor = f"{slug}-{number}"
        return anchor

    def check_anchors(self) -> None:
        """Every `#anchor` link names a heading of the sheet."""
        anchors = {heading.anchor for heading in self.body.headings}
        for link in self.body.links:
            if link.href.startswith("#") and unquote(link.href[1:]) not in anchors:
                known = ", ".join(sorted(anchors)) or "none: the sheet has no section headings"
                self.problem(
                    f"link to {shown_value(link.href)}: no heading has that anchor "
                    f"(anchors: {known})",
                    link.line,
                )


def shown_value(value: str, *, quote: bool = True) -> str:
    """``value`` as a message shows it: quoted (repr), and cut short when it is very long."""
    if len(value) > SHOWN_VALUE_LENGTH:
        value = value[:SHOWN_VALUE_LENGTH] + "…"
    return repr(value) if quote else value


def _check_uncited_footnotes(document: DocumentState, env: MutableMapping[str, Any]) -> None:
    footnotes = env.get("footnotes", {})
    refs: dict[str, int] = footnotes.get("refs", {}) if isinstance(footnotes, dict) else {}
    sheet = document.sheet
    lines = sheet.body.split("\n")
    for label, footnote_id in refs.items():
        if footnote_id == -1:
            name = label[1:]
            line = next(
                (i for i, text in enumerate(lines) if text.lstrip().startswith(f"[^{name}]:")), 0
            )
            document.collector.add(
                sheet.body_line + line, f"footnote [^{name}] is defined but never cited"
            )
