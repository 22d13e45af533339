"""Incremental builds: the content-hash manifest in the output folder decides what to rebuild.

A build with nothing changed renders nothing (and never imports WeasyPrint); a change rebuilds
exactly the sheets that depend on it; a corrupt manifest, a deleted PDF or a failed sheet never
leaves a stale PDF counted as up to date.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from helpers import (
    flat,
    invoke,
    pdftotext,
    run_python,
    sections_body,
    sheet_text,
    write_sheet,
)

import factsheet.manifest as manifest_module
from factsheet.config import Site, load_site
from factsheet.manifest import MANIFEST_NAME, Manifest, file_digest, site_fingerprint
from factsheet.profiles import OutputProfile, build_profile

SUMMARY = re.compile(r"^(\d+) built, (\d+) skipped, (\d+) failed in \d+\.\d\d s$")
WROTE = re.compile(r"^wrote dist/(?P<name>[\w-]+)\.pdf \(\d+ pages?\)$")
UP_TO_DATE = re.compile(r"^up to date dist/(?P<name>[\w-]+)\.pdf$")
NAMES = ("a", "b", "c")


def svg(colour: str) -> str:
    """A small SVG image of one coloured rectangle."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="20">'
        f'<rect width="80" height="20" fill="{colour}"/></svg>\n'
    )


def counts(result: Result) -> tuple[int, int, int]:
    """(built, skipped, failed) from the one summary line on stderr."""
    found = [m for m in map(SUMMARY.match, result.stderr.splitlines()) if m]
    assert len(found) == 1, f"expected one summary line:\n{result.stderr}"
    built, skipped, failed = (int(group) for group in found[0].groups())
    return built, skipped, failed


def progress(result: Result) -> tuple[set[str], set[str]]:
    """The sheets reported as written and as up to date; every stdout line must be one."""
    wrote, current = set(), set()
    for line in result.stdout.splitlines():
        if match := WROTE.match(line):
            wrote.add(match["name"])
        elif match := UP_TO_DATE.match(line):
            current.add(match["name"])
        else:
            pytest.fail(f"unexpected progress line {line!r} in:\n{result.stdout}")
    assert len(result.stdout.splitlines()) == len(wrote) + len(current), result.stdout
    return wrote, current


def pdf_state(pdf: Path) -> tuple[int, int, bytes]:
    """What must not change when a PDF is left alone: mtime, inode and bytes."""
    status = pdf.stat()
    return status.st_mtime_ns, status.st_ino, pdf.read_bytes()


def states(project: Path, names: tuple[str, ...] = NAMES) -> dict[str, tuple[int, int, bytes]]:
    """``pdf_state`` of each named sheet's PDF in ``dist/``."""
    return {name: pdf_state(project / "dist" / f"{name}.pdf") for name in names}


@pytest.fixture
def built(in_project: Path) -> Path:
    """Sheets a and b showing content/shared.svg, sheet c without images, built once."""
    (in_project / "content" / "shared.svg").write_text(svg("maroon"), encoding="utf-8")
    for name in ("a", "b"):
        write_sheet(
            in_project,
            name,
            sheet_text(f"Sheet {name.upper()}", "A chart:\n\n![A maroon bar](shared.svg)\n"),
        )
    write_sheet(in_project, "c", sheet_text("Sheet C"))
    result = invoke("pdf", "-j", "1")
    assert result.exit_code == 0, result.output
    assert counts(result) == (3, 0, 0)
    assert progress(result) == ({"a", "b", "c"}, set())
    return in_project


# Nothing changed ------------------------------------------------------------------------------


def test_second_build_skips_every_sheet(built: Path) -> None:
    """A rebuild with nothing changed reports every sheet up to date and touches no PDF."""
    before = states(built)
    result = invoke("pdf", "-j", "1")
    assert result.exit_code == 0, result.output
    assert counts(result) == (0, 3, 0)
    assert progress(result) == (set(), {"a", "b", "c"})
    assert states(built) == before


