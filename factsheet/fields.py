"""Declared, validated settings: read a YAML mapping keeping each key's line, check every field.

Both the content file's front matter (:mod:`factsheet.content`) and the site settings
(:mod:`factsheet.config`) are YAML mappings with a fixed set of fields. This module reads such a
mapping with PyYAML's *safe* constructor only (YAML tags that build Python objects are refused)
and checks it against a list of :class:`Field` declarations, collecting every problem with the
line it is on.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .errors import FactsheetError, ProblemCollector

# Reading a YAML value turns it into a Python value or raises ValueError with a reason.
Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class Kind:
    """What a field's value may be: how to read it, and the same as JSON Schema for editors.

    A kind that ``reads_text`` is given numbers as they were written (``007`` stays ``007``).
    """

    convert: Converter
    schema: dict[str, Any]
    reads_text: bool = False


@dataclass(frozen=True)
class Declaration:
    """What the README, the JSON Schema and the validator need to know of one field."""

    kind: Kind
    help: str
    required: bool = False
    # How the README shows the default, when the value itself does not say it well.
    shown_default: str | None = None


def declare(
    kind: Kind,
    help: str,
    *,
    default: Any = None,
    required: bool = False,
    shown_default: str | None = None,
) -> Any:
    """Declare a field of a settings dataclass: its kind, one-line help, default, requiredness.

    Used as the dataclass field's default, so that the annotation (the typed object), the
    default and the declaration are written once, in one place.
    """
    declaration = Declaration(kind, help, required, shown_default)
    return dataclasses.field(default=default, metadata={"declaration": declaration})


@dataclass(frozen=True)
class Field:
    """One declared field of a YAML mapping, as read from a settings dataclass."""

    name: str
    declaration: Declaration
    default: Any

    @property
    def required(self) -> bool:
        """True when the mapping must give the field."""
        return self.declaration.required

    def convert(self, value: Any) -> Any:
        """The checked value, or ``ValueError`` with the reason."""
        return self.declaration.kind.convert(value)


def declared_fields(settings_class: type) -> tuple[Field, ...]:
    """The declared fields of a settings dataclass, in declaration order."""
    return tuple(
        Field(item.name, item.metadata["declaration"], item.default)
        for item in dataclasses.fields(settings_class)
        if "declaration" in item.metadata
    )


def json_schema(settings_class: type, title: str, **extra_properties: Any) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the YAML mapping the dataclass declares.

    ``extra_properties`` narrow a property's schema with what only the project knows (the
    layouts in its templates folder, say).
    """
    properties: dict[str, Any] = {}
    for item in declared_fields(settings_class):
        schema = {"description": item.declaration.help, **item.declaration.kind.schema}
        schema.update(extra_properties.get(item.name, {}))
        if item.default not in (None, ()):
            schema["default"] = item.default
        properties[item.name] = schema
    required = [item.name for item in declared_fields(settings_class) if item.required]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def markdown_table(settings_class: type, second_column: str) -> str:
    """The README's table of the declared fields.

    ``second_column`` is ``"required"`` (front matter: yes/no) or ``"default"`` (settings).
    """
    rows = [f"| field | {second_column} | meaning |", "|---|---|---|"]
    for item in declared_fields(settings_class):
        if second_column == "required":
            middle = "yes" if item.required else "no"
        else:
            middle = item.declaration.shown_default or _shown_default(item.default)
        rows.append(f"| `{item.name}` | {middle} | {item.declaration.help} |")
    return "\n".join(rows)


def _shown_default(value: Any) -> str:
    if value is None:
        return "none"
    if value == ():
        return "`[]`"
    return f"`{value}`"


# Stands for a value that could not be read; its problem is already reported.
UNREADABLE = object()


@dataclass(frozen=True)
class Located:
    """A mapping value with the line (1-based, in the whole file) of its key.

    ``written`` is the value with every plain scalar that YAML 1.1 reads as a number kept as
    the text it was written as (``007``, ``10:30``, ``1_000``): what a text field prints.
    """

    value: Any
    line: int
    written: Any = None


def file_line(mark: yaml.Mark, text: str, line_offset: int) -> int:
    """The file line of a PyYAML position, counting only real line ends.

    PyYAML also counts U+2028, U+2029 and U+0085 as line breaks; an editor does not.
    """
    return text.count("\n", 0, mark.index) + 1 + line_offset


_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


def _as_written(node: yaml.Node, value: Any) -> Any:
    """``value`` with each plain number scalar of ``node`` replaced by its written text."""
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag in _NUMBER_TAGS and node.style is None else value
    if isinstance(node, yaml.SequenceNode) and isinstance(value, list):
        return [_as_written(item, part) for item, part in zip(node.value, value, strict=False)]
    return value


