"""`factsheet preview`: a page on 127.0.0.1 that shows the PDF and reloads it after each rebuild.

The page is opened in headless Chromium (Debian chromium) and read over the DevTools protocol
(websocket-client): it loads and shows the PDF; after an edit it shows the new PDF within a
second of the rebuild; after a bad edit it shows the error, located, on the page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import websocket
from helpers import PROJECT_ROOT, make_project, pdftotext, write_sheet

SHEET = "---\ntitle: Preview Sheet\ndate: 2026-11-30\n---\nThe first text of the sheet.\n"


class Browser:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, profile: Path) -> None:
        executable = shutil.which("chromium")
        assert executable is not None, "Debian chromium is missing (apt-get install chromium)"
        self.process = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        port = None
        deadline = time.monotonic() + 30
        while port is None and time.monotonic() < deadline:
            line = self.process.stderr.readline()
            found = re.search(r"ws://127\.0\.0\.1:(\d+)/", line)
            port = found.group(1) if found else None
        assert port, "Chromium did not start"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=10) as answer:
            page = next(t for t in json.load(answer) if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=20)
        self.number = 0

    def call(self, method: str, **params: object) -> dict:
        self.number += 1
        self.socket.send(json.dumps({"id": self.number, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.number:
                return message.get("result", {})

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, seconds: float) -> object:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.05)
        return None

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    project = make_project(tmp_path / "project")
    write_sheet(project, "sheet", SHEET)
    process = subprocess.Popen(
        [
            str(PROJECT_ROOT / ".venv" / "bin" / "python"),
            str(PROJECT_ROOT / "build.py"),
            "preview",
            "content/sheet.md",
            "--port",
            "0",
        ],
        cwd=project,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    address = None
    deadline = time.monotonic() + 60
    while address is None and time.monotonic() < deadline:
        found = re.search(r"open (http://127\.0\.0\.1:\d+/)", process.stderr.readline())
        address = found.group(1) if found else None
    assert address, "the preview did not start"
    try:
        yield project, address
    finally:
        process.terminate()
        process.wait(timeout=20)


def state(address: str) -> dict:
    with urllib.request.urlopen(address + "state", timeout=10) as answer:
        return json.load(answer)


def test_the_page_shows_the_new_pdf_after_an_edit_and_errors_on_the_page(
    preview: tuple[Path, str], tmp_path: Path
) -> None:
    project, address = preview
    assert address.startswith("http://127.0.0.1:")
    browser = Browser(tmp_path / "chromium")
    try:
        browser.call("Page.enable")
        browser.call("Page.navigate", url=address)
        shown = "document.getElementById('pdf') && document.getElementById('pdf').dataset.version"
        assert browser.wait_for(shown, 20) == "1"
        source = browser.evaluate("document.getElementById('pdf').src")
        with urllib.request.urlopen(str(source), timeout=10) as answer:
            first = tmp_path / "first.pdf"
            first.write_bytes(answer.read())
        assert "The first text of the sheet." in pdftotext(first)

        # An edit: rebuilt, and the page shows the new PDF within a second of the rebuild.
        sheet = project / "content" / "sheet.md"
        sheet.write_text(SHEET.replace("first text", "edited text"), "utf-8")
        deadline = time.monotonic() + 30
        while state(address)["version"] < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        rebuilt = time.monotonic()
        assert state(address)["version"] == 2
        assert browser.wait_for(f"({shown}) === '2'", 5)
        assert time.monotonic() - rebuilt < 1.0
        source = browser.evaluate("document.getElementById('pdf').src")
        with urllib.request.urlopen(str(source), timeout=10) as answer:
            second = tmp_path / "second.pdf"
            second.write_bytes(answer.read())
        assert "The edited text of the sheet." in pdftotext(second)

        # A bad edit: the error, at its line, on the page; the last good PDF stays.
        sheet.write_text(SHEET.replace("date: 2026-11-30", "date: someday"), "utf-8")
        errors = "document.getElementById('errors').textContent"
        shown_error = browser.wait_for(f"{errors}.includes('sheet.md:3')", 30)
        assert shown_error, browser.evaluate(errors)
        assert "field `date`" in str(browser.evaluate(errors))
        assert browser.evaluate(shown) == "2"
    finally:
        browser.close()


def test_only_the_loopback_address_and_only_built_pdfs(preview: tuple[Path, str]) -> None:
    project, address = preview
    (project / "dist" / "secret.pdf").write_bytes(b"%PDF-1.7 not for the preview")
    for path in ("pdf/secret.pdf", "pdf/../sheet.md", "state/../../factsheet.yaml", "nothing"):
        try:
            urllib.request.urlopen(address + path, timeout=10)
            status = 200
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == 404, path
    with urllib.request.urlopen(address + "pdf/sheet.pdf", timeout=10) as answer:
        assert answer.read().startswith(b"%PDF-")


def test_a_request_for_another_host_is_refused(preview: tuple[Path, str]) -> None:
    """A page whose name was made to resolve to 127.0.0.1 (DNS rebinding) gets nothing."""
    _, address = preview
    request = urllib.request.Request(address + "state", headers={"Host": "evil.example:8765"})
    try:
        urllib.request.urlopen(request, timeout=10)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 403
