"""Incremental builds: a content-hash manifest of what each PDF was built from.

A sheet is rebuilt only when something it depends on has changed: its content file, the images
it references, anything under ``templates/`` (templates, stylesheets, fonts, emblem),
``factsheet.yaml``, the output profile (paper, PDF variant, marks), the tool's own code and
message catalogs, or the versions of the packages that make the PDF (markdown-it-py,
mdit-py-plugins, Jinja2, Babel, WeasyPrint, pydyf, pikepdf).
Reading the manifest and hashing inputs imports neither WeasyPrint nor the Markdown stage.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__
from .config import Site
from .files import atomic_output
from .profiles import OutputProfile

MANIFEST_NAME = ".factsheet-manifest.json"
# The packages whose version can change a PDF's bytes: Markdown, templates, layout, writing.
OUTPUT_PACKAGES = (
    "markdown-it-py",
    "mdit-py-plugins",
    "jinja2",
    "babel",
    "weasyprint",
    "pydyf",
    "pikepdf",
)
FORMAT = 1
# Messages that belong to no sheet; the CLI prints them as warnings.
LOG = logging.getLogger("factsheet")


def file_digest(path: Path) -> str:
    """The SHA-256 of a regular file's bytes, or ``"missing"`` (a pipe is never read)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return "missing"
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (OSError, ValueError):
        return "missing"


# A template file larger than this (a font: the CJK collections are 20 MB each) is known by
# its size and modification time, not its bytes, so that a build with nothing to do stays fast.
LARGE_FILE = 1 << 20


def template_digest(path: Path) -> str:
    """The digest of a file under ``templates/``: its bytes, or a large file's size and time."""
    try:
        status = path.stat()
    except OSError:
        return "missing"
    if status.st_size > LARGE_FILE:
        return f"size {status.st_size} time {status.st_mtime_ns}"
    return file_digest(path)


def site_fingerprint(site: Site, profile: OutputProfile) -> str:
    """A hash of everything every sheet depends on: settings, templates, code, catalogs,
    package versions and the output profile."""
    digest = hashlib.sha256()
    digest.update(f"factsheet {__version__}\0".encode())
    # The tool's own code counts too, so that a change to it between releases rebuilds.
    package = Path(__file__).parent
    for path in sorted([*package.rglob("*.py"), *package.glob("locales/*.po")]):
        digest.update(f"{path.relative_to(package).as_posix()} {file_digest(path)}\0".encode())
    for name in OUTPUT_PACKAGES:
        digest.update(f"{name} {metadata.version(name)}\0".encode())
    digest.update(f"{profile.fingerprint}\0".encode())
    digest.update(f"config {file_digest(site.config_path)}\0".encode())
    digest.update(f"emblem {file_digest(site.emblem_path)}\0".encode())
    # An output folder inside templates/ is not a template: its PDFs must not change the key.
    outputs = profile.folder.resolve()
    templates = (path for path in site.templates_dir.rglob("*") if path.is_file())
    for path in sorted(p for p in templates if not p.resolve().is_relative_to(outputs)):
        relative = path.relative_to(site.templates_dir).as_posix()
        digest.update(f"{relative} {template_digest(path)}\0".encode())
    return digest.hexdigest()


@dataclass
class Entry:
    """What one PDF was built from."""

    site: str
    source: str
    images: dict[str, str] = field(default_factory=dict)
    output_size: int = 0


def _entry(data: object) -> Entry | None:
    """An entry read from JSON, or ``None`` when its fields are not of the right types."""
    if not isinstance(data, dict) or set(data) != {"site", "source", "images", "output_size"}:
        return None
    images = data["images"]
    if not (
        isinstance(data["site"], str)
        and isinstance(data["source"], str)
        and isinstance(data["output_size"], int)
        and isinstance(images, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in images.items())
    ):
        return None
    return Entry(**data)


@dataclass
class Manifest:
    """The manifest of one output folder."""

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        """Read the manifest of ``out_dir``.

        Whatever is there, it cannot break a build: a missing manifest, or one of another
        format, is empty; a damaged one (not JSON, wrong types, a folder in its place) is empty
        too, with one warning. An empty manifest means "rebuild".
        """
        path = out_dir / MANIFEST_NAME
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            LOG.warning(f"{path}: unreadable ({error}); every sheet is rebuilt")
            return cls(path)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return cls(path)
        sheets = data.get("sheets")
        read = {
            name: _entry(value)
            for name, value in (sheets.items() if isinstance(sheets, dict) else [])
        }
        entries = {name: entry for name, entry in read.items() if entry is not None}
        if not isinstance(sheets, dict) or len(entries) != len(sheets):
            LOG.warning(f"{path}: damaged; the sheets it does not describe are rebuilt")
        return cls(path, entries)

    def is_current(self, source: Path, output: Path, site_key: str) -> bool:
        """True when ``output`` exists and was built from exactly the current inputs.

        Image paths are recorded relative to the content file, so a project copied elsewhere
        with its output folder checks its own images.
        """
        entry = self.entries.get(output.name)
        if entry is None or entry.site != site_key or entry.source != file_digest(source):
            return False
        try:
            if output.stat().st_size != entry.output_size:
                return False
        except OSError:
            return False
        return all(
            file_digest(source.parent / image) == digest for image, digest in entry.images.items()
        )

    def record(self, source: Path, output: Path, site_key: str, inputs: dict[Path, str]) -> None:
        """Remember what ``output`` was just built from.

        ``inputs`` maps the content file and the images it shows to their digests, taken
        before rendering: a file saved during the render then differs, and is rebuilt.
        """
        self.entries[output.name] = Entry(
            site=site_key,
            source=inputs[source],
            images={
                os.path.relpath(path, source.parent): digest
                for path, digest in inputs.items()
                if path != source
            },
            output_size=output.stat().st_size,
        )

    def forget(self, output: Path) -> None:
        """Drop ``output`` (it failed to build, so it must be tried again next time)."""
        self.entries.pop(output.name, None)

    def save(self) -> None:
        """Write the manifest atomically; if it cannot be written, warn (the PDFs stand)."""
        try:
            self._write()
        except OSError as error:
            LOG.warning(
                f"{self.path}: cannot be written ({error.strerror}); the next build may "
                "rebuild sheets that are up to date"
            )

    def _write(self) -> None:
        data = {
            "format": FORMAT,
            "sheets": {name: vars(entry) for name, entry in sorted(self.entries.items())},
        }
        with atomic_output(self.path, stoppable=False) as temporary:
            temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
