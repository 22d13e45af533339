"""Property-based: whatever the content, a sheet is either fine or a located FactsheetError.

Random front matter (known and unknown fields with random YAML values, hostile YAML, or raw
text) and random Markdown (headings, paragraphs, emphasis, links of every scheme, footnotes,
tables, lists, quotes, raw HTML, template syntax, any Unicode) go through `check`'s path, and a
few all the way to a PDF. Every problem must be one line ``path:line: message`` naming the file,
with a line that exists in it; no other exception may escape.
"""

from __future__ import annotations

import datetime
import itertools
import re
import string
from pathlib import Path

import pikepdf
import pytest
import yaml
from helpers import make_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factsheet.config import Site, load_site
from factsheet.errors import FactsheetError, display_path
from factsheet.pipeline import Builder, BuildOptions, check
from factsheet.profiles import build_profile

PROBLEM_LINE = re.compile(r"^[^:\n]+:(\d+:)? .+")
KNOWN_FIELDS = ["title", "date", "label", "office", "dateline", "lang", "summary", "keywords"]
NEAR_MISSES = ["titel", "Title", "keyword", "max_page", "dat", "summery", "language", "tags"]

SETTINGS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}

# Front matter ------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(min_value=datetime.date(1, 1, 1)),
    st.datetimes(),
)
yaml_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=10,
)
field_names = st.one_of(
    st.sampled_from([*KNOWN_FIELDS, "max_pages", *NEAR_MISSES]), st.text(max_size=12)
)
good_values = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(min_size=1, max_size=40),
        "date": st.dates(min_value=datetime.date(1900, 1, 1)),
        "max_pages": st.integers(min_value=-2, max_value=9),
        "keywords": st.lists(st.text(max_size=10), max_size=3),
        "lang": st.sampled_from(["en", "en-US", "fr", "de", "x", "english", ""]),
    },
)
HOSTILE_YAML = [
    "title: !!python/object/apply:os.system [true]",
    "title: !!python/name:os.system",
    "summary: !!binary 'not base64!'",
    "summary: !!timestamp 'not a time'",
    "summary: !!int 'x'",
    "summary: !!float 'x'",
    "summary: !!set {a, b}",
    "summary: !!omap [a, b]",
    "summary: !custom 1",
    "summary: &x [*x]",
    "summary: &x {a: *x}",
    "keywords: &k [a, *k]",
    "<<: {title: T}",
    "summary: {<<: 1}",
    "summary: *undefined",
    "? [a, b]\n: c",
    "title: T\ntitle: U",
    "title: 'unclosed",
    "title: [unclosed",
    "\ttitle: T",
    "title: |\n  multi\n  line",
    "title: >\n  folded\n  text",
    "date: 2010-02-30",
    "date: 2010-13-01",
    "date: 10000-01-01",
    "date: 2010-06-11T10:00:00Z",
    '"a\\nb": 1',
    '"": 1',
    "title: \x00",
    "%YAML 1.1\n---\ntitle: T",
    "--- a\n--- b",
]


def _dump(values: dict, flow: bool | None, unicode: bool) -> str:
    return yaml.safe_dump(values, default_flow_style=flow, allow_unicode=unicode, sort_keys=False)


front_matters = st.one_of(
    st.builds(
        _dump,
        st.dictionaries(field_names, yaml_values, max_size=6),
        st.sampled_from([None, True, False]),
        st.booleans(),
    ),
    st.builds(
        lambda good, extra, unicode: _dump({**good, **extra}, False, unicode),
        good_values,
        st.dictionaries(field_names, yaml_values, max_size=2),
        st.booleans(),
    ),
    st.builds(
        lambda good, hostile: _dump(good, False, True) + "\n".join(hostile) + "\n",
        good_values,
        st.lists(st.sampled_from(HOSTILE_YAML), min_size=1, max_size=3),
    ),
    st.text(max_size=80),
)

# Markdown ------------------------------------------------------------------------------------

words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
    min_size=1,
    max_size=20,
)
plain = st.text(alphabet=string.ascii_letters + " ,.'\"-", min_size=1, max_size=24)
schemes = st.sampled_from(
    ["https://", "http://", "mailto:", "ftp://", "javascript:", "file:///", "data:", "", "#", "//"]
)
hosts = st.sampled_from(["state.gov", "example.com", "127.0.0.1:9", "a b", "", "x.mil/path?q=1"])
link = st.builds(lambda t, s, h: f"[{t}]({s}{h})", plain, schemes, hosts)
autolink = st.builds(lambda s, h: f"<{s}{h}>", schemes, hosts)
image = st.builds(
    lambda alt, src: f"![{alt}]({src})",
    st.sampled_from(["", "A map", "*x*"]),
    st.sampled_from(["map.png", "../x.png", "/etc/passwd", "http://127.0.0.1:9/x.png", "a b.png"]),
)
footnote_ref = st.builds(lambda n: f"[^{n}]", st.sampled_from(["a", "b", "note-1", "^", ""]))
inline = st.one_of(
    plain,
    words,
    st.builds(lambda t: f"*{t}*", plain),
    st.builds(lambda t: f"**{t}**", plain),
    st.builds(lambda t: f"`{t}`", plain),
    link,
    autolink,
    image,
    footnote_ref,
    st.sampled_from(
        [
            "{{ 7*7 }}",
            "{% raw %}",
            "{# c #}",
            "<b>bold</b>",
            '<img src="file:///etc/passwd">',
            "<!-- comment -->",
            "&amp;",
            "&#0;",
            "\\",
            "--",
            "---",
            "'quoted'",
            '"double"',
            "\u200b",
            "\u202e",
            "\ufeff",
            "\x0c",
        ]
    ),
)
line_text = st.lists(inline, min_size=1, max_size=6).map(" ".join)
block = st.one_of(
    line_text,
    st.builds(lambda n, t: "#" * n + " " + t, st.integers(1, 7), plain),
    st.builds(lambda n, t: f"[^{n}]: {t}", st.sampled_from(["a", "b", "note-1"]), line_text),
    st.lists(line_text, min_size=1, max_size=3).map(
        lambda items: "\n".join(f"- {i}" for i in items)
    ),
    st.lists(line_text, min_size=1, max_size=3).map(
        lambda items: "\n".join(f"{n}. {i}" for n, i in enumerate(items, 1))
    ),
    st.lists(line_text, min_size=1, max_size=3).map(
        lambda items: "\n".join(f"> {i}" for i in items)
    ),
    st.builds(
        lambda head, rows: f"| {head} | B |\n|---|---|\n" + "\n".join(f"| {r} | x |" for r in rows),
        plain,
        st.lists(line_text, max_size=3),
    ),
    st.builds(lambda t: f"```\n{t}\n```", line_text),
    st.sampled_from(["<div>\n<p>raw</p>\n</div>", "***", "    indented code", "<table><tr>"]),
)
bodies = st.lists(block, max_size=8).map("\n\n".join)
line_ends = st.sampled_from(["\n", "\r\n"])


