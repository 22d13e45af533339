"""Colour contrast of the stylesheet: every text colour is at least 4.5:1 (WCAG 2.1 AA).

templates/factsheet.css is parsed with tinycss2 (installed with WeasyPrint), including the
@page rule and its margin boxes. For each rule that sets ``color``, the contrast ratio is taken
against the rule's own background (``background-color`` or a colour in ``background``), else
white paper. A colour that cannot be parsed fails the test rather than being skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import tinycss2
import tinycss2.color3
from helpers import PROJECT_ROOT

STYLESHEET = PROJECT_ROOT / "templates" / "factsheet.css"
WHITE = (1.0, 1.0, 1.0, 1.0)
MINIMUM_RATIO = 4.5
# The USWDS secondary red: for the thin rule under the masthead only, never for text.
SECONDARY_RED = (0xD8, 0x39, 0x33)

RGBA = tuple[float, float, float, float]


@dataclass(frozen=True)
class Rule:
    """A style rule: where it is (its selector, with enclosing at-rules) and its declarations."""

    selector: str
    declarations: list[tinycss2.ast.Declaration]


def _declarations_and_rules(content: list) -> tuple[list, list]:
    nodes = tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True)
    declarations = [node for node in nodes if node.type == "declaration"]
    others = [node for node in nodes if node.type in ("qualified-rule", "at-rule", "error")]
    return declarations, others


def rules(nodes: list, context: str = "") -> Iterator[Rule]:
    """Every rule with declarations, at any depth (@page, its margin boxes, @media …)."""
    for node in nodes:
        if node.type == "error":
            pytest.fail(f"{STYLESHEET.name}: CSS parse error: {node.message}")
        if node.type == "qualified-rule":
            selector = (context + " " + tinycss2.serialize(node.prelude).strip()).strip()
            declarations, nested = _declarations_and_rules(node.content)
            yield Rule(selector, declarations)
            yield from rules(nested, selector)
        elif node.type == "at-rule" and node.content is not None:
            name = f"@{node.at_keyword} {tinycss2.serialize(node.prelude).strip()}".strip()
            selector = (context + " " + name).strip()
            if node.lower_at_keyword in ("media", "supports", "layer", "document"):
                yield from rules(
                    tinycss2.parse_rule_list(
                        node.content, skip_comments=True, skip_whitespace=True
                    ),
                    selector,
                )
                continue
            declarations, nested = _declarations_and_rules(node.content)
            yield Rule(selector, declarations)
            yield from rules(nested, selector)


def stylesheet_rules() -> list[Rule]:
    css = STYLESHEET.read_text(encoding="utf-8")
    nodes = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return list(rules(nodes))


def _value_tokens(declaration: tinycss2.ast.Declaration) -> list:
    return [token for token in declaration.value if token.type not in ("whitespace", "comment")]


def parse_colour(declaration: tinycss2.ast.Declaration) -> RGBA:
    """The declaration's single colour value as RGBA in 0…1; fails the test otherwise."""
    tokens = _value_tokens(declaration)
    value = tinycss2.serialize(declaration.value).strip()
    colour = tinycss2.color3.parse_color(tokens[0]) if len(tokens) == 1 else None
    if colour is None or isinstance(colour, str):
        pytest.fail(f"cannot check `{declaration.name}: {value}`: not a concrete colour")
    return (colour.red, colour.green, colour.blue, colour.alpha)


def background_of(rule: Rule) -> tuple[RGBA, str]:
    """The rule's background colour (the last one declared) and a description; white if none."""
    background, described = WHITE, "white paper (no background set)"
    for declaration in rule.declarations:
        value = tinycss2.serialize(declaration.value).strip()
        if declaration.lower_name == "background-color":
            background, described = parse_colour(declaration), f"background-color: {value}"
        elif declaration.lower_name == "background":
            tokens = _value_tokens(declaration)
            colours = [tinycss2.color3.parse_color(token) for token in tokens]
            found = [colour for colour in colours if colour is not None]
            if any(isinstance(colour, str) for colour in found) or len(found) > 1:
                pytest.fail(f"{rule.selector}: cannot check `background: {value}`")
            if any(
                token.type == "url" or (token.type == "function" and colour is None)
                for token, colour in zip(tokens, colours, strict=True)
            ):
                pytest.fail(f"{rule.selector}: cannot check text over a background image: {value}")
            if found:
                colour = found[0]
                background = (colour.red, colour.green, colour.blue, colour.alpha)
                described = f"background: {value}"
            elif value.lower() != "none":
                background, described = WHITE, f"background: {value} (white paper)"
    return over(background, WHITE), described


