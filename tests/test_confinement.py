"""Confinement: a build reads only the project's templates/ and content/, never the network.

A secret lies outside the project (a text file and a PNG). Every attempt to pull it into a PDF
from content must fail with a located error, or, for raw HTML, be printed as harmless text; in
every case the secret's bytes must not be found in any PDF written.
"""

from __future__ import annotations

import dataclasses
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from click.testing import Result
from helpers import (
    flat,
    invoke,
    make_project,
    pdfinfo,
    pdftotext,
    sheet_text,
    squeeze,
    write_sheet,
)
from PIL import Image, PngImagePlugin

from factsheet.config import Site, load_site
from factsheet.errors import FactsheetError
from factsheet.pdf import PROJECT_URL, PdfRenderer, resolve_confined
from factsheet.pipeline import prepare
from factsheet.profiles import build_profile

MARKER = "TOP-SECRET-MARKER-5c1d9e"
# An image size no project image has: an image XObject of this size is the secret image.
SECRET_SIZE = (37, 23)
FM = "---\ntitle: Confinement\ndate: 2010-06-11\n---\n"
LINK_ONLY = "only http, https and mailto links can be printed"
NOT_ADDRESS = "must be a file next to the content, not an address"


@dataclass(frozen=True)
class Setting:
    """A project (the working directory) and secrets outside it."""

    project: Path
    secret_txt: Path
    secret_png: Path


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@dataclass
class Server:
    """A local HTTP server recording every request it receives."""

    port: int
    requests: list[str]


