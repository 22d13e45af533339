"""Shared fixtures: projects in temporary folders and sheets built once per session with the CLI.

Plain helper functions (running the CLI, writing content files, reading PDFs back) are in
helpers.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import LONG_SOURCE, PROJECT_ROOT, build_fixture_sheet, make_project, run_cli


@pytest.fixture(scope="session")
def icc_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ICC sheet, built once per session from the repo with the CLI."""
    out = tmp_path_factory.mktemp("icc")
    result = run_cli(
        ["pdf", "content/international-criminal-court.md", "--out", str(out)], cwd=PROJECT_ROOT
    )
    assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
    pdf = out / "international-criminal-court.pdf"
    assert pdf.is_file()
    return pdf


@pytest.fixture(scope="session")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The multi-page fixture sheet tests/data/long-sheet.md, built once per session."""
    project = tmp_path_factory.mktemp("long") / "project"
    return build_fixture_sheet(project, "long-sheet", LONG_SOURCE.read_text(encoding="utf-8"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh fact-sheet project (settings, templates, empty content/) in a temp folder."""
    return make_project(tmp_path / "project")


@pytest.fixture
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh project that is also the working directory."""
    monkeypatch.chdir(project)
    return project


@pytest.fixture
def sheet_builder(tmp_path: Path) -> Callable[[str, str], Path]:
    """Build an arbitrary sheet in its own fresh project; returns the PDF path."""

    def build(name: str, text: str) -> Path:
        return build_fixture_sheet(tmp_path / f"project-{name}", name, text)

    return build
