"""Bad input, as a user meets it: `check`, `pdf` and `html` on broken content and settings.

Every problem is reported once, as ``path:line: message`` (or ``path: message`` when no line
applies), the exit status is 1 when there is any, and no traceback ever reaches the user. The
messages are asserted word for word: they are the product's user interface.
"""

from __future__ import annotations

import io
import json
import logging
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pytest
from helpers import (
    invoke,
    make_project,
    page_texts,
    run_cli,
    sections_body,
    sheet_text,
    squeeze,
    write_sheet,
)
from PIL import Image

from factsheet import cli as cli_module
from factsheet.files import MAX_FILE_BYTES

GOOD = "---\ntitle: Consular Services\ndate: 2021-04-02\n---\nConsular sections help citizens.\n"
# A valid front matter of four lines: the body starts on line 5.
FM = "---\ntitle: T\ndate: 2010-06-11\n---\n"

SHEET_FIELDS = (
    "title, date, layout, label, office, dateline, short_title, agency, tagline, emblem, "
    "emblem_alt, partners, speaker, place, delivery, status, embargo, updated, contact, url, "
    "end_mark, columns, lang, summary, translation_of, translation_notice, keywords, link_notes, "
    "max_pages"
)
SITE_FIELDS = (
    "agency, tagline, emblem, emblem_alt, disclaimer, government_domains, paper, lang, "
    "translations, max_pages, link_notes, pdf_variant, profile"
)
VARIANTS = "pdf/ua-1, pdf/ua-2, pdf/a-2u, pdf/a-3u, pdf/a-2a, pdf/a-3a, none"

# One problem line: a path without colons, an optional line number, then the message.
PROBLEM_LINE = re.compile(r"^[^:\n]+:(\d+:)? .+$")


def summary(sheets: int, bad: int) -> str:
    """The last line `check` prints."""
    return f"checked {sheets} sheet{'s' * (sheets != 1)}: {bad} with problems"


@dataclass(frozen=True)
class Bad:
    """One bad input: the file's content, the exit status and the exact problem lines.

    ``problems`` are ``(line, message)`` pairs, printed as ``content/<name>.md:line: message``
    (``content/<name>.md: message`` when the line is ``None``). ``extra`` are files written
    into ``content/`` beside the sheet (an image, a text file).
    """

    name: str
    content: str | bytes
    status: int
    problems: tuple[tuple[int | None, str], ...]
    extra: dict[str, bytes] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"content/{self.name}.md"

    def lines(self) -> list[str]:
        return [
            f"{self.path}: {message}" if line is None else f"{self.path}:{line}: {message}"
            for line, message in self.problems
        ]

    def write(self, project: Path) -> Path:
        target = project / self.path
        data = self.content if isinstance(self.content, bytes) else self.content.encode()
        target.write_bytes(data)
        for name, extra in self.extra.items():
            (project / "content" / name).write_bytes(extra)
        return target


def bad(name: str, content: str | bytes, *problems: tuple[int | None, str], **kw: object) -> Bad:
    return Bad(name, content, 1 if problems else 0, tuple(problems), **kw)  # type: ignore[arg-type]


def no_alt(source: str) -> str:
    return (
        f"image {source!r} has no alt text: write ![what it shows]({source}), "
        f'or ![]({source}){{alt=""}} for a purely decorative image'
    )


def unknown(key: str, hint: str | None = None) -> str:
    """A close match is suggested alone; without one, every field is listed."""
    if hint:
        return f"unknown field `{key}`; did you mean `{hint}`?"
    return f"unknown field `{key}` (known fields: {SHEET_FIELDS})"


OVERSIZE = (FM + "Body.\n").encode() + b"x" * (MAX_FILE_BYTES + 1 - len(FM) - 6)
LINK_ONLY = "only http, https and mailto links can be printed"
NOT_ADDRESS = "must be a file next to the content, not an address"


def _tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, "PNG")
    return buffer.getvalue()


# A real (tiny) picture, for cases about something else than the file's content.
TINY_PNG = _tiny_png()