def shown(text: str) -> str:
    """``text`` on one line: control characters (line breaks included) escaped."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode() for char in text
    )


def yaml_problem(path: Path, error: yaml.YAMLError, text: str, line_offset: int) -> FactsheetError:
    """Turn a PyYAML error into a located one, keeping PyYAML's line and column."""
    if isinstance(error, yaml.reader.ReaderError):
        # Raised before parsing (a control character, say): it knows only its offset.
        line = text[: error.position].count("\n") + 1 + line_offset
        character = f"U+{error.character:04X}" if isinstance(error.character, int) else "byte"
        return FactsheetError(path, line, f"YAML error: character {character} is not allowed")
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = shown(getattr(error, "problem", None) or str(error))
    if mark is None:
        return FactsheetError(path, None, f"YAML error: {problem}")
    hinted = _hint(error, problem, text)
    if hinted is not None:
        mark, problem = hinted
    line = file_line(mark, text, line_offset)
    return FactsheetError(path, line, f"YAML error at column {mark.column + 1}: {problem}")


def _hint(error: yaml.YAMLError, problem: str, text: str) -> tuple[yaml.Mark, str] | None:
    """Where the mistake really is, and what to do, for the mistakes people make most."""
    context = getattr(error, "context", None) or ""
    context_mark = getattr(error, "context_mark", None)
    mark = getattr(error, "problem_mark", None)
    if context == "while scanning a quoted scalar" and context_mark is not None:
        quote = text[context_mark.index] if context_mark.index < len(text) else '"'
        return context_mark, f"this {quote} is never closed: end the value with {quote}"
    if context.startswith("while parsing a flow") and context_mark is not None:
        opening = text[context_mark.index] if context_mark.index < len(text) else "["
        closing = {"[": "]", "{": "}"}.get(opening, "]")
        what = "list" if opening == "[" else "mapping"
        return context_mark, f"this {opening} is never closed: end the {what} with {closing}"
    if mark is None:
        return None
    source_line = text[text.rfind("\n", 0, mark.index) + 1 :].split("\n", 1)[0]
    if "'\\t'" in problem:
        return mark, "a tab in the indentation: YAML indents with spaces"
    if problem == "mapping values are not allowed here":
        key, _, value = source_line.strip().partition(": ")
        if source_line[:1].isspace():
            return mark, f"this line is indented: start `{key}:` at the beginning of the line"
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return mark, f"a colon and a space inside a value: quote the value: {key}: {quoted}"
    return None


def read_mapping(
    text: str, path: Path, line_offset: int, what: str
) -> tuple[dict[str, Located] | None, list[FactsheetError]]:
    """Parse ``text`` as a YAML mapping of plain keys to safe values.

    ``line_offset`` is the number of file lines before ``text`` starts, so that every reported
    line is a line of the user's file. Returns the located values (``None`` when the text is not
    YAML at all) and the problems found.
    """
    try:
        refusal = _refused_structure(text)
        if refusal is not None:
            event, reason = refusal
            line = file_line(event.start_mark, text, line_offset)
            return None, [FactsheetError(path, line, reason)]
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        return None, [yaml_problem(path, error, text, line_offset)]
    if node is None:  # nothing but comments: every field takes its default
        return {}, []
    if not isinstance(node, yaml.MappingNode):
        line = file_line(node.start_mark, text, line_offset)
        return None, [
            FactsheetError(path, line, f"{what} must be a mapping of `field: value` lines")
        ]
    constructor = yaml.SafeLoader("")
    values: dict[str, Located] = {}
    problems: list[FactsheetError] = []
    for key_node, value_node in node.value:
        line = file_line(key_node.start_mark, text, line_offset)
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
            problems.append(FactsheetError(path, line, f"{what} field names must be plain words"))
            continue
        key = shown(key_node.value)
        if key in values:
            problems.append(FactsheetError(path, line, f"field `{key}` is given twice"))
            continue
        unsafe_tag = _unsafe_tag(value_node)
        if unsafe_tag:
            problems.append(
                FactsheetError(
                    path,
                    line,
                    f"field `{key}`: YAML tag {unsafe_tag} is not allowed (values are data)",
                )
            )
            values[key] = Located(UNREADABLE, line)
            continue
        try:
            value = constructor.construct_object(value_node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError, AttributeError) as error:
            # SafeConstructor raises ValueError for impossible dates such as 2010-02-30, and
            # AttributeError for a `!!timestamp` tag on text that is no timestamp.
            reason = shown(getattr(error, "problem", None) or str(error) or "not a valid value")
            if value_node.tag == _SAFE_TAG_PREFIX + "timestamp":
                # A ValueError says why (a day out of range); an AttributeError says nothing.
                why = f" ({reason})" if isinstance(error, ValueError) else ""
                reason = f"{shown(value_node.value)} is not a real date{why}"
            problems.append(FactsheetError(path, line, f"field `{key}`: {reason}"))
            value = UNREADABLE
        written = value if value is UNREADABLE else _as_written(value_node, value)
        values[key] = Located(value, line, written)
    return values, problems


