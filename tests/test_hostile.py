"""Hostile and careless content, by class: whatever a content file does, it is that sheet's
located failure; the batch goes on, the summary is printed, nothing outside the project is read.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import PROJECT_ROOT, invoke, make_project, run_cli, sheet_text, write_sheet

GOOD = sheet_text("A good sheet")

# name → (content, the line `check` reports for it)
HOSTILE = {
    "deep-yaml": (sheet_text("[" * 3000 + "]" * 3000), "content/deep-yaml.md:2: YAML value nested"),
    "deep-yaml-mapping": (
        sheet_text("T", summary="{a: " * 40 + "1" + "}" * 40),
        "content/deep-yaml-mapping.md:4: YAML value nested",
    ),
    "nested-emphasis": (
        sheet_text("T", "*" * 1000 + "x" + "*" * 1000),
        "content/nested-emphasis.md:5: text nested 500 levels deep",
    ),
    "nested-links-emphasis": (
        sheet_text("T", "_" * 60 + "[x](https://www.state.gov)" + "_" * 60),
        "content/nested-links-emphasis.md:5: text nested",
    ),
    "surrogate-title": (
        sheet_text('"\\ud800 title"'),
        "content/surrogate-title.md:2: field `title`: U+D800 is half of a UTF-16 pair",
    ),
    "surrogate-keyword": (
        sheet_text("T", keywords='["ok", "\\udfff"]'),
        "content/surrogate-keyword.md:4: field `keywords`: U+DFFF is half",
    ),
    "image-nul": (
        sheet_text("T", "![a map](map%00.png)"),
        "content/image-nul.md:5: image 'map%00.png' is not a usable file name",
    ),
    "image-long-name": (
        sheet_text("T", "![a map](" + "m" * 5000 + ".png)"),
        "content/image-long-name.md:5: image 'mmmm",
    ),
    "link-bad-port": (
        sheet_text("T", "See [the site](https://www.state.gov:port/)."),
        "content/link-bad-port.md:5: link to 'https://www.state.gov:port/' is not a valid address",
    ),
    "svg-bad-href": (
        sheet_text("T", "![a chart](bad.svg)"),
        "content/svg-bad-href.md:5: image 'bad.svg' draws 'http://[oops', which cannot be used",
    ),
    "svg-outside": (
        sheet_text("T", "![a chart](outside.svg)"),
        "content/svg-outside.md:5: image 'outside.svg' draws '../../secret.png', which cannot be",
    ),
}

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
    '<image href="{href}" width="10" height="10"/></svg>'
)


@pytest.fixture
def hostile_project(tmp_path: Path) -> Path:
    project = make_project(tmp_path / "project")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG secret")
    write_sheet(project, "good", GOOD)
    for name, (text, _) in HOSTILE.items():
        write_sheet(project, name, text)
    (project / "content" / "bad.svg").write_text(SVG.format(href="http://[oops"), "utf-8")
    (project / "content" / "outside.svg").write_text(SVG.format(href="../../secret.png"), "utf-8")
    (project / "content" / "loop.md").symlink_to("loop.md")
    (project / "content" / "passwd.md").symlink_to(tmp_path / "secret.md")
    (tmp_path / "secret.md").write_text(sheet_text("Secret", "TOP SECRET"), "utf-8")
    return project


def _problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("content/")]


def test_check_locates_every_hostile_sheet(hostile_project: Path) -> None:
    result = run_cli(["check"], cwd=hostile_project)
    assert result.returncode == 1
    lines = _problem_lines(result.stderr)
    for name, (_, expected) in HOSTILE.items():
        assert any(line.startswith(expected) for line in lines), (name, lines)
    assert "content/loop.md: cannot read file: Too many levels of symbolic links" in lines
    assert (
        "content/passwd.md: is a symbolic link to a file outside content/: refused, not read"
        in lines
    )
    assert "TOP SECRET" not in result.stdout + result.stderr
    assert not any(line.startswith("content/good.md") for line in lines)
    assert (
        result.stderr.splitlines()[-1] == f"checked {len(HOSTILE) + 3} sheets: "
        f"{len(HOSTILE) + 2} with problems"
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_pdf_builds_the_good_sheet_and_locates_each_failure(
    hostile_project: Path, jobs: str
) -> None:
    """Every failure is one located line for that sheet; the good sheet is built; the summary
    is printed; exit 1."""
    result = run_cli(["pdf", "-j", jobs], cwd=hostile_project)
    assert result.returncode == 1, result.stderr
    assert (hostile_project / "dist" / "good.pdf").is_file()
    assert "wrote dist/good.pdf (1 page)" in result.stdout
    lines = _problem_lines(result.stderr)
    failed = {line.split(":", 1)[0] for line in lines}
    assert failed == {f"content/{name}.md" for name in [*HOSTILE, "loop", "passwd"]}
    assert not any("internal error" in line for line in lines), lines
    assert re.fullmatch(
        rf"1 built, 0 skipped, {len(HOSTILE) + 2} failed in \d+\.\d\d s",
        result.stderr.splitlines()[-1],
    )
    assert not list((hostile_project / "dist").glob("*.tmp"))


def test_a_file_name_that_is_not_utf8_does_not_break_sharding(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    write_sheet(project, "good", GOOD)
    name = os.fsencode(project / "content") + b"/caf\xe9.md"
    Path(os.fsdecode(name)).write_text(sheet_text("Café"), "utf-8")
    outputs = []
    for shard in ("1/2", "2/2"):
        result = subprocess.run(
            [sys.executable, str(PROJECT_ROOT / "build.py"), "pdf", "-j", "1", "--shard", shard],
            cwd=project,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert sum(out.count(b"wrote ") for out in outputs) == 2
    assert (project / "dist" / "good.pdf").is_file()
    assert Path(os.fsdecode(os.fsencode(project / "dist") + b"/caf\xe9.pdf")).is_file()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('emblem: "templates/emb\\0lem.svg"', "field `emblem`: not a usable file name"),
        ("emblem: " + "e" * 5000 + ".svg", "field `emblem`: not a usable file name"),
        (
            'agency: "\\ud800"',
            (
                "field `agency`: U+D800 is half of a UTF-16 pair, not a character: remove the "
                "escape that writes it"
            ),
        ),
        ("agency: " + "[" * 200 + "]" * 200, "YAML value nested more than 20 levels deep"),
    ],
)
def test_site_settings_get_the_same_treatment(tmp_path: Path, setting: str, message: str) -> None:
    project = make_project(tmp_path / "project")
    write_sheet(project, "good", GOOD)
    (project / "factsheet.yaml").write_text(f"paper: letter\n{setting}\n", "utf-8")
    line = 2
    for command in (["check"], ["pdf", "-j", "1"]):
        result = run_cli(command, cwd=project)
        assert result.returncode == 1
        assert result.stderr.splitlines() == [f"factsheet.yaml:{line}: {message}"]


def test_an_emblem_that_draws_outside_is_reported_once_against_the_settings(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project")
    for name in ("a", "b"):
        write_sheet(project, name, GOOD)
    (project / "templates" / "emblem.svg").write_text(SVG.format(href="file:///etc/passwd"))
    result = run_cli(["pdf", "-j", "1"], cwd=project)
    assert result.returncode == 1
    emblem_line = next(
        number
        for number, line in enumerate(
            (project / "factsheet.yaml").read_text("utf-8").splitlines(), 1
        )
        if line.startswith("emblem:")
    )
    assert result.stderr.splitlines() == [
        f"factsheet.yaml:{emblem_line}: field `emblem`: the SVG draws 'file:///etc/passwd', "
        "which cannot be used: an SVG may draw only files inside content/ or templates/"
    ]


def test_watch_reports_an_unexpected_failure_and_keeps_watching(
    in_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from factsheet.config import load_site
    from factsheet.watch import Watcher

    write_sheet(in_project, "a", GOOD)
    watcher = Watcher([], load_site(in_project), None, None)

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("simulated")

    with monkeypatch.context() as patched:
        patched.setattr("factsheet.pipeline.prepare", explode)
        watcher.rebuild(watcher.sheets)
    assert capsys.readouterr().err.splitlines() == [
        "content/a.md: internal error: RuntimeError: simulated (run with --debug for the traceback)"
    ]
    watcher.on_change([in_project / "content" / "a.md"])
    assert "rebuilt dist/a.pdf" in capsys.readouterr().out


def test_debug_lets_an_unforeseen_error_raise(
    in_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_sheet(in_project, "a", GOOD)

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("simulated")

    monkeypatch.setattr("factsheet.pipeline.prepare", explode)
    result = invoke("--debug", "pdf", "-j", "1", "content/a.md")
    assert isinstance(result.exception, RuntimeError)
