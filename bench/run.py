#!/usr/bin/env python3
"""Benchmark of factsheet builds on this machine: prints figures, asserts nothing.

Generates N synthetic sheets of 1, 2 and 3 pages (with tables and footnotes) in a scratch
project under bench/.work/, then measures, in one run:

- time per sheet of ``build.py pdf -j1`` against bare WeasyPrint rendering the tool's own
  ``html`` output in one process (the ratio is the pipeline's overhead);
- throughput with -j1 … -jN (N: the cores) and the efficiency of each; md2pdf (from PyPI, in
  its own scratch environment) on the same sheets with 1 and 2 workers, for comparison;
- one changed sheet through ``build.py pdf`` (process start, imports, warm-up, one sheet);
- a no-op rebuild (nothing changed), and ``make pdf`` with nothing to do in the repository;
- the latency of a ``watch`` rebuild of a 2-page sheet;
- peak RSS of a worker process;
- PDF sizes, including the ICC sheet;
- an Arabic and a Chinese sheet against an English one of about the same length (the samples
  of docs/languages/), rendered in one warm process: time per sheet and PDF size.

Usage: python bench/run.py [--sheets N]   (``make bench`` runs it with the default N=60)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "bench" / ".work"
PYTHON = sys.executable

PARAGRAPH = (
    "The program supports exchanges between universities, civil society and local governments, "
    "and it reports each year on the results achieved and the lessons learned by participants "
    "from every region. Grants are awarded on merit after an open competition."
)

# The HTML the pipeline hands WeasyPrint for each sheet, written out for the bare baseline:
# the document, and beside it its base URL, stylesheets and page CSS (the pipeline passes them
# to WeasyPrint as stylesheets, not inside the document).
PRINT_HTML_SCRIPT = """
import json, sys
from pathlib import Path
from factsheet.config import load_site
from factsheet.pipeline import prepare
from factsheet.profiles import screen_profile
site = load_site(Path.cwd())
profile = screen_profile(site, Path(sys.argv[1]), "pdf/ua-1")
for path in sorted((site.content_dir).glob("*.md")):
    document = prepare(path, site, profile).document
    (Path(sys.argv[1]) / (path.stem + ".html")).write_text(document.html, encoding="utf-8")
    (Path(sys.argv[1]) / (path.stem + ".json")).write_text(json.dumps({
        "base_url": document.base_url, "stylesheets": list(document.stylesheets),
        "page_css": document.page_css}), encoding="utf-8")
"""

# Bare WeasyPrint as a careful user would write it: one process, one FontConfiguration shared
# by every sheet (the fonts are registered once), each stylesheet file parsed once (as the
# pipeline does), the pipeline's own HTML and stylesheets.
BARE_SCRIPT = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
import weasyprint
from weasyprint.text.fonts import FontConfiguration
fonts = FontConfiguration()
parsed = {}
for html in sorted(Path(sys.argv[1]).glob("*.html")):
    given = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
    for url in given["stylesheets"]:
        if url not in parsed:
            parsed[url] = weasyprint.CSS(url=url, font_config=fonts)
    stylesheets = [parsed[url] for url in given["stylesheets"]]
    stylesheets.append(weasyprint.CSS(string=given["page_css"], font_config=fonts))
    weasyprint.HTML(string=html.read_text(encoding="utf-8"), base_url=given["base_url"]).write_pdf(
        str(Path(sys.argv[2]) / (html.stem + ".pdf")), stylesheets=stylesheets,
        pdf_variant="pdf/ua-1", pdf_tags=True, font_config=fonts)
print(time.perf_counter() - started)
"""

# Bare WeasyPrint on one sheet's HTML in one process, its stylesheets parsed once: the time of
# each of ROUNDS renders (the first from a cold process), one per line.
BARE_ONE_SCRIPT = """
import json, sys, time
from pathlib import Path
import weasyprint
from weasyprint.text.fonts import FontConfiguration
html, rounds, out = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
given = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
fonts = FontConfiguration()
stylesheets = [weasyprint.CSS(url=url, font_config=fonts) for url in given["stylesheets"]]
stylesheets.append(weasyprint.CSS(string=given["page_css"], font_config=fonts))
for _ in range(rounds):
    started = time.perf_counter()
    weasyprint.HTML(string=html.read_text(encoding="utf-8"), base_url=given["base_url"]).write_pdf(
        out, stylesheets=stylesheets, pdf_variant="pdf/ua-1", pdf_tags=True, font_config=fonts)
    print(time.perf_counter() - started)
"""

