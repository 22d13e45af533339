"""``watch``: keep one warm process and rebuild the sheets each saved change affects."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

import click
import watchfiles

from .config import CONFIG_NAME, Site, load_site
from .errors import FactsheetError, display_path
from .pipeline import (
    CONTENT_SUFFIX,
    BuildOptions,
    build_one,
    find_sheets,
    forget_warm_state,
    pages_text,
)


def affected_sheets(
    changed: Iterable[Path], sheets: list[Path], images: dict[Path, set[Path]], site: Site
) -> tuple[list[Path], bool]:
    """The sheets a set of changed files affects, and whether the site settings changed.

    A changed content file affects itself; a changed image, the sheets that show it; a change
    under ``templates/`` or to ``factsheet.yaml``, every sheet.
    """
    changed = {path.resolve() for path in changed}
    site_changed = any(
        path == site.config_path or path.is_relative_to(site.templates_dir) for path in changed
    )
    if site_changed:
        return list(sheets), True
    affected = [sheet for sheet in sheets if sheet in changed or changed & images.get(sheet, set())]
    return affected, False


def _rebuild(
    paths: list[Path], site: Site, options: BuildOptions, images: dict[Path, set[Path]]
) -> None:
    for path in paths:
        started = time.perf_counter()
        outcome = build_one(path, site, options.out_dir, options.pdf_variant)
        elapsed = time.perf_counter() - started
        if outcome.error is not None:
            outcome.error.show()
            continue
        images[path] = {image.resolve() for image in outcome.images}
        pages = pages_text(outcome.pages)
        click.echo(
            f"rebuilt {display_path(outcome.output or path)} ({pages}) in {elapsed * 1000:.0f} ms"
        )


def watch_and_rebuild(paths: Iterable[Path], site: Site, options: BuildOptions) -> None:
    """Build once, then rebuild on every saved change until interrupted."""
    paths = list(paths)
    sheets = find_sheets(paths, site)
    images: dict[Path, set[Path]] = {}
    _rebuild(sheets, site, options, images)
    click.echo(f"watching {len(sheets)} sheets; press Ctrl-C to stop", err=True)
    watched = [site.content_dir, site.templates_dir, site.config_path, *paths]
    try:
        for changes in watchfiles.watch(*dict.fromkeys(watched), debounce=50, step=20):
            changed = [Path(name) for _, name in changes]
            try:
                if any(path.suffix == CONTENT_SUFFIX for path in changed) or any(
                    path.name == CONFIG_NAME for path in changed
                ):
                    sheets = find_sheets(paths, site)
                affected, site_changed = affected_sheets(changed, sheets, images, site)
                if site_changed:
                    site = load_site(site.root)
                    forget_warm_state()
                _rebuild([sheet for sheet in affected if sheet.exists()], site, options, images)
            except FactsheetError as error:
                error.show()
    except KeyboardInterrupt:
        click.echo("stopped watching", err=True)
