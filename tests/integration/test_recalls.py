"""Recall and closure files: a recalled account leaves every queue and plan the same minute, its history
kept; the same file again changes nothing; an unknown account is an error (strict) or left out (lenient)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select
from tests.support.book import Book

from huikuan.errors import ImportRejected
from huikuan.services.clock import floor_today
from huikuan.services.imports import import_recalls
from huikuan.storage import tables as t
from huikuan.storage.portfolio import read_portfolio
from huikuan.storage.uow import UnitOfWork


def _write(path, rows: list[str]) -> str:
    path.write_text("账号,召回原因,操作\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _portfolio(engine) -> dict[str, int]:
    with engine.begin() as conn:
        b = Book(conn)
        cn = b.creditor("BANK")
        user = b.collector("wang")
        case = b.case(cn, b.debtor(cn, "张三", region="四川省"), user=user)
        first, second = b.account(case, 10_000), b.account(case, 20_000)
        other = b.case(cn, b.debtor(cn, "李四", region="四川省"))
        b.account(other, 5_000)
        now = datetime.now(UTC)
        conn.execute(
            t.cases.update().where(t.cases.c.id == case).values(claimed_by=user, claim_expires_at=now)
        )
        for c in (case, other):
            conn.execute(
                insert(t.plan_rows).values(
                    plan_date=floor_today(), strategy="s", case_id=c, action="call", reason={}, created_at=now
                )
            )
            conn.execute(
                insert(t.messages).values(
                    case_id=c, channel="sms", to="+8613800000000", body="x", created_at=now
                )
            )
        b.contact(case, now, outcome="promise")
    refs = {"R1": first, "R2": second}
    return {"case": case, "other": other, **refs}


def _state(engine, case: int) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(select(t.cases).where(t.cases.c.id == case)).one()
        return {
            "stage": row.stage,
            "claimed_by": row.claimed_by,
            "plan_rows": conn.execute(select(func.count()).where(t.plan_rows.c.case_id == case)).scalar_one(),
            "queued": conn.execute(
                select(func.count()).where(t.messages.c.case_id == case, t.messages.c.status == "queued")
            ).scalar_one(),
            "interactions": conn.execute(
                select(func.count()).where(t.interactions.c.case_id == case)
            ).scalar_one(),
        }


def test_a_recall_file_empties_the_queue_and_todays_plan_of_its_accounts_and_keeps_their_history(
    engine, tmp_path
):
    ids = _portfolio(engine)
    partly = _write(tmp_path / "r1.csv", ["R1,委托到期"])
    with UnitOfWork(engine) as uow:
        report = import_recalls(uow, partly, "BANK")
    assert (report.kind, report.updated, report.unchanged) == ("recalls", 1, 0)
    after_one = _state(engine, ids["case"])
    # One open account remains: the case stays, but what was queued with the old accounts is cancelled.
    assert after_one["stage"] == "contacting" and after_one["queued"] == 0 and after_one["plan_rows"] == 1
    whole = _write(tmp_path / "r2.csv", ["R2,委托到期,撤案"])
    with UnitOfWork(engine) as uow:
        import_recalls(uow, whole, "BANK")
    assert _state(engine, ids["case"]) == {
        "stage": "closed",
        "claimed_by": None,
        "plan_rows": 0,
        "queued": 0,
        "interactions": 1,
    }
    with engine.connect() as conn:  # the next plan of the day does not take the case back
        planned = read_portfolio(conn, floor_today(), datetime.now(UTC)).cases.get_column("case_id").to_list()
    assert ids["case"] not in planned and ids["other"] in planned
    untouched = _state(engine, ids["other"])
    assert untouched["stage"] == "contacting" and untouched["plan_rows"] == 1 and untouched["queued"] == 1
    with engine.connect() as conn:
        statuses = conn.execute(
            select(t.accounts.c.status, t.accounts.c.status_reason).where(t.accounts.c.case_id == ids["case"])
        ).all()
        changes = conn.execute(select(t.account_changes.c.to_status, t.account_changes.c.batch_id)).all()
        kinds = conn.execute(select(t.import_batches.c.kind)).scalars().all()
    assert sorted(statuses) == [("recalled", "委托到期"), ("recalled", "委托到期")]
    assert [c.to_status for c in changes] == ["recalled", "recalled"] and all(c.batch_id for c in changes)
    assert kinds == ["recalls", "recalls"]


def test_the_same_recall_file_imported_again_changes_nothing(engine, tmp_path):
    _portfolio(engine)
    path = _write(tmp_path / "r.csv", ["R1,委托到期", "R2,已结清,结案"])
    with UnitOfWork(engine) as uow:
        first = import_recalls(uow, path, "BANK")
    with UnitOfWork(engine) as uow:
        again = import_recalls(uow, path, "BANK")
    assert (first.updated, first.unchanged) == (2, 0)
    assert (again.updated, again.unchanged) == (0, 2)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.account_changes)).scalar_one() == 2
        closed = conn.execute(select(t.accounts.c.status).where(t.accounts.c.external_ref == "R2")).scalar()
    assert closed == "closed"


def test_an_unknown_account_rejects_a_strict_recall_file_and_is_left_out_of_a_lenient_one(engine, tmp_path):
    ids = _portfolio(engine)
    path = _write(tmp_path / "r.csv", ["R1,委托到期", "NOPE-9,委托到期", "R2,"])
    with pytest.raises(ImportRejected) as rejected, UnitOfWork(engine) as uow:
        import_recalls(uow, path, "BANK")
    codes = sorted((e["row"], e["code"]) for e in rejected.value.report.errors)
    assert [code for _row, code in codes] == ["unknown_account", "required"]
    assert _state(engine, ids["case"])["queued"] == 1  # nothing was written
    with UnitOfWork(engine) as uow:
        report = import_recalls(uow, path, "BANK", strict=False, rejects=tmp_path / "bad.csv")
    assert (report.updated, report.rejected) == (1, 2) and (tmp_path / "bad.csv").exists()


def test_the_recall_command_and_the_demands_command_work_from_the_shell(engine, db_env, tmp_path):
    from tests.support.factories import cli

    ids = _portfolio(engine)
    path = _write(tmp_path / "r.csv", ["R1,委托到期", "R2,委托到期"])
    done = cli("import", "recalls", str(path), "--creditor", "BANK", "--json")
    assert done.exit_code == 0, done.output
    assert '"updated": 2' in done.output
    demands = cli("compliance", "demands", str(ids["case"]), "--csv")
    assert demands.exit_code == 0, demands.output
    lines = demands.output.lstrip("\ufeff").splitlines()
    assert lines[0] == "at_utc,kind,ref_id,channel,what,by" and len(lines) == 2 and ",promise," in lines[1]
    assert cli("compliance", "demands", "999999").exit_code == 2
