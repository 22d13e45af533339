"""The web version (`factsheet html`): a site folder that can be moved, valid HTML, readable on
a phone.

Checked with the Nu Html Checker (npm vnu-jar, run on the machine's Java) and headless
Chromium (Debian chromium): zero errors; no horizontal scroll at 375 px (measured in a 375-px
frame, since a desktop window cannot be that narrow); screenshots at phone and desktop width.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import PROJECT_ROOT, make_project, run_cli
from PIL import Image

VNU = PROJECT_ROOT / ".venv" / "npm" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SAMPLES = [
    "content/international-criminal-court.md",
    "docs/gallery/photo-caption.md",
    "docs/gallery/clinic.jpg",
    "docs/gallery/funding-table.md",
    "docs/layouts/joint-statement.md",
    "docs/layouts/partner-emblem.svg",
    "docs/layouts/media-note.md",
    "docs/layouts/two-columns.md",
    "docs/languages/ar.md",
    "docs/languages/zh-hans.md",
]


class References(HTMLParser):
    """Every href and src of a page, and the html element's lang and dir."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.root: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.root = values
        for name in ("href", "src"):
            if values.get(name):
                self.urls.append(values[name] or "")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("web") / "project")
    for sample in SAMPLES:
        shutil.copy(PROJECT_ROOT / sample, project / "content")
    result = run_cli(["html"], cwd=project)
    assert result.returncode == 0, result.stderr
    return project / "dist" / "html"


def pages(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.html"))


def _check_references(folder: Path) -> None:
    for page in pages(folder):
        found = References()
        found.feed(page.read_text("utf-8"))
        for url in found.urls:
            if url.startswith(("data:", "https:", "http:", "mailto:", "#")):
                continue
            assert not url.startswith(("file:", "/")), f"{page.name}: {url}"
            assert (folder / url.split("#")[0]).is_file(), f"{page.name}: {url} is missing"
    for stylesheet in folder.rglob("*.css"):
        for url in re.findall(r"url\(\s*[\"']?([^\"')]+)", stylesheet.read_text("utf-8")):
            if not url.startswith("data:"):
                assert (stylesheet.parent / url).is_file(), f"{stylesheet.name}: {url}"


def test_every_link_is_relative_and_the_folder_moves(site: Path, tmp_path: Path) -> None:
    assert len(pages(site)) == 9  # 8 sheets and the index
    _check_references(site)
    moved = tmp_path / "elsewhere" / "site"
    shutil.copytree(site, moved)
    shutil.rmtree(site.parent.parent / "content")  # nothing may still lead into the project
    try:
        _check_references(moved)
        project = str(site.parent.parent)
        for path in moved.rglob("*"):
            if path.suffix in (".html", ".css"):
                assert project not in path.read_text("utf-8"), path.name
    finally:
        (site.parent.parent / "content").mkdir()


def test_each_page_links_its_pdf_and_sets_language_and_direction(site: Path) -> None:
    for name, lang, direction in (("ar", "ar", "rtl"), ("zh-hans", "zh-Hans", "ltr")):
        found = References()
        found.feed((site / f"{name}.html").read_text("utf-8"))
        assert found.root["lang"] == lang and found.root["dir"] == direction
        assert f"{name}.pdf" in found.urls
        assert (site / f"{name}.pdf").read_bytes().startswith(b"%PDF-")
    index = (site / "index.html").read_text("utf-8")
    assert 'href="international-criminal-court.html"' in index


def test_valid_html_by_the_nu_checker(site: Path) -> None:
    assert VNU.is_file(), "the test tool vnu-jar is missing: make test installs it (npm)"
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, pages(site))],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,  # exit 1 on an error: the messages say which
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    assert messages == [], messages
    assert result.returncode == 0


