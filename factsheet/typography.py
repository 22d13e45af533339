"""Smart quotes and dashes for the plain strings of the front matter, as in the body.

The body gets markdown-it's typographer (curly quotes in the sheet's language, en and em
dashes, ellipses); a title, label, office or dateline is plain text, not Markdown, but prints
beside the body and must match it: ``Blinken's`` prints ``Blinken’s``, ``FICHE D'INFORMATION``
``FICHE D’INFORMATION``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from .locale import Locale

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# Characters Markdown would read as syntax: escaped, so that a title is only ever text.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_{}\[\]<>()#+!|~&-])")


def typeset(text: str, locale: Locale) -> str:
    """``text`` with the typographer's quotes, dashes and ellipses for ``locale``."""
    if not re.search(r"['\"]|--|\.\.\.|\(c\)|\(r\)|\(tm\)|\+-", text, re.IGNORECASE):
        return text
    escaped = _MARKDOWN_SYNTAX.sub(r"\\\1", text)
    # `--` must stay visible to the typographer: escape hyphens only where they are single.
    escaped = escaped.replace("\\-\\-", "--")
    tokens = _typographer(tuple(locale.quotes)).parseInline(escaped)
    children = tokens[0].children or [] if tokens else []
    typeset_text = "".join(token.content for token in children)
    # An apostrophe the quotes could not pair is an apostrophe on paper, as in the body.
    return typeset_text.replace("'", "’")


@lru_cache(maxsize=16)
def _typographer(quotes: tuple[str, ...]) -> MarkdownIt:
    from markdown_it import MarkdownIt  # noqa: PLC0415 - lazy: a no-op build never needs it

    parser = MarkdownIt("zero", {"typographer": True, "quotes": list(quotes)})
    return parser.enable(["escape", "replacements", "smartquotes", "text_join"])
