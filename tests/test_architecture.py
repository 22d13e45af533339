"""The extension points: fields declared once, layouts as files, the locale, output profiles,
warnings and --strict, and the Markdown stage as plugins. Each is checked as a user meets it:
through the CLI, the README, and the PDFs it writes."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pikepdf
import pytest
import yaml
from helpers import (
    ICC_SOURCE,
    PROJECT_ROOT,
    flat,
    front_matter,
    invoke,
    make_project,
    page_texts,
    pdftotext,
    run_cli,
    run_python,
    sheet_text,
    write_sheet,
)

from factsheet import locale as locale_module
from factsheet.markdown.renderer import PrintRenderer

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
PACKAGE = PROJECT_ROOT / "factsheet"


# One declaration per field ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments", [["--format", "markdown"], ["--site", "--format", "markdown"]]
)
def test_readme_field_tables_are_the_declarations(arguments: list[str]) -> None:
    """The README's two field tables are exactly what the declarations print: a field added,
    renamed or re-documented in the code without the README (or the reverse) fails here."""
    result = invoke("schema", *arguments)
    assert result.exit_code == 0, result.output
    table = result.stdout.strip()
    assert table.count("\n") >= 5
    assert table in README, (
        "README.md and the field declarations disagree; paste the output of "
        f"`python build.py schema {' '.join(arguments)}` into README.md"
    )


def test_json_schema_accepts_real_front_matter_and_rejects_mistakes(in_project: Path) -> None:
    """`factsheet schema` is a JSON Schema an editor can use: the ICC sheet's front matter
    passes it, an unknown field, a missing title and an unknown layout do not."""
    result = invoke("schema")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    # As an editor's YAML extension sees it: a date is text.
    icc = {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in front_matter(ICC_SOURCE).items()
    }
    assert list(validator.iter_errors(icc)) == []
    assert schema["properties"]["layout"]["enum"] == [
        "fact-sheet",
        "joint-statement",
        "media-note",
        "remarks",
    ]
    for bad in (
        {**icc, "colour": "blue"},
        {key: value for key, value in icc.items() if key != "title"},
        {**icc, "layout": "brochure"},
        {**icc, "max_pages": 0},
    ):
        assert list(validator.iter_errors(bad)), bad


def test_site_schema_accepts_the_shipped_settings() -> None:
    result = invoke("schema", "--site")
    schema = json.loads(result.stdout)
    settings = yaml.safe_load((PROJECT_ROOT / "factsheet.yaml").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(settings)) == []
    assert list(jsonschema.Draft202012Validator(schema).iter_errors({"paper": "a5"}))


# Layouts are data -------------------------------------------------------------------------------

BRIEF_TEMPLATE = """\
{% extends "base.html" %}
{% set stylesheets = ["factsheet.css", "layouts/brief.css"] %}
{% block page %}
<p class="brief-head">Background Brief</p>
<h1>{{ sheet.title }}</h1>
<main class="body">{{ body_html }}</main>
{% endblock %}
"""


def test_a_layout_is_added_as_files_only(in_project: Path) -> None:
    """A template and a stylesheet in templates/layouts/ make a new kind of sheet: no Python.
    Its stylesheet applies (the head is uppercased by it), and the old layout is untouched."""
    layouts = in_project / "templates" / "layouts"
    (layouts / "brief.html").write_text(BRIEF_TEMPLATE, encoding="utf-8")
    (layouts / "brief.css").write_text(
        ".brief-head { text-transform: uppercase; }\n", encoding="utf-8"
    )
    write_sheet(in_project, "b", sheet_text("Ports", "The ports reopened.", layout="brief"))
    result = invoke("pdf", "-j", "1", "content/b.md")
    assert result.exit_code == 0, result.output
    text = flat(pdftotext(in_project / "dist" / "b.pdf"))
    assert "BACKGROUND BRIEF" in text
    assert "Ports" in text
    assert "DIPLOMACY IN ACTION" not in text  # not the fact-sheet masthead


def test_unknown_layout_is_an_error_at_its_line(in_project: Path) -> None:
    write_sheet(in_project, "x", sheet_text("T", layout="brochure"))
    result = invoke("check", "content/x.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "content/x.md:4: field `layout`: no layout 'brochure' in templates/layouts/ "
        "(layouts: fact-sheet, joint-statement, media-note, remarks)"
    )


def test_layout_without_declared_stylesheets_is_an_error(in_project: Path) -> None:
    layout = in_project / "templates" / "layouts" / "bare.html"
    layout.write_text('{% extends "base.html" %}{% block page %}x{% endblock %}\n', "utf-8")
    write_sheet(in_project, "x", sheet_text("T", layout="bare"))
    result = invoke("check", "content/x.md")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "templates/layouts/bare.html: the layout declares no stylesheets"
    ), result.stderr


def test_pdf_stage_does_not_look_for_link_elements() -> None:
    """The stylesheets travel on the HtmlDocument; the PDF stage never string-matches <link>."""
    source = (PACKAGE / "pdf.py").read_text(encoding="utf-8")
    assert "<link" not in source
    assert "STYLESHEET_LINK" not in source


# CSS from data, escaped ---------------------------------------------------------------------


def test_words_with_quotes_reach_the_page_css_as_themselves(
    in_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The footer's words and the label reach the printed page exactly, whatever quotes,
    apostrophes, backslashes or markup they hold (nothing is HTML-escaped into CSS)."""
    monkeypatch.setattr(
        locale_module, "PAGE_OF_PAGES", 'L\'page {page} "of" \\ </style> {pages} & co'
    )
    locale_module.locale_for.cache_clear()
    try:
        write_sheet(in_project, "q", sheet_text("Quotes", label='"The Office\'s Sheet"'))
        result = invoke("pdf", "-j", "1", "content/q.md")
        assert result.exit_code == 0, result.output
        html = invoke("html", "content/q.md")
        assert html.exit_code == 0, html.output
    finally:
        locale_module.locale_for.cache_clear()
    page = flat(page_texts(in_project / "dist" / "q.pdf")[0])
    assert 'L\'page 1 "of" \\ </style> 1 & co' in page
    # The label gets the body's typography: a curly apostrophe.
    assert "THE OFFICE’S SHEET" in page
    assert "&#39;" not in page
    # The web version has no page CSS (paper's only), so no <style> the words could break.
    written = (in_project / "dist" / "html" / "q.html").read_text(encoding="utf-8")
    assert "<style" not in written and "Quotes" in written


