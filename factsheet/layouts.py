"""Layouts: the kinds of document (fact sheet, media note, joint statement, remarks…).

A layout is a template, ``templates/layouts/<name>.html``, that extends ``base.html`` and
declares two constants, read from its syntax tree without rendering it:

- ``{% set stylesheets = ["factsheet.css", "layouts/media-note.css"] %}``: its stylesheets,
  relative to ``templates/``, in the order they apply (required);
- ``{% set defaults = {"label": "Media Note", "end_mark": true} %}``: front-matter fields
  this kind of document has unless the sheet sets them (optional). A default text is a
  message of the catalogs (``factsheet/locales/``), printed in the sheet's language;
- ``{% set requires = ["partners"] %}``: front-matter fields a sheet of this kind must give
  (optional): a joint statement without partners is a mistake, not a fact sheet.

Adding a kind of document is adding such a template and its stylesheet: no Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import FactsheetError

if TYPE_CHECKING:
    import jinja2

LAYOUTS_FOLDER = "layouts"
DEFAULT_LAYOUT = "fact-sheet"
# The variables a layout template sets to declare its stylesheets and its defaults.
STYLESHEETS_VARIABLE = "stylesheets"
DEFAULTS_VARIABLE = "defaults"
REQUIRES_VARIABLE = "requires"


@dataclass(frozen=True)
class Layout:
    """One kind of document: its template, its stylesheets and its field defaults."""

    name: str
    template: str
    path: Path
    stylesheets: tuple[Path, ...]
    # Front-matter field names and their values as the template wrote them (not yet checked).
    defaults: dict[str, Any] = field(default_factory=dict)
    # Front-matter fields a sheet of this layout must give.
    requires: tuple[str, ...] = ()


def layout_names(templates_dir: Path) -> list[str]:
    """The names of the layouts a templates folder holds (``layouts/<name>.html``)."""
    return sorted(path.stem for path in (templates_dir / LAYOUTS_FOLDER).glob("*.html"))


@lru_cache(maxsize=8)
def template_environment(templates_dir: Path) -> jinja2.Environment:
    """A Jinja2 environment over the project's templates: autoescaped, strict about undefined."""
    import jinja2  # noqa: PLC0415 - lazy: a build with nothing to do never needs it

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def load_layout(templates_dir: Path, name: str) -> Layout:
    """The layout ``name`` of a templates folder, its stylesheets checked to exist inside it."""
    import jinja2  # noqa: PLC0415 - lazy: a build with nothing to do never needs it

    environment = template_environment(templates_dir)
    template = f"{LAYOUTS_FOLDER}/{name}.html"
    try:
        source, filename, _ = environment.loader.get_source(environment, template)  # type: ignore[union-attr]
    except jinja2.TemplateNotFound:
        raise FactsheetError(templates_dir, None, f"template {template} not found") from None
    path = Path(filename or templates_dir / template)
    declared = _declared_constants(environment, source, str(path))
    stylesheet_names = declared.get(STYLESHEETS_VARIABLE)
    if not stylesheet_names:
        raise FactsheetError(
            path,
            None,
            f"the layout declares no stylesheets: add {{% set {STYLESHEETS_VARIABLE} = "
            '["factsheet.css"] %}',
        )
    if not isinstance(stylesheet_names, list | tuple) or not all(
        isinstance(item, str) for item in stylesheet_names
    ):
        raise FactsheetError(
            path,
            None,
            f'`{STYLESHEETS_VARIABLE}` must be a list of file names, such as ["factsheet.css"]',
        )
    stylesheets = []
    for relative in stylesheet_names:
        stylesheet = templates_dir / relative
        if not stylesheet.resolve().is_relative_to(templates_dir.resolve()):
            raise FactsheetError(path, None, f"stylesheet {relative!r} is outside templates/")
        if not stylesheet.is_file():
            raise FactsheetError(path, None, f"stylesheet {relative!r} not found in templates/")
        stylesheets.append(stylesheet)
    defaults = declared.get(DEFAULTS_VARIABLE, {})
    if not isinstance(defaults, dict) or not all(isinstance(key, str) for key in defaults):
        raise FactsheetError(
            path, None, f'`{DEFAULTS_VARIABLE}` must be a mapping, such as {{"label": "Remarks"}}'
        )
    requires = declared.get(REQUIRES_VARIABLE, [])
    if not isinstance(requires, list | tuple) or not all(isinstance(r, str) for r in requires):
        raise FactsheetError(
            path, None, f'`{REQUIRES_VARIABLE}` must be a list of field names, such as ["speaker"]'
        )
    return Layout(name, template, path, tuple(stylesheets), dict(defaults), tuple(requires))


@lru_cache(maxsize=32)
def _declared_constants(
    environment: jinja2.Environment, source: str, filename: str
) -> dict[str, Any]:
    """The constants a template assigns to ``stylesheets``, ``defaults`` and ``requires`` (not
    rendered)."""
    import jinja2  # noqa: PLC0415
    from jinja2 import nodes  # noqa: PLC0415

    try:
        tree = environment.parse(source, filename=filename)
    except jinja2.TemplateSyntaxError as error:
        raise FactsheetError(filename, error.lineno, error.message or "") from None
    found: dict[str, Any] = {}
    for assignment in tree.find_all(nodes.Assign):
        target = assignment.target
        if isinstance(target, nodes.Name) and target.name in (
            STYLESHEETS_VARIABLE,
            DEFAULTS_VARIABLE,
            REQUIRES_VARIABLE,
        ):
            try:
                found[target.name] = assignment.node.as_const()  # type: ignore[attr-defined]
            except nodes.Impossible:
                raise FactsheetError(
                    filename,
                    assignment.lineno,
                    f"`{target.name}` must be written out as a constant (no variables)",
                ) from None
    return found
