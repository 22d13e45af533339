"""The command line: ``python build.py …`` or the installed ``factsheet`` command.

Thin by design: it parses options, calls :mod:`factsheet.pipeline`, and prints what happened.
It is also where the package's errors meet click: a :class:`FactsheetError` is printed once,
as ``path:line: message``, and exits 1; warnings are printed ``path:line: warning: …``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__, fields
from .config import (
    CONFIG_NAME,
    OUTPUT_PROFILES,
    PDF_VARIANTS,
    Site,
    SiteSettings,
    find_project_root,
    load_site,
)
from .content import FrontMatter
from .errors import FactsheetError, display_path
from .files import Stop
from .layouts import layout_names
from .pipeline import (
    BuildOptions,
    Outcome,
    Report,
    check,
    failure_text,
    find_sheets,
    in_shard,
    pages_text,
    write_pdfs,
)
from .profiles import DEFAULT_PROFILE, OutputProfile, build_profile
from .runtime import on_roomy_stack

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
PROFILE = click.option(
    "--profile",
    "profile_name",
    type=click.Choice(OUTPUT_PROFILES),
    default=None,
    help="screen: tagged PDFs in the output folder; print: PDF/X-4 in CMYK with bleed and crop "
    "marks in its print/ subfolder (default: profile in factsheet.yaml, else screen).",
)
STRICT = click.option(
    "--strict", is_flag=True, help="Treat warnings as errors: a sheet with a warning fails."
)


class Session:
    """What every command shares: the ``--debug`` flag, and the site, loaded once."""

    def __init__(self, debug: bool) -> None:
        self.debug = debug

    @cached_property
    def site(self) -> Site:
        """The project's settings, read from the nearest ``factsheet.yaml``."""
        return load_site(find_project_root(Path.cwd()))

    def profile(
        self, out_dir: Path | None, pdf_variant: str | None = None, name: str | None = None
    ) -> OutputProfile:
        """The output profile of this command."""
        if pdf_variant and (name or self.site.profile) != DEFAULT_PROFILE:
            raise click.UsageError("--pdf-variant is for the screen profile; print is PDF/X-4")
        return build_profile(self.site, name=name, out_dir=out_dir, pdf_variant=pdf_variant)


pass_session = click.make_pass_decorator(Session)


class _Group(click.Group):
    """Maps the package's errors to the command line: one line each, exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FactsheetError as error:
            click.echo(error.format_message(), err=True)
            ctx.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            if ctx.params.get("debug"):
                raise
            click.echo(
                f"internal error: {type(error).__name__}: {error} "
                "(run with --debug for the traceback)",
                err=True,
            )
            ctx.exit(1)


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


# Warnings about the settings file (a language without translations) are shown once per run,
# not once per sheet; the set is emptied when a run starts.
_shown_setting_warnings: set[str] = set()


def _show_problems(outcome: Outcome) -> None:
    for warning in outcome.warnings:
        text = warning.format()
        if warning.path is not None and warning.path.name == CONFIG_NAME:
            if text in _shown_setting_warnings:
                continue
            _shown_setting_warnings.add(text)
        click.echo(text, err=True)
    if outcome.error is not None:
        click.echo(failure_text(outcome), err=True)


def _show(outcome: Outcome, verb: str) -> None:
    _show_problems(outcome)
    if outcome.error is not None:
        return
    if outcome.skipped:
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
        if quiet_success and outcome.error is None:
            _show_problems(outcome)
        else:
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
            if outcome.error is not None or outcome.warnings:
                click.echo("", err=True)
                _show_problems(outcome)
            bar.update(1)
    report.seconds = time.perf_counter() - began
    return report


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="factsheet")
@click.option("--debug", is_flag=True, help="Show the full traceback of an internal error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Compile Markdown fact sheets (content/*.md) into print-ready PDFs."""
    ctx.obj = Session(debug)
    _shown_setting_warnings.clear()  # once per run, also when the CLI is called in-process
    Stop.signal = None  # a signal handled by an earlier in-process run is not this run's