# The locale ---------------------------------------------------------------------------------------

FRENCH_LINK_SHEET = sheet_text(
    "Échanges", "Voir [le programme](https://exchanges.state.gov/fr).", lang="fr"
)


def _link_descriptions(pdf: Path) -> list[str]:
    found = []
    with pikepdf.open(pdf) as document:
        stack = [document.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary) and node.get("/S") == pikepdf.Name.Link:
                found.append(str(node.get("/Alt", "")))
            kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None
            if isinstance(kids, pikepdf.Array):
                stack.extend(kids)
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
    return found


def test_link_description_is_in_the_sheets_language(in_project: Path) -> None:
    """A screen reader hears a French sheet's links described in French (was "Link to")."""
    write_sheet(in_project, "fr", FRENCH_LINK_SHEET)
    result = invoke("pdf", "-j", "1", "content/fr.md")
    assert result.exit_code == 0, result.output
    # The link, and the address printed in its note (a link too).
    assert (
        _link_descriptions(in_project / "dist" / "fr.pdf")
        == ["Lien vers https://exchanges.state.gov/fr"] * 2
    )
    page = flat(pdftotext(in_project / "dist" / "fr.pdf"))
    assert "Page 1 sur 1" in page


def test_a_language_is_a_catalog(tmp_path: Path) -> None:
    """Every catalog in factsheet/locales/ translates the same messages as the template, and
    compiles; the footer and link words keep their placeholders."""
    catalogs = sorted((PACKAGE / "locales").glob("*.po"))
    assert {path.stem for path in catalogs} >= {"fr", "es", "pt", "de", "it", "ru"}
    template_ids = _msgids(PACKAGE / "locales" / "factsheet.pot")
    for catalog in catalogs:
        assert _msgids(catalog) == template_ids, catalog.name
        assert locale_module.compile_catalog(catalog)
        words = locale_module.locale_for(catalog.stem)
        assert words.has_catalog
        assert "{" not in words.link_description("X") and "X" in words.link_description("X")
        assert words.page_numbering.between.strip()


