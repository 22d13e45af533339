"""`factsheet new NAME`: a new content file that passes `check` as written, for every layout."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from helpers import front_matter, make_project, run_cli

from factsheet.content import FrontMatter
from factsheet.fields import declared_fields

LAYOUTS = ["fact-sheet", "media-note", "joint-statement", "remarks"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("new") / "project")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_new_sheet_of_each_layout_checks_and_builds(project: Path, layout: str) -> None:
    name = f"new-{layout}"
    result = run_cli(["new", name, "--layout", layout, "--lang", "fr"], cwd=project)
    assert result.returncode == 0, result.stderr
    path = project / "content" / f"{name}.md"
    assert f"wrote content/{name}.md" in result.stdout
    assert f"factsheet check content/{name}.md" in result.stdout  # the next command
    fields = front_matter(path)
    assert fields["layout"] == layout and fields["lang"] == "fr"
    assert fields["title"] == " ".join(word.capitalize() for word in name.split("-"))
    assert fields["date"] == datetime.date.today()
    checked = run_cli(["check", f"content/{name}.md", "--strict"], cwd=project)
    assert checked.returncode == 0, checked.stderr
    built = run_cli(["pdf", f"content/{name}.md"], cwd=project)
    assert built.returncode == 0, built.stderr


def test_every_other_field_is_a_comment_with_its_help(project: Path) -> None:
    result = run_cli(["new", "all-fields"], cwd=project)
    assert result.returncode == 0, result.stderr
    text = (project / "content" / "all-fields.md").read_text("utf-8")
    head = text.split("---\n")[1]
    for field in declared_fields(FrontMatter):
        assert re.search(rf"^(# )?{field.name}:", head, re.M), field.name
    assert "#     Issuing office" in head
    # A field used as the comment says: remove the #, give a value; it checks.
    used = text.replace("# office:\n", "office: Bureau of Public Affairs\n", 1)
    (project / "content" / "all-fields.md").write_text(used, "utf-8")
    checked = run_cli(["check", "content/all-fields.md"], cwd=project)
    assert checked.returncode == 0, checked.stderr
    assert (
        front_matter(project / "content" / "all-fields.md")["office"] == "Bureau of Public Affairs"
    )


def test_it_never_overwrites(project: Path) -> None:
    path = project / "content" / "kept.md"
    path.write_text("---\ntitle: Kept\ndate: 2020-01-01\n---\nMine.\n", "utf-8")
    result = run_cli(["new", "kept"], cwd=project)
    assert result.returncode == 1
    assert (
        result.stderr.strip() == "content/kept.md: exists already: edit it, or choose another name"
    )
    assert path.read_text("utf-8").endswith("Mine.\n")


@pytest.mark.parametrize(
    "name", ["../escape", "Water", "two words", "a/b", "", ".hidden", "x--y", "x-", "é", "a" * 81]
)
def test_unsafe_names_are_refused(project: Path, name: str) -> None:
    before = sorted((project / "content").iterdir())
    result = run_cli(["new", name], cwd=project)
    assert result.returncode == 1
    assert "is not a safe sheet name" in result.stderr
    assert sorted((project / "content").iterdir()) == before
    assert not (project / "escape.md").exists()


def test_an_unknown_layout_or_language_is_refused(project: Path) -> None:
    result = run_cli(["new", "odd", "--layout", "brochure"], cwd=project)
    assert result.returncode == 1
    assert "no layout 'brochure' (layouts: fact-sheet, joint-statement, media-note, remarks)" in (
        result.stderr
    )
    result = run_cli(["new", "odd", "--lang", "not a tag"], cwd=project)
    assert result.returncode == 2
    assert not (project / "content" / "odd.md").exists()


def test_a_name_ending_in_a_line_break_is_refused(project: Path) -> None:
    from factsheet.config import load_site
    from factsheet.errors import FactsheetError
    from factsheet.scaffold import new_sheet

    with pytest.raises(FactsheetError, match="is not a safe sheet name"):
        new_sheet(load_site(project), "abd\n", "fact-sheet", None, datetime.date(2026, 1, 2))
    assert not list((project / "content").glob("abd*"))
