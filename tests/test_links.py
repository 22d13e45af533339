"""`factsheet links`: every printed address asked, against a local server on 127.0.0.1 that
answers 200, 301, 404 and 500, and one that never answers in time."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import make_project, run_cli, write_sheet

# The paths the server was asked for, in order.
ASKED: list[str] = []


class Handler(http.server.BaseHTTPRequestHandler):
    """200 /ok, 301 /moved → /ok, 404 /missing, 500 /broken, /slow after 3 s."""

    def do_GET(self) -> None:
        ASKED.append(self.path)
        if self.path == "/slow":
            time.sleep(3)
        status = {"/ok": 200, "/moved": 301, "/missing": 404, "/broken": 500}.get(self.path, 200)
        self.send_response(status)
        if status == 301:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "2")
        self.end_headers()
        with contextlib.suppress(OSError):  # the checker gave up (the slow page)
            self.wfile.write(b"ok")

    def log_message(self, *arguments: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def sheet(base: str) -> str:
    return (
        "---\n"
        "title: Links\n"
        "date: 2026-11-30\n"
        f"url: {base}/ok\n"
        "contact:\n"
        f'  - "Office of Press Relations, press@state.gov, {base}/missing"\n'
        "---\n"
        f"The [program]({base}/ok) and [its history]({base}/moved).\n"
        "\n"
        f"A [gone page]({base}/missing), a [broken one]({base}/broken).\n"
        "\n"
        f"A [slow one]({base}/slow), and [mail](mailto:press@state.gov).\n"
    )


def test_each_address_is_reported_at_its_line(server: str, tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    write_sheet(project, "links", sheet(server))
    result = run_cli(["links", "--timeout", "1"], cwd=project)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"content/links.md:6: 404 {server}/missing" in lines
    assert f"content/links.md:10: 404 {server}/missing" in lines
    assert f"content/links.md:10: 500 {server}/broken" in lines
    assert f"content/links.md:12: timeout {server}/slow" in lines
    assert (
        f"content/links.md:8: warning: 200 after a redirect: {server}/moved → {server}/ok "
        "(print the new address)"
    ) in lines
    # The live address (the url on line 4, the link on line 8) is not reported.
    assert not [line for line in lines if line.endswith(f"{server}/ok")]
    assert "mailto" not in result.stderr
    assert lines[-1] == "checked 5 addresses in 1 sheet: 3 dead, 1 moved"


def test_results_are_kept_for_the_cache_time(server: str, tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    text = sheet(server).replace(f"A [slow one]({server}/slow), and", "And")
    write_sheet(project, "links", text)
    assert run_cli(["links"], cwd=project).returncode == 1
    assert (project / "dist" / ".factsheet-links.json").is_file()
    ASKED.clear()
    again = run_cli(["links"], cwd=project)
    assert again.returncode == 1  # the dead ones are still reported, from the cache
    assert f"404 {server}/missing" in again.stderr
    assert ASKED == []  # and nothing was asked
    fresh = run_cli(["links", "--cache-hours", "0"], cwd=project)
    assert fresh.returncode == 1
    assert sorted(set(ASKED)) == ["/broken", "/missing", "/moved", "/ok"]


def test_all_alive_exits_0_and_a_build_never_asks(server: str, tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    write_sheet(
        project, "fine", f"---\ntitle: Fine\ndate: 2026-11-30\n---\nSee [it]({server}/ok).\n"
    )
    ASKED.clear()
    built = run_cli(["pdf"], cwd=project)
    assert built.returncode == 0, built.stderr
    assert ASKED == []  # building never touches the network
    result = run_cli(["links", "--out", "elsewhere"], cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "checked 1 address in 1 sheet: 0 dead, 0 moved"
    assert (project / "elsewhere" / ".factsheet-links.json").is_file()


def test_an_invalid_address_is_reported_and_a_failure_is_asked_again(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    write_sheet(
        project,
        "odd",
        "---\ntitle: Odd\ndate: 2026-11-30\n---\n"
        "An [odd host](http://xn--zz.com/) and a [closed port](http://127.0.0.1:9/).\n",
    )
    result = run_cli(["links", "--timeout", "2"], cwd=project)
    assert result.returncode == 1
    assert "content/odd.md:5: invalid address http://xn--zz.com/" in result.stderr
    assert "content/odd.md:5: no answer" in result.stderr
    assert "internal error" not in result.stderr
    cache = (
        (project / "dist" / ".factsheet-links.json").read_text()
        if (project / "dist" / ".factsheet-links.json").exists()
        else "{}"
    )
    assert "127.0.0.1:9" not in cache and "xn--zz" not in cache  # failures are asked again
