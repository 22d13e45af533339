"""Parallel builds (-j), progress lines, --shard, and the libharfbuzz-subset0 warning.

Worker processes must change nothing about the result: the same bytes as a serial build, the
same counts, and the same ``path:line: message`` for a bad sheet.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import (
    PROJECT_ROOT,
    invoke,
    make_project,
    page_count,
    run_cli,
    run_python,
    sections_body,
    sheet_text,
    write_sheet,
)

from factsheet.config import load_site
from factsheet.manifest import MANIFEST_NAME
from factsheet.pipeline import BuildOptions, write_pdfs
from factsheet.profiles import build_profile

SUMMARY = re.compile(r"^(\d+) built, (\d+) skipped, (\d+) failed in \d+\.\d\d s$")
WROTE = re.compile(r"^wrote (?P<dir>[\w-]+)/(?P<name>[\w-]+)\.pdf \((?P<pages>\d+) pages?\)$")
UP_TO_DATE = re.compile(r"^up to date (?P<dir>[\w-]+)/(?P<name>[\w-]+)\.pdf$")
HARFBUZZ_HINT = "apt-get install libharfbuzz-subset0"

PARAGRAPH = (
    "The program supports exchanges between universities, civil society and local "
    "governments, and it reports each year on the results achieved."
)


def generated_sheet(index: int) -> str:
    """A small sheet with a table, a link footnote and a Markdown footnote."""
    rows = "\n".join(f"| Region {row} | {100 + row * index} |" for row in range(1, 4))
    body = f"""\
{PARAGRAPH} See [the program site](https://example.org/p{index}).[^n]

## Figures

| Region | Participants |
|---|---:|
{rows}

[^n]: Figures are for fiscal year {2000 + index}."""
    return sheet_text(
        f"Generated Sheet {index}",
        body,
        date=f"2021-0{1 + index % 9}-1{index % 10}",
        office="Bureau of Public Affairs",
    )


def long_sheet(sections: int, **fields: object) -> str:
    """A sheet of several pages: each section one long paragraph (``fields`` are added to the
    front matter)."""
    body = sections_body(sections, " ".join([PARAGRAPH] * 12), paragraphs=1)
    return sheet_text("A Longer Sheet", body, date="2022-02-02", **fields)


BAD_SHEET = """\
---
title: A Bad Sheet
date: 2020-01-01
colour: blue
---
# A Second Title

Text.
"""


def summary_counts(stderr: str) -> tuple[int, int, int]:
    """(built, skipped, failed) from the one summary line in ``stderr``."""
    found = [m for m in map(SUMMARY.match, stderr.splitlines()) if m]
    assert len(found) == 1, f"expected one summary line:\n{stderr}"
    built, skipped, failed = (int(group) for group in found[0].groups())
    return built, skipped, failed


def progress(stdout: str, out: str) -> tuple[set[str], set[str]]:
    """Sheets reported written / up to date in folder ``out``; every line must be one of them,
    and no sheet may be reported twice."""
    wrote: list[str] = []
    current: list[str] = []
    for line in stdout.splitlines():
        if (match := WROTE.match(line)) and match["dir"] == out:
            wrote.append(match["name"])
        elif (match := UP_TO_DATE.match(line)) and match["dir"] == out:
            current.append(match["name"])
        else:
            pytest.fail(f"unexpected progress line {line!r} in:\n{stdout}")
    assert len(set(wrote)) == len(wrote), stdout
    assert len(set(current)) == len(current), stdout
    return set(wrote), set(current)


def without_warnings(stderr: str) -> list[str]:
    """The lines of ``stderr`` other than ``warning:`` lines (e.g. a missing library)."""
    return [line for line in stderr.splitlines() if not line.startswith("warning: ")]


@pytest.fixture
def six_sheets(in_project: Path) -> Path:
    """A project with content/sheet-1.md … sheet-6.md."""
    for index in range(1, 7):
        write_sheet(in_project, f"sheet-{index}", generated_sheet(index))
    return in_project


SIX = {f"sheet-{index}" for index in range(1, 7)}


# -j ------------------------------------------------------------------------------------------


def test_parallel_build_is_byte_identical_to_serial(six_sheets: Path) -> None:
    """-j 2 writes the same PDFs (byte for byte) and the same manifest as -j 1."""
    serial = invoke("pdf", "-j", "1", "--out", "serial")
    assert serial.exit_code == 0, serial.output
    parallel = invoke("pdf", "-j", "2", "--out", "parallel")
    assert parallel.exit_code == 0, parallel.output
    for result, out in ((serial, "serial"), (parallel, "parallel")):
        assert summary_counts(result.stderr) == (6, 0, 0)
        assert progress(result.stdout, out) == (SIX, set())
        assert sorted(path.name for path in (six_sheets / out).glob("*.pdf")) == sorted(
            f"{name}.pdf" for name in SIX
        )
    for name in sorted(SIX):
        one = (six_sheets / "serial" / f"{name}.pdf").read_bytes()
        two = (six_sheets / "parallel" / f"{name}.pdf").read_bytes()
        assert one == two, f"{name}.pdf differs between -j 1 and -j 2"
    manifests = [(six_sheets / out / MANIFEST_NAME).read_bytes() for out in ("serial", "parallel")]
    assert manifests[0] == manifests[1]


def test_parallel_rebuild_after_parallel_build_skips(six_sheets: Path) -> None:
    """The manifest written from worker results makes the next -j 2 build a no-op."""
    assert summary_counts(invoke("pdf", "-j", "2").stderr) == (6, 0, 0)
    again = invoke("pdf", "-j", "2")
    assert again.exit_code == 0, again.output
    assert summary_counts(again.stderr) == (0, 6, 0)
    assert progress(again.stdout, "dist") == (set(), SIX)


def test_parallel_bad_sheets_are_reported_and_others_built(six_sheets: Path) -> None:
    """With -j 2, bad sheets among good ones: the errors reach the parent with their
    ``path:line: message`` intact (the same lines `check` prints), exit status is 1, and
    every good sheet is built."""
    write_sheet(six_sheets, "bad", BAD_SHEET)
    write_sheet(six_sheets, "too-long", long_sheet(8, max_pages=1))
    result = run_cli(["pdf", "-j", "2"], cwd=six_sheets)
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary_counts(result.stderr) == (6, 0, 2)
    assert progress(result.stdout, "dist") == (SIX, set())
    dist = six_sheets / "dist"
    assert {path.stem for path in dist.glob("*.pdf")} == SIX

    checked = run_cli(["check", "content/bad.md"], cwd=six_sheets)
    bad_lines = [line for line in checked.stderr.splitlines() if line.startswith("content/")]
    assert len(bad_lines) == 2, checked.stderr
    assert bad_lines[0].startswith("content/bad.md:4: unknown field `colour`")
    assert bad_lines[1].startswith("content/bad.md:6: the title is the only level-1 heading")
    errors = [line for line in without_warnings(result.stderr) if not SUMMARY.match(line)]
    for line in bad_lines:
        assert errors.count(line) == 1, f"{line!r} not reported once in:\n{result.stderr}"
    budget = [line for line in errors if line.startswith("content/too-long.md:")]
    assert len(budget) == 1, result.stderr
    assert re.match(r"content/too-long\.md:\d+: renders to \d+ pages, budget is 1", budget[0])
    assert len(errors) == 3, result.stderr


# Progress when not a terminal -----------------------------------------------------------------


def test_progress_lines_when_piped(in_project: Path) -> None:
    """Piped (not a terminal): one line per sheet on stdout with its page count, then one
    summary line on stderr; the next build says "up to date" for each."""
    write_sheet(in_project, "short", generated_sheet(1))
    write_sheet(in_project, "other", generated_sheet(2))
    write_sheet(in_project, "longer", long_sheet(6))
    result = run_cli(["pdf", "-j", "2"], cwd=in_project)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout
    for line in lines:
        match = WROTE.match(line)
        assert match, f"not a progress line: {line!r}"
        pages = page_count(in_project / match["dir"] / f"{match['name']}.pdf")
        assert match["pages"] == str(pages)
        assert line.endswith(f"({pages} page)" if pages == 1 else f"({pages} pages)")
    assert {WROTE.match(line)["name"] for line in lines} == {"short", "other", "longer"}
    assert page_count(in_project / "dist" / "longer.pdf") > 1  # the plural is exercised
    stderr = without_warnings(result.stderr)
    assert len(stderr) == 1, result.stderr
    assert SUMMARY.match(stderr[0]), stderr[0]
    assert summary_counts(result.stderr) == (3, 0, 0)

    again = run_cli(["pdf", "-j", "2"], cwd=in_project)
    assert again.returncode == 0, again.stderr
    assert sorted(again.stdout.splitlines()) == [
        "up to date dist/longer.pdf",
        "up to date dist/other.pdf",
        "up to date dist/short.pdf",
    ]
    assert len(again.stderr.splitlines()) == 1
    assert summary_counts(again.stderr) == (0, 3, 0)


# --shard --------------------------------------------------------------------------------------


def build_shards(project: Path) -> list[tuple[set[str], set[str]]]:
    """Build shards 1/3, 2/3, 3/3, each into its own folder; (written, up to date) of each."""
    found = []
    for index in (1, 2, 3):
        out = f"shard-{index}"
        result = invoke("pdf", "-j", "1", "--shard", f"{index}/3", "--out", out)
        assert result.exit_code == 0, result.output
        wrote, current = progress(result.stdout, out)
        assert summary_counts(result.stderr) == (len(wrote), len(current), 0)
        on_disk = {path.stem for path in (project / out).glob("*.pdf")}
        assert on_disk == wrote | current, f"shard {index}/3 folder holds other sheets"
        found.append((wrote, current))
    return found


def test_shards_partition_the_sheets_stably(six_sheets: Path) -> None:
    """Shards 1/3, 2/3 and 3/3 build every sheet exactly once; after more sheets are added,
    each original sheet is still in the same shard (reported up to date there)."""
    first = build_shards(six_sheets)
    members = [wrote for wrote, current in first]
    assert all(not current for _, current in first)
    assert set().union(*members) == SIX
    assert sum(len(shard) for shard in members) == len(SIX), f"overlapping shards: {members}"
    assert sum(1 for shard in members if shard) >= 2, f"not partitioned at all: {members}"

    for index in range(7, 13):
        write_sheet(six_sheets, f"sheet-{index}", generated_sheet(index))
    second = build_shards(six_sheets)
    everything = {f"sheet-{index}" for index in range(1, 13)}
    for number, ((wrote, current), old) in enumerate(zip(second, members, strict=True), 1):
        assert current == old, f"shard {number}/3 changed its original sheets"
        assert not wrote & SIX, f"shard {number}/3 rebuilt a sheet of another shard"
    all_members = [wrote | current for wrote, current in second]
    assert set().union(*all_members) == everything
    assert sum(len(shard) for shard in all_members) == len(everything)


def shard_members(project: Path, index: int, seed: str) -> set[str]:
    """The sheets ``build.py pdf --shard INDEX/3`` reports in a new process (hash seed
    ``seed``), when every sheet is already built."""
    completed = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "build.py"), "pdf", "--shard", f"{index}/3"],
        cwd=project,
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    wrote, current = progress(completed.stdout, "dist")
    assert not wrote, completed.stdout
    return current


def test_shards_agree_across_processes_and_folders(six_sheets: Path, tmp_path: Path) -> None:
    """Shards chosen in separate processes (as on CI machines: each its own hash seed, the
    checkout maybe in another folder) still partition the sheets the same way. Everything is
    built first, so each shard only reports its sheets up to date."""
    assert summary_counts(invoke("pdf", "-j", "1").stderr) == (6, 0, 0)
    members = [shard_members(six_sheets, index, str(index)) for index in (1, 2, 3)]
    assert set().union(*members) == SIX
    assert sum(len(shard) for shard in members) == len(SIX), f"overlapping shards: {members}"
    elsewhere = tmp_path / "another" / "checkout"
    shutil.copytree(six_sheets, elsewhere)
    moved = [shard_members(elsewhere, index, str(index + 10)) for index in (1, 2, 3)]
    assert moved == members, "the partition depends on where the project lies"


@pytest.mark.parametrize("value", ["0/3", "4/3", "abc", "1/0", "-1/3", "1/3/3", "1.5/3", ""])
def test_invalid_shard_is_a_usage_error(six_sheets: Path, value: str) -> None:
    """A --shard that is not K/N with 1 ≤ K ≤ N is a usage error (exit 2); nothing is built."""
    result = invoke("pdf", "--shard", value)
    assert result.exit_code == 2, result.output
    assert "--shard" in result.output
    assert not (six_sheets / "dist").exists()


# The libharfbuzz-subset0 warning --------------------------------------------------------------

WITH_HARFBUZZ = """\
import sys
import factsheet.pipeline
factsheet.pipeline.harfbuzz_subset_missing = lambda: {missing}
from factsheet.cli import main
sys.argv = ["factsheet", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("missing", [True, False])
def test_harfbuzz_subset_warning(six_sheets: Path, missing: bool) -> None:
    """When libharfbuzz-subset0 is missing, a (parallel) build prints exactly one warning
    line naming the package to install; when it is present, none."""
    completed = run_python(WITH_HARFBUZZ.format(missing=missing), ["pdf", "-j", "2"], six_sheets)
    assert completed.returncode == 0, completed.stderr
    assert summary_counts(completed.stderr) == (6, 0, 0)
    warnings = [line for line in completed.stderr.splitlines() if "harfbuzz" in line.lower()]
    assert HARFBUZZ_HINT not in completed.stdout
    if missing:
        assert len(warnings) == 1, completed.stderr
        assert HARFBUZZ_HINT in warnings[0]
        assert warnings[0].startswith("warning: ")
    else:
        assert warnings == [], completed.stderr


def test_workers_take_the_longest_sheets_first(tmp_path: Path) -> None:
    """With -j2 the longest sheets are started first, so that the build does not end with one
    worker rendering a long sheet while the other has nothing left to do."""
    project = make_project(tmp_path / "project")
    paragraph = "A paragraph of section {section}, long enough to wrap on the page. " * 4
    lengths = {"a-short": 1, "b-long": 6, "c-middle": 3}
    paths = [
        write_sheet(project, name, sheet_text(name, sections_body(sections, paragraph)))
        for name, sections in lengths.items()
    ]
    site = load_site(project)
    options = BuildOptions(profile=build_profile(site), jobs=2, force=True)
    started: list[str] = []
    outcomes = list(
        write_pdfs(paths, site, options, on_start=lambda path: started.append(path.stem))
    )
    assert all(outcome.error is None for outcome in outcomes)
    # on_start names the first sheet not yet done (the progress bar's): first, the first taken.
    assert started[0] == "b-long"
