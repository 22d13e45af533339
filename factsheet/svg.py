"""What an SVG image draws in from elsewhere: the files it needs, and what cannot be used.

An SVG may draw other files (``<image href="…">``, ``<use href="…">``), which may be SVGs
drawing more. Those files are inputs of the sheet (the manifest and ``watch`` follow them), and
anything that is not a file inside the project's readable folders (an address, an absolute
path, a file outside) is refused by the renderer: reporting it at the image's line is better
than a picture silently drawn without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

_LINK_ATTRIBUTES = ("href", "{http://www.w3.org/1999/xlink}href")
# An SVG that draws an SVG that draws …: deeper than this is refused, not followed.
MAX_DEPTH = 8


@dataclass
class SvgInputs:
    """The files an SVG draws in (all levels), and the references that cannot be used."""

    files: list[Path] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def svg_inputs(path: Path, allowed: Sequence[Path]) -> SvgInputs:
    """Follow ``path``'s references, and theirs, within the folders ``allowed`` (resolved)."""
    found = SvgInputs()
    _follow(path, allowed, found, seen={path}, depth=0)
    return found


def _follow(
    path: Path, allowed: Sequence[Path], found: SvgInputs, seen: set[Path], depth: int
) -> None:
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError, ValueError):
        return  # the renderer reports an unreadable image when it draws it
    for element in root.iter():
        for attribute in _LINK_ATTRIBUTES:
            target = element.get(attribute, "").strip()
            if not target or target.startswith(("#", "data:")):
                continue
            reference = _referenced_file(path, target, allowed)
            if reference is None:
                found.refused.append(target)
                continue
            if reference in seen:
                continue
            seen.add(reference)
            found.files.append(reference)
            if reference.suffix.lower() == ".svg" and reference.is_file():
                if depth + 1 >= MAX_DEPTH:
                    found.refused.append(target)
                else:
                    _follow(reference, allowed, found, seen, depth + 1)


def _referenced_file(svg: Path, target: str, allowed: Sequence[Path]) -> Path | None:
    """The file ``target`` names relative to ``svg``, or ``None`` when it cannot be used."""
    try:
        if urlsplit(target).scheme or target.startswith("/"):
            return None
        reference = (svg.parent / unquote(target.split("#", maxsplit=1)[0])).resolve()
    except (ValueError, OSError, RuntimeError):
        return None
    if not any(reference.is_relative_to(folder) for folder in allowed):
        return None
    return reference
