"""One door to the gate for a contact point (services/point_judgement.py): the plan-dispatch job's batch
and a message queued alone (`queue_message`, as the system) judge the same point, channel and moment
alike, with the same decision id, whatever the point's safe-harbour reason, consent or place; and the
case page asks about the point as a collector's `check_contact` does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from tests.support.floor import MORNING, TODAY, Floor, FloorCase, us_case
from tests.support.messaging import channel_settings, use_settings

from huikuan import config
from huikuan.errors import ComplianceRefused
from huikuan.services.case_view import case_360
from huikuan.services.contacts import check_contact, queue_message
from huikuan.services.plan_dispatch import dispatch_plan
from huikuan.storage import tables as t

SLOT = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)  # 13:00 in Chicago, the plan's slot
LATE = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)  # 22:00 in Chicago: after the contact hours
SAFE_HARBOUR = "electronic-safe-harbour"
TEXT_CONSENT = "automated-text-consent"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(monkeypatch, agency_name="Lakeside Services LLC")
    yield
    config.get_settings.cache_clear()


@pytest.fixture
def us(floor: Floor) -> FloorCase:
    """Jane Roe of Chicago, with a US mobile and an e-mail address."""
    case = us_case(floor)
    floor.uow.session.execute(
        update(t.debtors)
        .where(t.debtors.c.id == case.debtor_id)
        .values(address_country="US", address_region="IL", time_zone="America/Chicago")
    )
    _point(floor, case.mobile_id, value="+13125550100")
    return case


def _point(floor: Floor, point_id: int, **values: Any) -> None:
    floor.uow.session.execute(
        update(t.contact_points).where(t.contact_points.c.id == point_id).values(**values)
    )
    floor.uow.commit()


def _wrote_from(floor: Floor, case: FloorCase, point_id: int, channel: str) -> None:
    """The consumer wrote to the agency from the point, on that channel."""
    floor.uow.session.execute(
        insert(t.interactions).values(
            case_id=case.id,
            debtor_id=case.debtor_id,
            contact_point_id=point_id,
            at=MORNING - timedelta(days=1),
            channel=channel,
            direction="inbound",
            outcome="conversation",
            notes="",
            duration_s=0,
        )
    )
    floor.uow.commit()


def _dispatched(
    floor: Floor, case: FloorCase, channel: str, slot: datetime, tmp_path: Path
) -> tuple[Any, str, list[str]]:
    """The plan-dispatch job's message for the case's planned `channel` at `slot`, the decision id it
    carries (queued) or that its refusal's audit event keeps (refused), and the rules that refused it."""
    floor.uow.session.execute(
        insert(t.plan_rows).values(
            plan_date=TODAY,
            strategy="optimized",
            case_id=case.id,
            action=channel,
            slot_start=slot,
            reason={},
            created_at=MORNING - timedelta(hours=3),
        )
    )
    floor.uow.commit()
    settings = channel_settings(tmp_path, sms_url="http://127.0.0.1:9", smtp_host="127.0.0.1")
    assert dispatch_plan(floor.uow, MORNING, settings=settings)["planned"] == 1
    floor.uow.rollback()
    message = floor.uow.session.execute(select(t.messages).where(t.messages.c.plan_date == TODAY)).one()
    if message.status == "queued":
        return message, message.decision_id, []
    event = floor.uow.session.execute(
        select(t.audit_events.c.detail).where(t.audit_events.c.action == "contact.refused")
    ).scalar_one()
    return message, event["decision"]["id"], event["rules"]


def _queued_alone(floor: Floor, case: FloorCase, message: Any, slot: datetime) -> tuple[bool, str]:
    """Whether queue_message, asked by the system about the same point and slot, queues the message, and
    the decision id it carries or refuses it with."""
    try:
        new_id = queue_message(
            floor.uow,
            case.id,
            channel=message.channel,
            contact_point_id=message.contact_point_id,
            body=message.body,
            party=message.party_id,
            at=MORNING,
            send_at=slot,
        )
    except ComplianceRefused as refused:
        assert isinstance(refused.decision, dict)
        return False, str(refused.decision["id"])
    decision = floor.uow.session.execute(
        select(t.messages.c.decision_id).where(t.messages.c.id == new_id)
    ).scalar_one()
    return True, str(decision)


POINTS: dict[str, tuple[str, dict[str, Any], str | None, str | None]] = {
    # case: (channel, the point's stored values, the channel the consumer wrote from, the refusing rule)
    "an e-mail address the creditor provided": ("email", {"source": "placement"}, None, None),
    "an e-mail address the agency found": ("email", {"source": "skip_trace"}, None, SAFE_HARBOUR),
    "an e-mail address the consumer wrote from": ("email", {"source": "skip_trace"}, "email", None),
    "a work e-mail address the creditor provided": (
        "email",
        {"source": "placement", "place": "work"},
        None,
        SAFE_HARBOUR,
    ),
    "a mobile with consent to automated texts": (
        "sms",
        {"source": "debtor", "consent": True, "consent_at": MORNING, "consent_how": "in writing"},
        None,
        None,
    ),
    "a mobile without consent to automated texts": ("sms", {"source": "placement"}, None, TEXT_CONSENT),
    "a mobile the consumer only called from": ("sms", {"source": "skip_trace"}, "call", SAFE_HARBOUR),
}


@pytest.mark.parametrize("case", list(POINTS), ids=list(POINTS))
def test_the_plan_dispatch_and_a_message_queued_alone_give_a_point_the_same_decision(
    floor: Floor, us: FloorCase, tmp_path: Path, case: str
) -> None:
    channel, values, wrote_on, rule = POINTS[case]
    point_id = us.email_id if channel == "email" else us.mobile_id
    _point(floor, point_id, **{"consent": False, **values})
    if wrote_on is not None:
        _wrote_from(floor, us, point_id, wrote_on)
    message, dispatched, rules = _dispatched(floor, us, channel, SLOT, tmp_path)
    assert message.contact_point_id == point_id
    assert (message.status == "queued") is (rule is None) and (rule is None or rule in rules)
    assert _queued_alone(floor, us, message, SLOT) == (rule is None, dispatched)


def test_a_refusal_for_the_hour_is_the_same_decision_on_both_paths(
    floor: Floor, us: FloorCase, tmp_path: Path
) -> None:
    _point(floor, us.email_id, source="placement", consent=False)
    message, dispatched, rules = _dispatched(floor, us, "email", LATE, tmp_path)
    assert message.status == "refused" and rules
    assert _queued_alone(floor, us, message, LATE) == (False, dispatched)


@pytest.mark.parametrize("source", ["placement", "skip_trace"])
def test_the_case_page_asks_about_a_point_as_a_collectors_check_does(
    floor: Floor, us: FloorCase, source: str
) -> None:
    _point(floor, us.email_id, source=source, consent=False)
    page = case_360(floor.uow, floor.viewer("alice"), us.id, now=SLOT, with_timeline=False)
    shown = next(p.verdict for p in page.points if p.id == us.email_id)
    asked = check_contact(floor.uow, us.id, channel="email", at=SLOT, contact_point_id=us.email_id)
    assert shown is not None and shown.decision_id == asked.decision["id"]
    assert shown.allowed is asked.allowed and (SAFE_HARBOUR in shown.rules) is (source == "skip_trace")
