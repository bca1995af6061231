"""An administrator's text of a template (channels/render.TemplateText) renders as the shipped file does,
in a sandbox."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError

from huikuan.channels.render import (
    LOCALES,
    TemplateText,
    exists,
    names_field,
    render,
    render_text,
    shipped_text,
    template_names,
)
from huikuan.services.message_templates import CHANNELS, sample_context

SHIPPED = [
    (channel, name, locale)
    for channel in CHANNELS
    for name in template_names(channel)
    for locale in LOCALES
    if exists(channel, name, locale)
]


@pytest.mark.parametrize(("channel", "name", "locale"), SHIPPED)
def test_every_shipped_text_taken_as_an_edited_one_writes_the_same_message(
    channel: str, name: str, locale: str
) -> None:
    context = sample_context(channel, locale)
    assert render_text(shipped_text(channel, name, locale), context) == render(channel, name, locale, context)


def test_an_edited_text_given_to_render_is_used_in_place_of_the_file() -> None:
    context = sample_context("sms", "en")
    done = render("sms", "reminder", "en", context, TemplateText("", "Hi {{ recipient_name }}"))
    assert done.body == "Hi Sam Taylor"


def test_an_edited_text_cannot_reach_python_behind_its_fields() -> None:
    with pytest.raises(SecurityError):
        render_text(
            TemplateText("", "{{ recipient_name.__class__.__mro__[1].__subclasses__() }}"),
            {"recipient_name": "x"},
        )


@pytest.mark.parametrize(("channel", "name", "locale"), SHIPPED)
def test_a_text_is_written_the_same_from_the_fields_it_names_alone(
    channel: str, name: str, locale: str
) -> None:
    """A job's message is given only the costly fields (balance, accounts) its template names."""
    context = sample_context(channel, locale)
    named = {k: v for k, v in context.items() if names_field(channel, name, locale, None, k)}
    assert render(channel, name, locale, named) == render(channel, name, locale, context)


def test_names_field_tells_what_a_text_renders() -> None:
    assert not names_field("sms", "reminder", "en", None, "accounts")
    assert names_field("letter", "demand", "en", None, "accounts")
    itemized = TemplateText("", "{% for a in accounts %}{{ a.balance }}{% endfor %}")
    assert names_field("sms", "reminder", "en", itemized, "accounts")
    assert not names_field("sms", "reminder", "en", TemplateText("", "{{ balance }}"), "accounts")
    # A text that cannot be read names everything: rendering it then says what is wrong.
    assert names_field("sms", "reminder", "en", TemplateText("", "{% for %}"), "accounts")