# md2pdf (on PyPI) in its own scratch environment: each sheet's Markdown body to a PDF, in one
# process per worker, 1 or 2 workers; prints the seconds for all.
MD2PDF_SCRIPT = """
import sys, time
from multiprocessing import Pool
from pathlib import Path
from md2pdf.core import md2pdf

def one(path):
    body = path.read_text().split("---\\n", 2)[2]
    md2pdf(Path(sys.argv[2]) / (path.stem + ".pdf"), raw=body)

paths = sorted(Path(sys.argv[1]).glob("*.md"))
started = time.perf_counter()
with Pool(int(sys.argv[3])) as pool:
    pool.map(one, paths, chunksize=4)
print(time.perf_counter() - started)
"""


SCRIPTS_SCRIPT = """
import sys, time
from pathlib import Path
from factsheet.config import load_site
from factsheet.pipeline import BuildOptions, Builder
from factsheet.profiles import build_profile
site = load_site(Path.cwd())
from factsheet.runtime import on_roomy_stack
builder = Builder(site, BuildOptions(profile=build_profile(site, out_dir=Path("dist")), force=True))
paths = [Path("content") / f"{name}.md" for name in sys.argv[1:]]
def measure():  # as the command line runs (watch, preview): under its roomy stack
    for path in paths:
        builder.build_one(path)  # warm: fonts, stylesheets, parsers
    for path in paths:
        times = []
        for _ in range(7):
            started = time.perf_counter()
            outcome = builder.build_one(path)
            times.append(time.perf_counter() - started)
            assert outcome.error is None, outcome.error
        print(path.stem, sorted(times)[3], outcome.output.stat().st_size)
on_roomy_stack(measure)
"""
SCRIPT_SAMPLES = ("en", "ar", "zh-hans")


def scripts_per_sheet() -> dict[str, tuple[float, int]]:
    """Median seconds per render (of 7) and PDF bytes of the English, Arabic and Chinese
    samples."""
    project = WORK / "scripts"
    (project / "content").mkdir(parents=True)
    shutil.copy(REPO / "factsheet.yaml", project)
    shutil.copytree(REPO / "templates", project / "templates")
    for name in SCRIPT_SAMPLES:
        shutil.copy(REPO / "docs" / "languages" / f"{name}.md", project / "content")
    output = subprocess.run(
        [PYTHON, "-c", SCRIPTS_SCRIPT, *SCRIPT_SAMPLES],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    ).stdout
    results = {}
    for line in output.splitlines():
        name, seconds, size = line.split()
        results[name] = (float(seconds), int(size))
    return results


def sheet_text(index: int, pages: int) -> str:
    """A synthetic sheet of about ``pages`` pages with a table, links and footnotes."""
    parts = [
        "---",
        f"title: Exchange Program Report {index}",
        "date: 2012-03-04",
        "office: Bureau of Educational and Cultural Affairs",
        "keywords: [exchanges, benchmark]",
        "max_pages: 4",
        "---",
        f"This sheet summarizes the program.[^a] See [the program site](https://example.org/p{index}).",
        "",
    ]
    for section in range(pages * 3 - 1):
        parts += [f"## Section {section + 1}", "", PARAGRAPH + " " + PARAGRAPH, ""]
        if section % 3 == 1:
            parts += ["| Region | Participants | Grants |", "|---|---:|---:|"]
            parts += [f"| Region {row} | {100 + row * 7} | {row * 3} |" for row in range(8)]
            parts += [""]
        if section % 3 == 2:
            parts += [
                f"- Item {item}: [details](https://www.state.gov/x{item})" for item in range(3)
            ]
            parts += [""]
    parts += ["[^a]: Figures are for the fiscal year.", ""]
    return "\n".join(parts)