def test_manifest_is_written_in_the_output_folder(built: Path) -> None:
    """The manifest lies in the output folder and names every built PDF."""
    data = json.loads((built / "dist" / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert sorted(data["sheets"]) == ["a.pdf", "b.pdf", "c.pdf"]


def test_out_folder_has_its_own_manifest(built: Path) -> None:
    """Another --out folder starts empty: its sheets are built, dist/ is left alone."""
    before = states(built)
    result = invoke("pdf", "-j", "1", "--out", "elsewhere")
    assert result.exit_code == 0, result.output
    assert counts(result) == (3, 0, 0)
    assert (built / "elsewhere" / MANIFEST_NAME).is_file()
    assert states(built) == before


PROBE = """\
import sys
from click.testing import CliRunner
from factsheet.cli import cli
result = CliRunner().invoke(cli, sys.argv[1:])
sys.stderr.write(result.output)
print(result.exit_code, "weasyprint" in sys.modules)
"""


def probe_weasyprint_import(project: Path, *args: str) -> tuple[str, str]:
    """Run the CLI in a fresh interpreter; return (``"<exit> <weasyprint imported>"``, log)."""
    completed = run_python(PROBE, list(args), project)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip(), completed.stderr


def test_noop_build_does_not_import_weasyprint(in_project: Path) -> None:
    """The first build imports WeasyPrint (the probe works); the no-op rebuild does not."""
    for name in NAMES:
        write_sheet(in_project, name, sheet_text(f"Sheet {name}"))
    first, log = probe_weasyprint_import(in_project, "pdf")
    assert first == "0 True", log
    assert "3 built, 0 skipped, 0 failed" in log
    second, log = probe_weasyprint_import(in_project, "pdf")
    assert "0 built, 3 skipped, 0 failed" in log
    assert second == "0 False", f"a build with nothing to do imported WeasyPrint:\n{log}"


# What a change rebuilds -----------------------------------------------------------------------


def edit_content(project: Path) -> list[str]:
    write_sheet(project, "c", sheet_text("Sheet C", "An edited paragraph of the sheet."))
    return []


def edit_image(project: Path) -> list[str]:
    (project / "content" / "shared.svg").write_text(svg("navy"), encoding="utf-8")
    return []


def append_to(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


def edit_stylesheet(project: Path) -> list[str]:
    append_to(project / "templates" / "factsheet.css", "\n/* edited */\n")
    return []


def replace_font(project: Path) -> list[str]:
    fonts = project / "templates" / "fonts"
    regular = (fonts / "Latin-Merriweather-Regular.ttf").read_bytes()
    (fonts / "Latin-Merriweather-Italic.ttf").write_bytes(regular)
    return []


def edit_template(project: Path) -> list[str]:
    append_to(project / "templates" / "factsheet.html", "\n{# edited #}\n")
    return []


def edit_emblem(project: Path) -> list[str]:
    emblem = project / "templates" / "emblem.svg"
    emblem.write_text(emblem.read_text(encoding="utf-8") + "<!-- edited -->\n", encoding="utf-8")
    return []


def edit_settings(project: Path) -> list[str]:
    config = project / "factsheet.yaml"
    text = config.read_text(encoding="utf-8")
    assert "tagline: Diplomacy in Action" in text
    config.write_text(text.replace("Diplomacy in Action", "Edited Tagline"), encoding="utf-8")
    return []


def change_variant(_project: Path) -> list[str]:
    return ["--pdf-variant", "none"]


def delete_pdf(project: Path) -> list[str]:
    (project / "dist" / "b.pdf").unlink()
    return []


def force(_project: Path) -> list[str]:
    return ["--force"]


CHANGES: list[tuple[Callable[[Path], list[str]], set[str]]] = [
    (edit_content, {"c"}),
    (edit_image, {"a", "b"}),
    (edit_stylesheet, {"a", "b", "c"}),
    (replace_font, {"a", "b", "c"}),
    (edit_template, {"a", "b", "c"}),
    (edit_emblem, {"a", "b", "c"}),
    (edit_settings, {"a", "b", "c"}),
    (change_variant, {"a", "b", "c"}),
    (delete_pdf, {"b"}),
    (force, {"a", "b", "c"}),
]


@pytest.mark.parametrize(
    ("change", "rebuilt"), CHANGES, ids=[change.__name__ for change, _ in CHANGES]
)
def test_change_rebuilds_exactly_the_affected_sheets(
    built: Path, change: Callable[[Path], list[str]], rebuilt: set[str]
) -> None:
    """Each kind of change rebuilds the sheets that depend on it and leaves the others alone;
    the next build (same options) has nothing to do."""
    untouched = tuple(name for name in NAMES if name not in rebuilt)
    before = states(built, untouched)
    args = change(built)
    result = invoke("pdf", "-j", "1", *args)
    assert result.exit_code == 0, result.output
    assert counts(result) == (len(rebuilt), len(untouched), 0)
    assert progress(result) == (rebuilt, set(untouched))
    assert states(built, untouched) == before
    for name in NAMES:
        assert (built / "dist" / f"{name}.pdf").is_file()
    again = invoke("pdf", "-j", "1", *[arg for arg in args if arg != "--force"])
    assert again.exit_code == 0, again.output
    assert counts(again) == (0, 3, 0)


def test_rebuilt_pdf_shows_the_edit(built: Path) -> None:
    """The rebuilt PDF has the new text (the skip decision is not just bookkeeping)."""
    edit_content(built)
    result = invoke("pdf", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "An edited paragraph of the sheet." in flat(pdftotext(built / "dist" / "c.pdf"))


def test_variant_back_and_forth(built: Path) -> None:
    """Switching the variant rebuilds all; the same variant again skips; switching back
    rebuilds all again."""
    steps = [(["--pdf-variant", "none"], 3), (["--pdf-variant", "none"], 0), ([], 3), ([], 0)]
    for args, expected in steps:
        result = invoke("pdf", "-j", "1", *args)
        assert result.exit_code == 0, result.output
        assert counts(result) == (expected, 3 - expected, 0), args


def test_building_one_sheet_keeps_the_others_in_the_manifest(built: Path) -> None:
    """Building a single named sheet records it without forgetting the rest."""
    edit_content(built)
    result = invoke("pdf", "-j", "1", "content/c.md")
    assert result.exit_code == 0, result.output
    assert counts(result) == (1, 0, 0)
    result = invoke("pdf", "-j", "1")
    assert counts(result) == (0, 3, 0)


GARBAGE = {
    "not-json": b"{not json",
    "empty": b"",
    "binary": b"\x00\xff\xfe garbage",
    "truncated": b'{"format": 1, "sheets": {"a.pdf": {"site": "',
    "list": b"[]",
    "null": b"null",
    "sheets-is-a-list": b'{"format": 1, "sheets": []}',
    "entry-is-a-string": b'{"format": 1, "sheets": {"a.pdf": "x"}}',
    "entry-missing-fields": b'{"format": 1, "sheets": {"a.pdf": {"site": "x"}}}',
    "other-format": b'{"format": 99, "sheets": {}}',
}


CORRUPT = ("not-json", "binary", "list", "sheets-is-a-list", "entry-is-a-string")


@pytest.mark.parametrize("garbage", [GARBAGE[key] for key in CORRUPT], ids=CORRUPT)
def test_corrupt_manifest_rebuilds_without_crashing(in_project: Path, garbage: bytes) -> None:
    """A damaged manifest is ignored: everything is rebuilt, the build succeeds, and the
    manifest is rewritten so that the next build skips again."""
    write_sheet(in_project, "a", sheet_text("Sheet A"))
    assert counts(invoke("pdf", "-j", "1")) == (1, 0, 0)
    (in_project / "dist" / MANIFEST_NAME).write_bytes(garbage)
    result = invoke("pdf", "-j", "1")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        pytest.fail(f"the build crashed on a corrupt manifest: {result.exception!r}")
    assert result.exit_code == 0, result.output
    assert counts(result) == (1, 0, 0)
    assert counts(invoke("pdf", "-j", "1")) == (0, 1, 0)


# Failed sheets --------------------------------------------------------------------------------

OVER_BUDGET_BODY = sections_body(
    12, " ".join(["This paragraph fills the page with words."] * 30), paragraphs=1
)
BAD_SHEETS = {
    "front-matter": (sheet_text("Bad", colour="blue"), r"content/b\.md:4: unknown field"),
    "page-budget": (
        sheet_text("Too Long", OVER_BUDGET_BODY, max_pages=1),
        r"content/b\.md:\d+: renders to \d+ pages, budget is 1",
    ),
}


@pytest.mark.parametrize(("bad", "message"), BAD_SHEETS.values(), ids=BAD_SHEETS.keys())
def test_failed_sheet_is_retried_next_time(in_project: Path, bad: str, message: str) -> None:
    """A sheet that failed is not recorded as built: the next build tries it again (and fails
    again, exit 1) until it is fixed."""
    write_sheet(in_project, "a", sheet_text("Sheet A"))
    write_sheet(in_project, "b", bad)
    for expected in [(1, 0, 1), (0, 1, 1)]:
        result = invoke("pdf", "-j", "1")
        assert result.exit_code == 1, result.output
        assert counts(result) == expected
        assert re.search(message, result.stderr, re.MULTILINE), result.stderr
        assert not (in_project / "dist" / "b.pdf").exists()
        data = json.loads((in_project / "dist" / MANIFEST_NAME).read_text(encoding="utf-8"))
        assert sorted(data["sheets"]) == ["a.pdf"]
    write_sheet(in_project, "b", sheet_text("Fixed"))
    result = invoke("pdf", "-j", "1")
    assert result.exit_code == 0, result.output
    assert counts(result) == (1, 1, 0)


def test_sheet_that_breaks_after_a_good_build_is_retried(built: Path) -> None:
    """A built sheet edited into an error fails, keeps failing on every build (its old PDF is
    not reported up to date), and is rebuilt once fixed."""
    good = (built / "content" / "c.md").read_text(encoding="utf-8")
    write_sheet(built, "c", sheet_text("Sheet C", colour="blue"))
    for _ in range(2):
        result = invoke("pdf", "-j", "1")
        assert result.exit_code == 1, result.output
        assert counts(result) == (0, 2, 1)
        assert "content/c.md:4: unknown field `colour`" in result.stderr
    (built / "content" / "c.md").write_text(good, encoding="utf-8")
    result = invoke("pdf", "-j", "1")
    assert result.exit_code == 0, result.output
    assert counts(result) == (1, 2, 0)


# factsheet.manifest ---------------------------------------------------------------------------


@pytest.fixture
def sheet_files(project: Path) -> tuple[Path, Path, Path]:
    """A content file, an image and an existing output file in ``project``."""
    source = write_sheet(project, "a", sheet_text("Sheet A"))
    image = project / "content" / "chart.svg"
    image.write_text(svg("maroon"), encoding="utf-8")
    output = project / "dist" / "a.pdf"
    output.parent.mkdir()
    output.write_bytes(b"%PDF-1.7 not really a PDF")
    return source, image, output


def digests(*paths: Path) -> dict[Path, str]:
    """What a build records: each input's digest as it was read."""
    return {path: file_digest(path) for path in paths}


def test_manifest_round_trip(sheet_files: tuple[Path, Path, Path]) -> None:
    """record → save → load gives back the same entries, and the loaded manifest finds the
    output current."""
    source, image, output = sheet_files
    out_dir = output.parent
    manifest = Manifest.load(out_dir)
    assert manifest.entries == {}
    assert not manifest.is_current(source, output, "site-1")
    manifest.record(source, output, "site-1", digests(source, image))
    assert manifest.is_current(source, output, "site-1")
    manifest.save()
    assert (out_dir / MANIFEST_NAME).is_file()
    loaded = Manifest.load(out_dir)
    assert loaded.entries == manifest.entries
    entry = loaded.entries["a.pdf"]
    assert entry.source == file_digest(source)
    # Images are recorded relative to the content file, so a copied project checks its own.
    assert entry.images == {os.path.relpath(image, source.parent): file_digest(image)}
    assert entry.output_size == output.stat().st_size
    assert loaded.is_current(source, output, "site-1")


def test_manifest_save_creates_the_output_folder(tmp_path: Path) -> None:
    """Saving into a folder that does not exist yet creates it; an empty manifest loads."""
    out_dir = tmp_path / "new" / "dist"
    Manifest.load(out_dir).save()
    assert Manifest.load(out_dir).entries == {}


@pytest.mark.parametrize(
    "change",
    ["site", "source", "image", "image-deleted", "output-deleted", "output-size"],
)
def test_manifest_is_current_detects(sheet_files: tuple[Path, Path, Path], change: str) -> None:
    """Any change to what the output was built from makes it not current."""
    source, image, output = sheet_files
    manifest = Manifest.load(output.parent)
    manifest.record(source, output, "site-1", digests(source, image))
    site_key = "site-1"
    if change == "site":
        site_key = "site-2"
    elif change == "source":
        append_to(source, "One more line.\n")
    elif change == "image":
        image.write_text(svg("navy"), encoding="utf-8")
    elif change == "image-deleted":
        image.unlink()
    elif change == "output-deleted":
        output.unlink()
    elif change == "output-size":
        output.write_bytes(output.read_bytes() + b"\n%%EOF")
    assert not manifest.is_current(source, output, site_key)


def test_manifest_forget(sheet_files: tuple[Path, Path, Path]) -> None:
    """A forgotten output is no longer current, and stays forgotten after a save."""
    source, image, output = sheet_files
    manifest = Manifest.load(output.parent)
    manifest.record(source, output, "site-1", digests(source, image))
    manifest.forget(output)
    manifest.forget(output)  # forgetting twice is harmless
    assert not manifest.is_current(source, output, "site-1")
    manifest.save()
    assert Manifest.load(output.parent).entries == {}


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
def test_manifest_load_of_garbage_is_empty(tmp_path: Path, garbage: bytes) -> None:
    """An unreadable or malformed manifest loads as an empty one instead of raising."""
    (tmp_path / MANIFEST_NAME).write_bytes(garbage)
    assert Manifest.load(tmp_path).entries == {}


def test_file_digest_of_missing_file(tmp_path: Path) -> None:
    """A missing file has the digest ``missing`` (so a deleted image is a change)."""
    assert file_digest(tmp_path / "nothing.png") == "missing"


def profile_of(site: Site, pdf_variant: str) -> OutputProfile:
    """The default output profile of ``site`` with ``pdf_variant``."""
    return build_profile(site, pdf_variant=pdf_variant)


def test_site_fingerprint_is_stable(project: Path) -> None:
    """The same project, settings and variant give the same fingerprint; content does not
    enter it."""
    site = load_site(project)
    first = site_fingerprint(site, profile_of(site, "pdf/ua-1"))
    write_sheet(project, "a", sheet_text("Sheet A"))
    assert site_fingerprint(load_site(project), profile_of(load_site(project), "pdf/ua-1")) == first


def test_site_fingerprint_follows_tool_versions(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Upgrading WeasyPrint, pikepdf or factsheet changes the fingerprint (so every sheet
    rebuilds)."""
    site = load_site(project)
    base = site_fingerprint(site, profile_of(site, "pdf/ua-1"))
    real_version = manifest_module.metadata.version

    for upgraded in ("weasyprint", "pikepdf"):

        def newer(name: str, upgraded: str = upgraded) -> str:
            return "999.0" if name.lower() == upgraded else real_version(name)

        with monkeypatch.context() as patch:
            patch.setattr(manifest_module.metadata, "version", newer)
            assert site_fingerprint(site, profile_of(site, "pdf/ua-1")) != base, upgraded
    with monkeypatch.context() as patch:
        patch.setattr(manifest_module, "__version__", "99.0.0")
        assert site_fingerprint(site, profile_of(site, "pdf/ua-1")) != base
    assert site_fingerprint(site, profile_of(site, "pdf/ua-1")) == base


def test_site_fingerprint_follows_variant_settings_and_templates(project: Path) -> None:
    """The variant, factsheet.yaml, and any file under templates/ (changed or added) each
    change the fingerprint."""
    seen = {site_fingerprint(load_site(project), profile_of(load_site(project), "pdf/ua-1"))}

    def fingerprint() -> str:
        return site_fingerprint(load_site(project), profile_of(load_site(project), "pdf/ua-1"))

    steps: list[Callable[[], object]] = [
        lambda: append_to(project / "factsheet.yaml", "\n# a comment\n"),
        lambda: append_to(project / "templates" / "factsheet.css", "\n/* edited */\n"),
        lambda: append_to(project / "templates" / "base.html", "\n"),
        lambda: (project / "templates" / "fonts" / "New.ttf").write_bytes(b"not a font"),
    ]
    assert (
        site_fingerprint(load_site(project), profile_of(load_site(project), "pdf/a-2u")) not in seen
    )
    for step in steps:
        step()
        value = fingerprint()
        assert value not in seen
        seen.add(value)


def test_a_save_during_the_render_is_rebuilt_next_time(
    in_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest records the content as it was read, not as it is after the render: a save
    that lands while the PDF is being made is picked up by the next build."""
    import factsheet.pipeline as pipeline_module

    source = write_sheet(in_project, "a", sheet_text("Sheet A"))
    real_prepare = pipeline_module.prepare

    def prepare_then_save(path: Path, *args: object, **options: object) -> object:
        document = real_prepare(path, *args, **options)  # type: ignore[arg-type]
        path.write_text(sheet_text("Sheet A", body="Saved while rendering."), encoding="utf-8")
        return document

    monkeypatch.setattr(pipeline_module, "prepare", prepare_then_save)
    assert counts(invoke("pdf", "-j", "1", "content/a.md")) == (1, 0, 0)
    monkeypatch.setattr(pipeline_module, "prepare", real_prepare)
    assert counts(invoke("pdf", "-j", "1", "content/a.md")) == (1, 0, 0)
    assert "Saved while rendering." in flat(pdftotext(in_project / "dist" / "a.pdf"))
    assert source.exists()


def test_an_unwritable_output_fails_that_sheet_only(in_project: Path) -> None:
    """A PDF that cannot be written (its path is a folder) is a located error for that sheet;
    the other sheets are still built."""
    write_sheet(in_project, "a", sheet_text("Sheet A"))
    write_sheet(in_project, "b", sheet_text("Sheet B"))
    (in_project / "dist" / "a.pdf").mkdir(parents=True)
    result = invoke("pdf", "-j", "1")
    assert result.exit_code == 1
    assert "content/a.md: cannot write dist/a.pdf: Is a directory" in result.stderr.splitlines()
    assert counts(result) == (1, 0, 1)
    assert (in_project / "dist" / "b.pdf").is_file()


def test_a_file_an_svg_draws_in_is_an_input_too(in_project: Path) -> None:
    """An SVG image that shows a PNG beside it (<image href="photo.png">): changing the PNG
    rebuilds the sheet, as changing the SVG does."""
    from PIL import Image

    content = in_project / "content"
    Image.new("RGB", (40, 20), (0, 94, 162)).save(content / "photo.png")
    (content / "framed.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40">'
        '<image href="photo.png" width="80" height="40"/></svg>\n',
        encoding="utf-8",
    )
    write_sheet(in_project, "a", sheet_text("Sheet A", "![A framed photo](framed.svg)"))
    assert counts(invoke("pdf", "-j", "1")) == (1, 0, 0)
    assert counts(invoke("pdf", "-j", "1")) == (0, 1, 0)
    Image.new("RGB", (40, 20), (216, 57, 51)).save(content / "photo.png")
    assert counts(invoke("pdf", "-j", "1")) == (1, 0, 0)