@st.composite
def sheets(draw: st.DrawFn) -> bytes:
    """A whole content file as bytes: usually front matter and body, sometimes anything."""
    kind = draw(st.sampled_from(["sheet", "sheet", "sheet", "no-fence", "unclosed", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    front, body = draw(front_matters), draw(bodies)
    text = {
        "sheet": f"---\n{front}---\n{body}\n",
        "no-fence": f"{front}\n{body}\n",
        "unclosed": f"---\n{front}{body}\n",
    }[kind]
    text = text.replace("\n", draw(line_ends))
    prefix = draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf"]))
    return prefix + text.encode("utf-8", "surrogatepass")


# The properties -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, Path]:
    project = make_project(tmp_path_factory.mktemp("properties") / "project")
    (project / "content" / "map.png").write_bytes(
        (Path(__file__).parent.parent / "templates" / "emblem.svg").read_bytes()
    )
    return load_site(project), project


_counter = itertools.count()


def assert_located(error: FactsheetError, path: Path, data: bytes) -> None:
    """Every line of the error names ``path``, and a line number is one of the file's lines.

    Lines are counted as an editor (and the tool) counts them: CRLF, LF and a lone CR each end
    a line.
    """
    text = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines_in_file = max(1, text.count(b"\n") + (not text.endswith(b"\n")))
    prefix = display_path(path) + ":"
    message = error.format_message()
    assert message, "empty message"
    for line in message.split("\n"):
        assert PROBLEM_LINE.match(line), f"not one `path:line: message` line: {line!r}"
        assert line.startswith(prefix), f"does not name the file: {line!r}"
        number = re.match(r"^[^:\n]+:(\d+):", line)
        if number:
            assert 1 <= int(number.group(1)) <= lines_in_file + 1, (
                f"line {number.group(1)} of a {lines_in_file}-line file: {line!r}"
            )


@settings(max_examples=300, **SETTINGS)
@given(data=sheets())
def test_check_either_passes_or_locates_every_problem(
    site_project: tuple[Site, Path], data: bytes
) -> None:
    """`check`'s path: no outcome but OK or a FactsheetError of located one-line problems."""
    site, project = site_project
    path = project / "content" / f"check-{next(_counter)}.md"
    path.write_bytes(data)
    try:
        (outcome,) = check([path], site, build_profile(site))
    finally:
        path.unlink()
    if outcome.error is not None:
        assert isinstance(outcome.error, FactsheetError)
        assert_located(outcome.error, path, data)


small_bodies = st.lists(block, min_size=1, max_size=4).map("\n\n".join)


@st.composite
def buildable_sheets(draw: st.DrawFn) -> bytes:
    """Mostly valid front matter (so that rendering is reached) and a random body."""
    title = draw(st.text(min_size=1, max_size=40).filter(lambda t: t.strip()))
    head = _dump({"title": title, "date": datetime.date(2020, 1, 2)}, False, True)
    extra = draw(st.sampled_from(["", "", "lang: fr\n", "max_pages: 1\n", "keywords: [a, b]\n"]))
    return f"---\n{head}{extra}---\n{draw(small_bodies)}\n".encode("utf-8", "surrogatepass")


@settings(max_examples=15, **SETTINGS)
@given(data=buildable_sheets())
def test_build_either_writes_a_pdf_or_locates_every_problem(
    site_project: tuple[Site, Path], tmp_path: Path, data: bytes
) -> None:
    """All the way to a PDF: a file pikepdf opens, or a located FactsheetError."""
    site, project = site_project
    path = project / "content" / f"build-{next(_counter)}.md"
    path.write_bytes(data)
    out = tmp_path / f"out-{next(_counter)}"
    try:
        outcome = Builder(site, BuildOptions(build_profile(site, out_dir=out))).build_one(path)
    finally:
        path.unlink()
    if outcome.error is not None:
        assert_located(outcome.error, path, data)
        assert not (out / f"{path.stem}.pdf").exists()
    else:
        assert outcome.output == out / f"{path.stem}.pdf"
        with pikepdf.open(outcome.output) as pdf:
            assert len(pdf.pages) == outcome.pages >= 1
