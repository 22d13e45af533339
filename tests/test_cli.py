"""The command line as a user meets it: help, exit codes, messages and the files written."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from helpers import PROJECT_ROOT, flat, invoke, pdfinfo, pdftotext, write_sheet

from factsheet.cli import cli

GOOD_SHEET = """\
---
title: Consular Services Overview
date: 2021-04-02
summary: What consular sections of U.S. embassies do for citizens abroad.
---
Consular sections issue passports, register births abroad and help citizens in an emergency.
See [travel.state.gov](https://travel.state.gov) for details.
"""

NO_DATE_SHEET = """\
---
title: A Sheet Without a Date
label: Fact Sheet
---
The issue date of this sheet was forgotten.
"""


def test_group_help_lists_commands() -> None:
    """`factsheet --help` exits 0 and names its commands and global options."""
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    for name in ("pdf", "html", "--debug", "--version"):
        assert name in result.output


@pytest.mark.parametrize(
    ("command", "options"),
    [("pdf", ["--out", "--pdf-variant"]), ("html", ["--out"])],
)
def test_command_help_names_options(command: str, options: list[str]) -> None:
    """`factsheet <command> --help` exits 0 and documents the command's options."""
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    assert f"{command} [OPTIONS]" in result.output
    for option in options:
        assert option in result.output


def test_pdf_writes_dist_pdf(in_project: Path) -> None:
    """A good sheet builds: exit 0, dist/<name>.pdf exists and shows the title."""
    write_sheet(in_project, "consular", GOOD_SHEET)
    result = invoke("pdf", "content/consular.md")
    assert result.exit_code == 0, result.output
    pdf = in_project / "dist" / "consular.pdf"
    assert pdf.is_file()
    assert "dist/consular.pdf" in result.output
    assert int(pdfinfo(pdf)["Pages"]) >= 1
    assert "Consular Services Overview" in flat(pdftotext(pdf))


def test_missing_date_reports_file_and_line(in_project: Path) -> None:
    """A sheet without `date` fails with exit 1 and a `path:line:` message; no PDF is written."""
    write_sheet(in_project, "undated", NO_DATE_SHEET)
    result = invoke("pdf", "content/undated.md")
    assert result.exit_code == 1, result.output
    match = re.search(r"content/undated\.md:(\d+): missing required field `date`", result.output)
    assert match, result.output
    closing_fence = NO_DATE_SHEET.splitlines().index("---", 1) + 1
    assert 1 <= int(match.group(1)) <= closing_fence
    assert not (in_project / "dist" / "undated.pdf").exists()


def test_nonexistent_path_is_usage_error(in_project: Path) -> None:
    """A path that does not exist is a usage error (exit 2), naming the path."""
    result = invoke("pdf", "content/no-such-sheet.md")
    assert result.exit_code == 2, result.output
    assert "no-such-sheet.md" in result.output


def test_batch_builds_good_and_reports_bad(in_project: Path) -> None:
    """With one good and one bad sheet, the good PDF is written, the bad one reported, exit 1."""
    write_sheet(in_project, "consular", GOOD_SHEET)
    write_sheet(in_project, "undated", NO_DATE_SHEET)
    result = invoke("pdf", "content/consular.md", "content/undated.md")
    assert result.exit_code == 1, result.output
    assert (in_project / "dist" / "consular.pdf").is_file()
    assert not (in_project / "dist" / "undated.pdf").exists()
    assert "content/undated.md" in result.output
    assert "missing required field `date`" in result.output


def test_batch_of_content_folder(in_project: Path) -> None:
    """`factsheet pdf` with no path builds every sheet in content/ and still reports the bad one."""
    write_sheet(in_project, "consular", GOOD_SHEET)
    write_sheet(in_project, "undated", NO_DATE_SHEET)
    result = invoke("pdf")
    assert result.exit_code == 1, result.output
    assert (in_project / "dist" / "consular.pdf").is_file()
    assert "content/undated.md" in result.output


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "stylesheet" and values.get("href"):
            self.stylesheets.append(values["href"] or "")


def test_html_writes_document_with_working_stylesheet(in_project: Path) -> None:
    """`factsheet html` writes dist/html/<name>.html whose stylesheet links, relative, open."""
    write_sheet(in_project, "consular", GOOD_SHEET)
    result = invoke("html", "content/consular.md")
    assert result.exit_code == 0, result.output
    page = in_project / "dist" / "html" / "consular.html"
    assert page.is_file()
    html = page.read_text(encoding="utf-8")
    assert "Consular Services Overview" in html
    finder = _LinkFinder()
    finder.feed(html)
    assert finder.stylesheets, "no stylesheet link"
    for href in finder.stylesheets:
        parts = urlsplit(href)
        assert not parts.scheme and not href.startswith("/"), href
        assert (page.parent / unquote(parts.path)).is_file(), href


def test_unknown_pdf_variant_lists_choices(in_project: Path) -> None:
    """A misspelt --pdf-variant is a usage error (exit 2) that lists the valid values."""
    write_sheet(in_project, "consular", GOOD_SHEET)
    result = invoke("pdf", "--pdf-variant", "pdf/ua-9", "content/consular.md")
    assert result.exit_code == 2, result.output
    assert "pdf/ua-9" in result.output
    # The values documented in factsheet.yaml.
    for choice in ("pdf/ua-1", "pdf/ua-2", "pdf/a-2u", "pdf/a-3u", "pdf/a-2a", "pdf/a-3a", "none"):
        assert choice in result.output
    assert not (in_project / "dist" / "consular.pdf").exists()


def test_installed_console_script_help() -> None:
    """The installed `factsheet` command runs and prints its help."""
    script = Path(sys.executable).parent / "factsheet"
    assert script.is_file(), f"console script not installed at {script}"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "pdf" in result.stdout
    assert "html" in result.stdout


def test_makefile_targets_use_existing_commands() -> None:
    """Every `build.py <command>` the Makefile runs (make pdf, html, check) exists in the CLI."""
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    used = set(re.findall(r"python build\.py\s+([a-z][\w-]*)", makefile))
    assert used
    missing = sorted(used - set(cli.commands))
    assert not missing, f"Makefile runs build.py {missing}, which the CLI does not have"
