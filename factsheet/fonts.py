"""The bundled fonts: the Noto families for every script besides Latin, and what they cover.

The house fonts (Merriweather, Public Sans) are in the repository, in ``templates/fonts/``. The
Noto fonts for Cyrillic, Vietnamese, Arabic script, Hebrew, Devanagari and CJK come from the
Debian packages ``fonts-noto-core`` and ``fonts-noto-cjk`` (SIL OFL 1.1): whole fonts,
installed with the other system packages, where npm's ``@fontsource`` packages split CJK into
about a hundred WOFF2 slices per weight (73 MB a family). ``make`` copies the files listed in
:data:`NOTO_FONTS` into ``templates/fonts/noto/`` (``python -m factsheet.fonts``), so that the
renderer, confined to ``templates/``, reads them there like any other bundled font, and no
system font is ever used. The copies are not in the repository, which stays small.

:func:`bundled_coverage` is every character some bundled font has: a sheet with a character
outside it fails (:func:`uncovered`), rather than print an empty box.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import FactsheetError, line_of_text
from .files import cached_json

NOTO_FOLDER = "noto"


@dataclass(frozen=True)
class PackagedFont:
    """A font file of a Debian package, copied into ``templates/fonts/noto/``."""

    package: str
    path: str

    @property
    def name(self) -> str:
        """The file name."""
        return Path(self.path).name


_CORE = "/usr/share/fonts/truetype/noto/"
_CJK = "/usr/share/fonts/opentype/noto/"
NOTO_FONTS = (
    # Cyrillic and Vietnamese, which the house fonts lack (Merriweather has neither).
    *(
        PackagedFont("fonts-noto-core", f"{_CORE}{family}-{style}.ttf")
        for family in ("NotoSerif", "NotoSans")
        for style in ("Regular", "Bold", "Italic", "BoldItalic")
    ),
    # Arabic, Persian and Urdu (Naskh for text, Sans for headings), Hebrew, Devanagari.
    *(
        PackagedFont("fonts-noto-core", f"{_CORE}{family}-{style}.ttf")
        for family in (
            "NotoNaskhArabic",
            "NotoSansArabic",
            "NotoSerifHebrew",
            "NotoSansHebrew",
            "NotoSerifDevanagari",
            "NotoSansDevanagari",
        )
        for style in ("Regular", "Bold")
    ),
    # Chinese (Simplified and Traditional), Japanese and Korean: one collection per weight.
    PackagedFont("fonts-noto-cjk", f"{_CJK}NotoSansCJK-Regular.ttc"),
    PackagedFont("fonts-noto-cjk", f"{_CJK}NotoSansCJK-Bold.ttc"),
)
NOTO_LICENSE = "/usr/share/doc/fonts-noto-core/copyright"


def install_fonts(templates_dir: Path) -> list[str]:
    """Copy the Noto fonts into ``templates/fonts/noto/`` (those missing or changed).

    Returns the Debian packages whose fonts were not found, to be named to the user.
    """
    target = templates_dir / "fonts" / NOTO_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    missing: list[str] = []
    for font in NOTO_FONTS:
        source = Path(font.path)
        if not source.is_file():
            if font.package not in missing:
                missing.append(font.package)
            continue
        copy = target / font.name
        if copy.is_file() and copy.stat().st_size == source.stat().st_size:
            continue
        temporary = copy.with_name(f".{copy.name}.tmp")
        shutil.copyfile(source, temporary)
        temporary.replace(copy)
    if Path(NOTO_LICENSE).is_file():
        shutil.copyfile(NOTO_LICENSE, target / "COPYRIGHT.txt")
    return missing


def font_files(fonts_dir: Path) -> list[Path]:
    """The font files of a fonts folder and its subfolders, in a stable order."""
    suffixes = {".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2"}
    return sorted(path for path in fonts_dir.rglob("*") if path.suffix.lower() in suffixes)


def bundled_coverage(fonts_dir: Path) -> frozenset[int]:
    """Every code point that some bundled font has a glyph for.

    Reading the character maps of the CJK collections takes a tenth of a second, so the result
    is kept in the cache folder, keyed by the fonts' names, sizes and times.
    """
    files = font_files(fonts_dir)
    # By name, size and time, not folder: a copy of the project shares the cache. And by the
    # version of fontTools, which reads the character maps.
    key = hashlib.sha256(
        "\0".join(
            [
                font_tools_version(),
                *(f"{path.name} {path.stat().st_size} {path.stat().st_mtime_ns}" for path in files),
            ]
        ).encode()
    ).hexdigest()[:24]
    if key not in _COVERAGE:
        _COVERAGE[key] = cached_json(
            f"coverage-{key}.json",
            lambda: _to_ranges(set().union(*map(_character_map, files))),
            lambda ranges: frozenset(_from_ranges(ranges)),
        )
    return _COVERAGE[key]


# Coverage by fonts folder signature, for the life of the process (a warm worker, watch).
_COVERAGE: dict[str, frozenset[int]] = {}


def missing_glyphs(path: Path, source: str, printed: str, fonts_dir: Path) -> list[FactsheetError]:
    """An error for each run of ``printed`` characters that no bundled font has, at the line of
    ``path`` (whose text is ``source``) where it first appears."""
    runs = uncovered(printed, bundled_coverage(fonts_dir))
    problems = []
    for run in runs:
        problems.append(
            FactsheetError(
                path,
                line_of_text(source, run[0]),
                f"no bundled font has {describe(run)}; add a font or remove it",
            )
        )
    return problems


def uncovered(text: str, coverage: frozenset[int]) -> list[str]:
    """The runs of characters of ``text`` that no bundled font has, in order, each once.

    Spaces, line breaks, invisible format characters (joiners, direction marks, the soft
    hyphen) and variation selectors need no glyph.
    """
    runs: list[str] = []
    current = ""
    for char in text:
        missing = ord(char) not in coverage and not _needs_no_glyph(char)
        if missing:
            current += char
        elif current:
            runs.append(current)
            current = ""
    if current:
        runs.append(current)
    return list(dict.fromkeys(runs))


def describe(run: str) -> str:
    """``'ᏣᎳᎩ' (U+13E3 U+13B3 U+13A9)``: a run of characters and their code points."""
    points = " ".join(f"U+{ord(char):04X}" for char in run[:4])
    return f"{run[:12]!r} ({points}{' …' if len(run) > 4 else ''})"


def _needs_no_glyph(char: str) -> bool:
    # Variation selectors choose a glyph of the character before them and draw nothing.
    variation = "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"
    return (
        variation or char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")
    )


def _character_map(path: Path) -> set[int]:
    from fontTools.ttLib import TTCollection, TTFont  # noqa: PLC0415 - only when not cached

    covered: set[int] = set()
    if path.suffix.lower() in (".ttc", ".otc"):
        # The fonts of a collection share one file: read them all, then close it once.
        collection = TTCollection(path, lazy=True)
        for font in collection.fonts:
            covered |= set(font.getBestCmap() or {})
        collection.close()
    else:
        with TTFont(path, lazy=True) as font:
            covered |= set(font.getBestCmap() or {})
    return covered


def _to_ranges(points: Iterable[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for point in sorted(points):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return ranges


def _from_ranges(ranges: list[list[int]]) -> Iterable[int]:
    for first, last in ranges:
        if not 0 <= first <= last <= sys.maxunicode:
            raise ValueError(f"not a range of code points: {first}-{last}")
        yield from range(first, last + 1)


def font_tools_version() -> str:
    """The version of fontTools, which reads the fonts' tables for the kept font data."""
    import fontTools  # noqa: PLC0415 - the package alone: its tables load lazily

    return str(fontTools.version)


