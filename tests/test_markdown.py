"""Unit tier (no PDF): the Markdown body as print HTML, built from real content files."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import sheet_text, write_sheet

from factsheet.config import Site, load_site
from factsheet.content import Sheet, load_sheet
from factsheet.markdown import render_body
from factsheet.profiles import build_profile
from factsheet.render import render_document


class Spans(HTMLParser):
    """Collects the text of every ``<span class="…">`` and ``<a class="…">`` by class (nested
    ones included): a note's printed address is a link to itself, ``<a class="url">``."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, list[str]] = {}
        self._open: list[tuple[str | None, list[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("span", "a"):
            self._open.append((dict(attrs).get("class"), []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("span", "a") and self._open:
            name, parts = self._open.pop()
            text = "".join(parts)
            # By each of its classes: a link's note is `note link-note`.
            for each in (name or "").split():
                self.texts.setdefault(each, []).append(text)
            if self._open:
                self._open[-1][1].append(text)

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][1].append(data)

    def of(self, name: str) -> list[str]:
        """Texts of the spans of class ``name``, in document order of their end."""
        return self.texts.get(name, [])


@pytest.fixture
def site(project: Path) -> Site:
    """The repo's site settings, loaded from a fresh project."""
    return load_site(project)


def make_sheet(
    project: Path, site: Site, body: str, title: str = "Unit Test Sheet", **fields: object
) -> Sheet:
    """Write ``content/unit.md`` with minimal front matter (and ``fields``) and ``body``."""
    path = write_sheet(project, "unit", sheet_text(title, body, date="2020-01-02", **fields))
    return load_sheet(path, site)


def body_html(project: Path, site: Site, body: str) -> str:
    """The print HTML of a Markdown body."""
    return render_body(make_sheet(project, site, body), site).html


def test_link_text_differing_from_address_gets_address_note(project: Path, site: Site) -> None:
    """A link such as [the Department](https://…) gets a note printing its address."""
    html = body_html(project, site, "See [the Department](https://www.state.gov/about/).")
    spans = Spans(html)
    assert len(spans.of("note")) == 1
    assert spans.of("url") == ["https://www.state.gov/about/"]
    # The printed address is itself a link to the address.
    assert '<a class="url" href="https://www.state.gov/about/">' in html
    assert "https://www.state.gov/about/" in spans.of("note")[0]


@pytest.mark.parametrize(
    "markdown",
    [
        "Visit <https://www.state.gov>.",
        "Visit [https://www.state.gov](https://www.state.gov).",
        "Visit [www.state.gov](https://www.state.gov/).",
    ],
)
def test_link_text_that_is_its_address_gets_no_note(
    project: Path, site: Site, markdown: str
) -> None:
    """When the reader can already see the address, no note repeats it."""
    html = body_html(project, site, markdown)
    spans = Spans(html)
    assert spans.of("note") == []
    assert spans.of("url") == []
    assert "www.state.gov" in html


def test_disclaimer_once_with_two_external_links(project: Path, site: Site) -> None:
    """Two links leaving the U.S. Government: the disclaimer is printed once, with the first."""
    markdown = (
        "Partners include [one group](https://www.example.org/a) and "
        "[another group](https://www.example.com/b)."
    )
    spans = Spans(body_html(project, site, markdown))
    assert spans.of("disclaimer") == [site.disclaimer]
    notes = spans.of("note")
    assert len(notes) == 2
    assert site.disclaimer in notes[0]
    assert "https://www.example.org/a" in notes[0]
    assert site.disclaimer not in notes[1]
    assert "https://www.example.com/b" in notes[1]


@pytest.mark.parametrize(
    "address", ["https://www.usa.gov/benefits", "https://www.army.mil/", "https://www.fs.fed.us/"]
)
def test_government_link_gets_address_but_no_disclaimer(
    project: Path, site: Site, address: str
) -> None:
    """A .gov (or .mil, .fed.us) link gets its address note but never the disclaimer."""
    spans = Spans(body_html(project, site, f"Read [the guidance]({address})."))
    assert spans.of("url") == [address]
    assert spans.of("disclaimer") == []


def test_listed_government_domain_counts_as_government(project: Path) -> None:
    """A domain listed in government_domains is treated like .gov: no disclaimer."""
    config = project / "factsheet.yaml"
    text = config.read_text(encoding="utf-8")
    assert "government_domains: []" in text
    config.write_text(
        text.replace("government_domains: []", "government_domains: [americorps.org]"),
        encoding="utf-8",
    )
    listed = load_site(project)
    markdown = "Volunteer with [AmeriCorps](https://www.americorps.org/serve)."
    spans = Spans(body_html(project, listed, markdown))
    assert spans.of("url") == ["https://www.americorps.org/serve"]
    assert spans.of("disclaimer") == []
    # Control: the same link with the default settings carries the disclaimer.
    config.write_text(text, encoding="utf-8")
    default = load_site(project)
    assert Spans(body_html(project, default, markdown)).of("disclaimer") == [default.disclaimer]


def test_raw_html_is_escaped(project: Path, site: Site) -> None:
    """Raw HTML in the Markdown is printed as text, never passed through."""
    markdown = "<script>alert('x')</script>\n\nSome <b>bold</b> and <img src=x onerror=y> text."
    html = body_html(project, site, markdown)
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "<b>" not in html
    assert "<img" not in html


def test_jinja_syntax_stays_literal(project: Path, site: Site) -> None:
    """Template syntax in a sheet's title or body is printed as written, not evaluated."""
    sheet = make_sheet(
        project,
        site,
        "The total is {{ 7*7 }} and {% if true %}yes{% endif %}.",
        title='"Budget {{ 7*7 }}"',
    )
    document = render_document(sheet, render_body(sheet, site), site, build_profile(site))
    # (The paragraph's short last word is tied to the one before by a no-break space.)
    html = document.html.replace("\u00a0", " ")
    assert "The total is {{ 7*7 }} and {% if true %}yes{% endif %}." in html
    assert "<title>Budget {{ 7*7 }}</title>" in document.html
    assert ">Budget {{ 7*7 }}</h1>" in document.html


def test_smart_typography(project: Path, site: Site) -> None:
    """Double hyphens become an en dash, triple an em dash, straight quotes curly."""
    markdown = "In 2010--2012 the office --- as \"planned\" --- moved; it's 'done'."
    html = body_html(project, site, markdown)
    assert "2010\u20132012" in html
    assert "office \u2014 as" in html
    assert "\u201cplanned\u201d" in html
    assert "it\u2019s" in html
    assert "\u2018done\u2019" in html
    assert "--" not in html
    assert '"' not in re.sub(r"<[^>]*>", "", html)


def test_table_header_cells_have_column_scope(project: Path, site: Site) -> None:
    """Header cells of a table are marked scope="col" for screen readers; data cells are not."""
    markdown = "| Country | Fellows |\n|---|---:|\n| Ghana | 10 |\n| Peru | 8 |"
    html = body_html(project, site, markdown)
    header_tags = re.findall(r"<th\b[^>]*>", html)
    assert len(header_tags) == 2
    assert all('scope="col"' in tag for tag in header_tags)
    assert all("scope" not in tag for tag in re.findall(r"<td\b[^>]*>", html))


@pytest.mark.parametrize(
    ("before", "number"),
    [("", "1"), ("Read [the report](https://www.state.gov/report). ", "2")],
)
def test_repeated_footnote_repeats_number(
    project: Path, site: Site, before: str, number: str
) -> None:
    """A footnote cited twice is printed once; the second citation repeats its number."""
    markdown = f"{before}First claim.[^src] Second claim.[^src]\n\n[^src]: The annual survey."
    spans = Spans(body_html(project, site, markdown))
    notes_with_text = [note for note in spans.of("note") if "The annual survey." in note]
    assert len(notes_with_text) == 1
    assert spans.of("note-call") == [number]


def test_repeated_link_repeats_note_number(project: Path, site: Site) -> None:
    """The same address linked twice gets one note; the second link repeats its number."""
    markdown = (
        "See [the guide](https://www.state.gov/guide), the [form](https://www.state.gov/form) "
        "and [the guide again](https://www.state.gov/guide)."
    )
    spans = Spans(body_html(project, site, markdown))
    assert spans.of("url") == ["https://www.state.gov/guide", "https://www.state.gov/form"]
    assert spans.of("note-call") == ["1"]


@pytest.mark.parametrize(
    ("lang", "first", "eleventh"),
    [
        ("en", "June 1, 2010", "June 11, 2010"),
        ("en-US", "June 1, 2010", "June 11, 2010"),
        ("fr", "1er juin 2010", "11 juin 2010"),
        ("es", "1 de junio de 2010", "11 de junio de 2010"),
        ("pt-BR", "1 de junho de 2010", "11 de junho de 2010"),
        ("de", "1. Juni 2010", "11. Juni 2010"),
        ("it", "1 giugno 2010", "11 giugno 2010"),
        ("ja", "2010年6月1日", "2010年6月11日"),
        ("zh-TW", "2010年6月1日", "2010年6月11日"),
        ("ar", "1 يونيو 2010", "11 يونيو 2010"),
        ("fa", "۱ ژوئن ۲۰۱۰", "۱۱ ژوئن ۲۰۱۰"),  # Persian digits, CLDR's default for fa
        ("hi", "1 जून 2010", "11 जून 2010"),
        ("sw", "June 1, 2010", "June 11, 2010"),  # no catalog for it: printed as in English
    ],
)
def test_dates_are_printed_in_the_sheets_language(lang: str, first: str, eleventh: str) -> None:
    """The printed date follows `lang`, as a reader of that language writes it."""
    from factsheet.locale import locale_for

    assert locale_for(lang).format_date(datetime.date(2010, 6, 1)) == first
    assert locale_for(lang).format_date(datetime.date(2010, 6, 11)) == eleventh


@pytest.mark.parametrize(
    ("lang", "written", "printed"),
    [
        ("en", "Blinken's Visit", "Blinken’s Visit"),
        ("en", '"Quoted" title -- now...', "“Quoted” title – now…"),
        ("fr", "FICHE D'INFORMATION", "FICHE D’INFORMATION"),
        ("fr", 'Le "programme"', "Le «\u00a0programme\u00a0»"),
        ("de", '"Zitat"', "„Zitat“"),
        ("en", "Budget {{ 7*7 }} *not emphasis* [x](y)", "Budget {{ 7*7 }} *not emphasis* [x](y)"),
    ],
)
def test_front_matter_strings_get_the_bodys_typography(
    project: Path, site: Site, lang: str, written: str, printed: str
) -> None:
    """Title, label, office and dateline print with the body's quotes and dashes."""
    quoted = '"' + written.replace("\\", "\\\\").replace('"', '\\"') + '"'
    sheet = make_sheet(project, site, "Body.", title=quoted, label=quoted, office=quoted, lang=lang)
    assert (sheet.title, sheet.label, sheet.office) == (printed, printed, printed)
