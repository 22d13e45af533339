"""Start a new sheet (``factsheet new NAME``): a content file that passes ``check`` as written.

The front matter comes from the field declarations: the title (from the name), the date the
author is to confirm, the layout and language chosen, every field the layout requires with a
placeholder, then every other field as a comment with its help. The body is the layout's
skeleton, ``templates/layouts/<layout>.md`` (a new layout brings its own; without one, a
generic paragraph).
"""

from __future__ import annotations

import datetime
import re
import textwrap
from pathlib import Path

from .config import Site
from .content import FrontMatter
from .errors import FactsheetError
from .fields import declared_fields
from .layouts import LAYOUTS_FOLDER, layout_names

# A name that is safe as a file name and in an address: lowercase words joined by hyphens.
SAFE_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_NAME = 80
GENERIC_BODY = "Write the sheet here, in Markdown: paragraphs, `## Headings`, lists, tables.\n"
# Placeholders for the fields a layout requires, valid as written.
PLACEHOLDERS = {
    "partners": "\n  - name: Government of the Partner Country",
    "speaker": " Name and title of the speaker",
}


def new_sheet(site: Site, name: str, layout: str, lang: str | None, today: datetime.date) -> Path:
    """Write ``content/<name>.md`` and return its path; refuse an unsafe name, an unknown
    layout, or a file that exists."""
    if not SAFE_NAME.fullmatch(name) or len(name) > MAX_NAME:
        raise FactsheetError(
            None,
            None,
            f"{name!r} is not a safe sheet name: use lowercase letters, digits and hyphens "
            f"(e.g. water-for-the-world), at most {MAX_NAME} characters",
        )
    layouts = layout_names(site.templates_dir)
    if layout not in layouts:
        raise FactsheetError(
            None, None, f"no layout {layout!r} (layouts: {', '.join(layouts) or 'none'})"
        )
    path = site.content_dir / f"{name}.md"
    if path.exists():
        raise FactsheetError(path, None, "exists already: edit it, or choose another name")
    text = sheet_text(site, name, layout, lang, today)
    site.content_dir.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:  # never over a file made meanwhile
            file.write(text)
    except FileExistsError:
        raise FactsheetError(
            path, None, "exists already: edit it, or choose another name"
        ) from None
    return path


def sheet_text(site: Site, name: str, layout: str, lang: str | None, today: datetime.date) -> str:
    """The text of a new content file."""
    title = " ".join(word.capitalize() for word in name.split("-"))
    required = site.layout(layout).requires
    lines = [
        "---",
        f"title: {title}",
        f"date: {today.isoformat()}  # the issue date: confirm it",
        f"layout: {layout}",
    ]
    written = {"title", "date", "layout"}
    if lang:
        lines.append(f"lang: {lang}")
        written.add("lang")
    lines += [f"{field}:{PLACEHOLDERS.get(field, ' TODO')}" for field in required]
    lines.append("# The other fields: to use one, remove the # before its name and give a value.")
    for field in declared_fields(FrontMatter):
        if field.name in written or field.name in required:
            continue
        lines.append(f"# {field.name}:")
        help_text = " ".join(field.declaration.help.split())
        lines += [f"#     {line}" for line in textwrap.wrap(help_text, width=90)]
    lines.append("---")
    skeleton = site.templates_dir / LAYOUTS_FOLDER / f"{layout}.md"
    body = skeleton.read_text(encoding="utf-8") if skeleton.is_file() else GENERIC_BODY
    return "\n".join(lines) + "\n" + body