CORPUS = [
    # YAML syntax: PyYAML's line, offset to the file's lines, and its column.
    bad(
        "yaml-unclosed-list",
        "---\ntitle: T\ndate: 2010-06-11\nkeywords: [a, b\n---\nBody.\n",
        (4, "YAML error at column 11: this [ is never closed: end the list with ]"),
    ),
    bad(
        "yaml-bad-indent",
        "---\ntitle: T\n  bad: indent\ndate: 2010-06-11\n---\nBody.\n",
        (
            3,
            "YAML error at column 6: this line is indented: start `bad:` at the beginning of "
            "the line",
        ),
    ),
    bad(
        "yaml-tab",
        "---\ntitle: T\n\tdate: 2010-06-11\n---\nBody.\n",
        (3, "YAML error at column 1: a tab in the indentation: YAML indents with spaces"),
    ),
    # The quote opens on line 2: that is where it is reported.
    bad(
        "yaml-unclosed-quote",
        '---\ntitle: "T\ndate: 2010-06-11\n---\nBody.\n',
        (2, 'YAML error at column 8: this " is never closed: end the value with "'),
    ),
    bad(
        "yaml-colon-in-value",
        "---\ntitle: Remarks: A New Era\ndate: 2010-06-11\n---\nBody.\n",
        (
            2,
            "YAML error at column 15: a colon and a space inside a value: quote the value: "
            'title: "Remarks: A New Era"',
        ),
    ),
    # The shape of the file and of its front matter.
    bad(
        "no-front-matter",
        "Body only, no front matter.\n",
        (1, "no front matter: the file must start with a `---` line, then `title:` and `date:`"),
    ),
    bad(
        "front-matter-list",
        "---\n- title\n- date\n---\nBody.\n",
        (2, "front matter must be a mapping of `field: value` lines"),
    ),
    bad(
        "front-matter-scalar",
        "---\njust some text\n---\nBody.\n",
        (2, "front matter must be a mapping of `field: value` lines"),
    ),
    bad(
        "front-matter-empty",
        "---\n---\nBody.\n",
        (1, "missing required field `title`"),
        (1, "missing required field `date`"),
    ),
    bad(
        "front-matter-blank",
        "---\n  \n---\nBody.\n",
        (1, "missing required field `title`"),
        (1, "missing required field `date`"),
    ),
    bad(
        "front-matter-unclosed",
        "---\ntitle: T\ndate: 2010-06-11\nBody.\n",
        (1, "front matter is not closed: add a `---` line after the last field"),
    ),
    bad(
        "field-name-not-a-word",
        "---\ntitle: T\ndate: 2010-06-11\n1: x\n---\nBody.\n",
        (4, "front matter field names must be plain words"),
    ),
    # Required fields.
    bad(
        "missing-title",
        "---\ndate: 2010-06-11\n---\nBody.\n",
        (1, "missing required field `title`"),
    ),
    bad("missing-date", "---\ntitle: T\n---\nBody.\n", (1, "missing required field `date`")),
    bad(
        "missing-both",
        "---\nlabel: X\n---\nBody.\n",
        (1, "missing required field `title`"),
        (1, "missing required field `date`"),
    ),
    bad(
        "title-null",
        "---\ntitle:\ndate: 2010-06-11\n---\nBody.\n",
        (2, "missing required field `title`"),
    ),
    bad(
        "title-empty",
        "---\ntitle: ''\ndate: 2010-06-11\n---\nBody.\n",
        (2, "field `title`: must not be empty"),
    ),
    bad(
        "title-list",
        "---\ntitle: [a, b]\ndate: 2010-06-11\n---\nBody.\n",
        (2, "field `title`: expected text, got a list"),
    ),
    # Wrong types.
    bad(
        "date-impossible",
        "---\ntitle: T\ndate: 2010-02-30\n---\nBody.\n",
        (3, "field `date`: 2010-02-30 is not a real date (day is out of range for month)"),
    ),
    bad(
        "date-as-text",
        "---\ntitle: T\ndate: June 11, 2010\n---\nBody.\n",
        (3, "field `date`: expected a date as YYYY-MM-DD (e.g. 2010-06-11), got 'June 11, 2010'"),
    ),
    bad(
        "date-with-time",
        "---\ntitle: T\ndate: 2010-06-11 10:00:00\n---\nBody.\n",
        # Poor: the type's description is quoted as if it were the value written.
        (
            3,
            "field `date`: expected a date as YYYY-MM-DD (e.g. 2010-06-11), got a date and time",
        ),
    ),
    bad(
        "date-as-number",
        "---\ntitle: T\ndate: 20100611\n---\nBody.\n",
        (3, "field `date`: expected a date as YYYY-MM-DD (e.g. 2010-06-11), got 20100611"),
    ),
    bad(
        "keywords-not-a-list",
        "---\ntitle: T\ndate: 2010-06-11\nkeywords: ICC\n---\nBody.\n",
        (4, "field `keywords`: expected a list such as [ICC, Rome Statute], got text"),
    ),
    bad(
        "keywords-nested-list",
        "---\ntitle: T\ndate: 2010-06-11\nkeywords: [[a]]\n---\nBody.\n",
        (4, "field `keywords`: expected text, got a list"),
    ),
    *(
        bad(
            f"max-pages-{name}",
            f"---\ntitle: T\ndate: 2010-06-11\nmax_pages: {value}\n---\nBody.\n",
            (4, f"field `max_pages`: expected a positive whole number, got {shown}"),
        )
        for name, value, shown in [
            ("zero", "0", "0"),
            ("negative", "-1", "-1"),
            ("fraction", "1.5", "1.5"),
            ("word", "two", "'two'"),
            # Poor: Python's `True`, where the user wrote YAML's `true`.
            ("boolean", "true", "true"),
        ]
    ),
    bad(
        "lang-bad-tag",
        "---\ntitle: T\ndate: 2010-06-11\nlang: english_US\n---\nBody.\n",
        (4, "field `lang`: expected a language tag such as en or en-US, got 'english_US'"),
    ),
    bad(
        "lang-read-as-boolean",
        "---\ntitle: T\ndate: 2010-06-11\nlang: no\n---\nBody.\n",
        (4, "field `lang`: expected text, got false: put the value in quotes"),
    ),
    bad("date-quoted-is-fine", "---\ntitle: T\ndate: '2010-06-11'\n---\nBody.\n"),
    bad(
        "date-quoted-impossible",
        "---\ntitle: T\ndate: '2010-02-30'\n---\nBody.\n",
        (3, "field `date`: 2010-02-30 is not a real date (day is out of range for month)"),
    ),
    # Unknown and repeated fields.
    bad(
        "unknown-titel",
        "---\ntitel: T\ndate: 2010-06-11\n---\nBody.\n",
        (1, "missing required field `title`"),
        (2, unknown("titel", "title")),
    ),
    bad(
        "unknown-keyword",
        "---\ntitle: T\ndate: 2010-06-11\nkeyword: [ICC]\n---\nBody.\n",
        (4, unknown("keyword", "keywords")),
    ),
    bad(
        "unknown-no-match",
        "---\ntitle: T\ndate: 2010-06-11\nzzzzz: 1\n---\nBody.\n",
        (4, unknown("zzzzz")),
    ),
    bad(
        "duplicate-field",
        "---\ntitle: T\ndate: 2010-06-11\ntitle: U\n---\nBody.\n",
        (4, "field `title` is given twice"),
    ),
    # YAML tags that would build Python objects.
    bad(
        "yaml-python-tag",
        "---\ntitle: T\ndate: 2010-06-11\nsummary: !!python/object/apply:os.system [echo hi]\n"
        "---\nBody.\n",
        (
            4,
            "field `summary`: YAML tag !!python/object/apply:os.system is not allowed "
            "(values are data)",
        ),
    ),
    bad(
        "yaml-python-tag-nested",
        "---\ntitle: T\ndate: 2010-06-11\nkeywords: [a, !!python/name:os.system x]\n---\nBody.\n",
        (4, "field `keywords`: YAML tag !!python/name:os.system is not allowed (values are data)"),
    ),
    # Empty files and bodies.
    bad(
        "empty-file",
        "",
        (1, "file is empty; a fact sheet starts with a `---` front matter block"),
    ),
    bad(
        "whitespace-file",
        "  \n\n \t\n",
        (1, "file is empty; a fact sheet starts with a `---` front matter block"),
    ),
    bad(
        "empty-body",
        FM,
        (4, "the body is empty: write the fact sheet's text after the front matter"),
    ),
    bad(
        "blank-body",
        FM + "   \n\t\n",
        (4, "the body is empty: write the fact sheet's text after the front matter"),
    ),
    # Footnotes.
    bad(
        "footnote-undefined",
        FM + "Text[^a].\n",
        (5, "footnote [^a] is cited but never defined"),
    ),
    bad(
        "footnote-uncited",
        FM + "Text.\n\n[^a]: A note.\n",
        (7, "footnote [^a] is defined but never cited"),
    ),
    # Images.
    bad("image-missing", FM + "![A map](map.png)\n", (5, "image 'map.png' not found")),
    bad(
        "image-no-alt",
        FM + "![](photo.png)\n",
        (5, no_alt("photo.png")),
        extra={"photo.png": TINY_PNG},
    ),
    bad(
        "image-outside",
        FM + "![A map](../secret.png)\n",
        (5, "image '../secret.png' is outside the content folder"),
    ),
    bad(
        "image-http",
        FM + "![A map](http://example.com/a.png)\n",
        (5, f"image 'http://example.com/a.png' {NOT_ADDRESS}"),
    ),
    bad(
        "image-file-url",
        FM + "![A map](file:///etc/passwd)\n",
        (5, f"image 'file:///etc/passwd' {NOT_ADDRESS}"),
    ),
    bad(
        "image-absolute-path",
        FM + "![A map](/etc/passwd)\n",
        (5, f"image '/etc/passwd' {NOT_ADDRESS}"),
    ),
    bad(
        "image-not-an-image",
        FM + "![A note](note.txt)\n",
        (5, "image 'note.txt' is not a PNG, JPEG, GIF, SVG or WebP file"),
        extra={"note.txt": b"hello"},
    ),
    # Links.
    bad(
        "link-ftp",
        FM + "See [files](ftp://example.com/f).\n",
        (5, f"link to 'ftp://example.com/f': {LINK_ONLY}"),
    ),
    bad(
        "link-javascript",
        FM + "See [this](javascript:alert(1)).\n",
        (5, f"link to 'javascript:alert(1)': {LINK_ONLY}"),
    ),
    bad(
        "link-file",
        FM + "See [this](file:///etc/passwd).\n",
        (5, f"link to 'file:///etc/passwd': {LINK_ONLY}"),
    ),
    bad(
        "link-data",
        FM + "See [this](data:text/html,hi).\n",
        (5, f"link to 'data:text/html,hi': {LINK_ONLY}"),
    ),
    bad(
        "link-relative",
        FM + "See [other](other.md).\n",
        (5, "link to 'other.md' has no scheme: write the full address, e.g. https://other.md"),
    ),
    bad(
        "link-autolink-ftp",
        FM + "See <ftp://example.com>.\n",
        (5, f"link to 'ftp://example.com': {LINK_ONLY}"),
    ),
    # Headings.
    bad(
        "heading-level-1",
        FM + "# Heading\n\nText.\n",
        (5, "the title is the only level-1 heading: use `##` for a section heading"),
    ),
    bad(
        "heading-skipped-level",
        FM + "## A\n\nText.\n\n#### B\n\nText.\n",
        (9, "heading level 4 follows level 2: use ###"),
    ),
    # Encoding and size.
    bad(
        "not-utf8",
        (FM + "Line one.\nCaf\xe9 line.\n").encode("latin-1"),
        (6, "file is not UTF-8 text (byte 0xe9); save it as UTF-8"),
    ),
    bad(
        "not-utf8-in-front-matter",
        "---\ntitle: Caf\xe9\ndate: 2010-06-11\n---\nBody.\n".encode("latin-1"),
        (2, "file is not UTF-8 text (byte 0xe9); save it as UTF-8"),
    ),
    bad(
        "bom-and-crlf-are-fine",
        b"\xef\xbb\xbf" + (FM + "Body.\n\nMore.\n").replace("\n", "\r\n").encode(),
    ),
    bad("crlf-lines-are-fine", (FM + "Body.\n").replace("\n", "\r\n").encode()),
    bad(
        "crlf-lines-are-counted",
        b"---\r\ntitle: T\r\ndate: 2010-02-30\r\n---\r\n# Heading\r\n",
        (3, "field `date`: 2010-02-30 is not a real date (day is out of range for month)"),
        (5, "the title is the only level-1 heading: use `##` for a section heading"),
    ),
    bad(
        "over-size-limit",
        OVERSIZE,
        (None, f"file is {len(OVERSIZE):,} bytes; the limit is {MAX_FILE_BYTES:,}"),
    ),
    # Several problems in one file: all of them, sorted by line.
    bad(
        "many-problems",
        "---\ntitle: T\ndate: 2010-02-30\ntitel: x\nkeywords: ICC\n---\n"
        "# H1\n\nText[^x] and [a](ftp://x).\n\n## A\n\n#### B\n\n![](nowhere.png)\n",
        (3, "field `date`: 2010-02-30 is not a real date (day is out of range for month)"),
        (4, unknown("titel", "title")),
        (5, "field `keywords`: expected a list such as [ICC, Rome Statute], got text"),
        (7, "the title is the only level-1 heading: use `##` for a section heading"),
        (9, "footnote [^x] is cited but never defined"),
        (9, f"link to 'ftp://x': {LINK_ONLY}"),
        (13, "heading level 4 follows level 2: use ###"),
        (15, no_alt("nowhere.png")),
        (15, "image 'nowhere.png' not found"),
    ),
]
CORPUS_PARAMS = [pytest.param(case, id=case.name) for case in CORPUS]


