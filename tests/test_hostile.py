"""Hostile and careless content, by class: whatever a content file does, it is that sheet's
located failure; the batch goes on, the summary is printed, nothing outside the project is read.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from helpers import (
    PROJECT_ROOT,
    flat,
    invoke,
    make_project,
    pdf_words,
    pdfinfo,
    pdftotext,
    run_cli,
    sheet_text,
    squeeze,
    write_sheet,
)
from PIL import Image

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
    "image-bomb": (
        sheet_text("T", "![A map](bomb.png)"),
        "content/image-bomb.md:5: image 'bomb.png' has far too many pixels; the limit is 40",
    ),
    "image-large": (
        sheet_text("T", "![A map](large.png)"),
        "content/image-large.md:5: image 'large.png' is 8000×6000 pixels; the limit is 40",
    ),
    "image-not-a-picture": (
        sheet_text("T", "![A map](fake.png)"),
        "content/image-not-a-picture.md:5: image 'fake.png' is not a readable PNG, JPEG",
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
    Image.new("1", (20000, 20000)).save(project / "content" / "bomb.png")  # 400 MP, 50 KB
    Image.new("1", (8000, 6000)).save(project / "content" / "large.png")  # 48 MP
    (project / "content" / "fake.png").write_bytes(b"not a picture")
    (project / "content" / "bad.svg").write_text(SVG.format(href="http://[oops"), "utf-8")
    (project / "content" / "outside.svg").write_text(SVG.format(href="../../secret.png"), "utf-8")
    (project / "content" / "loop.md").symlink_to("loop.md")
    os.mkfifo(project / "content" / "pipe.md")  # reading it would block forever
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
    assert "content/pipe.md: not a regular file: refused, not read" in lines
    assert (
        "content/passwd.md: is a symbolic link to a file outside content/: refused, not read"
        in lines
    )
    assert "TOP SECRET" not in result.stdout + result.stderr
    assert not any(line.startswith("content/good.md") for line in lines)
    assert (
        result.stderr.splitlines()[-1] == f"checked {len(HOSTILE) + 4} sheets: "
        f"{len(HOSTILE) + 3} with problems"
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
    assert failed == {f"content/{name}.md" for name in [*HOSTILE, "loop", "passwd", "pipe"]}
    assert not any("internal error" in line for line in lines), lines
    assert re.fullmatch(
        rf"1 built, 0 skipped, {len(HOSTILE) + 3} failed in \d+\.\d\d s",
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


# No hang, no abort ------------------------------------------------------------------------------


def _long_sheet(title: str) -> str:
    paragraph = "The program supports exchanges between universities and civil society. " * 6
    return sheet_text(title, "\n\n".join(f"## Part {n}\n\n{paragraph}" for n in range(1, 18)))


def test_a_worker_killed_mid_sheet_fails_that_sheet_and_the_build_ends(tmp_path: Path) -> None:
    """The OOM killer takes a worker: its sheet fails with a clear message, the others are
    built, the build ends with the summary (it used to wait forever)."""
    project = make_project(tmp_path / "project")
    for name in ("a", "b", "c", "d"):
        write_sheet(project, name, _long_sheet(name.upper()))
    process = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "build.py"), "pdf", "-j", "2"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline and process.poll() is None:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        pids = children.read_text().split() if children.exists() else []
        if len(pids) == 2:
            victim = int(pids[0])
        time.sleep(0.01)
    assert victim is not None, "the build never had two workers"
    time.sleep(0.3)  # well into its first sheet
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    died = [line for line in stderr.splitlines() if "worker died" in line]
    assert len(died) == 1, stderr
    assert re.fullmatch(r"content/[abcd]\.md: worker died \(signal 9\) while rendering", died[0])
    assert stdout.count("wrote ") == 3
    assert re.fullmatch(r"3 built, 0 skipped, 1 failed in \d+\.\d\d s", stderr.splitlines()[-1])


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KB file system (tmpfs; the tests run as root, as CI does)."""
    mount = tmp_path / "small"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"cannot mount a small file system: {result.stderr}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_fails_each_sheet_and_keeps_the_previous_pdfs(
    tmp_path: Path, full_disk: Path, jobs: str
) -> None:
    project = make_project(tmp_path / "project")
    for name in ("a", "b", "c"):
        write_sheet(project, name, sheet_text(name.upper()))
    out = full_disk / "dist"
    first = run_cli(["pdf", "-j", jobs, "--out", str(out)], cwd=project)
    assert first.returncode == 0, first.stderr
    previous = {pdf.name: pdf.read_bytes() for pdf in out.glob("*.pdf")}
    assert len(previous) == 3
    filler = full_disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(descriptor, b"\0" * 1024):
            pass
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(descriptor)
    for name in ("a", "b", "c"):
        write_sheet(project, name, sheet_text(name.upper(), "Changed."))
    result = run_cli(["pdf", "-j", jobs, "--out", str(out)], cwd=project)
    assert result.returncode == 1
    assert "terminate called" not in result.stderr
    failures = [
        line
        for line in result.stderr.splitlines()
        if re.fullmatch(
            r"content/[abc]\.md: cannot write .*/dist/[abc]\.pdf: No space left on device "
            r"\(.*/dist/[abc]\.pdf is from an earlier build\)",
            line,
        )
    ]
    assert len(failures) == 3, result.stderr
    assert result.stderr.splitlines()[-1].startswith("0 built, 0 skipped, 3 failed in ")
    assert {pdf.name: pdf.read_bytes() for pdf in out.glob("*.pdf")} == previous
    assert not [path.name for path in out.iterdir() if path.name.endswith(".tmp")]