def _msgids(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8")
    entries = re.findall(r'(?:msgctxt "([^"]*)"\n)?msgid ((?:"[^"\n]*"\n?)+)', text)
    return [(context, "".join(re.findall(r'"([^"]*)"', ids))) for context, ids in entries][1:]


def test_dates_come_from_cldr_for_a_catalogued_language() -> None:
    import datetime

    assert locale_module.locale_for("ru").format_date(datetime.date(2010, 6, 11)) == (
        "11 июня 2010\u00a0г."  # CLDR's narrow no-break space, as one the fonts have
    )


# Warnings and --strict ----------------------------------------------------------------------------


def test_a_warning_is_printed_and_strict_makes_it_fail(in_project: Path) -> None:
    """A language without a catalog is a warning, at the `lang` line: the sheet builds; with
    --strict it fails, like mkdocs' strict mode."""
    write_sheet(in_project, "sw", sheet_text("Kenya", lang="sw"))
    warning = (
        "content/sw.md:4: warning: no message catalog for language `sw`: the date, "
        '"Page N of M" and the tool\'s other words are printed in English'
    )
    result = invoke("check", "content/sw.md")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == warning
    built = invoke("pdf", "-j", "1", "content/sw.md")
    assert built.exit_code == 0
    assert warning in built.stderr.splitlines()
    assert (in_project / "dist" / "sw.pdf").is_file()
    strict = invoke("check", "--strict", "content/sw.md")
    assert strict.exit_code == 1
    assert "content/sw.md:4: warning: no message catalog" in strict.stderr
    strict_pdf = invoke("pdf", "-j", "1", "--strict", "--force", "content/sw.md")
    assert strict_pdf.exit_code == 1
    assert strict_pdf.stderr.splitlines()[-1].startswith("0 built, 0 skipped, 1 failed in ")


def test_errors_module_does_not_need_click(tmp_path: Path) -> None:
    result = run_python(
        "import sys, factsheet.errors, factsheet.pipeline; "
        "print(sorted(m for m in sys.modules if m == 'click' or m.startswith('click.')))",
        [],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# No hidden globals ------------------------------------------------------------------------------


def test_no_global_statements_and_no_private_weasyprint_outside_its_list() -> None:
    """Private WeasyPrint attributes are reached only through weasyprint_private.py."""
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not any(isinstance(node, ast.Global) for node in ast.walk(tree)), path
        if path.name != "weasyprint_private.py":
            source = path.read_text(encoding="utf-8")
            assert "._page_box" not in source, path


# Output profiles ----------------------------------------------------------------------------------


def test_the_profile_owns_the_output_path() -> None:
    """`f"{stem}.pdf"` is written in one place: the output profile."""
    places = [
        path.name
        for path in PACKAGE.rglob("*.py")
        if re.search(r'f"\{[^}"]*\}(\.pdf|\.html|\{suffix\})"', path.read_text(encoding="utf-8"))
    ]
    assert places == ["profiles.py"], places


def test_paper_change_rebuilds_and_sizes_the_page(in_project: Path) -> None:
    """The paper (a profile setting) is in the manifest key and reaches @page as data."""
    write_sheet(in_project, "p", sheet_text("Paper"))
    assert invoke("pdf", "-j", "1", "content/p.md").exit_code == 0
    settings = in_project / "factsheet.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("paper: letter", "paper: a4"), "utf-8"
    )
    result = invoke("pdf", "-j", "1", "content/p.md")
    assert result.exit_code == 0
    assert result.stdout.startswith("wrote dist/p.pdf")
    with pikepdf.open(in_project / "dist" / "p.pdf") as pdf:
        width, height = (float(value) for value in list(pdf.pages[0].MediaBox)[2:])
    assert (round(width), round(height)) == (595, 842)


# The Markdown stage as plugins ------------------------------------------------------------------


def test_renderer_rules_are_token_types_only() -> None:
    """No helper of the renderer is registered as a render rule by accident."""
    rules = set(PrintRenderer().rules)
    helpers = {"problem", "new_note", "repeated_note_call", "render"}
    assert not rules & helpers
    assert {"note", "note_call", "note_part", "image", "text", "th_open"} <= rules


def test_body_lists_links_images_headings_and_footnotes(in_project: Path) -> None:
    from factsheet.config import load_site
    from factsheet.content import load_sheet
    from factsheet.markdown import render_body

    shutil.copy(PROJECT_ROOT / "docs" / "international-criminal-court-page-1.png", "content/p.png")
    body = (
        "Intro[^n] with [a link](https://www.state.gov/a).\n\n"
        "## Part\n\n![A page](p.png)\n\n[^n]: See <https://example.org>.\n"
    )
    path = write_sheet(in_project, "b", sheet_text("B", body))
    site = load_site(in_project)
    result = render_body(load_sheet(path, site), site)
    # In reading order: a footnote is read where it is first cited.
    assert [(link.href, link.line) for link in result.links] == [
        ("https://example.org", 11),
        ("https://www.state.gov/a", 5),
    ]
    assert [(heading.level, heading.text, heading.line) for heading in result.headings] == [
        (2, "Part", 7)
    ]
    assert [(note.label, note.line) for note in result.footnotes] == [("n", 5)]
    assert result.images == [(in_project / "content" / "p.png").resolve()]
    # The footnote (which carries the disclaimer of its link) and the state.gov address.
    assert result.note_count == 2


def test_image_attributes_outside_the_supported_ones_are_refused(in_project: Path) -> None:
    """Attributes come from mdit_py_plugins.attrs; only the supported ones are accepted (an
    event handler or a src override never reaches the HTML)."""
    shutil.copy(PROJECT_ROOT / "docs" / "international-criminal-court-page-1.png", "content/p.png")
    write_sheet(in_project, "i", sheet_text("I", '![A page](p.png){src="other.png" onload=x}'))
    result = invoke("check", "content/i.md")
    assert result.exit_code == 1
    supported = '{alt=""} (decorative), width=…, credit="…" and .right or .left'
    assert result.stderr.splitlines()[:2] == [
        f"content/i.md:5: image 'p.png': attribute `src` is not supported; the attributes "
        f"are {supported}",
        f"content/i.md:5: image 'p.png': attribute `onload` is not supported; the attributes "
        f"are {supported}",
    ]


def test_factsheet_yaml_shows_the_defaults_or_says_it_does_not() -> None:
    """Each value in the shipped factsheet.yaml is the field's default (for the words that
    default to the English catalog's, those words), or the comment above it says "this
    project's choice"; and every field is there, so the file documents them all."""
    import yaml

    from factsheet.config import SiteSettings
    from factsheet.fields import declared_fields

    text = (PROJECT_ROOT / "factsheet.yaml").read_text(encoding="utf-8")
    values = yaml.safe_load(text)
    english = locale_module.locale_for("en")
    words = {"agency": english.agency, "tagline": english.tagline, "disclaimer": english.disclaimer}
    for field in declared_fields(SiteSettings):
        assert field.name in values, f"{field.name} is not in factsheet.yaml"
        value = values[field.name]
        default = words.get(field.name, field.default)
        if value == default or (isinstance(default, tuple) and list(default) == value):
            continue
        comment = text[: text.index(f"\n{field.name}:")].rsplit("\n\n", 1)[-1]
        assert "this project's choice" in comment.lower(), (
            f"{field.name}: {value!r} is not the default"
        )


def test_the_pre_commit_hook_checks_changed_content_files(tmp_path: Path) -> None:
    import yaml

    (hook,) = yaml.safe_load((PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == "factsheet-check" and hook["pass_filenames"] is True
    assert re.match(hook["files"], "content/water.md")
    assert not re.match(hook["files"], "templates/base.html")
    # What pre-commit runs: the entry with the changed files; a bad one fails the commit.
    project = make_project(tmp_path / "project")
    (project / "content" / "good.md").write_text("---\ntitle: G\ndate: 2020-01-02\n---\nOk.\n")
    (project / "content" / "bad.md").write_text("---\ntitle: B\n---\nOk.\n")
    command, subcommand = hook["entry"].split()
    assert command == "factsheet"
    good = run_cli([subcommand, "content/good.md"], cwd=project)
    assert good.returncode == 0
    bad = run_cli([subcommand, "content/good.md", "content/bad.md"], cwd=project)
    assert bad.returncode == 1 and "content/bad.md:1: missing required field `date`" in bad.stderr


def test_the_ci_example_builds_shards_into_their_own_folders() -> None:
    import yaml

    workflow = yaml.safe_load((PROJECT_ROOT / "docs" / "ci" / "github-actions.yml").read_text())
    build = workflow["jobs"]["build"]
    shards = build["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1))
    run = next(step["run"] for step in build["steps"] if "--shard" in step.get("run", ""))
    assert f"--shard ${{{{ matrix.shard }}}}/{len(shards)}" in run
    assert "--out dist/shard-${{ matrix.shard }}" in run
    assert workflow["jobs"]["gather"]["needs"] == "build"