@pytest.fixture(scope="module")
def http_server() -> Iterator[Server]:
    """One local server for the module (shutting one down takes a poll interval)."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Server(httpd.server_address[1], requests)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server(http_server: Server) -> Server:
    """The local server, with an empty request log."""
    http_server.requests.clear()
    return http_server


@pytest.fixture
def setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setting:
    """tmp_path/secret.txt and tmp_path/secret.png beside tmp_path/project (the cwd)."""
    secret_txt = tmp_path / "secret.txt"
    secret_txt.write_text(f"{MARKER}\n", encoding="utf-8")
    secret_png = tmp_path / "secret.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", MARKER)
    Image.new("RGB", SECRET_SIZE, (200, 30, 30)).save(secret_png, pnginfo=info)
    project = make_project(tmp_path / "project")
    monkeypatch.chdir(project)
    return Setting(project, secret_txt, secret_png)


def build(*paths: str) -> Result:
    return invoke("pdf", "-j", "1", *paths)


def pdf_streams(pdf: Path) -> Iterator[bytes]:
    """Every stream of the PDF, decoded where pikepdf can decode it, and raw as well."""
    with pikepdf.open(pdf) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Stream):
                yield obj.read_raw_bytes()
                try:
                    yield obj.read_bytes()
                except pikepdf.PdfError:
                    continue


def image_sizes(pdf: Path) -> list[tuple[int, int]]:
    with pikepdf.open(pdf) as document:
        return [
            (int(obj.get("/Width", 0)), int(obj.get("/Height", 0)))
            for obj in document.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
        ]


def assert_secret_absent(pdf: Path) -> None:
    """The secret is nowhere in the PDF: not in its bytes, streams, text, images or files."""
    marker = MARKER.encode()
    assert marker not in pdf.read_bytes()
    for data in pdf_streams(pdf):
        assert marker not in data
        assert MARKER.encode("utf-16-be") not in data
    assert MARKER not in pdftotext(pdf)
    assert SECRET_SIZE not in image_sizes(pdf)
    with pikepdf.open(pdf) as document:
        names = document.Root.get("/Names")
        assert names is None or "/EmbeddedFiles" not in names
        assert not document.attachments
        for page in document.pages:
            for annotation in page.get("/Annots", []):
                assert annotation.get("/Subtype") != "/FileAttachment"


def assert_no_pdf_has_secret(project: Path) -> None:
    for pdf in project.rglob("*.pdf"):
        assert_secret_absent(pdf)


# Attempts that must fail at their line. -------------------------------------------------------


def _refused_cases(s: Setting, port: int) -> dict[str, tuple[str, int, str]]:
    """name → (body after the front matter, line, message)."""
    png_uri, txt_uri = s.secret_png.as_uri(), s.secret_txt.as_uri()
    return {
        "file-url-image": (f"![x]({png_uri})\n", 5, f"image '{png_uri}' {NOT_ADDRESS}"),
        "file-url-link": (f"See [x]({txt_uri}).\n", 5, f"link to '{txt_uri}': {LINK_ONLY}"),
        "absolute-path-image": (
            f"![x]({s.secret_png})\n",
            5,
            f"image '{s.secret_png}' {NOT_ADDRESS}",
        ),
        "traversal": (
            "![x](../../secret.png)\n",
            5,
            "image '../../secret.png' is outside the content folder",
        ),
        "encoded-traversal": (
            "![x](..%2F..%2Fsecret.png)\n",
            5,
            "image '..%2F..%2Fsecret.png' is outside the content folder",
        ),
        "reference-traversal": (
            "Text.\n\n![x][s]\n\n[s]: ../../secret.png\n",
            7,
            "image '../../secret.png' is outside the content folder",
        ),
        "symlink-file": (
            "![x](innocent.png)\n",
            5,
            "image 'innocent.png' is outside the content folder",
        ),
        "symlink-folder": (
            "![x](pictures/secret.png)\n",
            5,
            "image 'pictures/secret.png' is outside the content folder",
        ),
        "base-then-relative": (
            '<base href="file:///">\n\n![x](etc/passwd)\n',
            7,
            "image 'etc/passwd' not found",
        ),
        "http-local-server": (
            f"![x](http://127.0.0.1:{port}/x.png)\n",
            5,
            f"image 'http://127.0.0.1:{port}/x.png' {NOT_ADDRESS}",
        ),
        "https-local-server": (
            f"![x](https://127.0.0.1:{port}/x.png)\n",
            5,
            f"image 'https://127.0.0.1:{port}/x.png' {NOT_ADDRESS}",
        ),
        "ftp-image": (
            f"![x](ftp://127.0.0.1:{port}/x.png)\n",
            5,
            f"image 'ftp://127.0.0.1:{port}/x.png' {NOT_ADDRESS}",
        ),
    }


REFUSED = [
    "file-url-image",
    "file-url-link",
    "absolute-path-image",
    "traversal",
    "encoded-traversal",
    "reference-traversal",
    "symlink-file",
    "symlink-folder",
    "base-then-relative",
    "http-local-server",
    "https-local-server",
    "ftp-image",
]


@pytest.mark.parametrize("name", REFUSED)
def test_reaching_outside_fails_at_its_line(setting: Setting, server: Server, name: str) -> None:
    """The build fails naming the content file and line; no PDF; no request; no secret."""
    body, line, message = _refused_cases(setting, server.port)[name]
    content = setting.project / "content"
    (content / "innocent.png").symlink_to(setting.secret_png)
    (content / "pictures").symlink_to(setting.secret_png.parent, target_is_directory=True)
    write_sheet(setting.project, name, FM + body)
    result = build(f"content/{name}.md")
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[0] == f"content/{name}.md:{line}: {message}"
    assert not (setting.project / "dist" / f"{name}.pdf").exists()
    assert server.requests == []
    assert_no_pdf_has_secret(setting.project)


# Raw HTML is printed as text. -----------------------------------------------------------------


def _raw_html(s: Setting, port: int) -> dict[str, str]:
    png_uri, txt_uri = s.secret_png.as_uri(), s.secret_txt.as_uri()
    return {
        "img": f'<img src="{png_uri}">',
        "img-http": f'<img src="http://127.0.0.1:{port}/pixel.png">',
        "link-attachment": f'<link rel="attachment" href="{txt_uri}">',
        "a-attachment": f'<a rel="attachment" href="{txt_uri}">notes</a>',
        "base": '<base href="file:///">',
        "iframe": f'<iframe src="{txt_uri}"></iframe>',
        "object": f'<object data="{txt_uri}"></object>',
        "style-import": f'<style>@import url("{txt_uri}");</style>',
        "svg-image": f'<svg><image href="{png_uri}"/></svg>',
    }


RAW_HTML = [
    "img",
    "img-http",
    "link-attachment",
    "a-attachment",
    "base",
    "iframe",
    "object",
    "style-import",
    "svg-image",
]


@pytest.mark.parametrize("name", RAW_HTML)
def test_raw_html_is_text_not_markup(setting: Setting, server: Server, name: str) -> None:
    """Raw HTML in content is printed as text (or refused at its line), never interpreted:
    no embedded file, no secret in any stream, no request to the server."""
    tag = _raw_html(setting, server.port)[name]
    write_sheet(setting.project, name, FM + f"Before the tag.\n\n{tag}\n\nAfter the tag.\n")
    result = build(f"content/{name}.md")
    assert "Traceback" not in result.output
    pdf = setting.project / "dist" / f"{name}.pdf"
    if result.exit_code == 0:
        text = flat(pdftotext(pdf)).replace("“", '"').replace("”", '"')
        assert squeeze(tag) in squeeze(text), text
        assert tag.split()[0] in text, text
        assert_secret_absent(pdf)
    else:
        assert result.exit_code == 1
        assert result.stderr.startswith(f"content/{name}.md:7: "), result.stderr
        assert not pdf.exists()
    assert server.requests == []
    assert_no_pdf_has_secret(setting.project)


def test_template_syntax_in_content_is_printed_literally(setting: Setting) -> None:
    """Jinja syntax in the body and in a field is text: `{{ 7*7 }}` is printed, 49 is not."""
    body = (
        "Math {{ 7*7 }} and {% raw %} and {{ site.agency }} and {# note #} and "
        "{{ ''.__class__ }}.\n"
    )
    write_sheet(
        setting.project,
        "jinja",
        "---\ntitle: 'Sum {{ 7*7 }}'\ndate: 2010-06-11\nsummary: '{% if true %}x{% endif %}'\n"
        f"---\n{body}",
    )
    result = build("content/jinja.md")
    assert result.exit_code == 0, result.output
    pdf = setting.project / "dist" / "jinja.pdf"
    text = flat(pdftotext(pdf))
    for literal in ("{{ 7*7 }}", "{% raw %}", "{{ site.agency }}", "{# note #}", "Sum {{ 7*7 }}"):
        assert literal in text, text
    assert "49" not in text
    assert "<class" not in text
    info = pdfinfo(pdf)
    assert info["Title"] == "Sum {{ 7*7 }}"
    assert info["Subject"] == "{% if true %}x{% endif %}"


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system",
        "!!python/object/apply:subprocess.call",
    ],
)
def test_yaml_python_tags_run_nothing(setting: Setting, tag: str) -> None:
    """A YAML tag that would run code is refused at its line, and the code does not run."""
    pwned = setting.project.parent / "pwned"
    command = f"[touch {pwned}]" if tag.endswith("system") else f"[[touch, {pwned}]]"
    write_sheet(setting.project, "tag", sheet_text(f"{tag} {command}", "B.", date="2010-06-11"))
    result = build("content/tag.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"content/tag.md:2: field `title`: YAML tag {tag} is not allowed (values are data)"
    )
    settings = setting.project / "factsheet.yaml"
    settings.write_text(f"agency: {tag} {command}\n", encoding="utf-8")
    result = invoke("check")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"factsheet.yaml:1: field `agency`: YAML tag {tag} is not allowed (values are data)"
    ]
    assert not pwned.exists()


def test_emblem_symlink_outside_is_refused(setting: Setting) -> None:
    """factsheet.yaml's emblem may not be a link to a file outside the project."""
    (setting.project / "templates" / "logo.png").symlink_to(setting.secret_png)
    settings = setting.project / "factsheet.yaml"
    settings.write_text("emblem: templates/logo.png\n", encoding="utf-8")
    write_sheet(setting.project, "good", FM + "Text.\n")
    result = build("content/good.md")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "factsheet.yaml:1: field `emblem`: must be a file inside templates/ or content/"
    ]
    assert_no_pdf_has_secret(setting.project)


