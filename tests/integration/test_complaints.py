"""The complaints register: each pack's deadline, the overdue list, and the flag a supervisor sees."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from tests.support.floor import Floor, us_case

from huikuan.domain.disputes import complaint_due, dispute_deadline, stops_collection
from huikuan.errors import Conflict, NotFound
from huikuan.services.clock import floor_today
from huikuan.services.complaints import (
    advance_complaint,
    complaint_list,
    has_open_complaint,
    record_complaint,
)


@pytest.mark.parametrize(
    ("pack", "days"), [("cn", 15), ("us-reg-f", 15), ("uk-conc", 56), ("a-creditors-own", 15)]
)
def test_a_complaint_is_due_by_its_packs_deadline(pack: str, days: int) -> None:
    assert complaint_due(pack, date(2026, 3, 2)) == date(2026, 3, 2) + timedelta(days=days)


@pytest.mark.parametrize(
    ("pack", "written", "ends", "stops"),
    [
        ("us-reg-f", False, None, False),  # an oral dispute: recorded, collection goes on
        ("us-reg-f", True, None, True),  # validation period unknown: inside it (protective)
        ("us-reg-f", True, date(2026, 3, 10), True),
        ("us-reg-f", True, date(2026, 3, 1), False),  # after the validation period
        ("cn", False, None, True),
        ("uk-conc", False, date(2026, 3, 1), True),
    ],
)
def test_whether_a_dispute_stops_collection_depends_on_the_pack(
    pack: str, written: bool, ends: date | None, stops: bool
) -> None:
    assert (
        stops_collection(pack, written=written, opened_on=date(2026, 3, 2), validation_ends_on=ends) is stops
    )


def test_a_disputes_answer_is_due_by_its_packs_target() -> None:
    opened = date(2026, 3, 2)
    assert [dispute_deadline(p, opened) - opened for p in ("us-reg-f", "cn", "uk-conc")] == [
        timedelta(days=30),
        timedelta(days=15),
        timedelta(days=56),
    ]


def test_the_overdue_complaints_come_first_and_alone_when_asked(floor: Floor) -> None:
    alice, sue = floor.viewer("alice"), floor.viewer("sue")
    now = datetime.now(UTC)
    fresh = record_complaint(floor.uow, alice, floor.cases[0].id, channel="call", category="conduct")
    late = record_complaint(
        floor.uow,
        sue,
        floor.cases[1].id,
        channel="regulator",
        category="contact",
        regulator="cn_12378",
        regulator_ref="NFRA-2026-001",
        at=now - timedelta(days=20),
    )
    us = us_case(floor)
    record_complaint(
        floor.uow,
        alice,
        us.id,
        channel="letter",
        category="amount",
        regulator="cfpb",
        at=now - timedelta(days=10),
    )
    rows, paging = complaint_list(floor.uow, sue)
    assert [r["id"] for r in rows][:1] == [late] and paging.total == 3
    assert rows[0]["overdue"] and rows[0]["due_on"] == floor_today(now - timedelta(days=20)) + timedelta(
        days=15
    )
    overdue, counted = complaint_list(floor.uow, sue, state="overdue")
    assert [r["id"] for r in overdue] == [late] and counted.total == 1
    # carol (another team) sees none of them; alice her team's only.
    assert complaint_list(floor.uow, floor.viewer("carol"))[1].total == 0
    assert {r["id"] for r in complaint_list(floor.uow, alice)[0]} >= {fresh, late}


def test_a_complaint_moves_forward_only_and_flags_its_case_until_closed(floor: Floor) -> None:
    case = floor.cases[0].id
    alice = floor.viewer("alice")
    complaint = record_complaint(floor.uow, alice, case, channel="email", category="privacy")
    assert has_open_complaint(floor.uow, case)
    assert advance_complaint(floor.uow, alice, complaint, to="acknowledged")["acknowledged_at"] is not None
    advance_complaint(floor.uow, alice, complaint, to="answered", notes="answer sent by letter")
    with pytest.raises(Conflict):
        advance_complaint(floor.uow, alice, complaint, to="acknowledged")
    closed = advance_complaint(floor.uow, alice, complaint, to="closed")
    assert closed["status"] == "closed" and not closed["overdue"]
    assert not has_open_complaint(floor.uow, case)
    with pytest.raises(NotFound):
        advance_complaint(floor.uow, floor.viewer("carol"), complaint, to="closed")
