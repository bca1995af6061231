"""Everything a person sees exists in Chinese and English."""

import re
from pathlib import Path

import pytest

from huikuan.i18n import _catalog, gettext, normalize_locale

SRC = Path(__file__).resolve().parents[2] / "src" / "huikuan"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("zh", "zh_CN"), ("zh-CN", "zh_CN"), ("zh_CN.UTF-8", "zh_CN"), ("en-US", "en"), (None, "en")],
)
def test_locales_are_normalised(given: str | None, expected: str) -> None:
    assert normalize_locale(given) == expected


def test_a_message_is_shown_in_chinese_with_its_values() -> None:
    assert gettext("Error: {message}", "zh_CN", message="x") == "错误：x"
    assert gettext("Error: {message}", "en", message="x") == "Error: x"


def test_every_message_of_the_command_line_has_a_chinese_translation() -> None:
    catalog = _catalog("zh_CN")
    sources = [*(SRC / "cli").glob("*.py"), SRC / "web" / "app.py"]
    text = "".join(path.read_text(encoding="utf-8") for path in sources)
    # _("...") calls, with implicitly concatenated literals joined.
    calls = re.findall(r'_\(\s*((?:"[^"]*"\s*)+)', text)
    msgids = {"".join(re.findall(r'"([^"]*)"', call)) for call in calls}
    missing = sorted(m for m in msgids if m not in catalog)
    assert missing == []


ERRORS = (
    r"(?:InvalidInput|NotFound|Forbidden|NotAuthenticated|Throttled|Conflict|AlreadyExists|ComplianceRefused"
    r"|Busy|StoreFailed|ProviderUnavailable)"
)


def _literals(pattern: str, text: str) -> set[str]:
    """The msgids of calls matching `pattern`, with implicitly concatenated literals joined."""
    found = set()
    for call in re.findall(pattern + r'\(\s*((?:"[^"]*"\s*)+)', text):
        found.add("".join(re.findall(r'"([^"]*)"', call)))
    return found


def test_every_text_of_the_web_app_and_every_error_it_can_show_has_a_chinese_translation() -> None:
    catalog = _catalog("zh_CN")
    msgids: set[str] = set()
    for path in [
        *(SRC / "web").rglob("*.py"),
        *(SRC / "services").glob("*.py"),
        *(SRC / "channels").rglob("*.py"),
    ]:
        text = path.read_text(encoding="utf-8")
        msgids |= _literals(r"(?<![\w.])_", text)
        msgids |= _literals(r"raise " + ERRORS, text)
    for path in (SRC / "web" / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        msgids |= set(re.findall(r'_\(\s*"([^"]*)"', text)) | set(re.findall(r"_\(\s*'([^']*)'", text))
    missing = sorted(m for m in msgids if m not in catalog)
    assert missing == []


def test_every_reason_terms_are_refused_has_a_chinese_translation() -> None:
    # domain.commission.BadTerms keeps its msgid; services/money_terms.py shows it as InvalidInput.
    catalog = _catalog("zh_CN")
    text = (SRC / "domain" / "commission.py").read_text(encoding="utf-8")
    msgids = _literals(r"raise BadTerms", text)
    assert "route: trust or creditor" in msgids
    assert sorted(m for m in msgids if m not in catalog) == []


def test_a_text_kept_in_several_catalogs_says_the_same_thing_in_each() -> None:
    """The catalogs are merged into one, so one English text has one Chinese text: a text meaning two
    things needs two msgids."""
    from babel.messages.pofile import read_po

    seen: dict[str, tuple[str, str]] = {}
    differ = []
    for path in sorted((SRC / "locale" / "zh_CN" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            for m in read_po(fh, locale="zh_CN"):
                if not m.id or not m.string or m.fuzzy:
                    continue
                key, text = str(m.id), str(m.string)
                if key in seen and seen[key][1] != text:
                    differ.append(f"{key!r}: {seen[key][0]} {seen[key][1]!r}, {path.name} {text!r}")
                seen.setdefault(key, (path.name, text))
    assert differ == []
