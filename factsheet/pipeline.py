"""The build: find the sheets, prepare each (load → markdown → render), write PDFs, report.

Preparing a sheet never imports WeasyPrint; only the PDF stage does, once per process.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import signal
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Site
from .content import read_sheet
from .errors import FactsheetError, ProblemsError, display_path, problems_of
from .files import (
    HARFBUZZ_SUBSET_HINT,
    atomic_output,
    harfbuzz_subset_missing,
    remove_stale_temporaries,
)
from .manifest import Manifest, file_digest, site_fingerprint
from .markdown import render_body
from .render import HtmlDocument, render_document

if TYPE_CHECKING:
    from .pdf import PdfRenderer

CONTENT_SUFFIX = ".md"
LOG = logging.getLogger("factsheet")
# prctl(2) option: the signal a process receives when its parent dies (Linux).
PR_SET_PDEATHSIG = 1


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
    unique = list(dict.fromkeys(path.resolve() for path in found))
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


def prepare(path: Path, site: Site) -> HtmlDocument:
    """Load, validate and render one content file to its HTML document.

    Raises every problem in the file at once: front matter and body are both checked.
    """
    sheet, problems = read_sheet(path, site)
    try:
        body = render_body(sheet, site)
    except FactsheetError as error:
        raise ProblemsError([*problems, *problems_of(error)]) from None
    if problems:
        raise ProblemsError(problems)
    return render_document(sheet, body, site)


def check(paths: list[Path], site: Site) -> Iterator[Outcome]:
    """Validate each sheet as far as its HTML document, without laying it out."""
    for path in paths:
        outcome = Outcome(source=path)
        try:
            prepare(path, site)
        except FactsheetError as error:
            outcome.error = error
        yield outcome


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
    skipped: bool = False
    # Digests of the content file and its images, taken before rendering.
    inputs: dict[Path, str] = field(default_factory=dict)


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


def write_html(paths: list[Path], site: Site, out_dir: Path) -> Iterator[Outcome]:
    """Write each sheet's HTML document (the exact input of its PDF) to ``out_dir``."""
    for path in paths:
        outcome = Outcome(source=path)
        try:
            document = prepare(path, site)
            target = out_dir / f"{path.stem}.html"
            with atomic_output(target) as temporary:
                temporary.write_text(document.html, encoding="utf-8")
            outcome.output = target
        except FactsheetError as error:
            outcome.error = error
        yield outcome


def in_shard(path: Path, shard: tuple[int, int] | None) -> bool:
    """True when ``path`` belongs to shard ``(k, n)``: a stable partition by file name."""
    if shard is None:
        return True
    index, count = shard
    return zlib.crc32(path.name.encode()) % count == index - 1


# One warm renderer per worker process, created on its first sheet and reused for the rest.
_renderer: PdfRenderer | None = None


def build_one(path: Path, site: Site, out_dir: Path, pdf_variant: str) -> Outcome:
    """Prepare and render one sheet in this process, reusing its warm WeasyPrint set-up."""
    outcome = Outcome(source=path)
    target = out_dir / f"{path.stem}.pdf"
    try:
        inputs = {path: file_digest(path)}
        document = prepare(path, site)
        inputs.update((image, file_digest(image)) for image in document.images)
        renderer = _warm_renderer(site, pdf_variant)
        try:
            result = renderer.write(document, target)
        except OSError as error:
            raise FactsheetError(target, None, f"cannot write the PDF: {error.strerror}") from None
        outcome.output, outcome.pages, outcome.inputs = result.path, result.pages, inputs
    except FactsheetError as error:
        outcome.error = error
    return outcome


def _warm_renderer(site: Site, pdf_variant: str) -> PdfRenderer:
    global _renderer  # noqa: PLW0603 - the per-process cache is the point
    if _renderer is None or _renderer.site != site or _renderer.pdf_variant != pdf_variant:
        from .pdf import PdfRenderer  # noqa: PLC0415 - lazy: imports WeasyPrint

        _renderer = PdfRenderer(site, pdf_variant)
    return _renderer


