"""What the Markdown stage returns (:class:`Body`) and the state of one document in ``env``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from markdown_it.token import Token

from ..config import Site
from ..content import Sheet
from ..errors import Problem, ProblemCollector


@dataclass(frozen=True)
class Heading:
    """A section heading of the body (its level is what the heading-order check needs)."""

    level: int
    text: str
    line: int
    # The id a `#anchor` link names it by.
    anchor: str = ""


@dataclass(frozen=True)
class Link:
    """A link of the body: where it leads, its text, and its line (a link checker reads these)."""

    href: str
    text: str
    line: int


@dataclass(frozen=True)
class Footnote:
    """A Markdown footnote: its label, and the line of its first citation."""

    label: str
    line: int


@dataclass(frozen=True)
class Block:
    """A block of the body at a line: what it is (``heading``, ``paragraph``…) and its text.

    The PDF stage names the block where a page-budget overflow begins with it.
    """

    kind: str
    text: str


@dataclass
class Body:
    """The body rendered as HTML, with what later stages need to know about it."""

    html: str
    headings: list[Heading] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    note_count: int = 0
    images: list[Path] = field(default_factory=list)
    decorative_images: list[Path] = field(default_factory=list)
    blocks: dict[int, Block] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    # Where the body wrote a `# # #` line: "" (nowhere), "in place" (printed there), or "last"
    # (taken out, for the layout to print after the contact block).
    end_mark: str = ""
    # The front matter's `contact:` lines, as HTML for the end of the body.
    contact_html: str = ""


@dataclass
class DocumentState:
    """The state of rendering one sheet, kept in markdown-it's ``env`` under :attr:`KEY`."""

    KEY: ClassVar[str] = "factsheet"

    sheet: Sheet
    site: Site
    collector: ProblemCollector
    body: Body = field(default_factory=lambda: Body(html=""))
    # Footnote definitions by id, taken out of the token stream by the lint pass.
    definitions: dict[int, list[Token]] = field(default_factory=dict)

    @classmethod
    def of(cls, env: Any) -> DocumentState:
        """The state stored in ``env``."""
        state = env[cls.KEY]
        assert isinstance(state, DocumentState)
        return state

    def line_of(self, token_map: list[int] | None, default: int) -> int:
        """The file line of a block token's map (its first line), or ``default``."""
        return self.sheet.body_line + token_map[0] if token_map else default
