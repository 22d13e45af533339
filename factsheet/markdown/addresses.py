"""Addresses print exactly as they are: a link whose text is its address is left alone.

A core rule that runs before markdown-it's typographer: the text of such a link is kept from
the replacements and smart quotes (``a--b`` stays ``a--b``, ``...`` stays), and the link is
marked ``address`` for the stylesheet, which never hyphenates an address. How an address is
compared and printed lives here too: scheme and host ignore letter case, the rest does not; an
internationalised host prints in Unicode, not as ``xn--``.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token


def addresses_plugin(md: MarkdownIt) -> None:
    """Register the rule that shields addresses from the typographer."""
    md.core.ruler.before("replacements", "factsheet_addresses", addresses_rule)


def addresses_rule(state: StateCore) -> None:
    """Mark links whose text is their address, and keep that text from typography."""
    for block in state.tokens:
        children = block.children or []
        for index, token in enumerate(children):
            if token.type != "link_open":
                continue
            closing = _closing(children, index)
            inner = children[index + 1 : closing]
            text = "".join(part.content for part in inner)
            if same_address(text, str(token.attrGet("href") or "")):
                token.attrJoin("class", "address")
                for part in inner:
                    if part.type == "text":
                        # The typographer rewrites only `text` tokens; text_join merges these
                        # back into text afterwards.
                        part.type = "text_special"


def _closing(children: list[Token], opening: int) -> int:
    depth = 0
    for index in range(opening, len(children)):
        depth += children[index].nesting if children[index].type.startswith("link_") else 0
        if depth == 0:
            return index
    return len(children)


def comparable(address: str) -> str:
    """An address as compared with a link's text: case ignored in the scheme and host only."""
    address = address.strip()
    try:
        parts = urlsplit(address)
    except ValueError:
        return address
    if parts.scheme.lower() == "mailto":
        user, _, domain = parts.path.partition("@")
        return f"{unquote(user)}@{domain.lower()}"
    if not parts.netloc:
        # Written without a scheme ("www.state.gov/x"): read it as an http address.
        return comparable("http://" + address) if "://" not in address else address
    host = printed_host(parts.netloc).lower()
    rest = urlunsplit(("", "", parts.path, parts.query, parts.fragment)).rstrip("/")
    return f"{host}{rest}"


def same_address(text: str, href: str) -> bool:
    """True when a link's text already prints its address."""
    return comparable(text) == comparable(href)


def printed_host(netloc: str) -> str:
    """A host as a reader knows it: Unicode, not the ``xn--`` form."""
    return ".".join(_unicode_label(label) for label in netloc.split("."))


def _unicode_label(label: str) -> str:
    if not label.lower().startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label  # not valid punycode: print it as written


def printed_address(url: str) -> str:
    """The address as printed on paper: mail addresses without ``mailto:``, hosts in Unicode."""
    if url.lower().startswith("mailto:"):
        return unquote(url[len("mailto:") :])
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.netloc:
        return url
    host = printed_host(parts.netloc)
    return url.replace(parts.netloc, host, 1) if host != parts.netloc else url
