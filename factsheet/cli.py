"""The command line: ``python build.py …`` or the installed ``factsheet`` command.

Thin by design: it parses options, calls :mod:`factsheet.pipeline`, and prints what happened.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path

import click

from . import __version__
from .config import PDF_VARIANTS, Site, find_project_root, load_site
from .errors import FactsheetError, display_path
from .pipeline import Outcome, Report, check, find_sheets, write_html, write_pdfs

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


def _site() -> Site:
    return load_site(find_project_root(Path.cwd()))


def _report(outcomes: Iterable[Outcome], verb: str, checking: bool = False) -> Report:
    report = Report()
    started = time.perf_counter()
    for outcome in outcomes:
        report.outcomes.append(outcome)
        if outcome.error is not None:
            outcome.error.show()
        elif outcome.output is not None:
            pages = f" ({outcome.pages} page{'s' * (outcome.pages != 1)})" if outcome.pages else ""
            click.echo(f"{verb} {display_path(outcome.output)}{pages}")
    report.seconds = time.perf_counter() - started
    if checking:
        bad = len(report.failed)
        click.echo(f"checked {len(report.outcomes)} sheets: {bad} with problems", err=True)
        return report
    click.echo(
        f"{len(report.built)} built, {len(report.skipped)} skipped, {len(report.failed)} failed "
        f"in {report.seconds:.2f} s",
        err=True,
    )
    return report


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="factsheet")
@click.option("--debug", is_flag=True, help="Show the full traceback of an internal error.")
@click.pass_context
def cli(context: click.Context, debug: bool) -> None:
    """Compile Markdown fact sheets (content/*.md) into print-ready PDFs."""
    context.obj = {"debug": debug}


@cli.command()
@PATHS
@OUT
@click.option(
    "--pdf-variant",
    type=click.Choice(PDF_VARIANTS),
    default=None,
    help="PDF flavour (default: pdf_variant in factsheet.yaml, else pdf/ua-1).",
)
def pdf(paths: tuple[Path, ...], out_dir: Path | None, pdf_variant: str | None) -> None:
    """Build each content file (or every .md in a folder; default content/) into a PDF."""
    site = _site()
    sheets = find_sheets(paths, site)
    report = _report(write_pdfs(sheets, site, out_dir or site.root / "dist", pdf_variant), "wrote")
    if report.failed:
        sys.exit(1)


@cli.command()
@PATHS
@OUT
def html(paths: tuple[Path, ...], out_dir: Path | None) -> None:
    """Write the HTML document each PDF is rendered from (opens in a browser)."""
    site = _site()
    sheets = find_sheets(paths, site)
    report = _report(write_html(sheets, site, out_dir or site.root / "dist"), "wrote")
    if report.failed:
        sys.exit(1)


@cli.command(name="check")
@PATHS
def check_command(paths: tuple[Path, ...]) -> None:
    """Validate content files without rendering; print every problem as path:line: message."""
    site = _site()
    sheets = find_sheets(paths, site)
    report = _report(check(sheets, site), "ok", checking=True)
    if report.failed:
        sys.exit(1)


def main() -> None:
    """Run the CLI; an unexpected internal error prints one line instead of a traceback."""
    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(standalone_mode=True)
    except (KeyboardInterrupt, SystemExit, click.exceptions.Exit):
        raise
    except FactsheetError as error:  # raised outside click's own handling
        error.show()
        sys.exit(1)
    except Exception as error:
        if debug:
            raise
        click.echo(
            f"internal error: {type(error).__name__}: {error} (run with --debug for the traceback)",
            err=True,
        )
        sys.exit(1)
