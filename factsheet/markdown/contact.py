"""The contact block: the front matter's `contact:` lines, printed at the end of the body.

Each line is plain text, not Markdown. Email and web addresses in it become links (printed as
they are written, so they need no note), and neither they nor phone numbers are ever split
across lines; the rest gets the body's typography in the sheet's language.
"""

from __future__ import annotations

import re
from html import escape

from ..locale import Locale
from ..typography import typeset
from .linebreaks import KEEP_TOGETHER

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
WEB_ADDRESS = re.compile(r"\bhttps?://[^\s<>\"]*[^\s<>\".,;:!?)\]]")
ADDRESS = re.compile(f"{EMAIL.pattern}|{WEB_ADDRESS.pattern}")


def render_contact(lines: tuple[str, ...], locale: Locale) -> str:
    """The HTML of the contact block (empty without lines)."""
    if not lines:
        return ""
    paragraphs = "".join(f"<p>{_contact_line(line, locale)}</p>" for line in lines)
    return f'<div class="contact">{paragraphs}</div>\n'


def _contact_line(line: str, locale: Locale) -> str:
    parts: list[str] = []
    position = 0
    for found in ADDRESS.finditer(line):
        parts.append(_text(line[position : found.start()], locale))
        address = found.group()
        if WEB_ADDRESS.fullmatch(address):
            # A web address may be too long for a line: it breaks (never hyphenated) as notes do.
            parts.append(f'<a class="address" href="{escape(address)}">{escape(address)}</a>')
        else:
            parts.append(
                f'<a class="address nobreak" href="mailto:{escape(address)}">{escape(address)}</a>'
            )
        position = found.end()
    parts.append(_text(line[position:], locale))
    return "".join(parts)


def _text(text: str, locale: Locale) -> str:
    """Plain text with typography, phone numbers and amounts kept on one line."""
    if not text:
        return ""
    typeset_text = typeset(text, locale)
    pieces: list[str] = []
    position = 0
    for found in KEEP_TOGETHER.finditer(typeset_text):
        pieces.append(escape(typeset_text[position : found.start()]))
        pieces.append(f'<span class="nobreak">{escape(found.group())}</span>')
        position = found.end()
    pieces.append(escape(typeset_text[position:]))
    return "".join(pieces)
