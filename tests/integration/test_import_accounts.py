"""Importing placement files: what a creditor sends becomes debtors, cases, accounts, parties, contacts."""

import csv
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import Engine, func, select
from tests.support.factories import GOOD_ROWS, HEADER, IDS, cli, cli_json, placement

from huikuan.sealing import lookup_hash
from huikuan.storage import tables as t


@pytest.fixture
def bank(db_env: str) -> str:
    assert cli("creditor", "add", "BANK", "--name", "某银行信用卡中心", "--region", "CN").exit_code == 0
    return "BANK"


def _count(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_gbk_placement_becomes_debtors_cases_and_accounts(
    engine: Engine, bank: str, tmp_path: Path
) -> None:
    code, report = cli_json("import", "accounts", str(placement(tmp_path / "p.csv")), "--creditor", bank)
    assert code == 0
    assert report["encoding"] == "gb18030"
    assert (report["rows_read"], report["created"], report["updated"], report["unchanged"]) == (3, 3, 0, 0)
    assert report["rejected"] == 0 and report["errors"] == []
    assert _count(engine, t.accounts) == 3
    # Two rows share a national ID: one debtor, one case, two accounts.
    assert _count(engine, t.debtors) == 2
    assert _count(engine, t.cases) == 2
    with engine.connect() as conn:
        zhang = conn.execute(
            select(t.debtors).where(t.debtors.c.national_id_hash == lookup_hash(IDS[0]))
        ).one()
        accounts = conn.execute(select(t.accounts).where(t.accounts.c.debtor_id == zhang.id)).all()
        assert {a.external_ref for a in accounts} == {"HT-001", "HT-002"}
        assert len({a.case_id for a in accounts}) == 1
        first = next(a for a in accounts if a.external_ref == "HT-001")
        assert (first.principal, first.interest, first.fees, first.balance) == (
            1_000_000,
            50_000,
            12_000,
            1_062_000,
        )
        assert first.product == "credit_card" and first.currency == "CNY"
        phones = conn.execute(
            select(t.contact_points.c.kind, t.contact_points.c.value).where(
                t.contact_points.c.debtor_id == zhang.id,
                t.contact_points.c.party_id.is_(None),
                t.contact_points.c.kind.in_(["mobile", "landline"]),
            )
        ).all()
        assert set(phones) == {("mobile", "+8613800138000"), ("landline", "+861062345678")}
        parties = conn.execute(
            select(t.parties.c.role, t.parties.c.name, t.parties.c.liable).where(
                t.parties.c.debtor_id == zhang.id
            )
        ).all()
        assert set(parties) == {("spouse", "王芳", False), ("guarantor", "李强", True)}
        # The people's phones are mobile or landline as intake read them, as the debtor's are.
        kinds = conn.execute(
            select(t.parties.c.name, t.contact_points.c.kind, t.contact_points.c.value).join(
                t.parties, t.parties.c.id == t.contact_points.c.party_id
            )
        ).all()
        assert set(kinds) == {
            ("王芳", "mobile", "+8613900139000"),
            ("李强", "mobile", "+8613700137000"),
            ("赵敏", "landline", "+862164871234"),
        }


def test_importing_the_same_file_twice_changes_nothing(engine: Engine, bank: str, tmp_path: Path) -> None:
    path = placement(tmp_path / "p.csv")
    cli_json("import", "accounts", str(path), "--creditor", bank)
    before = [
        _count(engine, table) for table in (t.debtors, t.accounts, t.parties, t.contact_points, t.cases)
    ]
    code, report = cli_json("import", "accounts", str(path), "--creditor", bank)
    assert code == 0
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 3)
    assert [
        _count(engine, table) for table in (t.debtors, t.accounts, t.parties, t.contact_points, t.cases)
    ] == before


def test_a_known_reference_updates_its_account_and_never_creates_a_second(
    engine: Engine, bank: str, tmp_path: Path
) -> None:
    cli_json("import", "accounts", str(placement(tmp_path / "p.csv")), "--creditor", bank)
    changed = GOOD_ROWS[2].replace("￥5000", "4800").replace("15900159000", "15900159000;13300133000")
    code, report = cli_json(
        "import", "accounts", str(placement(tmp_path / "q.csv", [changed])), "--creditor", bank
    )
    assert code == 0
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 0)
    with engine.connect() as conn:
        account = conn.execute(select(t.accounts).where(t.accounts.c.external_ref == "HT-003")).one()
        values = (
            conn.execute(
                select(t.contact_points.c.value).where(t.contact_points.c.debtor_id == account.debtor_id)
            )
            .scalars()
            .all()
        )
    assert account.balance == 480_000
    assert "+8613300133000" in values
    assert _count(engine, t.accounts) == 3