def test_corpus_is_large_and_names_are_unique() -> None:
    """The table has at least 40 bad inputs, each with its own name."""
    assert sum(case.status == 1 for case in CORPUS) >= 40
    assert len({case.name for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS_PARAMS)
def test_check_reports_exact_problems(in_project: Path, case: Bad) -> None:
    """`check FILE` prints exactly the expected problem lines, sorted by line, and its status."""
    case.write(in_project)
    result = invoke("check", case.path)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.stdout == ""
    assert result.stderr.splitlines() == [*case.lines(), summary(1, case.status)]
    assert result.exit_code == case.status
    assert "Traceback" not in result.output


# Site settings: a broken factsheet.yaml stops every command, before any sheet is read.

SITE_CASES = [
    pytest.param(
        "agency: X\ntagine: Y\n",
        ["factsheet.yaml:2: unknown field `tagine`; did you mean `tagline`?"],
        id="unknown-field-did-you-mean",
    ),
    pytest.param(
        "zzzzz: 1\n",
        [f"factsheet.yaml:1: unknown field `zzzzz` (known fields: {SITE_FIELDS})"],
        id="unknown-field",
    ),
    pytest.param(
        "paper: A5\n",
        ["factsheet.yaml:1: field `paper`: expected one of letter, legal, a4, got 'A5'"],
        id="bad-paper",
    ),
    pytest.param(
        "pdf_variant: pdf/x\n",
        [f"factsheet.yaml:1: field `pdf_variant`: expected one of {VARIANTS}, got 'pdf/x'"],
        id="bad-pdf-variant",
    ),
    pytest.param(
        "emblem: templates/nope.svg\n",
        ["factsheet.yaml:1: field `emblem`: no file templates/nope.svg"],
        id="emblem-missing",
    ),
    pytest.param(
        "emblem: ../emblem.svg\n",
        ["factsheet.yaml:1: field `emblem`: must be a file inside templates/ or content/"],
        id="emblem-outside",
    ),
    pytest.param(
        # Inside the project, but not where a build may read.
        "emblem: factsheet.yaml\n",
        ["factsheet.yaml:1: field `emblem`: must be a file inside templates/ or content/"],
        id="emblem-elsewhere-in-project",
    ),
    pytest.param(
        "emblem: /etc/passwd\n",
        ["factsheet.yaml:1: field `emblem`: must be a file inside templates/ or content/"],
        id="emblem-absolute",
    ),
    pytest.param(
        # The bracket opens on line 2: that is where it is reported.
        "agency: X\npaper: [letter\n",
        ["factsheet.yaml:2: YAML error at column 8: this [ is never closed: end the list with ]"],
        id="yaml-syntax",
    ),
    pytest.param(
        "agency: X\n  tagline: Y\n",
        [
            "factsheet.yaml:2: YAML error at column 10: this line is indented: start `tagline:` "
            "at the beginning of the line"
        ],
        id="yaml-syntax-indent",
    ),
    pytest.param(
        "- a\n",
        ["factsheet.yaml:1: factsheet.yaml must be a mapping of `field: value` lines"],
        id="not-a-mapping",
    ),
    pytest.param(
        "agency: !!python/object/apply:os.system [id]\n",
        [
            "factsheet.yaml:1: field `agency`: YAML tag !!python/object/apply:os.system is not "
            "allowed (values are data)"
        ],
        id="python-tag",
    ),
    pytest.param(
        b"agency: Caf\xe9\n",
        ["factsheet.yaml:1: file is not UTF-8 text (byte 0xe9); save it as UTF-8"],
        id="not-utf8",
    ),
    pytest.param(
        "paper: A5\nzzz: 1\nmax_pages: 0\n",
        [
            "factsheet.yaml:1: field `paper`: expected one of letter, legal, a4, got 'A5'",
            f"factsheet.yaml:2: unknown field `zzz` (known fields: {SITE_FIELDS})",
            "factsheet.yaml:3: field `max_pages`: expected a positive whole number, got 0",
        ],
        id="several-problems",
    ),
]


@pytest.mark.parametrize("command", [["check"], ["pdf", "--out", "out"], ["html"]])
@pytest.mark.parametrize(("settings", "expected"), SITE_CASES)
def test_bad_site_settings_stop_every_command(
    in_project: Path, command: list[str], settings: str | bytes, expected: list[str]
) -> None:
    """A broken factsheet.yaml: exit 1, every problem at its line, nothing written."""
    data = settings if isinstance(settings, bytes) else settings.encode()
    (in_project / "factsheet.yaml").write_bytes(data)
    write_sheet(in_project, "good", GOOD)
    result = invoke(*command)
    assert result.stderr.splitlines() == expected
    assert result.stdout == ""
    assert result.exit_code == 1
    assert not (in_project / "out").exists()
    assert not (in_project / "dist").exists()


# The check command as a whole.


def test_check_reports_every_problem_in_every_file(in_project: Path) -> None:
    """`check` with no path checks content/: every problem of every file, good files silent."""
    cases = [c for c in CORPUS if c.name in ("missing-date", "many-problems", "link-relative")]
    for case in cases:
        case.write(in_project)
    write_sheet(in_project, "good", GOOD)
    result = invoke("check")
    expected = [line for case in sorted(cases, key=lambda c: c.name) for line in case.lines()]
    assert result.stderr.splitlines() == [*expected, summary(4, 3)]
    assert result.stdout == ""
    assert result.exit_code == 1


def test_check_good_sheets_exit_zero(in_project: Path) -> None:
    """All good: nothing but the summary, exit 0, nothing written."""
    write_sheet(in_project, "good", GOOD)
    write_sheet(in_project, "other", GOOD)
    result = invoke("check", "content")
    assert result.stderr.splitlines() == [summary(2, 0)]
    assert result.exit_code == 0
    assert not (in_project / "dist").exists()


def test_check_missing_path_is_usage_error(in_project: Path) -> None:
    """A path that does not exist is a usage error (exit 2) naming it."""
    result = invoke("check", "content/nope.md")
    assert result.exit_code == 2
    assert "'content/nope.md' does not exist" in result.stderr


def test_check_non_markdown_path(in_project: Path) -> None:
    """A file that is not .md is refused with a located message."""
    (in_project / "content" / "notes.txt").write_text("x", encoding="utf-8")
    result = invoke("check", "content/notes.txt")
    assert result.stderr.splitlines() == [
        "content/notes.txt: not a content file: expected a .md file"
    ]
    assert result.exit_code == 1


CHECK_WITHOUT_WEASYPRINT = textwrap.dedent(
    """
    import sys
    from click.testing import CliRunner
    from factsheet.cli import cli

    result = CliRunner().invoke(cli, ["check", *sys.argv[1:]])
    print(result.exit_code)
    print(result.stderr, end="")
    assert "weasyprint" not in sys.modules, "check imported WeasyPrint"
    assert not any(name.startswith("weasyprint.") for name in sys.modules)
    """
)


def test_check_does_not_import_weasyprint(in_project: Path) -> None:
    """`check` validates good and bad sheets without WeasyPrint ever being imported."""
    write_sheet(in_project, "good", GOOD)
    CORPUS[0].write(in_project)
    process = subprocess.run(
        [sys.executable, "-c", CHECK_WITHOUT_WEASYPRINT, "content"],
        cwd=in_project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.splitlines() == ["1", *CORPUS[0].lines(), summary(2, 1)]


# A batch through the real command line: good sheets built, bad ones reported, never a traceback.


@dataclass(frozen=True)
class Batch:
    project: Path
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def corpus_batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Every corpus sheet plus two good ones, built with `python build.py pdf` in one batch."""
    project = make_project(tmp_path_factory.mktemp("batch") / "project")
    for case in CORPUS:
        case.write(project)
    write_sheet(project, "good", GOOD)
    write_sheet(project, "good-too", GOOD.replace("Consular Services", "Visa Services"))
    return Batch(project, run_cli(["pdf"], cwd=project))


def test_batch_never_shows_a_traceback(corpus_batch: Batch) -> None:
    """No bad input makes the batch crash: exit 1, one located line per problem."""
    result = corpus_batch.result
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1, result.stderr
    *problems, last = result.stderr.splitlines()
    assert re.fullmatch(r"\d+ built, 0 skipped, \d+ failed in \d+\.\d\d s", last), last
    for line in problems:
        assert PROBLEM_LINE.match(line), line


def test_batch_builds_good_and_reports_each_bad(corpus_batch: Batch) -> None:
    """The good sheets are built; every bad one is reported with its lines and has no PDF."""
    project, result = corpus_batch.project, corpus_batch.result
    stdout, stderr = result.stdout.splitlines(), result.stderr.splitlines()
    for name in ("good", "good-too"):
        pdf = project / "dist" / f"{name}.pdf"
        with pikepdf.open(pdf) as document:
            assert len(document.pages) == 1
        assert f"wrote dist/{name}.pdf (1 page)" in stdout
    failures = []
    for case in CORPUS:
        pdf = project / "dist" / f"{case.name}.pdf"
        if case.status == 0:
            if not pdf.is_file():
                failures.append(f"{case.name}: good sheet not built")
            continue
        if pdf.exists():
            failures.append(f"{case.name}: a PDF was written for a bad sheet")
        missing = [line for line in case.lines() if line not in stderr]
        if missing:
            failures.append(f"{case.name}: not reported: {missing}")
    bad_count = sum(case.status == 1 for case in CORPUS)
    good_count = len(CORPUS) - bad_count + 2
    assert not failures, "\n".join(failures)
    assert stderr[-1].startswith(f"{good_count} built, 0 skipped, {bad_count} failed in ")
    manifest = json.loads((project / "dist" / ".factsheet-manifest.json").read_text("utf-8"))
    built = sorted(f"{c.name}.pdf" for c in CORPUS if c.status == 0)
    assert sorted(manifest["sheets"]) == sorted([*built, "good-too.pdf", "good.pdf"])


# Unexpected internal errors: one line naming --debug, not a traceback.


@pytest.fixture
def main_state() -> Iterator[None]:
    """Undo what factsheet.cli.main installs in the process: a SIGTERM handler, a log handler."""
    handler = signal.getsignal(signal.SIGTERM)
    logger = logging.getLogger("factsheet")
    handlers = list(logger.handlers)
    yield
    signal.signal(signal.SIGTERM, handler)
    logger.handlers[:] = handlers


def _fail(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("simulated failure")


def test_internal_error_is_one_line_naming_debug(
    in_project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    main_state: None,
) -> None:
    """An unexpected exception is that sheet's error: exit 1, one located line that mentions
    --debug (no traceback), and the summary."""
    write_sheet(in_project, "good", GOOD)
    monkeypatch.setattr("factsheet.pipeline.prepare", _fail)
    monkeypatch.setattr(sys, "argv", ["factsheet", "check", "content/good.md"])
    with pytest.raises(SystemExit) as raised:
        cli_module.main()
    assert raised.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "content/good.md: internal error: RuntimeError: simulated failure "
        "(run with --debug for the traceback)",
        "checked 1 sheet: 1 with problems",
    ]


def test_internal_error_in_pdf_is_one_line(
    in_project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    main_state: None,
) -> None:
    """The same for `pdf`: the failing sheet's one line, then the summary."""
    write_sheet(in_project, "good", GOOD)
    monkeypatch.setattr("factsheet.pipeline.prepare", _fail)
    monkeypatch.setattr(sys, "argv", ["factsheet", "pdf", "-j", "1", "content/good.md"])
    with pytest.raises(SystemExit) as raised:
        cli_module.main()
    assert raised.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "content/good.md: internal error: RuntimeError: simulated failure "
        "(run with --debug for the traceback)"
    )
    assert err[1].startswith("0 built, 0 skipped, 1 failed in ")
    assert len(err) == 2
    assert not (in_project / "dist" / "good.pdf").exists()


def test_debug_shows_the_traceback(
    in_project: Path, monkeypatch: pytest.MonkeyPatch, main_state: None
) -> None:
    """With --debug the internal error is raised (and Python prints its traceback)."""
    write_sheet(in_project, "good", GOOD)
    monkeypatch.setattr("factsheet.pipeline.prepare", _fail)
    monkeypatch.setattr(sys, "argv", ["factsheet", "--debug", "check", "content/good.md"])
    with pytest.raises(RuntimeError, match="simulated failure"):
        cli_module.main()


# Hostile YAML that the table cannot hold: it must not crash nor hang the checker.


def test_yaml_alias_bomb_does_not_hang_check(in_project: Path) -> None:
    """A 330-byte front matter of nested aliases (a "billion laughs") is refused at its first
    alias, before any of it is expanded.

    Each level multiplies the work by ten when every alias is walked again: two more levels
    (430 bytes) would take minutes. `check` runs in a subprocess, whose timeout stops the test
    should it hang.
    """
    bomb = {"a0": "&a0 [x,x,x,x,x,x,x,x,x,x]"} | {
        f"a{i}": f"&a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)
    }
    write_sheet(in_project, "bomb", sheet_text("T", "Body.", date="2010-06-11", **bomb))
    result = run_cli(["check", "content/bomb.md"], cwd=in_project)
    assert result.returncode == 1, result.stderr
    *problems, last = result.stderr.splitlines()
    assert last == summary(1, 1)
    assert problems
    for line in problems:
        assert PROBLEM_LINE.match(line), line
        assert line.startswith("content/bomb.md:"), line
    # `a1`, on line 5, holds the first alias.
    assert problems == ["content/bomb.md:5: YAML aliases (*name) are not allowed here"]


def long_sheet(sections: int = 8, **fields: object) -> str:
    """A sheet of ``sections`` sections of three paragraphs: about three letter pages for 8
    (``fields`` are added to the front matter, e.g. ``max_pages``)."""
    body = sections_body(
        sections,
        "Paragraph {section}.{paragraph} opens here and continues with enough ordinary words to "
        "fill several printed lines of the page, so that the sheet grows long and the page "
        "budget is eventually exceeded by a comfortable margin.",
        heading="Section {section} of the sheet",
    )
    return sheet_text("Page Budget Sheet", body, date="2020-01-02", **fields)


def expected_overflow(source: str, reference_pages: list[str], budget: int) -> str:
    """The overflow message derived from a reference build: the block that opens page
    ``budget + 1`` (its first body line, after the running header), found in the source."""
    page = reference_pages[budget].splitlines()
    first = next(line for line in page[1:] if line.strip()).strip()
    lines = source.split("\n")
    number, text = next(
        (index + 1, line)
        for index, line in enumerate(lines)
        if line.lstrip("# ").startswith(first.split()[0] + " " + first.split()[1])
        and squeeze(first) in squeeze(line)
    )
    kind = "heading" if text.startswith("#") else "paragraph"
    text = text.lstrip("# ")
    text = text[:60] + "…" if len(text) > 60 else text
    return (
        f"content/budget.md:{number}: renders to {len(reference_pages)} pages, "
        f"budget is {budget}; page {budget + 1} begins in the {kind} “{text}”"
    )


def test_page_budget_fails_names_overflow_and_keeps_previous_pdf(in_project: Path) -> None:
    """Over budget: exit 1, "renders to N pages, budget is M" and where page M+1 begins; the
    previous good PDF is neither replaced nor recorded as built, so the next build retries."""
    write_sheet(in_project, "budget", long_sheet(max_pages=10))
    result = invoke("pdf", "-j", "1", "content/budget.md")
    assert result.exit_code == 0, result.output
    pdf = in_project / "dist" / "budget.pdf"
    previous = pdf.read_bytes()
    reference = page_texts(pdf)
    assert len(reference) >= 3

    for budget in (1, 2):
        source = long_sheet(max_pages=budget)
        write_sheet(in_project, "budget", source)
        result = invoke("pdf", "-j", "1", "content/budget.md")
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        lines = result.stderr.splitlines()
        # The previous PDF stays, and the failure says so.
        assert lines[0] == (
            expected_overflow(source, reference, budget)
            + " (dist/budget.pdf is from an earlier build)"
        )
        assert lines[1].startswith("0 built, 0 skipped, 1 failed in ")
        assert pdf.read_bytes() == previous
        manifest = json.loads((in_project / "dist" / ".factsheet-manifest.json").read_text())
        assert "budget.pdf" not in manifest["sheets"]
        assert not list((in_project / "dist").glob(".*.tmp"))

    # Not "up to date": the failed sheet is tried again, and fails again.
    again = invoke("pdf", "-j", "1", "content/budget.md")
    assert again.exit_code == 1
    assert "up to date" not in again.output
    assert pdf.read_bytes() == previous


def test_page_budget_fresh_output_writes_no_pdf(in_project: Path) -> None:
    """Over budget with no previous build: no PDF at all, and the site default budget counts."""
    source = long_sheet()
    write_sheet(in_project, "budget", source)
    settings = in_project / "factsheet.yaml"
    settings.write_text(
        settings.read_text("utf-8").replace("max_pages: 4", "max_pages: 2"), encoding="utf-8"
    )
    result = invoke("pdf", "-j", "1", "--out", "fresh", "content/budget.md")
    assert result.exit_code == 1, result.output
    assert re.fullmatch(
        r"content/budget\.md:\d+: renders to \d+ pages, budget is 2; page 3 begins in the "
        r"(heading|paragraph) “[^”]+”",
        result.stderr.splitlines()[0],
    ), result.stderr
    out = in_project / "fresh"
    assert not (out / "budget.pdf").exists()
    assert not list(out.glob("*.pdf"))
    assert not list(out.glob(".*.tmp"))


def test_corrupt_image_fails_the_build_with_one_line(in_project: Path) -> None:
    """An image file that is not what its name says is found by `check` (which reads an
    image's header) and fails `pdf` with the same located line; no PDF, no traceback."""
    write_sheet(in_project, "photo", FM + "Text.\n\n![A photo](photo.png)\n")
    (in_project / "content" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a PNG")
    expected = (
        "content/photo.md:7: image 'photo.png' is not a readable PNG, JPEG, GIF or WebP picture"
    )
    checked = invoke("check", "content/photo.md")
    assert checked.exit_code == 1
    assert checked.stderr.splitlines()[0] == expected
    result = invoke("pdf", "-j", "1", "content/photo.md")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[0] == expected
    assert not (in_project / "dist" / "photo.pdf").exists()


@pytest.mark.parametrize(
    ("name", "field", "message"),
    [
        # A list that contains itself.
        ("loop", "summary: &x [*x]", "YAML aliases (*name) are not allowed here"),
        # An explicit tag on a value that is no timestamp.
        ("stamp", "summary: !!timestamp x", "field `summary`: x is not a real date"),
        # A quoted field name holding a line break: still one line.
        ("key", '"a\\nb": 1', f"unknown field `a\\nb` (known fields: {SHEET_FIELDS})"),
        # A control character (U+001F).
        ("control", "summary: a\x1fb", "YAML error: character U+001F is not allowed"),
    ],
)
def test_hostile_yaml_is_one_located_problem(
    in_project: Path, name: str, field: str, message: str
) -> None:
    """YAML the table cannot hold: one problem, on one line, at its line; never a crash."""
    (in_project / "content" / f"{name}.md").write_text(
        f"---\ntitle: T\ndate: 2010-06-11\n{field}\n---\nBody.\n", encoding="utf-8"
    )
    result = invoke("check", f"content/{name}.md")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"content/{name}.md:4: {message}", summary(1, 1)]
