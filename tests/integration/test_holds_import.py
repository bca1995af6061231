"""A placement's scrub flags (bankrupt, deceased, attorney, cease, dispute) take effect at once as holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select
from tests.support.factories import cli, cli_json

from huikuan.services.contacts import check_contact
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

MORNING = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 11:00 in Beijing
HEADER = "账号,姓名,手机号,欠款金额,破产,死亡,律师代理,停止催收,争议"
ROWS = [
    "HT-1,张一,13800138001,1000.00,是,,,,",
    "HT-2,张二,13800138002,1000.00,,Y,,,",
    "HT-3,张三,13800138003,1000.00,,,1,yes,",
    "HT-4,张四,13800138004,1000.00,否,N,0,no,是",
    "HT-5,张五,13800138005,1000.00,,,,,",
]


def _file(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _import(path: Path) -> dict:
    code, report = cli_json("import", "accounts", str(path), "--creditor", "BANK")
    assert code == 0, report
    return report


def _debtor(engine: Engine, ref: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(t.accounts.c.debtor_id).where(t.accounts.c.external_ref == ref)).scalar_one()
        )


def test_scrub_flags_of_a_placement_become_holds_and_flags_at_once(
    db_env: str, engine: Engine, tmp_path: Path
) -> None:
    assert cli("creditor", "add", "BANK", "--name", "某银行", "--region", "CN").exit_code == 0
    report = _import(_file(tmp_path / "p.csv", ROWS))
    assert report["details"]["holds_set"] == 4
    with engine.connect() as conn:
        holds = conn.execute(select(t.holds.c.debtor_id, t.holds.c.kind, t.holds.c.source)).all()
        by_debtor = {(r.debtor_id, r.kind) for r in holds}
        assert {r.source for r in holds} == {"import"}
        d = t.debtors.c
        flags = {
            r.id: (r.bankruptcy, r.deceased, r.attorney, r.cease, r.disputed)
            for r in conn.execute(select(d.id, d.bankruptcy, d.deceased, d.attorney, d.cease, d.disputed))
        }
        versions = conn.execute(select(func.count()).select_from(t.fact_versions)).scalar()
    one, two, three, four, five = (_debtor(engine, f"HT-{n}") for n in range(1, 6))
    assert by_debtor == {(one, "bankruptcy"), (two, "deceased"), (three, "attorney"), (three, "cease")}
    assert flags[one] == (True, False, False, False, False)
    assert flags[three] == (False, False, True, True, False)
    assert flags[four] == (False, False, False, False, True)
    assert flags[five] == (False,) * 5
    assert versions == 8  # the facts before and after, for each of the four debtors the file changed
    with UnitOfWork(engine) as uow:
        case = uow.session.execute(select(t.cases.c.id).where(t.cases.c.debtor_id == one)).scalar_one()
        verdict = check_contact(uow, case, channel="sms", at=MORNING)
    assert [v["rule"] for v in verdict.decision["violations"]] == ["bankruptcy"]


def test_importing_the_same_scrub_flags_again_sets_no_second_hold(
    db_env: str, engine: Engine, tmp_path: Path
) -> None:
    assert cli("creditor", "add", "BANK", "--name", "某银行", "--region", "CN").exit_code == 0
    _import(_file(tmp_path / "p.csv", ROWS))
    again = _import(_file(tmp_path / "p.csv", ROWS))
    assert again["details"]["holds_set"] == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.holds)).scalar() == 4


def test_a_scrub_flag_that_is_neither_yes_nor_no_rejects_the_row(db_env: str, tmp_path: Path) -> None:
    assert cli("creditor", "add", "BANK", "--name", "某银行", "--region", "CN").exit_code == 0
    path = _file(tmp_path / "p.csv", ["HT-1,张一,13800138001,1000.00,maybe,,,,"])
    code, report = cli_json("import", "accounts", str(path), "--creditor", "BANK")
    assert code != 0
    (error,) = report["errors"]
    assert error["code"] == "invalid_flag" and error["value"] == "maybe"
