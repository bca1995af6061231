"""Every message carries what its creditor's rule pack requires for its channel (channels/disclosures.py):
each pack x channel x template x language is rendered and checked."""

from __future__ import annotations

import pytest
from tests.support.message_context import template_context as _context

from huikuan.channels import disclosures
from huikuan.channels.render import LOCALES, render, template_names

PACKS = ("cn", "uk-conc", "us-reg-f")
CHANNELS = ("sms", "email", "letter")
CASES = [
    (pack, channel, template, locale)
    for pack in PACKS
    for channel in CHANNELS
    for template in template_names(channel)
    for locale in LOCALES
]


@pytest.mark.parametrize("initial", [True, False])
@pytest.mark.parametrize(("pack", "channel", "template", "locale"), CASES)
def test_every_template_carries_the_disclosures_its_pack_requires_for_its_channel(
    pack: str, channel: str, template: str, locale: str, initial: bool
) -> None:
    context = _context(pack, channel, locale, initial=initial)
    body = render(channel, template, locale, context).body
    assert disclosures.missing(body, context["disclosures"]) == []


def test_the_requirements_per_pack_and_channel() -> None:
    assert disclosures.codes("cn", "sms") == ("sender", "creditor", "signature", "opt_out")
    assert disclosures.codes("cn", "letter") == ("sender", "creditor")
    assert disclosures.codes("uk-conc", "email") == ("sender", "creditor", "opt_out")
    assert disclosures.codes("us-reg-f", "sms") == ("sender", "creditor", "opt_out", "debt_collector")
    assert disclosures.codes("us-reg-f", "letter") == ("sender", "creditor", "debt_collector")
    assert disclosures.codes("a-new-pack", "sms") == disclosures.codes("uk-conc", "sms")
    for pack in PACKS:
        for code, requirement in disclosures.rules(pack).items():
            assert code in disclosures.CODES and requirement.source


def test_a_us_text_says_it_is_from_a_debt_collector_in_full_the_first_time() -> None:
    first = render("sms", "reminder", "en", _context("us-reg-f", "sms", "en", initial=True)).body
    assert (
        "Lakeside Services is a debt collector. We are trying to collect a debt that you owe to Acme Bank. "
        "We will use any information you give us to help collect the debt." in first
    )
    later = render("sms", "reminder", "en", _context("us-reg-f", "sms", "en", initial=False)).body
    assert "This communication is from a debt collector." in later and "trying to collect" not in later
    assert later.endswith("Reply STOP to opt out.")
    # A letter or an e-mail gives the full statement every time.
    email = render("email", "reminder", "en", _context("us-reg-f", "email", "en", initial=False)).body
    assert "We will use any information you give us to help collect the debt." in email


def test_a_chinese_sms_is_signed_and_says_how_to_unsubscribe_and_nothing_about_a_debt() -> None:
    body = render("sms", "reminder", "zh_CN", _context("cn", "sms", "zh_CN", initial=True)).body
    assert body.startswith("【Lakeside Services】") and body.endswith("回复TD退订")
    assert "Acme Bank" in body and not any(word in body for word in ("欠", "债", "催", "逾期"))


def test_a_message_that_drops_a_required_disclosure_is_caught() -> None:
    required = disclosures.required(
        "us-reg-f", "sms", "en", sender="Lakeside", creditor="Acme", initial=False
    )
    text = "Lakeside: Hello. Please call us about your Acme account. Reply STOP to opt out."
    assert disclosures.missing(text, required) == ["debt_collector"]
    signed = disclosures.required("cn", "sms", "zh_CN", sender="某服务", creditor="某银行", initial=True)
    assert disclosures.missing("您好【某服务】某银行 回复TD退订", signed) == ["signature"]