@cli.command()
@PATHS
@OUT
@PROFILE
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
@click.option(
    "--release",
    is_flag=True,
    help="A release build: every sheet with `status: draft` fails (and an earlier PDF of it is "
    "removed), so that no draft ships.",
)
@STRICT
@pass_session
def pdf(
    session: Session,
    paths: tuple[Path, ...],
    out_dir: Path | None,
    profile_name: str | None,
    pdf_variant: str | None,
    jobs: int,
    force: bool,
    shard: tuple[int, int] | None,
    release: bool,
    strict: bool,
) -> None:
    """Build each content file (or every .md in a folder; default content/) into a PDF.

    Only sheets whose content, images, templates, settings or tool versions changed since the
    last build are rendered; use --force to render every one.
    """
    site = session.site
    sheets = [path for path in find_sheets(paths, site) if in_shard(path, shard)]
    options = BuildOptions(
        profile=session.profile(out_dir, pdf_variant, profile_name),
        jobs=jobs,
        force=force,
        strict=strict,
        debug=session.debug,
        release=release,
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
@STRICT
@pass_session
def html(session: Session, paths: tuple[Path, ...], out_dir: Path | None, strict: bool) -> None:
    """Write the web version: DIR/html/, a page per sheet with its PDF beside it, an index,
    and the stylesheets, fonts and pictures they use, all linked relatively (a folder to move
    or serve as it is)."""
    from .web import write_site  # noqa: PLC0415

    site = session.site
    outcomes = write_site(
        find_sheets(paths, site),
        site,
        session.profile(out_dir, None, "screen"),
        strict=strict,
        debug=session.debug,
    )
    report = _collect(outcomes, "wrote")
    _summary(report)
    if report.failed:
        sys.exit(1)


@cli.command(name="check")
@PATHS
@STRICT
@pass_session
def check_command(session: Session, paths: tuple[Path, ...], strict: bool) -> None:
    """Validate content files without rendering; print every problem as path:line: message."""
    site = session.site
    outcomes = check(
        find_sheets(paths, site),
        site,
        session.profile(None),
        strict=strict,
        debug=session.debug,
    )
    report = _collect(outcomes, "ok", quiet_success=True)
    bad = len(report.failed)
    sheets = f"{len(report.outcomes)} sheet{'s' * (len(report.outcomes) != 1)}"
    click.echo(f"checked {sheets}: {bad} with problems", err=True)
    if report.failed:
        sys.exit(1)


@cli.command()
@PATHS
@OUT
@PROFILE
@VARIANT
@STRICT
@pass_session
def watch(
    session: Session,
    paths: tuple[Path, ...],
    out_dir: Path | None,
    profile_name: str | None,
    pdf_variant: str | None,
    strict: bool,
) -> None:
    """Rebuild the sheets a saved change affects, until interrupted (Ctrl-C)."""
    from .watch import watch_and_rebuild  # noqa: PLC0415 - only this command needs watchfiles

    session.profile(out_dir, pdf_variant, profile_name)  # rejects a variant for print
    watch_and_rebuild(
        paths,
        session.site,
        out_dir,
        pdf_variant,
        profile_name=profile_name,
        strict=strict,
        debug=session.debug,
    )


@cli.command()
@PATHS
@OUT
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=15.0,
    show_default=True,
    help="Seconds to wait for each address.",
)
@click.option(
    "--cache-hours",
    type=click.FloatRange(min=0),
    default=24.0,
    show_default=True,
    help="Trust a result this long (kept in the output folder); 0 asks again.",
)
@pass_session
def links(
    session: Session,
    paths: tuple[Path, ...],
    out_dir: Path | None,
    timeout: float,
    cache_hours: float,
) -> None:
    """Check that every web address the sheets print still answers (the only command that
    uses the network). Dead addresses are errors (exit status 1), redirects warnings."""
    from .links import check_addresses, citations, report  # noqa: PLC0415

    site = session.site
    sheets = find_sheets(paths, site)
    found = citations(sheets, site)
    results = check_addresses(
        [citation.address for citation in found],
        out_dir or site.root / "dist",
        timeout=timeout,
        max_age_hours=cache_hours,
    )
    errors, warnings = report(found, results)
    for line in (*warnings, *errors):
        click.echo(line, err=True)
    addresses = {citation.address for citation in found}
    dead = sum(results[address].dead for address in addresses)
    moved = sum(results[address].moved for address in addresses)
    click.echo(
        f"checked {len(addresses)} address{'es' * (len(addresses) != 1)} in {len(sheets)} "
        f"sheet{'s' * (len(sheets) != 1)}: {dead} dead, {moved} moved",
        err=True,
    )
    if errors:
        sys.exit(1)


@cli.command(name="new")
@click.argument("name")
@click.option(
    "--layout",
    default=None,
    help="The kind of document: a layout of templates/layouts/ (default: fact-sheet).",
)
@click.option(
    "--lang", default=None, help="The sheet's language, a BCP 47 tag (default: the site's)."
)
@pass_session
def new_command(session: Session, name: str, layout: str | None, lang: str | None) -> None:
    """Start a sheet: write content/NAME.md with its front matter and a skeleton body."""
    import datetime  # noqa: PLC0415

    from .layouts import DEFAULT_LAYOUT  # noqa: PLC0415
    from .scaffold import new_sheet  # noqa: PLC0415

    if lang is not None:
        try:
            lang = fields.language_tag(lang)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--lang") from None
    # The clock is read here, for a suggestion the author confirms; never in a build.
    today = datetime.date.today()
    path = new_sheet(session.site, name, layout or DEFAULT_LAYOUT, lang, today)
    shown = display_path(path)
    click.echo(f"wrote {shown}: set its title and date, write its text, then:")
    click.echo(
        f"  factsheet preview {shown}     (or: factsheet check {shown} && factsheet pdf {shown})"
    )


