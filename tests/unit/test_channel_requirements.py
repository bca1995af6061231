"""What each pack requires in each channel (docs/compliance.md, "What each pack requires per channel"),
pack by pack: the US opt-out notice in every e-mail and text (12 CFR 1006.6(e)); no debt wording where a
third party may read first; the sender named in every Chinese message."""

from __future__ import annotations

import pytest
from tests.support.message_context import template_context as _context

from huikuan.channels import disclosures
from huikuan.channels.render import render, template_names

PACKS = ("cn", "uk-conc", "us-reg-f")


def _every(channel: str, locales: tuple[str, ...] = ("en", "zh_CN")) -> list[tuple[str, str, str]]:
    return [(pack, name, locale) for pack in PACKS for name in template_names(channel) for locale in locales]


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("initial", [True, False])
def test_every_us_email_and_text_says_how_to_opt_out_of_that_medium(channel: str, initial: bool) -> None:
    for name in template_names(channel):
        for locale in ("en", "zh_CN"):
            context = _context("us-reg-f", channel, locale, initial=initial)
            body = render(channel, name, locale, context).body
            notice = context["disclosures"]["opt_out"]
            assert notice and notice in body, f"{channel}/{name}.{locale}"
    assert "1006.6(e)" in disclosures.rules("us-reg-f")["opt_out"].source


@pytest.mark.parametrize(("pack", "name", "locale"), _every("sms"))
def test_an_sms_shows_no_debt_wording_where_the_pack_keeps_it_discreet(
    pack: str, name: str, locale: str
) -> None:
    rendered = render("sms", name, locale, _context(pack, "sms", locale, initial=False))
    assert disclosures.revealing(pack, "sms", rendered.subject, rendered.body) == []


@pytest.mark.parametrize(("pack", "name", "locale"), _every("email"))
def test_an_email_subject_shows_no_debt_wording_in_any_pack(pack: str, name: str, locale: str) -> None:
    rendered = render("email", name, locale, _context(pack, "email", locale, initial=True))
    assert rendered.subject and disclosures.revealing(pack, "email", rendered.subject, rendered.body) == []


def test_which_part_each_pack_keeps_discreet() -> None:
    text = "您欠某银行的债务已逾期"
    assert disclosures.revealing("cn", "sms", "", text) == ["欠", "债", "逾期"]
    assert disclosures.revealing("cn", "wechat", "", text) == ["欠", "债", "逾期"]
    assert disclosures.revealing("uk-conc", "sms", "", "Your debt is overdue") == ["debt", "overdue"]
    # A US text must say it is from a debt collector (1006.18(e)): its body is not kept discreet...
    assert disclosures.revealing("us-reg-f", "sms", "", "This communication is from a debt collector.") == []
    # ... but an e-mail's subject is, in every pack; and an e-mail's body is for the person alone.
    for pack in PACKS:
        assert disclosures.revealing(pack, "email", "Your debt", "") == ["debt"]
        assert disclosures.revealing(pack, "email", "Your account", "a debt collector") == []
    for table in disclosures.DISCREET.values():
        assert all(requirement.source for requirement in table.values())


@pytest.mark.parametrize("channel", ["sms", "email", "letter"])
@pytest.mark.parametrize("pack", PACKS)
def test_every_chinese_message_names_its_sender_and_a_chinese_sms_opens_with_it(
    channel: str, pack: str
) -> None:
    for name in template_names(channel):
        context = _context(pack, channel, "zh_CN", initial=True)
        body = render(channel, name, "zh_CN", context).body
        assert context["sender"] in body, f"{pack} {channel}/{name}"
        if pack == "cn" and channel == "sms":
            assert body.startswith(f"【{context['sender']}】")


def test_a_name_is_not_debt_wording() -> None:
    text = "【某服务】测试债务人1您好，关于您在某银行的账户事宜"
    assert disclosures.revealing("cn", "sms", "", text) == ["债"]
    assert disclosures.revealing("cn", "sms", "", text, names=("测试债务人1", "某银行")) == []
