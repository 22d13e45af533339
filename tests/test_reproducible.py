"""Reproducible builds: the same inputs give the same PDF bytes, whoever builds them, wherever.

Every content file of the repo, the long fixture and a sheet with a table and a PNG image are
built in separate processes with different hash seeds (``PYTHONHASHSEED=random``), in a copy
of the project in another folder, and with one and with two worker processes; each time the
PDFs must be byte-for-byte the same. No clock may leak in: the PDF dates are the content's date.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from helpers import LONG_SOURCE, PROJECT_ROOT, front_matter, make_project, write_sheet
from PIL import Image

TABLE_AND_IMAGE_SHEET = """\
---
title: Exchange Grants at a Glance
date: 2019-11-05
office: Bureau of Educational and Cultural Affairs
---
Grants by region, with a chart of the totals.

![Bar chart of grants by region: Africa 12, Europe 9](bars.png)

| Region | Grants | Share |
|---|---:|---:|
| Africa | 12 | 57% |
| Europe | 9 | 43% |

Figures are provisional.[^provisional]

[^provisional]: Final figures are published in the annual report.
"""

CONTENT_NAMES = sorted(path.stem for path in (PROJECT_ROOT / "content").glob("*.md"))
ALL_NAMES = [*CONTENT_NAMES, "long-sheet", "table-and-image"]


def _write_png(path: Path) -> None:
    """A small, fully determined PNG: two navy bars on white."""
    image = Image.new("RGB", (60, 30), (255, 255, 255))
    for x in range(5, 25):
        for y in range(5, 28):
            image.putpixel((x, y), (22, 46, 81))
    for x in range(35, 55):
        for y in range(12, 28):
            image.putpixel((x, y), (22, 46, 81))
    image.save(path, format="PNG")


def build(project: Path, out: Path, *extra: str, cache: Path | None = None) -> dict[str, bytes]:
    """Build every sheet of ``project`` in a fresh process with a random hash seed (and, if
    given, ``cache`` as its cache folder's parent); return ``{name: pdf bytes}``."""
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    if cache is not None:
        env["XDG_CACHE_HOME"] = str(cache)
    command = [sys.executable, str(PROJECT_ROOT / "build.py"), "pdf", "--force", "--out", str(out)]
    result = subprocess.run(
        [*command, *extra],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
    pdfs = {path.stem: path.read_bytes() for path in sorted(out.glob("*.pdf"))}
    assert sorted(pdfs) == sorted(ALL_NAMES), f"unexpected outputs: {sorted(pdfs)}"
    return pdfs


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project holding the repo's content files, the long fixture and a table+image sheet."""
    root = make_project(tmp_path_factory.mktemp("repro") / "project")
    for name in CONTENT_NAMES:
        shutil.copy2(PROJECT_ROOT / "content" / f"{name}.md", root / "content")
    shutil.copy2(LONG_SOURCE, root / "content" / "long-sheet.md")
    write_sheet(root, "table-and-image", TABLE_AND_IMAGE_SHEET)
    _write_png(root / "content" / "bars.png")
    return root


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder that is empty before the reference build."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def first(project: Path, cache: Path) -> dict[str, bytes]:
    """The reference build: one worker process, nothing kept in its cache folder yet."""
    return build(project, project / "out-first", "-j1", cache=cache)


@pytest.fixture(scope="module")
def second(project: Path, cache: Path, first: dict[str, bytes]) -> dict[str, bytes]:
    """The same build again, in another process (another hash seed), reading back what the
    first kept in the cache folder (hyphenation patterns, font data)."""
    return build(project, project / "out-second", "-j1", cache=cache)


@pytest.fixture(scope="module")
def parallel(project: Path) -> dict[str, bytes]:
    """The same build with two worker processes."""
    return build(project, project / "out-parallel", "-j2")


@pytest.fixture(scope="module")
def relocated(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The same build in a copy of the project in a different folder."""
    copy = tmp_path_factory.mktemp("elsewhere") / "another place" / "copied-project"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("out-*"))
    return build(copy, copy / "dist", "-j1")


def differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """Names of the sheets whose PDFs differ, with where the bytes first diverge."""
    out = []
    for name in sorted(a):
        if a[name] != b[name]:
            at = next(
                (i for i, (x, y) in enumerate(zip(a[name], b[name], strict=False)) if x != y),
                min(len(a[name]), len(b[name])),
            )
            out.append(f"{name}.pdf (sizes {len(a[name])}/{len(b[name])}, first diff at {at})")
    return out


def test_fixture_sheet_has_table_and_image(first: dict[str, bytes], project: Path) -> None:
    """The table+image sheet really embeds the PNG and a tagged table (else it proves nothing)."""
    assert first["table-and-image"]
    with pikepdf.open(project / "out-first" / "table-and-image.pdf") as pdf:
        images = [
            xobject
            for page in pdf.pages
            for xobject in page.Resources.get("/XObject", {}).values()
            if xobject.get("/Subtype") == pikepdf.Name.Image
        ]
        assert images, "the PNG is not in the PDF"
        kinds = {
            str(obj.S)
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and "/S" in obj and "/P" in obj
        }
        assert {"/Table", "/TH", "/TD", "/Figure"} <= kinds, sorted(kinds)


def test_two_processes_with_different_hash_seeds(
    first: dict[str, bytes], second: dict[str, bytes], cache: Path
) -> None:
    """Two builds in separate processes (random hash seeds), the second reading back what
    the first kept in the cache folder, give byte-identical PDFs."""
    kept = {
        path.parent.name if path.parent.name != "factsheet" else path.name.split("-")[0]
        for path in (cache / "factsheet").rglob("*")
        if path.is_file()
    }
    assert {"hyphenation", "coverage", "advances"} <= kept, sorted(kept)
    assert not differing(first, second), differing(first, second)


def test_project_copied_elsewhere(first: dict[str, bytes], relocated: dict[str, bytes]) -> None:
    """Moving the project to another folder does not change a single byte."""
    assert not differing(first, relocated), differing(first, relocated)


def test_one_or_two_workers(first: dict[str, bytes], parallel: dict[str, bytes]) -> None:
    """-j1 and -j2 give byte-identical PDFs."""
    assert not differing(first, parallel), differing(first, parallel)


def _source(project: Path, name: str) -> Path:
    return project / "content" / f"{name}.md"


@pytest.mark.parametrize("name", ALL_NAMES)
def test_pdf_dates_are_the_content_date(first: dict[str, bytes], project: Path, name: str) -> None:
    """CreationDate and ModDate (Info and XMP) are the sheet's date, not the build time."""
    date = front_matter(_source(project, name))["date"]
    assert isinstance(date, datetime.date)
    with pikepdf.open(project / "out-first" / f"{name}.pdf") as pdf:
        for key in ("/CreationDate", "/ModDate"):
            value = str(pdf.docinfo.get(key, ""))
            assert re.fullmatch(rf"D:{date:%Y%m%d}(000000)?([Z+-].*)?", value), (
                f"{key} is {value!r}, expected the content date {date:%Y-%m-%d}"
            )
        meta = pdf.open_metadata()
        for key in ("xmp:CreateDate", "xmp:ModifyDate"):
            value = meta.get(key)
            assert value is not None, f"no {key} in the XMP metadata"
            assert str(value).startswith(date.isoformat()), f"{key} is {value!r}"
            assert re.fullmatch(rf"{date.isoformat()}(T00:00(:00)?([Z+-].*)?)?", str(value)), (
                f"{key} is {value!r}, expected the content date {date:%Y-%m-%d}"
            )
