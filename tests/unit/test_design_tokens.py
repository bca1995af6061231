"""The stylesheet's design tokens (docs/design.md): every colour is named once, in :root, and every text
colour is legible on the backgrounds it is used on (WCAG 2.1 AA: a contrast of 4.5:1 for text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import huikuan.web

CSS = (Path(huikuan.web.__file__).parent / "static" / "app.css").read_text(encoding="utf-8")
AA_TEXT = 4.5
STATES = ("allowed", "blocked", "warning", "info")


def _root() -> tuple[dict[str, str], str]:
    """The custom properties of :root, their var() references resolved, and the rest of the sheet."""
    found = re.search(r":root\s*\{(.*?)\n\}", CSS, re.S)
    assert found, "app.css has no :root block"
    body = re.sub(r"/\*.*?\*/", "", found.group(1), flags=re.S)
    written = {name: value.strip() for name, value in re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", body)}

    def resolve(value: str) -> str:
        return re.sub(r"var\((--[\w-]+)\)", lambda m: resolve(written[m.group(1)]), value)

    rest = CSS[: found.start()] + CSS[found.end() :]
    return {name: resolve(value) for name, value in written.items()}, rest


TOKENS, REST = _root()


def _luminance(colour: str) -> float:
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#767676", "#fff"), 2) == 4.54  # the lightest grey that passes on white


@pytest.mark.parametrize("state", STATES)
def test_each_state_has_a_text_colour_legible_on_its_own_background_and_on_the_page(state: str) -> None:
    text, background = TOKENS[f"--{state}"], TOKENS[f"--{state}-bg"]
    for ground in (background, TOKENS["--card"], TOKENS["--bg"]):
        assert contrast(text, ground) >= AA_TEXT, (state, text, ground, round(contrast(text, ground), 2))


@pytest.mark.parametrize(
    ("text", "ground"),
    [("--fg", "--card"), ("--fg", "--bg"), ("--muted", "--card"), ("--muted", "--bg"),
     ("--primary", "--card"), ("--on-primary", "--primary"), ("--on-bar", "--bar"),
     ("--fg", "--primary-soft")],
)  # fmt: skip
def test_the_neutrals_are_legible(text: str, ground: str) -> None:
    assert contrast(TOKENS[text], TOKENS[ground]) >= AA_TEXT


def test_the_class_names_of_the_templates_are_the_states() -> None:
    assert (TOKENS["--ok"], TOKENS["--bad"], TOKENS["--warn"]) == (
        TOKENS["--allowed"],
        TOKENS["--blocked"],
        TOKENS["--warning"],
    )


def test_no_colour_is_written_outside_the_tokens() -> None:
    literals = re.findall(
        r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(", re.sub(r"/\*.*?\*/", "", REST, flags=re.S)
    )
    assert literals == [], "use a colour token of :root instead"
