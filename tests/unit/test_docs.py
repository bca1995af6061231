"""The README and docs/ stand alone: every link they make leads to a file of the repository, none points
outside it, and the rule table by pack says what the pack files say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from huikuan.compliance import load_pack
from huikuan.compliance.pack_params import RULE_IDS

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
OUTSIDE = ("../shared", "shared/design", "/work/shared")


def _name(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_no_page_points_outside_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert [where for where in OUTSIDE if where in text] == []


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_every_relative_link_leads_to_a_file_of_the_repository(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # a web address, or a place on the same page
        path = (page.parent / target.split("#")[0]).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            broken.append(target)
    assert broken == []


def test_the_placement_format_and_the_rules_are_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/placement-format.md)" in readme and "(docs/compliance.md)" in readme


def _cell(value: object) -> str:
    return "[" + ", ".join(value) + "]" if isinstance(value, tuple) else str(value)


def test_the_table_of_rules_by_pack_says_what_each_pack_file_says() -> None:
    text = (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")
    header = re.search(r"^\| Rule \|(.*)\|$", text, re.MULTILINE)
    assert header, "docs/compliance.md has no table of the rules by pack"
    packs = [load_pack(name.strip().strip("`")) for name in header.group(1).split("|")]
    assert sorted(p.name for p in packs) == ["cn", "uk-conc", "us-reg-f"]
    for rule_id in RULE_IDS:
        row = re.search(rf"^\| `{re.escape(rule_id)}` \|(.*)\|$", text[header.end() :], re.MULTILINE)
        assert row, f"{rule_id} is missing from the table of rules by pack"
        for pack, cell in zip(packs, row.group(1).split(" | "), strict=True):
            settings = pack.rules[rule_id]
            state, _, params = cell.strip().partition(": ")
            assert state == ("**on**" if settings.enabled else "off"), (pack.name, rule_id)
            written = dict(re.findall(r"`(\w+) = ([^`]*)`", params))
            assert written == {k: _cell(v) for k, v in settings.params.items()}, (pack.name, rule_id)