# The renderer's own fence: resolve_confined and the URL fetcher. --------------------------------


@pytest.fixture
def roots(tmp_path: Path) -> tuple[Path, Site]:
    project = make_project(tmp_path / "project")
    (project / "content" / "map.png").write_bytes(b"png")
    (tmp_path / "secret.png").write_bytes(b"secret")
    (project / "content-evil").mkdir()
    (project / "content-evil" / "x.png").write_bytes(b"evil")
    site = load_site(project)
    return project.resolve(), site


def test_resolve_confined_allows_project_files(roots: tuple[Path, Site]) -> None:
    root, site = roots
    target = root / "content" / "map.png"
    assert resolve_confined(target.as_uri(), site) == target
    assert resolve_confined(PROJECT_URL + "content/map.png", site) == target
    assert resolve_confined(f"file://localhost{target}", site) == target
    assert resolve_confined(PROJECT_URL + "templates/factsheet.css", site) == (
        root / "templates" / "factsheet.css"
    )
    (root / "content" / "alias.png").symlink_to(target)
    assert resolve_confined(PROJECT_URL + "content/alias.png", site) == target


@pytest.mark.parametrize(
    "url",
    [
        "{root}/content/../../secret.png",
        "{root}/content/%2e%2e/%2e%2e/secret.png",
        "{root}/content/..%2F..%2Fsecret.png",
        "{project}../secret.png",
        "{project}content/../../secret.png",
        "{root}/content-evil/x.png",
        "{root}/factsheet.yaml",
        "file:///etc/passwd",
    ],
)
def test_resolve_confined_refuses_traversal(roots: tuple[Path, Site], url: str) -> None:
    root, site = roots
    url = url.format(root=root.as_uri(), project=PROJECT_URL)
    with pytest.raises(ValueError, match=": outside the project's templates and content"):
        resolve_confined(url, site)


