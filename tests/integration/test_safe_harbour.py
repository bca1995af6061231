"""The e-mail and text safe harbour of 12 CFR 1006.6(d)(4) through the services: a US creditor's e-mail or
text goes to a contact point the consumer used, consented to or gave, or the creditor provided; one the
agency found elsewhere is refused, a collector's message as the outbox's; a Chinese creditor's case is not
concerned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.support.chicago import AFTERNOON, agency_settings, chicago_case
from tests.support.floor import MORNING, Floor, FloorCase
from tests.support.query_plan import plan_of

from huikuan.channels.inbound import Inbound
from huikuan.errors import ComplianceRefused
from huikuan.services.contacts import check_contact
from huikuan.services.inbound import receive
from huikuan.services.outbox import send
from huikuan.services.safe_harbour import used_points
from huikuan.storage import tables as t

RULE = "electronic-safe-harbour"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from agency_settings(monkeypatch)


@pytest.fixture
def us(floor: Floor) -> FloorCase:
    """Jane Roe of Chicago, with a US mobile."""
    return chicago_case(floor)


def _point(floor: Floor, point_id: int, **values: Any) -> None:
    floor.uow.session.execute(
        update(t.contact_points).where(t.contact_points.c.id == point_id).values(**values)
    )
    floor.uow.commit()


def _refused_by(
    floor: Floor, case: FloorCase, channel: str, point_id: int, at: datetime = AFTERNOON
) -> list[str]:
    verdict = check_contact(floor.uow, case.id, channel=channel, at=at, contact_point_id=point_id)
    return list(verdict.refused_by)


@pytest.mark.parametrize("source", ["skip_trace", "third_party", "collector"])
def test_an_email_to_an_address_the_agency_found_is_refused(floor: Floor, us: FloorCase, source: str) -> None:
    _point(floor, us.email_id, source=source, consent=False)
    assert _refused_by(floor, us, "email", us.email_id) == [RULE]


def test_a_collectors_own_email_there_is_refused_and_the_refusal_kept(floor: Floor, us: FloorCase) -> None:
    _point(floor, us.email_id, source="skip_trace", consent=False)
    with pytest.raises(ComplianceRefused) as refused:
        send(
            floor.uow,
            floor.viewer("alice"),
            us.id,
            template="reminder",
            channel="email",
            contact_point_id=us.email_id,
            now=AFTERNOON,
        )
    assert RULE in str(refused.value)
    floor.uow.rollback()
    assert floor.uow.session.execute(select(t.messages.c.id)).first() is None


@pytest.mark.parametrize(
    "values",
    [
        {"source": "placement", "consent": False},
        {"source": "creditor", "consent": False},
        {"source": "debtor", "consent": False},
        {"source": "skip_trace", "consent": True, "consent_at": MORNING, "consent_how": "recorded call"},
    ],
    ids=["placement", "creditor", "the debtor gave it", "consent"],
)
def test_an_email_to_an_address_with_a_qualifying_reason_is_allowed(
    floor: Floor, us: FloorCase, values: dict[str, Any]
) -> None:
    _point(floor, us.email_id, **values)
    assert RULE not in _refused_by(floor, us, "email", us.email_id)


def test_an_address_the_consumer_wrote_from_qualifies_on_that_channel(floor: Floor, us: FloorCase) -> None:
    _point(floor, us.email_id, source="skip_trace", consent=False)
    address = floor.uow.session.execute(
        select(t.contact_points.c.value).where(t.contact_points.c.id == us.email_id)
    ).scalar_one()
    floor.uow.rollback()
    reply = Inbound(
        "email", address, "collect@lakeside.example", "I can pay on Friday", AFTERNOON, "email", "m-1"
    )
    assert receive(floor.uow, reply, now=AFTERNOON).outcome == "reply"
    assert RULE not in _refused_by(floor, us, "email", us.email_id)


def test_a_text_from_a_number_the_consumer_only_called_from_is_still_refused(
    floor: Floor, us: FloorCase
) -> None:
    _point(floor, us.mobile_id, source="skip_trace", consent=False)
    floor.uow.session.execute(
        t.interactions.insert().values(
            case_id=us.id,
            debtor_id=us.debtor_id,
            contact_point_id=us.mobile_id,
            at=MORNING,
            channel="call",
            direction="inbound",
            outcome="conversation",
            notes="",
            duration_s=60,
        )
    )
    floor.uow.commit()
    assert RULE in _refused_by(floor, us, "sms", us.mobile_id)


def test_a_work_email_needs_the_consumers_own_use_or_consent(floor: Floor, us: FloorCase) -> None:
    _point(floor, us.email_id, source="placement", consent=False, place="work")
    assert RULE in _refused_by(floor, us, "email", us.email_id)
    _point(floor, us.email_id, consent=True, consent_at=MORNING, consent_how="in writing")
    assert RULE not in _refused_by(floor, us, "email", us.email_id)


def test_a_call_to_a_number_the_agency_found_is_not_its_concern(floor: Floor, us: FloorCase) -> None:
    _point(floor, us.mobile_id, source="skip_trace", consent=False)
    assert RULE not in _refused_by(floor, us, "call", us.mobile_id)


def test_a_chinese_creditors_email_is_not_concerned(floor: Floor) -> None:
    case = floor.cases[0]
    _point(floor, case.email_id, source="skip_trace", consent=False)
    assert RULE not in _refused_by(floor, case, "email", case.email_id, MORNING)


def test_the_points_the_consumer_wrote_from_are_read_through_their_index(floor: Floor) -> None:
    """Asked before every e-mail and text: the inbound contacts' partial index answers it, never a scan of
    every interaction (the plan of the very statement the service runs)."""
    conn = floor.uow.session.connection()
    plan = plan_of(conn, "interactions", lambda: used_points(floor.uow, [1, 2, 3]))
    assert "ix_interactions_inbound_point" in plan, plan
