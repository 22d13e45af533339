"""``preview``: a page on 127.0.0.1 that shows a sheet's PDF and reloads it on every rebuild.

It is ``watch`` (one warm renderer, rebuilding what each saved change affects) with a small
HTTP server beside it, on the loopback address only. The page asks the server for the build
state four times a second; when a sheet is rebuilt it reloads the PDF, and when a build fails
it shows the errors, located as in the terminal, over the last good PDF.
"""

from __future__ import annotations

import html
import http.server
import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .errors import FactsheetError
from .pipeline import Outcome, failure_text

HOST = "127.0.0.1"
POLL_MILLISECONDS = 250


class PreviewState:
    """What the page shows, shared between the builder and the server's threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version = 0
        self.pdfs: dict[str, Path] = {}
        self.titles: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.problem = ""

    def built(self, outcome: Outcome) -> None:
        """Record a sheet's outcome: a new PDF, or its errors (the last good PDF stays)."""
        name = outcome.source.stem
        with self.lock:
            self.version += 1
            self.problem = ""
            if outcome.error is None and outcome.output is not None:
                self.pdfs[name] = outcome.output
                self.errors.pop(name, None)
            else:
                self.errors[name] = failure_text(outcome) if outcome.error else "not built"

    def failed(self, message: str) -> None:
        """Record a change that could not be built at all (the settings, say)."""
        with self.lock:
            self.version += 1
            self.problem = message

    def snapshot(self) -> dict[str, Any]:
        """The state as the page reads it."""
        with self.lock:
            return {
                "version": self.version,
                "sheets": sorted({*self.pdfs, *self.errors}),
                "errors": dict(self.errors),
                "problem": self.problem,
            }


def serve(state: PreviewState, port: int) -> http.server.ThreadingHTTPServer:
    """Start the server on ``HOST:port`` (0: any free port) in a daemon thread; return it."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            # Only a page this machine's browser opened by the loopback address: a web page
            # whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends another Host.
            port = self.server.server_address[1]  # type: ignore[index]  # an IPv4 (host, port)
            if self.headers.get("Host") not in (f"{HOST}:{port}", f"localhost:{port}"):
                self._send(403, "text/plain; charset=utf-8", b"not this host")
                return
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            if path == "/":
                query = parse_qs(parts.query)
                self._send(200, "text/html; charset=utf-8", _page(state, query).encode())
            elif path == "/state":
                self._send(200, "application/json", json.dumps(state.snapshot()).encode())
            elif path.startswith("/pdf/") and path.endswith(".pdf"):
                name = path.removeprefix("/pdf/").removesuffix(".pdf")
                with state.lock:
                    pdf = state.pdfs.get(name)  # only the PDFs this preview built
                try:
                    data = pdf.read_bytes() if pdf is not None else None
                except OSError:
                    data = None
                if data is None:
                    self._send(404, "text/plain; charset=utf-8", b"no PDF yet")
                else:
                    self._send(200, "application/pdf", data)
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found")

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *arguments: object) -> None:
            pass  # the terminal shows the builds, not every poll

    try:
        server = http.server.ThreadingHTTPServer((HOST, port), Handler)
    except OSError as error:
        raise FactsheetError(
            None, None, f"cannot serve on {HOST}:{port} ({error.strerror}): try another --port"
        ) from None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _page(state: PreviewState, query: dict[str, list[str]]) -> str:
    snapshot = state.snapshot()
    sheets = snapshot["sheets"]
    chosen = query.get("sheet", [""])[0]
    name = chosen if chosen in sheets else (sheets[0] if sheets else "")
    options = "".join(
        f'<option value="{html.escape(sheet)}"{" selected" if sheet == name else ""}>'
        f"{html.escape(sheet)}</option>"
        for sheet in sheets
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview: {html.escape(name)}</title>
<style>
  html, body {{ height: 100%; margin: 0; font: 14px/1.4 sans-serif; }}
  body {{ display: flex; flex-direction: column; }}
  header {{ display: flex; gap: 1em; align-items: center; padding: 6px 10px;
            background: #162e51; color: #fff; }}
  #errors {{ margin: 0; padding: 8px 10px; background: #fde8e8; color: #8b0a03;
             white-space: pre-wrap; }}
  #errors:empty {{ display: none; }}
  iframe {{ flex: 1; border: 0; width: 100%; }}
</style>
</head>
<body>
<header><strong>factsheet preview</strong>
<label>Sheet <select id="sheet"
  onchange="location.search = '?sheet=' + encodeURIComponent(this.value)">
{options}</select></label>
<span id="status">version {snapshot["version"]}</span></header>
<pre id="errors"></pre>
<iframe id="pdf" title="The sheet's PDF" data-version="{snapshot["version"]}"
        src="/pdf/{html.escape(quote(name))}.pdf?v={snapshot["version"]}"></iframe>
<script>
var sheet = {json.dumps(name)};
var shown = {snapshot["version"]};
function poll() {{
  fetch("/state", {{cache: "no-store"}}).then(function (r) {{ return r.json(); }})
    .then(function (state) {{
      var errors = [state.problem, state.errors[sheet] || ""].filter(Boolean).join("\\n");
      document.getElementById("errors").textContent = errors;
      if (state.version !== shown) {{
        shown = state.version;
        document.getElementById("status").textContent = "version " + shown;
        if (!state.errors[sheet]) {{
          var frame = document.getElementById("pdf");
          frame.dataset.version = shown;
          frame.src = "/pdf/" + encodeURIComponent(sheet) + ".pdf?v=" + shown;
        }}
      }}
    }}).catch(function () {{}})
    .finally(function () {{ setTimeout(poll, {POLL_MILLISECONDS}); }});
}}
poll();
</script>
</body>
</html>
"""


def address(server: http.server.ThreadingHTTPServer) -> str:
    """The page's address."""
    return f"http://{HOST}:{server.server_address[1]}/"