def test_resolve_confined_refuses_symlinks_out(roots: tuple[Path, Site]) -> None:
    root, site = roots
    (root / "content" / "link.png").symlink_to(root.parent / "secret.png")
    (root / "content" / "up").symlink_to(root.parent, target_is_directory=True)
    for url in (PROJECT_URL + "content/link.png", PROJECT_URL + "content/up/secret.png"):
        with pytest.raises(ValueError, match=": outside the project's templates and content"):
            resolve_confined(url, site)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/x.png", "only files inside the project can be used, not http: URLs"),
        ("https://example.com/x.png", "not https: URLs"),
        ("ftp://example.com/x.png", "not ftp: URLs"),
        ("data:text/plain,hi", "not data: URLs"),
        ("file://example.com/etc/passwd", "files on other hosts cannot be used"),
    ],
)
def test_resolve_confined_refuses_other_urls(
    roots: tuple[Path, Site], url: str, message: str
) -> None:
    _root, site = roots
    with pytest.raises(ValueError, match=message):
        resolve_confined(url, site)


@pytest.fixture
def renderer_and_document(setting: Setting) -> tuple[PdfRenderer, object]:
    write_sheet(setting.project, "fence", FM + "Hello PLACEHOLDER.\n")
    site = load_site(setting.project)
    profile = build_profile(site)
    prepared = prepare(setting.project / "content" / "fence.md", site, profile)
    return PdfRenderer(site, profile), prepared.document


def _injected(s: Setting, port: int) -> dict[str, str]:
    png_uri, txt_uri = s.secret_png.as_uri(), s.secret_txt.as_uri()
    return {
        "img": f'<img src="{png_uri}" alt="x">',
        "img-http": f'<img src="http://127.0.0.1:{port}/x.png" alt="x">',
        "css-url": f'<span style="background: url({png_uri})">x</span>',
        "link-attachment": f'<link rel="attachment" href="{txt_uri}">',
        "a-attachment": f'<a rel="attachment" href="{txt_uri}">x</a>',
    }


@pytest.mark.parametrize("name", ["img", "img-http", "css-url", "link-attachment", "a-attachment"])
def test_fetcher_refuses_html_that_reaches_out(
    setting: Setting, server: Server, renderer_and_document: tuple, name: str
) -> None:
    """Defence in depth: even HTML that reached the renderer (say, from a template) cannot read
    outside the project; the refusal is a located FactsheetError, not a crash."""
    renderer, document = renderer_and_document
    html = document.html.replace("PLACEHOLDER", _injected(setting, server.port)[name])
    target = setting.project / "dist" / "fence.pdf"
    try:
        renderer.write(dataclasses.replace(document, html=html))
    except FactsheetError as error:
        assert error.format_message().startswith("content/fence.md: refused to read ")
    except BaseException as error:  # WeasyPrint's fatal fetch error is one
        pytest.fail(f"the refusal escaped as {type(error).__name__}: {error}")
    else:
        pytest.fail("the render succeeded")
    assert not target.exists()
    assert server.requests == []
