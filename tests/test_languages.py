"""Every language the Department publishes in: scripts, fonts, right to left, CJK line
breaking, boilerplate in the sheet's language, translations, and never an empty box.

The samples of docs/languages/ are built once with the CLI and read back (fonts, text, word
positions, content streams); the rules they do not show are built in a fresh project each.
Their tags are checked by every test of test_accessibility.py, and the Arabic, Chinese and
Hindi pages by golden images in test_golden.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from helpers import (
    PROJECT_ROOT,
    SUBSET_PREFIX,
    flat,
    front_matter,
    invoke,
    make_project,
    pdf_words,
    pdffonts,
    pdftotext,
    run_cli,
    sheet_text,
    structure_elements,
    write_sheet,
)

SAMPLES = PROJECT_ROOT / "docs" / "languages"
NAMES = sorted(path.stem for path in SAMPLES.glob("*.md"))
REQUIRED = {
    "en", "es", "fr", "pt", "ru", "uk", "ar", "fa", "ur", "he", "zh-hans", "zh-hant", "ja",
    "ko", "hi", "vi",
}  # fmt: skip
# The families of templates/fonts/ (house fonts and the Noto copies), as pdffonts names them.
BUNDLED = re.compile(r"^(Merriweather|Public-Sans|Noto-(Serif|Sans|Naskh-Arabic)[-A-Za-z]*)")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every language sample, built in one project; returns its dist/ folder."""
    project = make_project(tmp_path_factory.mktemp("languages") / "project")
    for path in SAMPLES.glob("*.md"):
        shutil.copy(path, project / "content" / path.name)
    result = run_cli(["pdf", "content"], cwd=project)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
    return project / "dist"


def test_every_required_language_has_a_sample() -> None:
    assert set(NAMES) >= REQUIRED


@pytest.mark.parametrize("name", NAMES)
def test_a_sample_is_set_in_bundled_fonts_only(built: Path, name: str) -> None:
    """Every font of every sample is a bundled one, embedded and subset; and the sample's own
    script has its font (no empty boxes: the glyph check passed)."""
    rows = pdffonts(built / f"{name}.pdf")
    families = {SUBSET_PREFIX.sub("", row.name) for row in rows}
    assert all(BUNDLED.match(family) for family in families), families
    assert all(row.embedded and row.subset for row in rows), rows
    script_fonts = {
        "ar": "Naskh-Arabic", "fa": "Naskh-Arabic", "ur": "Naskh-Arabic", "he": "Hebrew",
        "hi": "Devanagari", "ru": "Noto-Serif", "uk": "Noto-Serif", "vi": "Noto-Serif",
        "zh-hans": "CJK-SC", "zh-hant": "CJK-TC", "ja": "CJK-JP", "ko": "CJK-KR",
    }  # fmt: skip
    if name in script_fonts:
        assert any(script_fonts[name] in family for family in families), families


@pytest.mark.parametrize("name", ["zh-hans", "zh-hant", "ja", "ko"])
def test_a_cjk_sheet_stays_small(built: Path, name: str) -> None:
    assert (built / f"{name}.pdf").stat().st_size < 400_000


def test_the_lang_of_each_sample_is_the_pdf_language(built: Path) -> None:
    for name in NAMES:
        with pikepdf.open(built / f"{name}.pdf") as pdf:
            assert str(pdf.Root.Lang) == front_matter(SAMPLES / f"{name}.md")["lang"]


# Right to left --------------------------------------------------------------------------------


def test_arabic_is_laid_out_right_to_left(built: Path) -> None:
    """The emblem and the text start on the right; a table's figures are on the left, its text
    column on the right; page numbers on the left."""
    page = pdf_words(built / "ar.pdf")[0]
    middle = page.width / 2
    title = front_matter(SAMPLES / "ar.md")["title"].split()[0]
    # pdftotext's word boxes hold a right-to-left word's letters in visual order.
    first = next(word for word in page.words if word.text in (title, title[::-1]))
    assert first.x_min > middle, "the title does not start on the right"
    figure = next(word for word in page.words if word.text == "85.5")
    row = [word for word in page.words if abs(word.y_min - figure.y_min) < 2 and word is not figure]
    assert figure.x_max < middle < max(word.x_max for word in row), "table not mirrored"
    footer = next(row for row in reversed(page.lines()) if len(row) > 3)
    number = next(word for word in footer if word.text == "1")
    assert number.x_max < middle, "the page number is not on the left"
    # The masthead: the agency's name ends short of the right margin, where the emblem is.
    agency = "وزارة"
    word = next(word for word in page.words if word.text in (agency, agency[::-1]))
    right_margin = max(word.x_max for word in page.words)
    assert middle < word.x_max < right_margin - 40, "the emblem is not on the right"


