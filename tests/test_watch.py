"""``watch``: which sheets a saved change affects, and the command end to end."""

from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
from helpers import PROJECT_ROOT, flat, invoke, pdftotext, sheet_text, write_sheet

from factsheet.config import Site, load_site
from factsheet.watch import affected_sheets

# affected_sheets ------------------------------------------------------------------------------


@pytest.fixture
def site(project: Path) -> Site:
    """The site of a fresh project."""
    return load_site(project)


@pytest.fixture
def layout(site: Site) -> tuple[list[Path], dict[Path, set[Path]]]:
    """Sheets a, b, c (as ``find_sheets`` gives them: resolved) and the images each showed:
    a and b show shared.png, b also b.png, c none."""
    content = site.content_dir.resolve()
    sheets = [content / f"{name}.md" for name in ("a", "b", "c")]
    shared, own = content / "shared.png", content / "b.png"
    images = {sheets[0]: {shared}, sheets[1]: {shared, own}, sheets[2]: set()}
    return sheets, images


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (["content/a.md"], ["a"]),
        (["content/c.md"], ["c"]),
        (["content/b.png"], ["b"]),
        (["content/shared.png"], ["a", "b"]),
        (["content/c.md", "content/b.png"], ["b", "c"]),
        (["content/unused.png"], []),
        (["content/notes.txt"], []),
        (["content/new.md"], []),
        (["dist/a.pdf"], []),
        (["README.md"], []),
    ],
)
def test_affected_sheets_of_content_and_images(
    site: Site,
    layout: tuple[list[Path], dict[Path, set[Path]]],
    changed: list[str],
    expected: list[str],
) -> None:
    """A content file affects itself; an image, the sheets that show it; anything else,
    nothing; the site settings are unchanged."""
    sheets, images = layout
    affected, site_changed = affected_sheets(
        [site.root / name for name in changed], sheets, images, site
    )
    assert [path.stem for path in affected] == expected
    assert site_changed is False


@pytest.mark.parametrize(
    "changed",
    [
        ["factsheet.yaml"],
        ["templates/factsheet.css"],
        ["templates/factsheet.html"],
        ["templates/emblem.svg"],
        ["templates/fonts/PublicSans-Regular.ttf"],
        ["templates/new-partial.html"],
        ["content/a.md", "templates/factsheet.css"],
    ],
)
def test_affected_sheets_of_site_changes(
    site: Site, layout: tuple[list[Path], dict[Path, set[Path]]], changed: list[str]
) -> None:
    """A change to factsheet.yaml or anything under templates/ affects every sheet and
    reports the site as changed."""
    sheets, images = layout
    affected, site_changed = affected_sheets(
        [site.root / name for name in changed], sheets, images, site
    )
    assert affected == sheets
    assert site_changed is True


def test_affected_sheets_of_nothing(
    site: Site, layout: tuple[list[Path], dict[Path, set[Path]]]
) -> None:
    """No change affects nothing."""
    sheets, images = layout
    assert affected_sheets([], sheets, images, site) == ([], False)


def test_affected_sheets_resolves_changed_paths(
    site: Site, layout: tuple[list[Path], dict[Path, set[Path]]]
) -> None:
    """A changed path spelled with ``..`` still names its sheet."""
    sheets, images = layout
    spelled = site.root / "templates" / ".." / "content" / "b.md"
    affected, site_changed = affected_sheets([spelled], sheets, images, site)
    assert [path.stem for path in affected] == ["b"]
    assert site_changed is False


# watch end to end -----------------------------------------------------------------------------

TIMEOUT = 30.0
RETOUCH_EVERY = 3.0


