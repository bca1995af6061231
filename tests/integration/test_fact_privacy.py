"""The versions of a debtor's facts hold personal data (phone numbers, the address's region): a
subject-access export includes them and anonymising the debtor erases it from every version."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from tests.support.floor import Floor

from huikuan.services.anonymise import anonymise
from huikuan.services.fact_history import changing_facts, facts_at
from huikuan.services.subject_access import gather
from huikuan.storage import tables as t

CHANGED = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 1, tzinfo=UTC)


def _opt_out(floor: Floor, debtor_id: int) -> None:
    with changing_facts(floor.uow, [debtor_id], user_id=None, reason="preferences.set", at=CHANGED):
        floor.uow.session.execute(
            update(t.debtors)
            .where(t.debtors.c.id == debtor_id)
            .values(opt_out_channels=["sms"], address_region="11")
        )
    floor.uow.commit()


def _versions(floor: Floor, debtor_id: int) -> list[dict[str, Any]]:
    v = t.fact_versions.c
    query = select(v.facts).where(v.debtor_id == debtor_id).order_by(v.id)
    return [r.facts for r in floor.uow.session.execute(query)]


def test_a_subject_access_export_holds_the_versions_of_the_persons_facts(floor: Floor) -> None:
    mine, other = floor.cases[0].debtor_id, floor.cases[1].debtor_id
    _opt_out(floor, mine)
    _opt_out(floor, other)
    held = gather(floor.uow, mine)
    assert [r["reason"] for r in held["fact_versions"]] == ["facts.before", "preferences.set"]
    assert {r["debtor_id"] for r in held["fact_versions"]} == {mine}
    assert "+8613800000001" in str(held["fact_versions"])


def test_anonymising_erases_the_phones_and_region_of_every_version_and_keeps_what_the_gate_decided_on(
    floor: Floor,
) -> None:
    mine, other = floor.cases[0].debtor_id, floor.cases[1].debtor_id
    _opt_out(floor, mine)
    _opt_out(floor, other)
    before = _versions(floor, mine)
    assert all(v["debtor"]["phones"] for v in before)
    anonymise(floor.uow, [mine], LATER, trigger="erasure")
    floor.uow.commit()
    after = _versions(floor, mine)
    assert len(after) == len(before) == 2
    for v in after:
        assert v["debtor"]["phones"] == []
        assert v["debtor"]["address"] is None or v["debtor"]["address"]["region"] is None
    assert after[-1]["debtor"]["address"]["country"] == "CN"
    assert after[-1]["debtor"]["flags"]["opt_out"] == ["sms"]  # the replay still reads the opt-out
    kept = facts_at(floor.uow.session.connection(), mine, LATER)
    assert kept is not None and kept.phones == () and kept.flags.opt_out
    assert all(v["debtor"]["phones"] for v in _versions(floor, other))  # another person's untouched