def test_arabic_text_is_extracted_in_logical_order(built: Path) -> None:
    """pdftotext gives the paragraph's words in the order they were written, with the Latin
    name inside them in its place; the tag tree's /ActualText too."""
    body = (SAMPLES / "ar.md").read_text("utf-8").split("---\n", 2)[2]
    paragraph = next(block for block in body.split("\n\n") if "Water for the World" in block)
    # Words poppler extracts letter for letter: no vowel marks, no lam-alef ligature.
    plain = [
        word
        for word in paragraph.split()
        if word.isalpha() and len(word) > 3 and not re.search("ل[اأإآ]", word)
    ][:8]
    # Contextual forms are extracted as presentation forms, folded to the letters by
    # helpers.pdftotext (as NFKC does).
    extracted = flat(pdftotext(built / "ar.pdf", layout=False))
    start = extracted.index(plain[0])
    for word in plain[1:]:
        found = extracted.find(word, start + 1)
        assert found > start, (
            f"{word!r} is not after the words before it: {extracted[start:][:300]}"
        )
        start = found
    assert "Water for the World Act" in extracted
    # The tag tree: right-to-left marked content is read through /ActualText spans.
    with pikepdf.open(built / "ar.pdf") as pdf:
        spans = [
            str(element.ActualText)
            for element in structure_elements(pdf.Root.StructTreeRoot)
            if "/ActualText" in element
        ]
    tree = " ".join(" ".join(spans).split())
    words = " ".join(paragraph.split())
    assert " ".join(words.split()[:6]) in tree


def test_each_devanagari_glyph_maps_to_the_text_it_draws(built: Path) -> None:
    """The ToUnicode map is what a reader without /ActualText extracts: a letter maps to itself
    wherever it was first shaped (alone or inside a conjunct), a conjunct or vowel-sign variant
    to Devanagari text, and nothing but the empty glyph to U+200B."""
    from fontTools.ttLib import TTFont

    checked = 0
    with pikepdf.open(built / "hi.pdf") as pdf:
        for font in pdf.objects:
            if not (
                isinstance(font, pikepdf.Dictionary)
                and font.get("/Subtype") == "/Type0"
                and "Devanagari" in str(font.get("/BaseFont"))
            ):
                continue
            family = str(font.BaseFont).split("+", 1)[1].replace("-", "").replace("Bold", "-Bold")
            family = family if family.endswith("-Bold") else family + "-Regular"
            original = TTFont(PROJECT_ROOT / "templates" / "fonts" / "noto" / f"{family}.ttf")
            order, characters = original.getGlyphOrder(), original.getBestCmap()
            drawn = {
                order.index(glyph): chr(code)
                for code, glyph in sorted(characters.items(), reverse=True)
            }
            mapping = re.findall(rb"<([0-9A-Fa-f]+)> <([0-9A-Fa-f]*)>", font.ToUnicode.read_bytes())
            for code, hex_text in mapping:
                glyph, text = int(code, 16), bytes.fromhex(hex_text.decode()).decode("utf-16-be")
                if glyph == 0:
                    continue
                assert text and text != "\u200b", f"{family}: glyph {order[glyph]} maps to {text!r}"
                if glyph in drawn:
                    assert text == drawn[glyph], f"{family}: {order[glyph]} maps to {text!r}"
                else:
                    assert re.fullmatch("[\u0900-\u097f]+", text), (
                        f"{family}: {order[glyph]}: {text!r}"
                    )
                checked += 1
    assert checked > 40
    # The code space is untouched: it has the shape of a mapping, but it is not one.
    with pikepdf.open(built / "hi.pdf") as pdf:
        for font in pdf.objects:
            if isinstance(font, pikepdf.Dictionary) and "/ToUnicode" in font:
                data = font.ToUnicode.read_bytes()
                if b"begincodespacerange" in data:
                    space = data.split(b"begincodespacerange", 1)[1].split(b"endcodespacerange")[0]
                    assert b"200B" not in space.upper(), space


def test_persian_page_numbers_and_dates_use_persian_digits(built: Path) -> None:
    """CLDR's default numbering system for Persian is its own digits: "صفحهٔ ۱ از ۱"."""
    footer = " ".join(pdftotext(built / "fa.pdf").split())
    assert "۲۰۲۶" in footer  # the date's year
    assert re.search(r"صفحهٔ\W*۱\W*از\W*۱", footer), footer[-200:]
    assert "2026" not in footer


# CJK -----------------------------------------------------------------------------------------

NO_BREAK_BEFORE = "。、」』）！？：；，"
NO_BREAK_AFTER = "「『（"


def test_cjk_lines_break_by_the_languages_rules(in_project: Path) -> None:
    """In a narrow measure a long Chinese and Japanese text breaks on many lines: never before
    closing punctuation or after opening brackets, never with a hyphen."""
    chinese = "美国国务院通过「富布赖特项目」等交流项目，促进相互了解。" * 12
    japanese = "米国務省は「フルブライト・プログラム」などを通じて、相互理解を深めています。" * 12
    for name, lang, text in (("zh", "zh-Hans", chinese), ("ja", "ja", japanese)):
        write_sheet(in_project, name, sheet_text("標題", text, lang=lang))
    css = in_project / "templates" / "factsheet.css"
    css.write_text(css.read_text("utf-8") + "\n.body p { width: 2.1in; }\n", "utf-8")
    result = invoke("pdf", "-j", "1", "content/zh.md", "content/ja.md")
    assert result.exit_code == 0, result.output
    for name in ("zh", "ja"):
        lines = [
            line.strip()
            for line in pdftotext(in_project / "dist" / f"{name}.pdf").splitlines()
            if line.strip()
        ]
        body = [
            line for line in lines if "フルブライト" in line or "富布赖特" in line or len(line) > 8
        ]
        assert len(body) > 10
        for line in lines:
            assert line[0] not in NO_BREAK_BEFORE, f"{name}: a line starts with {line[0]!r}"
            assert line[-1] not in NO_BREAK_AFTER, f"{name}: a line ends with {line[-1]!r}"
            assert not line.endswith("-")


