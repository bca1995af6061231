"""Audit events refer to personal data, never copy it: a case worked through a whole day (views, reveals,
a call with notes, a refused message, an assessment, an offer rejected and one approved with notes, a
bulk SMS, a letter sent and downloaded) leaves audit rows that hold ids, codes, rule names and counts,
and none of the debtor's name, ID, numbers, addresses, parties or the notes typed about them. So that
erasing a person never needs to touch the append-only chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from tests.support.floor import MORNING, Floor
from tests.support.messaging import channel_settings, use_settings

from huikuan import config
from huikuan.errors import ComplianceRefused
from huikuan.services.assessment import assess
from huikuan.services.contact_log import log_contact
from huikuan.services.contact_report import ContactReport
from huikuan.services.letters import letter_document
from huikuan.services.negotiation import approve, open_negotiation, propose_arrangement, reject
from huikuan.services.outbox import bulk_send, send
from huikuan.services.outbox_job import dispatch_due
from huikuan.services.reveal import reveal
from huikuan.services.view_audit import note_case_viewed
from huikuan.storage import tables as t
from huikuan.storage.audit import canonical_json, check_chain

NIGHT = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)  # 03:00 in Beijing
FIRST_DUE = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    use_settings(
        monkeypatch, letters_dir=str(tmp_path / "letters"), letter_return_address="邮政信箱 8-88 号|100010"
    )
    with time_machine.travel(MORNING, tick=False):
        yield
    config.get_settings.cache_clear()


def _personal_values(floor: Floor) -> list[str]:
    """What the floor holds about the first case's debtor and parties."""
    s, case = floor.uow.session, floor.cases[0]
    d, cp, p = t.debtors.c, t.contact_points.c, t.parties.c
    debtor = s.execute(select(d.name, d.national_id).where(d.id == case.debtor_id)).one()
    points = s.execute(select(cp.value).where(cp.debtor_id == case.debtor_id)).scalars().all()
    parties = s.execute(select(p.name).where(p.debtor_id == case.debtor_id)).scalars().all()
    values = [debtor.name, debtor.national_id, *points, *parties]
    values += [v.removeprefix("+86") for v in points if v.startswith("+86")]  # a number as typed
    return [str(v) for v in values if v]


def _work_a_day(floor: Floor, tmp_path: Path, note: str) -> None:
    case = floor.cases[0]
    alice, sue = floor.viewer("alice"), floor.viewer("sue")
    uow = floor.uow
    note_case_viewed(uow, alice, case.id)
    reveal(uow, alice, case.id, what="national_id")
    reveal(uow, alice, case.id, what="contact_point", contact_point_id=case.mobile_id)
    with pytest.raises(ComplianceRefused):  # an SMS at 03:00: refused, the refusal kept
        send(
            uow,
            alice,
            case.id,
            template="reminder",
            channel="sms",
            contact_point_id=case.mobile_id,
            now=NIGHT,
        )
    letter = send(
        uow,
        alice,
        case.id,
        template="demand",
        channel="letter",
        contact_point_id=case.address_id,
        now=MORNING,
    )
    dispatch_due(uow, MORNING + timedelta(minutes=1), settings=channel_settings(tmp_path))
    letter_document(uow, alice, letter)
    bulk_send(uow, sue, [c.id for c in floor.cases], template="reminder", channel="sms", now=MORNING)
    report = ContactReport(
        channel="call",
        outcome="promise",
        contact_point_id=case.mobile_id,
        notes=note,
        goal_note=note,
        promise_amount="1000",
        promise_due=MORNING.date() + timedelta(days=3),
    )
    log_contact(uow, alice, case.id, report)
    assess(uow, sue, case.id, ability="low", willingness="high", reason="forgot")  # sue on alice's case
    open_negotiation(uow, alice, case.id, reason="cannot_pay", now=MORNING)
    offer = {"kind": "settlement", "total": "9000", "first_due": FIRST_DUE, "reason": note, "now": MORNING}
    rejected = propose_arrangement(uow, alice, case.id, **offer)  # 25% off: beyond a collector's authority
    reject(uow, sue, rejected.id, note, now=MORNING)
    approve(uow, sue, propose_arrangement(uow, alice, case.id, **offer).id, note, now=MORNING)


def test_no_audit_event_of_a_working_day_copies_the_debtors_personal_data(
    floor: Floor, tmp_path: Path
) -> None:
    personal = _personal_values(floor)
    assert len(personal) >= 8
    note = f"{personal[0]} 说手机 {personal[3]} 停机，住 {personal[4]}"  # notes quote the person
    _work_a_day(floor, tmp_path, note)
    floor.uow.rollback()
    e = t.audit_events.c
    rows = floor.uow.session.execute(select(e.action, e.entity, e.detail).order_by(e.id)).all()
    actions = {r.action for r in rows}
    assert {
        "case.viewed",
        "reveal.national_id",
        "reveal.contact_point",
        "contact.refused",
        "letter.downloaded",
        "message.bulk",
        "promise.made",
        "case.worked_by_supervisor",
        "case.assessed",
        "negotiation.opened",
        "arrangement.proposed",
        "arrangement.rejected",
        "arrangement.approved",
    } <= actions
    copied = [
        (r.action, value)
        for r in rows
        for value in personal
        if value in canonical_json({"entity": r.entity, "detail": r.detail})
    ]
    assert copied == []
    assert check_chain(floor.uow.session).ok