# Deeper than any real setting, far below what PyYAML's recursive composer can handle.
MAX_NESTING = 20


def _refused_structure(text: str) -> tuple[yaml.Event, str] | None:
    """The first event of a structure this tool refuses, with the reason, or ``None``.

    Aliases: front matter never needs them, and they allow recursive or exponentially large
    values ("billion laughs"). Deep nesting: PyYAML composes recursively and would exhaust the
    stack.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            return event, "YAML aliases (*name) are not allowed here"
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                return event, f"YAML value nested more than {MAX_NESTING} levels deep"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


_SAFE_TAG_PREFIX = "tag:yaml.org,2002:"
_SAFE_TAGS = {
    _SAFE_TAG_PREFIX + name
    for name in (
        "str",
        "int",
        "float",
        "bool",
        "null",
        "timestamp",
        "seq",
        "map",
        "binary",
        "omap",
        "pairs",
        "set",
        "merge",
        "value",
    )
}


def _unsafe_tag(node: yaml.Node) -> str | None:
    """The first tag in ``node`` that the safe loader would refuse, as the user wrote it."""
    if node.tag not in _SAFE_TAGS and node.tag.startswith(_SAFE_TAG_PREFIX):
        return "!!" + node.tag.removeprefix(_SAFE_TAG_PREFIX)
    if node.tag not in _SAFE_TAGS:
        return node.tag
    if isinstance(node, yaml.SequenceNode):
        return next((tag for child in node.value if (tag := _unsafe_tag(child))), None)
    if isinstance(node, yaml.MappingNode):
        return next(
            (tag for pair in node.value for child in pair if (tag := _unsafe_tag(child))), None
        )
    return None


def validate(
    values: dict[str, Located] | None,
    settings_class: type,
    collector: ProblemCollector,
    first_line: int,
) -> dict[str, Any]:
    """Check located values against a dataclass's declared fields; return each value or default.

    Unknown fields, missing required fields and values of the wrong type are recorded in
    ``collector``; ``first_line`` is where a missing field is reported.
    """
    fields = declared_fields(settings_class)
    if values is None:  # not parsed at all: its one problem is already reported
        return {field.name: field.default for field in fields}
    by_name = {field.name: field for field in fields}
    for key, located in values.items():
        if key not in by_name:
            hint = difflib.get_close_matches(key, by_name, n=1, cutoff=0.6)
            if hint:
                collector.add(located.line, f"unknown field `{key}`; did you mean `{hint[0]}`?")
            else:
                known = ", ".join(by_name)
                collector.add(located.line, f"unknown field `{key}` (known fields: {known})")
    result: dict[str, Any] = {}
    for field in fields:
        given = values.get(field.name)
        if given is not None and given.value is UNREADABLE:
            result[field.name] = field.default
            continue
        if given is None or given.value is None:
            if field.required:
                line = given.line if given else first_line
                collector.add(line, f"missing required field `{field.name}`")
            result[field.name] = field.default
            continue
        value = given.written if field.declaration.kind.reads_text else given.value
        try:
            result[field.name] = field.convert(value)
        except ValueError as error:
            collector.add(given.line, f"field `{field.name}`: {error}")
            result[field.name] = field.default
    return result


# Converters: each takes a YAML value and returns the checked value or raises ValueError.


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, datetime.datetime):
        return "a date and time"
    return {
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
        datetime.date: "a date",
    }.get(type(value), type(value).__name__)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def text(value: Any) -> str:
    """A single line of non-empty text (numbers are accepted as text)."""
    if isinstance(value, bool):
        # YAML reads yes/no/on/off (and so the language tag `no`) as true/false.
        raise ValueError(f"expected text, got {str(value).lower()}: put the value in quotes")
    if not isinstance(value, str | int | float):
        raise ValueError(f"expected text, got {_type_name(value)}")
    result = " ".join(str(value).split())
    if not result:
        raise ValueError("must not be empty")
    surrogate = next((char for char in result if "\ud800" <= char <= "\udfff"), None)
    if surrogate is not None:
        raise ValueError(
            f"U+{ord(surrogate):04X} is half of a UTF-16 pair, not a character: remove the "
            "escape that writes it"
        )
    return result


def iso_date(value: Any) -> datetime.date:
    """A calendar date written as YYYY-MM-DD (quoted or not)."""
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError as error:
            raise ValueError(f"{value.strip()} is not a real date ({error})") from None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        got = f"{value!r}" if isinstance(value, str | int | float) else _type_name(value)
        raise ValueError(f"expected a date as YYYY-MM-DD (e.g. 2010-06-11), got {got}")
    return value


def text_list(value: Any) -> tuple[str, ...]:
    """A list of short texts, written `[a, b]` or as `- a` lines."""
    if not isinstance(value, list):
        raise ValueError(f"expected a list such as [ICC, Rome Statute], got {_type_name(value)}")
    return tuple(text(item) for item in value)


def positive_int(value: Any) -> int:
    """A whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        if isinstance(value, bool):
            got = str(value).lower()  # as YAML spells it
        else:
            got = _type_name(value) if isinstance(value, list | dict) else repr(value)
        raise ValueError(f"expected a positive whole number, got {got}")
    return value