# Never an empty box --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("The Cherokee Nation: ᏣᎳᎩ ᎠᏰᏟ.", "'ᏣᎳᎩ' (U+13E3 U+13B3 U+13A9)"),
        ("Well done 🎉 today.", "'🎉' (U+1F389)"),
    ],
)
def test_a_character_no_font_has_fails_at_its_line(in_project: Path, text: str, shown: str) -> None:
    write_sheet(in_project, "x", sheet_text("T", f"First paragraph.\n\n{text}"))
    message = f"content/x.md:7: no bundled font has {shown}; add a font or remove it"
    check = invoke("check", "content/x.md")
    assert check.exit_code == 1
    assert check.stderr.splitlines()[0] == message
    build = invoke("pdf", "-j", "1", "content/x.md")
    assert build.exit_code == 1
    assert message in build.stderr.splitlines()
    assert not (in_project / "dist" / "x.pdf").exists()


def test_a_title_character_no_font_has_is_found_too(in_project: Path) -> None:
    write_sheet(in_project, "x", sheet_text("Chess ♔ results"))
    check = invoke("check", "content/x.md")
    assert check.stderr.splitlines()[0].startswith("content/x.md:2: no bundled font has '♔'")


# Boilerplate in the sheet's language -----------------------------------------------------------


def test_boilerplate_is_printed_in_the_sheets_language(built: Path) -> None:
    french = flat(pdftotext(built / "fr.pdf", layout=False))
    for words in ("DÉPARTEMENT D’ÉTAT DES ÉTATS-UNIS", "Page 1 sur 1"):
        assert words in french or words.replace(" ", "") in french.replace(" ", ""), words
    chinese = flat(pdftotext(built / "zh-hans.pdf", layout=False))
    assert "美国国务院" in chinese
    assert "第 1 页，共 1 页" in chinese
    assert "情况说明" in chinese  # "Fact Sheet"


def test_a_language_without_translations_warns_once(in_project: Path) -> None:
    for name in ("a", "b"):
        write_sheet(in_project, name, sheet_text("Habari", lang="sw"))
    result = invoke("check", "content/a.md", "content/b.md")
    warnings = [line for line in result.stderr.splitlines() if "translations" in line]
    assert warnings == [
        "factsheet.yaml: warning: no `translations: sw:` agency and tagline: sheets in `sw` "
        "print them in English"
    ]


# Translations of a sheet -----------------------------------------------------------------------


def test_a_translation_names_its_original(in_project: Path) -> None:
    write_sheet(in_project, "icc", sheet_text("ICC", date="2026-03-01"))
    write_sheet(
        in_project,
        "icc-fr",
        sheet_text(
            "CPI", date="2026-03-02", lang="fr", translation_of="icc", translation_notice="true"
        ),
    )
    result = invoke("pdf", "-j", "1", "content/icc-fr.md")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    pdf = in_project / "dist" / "icc-fr.pdf"
    text = flat(pdftotext(pdf, layout=False))
    assert "Ceci est une traduction du texte original en anglais" in text
    with pikepdf.open(pdf) as document:
        assert str(document.open_metadata()["dc:source"]) == "icc.pdf"


def test_a_translation_of_a_missing_or_newer_original(in_project: Path) -> None:
    write_sheet(in_project, "t", sheet_text("T", lang="fr", translation_of="nothing"))
    missing = invoke("check", "content/t.md")
    assert missing.stderr.splitlines()[0] == (
        "content/t.md:5: field `translation_of`: no sheet content/nothing.md"
    )
    write_sheet(in_project, "o", sheet_text("O", date="2026-01-01", updated="2026-03-01"))
    write_sheet(in_project, "t", sheet_text("T", date="2026-02-01", lang="fr", translation_of="o"))
    stale = invoke("check", "content/t.md")
    assert stale.exit_code == 0
    assert stale.stderr.splitlines()[0] == (
        "content/t.md:5: warning: the original content/o.md was revised on 2026-03-01, after "
        "this translation (2026-02-01): the translation may be out of date"
    )


def test_invisible_characters_need_no_font(in_project: Path) -> None:
    """A variation selector after a character a font has (©️), joiners and direction marks are
    not reported: they draw nothing."""
    body = "Copyright ©\ufe0f 2026, a zero\u200dwidth joiner, a mark\u200e, a soft\u00adhyphen."
    write_sheet(in_project, "x", sheet_text("T", body))
    check = invoke("check", "content/x.md")
    assert check.exit_code == 0, check.output
