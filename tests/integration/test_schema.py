"""The schema: migrations match the models, and the database itself guards the invariants."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from huikuan.storage import migrate
from huikuan.storage import tables as t


def test_the_migrations_describe_the_models_exactly(engine: Engine) -> None:
    migrate.check(engine)  # raises when a model change has no migration


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    migrate.upgrade(engine)
    migrate.check(engine)


def _creditor_and_debtor(conn) -> tuple[int, int]:
    cid = conn.execute(
        insert(t.creditors).values(
            code="C1",
            name="Bank",
            region="CN",
            currency="CNY",
            pack="cn",
            time_zone="Asia/Shanghai",
            pack_overrides={},
            authority_policy={},
            header_mapping={},
        )
    ).inserted_primary_key[0]
    did = conn.execute(insert(t.debtors).values(creditor_id=cid, name="张三")).inserted_primary_key[0]
    return cid, did


def test_a_negative_balance_is_refused_by_the_database(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        cid, did = _creditor_and_debtor(conn)
        conn.execute(
            insert(t.accounts).values(
                creditor_id=cid, debtor_id=did, external_ref="A1", currency="CNY", balance=-1
            )
        )


def test_one_creditor_cannot_place_the_same_reference_twice(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        cid, did = _creditor_and_debtor(conn)
        for _ in range(2):
            conn.execute(
                insert(t.accounts).values(
                    creditor_id=cid, debtor_id=did, external_ref="A1", currency="CNY", balance=100
                )
            )


def test_a_payment_reference_is_unique_per_creditor(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        cid, did = _creditor_and_debtor(conn)
        aid = conn.execute(
            insert(t.accounts).values(
                creditor_id=cid, debtor_id=did, external_ref="A1", currency="CNY", balance=100
            )
        ).inserted_primary_key[0]
        for _ in range(2):
            conn.execute(
                insert(t.payments).values(
                    creditor_id=cid,
                    external_ref="P1",
                    account_id=aid,
                    amount=10,
                    currency="CNY",
                    paid_at=datetime.now(UTC),
                )
            )


def test_an_account_of_an_unknown_debtor_is_refused(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        cid, _ = _creditor_and_debtor(conn)
        conn.execute(
            insert(t.accounts).values(
                creditor_id=cid, debtor_id=999_999, external_ref="A1", currency="CNY", balance=100
            )
        )


def test_instants_come_back_in_utc(engine: Engine) -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2026, 3, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    with engine.begin() as conn:
        cid, _ = _creditor_and_debtor(conn)
        conn.execute(
            insert(t.import_batches).values(
                creditor_id=cid, kind="accounts", filename="f", sha256="0", started_at=local, report={}
            )
        )
        got = conn.execute(t.import_batches.select()).one().started_at
    assert got == local and got.tzinfo is not None and got.utcoffset().total_seconds() == 0


def test_goals_written_as_text_before_become_codes_and_other_words_notes(engine: Engine) -> None:
    from alembic import command
    from sqlalchemy import text

    cfg = migrate.alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    with engine.begin() as conn:
        cid, did = _creditor_and_debtor(conn)
        other = conn.execute(insert(t.debtors).values(creditor_id=cid, name="李四")).inserted_primary_key[0]
        for goal, debtor in (("核实还款能力与困难情况", did), ("Offer rejected: 折扣太多", other)):
            conn.execute(
                text(
                    "INSERT INTO cases (creditor_id, debtor_id, stage, priority, next_action_channel, "
                    "next_action_goal) VALUES (:c, :d, 'new', 0, 'call', :g)"
                ),
                {"c": cid, "d": debtor, "g": goal},
            )
        conn.execute(
            text(
                "INSERT INTO interactions (case_id, debtor_id, at, channel, direction, outcome, goal, notes, "
                "duration_s) VALUES (1, :d, :at, 'call', 'outbound', 'callback', '按约定时间回电', '', 0)"
            ),
            {"d": did, "at": datetime(2026, 11, 20, tzinfo=UTC)},
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        cases = conn.execute(text("SELECT next_action_goal, next_action_note FROM cases ORDER BY id")).all()
        talk = conn.execute(text("SELECT goal, goal_note FROM interactions")).one()
    assert [tuple(r) for r in cases] == [
        ("assess_ability", None),
        ("follow_up", "Offer rejected: 折扣太多"),
    ]
    assert tuple(talk) == ("call_back", None)
    migrate.check(engine)
