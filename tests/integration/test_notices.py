"""Notices and time limits reach the gate from the stored facts, on the contact path and in the plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from tests.support.book import DAY, NOW, Book

from huikuan.domain.enums import Channel
from huikuan.services import notices
from huikuan.services.clock import floor_today
from huikuan.services.contacts import check_contact
from huikuan.services.gate import ask, read_gate_inputs
from huikuan.services.gate_inputs import allowed_frame, case_debts
from huikuan.services.scripts import case_script, save_script
from huikuan.storage import tables as t
from huikuan.storage.portfolio import read_portfolio
from huikuan.storage.uow import UnitOfWork


def _us_case(conn, *, talked_at: datetime) -> tuple[int, int]:
    b = Book(conn)
    us = b.creditor("US", pack="us-reg-f", zone="America/New_York", region="US", currency="USD")
    debtor = b.debtor(us, "Pat", zone="America/New_York", country="US", region="NY", language="en")
    case = b.case(us, debtor)
    account = b.account(case, 50_000, currency="USD", overdue=date(2025, 1, 10))
    b.contact(case, talked_at, outcome="promise")
    return case, account


def test_a_us_validation_notice_never_mailed_refuses_contact_once_due_and_its_mailing_lifts_it(engine):
    now = datetime.now(UTC)
    with engine.begin() as conn:
        case, account = _us_case(conn, talked_at=now - timedelta(days=10))
    with UnitOfWork(engine) as uow:
        refused = check_contact(uow, case, channel="letter", at=now)
    assert not refused.allowed and "validation-notice" in refused.refused_by
    with engine.begin() as conn:
        assert notices.record_validation_mailed(conn, case, floor_today() - timedelta(days=9)) == [account]
        row = conn.execute(select(t.accounts).where(t.accounts.c.id == account)).one()
    assert row.validation_period_end is not None and row.validation_period_end > row.validation_mailed_on
    with UnitOfWork(engine) as uow:
        allowed = check_contact(uow, case, channel="letter", at=now)
    assert "validation-notice" not in allowed.refused_by
    with UnitOfWork(engine) as uow:
        assert read_gate_inputs(uow, case).debts[account].validation_sent is True


def test_the_plan_gives_no_hour_to_a_case_whose_validation_notice_is_overdue(engine):
    with engine.begin() as conn:
        case, account = _us_case(conn, talked_at=NOW - timedelta(days=20))
    with engine.connect() as conn:
        frame = allowed_frame(conn, read_portfolio(conn, DAY, NOW))
    before = {a: (m, r) for c, a, m, r in frame.iter_rows() if c == case}
    assert before["letter"] == (0, "validation-notice")
    assert before["call"] == (0, "validation-notice")
    with engine.begin() as conn:
        notices.record_validation_mailed(conn, case, DAY - timedelta(days=19))
    with engine.connect() as conn:
        frame = allowed_frame(conn, read_portfolio(conn, DAY, NOW))
    after = {a: (m, r) for c, a, m, r in frame.iter_rows() if c == case}
    assert after["letter"][0] != 0 and after["call"][0] != 0


def test_a_limitation_date_passed_makes_the_debt_time_barred_for_the_gate_and_the_plan(engine):
    now = datetime.now(UTC)
    with engine.begin() as conn:
        case, account = _us_case(conn, talked_at=now - timedelta(days=1))
        conn.execute(
            update(t.accounts).where(t.accounts.c.id == account).values(overdue_since=date(2019, 1, 5))
        )
        notices.refresh_limitation(conn, [account])
        limit = conn.execute(select(t.accounts.c.limitation_date).where(t.accounts.c.id == account)).scalar()
    assert limit == date(2022, 1, 5)  # New York: 3 years (CPLR 214-i)
    with UnitOfWork(engine) as uow:
        inputs = read_gate_inputs(uow, case)
    verdict, requests = ask(inputs, channel=Channel.LETTER, party=None, to=None, at=now)
    assert [r.debt.time_barred for r in requests] == [True]
    assert verdict.allowed or "time-barred" not in verdict.refused_by  # it never stops contact
    with engine.connect() as conn:
        assert [d.time_barred for d in case_debts(conn, [case], floor_today())[case]] == [True]


def test_a_recorded_demand_restarts_the_cn_limitation(engine):
    with engine.begin() as conn:
        b = Book(conn)
        cn = b.creditor("CN")
        case = b.case(cn, b.debtor(cn, "张三", region="四川省"))
        account = b.account(case, 10_000, overdue=date(2021, 3, 1))
        notices.refresh_limitation(conn, [account])
        first = conn.execute(select(t.accounts.c.limitation_date).where(t.accounts.c.id == account)).scalar()
        assert first == date(2024, 3, 1)
        b.contact(case, datetime(2023, 6, 1, 3, 0, tzinfo=UTC), outcome="refuses")
        b.contact(case, datetime(2023, 7, 1, 3, 0, tzinfo=UTC), outcome="no_answer")  # reached nobody
        notices.refresh_case(conn, case)
        again = conn.execute(select(t.accounts.c.limitation_date).where(t.accounts.c.id == account)).scalar()
    assert again == date(2026, 6, 1)
    with engine.connect() as conn:
        assert [d["what"] for d in notices.demands(conn, case)] == ["refuses"]


def test_a_time_barred_case_is_shown_its_script_without_any_mention_of_suit(floor):
    sue = floor.viewer("sue")
    save_script(
        floor.uow,
        sue,
        stage="new",
        locale="zh_CN",
        opening="您好，我是{collector}，如不还款我们将向法院起诉。",
        objections=[("我还不起", "那我们只能起诉了"), ("我已经还了", "请提供还款凭证")],
    )
    case = floor.cases[0]
    before = case_script(floor.uow, floor.viewer("alice"), case.id)
    assert "起诉" in before.opening and not before.time_barred
    floor.uow.session.execute(
        update(t.accounts).where(t.accounts.c.case_id == case.id).values(limitation_date=date(2020, 1, 1))
    )
    floor.uow.commit()
    after = case_script(floor.uow, floor.viewer("alice"), case.id)
    assert after.time_barred and "起诉" not in after.opening and after.opening
    assert [o.objection for o in after.objections] == ["我已经还了"]


def test_a_placement_with_an_annual_rate_over_the_cap_is_flagged_and_only_its_lawful_part_is_asked(
    engine, tmp_path
):
    from huikuan.services.imports import import_accounts
    from huikuan.services.promises import case_money

    with engine.begin() as conn:
        Book(conn).creditor("BANK")
    path = tmp_path / "p.csv"
    path.write_text(
        "账号,姓名,本金,利息,欠款金额,年利率,合同日期,核销日期,逾期日期\n"
        "HT-1,张三,10000.00,2400.00,12400.00,24%,2025-06-01,2026-01-31,2025-12-01\n"
        "HT-2,李四,10000.00,1000.00,11000.00,0.10,2025-06-01,,2025-12-01\n",
        encoding="utf-8",
    )
    with UnitOfWork(engine) as uow:
        report = import_accounts(uow, path, "BANK")
    assert report.created == 2 and "核销日期" in report.columns
    with engine.connect() as conn:
        rows = {
            r.external_ref: r
            for r in conn.execute(select(t.accounts).order_by(t.accounts.c.external_ref)).all()
        }
    over, within = rows["HT-1"], rows["HT-2"]
    assert (over.interest_rate_bp, over.contract_date, over.charge_off_date) == (
        2_400,
        date(2025, 6, 1),
        date(2026, 1, 31),
    )
    assert over.excess_interest == 120_000  # 24% charged, 12% lawful (4 x LPR 3.00%): half the interest
    assert (within.interest_rate_bp, within.excess_interest) == (1_000, 0)
    assert over.limitation_date == date(2028, 12, 1)  # cn: three years from the day it fell overdue
    with UnitOfWork(engine) as uow:
        assert case_money(uow, over.case_id).balance == 1_240_000 - 120_000
