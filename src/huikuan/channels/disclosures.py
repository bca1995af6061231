"""What each rule pack requires a message of each channel to say, in one place, and the words that say it.

`required(pack, channel, locale, ...)` gives, for one message, each required disclosure and the exact words
it must contain; the message service hands them to the template (as `disclosures`) and refuses a rendered
text that leaves one out (`missing`), so a template cannot drop a disclosure unnoticed. The rule packs
(compliance/packs) hold contact rules only: what a message must say lives here, cited like them.

Codes:
- sender: the name of whoever writes (the agency; the creditor itself when no agency is configured);
- creditor: the creditor the message is about;
- signature: the sender's name in 【】 at the head of a Chinese SMS;
- opt_out: how to stop messages of this channel;
- debt_collector: the US debt-collector disclosure; the first communication says that the collector is
  attempting to collect a debt and will use any information for that purpose, later ones that the
  communication is from a debt collector (12 CFR 1006.18(e)).
"""

from __future__ import annotations

from dataclasses import dataclass

CODES = ("sender", "creditor", "signature", "opt_out", "debt_collector")
CHANNELS = ("sms", "email", "letter")


@dataclass(frozen=True)
class Requirement:
    channels: tuple[str, ...]
    source: str


# pack -> code -> the channels it applies to, and why.
RULES: dict[str, dict[str, Requirement]] = {
    "cn": {
        "sender": Requirement(
            CHANNELS,
            "CBA credit-card collection guideline (2018); NIFA internet-finance collection convention "
            "(2018): a collector says who it is and which institution it acts for",
        ),
        "creditor": Requirement(CHANNELS, "as for sender: the institution the collector acts for"),
        "signature": Requirement(
            ("sms",), "MIIT SMS service rules (2015) and carriers' rules: an SMS is signed 【sender】"
        ),
        "opt_out": Requirement(
            ("sms", "email"), "MIIT SMS service rules (2015): a way to unsubscribe; the same for e-mail"
        ),
    },
    "uk-conc": {
        "sender": Requirement(
            CHANNELS, "Huikuan's reading of CONC 7 (fair treatment): the customer knows who is writing"
        ),
        "creditor": Requirement(CHANNELS, "as for sender: and about which creditor's account"),
        "opt_out": Requirement(
            ("sms", "email"), "CONC 7.9.4R (respect the customer's stated preferences of medium)"
        ),
    },
    "us-reg-f": {
        "sender": Requirement(CHANNELS, "FDCPA 807(14) (the collector's true name); 12 CFR 1006.18"),
        "creditor": Requirement(CHANNELS, "12 CFR 1006.34(c)(2)(v) (the creditor the debt is owed to)"),
        "opt_out": Requirement(
            ("sms", "email"), "12 CFR 1006.6(e) (every e-mail and text says how to opt out of that medium)"
        ),
        "debt_collector": Requirement(CHANNELS, "12 CFR 1006.18(e)(1) and (e)(2)"),
    },
}
# A pack not listed above gets the common ground of all of them.
DEFAULT = "uk-conc"

# The word that stops SMS at the provider: TD on Chinese networks, STOP elsewhere.
_SMS_KEYWORD = {"cn": "TD"}
_OPT_OUT = {
    ("sms", "en"): "Reply {keyword} to opt out.",
    ("sms", "zh_CN"): "回复{keyword}退订",
    ("email", "en"): 'To stop receiving these notices by e-mail, reply "unsubscribe".',
    ("email", "zh_CN"): "如不希望再通过电子邮件收到此类通知，请回复“退订”。",
}
# The first communication says who collects, for whom, and what the information is for (the opening of
# the CFPB's model validation notice says exactly that); later ones that they come from a debt collector.
_DEBT_COLLECTOR = {
    ("initial", "en"): (
        "{sender} is a debt collector. We are trying to collect a debt that you owe to {creditor}. "
        "We will use any information you give us to help collect the debt."
    ),
    ("initial", "zh_CN"): (
        "{sender}是债务催收方。我们正在催收您欠{creditor}的一笔债务，您提供的任何信息都将用于催收该债务。"
    ),
    ("subsequent", "en"): "This communication is from a debt collector.",
    ("subsequent", "zh_CN"): "本信息来自债务催收方。",
}


