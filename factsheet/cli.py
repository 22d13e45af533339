"""The command line: ``python build.py …`` or the installed ``factsheet`` command.

Thin by design: it parses options, calls :mod:`factsheet.pipeline`, and prints what happened.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .config import PDF_VARIANTS, Site, find_project_root, load_site
from .errors import display_path
from .pipeline import (
    BuildOptions,
    Outcome,
    Report,
    check,
    find_sheets,
    in_shard,
    pages_text,
    write_html,
    write_pdfs,
)

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # the type click.progressbar() returns

PATHS = click.argument(
    "paths", nargs=-1, type=click.Path(path_type=Path, exists=True, dir_okay=True)
)
OUT = click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Output folder (default: dist/ in the project folder).",
)
VARIANT = click.option(
    "--pdf-variant",
    type=click.Choice(PDF_VARIANTS),
    default=None,
    help="PDF flavour (default: pdf_variant in factsheet.yaml, else pdf/ua-1).",
)


def _site() -> Site:
    return load_site(find_project_root(Path.cwd()))


def _parse_shard(
    _context: click.Context, _parameter: click.Parameter, value: str | None
) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise click.BadParameter("expected K/N, e.g. 1/4") from None
    if not 1 <= index <= count:
        raise click.BadParameter("K must be between 1 and N, e.g. 1/4")
    return index, count


def _show(outcome: Outcome, verb: str) -> None:
    if outcome.error is not None:
        outcome.error.show()
    elif outcome.skipped:
        click.echo(f"up to date {display_path(outcome.output or outcome.source)}")
    elif outcome.output is not None:
        pages = f" ({pages_text(outcome.pages)})" if outcome.pages else ""
        click.echo(f"{verb} {display_path(outcome.output)}{pages}")


def _collect(outcomes: Iterable[Outcome], verb: str, quiet_success: bool = False) -> Report:
    """Print each outcome as it comes (one line each) and return the report."""
    report = Report()
    started = time.perf_counter()
    for outcome in outcomes:
        report.outcomes.append(outcome)
        if not (quiet_success and outcome.error is None):
            _show(outcome, verb)
    report.seconds = time.perf_counter() - started
    return report


def _summary(report: Report) -> None:
    click.echo(
        f"{len(report.built)} built, {len(report.skipped)} skipped, {len(report.failed)} failed "
        f"in {report.seconds:.2f} s",
        err=True,
    )


def _with_progress_bar(outcomes: Iterator[Outcome], total: int, started: list[Path]) -> Report:
    """On a terminal: a progress bar naming the current sheet; problems printed above it."""
    report = Report()
    began = time.perf_counter()
    bar: ProgressBar[int]
    with click.progressbar(
        length=total,
        label="Building",
        item_show_func=lambda _: started[-1].name if started else None,
        file=sys.stderr,
    ) as bar:
        for outcome in outcomes:
            report.outcomes.append(outcome)
            if outcome.error is not None:
                click.echo("", err=True)
                outcome.error.show()
            bar.update(1)
    report.seconds = time.perf_counter() - began
    return report


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="factsheet")
@click.option("--debug", is_flag=True, help="Show the full traceback of an internal error.")
def cli(debug: bool) -> None:
    """Compile Markdown fact sheets (content/*.md) into print-ready PDFs."""
    del debug  # read by main(), which must know before click runs


@cli.command()
@PATHS
@OUT
@VARIANT
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=len(os.sched_getaffinity(0)),
    show_default="number of cores",
    help="Worker processes rendering sheets in parallel.",
)
@click.option("--force", is_flag=True, help="Rebuild every sheet, even those up to date.")
@click.option(
    "--shard",
    callback=_parse_shard,
    metavar="K/N",
    help="Build only the K-th of N stable partitions of the sheets (for CI matrices).",
)
def pdf(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    pdf_variant: str | None,
    jobs: int,
    force: bool,
    shard: tuple[int, int] | None,
) -> None:
    """Build each content file (or every .md in a folder; default content/) into a PDF.

    Only sheets whose content, images, templates, settings or tool versions changed since the
    last build are rendered; use --force to render every one.
    """
    site = _site()
    sheets = [path for path in find_sheets(paths, site) if in_shard(path, shard)]
    options = BuildOptions(
        out_dir=out_dir or site.root / "dist",
        pdf_variant=pdf_variant or site.pdf_variant,
        jobs=jobs,
        force=force,
    )
    started: list[Path] = []
    outcomes = write_pdfs(sheets, site, options, on_start=started.append)
    if sys.stderr.isatty() and len(sheets) > 1:
        report = _with_progress_bar(outcomes, len(sheets), started)
    else:
        report = _collect(outcomes, "wrote")
    _summary(report)
    if report.failed:
        sys.exit(1)


@cli.command()
@PATHS
@OUT
def html(paths: tuple[Path, ...], out_dir: Path | None) -> None:
    """Write the HTML document each PDF is rendered from (opens in a browser)."""
    site = _site()
    report = _collect(
        write_html(find_sheets(paths, site), site, out_dir or site.root / "dist"), "wrote"
    )
    _summary(report)
    if report.failed:
        sys.exit(1)


@cli.command(name="check")
@PATHS
def check_command(paths: tuple[Path, ...]) -> None:
    """Validate content files without rendering; print every problem as path:line: message."""
    site = _site()
    report = _collect(check(find_sheets(paths, site), site), "ok", quiet_success=True)
    bad = len(report.failed)
    sheets = f"{len(report.outcomes)} sheet{'s' * (len(report.outcomes) != 1)}"
    click.echo(f"checked {sheets}: {bad} with problems", err=True)
    if report.failed:
        sys.exit(1)


@cli.command()
@PATHS
@OUT
@VARIANT
def watch(paths: tuple[Path, ...], out_dir: Path | None, pdf_variant: str | None) -> None:
    """Rebuild the sheets a saved change affects, until interrupted (Ctrl-C)."""
    from .watch import watch_and_rebuild  # noqa: PLC0415 - only this command needs watchfiles

    site = _site()
    watch_and_rebuild(paths, site, out_dir or site.root / "dist", pdf_variant)


def _terminate(signum: int, _frame: object) -> None:
    # Turn SIGTERM into an exception so that temporary files are removed on the way out.
    raise SystemExit(128 + signum)


def main() -> None:
    """Run the CLI; an unexpected internal error prints one line instead of a traceback."""
    debug = "--debug" in sys.argv[1:]
    signal.signal(signal.SIGTERM, _terminate)
    warnings = logging.StreamHandler()
    warnings.setFormatter(logging.Formatter("warning: %(message)s"))
    logging.getLogger("factsheet").addHandler(warnings)
    try:
        cli.main(standalone_mode=True)  # click itself shows a FactsheetError and exits 1
    except Exception as error:
        if debug:
            raise
        click.echo(
            f"internal error: {type(error).__name__}: {error} (run with --debug for the traceback)",
            err=True,
        )
        sys.exit(1)
