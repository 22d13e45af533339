"""The build: find the sheets, prepare each (load → markdown → render), write PDFs, report.

Preparing a sheet never imports WeasyPrint; only the PDF stage does, once per process, in the
:class:`Builder` that a command creates and passes where it is needed. The Markdown and
template stages are imported when the first sheet is prepared, so that a build with nothing
to do loads neither.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Site
from .content import read_sheet
from .errors import (
    FactsheetError,
    Problem,
    ProblemsError,
    display_path,
    problems_of,
    unexpected,
)
from .files import (
    HARFBUZZ_SUBSET_HINT,
    harfbuzz_subset_missing,
    remove_stale_temporaries,
    stop_if_asked,
)
from .fonts import missing_glyphs
from .layouts import DEFAULT_LAYOUT, template_environment
from .locale import locale_for
from .manifest import Manifest, file_digest, site_fingerprint
from .profiles import OutputProfile
from .workers import render_in_workers, set_aside_warm_objects

if TYPE_CHECKING:
    from .pdf import PdfRenderer
    from .render import HtmlDocument

CONTENT_SUFFIX = ".md"
# Messages that belong to no sheet (a missing system library); the CLI prints them.
LOG = logging.getLogger("factsheet")


def find_sheets(paths: Iterable[Path], site: Site) -> list[Path]:
    """Expand content files and folders (default: the project's ``content/``) into .md files.

    Raises :class:`FactsheetError` for a path that does not exist or is not Markdown.
    """
    paths = list(paths) or [site.content_dir]
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob(f"*{CONTENT_SUFFIX}")))
        elif path.is_file():
            if path.suffix != CONTENT_SUFFIX:
                raise FactsheetError(
                    path, None, f"not a content file: expected a {CONTENT_SUFFIX} file"
                )
            found.append(path)
        else:
            raise FactsheetError(path, None, "no such file or folder")
    unique = list(dict.fromkeys(_resolved(path, site) for path in found))
    by_name: dict[str, Path] = {}
    for path in unique:
        if path.stem in by_name:
            raise FactsheetError(
                path,
                None,
                f"has the same name as {display_path(by_name[path.stem])}: both would "
                f"be written to {path.stem}.pdf",
            )
        by_name[path.stem] = path
    return unique


def _resolved(path: Path, site: Site) -> Path:
    """``path`` with symbolic links resolved; as it is (absolute) when they cannot be, or when
    they lead outside ``content/``.

    A link loop, a name too long or a link to a file elsewhere is then that sheet's error when
    it is read (named as the user knows it), not the batch's.
    """
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
    return real if real.is_relative_to(site.content_dir.resolve()) else path.absolute()


@dataclass(frozen=True)
class Prepared:
    """A sheet ready for the PDF stage: its HTML document and the warnings found on the way."""

    document: HtmlDocument
    warnings: tuple[Problem, ...] = ()


def prepare(
    path: Path,
    site: Site,
    profile: OutputProfile,
    *,
    strict: bool = False,
    for_browser: bool = False,
) -> Prepared:
    """Load, validate and render one content file to its HTML document.

    Raises every problem in the file at once: front matter and body are both checked. With
    ``strict``, a warning fails the sheet too.
    """
    # Lazy: a build with nothing to do (and `--help`) never loads markdown-it or Jinja2.
    from .markdown import render_body  # noqa: PLC0415
    from .render import render_document  # noqa: PLC0415

    sheet, collector = read_sheet(path, site)
    try:
        body = render_body(sheet, site)
    except FactsheetError as error:
        raise ProblemsError([*collector.problems, *problems_of(error)]) from None
    collector.raise_if_any()
    warnings = tuple(sorted([*collector.warnings, *body.warnings], key=Problem.sort_key))
    if strict and warnings:
        raise ProblemsError(
            FactsheetError(warning.path, warning.line, f"warning: {warning.message} (--strict)")
            for warning in warnings
        )
    document = render_document(sheet, body, site, profile, for_browser=for_browser)
    # Never an empty box: every printed character has a bundled font, or the sheet fails.
    missing = missing_glyphs(
        path, sheet.source, document.printed_text, site.templates_dir / "fonts"
    )
    if missing:
        raise ProblemsError(missing)
    return Prepared(document, warnings)


def pages_text(pages: int) -> str:
    """``1 page``, ``3 pages``."""
    return f"{pages} page{'s' * (pages != 1)}"


@dataclass
class Outcome:
    """What happened to one sheet in a build."""

    source: Path
    output: Path | None = None
    pages: int = 0
    error: FactsheetError | None = None
    warnings: tuple[Problem, ...] = ()
    skipped: bool = False
    # The output left from an earlier build when this one failed (nothing is lost).
    stale: Path | None = None
    # Digests of the content file and its images, taken before rendering.
    inputs: dict[Path, str] = field(default_factory=dict)


def failure_text(outcome: Outcome) -> str:
    """A failed sheet's problems, one line each; the last says when an older output stays."""
    assert outcome.error is not None
    text = outcome.error.format_message()
    if outcome.stale is not None:
        text += f" ({display_path(outcome.stale)} is from an earlier build)"
    return text


@dataclass
class Report:
    """The outcome of a whole build."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Outcome]:
        """The sheets that did not build."""
        return [outcome for outcome in self.outcomes if outcome.error is not None]

    @property
    def built(self) -> list[Outcome]:
        """The sheets written in this build."""
        return [o for o in self.outcomes if o.error is None and not o.skipped]

    @property
    def skipped(self) -> list[Outcome]:
        """The sheets left as they were because nothing they depend on changed."""
        return [outcome for outcome in self.outcomes if outcome.skipped]


def check(
    paths: list[Path],
    site: Site,
    profile: OutputProfile,
    *,
    strict: bool = False,
    debug: bool = False,
) -> Iterator[Outcome]:
    """Validate each sheet as far as its HTML document, without laying it out."""
    for path in paths:
        outcome = Outcome(source=path)
        with _sheet_failure(outcome, debug):
            outcome.warnings = prepare(path, site, profile, strict=strict).warnings
        yield outcome


@contextlib.contextmanager
def _sheet_failure(outcome: Outcome, debug: bool) -> Iterator[None]:
    """Whatever raises while handling one sheet is that sheet's error; the batch goes on.

    With ``debug``, an exception that is not the tool's own propagates (with its traceback).
    """
    try:
        yield
    except FactsheetError as error:
        outcome.error = error
    except Exception as error:
        if debug:
            raise
        outcome.error = unexpected(outcome.source, error)


def in_shard(path: Path, shard: tuple[int, int] | None) -> bool:
    """True when ``path`` belongs to shard ``(k, n)``: a stable partition by file name."""
    if shard is None:
        return True
    index, count = shard
    # fsencode: a file name that is not UTF-8 keeps its bytes (no UnicodeEncodeError).
    return zlib.crc32(os.fsencode(path.name)) % count == index - 1


@dataclass(frozen=True)
class BuildOptions:
    """How to build: which output profile, on how many cores, forced or not, how strict."""

    profile: OutputProfile
    jobs: int = 1
    force: bool = False
    strict: bool = False
    # Let an unforeseen exception propagate with its traceback instead of failing the sheet.
    debug: bool = False
    # A release build: drafts fail, and no draft's PDF is left in the output folder.
    release: bool = False


class Builder:
    """Builds sheets of one site into one output profile, with one warm PDF renderer.

    The renderer (WeasyPrint imported, fonts registered, stylesheets parsed) is created on the
    first sheet, or by :meth:`warm_up`, and reused for every sheet after it.
    """

    def __init__(self, site: Site, options: BuildOptions) -> None:
        self.site = site
        self.options = options
        self._renderer: PdfRenderer | None = None

    @property
    def renderer(self) -> PdfRenderer:
        """The warm renderer, created on first use."""
        if self._renderer is None:
            from .pdf import PdfRenderer  # noqa: PLC0415 - lazy: imports WeasyPrint

            self._renderer = PdfRenderer(self.site, self.options.profile)
        return self._renderer

    def warm_up(self) -> None:
        """Get the renderer, the default layout's template, the site language's words and its
        Markdown parser ready (before forking workers that inherit them)."""
        from .markdown import parser as markdown_parser  # noqa: PLC0415

        layout = self.site.layout(DEFAULT_LAYOUT)
        self.renderer.warm_up(layout, self.site.lang)
        template_environment(self.site.templates_dir).get_template(layout.template)
        markdown_parser(locale_for(self.site.lang))

    def build_one(self, path: Path) -> Outcome:
        """Prepare and render one sheet in this process."""
        outcome = Outcome(source=path)
        with _sheet_failure(outcome, self.options.debug):
            inputs = {path: file_digest(path)}
            prepared = prepare(path, self.site, self.options.profile, strict=self.options.strict)
            outcome.warnings = prepared.warnings
            inputs.update((image, file_digest(image)) for image in prepared.document.images)
            result = self.renderer.write(prepared.document)
            outcome.output, outcome.pages, outcome.inputs = result.path, result.pages, inputs
        return outcome


def write_pdfs(
    paths: list[Path],
    site: Site,
    options: BuildOptions,
    on_start: Callable[[Path], None] | None = None,
) -> Iterator[Outcome]:
    """Build each sheet into its profile's output path, yielding one outcome per sheet.

    Sheets whose inputs are unchanged since the last build (per the manifest) are skipped
    unless ``options.force``; the rest are rendered in ``options.jobs`` worker processes, each
    of which keeps WeasyPrint, the fonts and the stylesheets loaded between sheets.
    ``on_start`` is called with each sheet as its rendering begins (for progress display).
    """
    profile = options.profile
    manifest = Manifest.load(profile.folder)
    site_key = site_fingerprint(site, profile)
    pending = []
    for path in paths:
        output = profile.output_path(path.stem)
        refusal = refused_draft(path, site, output) if options.release else None
        if refusal is not None:
            manifest.forget(output)
            yield Outcome(source=path, error=refusal)
            continue
        if not options.force and manifest.is_current(path, output, site_key):
            yield Outcome(source=path, output=output, skipped=True)
        else:
            pending.append(path)
    if not pending:
        return
    if harfbuzz_subset_missing():
        LOG.warning(HARFBUZZ_SUBSET_HINT)
    remove_stale_temporaries(profile.folder)
    try:
        for outcome in _render_all(pending, Builder(site, options), on_start):
            if outcome.error is None and outcome.output is not None:
                manifest.record(outcome.source, outcome.output, site_key, outcome.inputs)
            else:
                previous = profile.output_path(outcome.source.stem)
                manifest.forget(previous)
                outcome.stale = previous if previous.is_file() else None
            yield outcome
    finally:
        manifest.save()


def refused_draft(path: Path, site: Site, output: Path) -> FactsheetError | None:
    """In a release build, the error of a sheet with ``status: draft`` (None for any other).

    An earlier PDF of the draft is removed from the output folder, so that it cannot ship.
    A sheet that cannot be read is left to the build, which reports why.
    """
    try:
        sheet, _ = read_sheet(path, site)
    except FactsheetError:
        return None
    if not sheet.is_draft:
        return None
    removed = ""
    with contextlib.suppress(FileNotFoundError):
        output.unlink()
        removed = f"; its earlier PDF {display_path(output)} was removed"
    return FactsheetError(
        path,
        sheet.field_lines.get("status"),
        "status: draft: a release build does not build drafts (set `status: final`, or leave "
        f"the field out, once it is approved){removed}",
    )


def _render_all(
    paths: list[Path], builder: Builder, on_start: Callable[[Path], None] | None
) -> Iterator[Outcome]:
    jobs = max(1, min(builder.options.jobs, len(paths)))
    if jobs == 1:
        set_aside = False
        try:
            for position, path in enumerate(paths):
                stop_if_asked()
                if on_start:
                    on_start(path)
                yield builder.build_one(path)
                if not set_aside and position + 1 < len(paths):
                    set_aside_warm_objects()
                    set_aside = True
        finally:
            if set_aside:
                gc.unfreeze()  # a long-lived process (watch) collects them again
        return
    # The longest sheets first, so that no worker is left with a long one while the others
    # have nothing more to do (content size stands for length); ties keep the order given.
    paths = sorted(paths, key=_content_size, reverse=True)
    # Workers are forked from a process whose renderer is already warm (WeasyPrint imported,
    # fonts registered, stylesheets parsed), so none of them pays for that again.
    builder.warm_up()
    stop_if_asked()
    # Objects made so far are shared with the workers; keep the collector from touching
    # (and so copying) them in every worker.
    gc.freeze()
    try:
        for outcome in render_in_workers(paths, builder, jobs, _failed_outcome, on_start):
            assert isinstance(outcome, Outcome)
            stop_if_asked()
            yield outcome
    finally:
        gc.unfreeze()


def _content_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # gone: its worker reports it


def _failed_outcome(path: Path, error: FactsheetError) -> Outcome:
    return Outcome(source=path, error=error)