# The manifest cannot break a build ----------------------------------------------------------------


@pytest.mark.parametrize(
    "manifest",
    [
        '{"format": 1, "sheets": {"a.pdf": {"site": 1, "source": [], "images": "x", '
        '"output_size": "big"}}}',
        '{"format": 1, "sheets": []}',
        '{"format": 1, "sheets": {"a.pdf": {"images": {"x.png": 5}}}}',
        "not json at all",
        None,  # a folder in its place
    ],
)
def test_a_damaged_manifest_means_rebuild_with_one_warning(
    in_project: Path, manifest: str | None
) -> None:
    write_sheet(in_project, "a", GOOD)
    assert invoke("pdf", "-j", "1").exit_code == 0
    path = in_project / "dist" / ".factsheet-manifest.json"
    path.unlink()
    if manifest is None:
        path.mkdir()
    else:
        path.write_text(manifest, "utf-8")
    result = run_cli(["pdf", "-j", "1"], cwd=in_project)
    assert result.returncode == 0, result.stderr
    assert "wrote dist/a.pdf (1 page)" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert 1 <= len(warnings) <= 2, result.stderr  # read, and (a folder) written
    assert all(".factsheet-manifest.json" in line for line in warnings)


# watch cannot loop ------------------------------------------------------------------------------