class Lines:
    """Lines of a running process's output, read by a thread so waiting can time out."""

    def __init__(self, stream: IO[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, retouch: Callable[[], None] | None = None) -> str:
        """The next line matching ``pattern``; fail after ``TIMEOUT`` seconds or at the end of
        the output. ``retouch`` is called every few seconds meanwhile (a save made before the
        watcher was ready is not seen, so it is made again)."""
        deadline = time.monotonic() + TIMEOUT
        next_retouch = time.monotonic() + RETOUCH_EVERY
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                if retouch is not None and time.monotonic() >= next_retouch:
                    retouch()
                    next_retouch = time.monotonic() + RETOUCH_EVERY
                continue
            if line is None:
                pytest.fail(f"watch exited while waiting for {pattern!r}:\n{self.output()}")
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        pytest.fail(f"no line matching {pattern!r} within {TIMEOUT:.0f} s:\n{self.output()}")

    def output(self) -> str:
        """Everything read so far."""
        return "\n".join(self.seen)


@contextlib.contextmanager
def watching(project: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    """``python build.py watch ARGS`` running in ``project``; stopped on the way out."""
    process = subprocess.Popen(
        [sys.executable, "-u", str(PROJECT_ROOT / "build.py"), "watch", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    try:
        yield process, Lines(process.stdout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        process.stdout.close()


def save(path: Path, text: str) -> Callable[[], None]:
    """Write ``text`` to ``path``; return a function that writes it again."""

    def write() -> None:
        path.write_text(text, encoding="utf-8")

    write()
    return write


def test_watch_rebuilds_on_save_and_survives_errors(project: Path) -> None:
    """watch builds the sheet, rebuilds it when it is saved, prints a problem as
    ``path:line: message`` without stopping (the last good PDF stays), rebuilds once the
    problem is fixed, does the same for a broken factsheet.yaml, and stops on SIGTERM."""
    source = write_sheet(project, "a", sheet_text("Watched Sheet", "The original paragraph."))
    pdf = project / "dist" / "a.pdf"
    rebuilt = r"^rebuilt dist/a\.pdf \(\d+ pages?\)"
    with watching(project, "content/a.md") as (process, lines):
        lines.wait_for(rebuilt)
        lines.wait_for(r"^watching ")
        assert "The original paragraph." in flat(pdftotext(pdf))

        edited = sheet_text("Watched Sheet", "An edited paragraph about pomegranates.")
        lines.wait_for(rebuilt, retouch=save(source, edited))
        assert "An edited paragraph about pomegranates." in flat(pdftotext(pdf))

        broken = sheet_text("Watched Sheet", "A broken paragraph.", colour="blue")
        lines.wait_for(r"^content/a\.md:4: unknown field `colour`", retouch=save(source, broken))
        time.sleep(0.5)  # let a late event (if any) be handled before checking it is alive
        assert process.poll() is None, f"watch stopped after an error:\n{lines.output()}"
        assert "An edited paragraph about pomegranates." in flat(pdftotext(pdf))

        fixed = sheet_text("Watched Sheet", "A fixed paragraph about quinces.")
        lines.wait_for(rebuilt, retouch=save(source, fixed))
        assert "A fixed paragraph about quinces." in flat(pdftotext(pdf))

        settings = project / "factsheet.yaml"
        good_settings = settings.read_text(encoding="utf-8")
        lines.wait_for(
            r"^factsheet\.yaml:\d+: unknown field `colour`",
            retouch=save(settings, good_settings + "\ncolour: blue\n"),
        )
        time.sleep(0.5)
        assert process.poll() is None, f"watch stopped after a settings error:\n{lines.output()}"
        lines.wait_for(rebuilt, retouch=save(settings, good_settings))

        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail(f"watch did not stop on SIGTERM:\n{lines.output()}")
    assert not list((project / "dist").glob("*.tmp")), "temporary files left behind"


def test_an_emblem_change_rebuilds_every_sheet(site: Site, layout: tuple) -> None:
    """The emblem is part of every sheet, wherever factsheet.yaml keeps it."""
    sheets, images = layout
    affected, site_changed = affected_sheets([site.emblem_path], sheets, images, site)
    assert (affected, site_changed) == (sheets, True)


def test_failed_sheets_are_retried_when_an_input_changes(site: Site, layout: tuple) -> None:
    """A sheet that failed (an image not yet saved, say) is tried again when a file its text
    names changes, and only then: not on every change under content/."""
    sheets, images = layout
    sheets[2].write_text(sheet_text("C", "![A map](now-saved.png)"), encoding="utf-8")
    failed = {sheets[2]}
    changed = [site.content_dir / "now-saved.png"]
    assert affected_sheets(changed, sheets, images, site, failed) == ([sheets[2]], False)
    unrelated = [site.content_dir / "other.png", site.content_dir / "notes.txt"]
    assert affected_sheets(unrelated, sheets, images, site, failed) == ([], False)
    outside = [site.root / "README.md"]
    assert affected_sheets(outside, sheets, images, site, failed) == ([], False)


def test_watcher_builds_a_sheet_once_its_missing_image_is_saved(
    in_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first build fails (image missing); saving the image rebuilds the sheet, and the
    manifest then knows the PDF is current, so a later `pdf` skips it."""
    from PIL import Image

    from factsheet.watch import Watcher

    write_sheet(in_project, "a", sheet_text("Sheet A", "![A chart](chart.png)"))
    site = load_site(in_project)
    watcher = Watcher([], site, in_project / "dist", None)
    watcher.rebuild(watcher.sheets)
    assert "image 'chart.png' not found" in capsys.readouterr().err
    image = in_project / "content" / "chart.png"
    Image.new("RGB", (40, 20), (0, 94, 162)).save(image)
    watcher.on_change([image])
    assert "rebuilt dist/a.pdf (1 page)" in capsys.readouterr().out
    result = invoke("pdf", "-j", "1")
    assert "0 built, 1 skipped, 0 failed" in result.stderr