# What a third party may read before the person opens the message, per pack: the part (an SMS's or WeChat
# notification's whole text, which a locked screen previews; an e-mail's subject, which an inbox lists)
# must carry no word that says a debt is being collected (DEBT_WORDS). An envelope is checked where the
# letter is made (channels/letter: the window shows only the addresses). A US text must say it is from
# a debt collector (12 CFR 1006.18(e)), so us-reg-f keeps only the e-mail subject discreet.
DISCREET: dict[str, dict[str, Requirement]] = {
    "cn": {
        "sms": Requirement(
            ("sms", "wechat"),
            "CBA credit-card collection guideline (2018) and NIFA collection convention (2018): the debt is "
            "not disclosed to anyone but the debtor; a locked phone shows the message to whoever holds it",
        ),
        "email": Requirement(("email",), "as for sms: an inbox lists the subject to whoever reads it"),
    },
    "uk-conc": {
        "sms": Requirement(
            ("sms", "wechat"),
            "Huikuan's reading of CONC 7.9 and the FCA's debt-collection guidance: nothing that tells a "
            "third party of the debt where it may read it first",
        ),
        "email": Requirement(("email",), "as for sms: the subject line"),
    },
    "us-reg-f": {
        "email": Requirement(
            ("email",),
            "FDCPA 805(b) and 12 CFR 1006.6(d): no disclosure to a third party; an e-mail's subject is "
            "read before the message is opened (the CFPB's commentary to 1006.6(d)(4))",
        ),
    },
}
DEBT_WORDS = ("欠", "债", "催", "逾期", "debt", "collect", "overdue", "arrears", "past due")


def discreet_part(pack: str, channel: str, subject: str, body: str) -> str:
    """The part of a message a third party may read first, under the pack ("" when none is kept
    discreet): the whole text of an SMS or WeChat message, the subject of an e-mail."""
    table = DISCREET.get(pack, DISCREET[DEFAULT])
    if channel == "email":
        return subject if "email" in table else ""
    return body if "sms" in table and channel in table["sms"].channels else ""


def revealing(pack: str, channel: str, subject: str, body: str, names: tuple[str, ...] = ()) -> list[str]:
    """The debt words (DEBT_WORDS) in the part a third party may read first; empty when it is discreet.
    `names` (the recipient's, the creditor's, the sender's) are people's and companies' own names, left
    out first: a debtor called 王债 is not a word about a debt."""
    part = discreet_part(pack, channel, subject, body)
    for name in sorted((n for n in names if n), key=len, reverse=True):
        part = part.replace(name, " ")
    lowered = part.lower()
    return [word for word in DEBT_WORDS if word in lowered]


def rules(pack: str) -> dict[str, Requirement]:
    return RULES.get(pack, RULES[DEFAULT])


def codes(pack: str, channel: str) -> tuple[str, ...]:
    """The disclosures a message of this channel must carry under the pack, in CODES order."""
    table = rules(pack)
    return tuple(code for code in CODES if code in table and channel in table[code].channels)


def required(
    pack: str, channel: str, locale: str, *, sender: str, creditor: str, initial: bool
) -> dict[str, str]:
    """Every code of CODES mapped to the words the message must contain ("" where not required).

    `initial`: no communication has reached the debtor about this case yet. Letters and e-mails carry the
    full US statement every time (it also says the message is from a debt collector); an SMS carries the
    short one after the first communication, to stay short."""
    lang = "zh_CN" if locale == "zh_CN" else "en"
    wanted = codes(pack, channel)
    full = initial or channel != "sms"
    texts = {
        "sender": sender,
        "creditor": creditor,
        "signature": f"【{sender}】",
        "opt_out": _OPT_OUT.get((channel, lang), "").format(keyword=_SMS_KEYWORD.get(pack, "STOP")),
        "debt_collector": _DEBT_COLLECTOR[("initial" if full else "subsequent", lang)].format(
            sender=sender, creditor=creditor
        ),
    }
    return {code: (texts[code] if code in wanted else "") for code in CODES}


def missing(text: str, disclosures: dict[str, str]) -> list[str]:
    """The codes whose words the text leaves out; a signature must open the text."""
    gaps = []
    for code, words in disclosures.items():
        if not words:
            continue
        found = text.startswith(words) if code == "signature" else words in text
        if not found:
            gaps.append(code)
    return gaps
