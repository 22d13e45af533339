"""``watch``: keep one warm process and rebuild the sheets each saved change affects."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import quote

import click
import watchfiles

from .config import CONFIG_NAME, Site, load_site
from .errors import FactsheetError, display_path, unexpected
from .files import TEMPORARY_SUFFIX
from .manifest import Manifest, site_fingerprint
from .pipeline import (
    CONTENT_SUFFIX,
    Builder,
    BuildOptions,
    Outcome,
    failure_text,
    find_sheets,
    pages_text,
)
from .profiles import OutputProfile, build_profile


def affected_sheets(
    changed: Iterable[Path],
    sheets: list[Path],
    images: dict[Path, set[Path]],
    site: Site,
    failed: Iterable[Path] = (),
) -> tuple[list[Path], bool]:
    """The sheets a set of changed files affects, and whether the site settings changed.

    A changed content file affects itself; a changed image, the sheets that show it; a change
    under ``templates/``, to the emblem or to ``factsheet.yaml``, every sheet. A sheet whose
    last build failed is retried when one of its inputs changes: itself, an image it showed
    before, or a file its text names (the image it lacked may just have been saved), never on
    a change that concerns it not (a retry cannot loop on the build's own output).
    """
    changed = {path.resolve() for path in changed}
    site_changed = any(
        path in (site.config_path, site.emblem_path) or path.is_relative_to(site.templates_dir)
        for path in changed
    )
    if site_changed:
        return list(sheets), True
    retried = {sheet for sheet in failed if _names_any(sheet, changed)}
    affected = [
        sheet
        for sheet in sheets
        if sheet in changed or changed & images.get(sheet, set()) or sheet in retried
    ]
    return affected, False


def _names_any(sheet: Path, files: set[Path]) -> bool:
    """True when the text of ``sheet`` names one of ``files`` (by file name)."""
    try:
        text = sheet.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(path.name in text or quote(path.name) in text for path in files)


class Watcher:
    """The state of one watch session: settings, sheets, what each shows, what failed.

    It owns one :class:`Builder` (and so one warm renderer), made anew when the settings or
    templates change.
    """

    def __init__(
        self,
        paths: list[Path],
        site: Site,
        out_dir: Path | None,
        pdf_variant: str | None,
        *,
        profile_name: str | None = None,
        strict: bool = False,
        debug: bool = False,
        listener: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.paths = paths
        self.profile_option = profile_name
        # Told of every sheet's outcome (the preview server shows the new PDF or the errors).
        self.listener = listener
        self.debug = debug
        self.out_dir = out_dir
        self.variant_option = pdf_variant
        self.strict = strict
        self.sheets = find_sheets(paths, site)
        self.images: dict[Path, set[Path]] = {}
        self.failed: set[Path] = set()
        self.builder = self._builder(site)
        self.manifest = Manifest.load(self.profile.folder)
        self.site_key = site_fingerprint(site, self.profile)

    def _builder(self, site: Site) -> Builder:
        # The command line's variant, else the (possibly just edited) settings' one.
        profile = build_profile(
            site, name=self.profile_option, out_dir=self.out_dir, pdf_variant=self.variant_option
        )
        return Builder(site, BuildOptions(profile=profile, strict=self.strict, debug=self.debug))

    @property
    def site(self) -> Site:
        """The settings in force."""
        return self.builder.site

    @property
    def profile(self) -> OutputProfile:
        """The output profile in force."""
        return self.builder.options.profile

    def rebuild(self, sheets: Iterable[Path]) -> None:
        """Build ``sheets`` now, report each, and keep the manifest in step with the PDFs."""
        for path in sheets:
            started = time.perf_counter()
            outcome = self.builder.build_one(path)
            elapsed = time.perf_counter() - started
            if self.listener is not None:
                self.listener(outcome)
            for warning in outcome.warnings:
                click.echo(warning.format(), err=True)
            if outcome.error is not None or outcome.output is None:
                self.failed.add(path)
                previous = self.profile.output_path(path.stem)
                self.manifest.forget(previous)
                outcome.stale = previous if previous.is_file() else None
                if outcome.error is not None:
                    click.echo(failure_text(outcome), err=True)
                continue
            self._built(path, outcome, elapsed)
        self.manifest.save()

    def _built(self, path: Path, outcome: Outcome, elapsed: float) -> None:
        assert outcome.output is not None
        self.failed.discard(path)
        self.images[path] = {image.resolve() for image in outcome.inputs if image != path}
        self.manifest.record(path, outcome.output, self.site_key, outcome.inputs)
        click.echo(
            f"rebuilt {display_path(outcome.output)} ({pages_text(outcome.pages)}) "
            f"in {elapsed * 1000:.0f} ms"
        )

    def is_output(self, path: Path) -> bool:
        """True for a file this tool writes: an output, its manifest, a temporary file.

        Changes to them are not the user's, even with the output folder inside a watched one
        (``--out content``, ``--out templates/out``): watching them would rebuild forever.
        """
        if path.name.endswith(TEMPORARY_SUFFIX):
            return True
        try:
            inside = path.resolve().is_relative_to(self.profile.folder.resolve())
        except (OSError, RuntimeError):
            return False
        return inside and path.suffix != CONTENT_SUFFIX

    def on_change(self, changed: list[Path]) -> None:
        """Rebuild what ``changed`` affects, reloading settings and sheets when needed."""
        changed = [path for path in changed if not self.is_output(path)]
        if not changed:
            return
        if any(path.suffix == CONTENT_SUFFIX or path.name == CONFIG_NAME for path in changed):
            self.sheets = find_sheets(self.paths, self.site)
        affected, site_changed = affected_sheets(
            changed, self.sheets, self.images, self.site, self.failed
        )
        if site_changed:
            self.builder = self._builder(load_site(self.site.root))
            self.site_key = site_fingerprint(self.site, self.profile)
        self.rebuild(sheet for sheet in affected if sheet.exists())


def watch_and_rebuild(
    paths: Iterable[Path],
    site: Site,
    out_dir: Path | None,
    pdf_variant: str | None,
    *,
    profile_name: str | None = None,
    strict: bool = False,
    debug: bool = False,
    listener: Callable[[Outcome], None] | None = None,
    on_problem: Callable[[str], None] | None = None,
    on_ready: Callable[[Watcher], None] | None = None,
) -> None:
    """Build once, then rebuild on every saved change until interrupted.

    ``listener`` is told of each sheet's outcome, ``on_problem`` of a change that could not be
    built (a settings file that cannot be read), ``on_ready`` of the watcher after the first
    build (the preview server starts then).
    """
    watcher = Watcher(
        list(paths),
        site,
        out_dir,
        pdf_variant,
        profile_name=profile_name,
        strict=strict,
        debug=debug,
        listener=listener,
    )
    watcher.rebuild(watcher.sheets)
    if on_ready is not None:
        on_ready(watcher)
    count = len(watcher.sheets)
    click.echo(f"watching {count} sheet{'s' * (count != 1)}; press Ctrl-C to stop", err=True)
    watched = [site.content_dir, site.templates_dir, site.config_path, site.emblem_path, *paths]
    try:
        for changes in watchfiles.watch(*dict.fromkeys(watched), debounce=50, step=10):
            try:
                watcher.on_change([Path(name) for _, name in changes])
            except FactsheetError as error:
                click.echo(error.format_message(), err=True)
                if on_problem is not None:
                    on_problem(error.format_message())
            except Exception as error:
                # Whatever a change does (a settings file that cannot be read, say), watching
                # goes on; --debug shows the traceback instead.
                if debug:
                    raise
                message = unexpected(site.config_path, error).format_message()
                click.echo(message, err=True)
                if on_problem is not None:
                    on_problem(message)
    except KeyboardInterrupt:
        click.echo("stopped watching", err=True)
