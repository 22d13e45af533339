"""Everything factsheet relies on in WeasyPrint 70 that is not its documented public API.

The project pins WeasyPrint to the 70.x series (``pyproject.toml``) because of this list; a new
major version must be checked against each entry. The public API used elsewhere: ``HTML``,
``CSS``, ``Document.write_pdf``, ``Page.anchors``, ``text.fonts.FontConfiguration`` and
``urls.URLFetcher`` / ``URLFetcherResponse`` / ``FatalURLFetchingError`` (documented under
"URL fetchers").

WeasyPrint's own dependencies are used through it, with two exceptions listed here too:
``ctypes.util.find_library`` is bypassed while WeasyPrint is imported
(:func:`import_weasyprint`), and pyphen's parsed hyphenation patterns are kept between
processes (:func:`keep_hyphenation_patterns`, relying on ``pyphen.HyphDict``).

Importing this module does not import WeasyPrint.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
import unicodedata
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from .files import cached_json


def import_weasyprint() -> ModuleType:
    """Import WeasyPrint, skipping its slow search for the native libraries it needs.

    WeasyPrint 70 (``text/ffi.py``) opens each library (Pango, HarfBuzz…) by trying a list of
    names; for each name that fails, cffi asks ``ctypes.util.find_library``, which on Linux
    runs ``ldconfig``, ``gcc`` and ``ld``: about 150 ms of every process start. Each list also
    holds the Linux soname (``libpango-1.0.so.0``), which the dynamic loader finds by itself,
    so on Linux that search is switched off while WeasyPrint is imported.
    """
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint  # noqa: PLC0415 - the lazy import this function exists for

        return weasyprint
    import ctypes.util  # noqa: PLC0415

    find_library = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint  # noqa: PLC0415
    finally:
        ctypes.util.find_library = find_library
    return weasyprint


def keep_hyphenation_patterns() -> None:
    """Keep the hyphenation patterns pyphen parses (WeasyPrint hyphenates with it) in the cache
    folder, so that a new process reads them back instead of parsing them again.

    pyphen parses a language's ``hyph_*.dic`` the first time a process hyphenates it: about
    120 ms for English, a tenth of a one-sheet build. This replaces ``pyphen.HyphDict`` (its
    attributes ``patterns``, ``cache`` and ``maxlen`` are what pyphen uses) by a subclass
    that keeps the parsed patterns as JSON, named by the dictionary's digest. Dictionaries with
    non-standard hyphenation (whose values carry more than numbers) are parsed every time.
    Applied once per process.
    """
    import pyphen  # noqa: PLC0415 - imported with WeasyPrint

    if getattr(pyphen, "factsheet_kept", False):
        return
    parsed = pyphen.HyphDict

    def standard_patterns(path: Any) -> dict[str, Any] | None:
        patterns = parsed(path).patterns
        if any(type(value) is not int for _, values in patterns.values() for value in values):
            return None
        return {tag: [start, list(values)] for tag, (start, values) in patterns.items()}

    class KeptHyphDict(parsed):  # type: ignore[misc, valid-type]
        def __init__(self, path: Any) -> None:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            patterns = cached_json(
                f"hyphenation/{path.name}-{pyphen.__version__}-{digest}.json",
                lambda: standard_patterns(path),
                _hyphenation_patterns,
            )
            if patterns is None:
                super().__init__(path)
            else:
                self.patterns = patterns
                self.cache: dict[str, Any] = {}
                self.maxlen = max(len(key) for key in patterns)

    pyphen.HyphDict = KeptHyphDict
    pyphen.factsheet_kept = True


def _hyphenation_patterns(data: Any) -> dict[str, tuple[int, tuple[int, ...]]] | None:
    """Patterns as pyphen holds them, from their JSON form (None: not kept)."""
    if data is None:
        return None
    patterns = {
        str(tag): (int(start), tuple(map(int, values))) for tag, (start, values) in data.items()
    }
    # What pyphen's parser makes: a start within the pattern, digits 1-9 (zeros between).
    if not patterns or any(
        not 0 <= start <= len(tag) + 1 or not values or not all(0 <= v <= 9 for v in values)
        for tag, (start, values) in patterns.items()
    ):
        raise ValueError("not hyphenation patterns")
    return patterns


def load_hyphenation(lang: str) -> None:
    """Get a language's hyphenation patterns ready now (a build's warm-up, before it forks
    its workers) rather than on the first hyphenated word of every worker."""
    import pyphen  # noqa: PLC0415 - imported with WeasyPrint

    if pyphen.language_fallback(lang):
        pyphen.Pyphen(lang=lang)


# The log message WeasyPrint 70 writes for an image without alt text (pdf/tags.py). A decorative
# image has ``alt=""`` on purpose: the PDF stage drops this message for those images.
MISSING_ALT_MESSAGE = 'Image "%s" has no required alt description'

# How WeasyPrint 70 opens a marked-content sequence in a page's content stream:
# "/Span\n<</MCID 12>>\nBDC" (with "/ActualText <feff…>" or "/FactsheetText <feff…>" after
# the MCID, see mark_logical_text). The tagging stage rewrites these bytes directly (and falls
# back to parsing the stream when the layout is not this one).
MARKED_CONTENT = re.compile(
    rb"/[A-Za-z]+\n<</MCID (\d+)(?:/(?:Actual|Factsheet)Text <[0-9a-f]*>)?>>\nBDC"
)
# The private key that carries a right-to-left text box's logical text from the renderer to
# the tagging stage, which moves it to a structure element's /ActualText and removes it.
LOGICAL_TEXT_KEY = "FactsheetText"

# WeasyPrint 70 tags each page's footnote area as a document-level /NonStruct whose children
# are one /Span per note; the tagging stage makes those /Note elements.
FOOTNOTE_AREA_ROLE = "/NonStruct"
FOOTNOTE_ROLE = "/Span"


def page_box(page: Any) -> Any:
    """The laid-out box tree of a ``weasyprint.Page`` (``Page._page_box``, private in 70).

    The fit check (:mod:`factsheet.fit`) walks it to find what lies outside the text area, and
    relies on these box classes by name: ``PageBox`` (``content_box_x/y``, ``width``),
    ``FootnoteAreaBox``, ``MarginBox``, ``TableBox``, ``TextBox``, ``*ReplacedBox``. The page-end
    rule (:mod:`factsheet.page_ends`) reads ``LineBox`` positions and a ``TextBox``'s ``text``,
    which ends in the ``hyphenate-character`` when WeasyPrint hyphenated the word. Both read a
    box's ``element`` (its HTML element, for ``data-line``) and ``children``.
    """
    return page._page_box


# The page margin boxes (running header, footer) are marked content whose structure elements
# WeasyPrint 70 leaves out of the tree; the tagging stage re-marks them as artifacts.


# Right-to-left text: characters of these bidirectional classes (Arabic, Hebrew…).
_RIGHT_TO_LEFT = ("R", "AL")
# Scripts whose glyphs do not map back to their characters one by one (Indic conjuncts and
# reordered vowel signs; Thai, Lao, Tibetan, Myanmar, Khmer): U+0900-U+0DFF, U+0E00-U+109F,
# U+1780-U+17FF.
_COMPLEX_SCRIPTS = ((0x0900, 0x0DFF), (0x0E00, 0x109F), (0x1780, 0x17FF))


def logical_text_key(box: Any) -> str | None:
    """The property a text box's marked content needs for its text to read right, if any.

    - Right to left (drawn in visual order): ``FactsheetText``, which the tagging stage turns
      into a structure element's ``/ActualText``. Not ``/ActualText`` on the marked content:
      text extractors such as poppler's apply the bidirectional algorithm to it again.
    - A script of complex shaping (a Devanagari conjunct's glyphs do not give back its
      characters): ``ActualText``, which every reader and extractor uses as it is.
    """
    text = getattr(box, "text", None)
    if not isinstance(text, str) or not text:
        return None
    style = getattr(box, "style", None)
    right_to_left = style is not None and style["direction"] == "rtl"
    if not right_to_left and text.isascii():
        return None  # the common case, decided without looking at each character
    if right_to_left or any(unicodedata.bidirectional(char) in _RIGHT_TO_LEFT for char in text):
        return LOGICAL_TEXT_KEY
    if any(any(low <= ord(char) <= high for low, high in _COMPLEX_SCRIPTS) for char in text):
        return "ActualText"
    return None


def mark_logical_text(stream_class: Any) -> None:
    """Give the marked content of text boxes that need it their text, in logical order.

    WeasyPrint 70 draws a line's glyphs in visual order, so a right-to-left line's marked
    content, read in stream order, is backwards; and the glyphs of a Devanagari conjunct do not
    give back its characters. PDF/UA asks for the text in logical order. This replaces
    ``pdf.stream.Stream.marked`` (private in 70; its body is WeasyPrint's, with the entry of
    :func:`logical_text_key` added, from the ``TextBox``'s ``text`` and ``style``). Applied
    once per process.
    """
    if getattr(stream_class, "factsheet_actual_text", False):
        return
    import pydyf  # noqa: PLC0415 - WeasyPrint's PDF writer, imported with it

    class utf16(pydyf.Object):  # noqa: N801 - used as pydyf.String is
        """A text string always written as UTF-16 hex (pydyf writes ASCII text as a literal),
        so that the stages after this one find it with one pattern."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        @property
        def data(self) -> bytes:
            return b"<" + (b"\xfe\xff" + self.text.encode("utf-16-be")).hex().encode() + b">"

    @contextlib.contextmanager
    def marked(self: Any, box: Any, tag: str) -> Iterator[None]:
        if self._tags is not None:
            mcid = len(self._tags)
            self._tags[box] = {"tag": tag, "mcid": mcid}
            properties = pydyf.Dictionary({"MCID": mcid})
            key = logical_text_key(box)
            if key is not None:
                properties[key] = utf16(box.text)
            pydyf.Stream.begin_marked_content(self, tag, properties)
        try:
            yield
        finally:
            if self._tags is not None:
                pydyf.Stream.end_marked_content(self)

    stream_class.marked = marked
    stream_class.factsheet_actual_text = True


# The private key that carries, on each structure element, the identity of the HTML element
# it was made from; the tagging stage joins the elements of one HTML element across pages.
SOURCE_KEY = "FactsheetSource"
# Marks a structure element made from an HTML element with ``data-artifact``: the tagging
# stage takes it out of the tree, and its content becomes an artifact (a briefing book's
# repeated mastheads).
ARTIFACT_KEY = "FactsheetArtifact"


def remember_source_elements(tags_module: Any) -> None:
    """Mark each structure element WeasyPrint 70 makes with the HTML element behind it.

    WeasyPrint builds the tag tree page by page (``pdf.tags._build_box_tree``, private in 70,
    a recursive generator that yields each box's structure elements), so a paragraph, list or
    table that continues on the next page becomes two elements. This wraps that function: each
    element it yields gets ``/FactsheetSource``, the identity of its box's HTML element (unique
    while the document is written), which :func:`factsheet.tagging.join_continued_elements`
    uses and removes. An element whose HTML element has a ``lang`` attribute (a briefing
    book's sheet, a contents entry) gets its ``/Lang``; one with ``data-artifact`` gets
    ``/FactsheetArtifact``. Applied once per process.
    """
    import pydyf  # noqa: PLC0415 - WeasyPrint's PDF writer, imported with it

    if getattr(tags_module, "factsheet_sources", False):
        return
    build = tags_module._build_box_tree

    def build_remembering_sources(box: Any, *arguments: Any) -> Iterator[Any]:
        source = getattr(getattr(box, "_box", box), "element", None)
        for element in build(box, *arguments):
            if source is not None and SOURCE_KEY not in element:
                element[SOURCE_KEY] = id(source)
                # The root's language is the document's (the catalog's /Lang).
                language = source.get("lang") if source.tag != "html" else None
                if language:
                    element["Lang"] = pydyf.String(language)
                if source.get("data-artifact") is not None:
                    element[ARTIFACT_KEY] = "true"
            yield element

    tags_module._build_box_tree = build_remembering_sources
    tags_module.factsheet_sources = True
