"""Translations: English source strings, zh_CN from a gettext catalog read with Babel (no compile step)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = ("zh_CN", "en")
_CATALOGS = Path(__file__).with_name("locale")


@cache
def _catalog(locale: str) -> dict[str, str]:
    """Every catalog of the locale merged: messages.po (command line) and one per area of the web app."""
    merged: dict[str, str] = {}
    for path in sorted((_CATALOGS / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        merged.update({str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy})
    return merged


def normalize_locale(value: str | None) -> str:
    """Maps zh, zh-CN, zh_CN.UTF-8, en-US ... onto one of LOCALES."""
    if value and value.lower().replace("-", "_").startswith("zh"):
        return "zh_CN"
    return "en"


def default_locale() -> str:
    from huikuan.config import get_settings

    configured = get_settings().locale
    return normalize_locale(configured or os.environ.get("LC_ALL") or os.environ.get("LANG"))


def gettext(msgid: str, locale: str | None = None, /, **values: object) -> str:
    text = _catalog(locale or default_locale()).get(msgid, msgid)
    return text.format(**values) if values else text
