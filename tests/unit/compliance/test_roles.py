"""Who may be asked to pay, per pack: every role of every pack, against the pack's sources.

COLLECT: may be asked about the debt (purpose collect); LOCATE: only asked where the debtor is; NEVER:
not contacted at all. Estate roles are asked about the debt only after the debtor's death (deceased).
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.compliance.builders import LONDON_PHONE, NY_PHONE, SHANGHAI_PHONE, body, judge

from huikuan.compliance.model import Role

COLLECT, LOCATE, NEVER = "collect", "locate", "never"

# (pack, instant within its contact hours, the debtor's phone, country)
WHERE = {
    "us-reg-f": ("2026-03-04T18:00:00Z", NY_PHONE, "US"),
    "cn": ("2026-03-04T03:00:00Z", SHANGHAI_PHONE, "CN"),
    "uk-conc": ("2026-03-04T12:00:00Z", LONDON_PHONE, "GB"),
}

EXPECTED: dict[str, dict[str, str]] = {
    # FDCPA 803(3): co-obligors are consumers; 805(d), 1006.6(a)(1)-(4): spouse, a minor's parent, a
    # guardian, the executor or administrator are the consumer for communications.
    "us-reg-f": {
        "debtor": COLLECT,
        "guarantor": COLLECT,
        "co_signer": COLLECT,
        "co_borrower": COLLECT,
        "spouse": COLLECT,
        "parent_of_minor": COLLECT,
        "guardian": COLLECT,
        "executor": COLLECT,
        "administrator": COLLECT,
        "attorney": COLLECT,
        "family": LOCATE,
        "employer": LOCATE,
        "colleague": LOCATE,
        "friend": LOCATE,
        "emergency_contact": LOCATE,
        # Not liable, and not who speaks for the estate (the executor or administrator does).
        "heir": NEVER,
    },
    # Liable parties and those who act for the debtor or the estate (Civil Code arts. 34, 1145-1147, 1161);
    # address-book contacts ("friend") never (NIFA 2018).
    "cn": {
        "debtor": COLLECT,
        "guarantor": COLLECT,
        "co_signer": COLLECT,
        "co_borrower": COLLECT,
        "parent_of_minor": COLLECT,
        "guardian": COLLECT,
        "executor": COLLECT,
        "administrator": COLLECT,
        "heir": COLLECT,
        "attorney": COLLECT,
        "spouse": LOCATE,
        "family": LOCATE,
        "employer": LOCATE,
        "colleague": LOCATE,
        "emergency_contact": LOCATE,
        "friend": NEVER,
    },
    # A guarantor is liable under the guarantee (CCA 1974 s. 189(1)); joint borrowers on the agreement;
    # personal representatives settle the estate (AEA 1925 s. 32); a deputy acts for the customer (MCA 2005).
    "uk-conc": {
        "debtor": COLLECT,
        "guarantor": COLLECT,
        "co_signer": COLLECT,
        "co_borrower": COLLECT,
        "guardian": COLLECT,
        "executor": COLLECT,
        "administrator": COLLECT,
        "attorney": COLLECT,
        "spouse": LOCATE,
        "parent_of_minor": LOCATE,
        "heir": NEVER,
        "family": LOCATE,
        "employer": LOCATE,
        "colleague": LOCATE,
        "friend": LOCATE,
        "emergency_contact": LOCATE,
    },
}

ESTATE = {"executor", "administrator", "heir"}
CASES = [(pack, role, answer) for pack, table in EXPECTED.items() for role, answer in table.items()]


def test_the_table_names_every_role_in_every_pack() -> None:
    for table in EXPECTED.values():
        assert set(table) == {r.value for r in Role}


def _ask(pack: str, role: str, purpose: str) -> Any:
    when, phone, country = WHERE[pack]
    flags = {"deceased": True} if role in ESTATE else {}
    party = {"id": "P-7", "role": role, "to": phone}
    request = body(
        when, purpose=purpose, party=party, phones=[phone], address={"country": country}, flags=flags
    )
    return judge(request, pack)


@pytest.mark.parametrize(("pack", "role", "answer"), CASES)
def test_each_role_may_be_asked_what_its_pack_allows(pack: str, role: str, answer: str) -> None:
    collect = _ask(pack, role, "collect")
    locate = _ask(pack, role, "locate")
    if role == "debtor":
        assert collect.allowed and locate.allowed
        return
    assert collect.allowed is (answer == COLLECT), [v.rule for v in collect.violations]
    assert locate.allowed is (answer != NEVER), [v.rule for v in locate.violations]
    if not collect.allowed:
        assert "third-party-disclosure" in [v.rule for v in collect.violations]


@pytest.mark.parametrize("pack", sorted(EXPECTED))
def test_an_estate_representative_is_not_asked_about_the_debt_while_the_debtor_lives(pack: str) -> None:
    when, phone, country = WHERE[pack]
    party = {"id": "P-7", "role": "executor", "to": phone}
    decision = judge(body(when, party=party, phones=[phone], address={"country": country}), pack)
    assert [v.rule for v in decision.violations] == ["third-party-disclosure"]