@cli.command()
@click.argument("book_file", type=click.Path(path_type=Path, dir_okay=False))
@OUT
@PROFILE
@click.option("--force", is_flag=True, help="Rebuild even if nothing changed.")
@pass_session
def book(
    session: Session, book_file: Path, out_dir: Path | None, profile_name: str | None, force: bool
) -> None:
    """Bind sheets into one briefing book: a cover, a contents page, each sheet from a
    right-hand page (BOOK_FILE: title, subtitle, date, sheets; see README)."""
    from .book import build_book, read_book  # noqa: PLC0415

    site = session.site
    started = time.perf_counter()
    bound = read_book(book_file, site)
    result = build_book(bound, site, session.profile(out_dir, None, profile_name), force=force)
    elapsed = time.perf_counter() - started
    if result.skipped:
        click.echo(f"{display_path(result.path)} is up to date ({elapsed:.2f} s)", err=True)
    else:
        click.echo(
            f"wrote {display_path(result.path)} ({pages_text(result.pages)}) in {elapsed:.2f} s",
            err=True,
        )


@cli.command()
@PATHS
@OUT
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free one).",
)
@STRICT
@pass_session
def preview(
    session: Session, paths: tuple[Path, ...], out_dir: Path | None, port: int, strict: bool
) -> None:
    """Show the sheets' PDFs in a browser page on 127.0.0.1 that reloads on every rebuild
    (watch's warm renderer) and shows the errors of a failed one, until Ctrl-C."""
    from .preview import PreviewState, address, serve  # noqa: PLC0415
    from .watch import watch_and_rebuild  # noqa: PLC0415

    state = PreviewState()

    def ready(_watcher: object) -> None:
        server = serve(state, port)
        click.echo(f"preview: open {address(server)} in a browser", err=True)

    watch_and_rebuild(
        paths,
        session.site,
        out_dir,
        None,
        profile_name="screen",
        strict=strict,
        debug=session.debug,
        listener=state.built,
        on_problem=state.failed,
        on_ready=ready,
    )


@cli.command()
@click.option(
    "--site", "of_site", is_flag=True, help="Describe factsheet.yaml instead of front matter."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="json: a JSON Schema (for editors); markdown: the README's table of fields.",
)
def schema(of_site: bool, output_format: str) -> None:
    """Print the fields of a content file's front matter (or of factsheet.yaml).

    As a JSON Schema, an editor validates front matter while it is written: VS Code's YAML
    extension, for example, with a `# yaml-language-server: $schema=…` line or its
    `yaml.schemas` setting.
    """
    settings_class = SiteSettings if of_site else FrontMatter
    if output_format == "markdown":
        click.echo(fields.markdown_table(settings_class, "default" if of_site else "required"))
        return
    extra: dict[str, Any] = {}
    if not of_site:
        try:
            layouts = layout_names(find_project_root(Path.cwd()) / "templates")
            if layouts:
                extra["layout"] = {"enum": layouts}
        except FactsheetError:
            pass  # outside a project: any layout name
    title = CONFIG_TITLE if of_site else FRONT_MATTER_TITLE
    click.echo(json.dumps(fields.json_schema(settings_class, title, **extra), indent=2))


FRONT_MATTER_TITLE = "factsheet content file front matter"
CONFIG_TITLE = "factsheet.yaml site settings"


class _Terminated:
    """The signal that asked this process to stop, if one did."""

    signal: int | None = None


def _terminate(signum: int, _frame: object) -> None:
    # Turn SIGTERM into an exception so that temporary files are removed on the way out. It is
    # also remembered: an exception raised inside a C library's callback can be swallowed
    # there; the build checks between steps (files.Stop) and ends with the signal's status.
    _Terminated.signal = Stop.signal = signum
    raise SystemExit(128 + signum)


def main() -> None:
    """Run the CLI (click prints usage errors; the group prints the package's own)."""
    signal.signal(signal.SIGTERM, _terminate)
    warnings = logging.StreamHandler()
    warnings.setFormatter(logging.Formatter("warning: %(message)s"))
    logging.getLogger("factsheet").addHandler(warnings)
    try:
        # Every command, and the worker processes it forks, run deep in one large stack chunk.
        on_roomy_stack(lambda: cli.main(standalone_mode=True))
    except SystemExit as exit_:
        if _Terminated.signal is not None and not exit_.code:
            raise SystemExit(128 + _Terminated.signal) from None
        raise
