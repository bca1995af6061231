"""The debtor's facts kept with their history: each change is a version, and the facts of any past
instant can be read back as the gate read them then."""

from datetime import UTC, datetime

from sqlalchemy import Engine, select, update
from tests.support.floor import Floor

from huikuan.compliance.model import Channel
from huikuan.services.fact_history import changing_facts, facts_at, versions
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

BEFORE = datetime(2026, 11, 1, tzinfo=UTC)
CHANGED = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 20, tzinfo=UTC)


def _opt_out_sms(uow: UnitOfWork, debtor_id: int, at: datetime) -> None:
    with changing_facts(uow, [debtor_id], user_id=None, reason="preferences.set", at=at):
        uow.session.execute(
            update(t.debtors).where(t.debtors.c.id == debtor_id).values(opt_out_channels=["sms"])
        )


def test_a_change_keeps_the_facts_before_it_and_after_it(floor: Floor, engine: Engine) -> None:
    debtor = floor.cases[0].debtor_id
    with UnitOfWork(engine) as uow:
        _opt_out_sms(uow, debtor, CHANGED)
        uow.commit()
    with engine.connect() as conn:
        then, now = facts_at(conn, debtor, BEFORE), facts_at(conn, debtor, LATER)
        kept = versions(conn, debtor)
        event = conn.execute(select(t.audit_events).where(t.audit_events.c.action == "facts.changed")).one()
    assert then is not None and then.flags.opt_out == frozenset()
    assert now is not None and now.flags.opt_out == frozenset({Channel.SMS})
    assert [v["reason"] for v in kept] == ["facts.before", "preferences.set"]
    assert event.entity_id == debtor and event.detail["changed"] == ["flags.opt_out"]
    assert "sms" not in str(event.detail)  # the audit names what changed, the versions hold the values


def test_a_change_that_changes_nothing_adds_no_version(floor: Floor, engine: Engine) -> None:
    debtor = floor.cases[0].debtor_id
    with UnitOfWork(engine) as uow:
        with changing_facts(uow, [debtor], user_id=None, reason="noop", at=CHANGED):
            pass
        uow.commit()
    with engine.connect() as conn:
        assert versions(conn, debtor) == []
        assert facts_at(conn, debtor, LATER) is None  # never changed: the current facts hold throughout


def test_a_second_change_does_not_rewrite_the_first_versions(floor: Floor, engine: Engine) -> None:
    debtor = floor.cases[0].debtor_id
    with UnitOfWork(engine) as uow:
        _opt_out_sms(uow, debtor, CHANGED)
        uow.commit()
    with UnitOfWork(engine) as uow:
        with changing_facts(uow, [debtor], user_id=None, reason="preferences.set", at=LATER):
            uow.session.execute(update(t.debtors).where(t.debtors.c.id == debtor).values(opt_out_channels=[]))
        uow.commit()
    with engine.connect() as conn:
        assert [v["reason"] for v in versions(conn, debtor)] == [
            "facts.before",
            "preferences.set",
            "preferences.set",
        ]
        middle = facts_at(conn, debtor, datetime(2026, 11, 15, tzinfo=UTC))
    assert middle is not None and middle.flags.opt_out == frozenset({Channel.SMS})
