"""No contact without the gate: recorded calls and visits, and queued messages, pass it first."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.support.factories import cli, cli_json, placement

from huikuan.errors import ComplianceRefused
from huikuan.services.contacts import check_contact, queue_message, record_contact
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

# 2026-11-20 is a Friday; Beijing is UTC+8.
MORNING = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
NIGHT = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)  # 03:00 in Beijing


@pytest.fixture
def case(db_env: str, engine: Engine, tmp_path: Path) -> dict:
    assert cli("creditor", "add", "BANK", "--name", "某银行", "--region", "CN").exit_code == 0
    code, _ = cli_json("import", "accounts", str(placement(tmp_path / "p.csv")), "--creditor", "BANK")
    assert code == 0
    with engine.connect() as conn:
        account = conn.execute(select(t.accounts).where(t.accounts.c.external_ref == "HT-001")).one()
        mobile = conn.execute(
            select(t.contact_points.c.id).where(
                t.contact_points.c.debtor_id == account.debtor_id,
                t.contact_points.c.kind == "mobile",
                t.contact_points.c.party_id.is_(None),
            )
        ).scalar_one()
        spouse = conn.execute(select(t.parties.c.id).where(t.parties.c.role == "spouse")).scalar_one()
    return {"id": account.case_id, "debtor": account.debtor_id, "mobile": mobile, "spouse": spouse}


def _interactions(engine: Engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(t.interactions)).all()


def _refusals(engine: Engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(t.audit_events).where(t.audit_events.c.action == "contact.refused")).all()


def test_a_call_at_night_is_refused_not_recorded_and_the_refusal_is_kept(engine: Engine, case: dict) -> None:
    with pytest.raises(ComplianceRefused) as refused, UnitOfWork(engine) as uow:
        record_contact(
            uow, case["id"], channel="call", outcome="no_answer", at=NIGHT, contact_point_id=case["mobile"]
        )
    decision = refused.value.decision
    assert [v["rule"] for v in decision["violations"]] == ["contact-hours"]
    assert decision["next_allowed_at"] == "2026-11-20T00:00:00Z"  # 08:00 in Beijing, the address says
    assert _interactions(engine) == []
    (refusal,) = _refusals(engine)
    assert refusal.entity_id == case["id"] and refusal.detail["rules"] == ["contact-hours"]


def test_an_allowed_call_is_recorded_with_the_gates_decision_id(engine: Engine, case: dict) -> None:
    with UnitOfWork(engine) as uow:
        record_contact(
            uow,
            case["id"],
            channel="call",
            outcome="no_answer",
            at=MORNING,
            contact_point_id=case["mobile"],
            goal="agree_payment",
        )
    (interaction,) = _interactions(engine)
    assert interaction.decision_id and len(interaction.decision_id) == 32
    assert interaction.goal == "agree_payment"


def test_the_fourth_connected_call_of_a_day_is_refused_but_an_sms_is_not(engine: Engine, case: dict) -> None:
    with UnitOfWork(engine) as uow:
        for minutes in (0, 30, 60):
            at = MORNING.replace(minute=minutes % 60, hour=MORNING.hour + minutes // 60)
            record_contact(
                uow, case["id"], channel="call", outcome="callback", at=at, contact_point_id=case["mobile"]
            )
        later = MORNING.replace(hour=5)
        verdict = check_contact(uow, case["id"], channel="call", at=later)
        assert not verdict.allowed and verdict.refused_by == ("daily-call-cap",)
        # The cap resets at local midnight, and then the contact hours open at 08:00.
        assert verdict.decision["next_allowed_at"] == "2026-11-21T00:00:00Z"
        queue_message(
            uow, case["id"], channel="sms", contact_point_id=case["mobile"], body="您好，请回电。", at=later
        )
    with engine.connect() as conn:
        message = conn.execute(select(t.messages)).one()
    assert message.to == "+8613800138000" and message.decision_id


def test_a_dispute_stops_every_further_contact(engine: Engine, case: dict) -> None:
    with UnitOfWork(engine) as uow:
        record_contact(
            uow, case["id"], channel="call", outcome="disputes", at=MORNING, contact_point_id=case["mobile"]
        )
        verdict = check_contact(uow, case["id"], channel="sms", at=MORNING.replace(hour=6))
    assert not verdict.allowed and "dispute" in verdict.refused_by
    assert verdict.decision["next_allowed_at"] is None
    with engine.connect() as conn:
        assert conn.execute(select(t.debtors.c.disputed).where(t.debtors.c.id == case["debtor"])).scalar_one()


def test_a_cease_request_stops_every_further_contact(engine: Engine, case: dict) -> None:
    with UnitOfWork(engine) as uow:
        record_contact(
            uow,
            case["id"],
            channel="call",
            outcome="refuses",
            at=MORNING,
            contact_point_id=case["mobile"],
            cease_requested=True,
        )
        with pytest.raises(ComplianceRefused):
            queue_message(
                uow,
                case["id"],
                channel="sms",
                contact_point_id=case["mobile"],
                body="x",
                at=MORNING.replace(hour=6),
            )
    assert _refusals(engine)[0].detail["rules"] == ["cease"]


def test_a_spouse_may_be_asked_where_the_debtor_is_but_not_to_pay(engine: Engine, case: dict) -> None:
    with UnitOfWork(engine) as uow:
        collect = check_contact(
            uow, case["id"], channel="call", at=MORNING, party=case["spouse"], purpose="collect"
        )
        locate = check_contact(uow, case["id"], channel="call", at=MORNING, party=case["spouse"])
    assert not collect.allowed and collect.refused_by == ("third-party-disclosure",)
    assert locate.allowed


def test_an_inbound_call_is_recorded_whatever_the_hour(engine: Engine, case: dict) -> None:
    with UnitOfWork(engine) as uow:
        record_contact(uow, case["id"], channel="call", outcome="promise", at=NIGHT, direction="inbound")
    (interaction,) = _interactions(engine)
    assert interaction.direction == "inbound" and interaction.decision_id is None


def test_a_contact_cannot_be_recorded_in_the_future(engine: Engine, case: dict) -> None:
    from huikuan.errors import InvalidInput

    with pytest.raises(InvalidInput, match="future"), UnitOfWork(engine) as uow:
        record_contact(
            uow, case["id"], channel="call", outcome="no_answer", at=datetime(2099, 1, 1, tzinfo=UTC)
        )


def test_the_command_line_asks_the_gate_and_records_only_what_it_allows(engine: Engine, case: dict) -> None:
    night = cli("contact", "check", str(case["id"]), "--at", "2026-11-19T19:00:00Z")
    assert night.exit_code == 1 and "contact-hours" in night.stdout
    refused = cli(
        "contact", "record", str(case["id"]), "--outcome", "no_answer", "--at", "2026-11-19T19:00:00Z"
    )
    assert refused.exit_code == 1 and "contact-hours" in refused.stderr
    done = cli("contact", "record", str(case["id"]), "--outcome", "no_answer", "--at", "2026-11-20T02:00:00Z")
    assert done.exit_code == 0
    assert len(_interactions(engine)) == 1 and len(_refusals(engine)) == 1
