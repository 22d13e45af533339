"""PDF variants: every `--pdf-variant` builds and declares itself in its XMP metadata.

pdf/ua-1 (the default) and pdf/ua-2 declare ``pdfuaid:part``; the PDF/A variants declare
``pdfaid:part`` and ``pdfaid:conformance`` (U or A); ``none`` declares neither and is untagged.
The ``pdf_variant`` setting of factsheet.yaml is honoured, and an invalid value is refused with
the valid ones listed (at its line, for factsheet.yaml).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from helpers import ICC_SOURCE, invoke, make_project, pdfinfo

VARIANTS = ("pdf/ua-1", "pdf/ua-2", "pdf/a-2u", "pdf/a-3u", "pdf/a-2a", "pdf/a-3a", "none")

# What each variant must declare in XMP: (pdfuaid:part, pdfaid:part, pdfaid:conformance).
DECLARATIONS = {
    "pdf/ua-1": ("1", None, None),
    "pdf/ua-2": ("2", None, None),
    # The archival variants are the accessible copy as well: they declare PDF/UA-1 too.
    "pdf/a-2u": ("1", "2", "U"),
    "pdf/a-3u": ("1", "3", "U"),
    "pdf/a-2a": ("1", "2", "A"),
    "pdf/a-3a": ("1", "3", "A"),
    "none": (None, None, None),
}

# Variants that require a structure tree (PDF/UA, and PDF/A level A "accessible").
TAGGED = ("pdf/ua-1", "pdf/ua-2", "pdf/a-2a", "pdf/a-3a", "pdf/a-2u", "pdf/a-3u")

SHEET = ICC_SOURCE.stem

DECLARED_KEYS = ("pdfuaid:part", "pdfaid:part", "pdfaid:conformance")


def set_variant(project: Path, value: str) -> int:
    """Set ``pdf_variant`` in ``project``'s factsheet.yaml; return the line it is on."""
    config = project / "factsheet.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    numbers = [i for i, line in enumerate(lines) if line.startswith("pdf_variant:")]
    if numbers:
        lines[numbers[0]] = f"pdf_variant: {value}"
        index = numbers[0]
    else:
        lines.append(f"pdf_variant: {value}")
        index = len(lines) - 1
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return index + 1