_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def language_tag(value: Any) -> str:
    """A BCP 47 language tag such as ``en`` or ``en-US``."""
    tag = text(value)
    if not _LANGUAGE_TAG.match(tag):
        raise ValueError(f"expected a language tag such as en or en-US, got {tag!r}")
    return tag


def iso_date_or_none(values: dict[str, Located] | None, name: str) -> datetime.date | None:
    """The date a mapping gives for ``name``, or None when it gives none or not a date."""
    given = (values or {}).get(name)
    if given is None:
        return None
    try:
        return iso_date(given.value)
    except ValueError:
        return None


def boolean(value: Any) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        got = repr(value) if isinstance(value, str | int | float) else _type_name(value)
        raise ValueError(f"expected true or false, got {got}")
    return value


def moment(value: Any) -> datetime.datetime:
    """A date and time with its offset from UTC: ``2026-12-01T10:00-05:00``."""
    example = "e.g. 2026-12-01T10:00-05:00"
    if isinstance(value, datetime.datetime):
        result = value
    elif isinstance(value, str):
        try:
            result = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"expected a date and time as YYYY-MM-DDTHH:MM with its UTC offset ({example}), "
                f"got {value.strip()!r}"
            ) from None
    else:
        raise ValueError(
            f"expected a date and time with its UTC offset ({example}), got {_type_name(value)}"
        )
    if result.tzinfo is None or result.utcoffset() is None:
        raise ValueError(
            f"give the time's offset from UTC, {example} (-05:00 is Washington in winter)"
        )
    return result


# A QR code of this many characters still has modules a phone reads at 0.9 in (version 8).
MAX_WEB_ADDRESS = 150


def web_address(value: Any) -> str:
    """An ``http`` or ``https`` address with a host, short enough for a printed QR code."""
    address = text(value).strip()
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http:// or https:// address, got {address!r}")
    if any(char.isspace() for char in address):
        raise ValueError(f"an address has no spaces: {address!r}")
    if len(address) > MAX_WEB_ADDRESS:
        raise ValueError(
            f"the address is {len(address)} characters; a printed QR code stays readable up to "
            f"{MAX_WEB_ADDRESS}: use a shorter address"
        )
    return address


def number_between(low: int, high: int) -> Kind:
    """A whole number from ``low`` to ``high``."""

    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            got = _type_name(value) if isinstance(value, list | dict | bool) else repr(value)
            raise ValueError(f"expected a whole number from {low} to {high}, got {got}")
        return value

    return Kind(convert, {"type": "integer", "minimum": low, "maximum": high})


def one_of(*choices: str) -> Kind:
    """A text that must be one of ``choices``."""

    def convert(value: Any) -> str:
        result = text(value).lower()
        if result not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
        return result

    return Kind(convert, {"type": "string", "enum": list(choices)}, reads_text=True)


TEXT = Kind(text, {"type": ["string", "number"], "minLength": 1}, reads_text=True)
DATE = Kind(iso_date, {"type": "string", "format": "date", "pattern": _ISO_DATE.pattern})
BOOLEAN = Kind(boolean, {"type": "boolean"})
WEB_ADDRESS = Kind(
    web_address,
    {"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": MAX_WEB_ADDRESS},
    reads_text=True,
)
MOMENT = Kind(
    moment,
    {
        "type": "string",
        "format": "date-time",
        "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)$",
    },
)
TEXT_LIST = Kind(
    text_list, {"type": "array", "items": {"type": ["string", "number"]}}, reads_text=True
)
POSITIVE_INT = Kind(positive_int, {"type": "integer", "minimum": 1})
LANGUAGE_TAG = Kind(
    language_tag, {"type": "string", "pattern": _LANGUAGE_TAG.pattern}, reads_text=True
)