def warm_up(site: Site, pdf_variant: str) -> None:
    """Get this process's renderer ready (before forking workers that inherit it)."""
    _warm_renderer(site, pdf_variant).warm_up()


def forget_warm_state() -> None:
    """Drop this process's renderer (templates or settings changed: reload them)."""
    global _renderer  # noqa: PLW0603
    _renderer = None


def _start_worker() -> None:
    """Set up a worker process: it dies with its parent, and idles without Python handlers."""
    # A worker whose parent is killed (kill -9) must not wait for work forever.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # An idle worker ends at once on SIGTERM; a busy one (below) first removes its
    # temporary file.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _build_in_worker(job: tuple[Path, Site, Path, str]) -> Outcome:
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return build_one(*job)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@dataclass(frozen=True)
class BuildOptions:
    """How to build: where to, in which PDF flavour, on how many cores, forced or not."""

    out_dir: Path
    pdf_variant: str
    jobs: int = 1
    force: bool = False


def write_pdfs(
    paths: list[Path],
    site: Site,
    options: BuildOptions,
    on_start: Callable[[Path], None] | None = None,
) -> Iterator[Outcome]:
    """Build each sheet into ``out_dir/<name>.pdf``, yielding one outcome per sheet.

    Sheets whose inputs are unchanged since the last build (per the manifest) are skipped
    unless ``options.force``; the rest are rendered in ``options.jobs`` worker processes, each
    of which keeps WeasyPrint, the fonts and the stylesheet loaded between sheets.
    ``on_start`` is called with each sheet as its rendering begins (for progress display).
    """
    manifest = Manifest.load(options.out_dir)
    site_key = site_fingerprint(site, options.pdf_variant)
    pending = []
    for path in paths:
        output = options.out_dir / f"{path.stem}.pdf"
        if not options.force and manifest.is_current(path, output, site_key):
            yield Outcome(source=path, output=output, skipped=True)
        else:
            pending.append(path)
    if not pending:
        return
    if harfbuzz_subset_missing():
        LOG.warning(HARFBUZZ_SUBSET_HINT)
    remove_stale_temporaries(options.out_dir)
    try:
        for outcome in _render_all(pending, site, options, on_start):
            if outcome.error is None and outcome.output is not None:
                manifest.record(outcome.source, outcome.output, site_key, outcome.inputs)
            else:
                manifest.forget(options.out_dir / f"{outcome.source.stem}.pdf")
            yield outcome
    finally:
        manifest.save()


def _render_all(
    paths: list[Path],
    site: Site,
    options: BuildOptions,
    on_start: Callable[[Path], None] | None,
) -> Iterator[Outcome]:
    jobs = max(1, min(options.jobs, len(paths)))
    if jobs == 1:
        for path in paths:
            if on_start:
                on_start(path)
            yield build_one(path, site, options.out_dir, options.pdf_variant)
        return
    # Workers are forked from a process whose renderer is already warm (WeasyPrint imported,
    # fonts registered, stylesheet parsed), so none of them pays for that again.
    warm_up(site, options.pdf_variant)
    # Objects made so far are shared with the workers; keep the collector from touching
    # (and so copying) them in every worker.
    gc.freeze()
    pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_start_worker)
    try:
        work = [(path, site, options.out_dir, options.pdf_variant) for path in paths]
        # Workers take the sheets in order, so the first one not yet done is being rendered.
        unfinished = dict.fromkeys(paths)
        if on_start:
            on_start(paths[0])
        for outcome in pool.imap_unordered(_build_in_worker, work, chunksize=1):
            del unfinished[outcome.source]
            if on_start and unfinished:
                on_start(next(iter(unfinished)))
            yield outcome
    finally:
        # Idle workers end at once on SIGTERM; one interrupted mid-sheet cleans up first.
        pool.terminate()
        gc.unfreeze()