@pytest.mark.parametrize("out", ["content", "templates/out"])
def test_watch_with_its_output_inside_a_watched_folder_does_not_loop(
    tmp_path: Path, out: str
) -> None:
    """Its own PDFs, manifest and temporary files are not changes to act on; a failing sheet
    is not retried until one of its inputs changes."""
    project = make_project(tmp_path / "project")
    write_sheet(project, "good", GOOD)
    write_sheet(project, "bad", sheet_text("Bad", "![A map](missing.png)"))
    process = subprocess.Popen(
        [sys.executable, "-u", str(PROJECT_ROOT / "build.py"), "watch", "--out", out],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(6)  # the first build, then time for any loop to show
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert output.count("rebuilt ") == 1, output
    assert output.count("image 'missing.png' not found") == 1, output
    assert "watching 2 sheets" in output


# What was written is what is printed --------------------------------------------------------------


def test_text_fields_keep_numbers_as_written(in_project: Path) -> None:
    """YAML 1.1 reads 007, 10:30 and 1_000 as numbers; a text field prints what was written."""
    write_sheet(
        in_project,
        "w",
        "--- # a fact sheet: YAML allows a comment after the fence\n"
        "title: 2024\ndate: 2010-01-01\ndateline: 007\noffice: 10:30\nsummary: 1_000\n"
        "keywords: [007, 1e3]\n---\nText with an escaped \\[^1] citation.\n",
    )
    result = invoke("pdf", "-j", "1", "content/w.md")
    assert result.exit_code == 0, result.output
    pdf = in_project / "dist" / "w.pdf"
    text = flat(pdftotext(pdf))
    assert "007, January 1, 2010" in text
    assert "10:30" in text
    assert "Text with an escaped [^1] citation." in text
    info = pdfinfo(pdf)
    assert info["Subject"] == "1_000"
    assert info["Keywords"] == "007, 1e3"
    assert info["Title"] == "2024"


def test_a_unicode_line_separator_does_not_shift_line_numbers(in_project: Path) -> None:
    """PyYAML counts U+2028 as a line break; the reported line is the editor's line."""
    write_sheet(
        in_project, "u", '---\ntitle: "A\u2028B"\ndate: 2010-01-01\ncolour: blue\n---\nBody.\n'
    )
    result = invoke("check", "content/u.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("content/u.md:4: unknown field `colour`")


# Printed addresses are exact ----------------------------------------------------------------------

ADDRESSES = sheet_text(
    "Addresses",
    "See [who may apply](#who-may-apply), <https://www.state.gov/a--b...c-Ab3dEf6hIj9kLm0nOp>, "
    "[HTTPS://STATE.GOV/ABC](https://state.gov/abc) and "
    "[a bookseller](https://xn--bcher-kva.example/p).\n\n## Who may apply?\n\nAnyone.",
)


def test_addresses_print_exactly_and_anchors_jump(in_project: Path) -> None:
    write_sheet(in_project, "a", ADDRESSES)
    result = invoke("pdf", "-j", "1", "content/a.md")
    assert result.exit_code == 0, result.output
    pdf = in_project / "dist" / "a.pdf"
    raw = pdftotext(pdf, layout=False)
    # The typographer left the address alone, and no hyphen was added to it.
    assert "https://www.state.gov/a--b...c-Ab3dEf6hIj9kLm0nOp" in raw.replace("\n", "")
    assert "–" not in raw and "…" not in raw
    # Text equal to the address but for its case prints the real address in a note.
    assert "1. https://state.gov/abc" in raw
    # An internationalised host prints in Unicode.
    assert "https://bücher.example/p" in raw
    with pikepdf.open(pdf) as document:
        internal = [
            annotation
            for annotation in document.pages[0].get("/Annots", [])
            if "/Dest" in annotation
        ]
        assert [str(annotation.Dest) for annotation in internal] == ["who-may-apply"]
        assert "who-may-apply" in [str(name) for name in document.Root.Names.Dests.Names]


def test_a_link_to_a_missing_anchor_is_an_error_at_its_line(in_project: Path) -> None:
    write_sheet(in_project, "a", sheet_text("A", "Intro.\n\nSee [below](#elsewhere).\n\n## Here"))
    result = invoke("check", "content/a.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "content/a.md:7: link to '#elsewhere': no heading has that anchor (anchors: here)"
    )


# No quadratic passes ----------------------------------------------------------------------------


def test_cutting_long_text_changes_nothing_the_typographer_prints() -> None:
    """Quotes are curled the same whether a long run of text is cut in pieces or not."""
    from markdown_it import MarkdownIt

    from factsheet.markdown.chunks import PIECE, chunks_plugin

    text = " ".join(f"\"quote {i}\" and 'single {i}' -- it's ... {i}" for i in range(400))
    assert len(text) > 20 * PIECE
    options = {"typographer": True, "quotes": "“”‘’"}
    plain = MarkdownIt("commonmark", options).enable(["replacements", "smartquotes"])
    cut = MarkdownIt("commonmark", options).enable(["replacements", "smartquotes"])
    cut.use(chunks_plugin)
    assert cut.render(text) == plain.render(text)
    assert "“quote 399”" in cut.render(text)
    quotes_only = "\"'(c)--..." * 800
    assert cut.render(quotes_only) == plain.render(quotes_only)


def test_a_megabyte_paragraph_of_quotes_is_checked(in_project: Path) -> None:
    """It used to take minutes (quadratic smart quotes); the timeout only guards a hang, the
    speed is measured by `make bench`."""
    write_sheet(in_project, "q", sheet_text("Quotes", "\"a' b" * 190_000))
    result = run_cli(["check", "content/q.md"], cwd=in_project)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["checked 1 sheet: 0 with problems"]


# No text is ever lost off the page --------------------------------------------------------------

LONG_THINGS = sheet_text(
    "Long things",
    "Word: " + "a" * 3000 + "\n\n"
    "Link: <https://www.state.gov/" + "x" * 280 + ">\n\n"
    "```\n" + "y" * 200 + "\n```\n\n"
    "## Heading "
    + "Z" * 150
    + "\n\n"
    + "|"
    + "|".join(f"Column header {i}" for i in range(12))
    + "|\n"
    + "|"
    + "---|" * 12
    + "\n"
    + "|"
    + "|".join(f"v{i}" for i in range(12))
    + "|\n\n"
    "A note with code.[^code]\n\n"
    "[^code]: The command:\n\n    ```\n    factsheet pdf --force\n    ```\n",
    max_pages=20,
)


def test_long_words_addresses_code_headings_and_tables_wrap_inside_the_page(
    in_project: Path,
) -> None:
    write_sheet(in_project, "long", LONG_THINGS)
    result = invoke("pdf", "-j", "1", "content/long.md")
    assert result.exit_code == 0, result.output
    pdf = in_project / "dist" / "long.pdf"
    right_edge = 612 - 0.8 * 72  # US Letter, 0.8 in side margins
    for page in pdf_words(pdf):
        for word in page.words:
            assert word.x_max <= right_edge + 1, f"{word.text[:30]} runs off at {word.x_max}"
            assert word.x_min >= 0.8 * 72 - 1, f"{word.text[:30]} starts at {word.x_min}"
    text = squeeze(pdftotext(pdf))
    for kept in ("a" * 3000, "x" * 280, "y" * 200, "z" * 150, "v11", "factsheetpdfforce"):
        assert kept in text, f"{kept[:20]}… was lost"


def test_a_table_too_wide_even_wrapped_fails_with_where_and_by_how_much(in_project: Path) -> None:
    columns = 30
    table = "|" + "|".join(f"Col{i}" for i in range(columns)) + "|\n|" + "---|" * columns
    table += "\n|" + "|".join(str(i) for i in range(columns)) + "|"
    write_sheet(in_project, "wide", sheet_text("Wide", f"Intro.\n\n{table}"))
    result = invoke("pdf", "-j", "1", "content/wide.md")
    assert result.exit_code == 1
    assert re.fullmatch(
        r"content/wide\.md:7: table is \d+ mm wider than the text area \(page 1\)",
        result.stderr.splitlines()[0],
    ), result.stderr
    assert not (in_project / "dist" / "wide.pdf").exists()


def test_a_note_taller_than_a_page_fails_instead_of_losing_its_start(in_project: Path) -> None:
    note = " ".join(["A long note sentence that keeps going."] * 400)
    write_sheet(
        in_project, "note", sheet_text("Note", f"Intro.\n\nCited here.[^1]\n\n[^1]: {note}")
    )
    result = invoke("pdf", "-j", "1", "content/note.md")
    assert result.exit_code == 1
    assert re.fullmatch(
        r"content/note\.md:7: a note cited here is \d+ mm taller than the page can hold: "
        r"its start is cut off \(page \d+\)",
        result.stderr.splitlines()[0],
    ), result.stderr