@pytest.fixture(scope="module")
def variant_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project with the ICC sheet, which is also the working directory."""
    root = make_project(tmp_path_factory.mktemp("variants") / "project")
    shutil.copy2(ICC_SOURCE, root / "content")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        yield root


@pytest.fixture(scope="module")
def variant_pdfs(variant_project: Path) -> dict[str, Path]:
    """The ICC sheet built once per variant with --pdf-variant."""
    pdfs = {}
    for variant in VARIANTS:
        out = variant_project / "out" / variant.replace("/", "_")
        result = invoke(
            "pdf", f"content/{SHEET}.md", "--pdf-variant", variant, "--out", str(out), "-j", "1"
        )
        assert result.exit_code == 0, f"{variant}: build failed:\n{result.output}"
        pdfs[variant] = out / f"{SHEET}.pdf"
    return pdfs


def declarations(pdf_path: Path) -> tuple[str | None, str | None, str | None]:
    """(pdfuaid:part, pdfaid:part, pdfaid:conformance) from the PDF's XMP metadata."""
    with pikepdf.open(pdf_path) as pdf:
        meta = pdf.open_metadata()
        values = tuple(meta.get(key) for key in DECLARED_KEYS)
    part_ua, part_a, conformance = (None if value is None else str(value) for value in values)
    return part_ua, part_a, conformance


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_builds_and_declares_itself(variant_pdfs: dict[str, Path], variant: str) -> None:
    """Each variant builds a readable PDF whose XMP declares exactly that variant."""
    path = variant_pdfs[variant]
    assert path.is_file(), f"{variant}: no PDF"
    assert int(pdfinfo(path)["Pages"]) >= 1
    assert declarations(path) == DECLARATIONS[variant], (
        f"{variant}: XMP declares {dict(zip(DECLARED_KEYS, declarations(path), strict=True))}"
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_tagging(variant_pdfs: dict[str, Path], variant: str) -> None:
    """PDF/UA and PDF/A level A are tagged (structure tree, Marked); `none` is not tagged."""
    path = variant_pdfs[variant]
    info = pdfinfo(path)
    with pikepdf.open(path) as pdf:
        has_tree = "/StructTreeRoot" in pdf.Root
        marked = bool(pdf.Root.get("/MarkInfo", {}).get("/Marked", False))
    if variant in TAGGED:
        assert has_tree and marked, f"{variant}: not tagged"
        assert info["Tagged"] == "yes"
    elif variant == "none":
        assert not has_tree, "`none` has a structure tree"
        assert info["Tagged"] == "no"


@pytest.mark.parametrize("variant", ["pdf/ua-1", "pdf/ua-2"])
def test_ua_variants_show_title_and_language(variant_pdfs: dict[str, Path], variant: str) -> None:
    """PDF/UA variants: /Lang set and the viewer shows the document title."""
    with pikepdf.open(variant_pdfs[variant]) as pdf:
        assert str(pdf.Root.get("/Lang", "")) == "en"
        assert pdf.Root.ViewerPreferences.get("/DisplayDocTitle") is True
        assert str(pdf.docinfo.get("/Title", "")) == "International Criminal Court"


def test_default_variant_is_pdf_ua_1(variant_project: Path) -> None:
    """Without --pdf-variant, the repo's settings give PDF/UA-1."""
    out = variant_project / "out" / "default"
    result = invoke("pdf", f"content/{SHEET}.md", "--out", str(out), "-j", "1")
    assert result.exit_code == 0, result.output
    assert declarations(out / f"{SHEET}.pdf") == DECLARATIONS["pdf/ua-1"]


@pytest.fixture
def in_fresh_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh project with the ICC sheet, as the working directory."""
    root = make_project(tmp_path / "project")
    shutil.copy2(ICC_SOURCE, root / "content")
    monkeypatch.chdir(root)
    return root


def test_config_pdf_variant_is_honoured(in_fresh_project: Path) -> None:
    """pdf_variant in factsheet.yaml chooses the variant; --pdf-variant overrides it."""
    set_variant(in_fresh_project, "pdf/a-3a")
    result = invoke("pdf", f"content/{SHEET}.md", "--out", "from-config", "-j", "1")
    assert result.exit_code == 0, result.output
    assert (
        declarations(in_fresh_project / "from-config" / f"{SHEET}.pdf") == DECLARATIONS["pdf/a-3a"]
    )
    result = invoke(
        "pdf", f"content/{SHEET}.md", "--out", "from-option", "--pdf-variant", "pdf/ua-2", "-j", "1"
    )
    assert result.exit_code == 0, result.output
    assert (
        declarations(in_fresh_project / "from-option" / f"{SHEET}.pdf") == DECLARATIONS["pdf/ua-2"]
    )


def test_invalid_cli_variant_is_usage_error(in_fresh_project: Path) -> None:
    """An unknown --pdf-variant exits 2 and lists every valid value; nothing is written."""
    result = invoke("pdf", f"content/{SHEET}.md", "--pdf-variant", "pdf/ua-3", "--out", "out")
    assert result.exit_code == 2, result.output
    assert "pdf/ua-3" in result.output
    for variant in VARIANTS:
        assert variant in result.output, f"{variant} not listed in:\n{result.output}"
    assert not (in_fresh_project / "out").exists()


@pytest.mark.parametrize("command", ["pdf", "check"])
def test_invalid_config_variant_reported_at_its_line(in_fresh_project: Path, command: str) -> None:
    """An unknown pdf_variant in factsheet.yaml fails with factsheet.yaml:LINE and the choices."""
    line = set_variant(in_fresh_project, "pdf/ua-3")
    result = invoke(command, f"content/{SHEET}.md")
    assert result.exit_code != 0, result.output
    match = re.search(r"factsheet\.yaml:(\d+): (.*)", result.output)
    assert match, f"no factsheet.yaml:LINE: message in:\n{result.output}"
    assert int(match.group(1)) == line, result.output
    assert "pdf_variant" in match.group(2)
    assert "pdf/ua-3" in match.group(2)
    for variant in VARIANTS:
        assert variant in match.group(2), f"{variant} not listed in:\n{result.output}"
    assert not (in_fresh_project / "dist").exists()
