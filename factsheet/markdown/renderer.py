"""The print renderer: prints the (linted, annotated) token stream as HTML, and nothing else.

In markdown-it-py's own style, every public method named after a token type is a render rule;
helpers are private, so none is taken for a rule by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from ..typography import typeset
from .state import DocumentState


class PrintRenderer(RendererHTML):
    """Renders a sheet's tokens for print (one renderer serves every document: state is in env)."""

    def render(self, tokens: Sequence[Token], options: Any, env: Any) -> str:
        """Render the block tokens; each block carries the file line it starts on."""
        document = DocumentState.of(env)
        for token in tokens:
            if token.map and token.nesting == 1:
                # Lets a page-budget overflow be reported at its source line.
                token.attrSet("data-line", str(document.line_of(token.map, 0)))
        return super().render(tokens, options, env)

    def text(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """Text, escaped; a quote that smart quotes could not pair is an apostrophe on paper."""
        return escape(tokens[idx].content.replace("'", "’"), quote=False)

    def nobreak(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """Words that stay on one line: a phone number, an amount, a date."""
        text = escape(tokens[idx].content.replace("'", "’"), quote=False)
        return f'<span class="nobreak">{text}</span>'

    def note(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A note, in place: the stylesheet floats it to the foot of the page."""
        inner = self.renderInline(tokens[idx].children or [], options, env)
        line = tokens[idx].meta.get("line")
        classes = "note link-note" if tokens[idx].meta.get("link") else "note"
        return f'<span class="{classes}" data-line="{line}">{inner}</span>'

    def note_call(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A note cited again: its number, not the note a second time."""
        classes = "note-call link-note" if tokens[idx].meta.get("link") else "note-call"
        return f'<span class="{classes}">{tokens[idx].meta["number"]}</span>'

    def endnotes(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """The link notes gathered at the end (`link_notes: endnotes`), by their numbers."""
        items = "".join(
            f'<li value="{number}">{self.renderInline(parts, options, env)}</li>'
            for number, parts in tokens[idx].meta["endnotes"]
        )
        return f'<ol class="endnotes">{items}</ol>\n'

    def note_part(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A printed address (a link to itself) or the disclaimer inside a note."""
        token = tokens[idx]
        css_class, text = token.attrGet("class"), escape(token.content)
        if "href" in token.meta:
            return f'<a class="{css_class}" href="{escape(token.meta["href"])}">{text}</a>'
        return f'<span class="{css_class}">{text}</span>'

    def image(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """An image the lint pass accepted, by its file URL; decorative ones with empty alt."""
        token = tokens[idx]
        path = token.meta.get("path")
        if path is None:
            return ""
        if token.meta.get("decorative"):
            picture = f'<img class="decorative" src="{escape(path.as_uri())}" alt="">'
        else:
            alt = self.renderInlineAsText(token.children or [], options, env)
            picture = f'<img src="{escape(path.as_uri())}" alt="{escape(alt)}">'
        if not token.meta.get("figure"):
            return picture
        return self._figure(token, picture, DocumentState.of(env))

    def _figure(self, token: Token, picture: str, document: DocumentState) -> str:
        classes = " ".join(["figure", token.meta.get("float", "")]).strip()
        width = token.meta.get("width")
        style = f' style="width: {escape(width)}"' if width else ""
        caption = ""
        title, credit = token.attrGet("title"), token.meta.get("credit")
        if title or credit:
            caption = "<figcaption>"
            if title:
                caption += escape(typeset(str(title), document.sheet.locale))
            if credit:
                caption += (
                    f'<span class="credit">{escape(typeset(credit, document.sheet.locale))}</span>'
                )
            caption += "</figcaption>"
        line = token.meta.get("line")
        return f'<figure class="{classes}"{style} data-line="{line}">{picture}{caption}</figure>\n'

    def heading_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A section heading, with the id that `#anchor` links name."""
        anchor = tokens[idx].meta.get("anchor")
        if anchor:
            tokens[idx].attrSet("id", anchor)
        return self.renderToken(tokens, idx, options, env)

    def fence(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A code block: one span per line, so that a wrapped line shows it continues."""
        return self.code_block(tokens, idx, options, env)

    def code_block(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A code block: one span per line, so that a wrapped line shows it continues."""
        lines = tokens[idx].content.rstrip("\n").split("\n")
        spans = "".join(f'<span class="code-line">{escape(line)}</span>' for line in lines)
        return f"<pre{self.renderAttrs(tokens[idx])}><code>{spans}</code></pre>\n"

    def th_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A header cell, with its scope for screen readers."""
        tokens[idx].attrSet("scope", "col")
        return self.renderToken(tokens, idx, options, env)
