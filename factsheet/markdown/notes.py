"""Links and footnotes become notes at the foot of the page: addresses on paper, one disclaimer.

Paper cannot be clicked, so every link whose text is not already its address gets the address
in a note, and the first link to a host outside the U.S. Government also carries the
external-link disclaimer. A Markdown footnote is printed where it is first cited. All notes
share one numbering in reading order: each is a ``note`` token, printed in place as
``<span class="note">`` and floated by the stylesheet to the foot of the page that cites it.
A note cited again (the same footnote, the same address) repeats its number (``note_call``).
Inside a note, which cannot carry a note of its own, a link's address goes in parentheses.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..locale import LINKS_HEADING
from .addresses import printed_address, same_address
from .lint import LINK_SCHEMES
from .state import DocumentState

GOVERNMENT_SUFFIXES = ("gov", "mil", "fed.us")


def notes_plugin(md: MarkdownIt) -> None:
    """Register the links-to-notes transform (after the lint pass)."""
    md.core.ruler.after("factsheet_lint", "factsheet_notes", notes_rule)


def is_government_host(host: str, extra_domains: Sequence[str]) -> bool:
    """True when ``host`` belongs to the U.S. Government (.gov, .mil, .fed.us or listed)."""
    host = host.lower().rstrip(".")
    return any(
        host == domain or host.endswith("." + domain)
        for domain in (*GOVERNMENT_SUFFIXES, *extra_domains)
    )


def notes_rule(state: StateCore) -> None:
    """Put notes after links and in place of footnote citations; drop the definitions block."""
    document = DocumentState.of(state.env)
    start = next(
        (i for i, token in enumerate(state.tokens) if token.type == "footnote_block_open"),
        len(state.tokens),
    )
    del state.tokens[start:]
    numbering = _Numbering(document)
    for token in state.tokens:
        if token.type == "inline" and token.children:
            numbering.line = document.line_of(token.map, numbering.line)
            token.children = numbering.inline(token.children, in_note=False)
    state.tokens.extend(numbering.endnotes_tokens())


class _Numbering:
    """Hands out note numbers in reading order and remembers what was already noted."""

    def __init__(self, document: DocumentState) -> None:
        self.document = document
        self.body = document.body
        self.note_of_footnote: dict[int, int] = {}
        self.note_of_address: dict[str, int] = {}
        self.disclaimer_given = False
        # With `link_notes: endnotes`, the link notes by number, printed at the end.
        self.endnotes: list[tuple[int, list[Token]]] = []
        # The line of the block being numbered: a note carries it, for the fit check.
        self.line = document.sheet.body_line

    def inline(self, children: list[Token], in_note: bool) -> list[Token]:
        output: list[Token] = []
        for index, token in enumerate(children):
            if token.type == "footnote_ref":
                output.extend(self.footnote(token, in_note))
                continue
            output.append(token)
            if token.type == "link_close":
                output.extend(self.link_note(children, index, in_note))
        return output

    def new_note(self, children: list[Token], *, link: bool = False) -> Token:
        self.body.note_count += 1
        note = Token("note", "span", 0)
        note.children = children
        note.meta["line"] = self.line
        # A link's note (its address): on screen the link is clickable and the note hidden.
        note.meta["link"] = link
        return note

    def repeated(self, number: int, *, link: bool = False) -> Token:
        call = Token("note_call", "span", 0)
        call.meta["number"] = number
        call.meta["link"] = link
        return call

    def footnote(self, token: Token, in_note: bool) -> list[Token]:
        footnote_id = token.meta["id"]
        if in_note:  # reported by the lint pass
            return []
        if footnote_id in self.note_of_footnote:
            return [self.repeated(self.note_of_footnote[footnote_id])]
        inner: list[Token] = []
        for part in self.document.definitions.get(footnote_id, []):
            if part.type == "inline":
                if inner:
                    inner.append(_text(" "))
                inner.extend(self.inline(part.children or [], in_note=True))
            elif part.type in ("fence", "code_block"):
                # A note is a line of text at the foot of the page: its code prints in it.
                code = Token("code_inline", "code", 0)
                code.content = part.content.rstrip("\n")
                code.attrSet("class", "block")
                inner.extend([_text(" "), code] if inner else [code])
        self.note_of_footnote[footnote_id] = self.body.note_count + 1
        return [self.new_note(inner)]

    def link_note(self, children: list[Token], closing: int, in_note: bool) -> list[Token]:
        opening = next(i for i in range(closing - 1, -1, -1) if children[i].type == "link_open")
        href = str(children[opening].attrGet("href") or "")
        try:
            split = urlsplit(href)
            host = split.hostname or ""
        except ValueError:  # reported by the lint pass
            return []
        scheme = split.scheme.lower()
        if scheme not in LINK_SCHEMES:
            return []
        link_text = "".join(token.content for token in children[opening + 1 : closing])
        needs_address = not same_address(link_text, href)
        external = scheme != "mailto" and not is_government_host(
            host, self.document.site.government_domains
        )
        needs_disclaimer = external and not self.disclaimer_given
        if needs_disclaimer:
            self.disclaimer_given = True
        address = _span("url", printed_address(href))
        # The printed address is a link too: on screen, and for a reader of the tags.
        address.meta["href"] = href
        disclaimer = _span("disclaimer", self.document.sheet.disclaimer)
        if in_note:
            printed = [_text(" ("), address, _text(")")] if needs_address else []
            return [*printed, _text(" "), disclaimer] if needs_disclaimer else printed
        if not needs_disclaimer:
            if not needs_address:
                return []
            if href in self.note_of_address:
                return [self.repeated(self.note_of_address[href], link=True)]
        parts: list[Token] = []
        if needs_address:
            self.note_of_address.setdefault(href, self.body.note_count + 1)
            parts.append(address)
        if needs_disclaimer:
            parts.extend([_text(" "), disclaimer] if parts else [disclaimer])
        if self.document.sheet.link_notes == "endnotes":
            number = self.body.note_count = self.body.note_count + 1
            self.endnotes.append((number, parts))
            return [self.repeated(number, link=True)]
        return [self.new_note(parts, link=True)]

    def endnotes_tokens(self) -> list[Token]:
        """The "Links" section at the end of the sheet: each endnote by its number."""
        if not self.endnotes:
            return []
        heading_open, heading_close = (
            Token("heading_open", "h2", 1),
            Token("heading_close", "h2", -1),
        )
        heading = Token("inline", "", 0)
        heading.content = self.document.sheet.locale.translate(LINKS_HEADING)
        heading.children = [_text(heading.content)]
        notes = Token("endnotes", "ol", 0)
        notes.meta["endnotes"] = self.endnotes
        return [heading_open, heading, heading_close, notes]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _span(css_class: str, content: str) -> Token:
    """A span of printed text with a class (``url``, ``disclaimer``)."""
    token = Token("note_part", "span", 0)
    token.attrSet("class", css_class)
    token.content = content
    return token
