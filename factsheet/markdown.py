"""Stage 2: turn a sheet's Markdown body into print HTML, with links made readable on paper.

CommonMark with GFM tables, footnotes and smart typography (markdown-it-py). Raw HTML is never
passed through: it is printed as text. On paper a link cannot be clicked, so every link whose
text is not already its address gets the address in a footnote, and the first link to a host
outside the U.S. Government also carries the site's external-link disclaimer. Markdown
footnotes and link footnotes are emitted in place as ``<span class="note">`` elements, which
the stylesheet floats to the foot of the page that cites them (CSS ``float: footnote``), so all
notes share one numbering in reading order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from .config import Site
from .content import Sheet
from .errors import ProblemCollector

LINK_SCHEMES = ("http", "https", "mailto")
GOVERNMENT_SUFFIXES = ("gov", "mil", "fed.us")
# Written right after an image, marks it as decorative: no alt text, left out of the read text.
DECORATIVE = '{alt=""}'
# The same after smart quotes have curled the two quotation marks.
_DECORATIVE_MARK = re.compile(r'\{alt=(""|“”)\}')
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")

# Quotation marks by language (primary subtag): double open/close, single open/close.
QUOTES = {
    "en": "“”‘’",
    "de": "„“‚‘",
    "fr": ["«\u00a0", "\u00a0»", "“", "”"],
    "es": "«»“”",
    "it": "«»“”",
    "pt": "«»“”",
    "ru": "«»„“",
}


@dataclass(frozen=True)
class Heading:
    """A section heading of the body (its level is what the heading-order check needs)."""

    level: int
    text: str
    line: int


@dataclass
class Body:
    """The body rendered as HTML, with what later stages need to know about it."""

    html: str
    headings: list[Heading] = field(default_factory=list)
    note_count: int = 0
    images: list[Path] = field(default_factory=list)
    decorative_images: list[Path] = field(default_factory=list)


_SVG_LINKS = ("href", "{http://www.w3.org/1999/xlink}href")


def svg_references(path: Path) -> list[Path]:
    """The local files an SVG image refers to (``<image href="…">``, ``<use href="…">``)."""
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError):
        return []  # WeasyPrint reports an unreadable image when it renders it
    found = []
    for element in root.iter():
        for attribute in _SVG_LINKS:
            target = element.get(attribute, "").split("#")[0]
            if target and not urlsplit(target).scheme and not target.startswith("/"):
                found.append((path.parent / unquote(target)).resolve())
    return list(dict.fromkeys(found))


def is_government_host(host: str, extra_domains: Sequence[str]) -> bool:
    """True when ``host`` belongs to the U.S. Government (.gov, .mil, .fed.us or listed)."""
    host = host.lower().rstrip(".")
    for domain in (*GOVERNMENT_SUFFIXES, *extra_domains):
        if host == domain or host.endswith("." + domain):
            return True
    return False


def printed_address(url: str) -> str:
    """The address as printed on paper: mail addresses without ``mailto:``."""
    if url.lower().startswith("mailto:"):
        return unquote(url[len("mailto:") :])
    return url


def _comparable(address: str) -> str:
    address = address.strip().lower()
    address = re.sub(r"^(https?://|mailto:)", "", address)
    return address.rstrip("/")


def new_parser(lang: str) -> MarkdownIt:
    """A CommonMark parser with tables, footnotes and smart quotes for ``lang``; no raw HTML."""
    quotes = QUOTES.get(lang.split("-", maxsplit=1)[0].lower(), QUOTES["en"])
    parser = MarkdownIt("commonmark", {"typographer": True, "html": False, "quotes": quotes})
    parser.enable(["table", "replacements", "smartquotes"])
    parser.use(footnote_plugin)
    # markdown-it silently turns links with schemes such as file: or javascript: back into
    # text; accept them here so that the link and image rules can report them as errors.
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


class _PrintRenderer(RendererHTML):
    """Renders the token stream for print; one instance renders one sheet."""

    def __init__(
        self,
        sheet: Sheet,
        site: Site,
        definitions: dict[int, list[Token]],
        collector: ProblemCollector,
    ) -> None:
        super().__init__()
        self.sheet = sheet
        self.site = site
        self.definitions = definitions
        self.collector = collector
        self.body = Body(html="")
        self.note_of_footnote: dict[int, int] = {}
        self.note_of_address: dict[str, int] = {}
        self.disclaimer_given = False
        self.in_note = False
        self.line = sheet.body_line

    # Locating problems -------------------------------------------------------------------

    def problem(self, message: str) -> None:
        self.collector.add(self.line, message)

    def render(self, tokens: Sequence[Token], options: Any, env: Any) -> str:
        output = []
        for index, token in enumerate(tokens):
            if token.map:
                self.line = self.sheet.body_line + token.map[0]
                if token.nesting == 1:
                    # Lets a page-budget overflow be reported at its source line.
                    token.attrSet("data-line", str(self.line))
            if token.type == "inline":
                output.append(self.renderInline(token.children or [], options, env))
            elif token.type in self.rules:
                output.append(self.rules[token.type](tokens, index, options, env))
            else:
                output.append(self.renderToken(tokens, index, options, env))
        return "".join(output)

    def renderInline(self, tokens: Sequence[Token], options: Any, env: Any) -> str:  # noqa: N802
        output = []
        start_line = self.line
        for index, token in enumerate(tokens):
            if token.type in ("softbreak", "hardbreak"):
                self.line += 1
            rule = self.rules.get(token.type)
            if rule is not None:
                output.append(rule(tokens, index, options, env))
            else:
                output.append(self.renderToken(tokens, index, options, env))
        self.line = start_line
        return "".join(output)

    # Notes --------------------------------------------------------------------------------

    def new_note(self, inner_html: str) -> str:
        self.body.note_count += 1
        return f'<span class="note">{inner_html}</span>'

    def repeated_note_call(self, number: int) -> str:
        # A note cited again is not printed twice: the call repeats its number.
        return f'<span class="note-call">{number}</span>'

    def footnote_ref(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        footnote_id = tokens[idx].meta["id"]
        if self.in_note:
            self.problem("a footnote cannot cite another footnote")
            return ""
        if footnote_id in self.note_of_footnote:
            return self.repeated_note_call(self.note_of_footnote[footnote_id])
        self.in_note = True
        saved_line = self.line
        inner = " ".join(
            self.renderInline(token.children or [], options, env)
            for token in self.definitions.get(footnote_id, [])
            if token.type == "inline"
        )
        self.line = saved_line
        self.in_note = False
        self.note_of_footnote[footnote_id] = self.body.note_count + 1
        return self.new_note(inner)

    # Links --------------------------------------------------------------------------------

    def link_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        href = str(tokens[idx].attrGet("href") or "")
        scheme = urlsplit(href).scheme.lower()
        if href.startswith("#"):
            return self.renderToken(tokens, idx, options, env)
        if scheme not in LINK_SCHEMES:
            if scheme:
                self.problem(f"link to {href!r}: only http, https and mailto links can be printed")
            else:
                self.problem(
                    f"link to {href!r} has no scheme: write the full address, e.g. https://{href}"
                )
        return self.renderToken(tokens, idx, options, env)

    def link_close(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        opening = next(
            index for index in range(idx - 1, -1, -1) if tokens[index].type == "link_open"
        )
        href = str(tokens[opening].attrGet("href") or "")
        closing = self.renderToken(tokens, idx, options, env)
        scheme = urlsplit(href).scheme.lower()
        if scheme not in LINK_SCHEMES:
            return closing
        link_text = "".join(token.content for token in tokens[opening + 1 : idx])
        address = printed_address(href)
        needs_address = _comparable(link_text) != _comparable(href)
        host = urlsplit(href).hostname or ""
        external = scheme != "mailto" and not is_government_host(host, self.site.government_domains)
        needs_disclaimer = external and not self.disclaimer_given
        if self.in_note:
            # A note cannot carry a note of its own: the address goes in parentheses.
            printed = f' (<span class="url">{escape(address)}</span>)' if needs_address else ""
            if needs_disclaimer:
                self.disclaimer_given = True
                printed += f' <span class="disclaimer">{escape(self.site.disclaimer)}</span>'
            return closing + printed
        if not needs_disclaimer:
            if not needs_address:
                return closing
            if href in self.note_of_address:
                return closing + self.repeated_note_call(self.note_of_address[href])
        parts = []
        if needs_address:
            parts.append(f'<span class="url">{escape(address)}</span>')
        if needs_disclaimer:
            self.disclaimer_given = True
            parts.append(f'<span class="disclaimer">{escape(self.site.disclaimer)}</span>')
        number = self.body.note_count + 1
        if needs_address:
            self.note_of_address.setdefault(href, number)
        return closing + self.new_note(" ".join(parts))

    # Images, headings, tables -------------------------------------------------------------

    def image(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        source = str(token.attrGet("src") or "")
        alt = self.renderInlineAsText(token.children or [], options, env)
        following = tokens[idx + 1] if idx + 1 < len(tokens) else None
        marker = (
            _DECORATIVE_MARK.match(following.content)
            if following is not None and following.type == "text"
            else None
        )
        decorative = marker is not None
        if following is not None and marker is not None:
            following.content = following.content[marker.end() :]
            if alt.strip():
                self.problem(f"image {source!r} has alt text and is marked decorative: choose one")
        elif not alt.strip():
            self.problem(
                f"image {source!r} has no alt text: write ![what it shows]({source}), "
                f"or ![]({source}){DECORATIVE} for a purely decorative image"
            )
        if urlsplit(source).scheme or source.startswith("/"):
            self.problem(f"image {source!r} must be a file next to the content, not an address")
            return ""
        path = (self.sheet.path.parent / unquote(source)).resolve()
        content_root = self.site.content_dir.resolve()
        if not path.is_relative_to(content_root):
            self.problem(f"image {source!r} is outside the content folder")
            return ""
        if not path.is_file():
            self.problem(f"image {source!r} not found")
            return ""
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            self.problem(f"image {source!r} is not a PNG, JPEG, GIF, SVG or WebP file")
            return ""
        self.body.images.append(path)
        if path.suffix.lower() == ".svg":
            # What the SVG draws in from beside it is an input of the sheet too.
            self.body.images.extend(
                reference
                for reference in svg_references(path)
                if reference.is_relative_to(content_root)
            )
        if decorative:
            self.body.decorative_images.append(path)
            return f'<img class="decorative" src="{escape(path.as_uri())}" alt="">'
        return f'<img src="{escape(path.as_uri())}" alt="{escape(alt)}">'

    def heading_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        level = int(token.tag[1])
        text = tokens[idx + 1].content
        previous = self.body.headings[-1].level if self.body.headings else 1
        if level == 1:
            self.problem("the title is the only level-1 heading: use `##` for a section heading")
        elif level > previous + 1:
            self.problem(
                f"heading level {level} follows level {previous}: use {'#' * (previous + 1)}"
            )
        self.body.headings.append(Heading(level, text, self.line))
        return self.renderToken(tokens, idx, options, env)

    def text(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        content = tokens[idx].content
        for match in _CITATION.finditer(content):
            self.problem(f"footnote [^{match.group(1)}] is cited but never defined")
        # Smart quotes leave a quote they cannot pair (as in "the I.C.C.'s"): on paper that is
        # an apostrophe.
        return escape(content.replace("'", "’"), quote=False)

    def th_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("scope", "col")
        return self.renderToken(tokens, idx, options, env)


_RULES = ("text", "footnote_ref", "link_open", "link_close", "image", "heading_open", "th_open")


def _split_definitions(tokens: list[Token]) -> tuple[list[Token], dict[int, list[Token]]]:
    """Separate the footnote definitions (which the plugin appends at the end) from the body."""
    if not any(token.type == "footnote_block_open" for token in tokens):
        return tokens, {}
    start = next(i for i, token in enumerate(tokens) if token.type == "footnote_block_open")
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


# A citation left as text after parsing is one whose definition does not exist.
_CITATION = re.compile(r"\[\^([^\]\s]+)\]")


def _check_footnotes(sheet: Sheet, env: dict[str, Any], collector: ProblemCollector) -> None:
    refs: dict[str, int] = env.get("footnotes", {}).get("refs", {})
    lines = sheet.body.split("\n")
    for label, footnote_id in refs.items():
        if footnote_id == -1:
            name = label[1:]
            line = next(
                (i for i, text in enumerate(lines) if text.lstrip().startswith(f"[^{name}]:")), 0
            )
            collector.add(sheet.body_line + line, f"footnote [^{name}] is defined but never cited")


def render_body(sheet: Sheet, site: Site) -> Body:
    """Render ``sheet``'s Markdown body to print HTML, or raise every problem found in it."""
    parser = new_parser(sheet.lang)
    env: dict[str, Any] = {}
    tokens = parser.parse(sheet.body, env)
    tokens, definitions = _split_definitions(tokens)
    collector = ProblemCollector(sheet.path)
    renderer = _PrintRenderer(sheet, site, definitions, collector)
    for name in _RULES:
        renderer.rules[name] = getattr(renderer, name)
    html = renderer.render(tokens, parser.options, env)
    _check_footnotes(sheet, env, collector)
    collector.raise_if_any()
    renderer.body.html = html
    return renderer.body
