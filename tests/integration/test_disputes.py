"""The dispute loop: a dispute stops collection of what it names (contact path and plan) until it is
resolved or upheld, per pack; each step audited and kept in the facts' history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import select, update
from tests.support.floor import MORNING, Floor, us_case

from huikuan.compliance.model import Channel
from huikuan.errors import Conflict, Forbidden
from huikuan.services.clock import floor_today
from huikuan.services.contacts import check_contact, record_contact
from huikuan.services.dispute_steps import advance_dispute
from huikuan.services.disputes import open_dispute, open_disputes_for
from huikuan.services.fact_history import versions
from huikuan.services.gate import ask, read_gate_inputs
from huikuan.services.gate_inputs import allowed_frame, reference_allowed
from huikuan.storage import tables as t
from huikuan.storage.portfolio import read_portfolio


def _disputed_flag(floor: Floor, debtor_id: int) -> bool:
    return bool(
        floor.uow.session.execute(
            select(t.debtors.c.disputed).where(t.debtors.c.id == debtor_id)
        ).scalar_one()
    )


def _stage(floor: Floor, case_id: int) -> str:
    return str(floor.uow.session.execute(select(t.cases.c.stage).where(t.cases.c.id == case_id)).scalar_one())


def _ask_account(floor: Floor, case_id: int, account: int | None = None) -> tuple[bool, tuple[str, ...]]:
    inputs = read_gate_inputs(floor.uow, case_id)
    verdict, _ = ask(inputs, channel=Channel.CALL, party=None, to=None, at=MORNING, account=account)
    return verdict.allowed, verdict.refused_by


def _audit(floor: Floor, case_id: int) -> list[str]:
    a = t.audit_events.c
    rows = floor.uow.session.execute(
        select(a.action)
        .where(a.entity == "case", a.entity_id == case_id, a.action.like("dispute.%"))
        .order_by(a.id)
    )
    return [r.action for r in rows]


def test_a_written_dispute_of_one_account_refuses_collecting_it_and_not_the_other_account(
    floor: Floor,
) -> None:
    case = floor.cases[0]
    disputed, other = case.account_ids
    open_dispute(floor.uow, floor.viewer("alice"), case.id, via="letter", written=True, account_id=disputed)
    assert _ask_account(floor, case.id, disputed) == (False, ("dispute",))
    assert _ask_account(floor, case.id, other) == (True, ())
    # A call about the case collects the other account only: the contact path allows it.
    assert check_contact(floor.uow, case.id, channel="call", at=MORNING).allowed
    assert not _disputed_flag(floor, case.debtor_id)  # the whole case is not disputed
    assert _stage(floor, case.id) != "dispute"  # it stays in the queue: the other account is owed
    # Disputing the other account too leaves nothing to collect.
    open_dispute(floor.uow, floor.viewer("alice"), case.id, via="portal", written=True, account_id=other)
    verdict = check_contact(floor.uow, case.id, channel="sms", at=MORNING)
    assert not verdict.allowed and verdict.refused_by == ("dispute",)
    assert verdict.decision["next_allowed_at"] is None
    assert _stage(floor, case.id) == "dispute"


def test_a_dispute_of_the_whole_case_sets_the_debtors_flag_and_refuses_every_account(floor: Floor) -> None:
    case = floor.cases[0]
    open_dispute(floor.uow, floor.viewer("alice"), case.id, via="letter", written=True)
    assert _disputed_flag(floor, case.debtor_id)
    for account in case.account_ids:
        assert _ask_account(floor, case.id, account) == (False, ("dispute",))
    stage = floor.uow.session.execute(select(t.cases.c.stage).where(t.cases.c.id == case.id)).scalar_one()
    assert stage == "dispute"


def test_verification_mailed_resolves_the_dispute_and_collection_resumes(floor: Floor) -> None:
    case = floor.cases[0]
    account = case.account_ids[0]
    alice = floor.viewer("alice")
    dispute = open_dispute(floor.uow, alice, case.id, via="letter", written=True, account_id=account)
    advance_dispute(floor.uow, alice, dispute, to="verification_requested")
    assert _ask_account(floor, case.id, account)[0] is False  # still stopped while the creditor answers
    with pytest.raises(Conflict):
        advance_dispute(floor.uow, alice, dispute, to="resolved")  # not before verification is received
    advance_dispute(floor.uow, alice, dispute, to="verification_received")
    done = advance_dispute(floor.uow, alice, dispute, to="resolved", notes="verification mailed")
    assert done["status"] == "resolved" and done["told"] == "letter_due" and done["closed_at"] is not None
    assert _ask_account(floor, case.id, account) == (True, ())
    assert open_disputes_for(floor.uow, case.debtor_id) == []
    assert _audit(floor, case.id) == [
        "dispute.opened",
        "dispute.verification_requested",
        "dispute.verification_received",
        "dispute.resolved",
        "dispute.letter_due",
    ]
    # The facts' history: before, stopped (the account named), resumed.
    kept = versions(floor.uow.session.connection(), case.debtor_id)
    assert [v["reason"] for v in kept] == ["facts.before", "dispute.opened", "dispute.resolved"]
    stopped = {a for a, facts in kept[1]["facts"]["debts"].items() if facts.get("disputed")}
    assert stopped == {f"A{account}"}
    assert not any(facts.get("disputed") for facts in kept[2]["facts"]["debts"].values())


def test_an_upheld_dispute_closes_the_account_it_names(floor: Floor) -> None:
    case = floor.cases[0]
    account = case.account_ids[1]
    dispute = open_dispute(
        floor.uow, floor.viewer("sue"), case.id, via="creditor", written=True, account_id=account
    )
    advance_dispute(floor.uow, floor.viewer("sue"), dispute, to="upheld")
    status = floor.uow.session.execute(
        select(t.accounts.c.status).where(t.accounts.c.id == account)
    ).scalar_one()
    assert status == "closed"


def test_a_read_only_viewer_cannot_open_a_dispute(floor: Floor) -> None:
    with pytest.raises(Forbidden):
        open_dispute(floor.uow, floor.viewer("vic"), floor.cases[0].id, via="letter", written=True)


def test_a_contact_whose_outcome_is_a_dispute_opens_one_of_the_whole_case(floor: Floor) -> None:
    case = floor.cases[0]
    record_contact(
        floor.uow, case.id, channel="call", outcome="disputes", at=MORNING, contact_point_id=case.mobile_id
    )
    (opened,) = open_disputes_for(floor.uow, case.debtor_id)
    assert (opened["via"], opened["written"], opened["account_id"], opened["stops_collection"]) == (
        "contact",
        False,
        None,
        True,  # the cn pack pauses collection of any dispute
    )
    assert _disputed_flag(floor, case.debtor_id)


def test_in_us_reg_f_only_a_written_dispute_stops_collection(floor: Floor) -> None:
    us = us_case(floor)
    alice = floor.viewer("alice")
    open_dispute(floor.uow, alice, us.id, via="contact", written=False, account_id=us.account_ids[0])
    assert read_gate_inputs(floor.uow, us.id).disputed == frozenset()  # recorded; collection goes on
    written = open_dispute(floor.uow, alice, us.id, via="letter", written=True, account_id=us.account_ids[0])
    assert read_gate_inputs(floor.uow, us.id).disputed == {us.account_ids[0]}
    (row,) = [d for d in open_disputes_for(floor.uow, us.debtor_id) if d["id"] == written]
    assert row["deadline"] == floor_today(row["opened_at"]) + timedelta(days=30)
    assert _ask_account(floor, us.id, us.account_ids[0])[1] == ("dispute",)


def test_in_us_reg_f_a_written_dispute_after_the_validation_period_does_not_stop_collection(
    floor: Floor,
) -> None:
    us = us_case(floor)
    account = us.account_ids[0]
    mailed = floor_today() - timedelta(days=60)  # the period ended some three weeks ago
    floor.uow.session.execute(
        update(t.accounts)
        .where(t.accounts.c.id == account)
        .values(validation_mailed_on=mailed, validation_period_end=mailed + timedelta(days=37))
    )
    late = open_dispute(
        floor.uow, floor.viewer("alice"), us.id, via="letter", written=True, account_id=account
    )
    assert read_gate_inputs(floor.uow, us.id).disputed == frozenset()  # answered, but collection goes on
    (row,) = [d for d in open_disputes_for(floor.uow, us.debtor_id) if d["id"] == late]
    assert row["stops_collection"] is False


def _frames(floor: Floor, now: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    conn = floor.uow.session.connection()
    portfolio = read_portfolio(conn, now.date(), now)
    return allowed_frame(conn, portfolio), reference_allowed(conn, portfolio)


def test_the_plan_refuses_a_disputed_account_and_plans_the_other(floor: Floor) -> None:
    case = floor.cases[0]
    now = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    open_dispute(
        floor.uow, floor.viewer("alice"), case.id, via="letter", written=True, account_id=case.account_ids[0]
    )
    fast, slow = _frames(floor, now)
    assert fast.sort("case_id", "action").to_dicts() == slow.to_dicts()
    calls = {
        r["case_id"]: (r["hour_mask"], r["rule"]) for r in fast.filter(fast["action"] == "call").to_dicts()
    }
    assert calls[case.id][0] != 0  # the other account may be collected today
    open_dispute(
        floor.uow, floor.viewer("alice"), case.id, via="letter", written=True, account_id=case.account_ids[1]
    )
    fast, slow = _frames(floor, now)
    assert fast.sort("case_id", "action").to_dicts() == slow.to_dicts()
    masks = {(r["case_id"], r["action"]): (r["hour_mask"], r["rule"]) for r in fast.to_dicts()}
    assert masks[(case.id, "call")] == (0, "dispute") and masks[(case.id, "letter")] == (0, "dispute")
    assert masks[(floor.cases[1].id, "call")][0] != 0  # another debtor is untouched


def test_opened_disputes_are_listed_for_the_debtor_with_their_deadline(floor: Floor) -> None:
    case = floor.cases[0]
    open_dispute(floor.uow, floor.viewer("alice"), case.id, via="portal", written=True)
    (row,) = open_disputes_for(floor.uow, case.debtor_id)
    assert row["status"] == "open" and isinstance(row["deadline"], date) and row["age_days"] == 0