def make_project(count: int) -> Path:
    """A scratch project with ``count`` sheets, a third each of 1, 2 and 3 pages."""
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "content").mkdir(parents=True)
    shutil.copy(REPO / "factsheet.yaml", WORK)
    shutil.copytree(REPO / "templates", WORK / "templates")
    for index in range(count):
        pages = index % 3 + 1
        (WORK / "content" / f"sheet-{index:03d}-{pages}p.md").write_text(sheet_text(index, pages))
    return WORK


def run(args: list[str], cwd: Path) -> float:
    """Run a command to completion; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def build(project: Path, *options: str) -> float:
    """Wall time of ``build.py pdf`` with ``options`` in ``project``."""
    return run([PYTHON, str(REPO / "build.py"), "pdf", *options], project)


def watch_latency(project: Path, sheet: Path, rounds: int = 5) -> list[float]:
    """Seconds from saving ``sheet`` to the watch process reporting its rebuild."""
    process = subprocess.Popen(
        [PYTHON, "-u", str(REPO / "build.py"), "watch", str(sheet)],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    latencies = []
    try:
        for line in process.stdout:
            if "watching" in line:
                break
        text = sheet.read_text()
        for round_ in range(rounds):
            time.sleep(0.3)
            started = time.perf_counter()
            sheet.write_text(text + f"\nEdit {round_}.\n")
            for line in process.stdout:
                if line.startswith("rebuilt"):
                    latencies.append(time.perf_counter() - started)
                    break
    finally:
        process.terminate()
        process.wait()
        sheet.write_text(text)
    return latencies


def hostile_sizes(project: Path) -> tuple[float, float, float]:
    """`check` seconds per MB of quotes and apostrophes in one paragraph (must be linear), and
    the seconds and peak RSS (MB) of building a sheet of 1,000 footnotes."""
    content = project / "content"
    quotes = content / "zz-quotes.md"
    paragraph = "\"a' b" * 190_000  # 950 KB, one paragraph
    quotes.write_text(f"---\ntitle: Quotes\ndate: 2012-03-04\n---\n{paragraph}\n")
    megabytes = quotes.stat().st_size / 1_000_000
    check_seconds = run([PYTHON, str(REPO / "build.py"), "check", str(quotes)], project)
    quotes.unlink()
    notes = content / "zz-notes.md"
    body = "\n\n".join(f"Paragraph {i} cites a note.[^n{i}]" for i in range(1000))
    body += "\n\n" + "\n".join(f"[^n{i}]: Note number {i}." for i in range(1000))
    notes.write_text(f"---\ntitle: Notes\ndate: 2012-03-04\nmax_pages: 200\n---\n{body}\n")
    started = time.perf_counter()
    process = subprocess.run(
        [PYTHON, str(REPO / "build.py"), "pdf", "-j1", "--force", str(notes)],
        cwd=project,
        check=True,
        capture_output=True,
    )
    notes_seconds = time.perf_counter() - started
    del process
    notes_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    notes.unlink()
    (project / "dist" / "zz-notes.pdf").unlink()
    return check_seconds / megabytes, notes_seconds, notes_rss


def step(name: str) -> None:
    """Say on stderr what is being measured (the table goes to stdout at the end)."""
    print(f"bench: {name}…", file=sys.stderr, flush=True)


def book_build(project: Path, sheets: int = 50) -> tuple[float, int, int]:
    """A briefing book of ``sheets`` of the project's sheets: (seconds, bytes, pages)."""
    listed = sorted((project / "content").glob("*.md"))[:sheets]
    book = project / "bench-book.yaml"
    book.write_text(
        "title: Benchmark Briefing Book\ndate: 2026-11-30\nsheets:\n"
        + "".join(f"  - content/{path.name}\n" for path in listed)
    )
    # Its own folder: dist/ holds the sheets whose sizes are measured.
    command = [PYTHON, str(REPO / "build.py"), "book", book.name, "--force", "--out", "books"]
    seconds = min(run(command, project) for _ in range(2))
    output = project / "books" / "bench-book.pdf"
    return seconds, output.stat().st_size, pdf_pages(output)