def test_a_strict_import_with_a_bad_row_writes_nothing_and_lists_every_problem(
    engine: Engine, bank: str, tmp_path: Path
) -> None:
    bad = [GOOD_ROWS[0], "HT-009,王五,,12345,,,,,-50,2026-13-45,,,,,,"]
    code, report = cli_json("import", "accounts", str(placement(tmp_path / "p.csv", bad)), "--creditor", bank)
    assert code == 1
    assert report["written"] is False and report["rejected"] == 1
    problems = {(e["row"], e["column"]) for e in report["errors"]}
    assert problems == {(3, "phones"), (3, "balance"), (3, "overdue_since")}
    assert all(e["value"] and e["reason"] for e in report["errors"])
    assert _count(engine, t.accounts) == 0 and _count(engine, t.debtors) == 0


def test_a_lenient_import_takes_the_good_rows_and_writes_the_bad_ones_aside(
    engine: Engine, bank: str, tmp_path: Path
) -> None:
    bad = [GOOD_ROWS[0], "HT-009,王五,,13800138001,,,,,-50,2026-03-01,,,,,,"]
    path = placement(tmp_path / "p.csv", bad)
    code, report = cli_json("import", "accounts", str(path), "--creditor", bank, "--lenient")
    assert code == 0
    assert (report["created"], report["rejected"]) == (1, 1)
    rejects = Path(report["rejects_file"])
    assert rejects.parent == tmp_path
    header, line = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert header.split(",")[:3] == ["row", "合同号", "客户姓名"] and header.endswith(",reason")
    assert line.startswith("3,HT-009,王五,") and "negative" in line
    assert _count(engine, t.accounts) == 1


def test_a_mapping_file_is_kept_for_the_creditors_next_file(
    engine: Engine, bank: str, tmp_path: Path
) -> None:
    own = "客户编号,客户姓名,欠款金额\nK-1,赵六,100.00\n"
    (tmp_path / "own.csv").write_text(own, encoding="utf-8")
    (tmp_path / "map.toml").write_text('"客户编号" = "external_ref"\n', encoding="utf-8")
    code, _ = cli_json(
        "import",
        "accounts",
        str(tmp_path / "own.csv"),
        "--creditor",
        bank,
        "--mapping",
        str(tmp_path / "map.toml"),
    )
    assert code == 0
    (tmp_path / "own2.csv").write_text(own.replace("K-1", "K-2"), encoding="utf-8")
    code, report = cli_json("import", "accounts", str(tmp_path / "own2.csv"), "--creditor", bank)
    assert code == 0 and report["created"] == 1
    assert _count(engine, t.accounts) == 2


def test_an_unknown_creditor_is_a_clear_error(db_env: str, tmp_path: Path) -> None:
    result = cli("import", "accounts", str(placement(tmp_path / "p.csv")), "--creditor", "NOPE")
    assert result.exit_code == 2
    assert "NOPE" in result.stderr


def test_a_human_report_names_the_rows_and_reasons(bank: str, tmp_path: Path) -> None:
    bad = [GOOD_ROWS[0], "HT-009,王五,,13800138001,,,,,-50,2026-03-01,,,,,,"]
    result = cli("import", "accounts", str(placement(tmp_path / "p.csv", bad)), "--creditor", bank)
    assert result.exit_code == 1
    assert "row 3" in result.stdout and "balance" in result.stdout
    assert "nothing was imported" in result.stderr


MESSY = Path(__file__).resolve().parents[1] / "data" / "placements" / "messy_gbk.csv"


def test_a_messy_gbk_file_is_refused_whole_in_strict_mode_with_every_problem(
    engine: Engine, bank: str
) -> None:
    expected = json.loads(MESSY.with_name("messy_gbk.expected.json").read_text(encoding="utf-8"))
    code, report = cli_json("import", "accounts", str(MESSY), "--creditor", bank, "--as-of", "2026-03-10")
    assert code == 1 and report["written"] is False
    assert report["encoding"] == "gb18030"
    got = [(e["row"], e["column"], e["value"], e["code"]) for e in report["errors"]]
    want = sorted((e["row"], e["column"], e["value"], e["code"]) for e in expected["errors"])
    assert sorted(got) == want
    assert report["skipped_rows"] == expected["skipped"]
    assert _count(engine, t.accounts) == 0