def over(top: RGBA, bottom: RGBA) -> RGBA:
    """``top`` composited over the opaque ``bottom``."""
    alpha = top[3]
    return (
        top[0] * alpha + bottom[0] * (1 - alpha),
        top[1] * alpha + bottom[1] * (1 - alpha),
        top[2] * alpha + bottom[2] * (1 - alpha),
        1.0,
    )


def luminance(colour: RGBA) -> float:
    """WCAG 2.1 relative luminance."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in colour[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: RGBA, second: RGBA) -> float:
    """WCAG 2.1 contrast ratio, 1 … 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def hex_of(colour: RGBA) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in colour[:3])


def text_colours() -> list[tuple[Rule, tinycss2.ast.Declaration]]:
    """Every ``color`` declaration of the stylesheet with its rule."""
    return [
        (rule, declaration)
        for rule in stylesheet_rules()
        for declaration in rule.declarations
        if declaration.lower_name == "color"
    ]


def test_luminance_formula() -> None:
    """The contrast computation itself: black on white is 21:1, #767676 on white ≈ 4.54:1."""
    black, grey = (0.0, 0.0, 0.0, 1.0), (0x76 / 255, 0x76 / 255, 0x76 / 255, 1.0)
    assert contrast(black, WHITE) == pytest.approx(21.0)
    assert contrast(grey, WHITE) == pytest.approx(4.54, abs=0.01)


def test_every_text_colour_has_enough_contrast() -> None:
    """Every rule that sets `color` has at least 4.5:1 against its background (else white)."""
    checked, failures = [], []
    for rule, declaration in text_colours():
        background, described = background_of(rule)
        text = over(parse_colour(declaration), background)
        ratio = contrast(text, background)
        line = f"{rule.selector} {{color: {hex_of(text)}}} on {described}: {ratio:.2f}:1"
        checked.append(line)
        if ratio < MINIMUM_RATIO:
            failures.append(line)
    assert checked, f"no `color` declaration found in {STYLESHEET}"
    listing = "\n  ".join(checked)
    assert not failures, (
        f"text colours below {MINIMUM_RATIO}:1:\n  " + "\n  ".join(failures)
    ) + f"\nchecked:\n  {listing}"
    selectors = {rule.selector for rule, _ in text_colours()}
    for expected in ("html", ".body a", "@page @top-left", "@page @bottom-right"):
        assert expected in selectors, f"{expected!r} not checked; checked:\n  {listing}"


def test_secondary_red_is_never_text_colour() -> None:
    """#d83933 (the secondary red) is used for rules only, never as a text `color`."""
    offenders = []
    for rule, declaration in text_colours():
        red, green, blue, _ = parse_colour(declaration)
        if (round(red * 255), round(green * 255), round(blue * 255)) == SECONDARY_RED:
            offenders.append(f"{rule.selector}: color: {tinycss2.serialize(declaration.value)}")
    assert not offenders, "secondary red used as a text colour:\n  " + "\n  ".join(offenders)


@pytest.mark.parametrize(
    ("css", "message"),
    [
        ("p { color: currentColor }", "not a concrete colour"),
        ("p { color: inherit }", "not a concrete colour"),
        ("p { color: #12 }", "not a concrete colour"),
    ],
)
def test_unparseable_colour_fails(css: str, message: str) -> None:
    """The checker fails on a colour it cannot evaluate instead of skipping it."""
    nodes = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    (rule,) = rules(nodes)
    with pytest.raises(pytest.fail.Exception, match=message):
        parse_colour(rule.declarations[0])


def test_background_of_rule_is_used() -> None:
    """A rule's own background is what its text colour is measured against."""
    css = "p { color: #ffffff; background: #162e51 } q { color: #777; }"
    nodes = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    paragraph, quote = rules(nodes)
    background, _ = background_of(paragraph)
    assert hex_of(background) == "#162e51"
    assert contrast(parse_colour(paragraph.declarations[0]), background) > 13
    assert background_of(quote)[0] == WHITE


def test_background_image_cannot_be_checked() -> None:
    """Text over a background image fails: its contrast cannot be computed."""
    nodes = tinycss2.parse_stylesheet(
        "p { color: #000; background: #fff url(x.png) }", skip_comments=True, skip_whitespace=True
    )
    (rule,) = rules(nodes)
    with pytest.raises(pytest.fail.Exception, match="background image"):
        background_of(rule)