def bare_seconds(project: Path) -> tuple[float, bool, Path]:
    """Bare WeasyPrint's best wall time over the HTML the pipeline renders the project's sheets
    from, whether its PDFs have the pipeline's page counts, and the folder of that HTML."""
    html_dir = Path(tempfile.mkdtemp(prefix="bench-html-"))
    bare_out = Path(tempfile.mkdtemp(prefix="bench-bare-"))
    run([PYTHON, "-c", PRINT_HTML_SCRIPT, str(html_dir)], project)
    bare = min(
        run([PYTHON, "-c", BARE_SCRIPT, str(html_dir), str(bare_out)], project) for _ in range(2)
    )
    same_pages = all(
        pdf_pages(bare_out / pdf.name) == pdf_pages(pdf) for pdf in (project / "dist").glob("*.pdf")
    )
    return bare, same_pages, html_dir


def bare_floors(html_dir: Path, project: Path) -> tuple[float, float]:
    """What bare WeasyPrint itself takes for what the one-changed-sheet and watch figures
    measure (the same sheets): a process that imports it and renders one 1-page sheet (best of
    three, process start included), and the median render of a 2-page sheet in a warm
    process."""
    one_page = next((project / "content").glob("*-1p.md")).stem
    two_page = next((project / "content").glob("*-2p.md")).stem
    out = tempfile.mktemp(suffix=".pdf", prefix="bench-floor-")
    command = [PYTHON, "-c", BARE_ONE_SCRIPT, str(html_dir / f"{one_page}.html"), "1", out]
    cold = min(run(command, REPO) for _ in range(3))
    command = [PYTHON, "-c", BARE_ONE_SCRIPT, str(html_dir / f"{two_page}.html"), "9", out]
    printed = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    warm = sorted(float(line) for line in printed.split()[3:])
    return cold, warm[len(warm) // 2]


def pdf_pages(pdf: Path) -> int:
    """The number of pages of ``pdf`` (by pdfinfo)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    lines = info.stdout.splitlines()
    return int(next((line.split()[-1] for line in lines if line.startswith("Pages:")), 0))


# The last commit before issues 6-13 (languages, layouts, print output, checks) landed: the
# English sheets' cost is compared with this version, built with the same packages.
BASELINE_COMMIT = "ec83442"


def baseline_seconds(project: Path) -> float | None:
    """The best -j1 wall time of ``BASELINE_COMMIT``'s code and templates over the project's
    sheets (extracted once under bench/.work-baseline/); None without git or the commit."""
    base = REPO / "bench" / ".work-baseline"
    code = base / "code"
    if not (code / "build.py").exists():
        shutil.rmtree(base, ignore_errors=True)
        code.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", BASELINE_COMMIT, "build.py", "factsheet", "templates",
             "factsheet.yaml"],
            cwd=REPO, capture_output=True, check=False,
        )  # fmt: skip
        if archive.returncode != 0:
            shutil.rmtree(base, ignore_errors=True)
            return None
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
    sheets = base / "project"
    shutil.rmtree(sheets, ignore_errors=True)
    (sheets / "content").mkdir(parents=True)
    shutil.copy(code / "factsheet.yaml", sheets)
    (sheets / "templates").symlink_to(code / "templates")
    for path in (project / "content").glob("*.md"):
        shutil.copy(path, sheets / "content")
    command = [PYTHON, str(code / "build.py"), "pdf", "-j1", "--force"]
    environment = {**os.environ, "PYTHONPATH": str(code)}
    times = []
    for _ in range(2):
        started = time.perf_counter()
        subprocess.run(command, cwd=sheets, env=environment, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times)


def md2pdf_seconds(project: Path) -> dict[int, float] | None:
    """md2pdf's best wall time over the project's sheets with 1 and 2 workers, from its own
    scratch environment (created once under bench/.work-md2pdf/); None if it cannot install."""
    env = REPO / "bench" / ".work-md2pdf"
    python = env / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "md2pdf"],
            capture_output=True,
            check=False,
        )
        if installed.returncode != 0:
            shutil.rmtree(env, ignore_errors=True)
            return None
    out = Path(tempfile.mkdtemp(prefix="bench-md2pdf-"))
    results = {}
    for workers in (1, 2):
        times = []
        for _ in range(2):
            done = subprocess.run(
                [
                    str(python),
                    "-c",
                    MD2PDF_SCRIPT,
                    str(project / "content"),
                    str(out),
                    str(workers),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                return None
            times.append(float(done.stdout.strip().splitlines()[-1]))
        results[workers] = min(times)
    return results


def one_changed_sheet(project: Path) -> float:
    """Wall time of ``build.py pdf`` when one sheet of the project changed (the others are up
    to date): process start, imports, warm-up and one sheet, as ``make pdf`` after a save."""
    sheet = next((project / "content").glob("*-1p.md"))
    text = sheet.read_text()
    times = []
    try:
        for round_ in range(3):
            sheet.write_text(text + f"\nChanged {round_}.\n")
            times.append(build(project))
    finally:
        sheet.write_text(text)
        build(project)
    return min(times)


def throughput_rows(
    count: int, by_jobs: dict[int, float], md2pdf: dict[int, float] | None
) -> list[tuple[str, str, str]]:
    """Throughput at each -jN with its efficiency, md2pdf's best, and 10,000 sheets at the
    best measured rate (one machine like this one; N machines: about N times faster)."""
    serial = by_jobs[1]
    rows = []
    for jobs, seconds in by_jobs.items():
        speedup = serial / seconds
        rows.append(
            (
                f"throughput -j{jobs}",
                f"{count / seconds:.1f} sheets/s",
                f"{speedup:.2f}x of -j1, efficiency {speedup / jobs:.0%}"
                + (" (target ≥ 1.75x)" if jobs == 2 else ""),
            )
        )
    fastest = max(count / seconds for seconds in by_jobs.values())
    if md2pdf is not None:
        best = max(count / seconds for seconds in md2pdf.values())
        rows.append(
            (
                "md2pdf, best of 1 and 2 workers",
                f"{best:.1f} sheets/s",
                f"factsheet's best is {fastest / best:.2f}x (target ≥ 1.25x); md2pdf does no "
                "tagging, notes or fonts",
            )
        )
    else:
        rows.append(("md2pdf", "not measured", "could not be installed from PyPI"))
    rows.append(
        (
            "10,000 sheets (extrapolated)",
            f"{10_000 / fastest / 60:.0f} min on one such machine",
            "linear in sheets; --shard K/N over N machines divides it by about N",
        )
    )
    return rows


def size_rows(project: Path) -> list[tuple[str, str, str]]:
    """The average PDF size of the project's 1-, 2- and 3-page sheets."""
    sizes: dict[int, list[int]] = {1: [], 2: [], 3: []}
    for pdf in (project / "dist").glob("*.pdf"):
        sizes[int(pdf.stem[-2])].append(pdf.stat().st_size)
    rows: list[tuple[str, str, str]] = []
    for pages, values in sizes.items():
        if values:
            rows.append(
                (
                    f"PDF size, {pages} page(s)",
                    f"{sum(values) / len(values) / 1024:.0f} KB",
                    "average",
                )
            )
    return rows


def main() -> None:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sheets", type=int, default=60, help="number of synthetic sheets")
    count = parser.parse_args().sheets
    project = make_project(count)
    rows: list[tuple[str, str, str]] = []

    step("serial and parallel builds")
    build(project, "-j1", "--force")  # warm the file system cache
    cores = len(os.sched_getaffinity(0))
    by_jobs = {
        jobs: min(build(project, f"-j{jobs}", "--force") for _ in range(2))
        for jobs in range(1, cores + 1)
    }
    serial = by_jobs[1]
    worker_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    step(f"the same sheets with the code of {BASELINE_COMMIT}, before issues 6-13")
    baseline = baseline_seconds(project)

    step("md2pdf, in its own environment, on the same sheets")
    md2pdf = md2pdf_seconds(project)

    step("one changed sheet")
    changed = one_changed_sheet(project)

    step("bare WeasyPrint on the pipeline's HTML")
    bare, same_pages, html_dir = bare_seconds(project)
    bare_cold, bare_warm = bare_floors(html_dir, project)

    step("no-op rebuilds")
    noop = min(build(project) for _ in range(5))
    subprocess.run(["make", "pdf"], cwd=REPO, check=True, capture_output=True)
    make_noop = min(run(["make", "pdf"], REPO) for _ in range(5))

    step("watch latency")
    latencies = watch_latency(project, next((project / "content").glob("*-2p.md")))

    step("hostile sizes: 1 MB of quotes, 1,000 footnotes")
    check_per_mb, notes_seconds, notes_rss = hostile_sizes(project)
    step("a 50-sheet briefing book")
    book_seconds, book_bytes, book_pages = book_build(project)
    step("an Arabic and a Chinese sheet against an English one")
    scripts = scripts_per_sheet()

    icc = REPO / "dist" / "international-criminal-court.pdf"

    rows += [
        ("sheets", f"{count} (1, 2 and 3 pages)", ""),
        (
            "build.py pdf -j1, per sheet",
            f"{serial / count * 1000:.0f} ms",
            "process start included",
        ),
        (
            "bare WeasyPrint on the pipeline's HTML, per sheet",
            f"{bare / count * 1000:.0f} ms",
            "one process, import included, one shared FontConfiguration"
            + ("" if same_pages else "; page counts differ from the pipeline's!"),
        ),
        ("pipeline overhead (-j1 / bare)", f"{serial / bare:.2f}x", "target ≤ 1.00x (issue 16)"),
    ]
    rows.append(
        (
            f"English sheets against {BASELINE_COMMIT} (before issues 6-13), -j1",
            f"{serial / baseline:.2f}x" if baseline else "not measured",
            "same sheets and packages; target ≤ 1.10x",
        )
    )
    rows += throughput_rows(count, by_jobs, md2pdf)
    rows += [
        ("one changed sheet (build.py pdf)", f"{changed * 1000:.0f} ms", "target ≤ 0.7 s"),
        (
            "bare WeasyPrint, one 1-page sheet from a cold process",
            f"{bare_cold * 1000:.0f} ms",
            "import, fonts, stylesheets and the sheet: the floor under the line above",
        ),
        ("no-op rebuild (build.py pdf)", f"{noop * 1000:.0f} ms", f"{count} sheets up to date"),
        ("no-op make pdf (repository)", f"{make_noop * 1000:.0f} ms", "target ≤ 300 ms"),
        (
            "watch rebuild of a 2-page sheet",
            f"{min(latencies) * 1000:.0f} ms best, "
            f"{sorted(latencies)[len(latencies) // 2] * 1000:.0f} ms median",
            "save → 'rebuilt' (target ≤ 250 ms; issue 16: ≤ 150 ms)",
        ),
        (
            "bare WeasyPrint, the same 2-page sheet in a warm process",
            f"{bare_warm * 1000:.0f} ms median",
            "its stylesheets parsed once: the floor under the line above",
        ),
        ("peak RSS of a worker", f"{worker_rss_mb:.0f} MB", "target ≤ 200 MB"),
        (
            "check, one paragraph of quotes",
            f"{check_per_mb:.2f} s per MB",
            "linear (was quadratic: 600 KB did not finish in 60 s)",
        ),
        (
            "a sheet of 1,000 footnotes",
            f"{notes_seconds:.1f} s, peak RSS {notes_rss:.0f} MB",
            "51 pages",
        ),
    ]
    rows += size_rows(project)
    english = scripts["en"][0]
    for name, label in (("en", "English"), ("ar", "Arabic"), ("zh-hans", "Chinese")):
        seconds, size = scripts[name]
        rows.append(
            (
                f"{label} sample (docs/languages/{name}.md), per sheet",
                f"{seconds * 1000:.0f} ms, {size / 1024:.0f} KB",
                "warm process"
                if name == "en"
                else f"{seconds / english:.2f}x English (target ≤ 2x)",
            )
        )
    rows.append(
        (
            "briefing book of 50 sheets (factsheet book)",
            f"{book_seconds:.1f} s, {book_bytes / 1024 / 1024:.1f} MB, {book_pages} pages",
            "cover, contents, one process",
        )
    )
    if icc.exists():
        rows.append(
            ("PDF size, ICC sheet", f"{icc.stat().st_size / 1024:.0f} KB", "target ≤ 60 KB")
        )

    print(f"factsheet benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print("| measure | result | note |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
