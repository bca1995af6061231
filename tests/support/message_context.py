"""The values a message template is rendered with, for a pack, channel and language, as the message
service gives them (services/message_text.py): the tests of what each pack requires render with these."""

from __future__ import annotations

from typing import Any

from huikuan.channels import disclosures


def template_context(pack: str, channel: str, locale: str, *, initial: bool) -> dict[str, Any]:
    sender, creditor = "Lakeside Services", "Acme Bank"
    money, day = "$1.00", "December 1, 2026"
    return {
        "recipient_name": "Jane Roe",
        "recipient_address": ["1 Main St", "Springfield, IL 62704"],
        "debtor_name": "Jane Roe",
        "creditor_name": creditor,
        "sender": sender,
        "agency_address": ["PO Box 1200", "Chicago, IL 60601"],
        "agency_phone": "+1 312 555 0100",
        "collector": None,
        "signer": sender,
        "reference": "C000001",
        "today": day,
        "dispute_by": day,
        "pack": pack,
        "us_validation": pack == "us-reg-f" and channel == "letter",
        "disclosures": disclosures.required(
            pack, channel, locale, sender=sender, creditor=creditor, initial=initial
        ),
        "balance": money,
        "accounts": [
            {
                "ref": "A-1",
                "product": "Credit card",
                "currency": "USD",
                "principal": money,
                "interest": money,
                "fees": money,
                "balance": money,
                "itemization_date": day,
                "credits": money,
            }
        ],
        "promise": {"amount": money, "due_date": day},
        "arrangement": {
            "kind": "instalment",
            "total": money,
            "instalments": [{"seq": 1, "due_date": day, "amount": money}],
        },
        "payment": {"amount": money, "date": day},
    }
