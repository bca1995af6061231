"""Message templates: templates/<channel>/<name>.<locale>.j2 (Jinja2), one file per language.

A template has a `subject` block (e-mail and letters) and a `body` block; a template without blocks is
all body (SMS). The text is plain (no HTML), rendered with StrictUndefined so that a misspelt field
fails instead of printing nothing. The context each template gets is listed in docs/messages.md; amounts
and dates arrive already formatted for the template's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
    meta,
)
from jinja2.sandbox import SandboxedEnvironment

from huikuan.channels.money_format import money_text_of

TEMPLATES = Path(__file__).with_name("templates")
LOCALES = ("zh_CN", "en")
# Labels shown to collectors (gettext msgids); a template not listed shows its file name.
LABELS = {
    "reminder": "Reminder",
    "payment_confirmation": "Payment confirmation",
    "arrangement_confirmation": "Arrangement confirmation",
    "demand": "Demand letter",
    "promise_reminder": "Promise reminder",
    "dispute_resolved": "Answer to a dispute",
    "paid_in_full": "Paid in full",
}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,60}$")

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=False,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    auto_reload=False,  # shipped files: compiled once, not checked on disk again for every message
)

# An administrator's text (services/message_templates.py) is compiled here, in a sandbox: it may use the
# context's fields, never reach Python's objects behind them.
_edited = SandboxedEnvironment(
    autoescape=False,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@dataclass(frozen=True)
class TemplateText:
    """A template's text as an administrator edits it: the subject (e-mail and letters) and the body, each
    Jinja2 source with the same fields as the shipped file. The service layer looks it up and passes it in
    (channels never read the database)."""

    subject: str
    body: str


def _source(text: TemplateText) -> str:
    return (
        "{% block subject %}" + text.subject + "{% endblock %}{% block body %}" + text.body + "{% endblock %}"
    )


def edited_template(text: TemplateText) -> Template:
    """The administrator's text as one template with `subject` and `body` blocks; TemplateSyntaxError if
    it does not parse."""
    return _edited.from_string(_source(text))


def template_fields(text: TemplateText) -> frozenset[str]:
    """The context fields the text names (top-level names only); TemplateSyntaxError if it does not parse."""
    return frozenset(meta.find_undeclared_variables(_edited.parse(_source(text))))


@lru_cache(maxsize=1024)  # asked for every message a job writes
def names_field(channel: str, name: str, locale: str, override: TemplateText | None, field: str) -> bool:
    """Whether the template (the administrator's `override`, else the shipped file) renders this context
    field; True when its text cannot be read, so that rendering it reports what is wrong."""
    try:
        return field in template_fields(override or shipped_text(channel, name, locale))
    except (LookupError, TemplateSyntaxError):
        return True


def shipped_text(channel: str, name: str, locale: str) -> TemplateText:
    """The shipped file's subject and body sources (a file without blocks is all body); LookupError if
    there is no such file."""
    if not exists(channel, name, locale):
        raise LookupError(f"{channel}/{name}.{locale}.j2")
    source = (TEMPLATES / channel / f"{name}.{locale}.j2").read_text("utf-8")
    body = re.search(r"{%-?\s*block body\s*-?%}(.*?){%-?\s*endblock\s*-?%}", source, re.S)
    if body is None:
        return TemplateText("", source.strip())
    subject = re.search(r"{%-?\s*block subject\s*-?%}(.*?){%-?\s*endblock\s*-?%}", source, re.S)
    return TemplateText(subject.group(1).strip() if subject else "", body.group(1).strip("\n"))


def template_names(channel: str) -> list[str]:
    """The templates of a channel (names present in at least one language), sorted."""
    return list(_names(channel))


@lru_cache(maxsize=64)  # the shipped files do not change while the program runs; a job asks per message
def _names(channel: str) -> tuple[str, ...]:
    folder = TEMPLATES / channel
    if not _NAME.match(channel) or not folder.is_dir():
        return ()
    return tuple(sorted({p.name.split(".")[0] for p in folder.glob("*.j2")}))


@lru_cache(maxsize=1024)
def exists(channel: str, name: str, locale: str | None = None) -> bool:
    if not (_NAME.match(channel) and _NAME.match(name)):
        return False
    locales = (locale,) if locale else LOCALES
    return any((TEMPLATES / channel / f"{name}.{loc}.j2").is_file() for loc in locales)


def render(
    channel: str,
    name: str,
    locale: str,
    context: Mapping[str, Any],
    override: TemplateText | None = None,
) -> Rendered:
    """The subject and body of a template (`override`: an administrator's text in place of the shipped
    file); raises LookupError if it does not exist in that language, jinja2's errors if it does not render
    (a missing field)."""
    if not exists(channel, name, locale):
        raise LookupError(f"{channel}/{name}.{locale}.j2")
    if override is not None:
        return render_text(override, context)
    try:
        template = _env.get_template(f"{channel}/{name}.{locale}.j2")
    except (TemplateNotFound, TemplateSyntaxError) as exc:
        raise LookupError(str(exc)) from exc
    return _rendered(template, context)


def render_text(text: TemplateText, context: Mapping[str, Any]) -> Rendered:
    """An administrator's text rendered with `context`; jinja2's errors if it does not parse or render."""
    return _rendered(edited_template(text), context)


def _rendered(template: Template, context: Mapping[str, Any]) -> Rendered:
    values = dict(context)
    if "body" not in template.blocks:
        return Rendered("", _tidy(template.render(values)))
    ctx = template.new_context(values)
    subject = "".join(template.blocks["subject"](ctx)) if "subject" in template.blocks else ""
    body = "".join(template.blocks["body"](ctx))
    return Rendered(" ".join(subject.split()), _tidy(body))


def _tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, no blank lines at either end."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


@lru_cache(maxsize=64)
def _babel(locale: str) -> Locale:
    """The parsed locale (Babel parses a locale's name again on every call otherwise)."""
    return Locale.parse(locale)


@lru_cache(maxsize=4096)  # a job writes the same amounts (nothing, a common fee) many times over
def money_text(minor: int, currency: str, locale: str) -> str:
    """12345 CNY -> ¥123.45 (zh_CN) or CN¥123.45 (en): exact, from minor units."""
    return money_text_of(minor, currency, _babel(locale))


@lru_cache(maxsize=4096)  # a job writes the same few days (today, the dispute deadline) in every message
def date_text(day: date, locale: str) -> str:
    """2026年11月20日 (zh_CN) or November 20, 2026 (en)."""
    return format_date(day, format="long", locale=_babel(locale))


def written_in(name: str, locale: str) -> bool:
    """Whether a person's name is written in the message's language: Han characters for Chinese, Latin
    letters for English (a name in another script is not put into that message)."""
    scripts = {_script(ch) for ch in name if ch.isalpha()}
    if not scripts:
        return False
    return scripts == {"han"} if locale == "zh_CN" else scripts == {"latin"}


def _script(ch: str) -> str:
    described = unicodedata.name(ch, "")
    if described.startswith("CJK "):
        return "han"
    if described.startswith("LATIN "):
        return "latin"
    return "other"