def chromium(*arguments: str, profile: Path) -> str:
    browser = shutil.which("chromium")
    assert browser is not None, "Debian chromium is missing (apt-get install chromium)"
    result = subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={profile}",
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def _measured(site: Path, page: str, width: int, tmp_path: Path) -> dict[str, int]:
    """The page in a frame ``width`` px wide: its scroll and client widths, and how many link
    notes (printed addresses) are shown and links are there."""
    probe = site / f"probe-{page}"
    probe.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>probe</title></head>"
        f"<body style='margin:0'><iframe id='f' src='{page}' style='border:0;width:{width}px;"
        "height:8000px'></iframe><script>document.getElementById('f').onload = function () {"
        "var d = this.contentDocument; var notes = 0;"
        "d.querySelectorAll('.link-note').forEach(function (n) {"
        "  if (n.offsetParent !== null && !n.querySelector('.disclaimer')) notes++; });"
        "document.title = JSON.stringify({scroll: d.documentElement.scrollWidth,"
        " client: d.documentElement.clientWidth, notes: notes,"
        " links: d.querySelectorAll('.body a[href^=\"http\"]').length}); };</script>"
        "</body></html>",
        "utf-8",
    )
    try:
        dom = chromium("--dump-dom", probe.as_uri(), profile=tmp_path / "chromium")
    finally:
        probe.unlink()
    title = re.search(r"<title>(\{.*?\})</title>", dom)
    assert title, dom[:500]
    return json.loads(title.group(1).replace("&quot;", '"'))


@pytest.mark.parametrize(
    "page",
    [
        "international-criminal-court.html",
        "funding-table.html",
        "ar.html",
        "two-columns.html",
        "joint-statement.html",
        "photo-caption.html",
    ],
)
def test_no_horizontal_scroll_on_a_phone_and_links_without_notes(
    site: Path, page: str, tmp_path: Path
) -> None:
    measured = _measured(site, page, 375, tmp_path)
    assert measured["client"] == 375
    assert measured["scroll"] <= measured["client"], measured
    assert measured["notes"] == 0, "a printed address is shown on screen"


def test_the_link_is_clickable_on_screen(site: Path, tmp_path: Path) -> None:
    measured = _measured(site, "international-criminal-court.html", 1024, tmp_path)
    assert measured["links"] >= 1 and measured["notes"] == 0


@pytest.mark.parametrize(("width", "height"), [(375, 1400), (1280, 1000)])
def test_screenshots_at_phone_and_desktop_width(
    site: Path, tmp_path: Path, width: int, height: int
) -> None:
    shot = tmp_path / f"shot-{width}.png"
    chromium(
        f"--window-size={width},{height}",
        f"--screenshot={shot}",
        (site / "photo-caption.html").as_uri(),
        profile=tmp_path / "chromium",
    )
    image = Image.open(shot).convert("L")
    assert image.size[0] >= min(width, 500)  # a desktop window is at least 500 px wide
    # The page is drawn: the title's dark ink and the white paper are both there.
    low, high = image.getextrema()
    assert low < 80 and high > 240


def test_text_about_file_urls_stays_text_and_names_are_encoded(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    shutil.copy(PROJECT_ROOT / "docs" / "gallery" / "clinic.jpg", project / "content" / "a#b.jpg")
    (project / "content" / "one.md").write_text(
        "---\ntitle: One\ndate: 2026-11-30\n---\n"
        "The draft is at file:///etc/hosts and `file:///tmp/x`.\n\n"
        "![A clinic](a%23b.jpg)\n",
        "utf-8",
    )
    (project / "content" / "two.md").write_text(
        "---\ntitle: Two\ndate: 2026-11-30\n---\nText.\n", "utf-8"
    )
    assert run_cli(["html"], cwd=project).returncode == 0
    site = project / "dist" / "html"
    page = (site / "one.html").read_text("utf-8")
    assert "file:///etc/hosts" in page  # the text, unchanged
    assert not (site / "media" / "hosts").exists()
    assert 'src="media/a%23b.jpg"' in page and (site / "media" / "a#b.jpg").is_file()
    # A later run for one sheet keeps the others in the index.
    result = run_cli(["html", "content/two.md"], cwd=project)
    assert result.returncode == 0, result.stderr
    index = (site / "index.html").read_text("utf-8")
    assert 'href="one.html"' in index and 'href="two.html"' in index