def font_named(fonts_dir: Path, postscript_name: str) -> Path | None:
    """The bundled font file (not a collection) whose PostScript name is ``postscript_name``."""
    return _fonts_by_postscript_name(fonts_dir).get(postscript_name)


@lru_cache(maxsize=4)
def _fonts_by_postscript_name(fonts_dir: Path) -> dict[str, Path]:
    from fontTools.ttLib import TTFont, TTLibError  # noqa: PLC0415 - only for shaped scripts

    names: dict[str, Path] = {}
    for path in font_files(fonts_dir):
        if path.suffix.lower() not in (".ttf", ".otf"):
            continue
        try:
            with TTFont(path, lazy=True) as font:
                name = font["name"].getDebugName(6)
        except (TTLibError, KeyError, OSError):
            continue
        if name:
            names.setdefault(name, path)
    return names


@lru_cache(maxsize=8)
def glyph_texts(font_file: Path) -> dict[int, str]:
    """Glyph id → the characters the glyph draws, from the font's own data.

    A glyph in the character map draws its character; one named by the Adobe Glyph List's
    rules ("uni09480902") draws what its name says. A glyph only reachable by substitution
    (GSUB) draws what it replaces: a ligature or conjunct the characters of its components
    (a Devanagari half form "स्"), a positional variant (one of the 73 widths of the
    Devanagari vowel sign "ि") the character of its base. Shortest derivations win.
    """
    from fontTools.agl import toUnicode  # noqa: PLC0415 - only for shaped scripts
    from fontTools.ttLib import TTFont  # noqa: PLC0415

    with TTFont(font_file, lazy=True) as font:
        texts: dict[str, str] = {}
        for code, glyph in sorted((font.getBestCmap() or {}).items()):
            texts.setdefault(glyph, chr(code))
        for glyph in font.getGlyphOrder():
            named = toUnicode(glyph)
            if glyph not in texts and named and named.isprintable():
                texts[glyph] = named
        substitutions = _substitutions(font)
        order = font.getGlyphOrder()
    # Each round derives the glyphs one substitution further from the character map.
    for _round in range(16):
        derived: dict[str, str] = {}
        for target, sources in substitutions:
            if target not in texts and all(source in texts for source in sources):
                derived.setdefault(target, "".join(texts[source] for source in sources))
        if not derived:
            break
        texts.update(derived)
    return {index: texts[glyph] for index, glyph in enumerate(order) if glyph in texts}