def test_a_messy_gbk_file_in_lenient_mode_takes_its_good_rows(
    engine: Engine, bank: str, tmp_path: Path
) -> None:
    rejects = tmp_path / "messy.rejects.csv"
    code, report = cli_json(
        "import",
        "accounts",
        str(MESSY),
        "--creditor",
        bank,
        "--as-of",
        "2026-03-10",
        "--lenient",
        "--rejects",
        str(rejects),
    )
    assert code == 0
    good = report["rows_read"] - report["rejected"] - report["skipped"]
    assert report["created"] == good == _count(engine, t.accounts) == 4
    # HT2026001 and HT2026006 share a national ID: one debtor, one case.
    assert _count(engine, t.debtors) == 3
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("row,借款合同编号,客户姓名") and lines[0].endswith(",reason")
    assert len(lines) == 1 + report["rejected"]
    assert "HT2026003" in lines[1] and "ID number" in lines[1]


def test_a_chinese_address_gives_the_debtors_province(engine: Engine, bank: str, tmp_path: Path) -> None:
    xinjiang = GOOD_ROWS[2].replace("上海市徐汇区漕溪北路88号", "新疆维吾尔自治区乌鲁木齐市天山区")
    cli_json(
        "import", "accounts", str(placement(tmp_path / "p.csv", [GOOD_ROWS[0], xinjiang])), "--creditor", bank
    )
    with engine.connect() as conn:
        regions = dict(conn.execute(select(t.debtors.c.name, t.debtors.c.address_region)).all())
    assert regions == {"张伟": "11", "李娜": "65"}


def test_a_value_every_row_shares_is_stored_as_written_quotes_included(
    engine: Engine, bank: str, tmp_path: Path
) -> None:
    # The bulk insert writes a column's one shared value into the statement instead of binding it.
    rows = [
        f"Q-{i},客户{i},,1380013800{i},O'Brien 路 1号,100,0,0,100,2026-03-01,信用卡,O'Neil 担保,,,,"
        for i in range(3)
    ]
    code, report = cli_json(
        "import", "accounts", str(placement(tmp_path / "q.csv", rows)), "--creditor", bank
    )
    assert code == 0 and report["created"] == 3
    with engine.connect() as conn:
        addresses = conn.execute(
            select(t.contact_points.c.value).where(t.contact_points.c.kind == "address")
        ).scalars()
        assert list(addresses) == ["O'Brien 路 1号"] * 3
        guarantors = conn.execute(select(t.parties.c.name, t.parties.c.liable)).all()
        assert guarantors == [("O'Neil 担保", True)] * 3
        statuses = conn.execute(select(t.accounts.c.status, t.accounts.c.creditor_id)).all()
        assert len(set(statuses)) == 1 and statuses[0][0] == "open"


def test_days_past_due_count_back_from_today_on_the_floor(engine: Engine, bank: str, tmp_path: Path) -> None:
    """20:00 UTC on 5 December is already the 6th in Shanghai: 30 days past due began on 6 November."""
    header = HEADER.replace("逾期日期", "逾期天数")
    row = GOOD_ROWS[0].replace(",2026-03-01,", ",30,")
    path = tmp_path / "dpd.csv"
    path.write_bytes(("\r\n".join([header, row]) + "\r\n").encode("gbk"))
    with time_machine.travel(datetime(2026, 12, 5, 20, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        assert cli("import", "accounts", str(path), "--creditor", bank).exit_code == 0
    with engine.connect() as conn:
        overdue = conn.execute(select(t.accounts.c.overdue_since)).scalar_one()
    assert str(overdue) == str(date(2026, 11, 6))


def test_the_rejects_file_never_hands_a_spreadsheet_a_formula(
    engine: Engine, bank: str, tmp_path: Path
) -> None:
    """A creditor's cells are written back as they were, except that a cell that would start a formula
    when the file is opened in a spreadsheet is prefixed with an apostrophe (huikuan.spreadsheet)."""
    bad = [
        GOOD_ROWS[0],
        'HT-009,"=HYPERLINK(""http://x.invalid"",""x"")",,13800138001,@SUM(A1),,,,-50,2026-03-01,,,,,,',
    ]
    path = placement(tmp_path / "p.csv", bad)
    code, report = cli_json("import", "accounts", str(path), "--creditor", bank, "--lenient")
    assert code == 0 and report["rejected"] == 1
    with Path(report["rejects_file"]).open(encoding="utf-8-sig", newline="") as fh:
        _, row = list(csv.reader(fh))
    assert row[2] == '\'=HYPERLINK("http://x.invalid","x")'
    assert row[5] == "'@SUM(A1)"
    assert row[9] == "-50"  # a plain number stays a number