def _substitutions(font: Any) -> list[tuple[str, tuple[str, ...]]]:
    """(glyph made, glyphs it is made from) for every substitution of the font's GSUB."""
    if "GSUB" not in font or font["GSUB"].table.LookupList is None:
        return []
    made: list[tuple[str, tuple[str, ...]]] = []
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for wrapper in lookup.SubTable:
            kind, subtable = lookup.LookupType, wrapper
            if kind == 7:  # an extension: the real subtable is inside
                kind, subtable = wrapper.ExtensionLookupType, wrapper.ExtSubTable
            if kind == 1:
                made.extend((target, (source,)) for source, target in subtable.mapping.items())
            elif kind == 2:
                # One glyph split in several: the first carries the text, so none is repeated.
                made.extend(
                    (targets[0], (source,))
                    for source, targets in subtable.mapping.items()
                    if targets
                )
            elif kind == 3:
                made.extend(
                    (target, (source,))
                    for source, targets in subtable.alternates.items()
                    for target in targets
                )
            elif kind == 4:
                made.extend(
                    (ligature.LigGlyph, (first, *ligature.Component))
                    for first, ligatures in subtable.ligatures.items()
                    for ligature in ligatures
                )
    return made


if __name__ == "__main__":
    templates = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("templates")
    absent = install_fonts(templates)
    if absent:
        print(
            "factsheet: the fonts of " + ", ".join(absent) + " are not installed; sheets in "
            "scripts they cover will fail until they are (apt-get install "
            + " ".join(absent)
            + ")",
            file=sys.stderr,
        )
        sys.exit(1)  # `make` tries again next time
