"""The demo portfolio: loaded through the real import path into a fresh SQLite database."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
import time_machine
from sqlalchemy import Engine, func, select, text

from huikuan.demo import DEMO_PASSWORD, load_demo
from huikuan.demo import portfolio as demo
from huikuan.domain.enums import Product
from huikuan.errors import AlreadyExists
from huikuan.services.ledger import check_ledger
from huikuan.services.users import authenticate
from huikuan.storage import tables as t
from huikuan.storage.engine import make_engine
from huikuan.storage.migrate import upgrade
from huikuan.storage.uow import UnitOfWork

TODAY = date(2026, 3, 16)
ACCOUNTS = 400
CONVERSATIONS = ("promise", "paid", "refuses", "disputes", "hardship", "callback")


def _fresh(path: Path) -> Engine:
    engine = make_engine("sqlite:///" + str(path))
    upgrade(engine)
    return engine


def _load(engine: Engine, seed: int = 7, accounts: int = ACCOUNTS) -> dict[str, Any]:
    stages: list[str] = []
    with UnitOfWork(engine) as uow:
        summary = load_demo(uow, accounts=accounts, seed=seed, progress=stages.append, today=TODAY)
    assert stages == list(demo.STAGES)
    return summary


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, dict[str, Any]]:
    engine = _fresh(tmp_path_factory.mktemp("demo") / "d.db")
    return engine, _load(engine)


def _rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)))


def test_the_demo_loads_into_a_fresh_database_with_its_history(loaded):
    """Its creditors' placements and payments files, the history, and payments the agency received."""
    engine, summary = loaded
    assert summary["accounts"] == ACCOUNTS
    assert summary["interactions"] > ACCOUNTS and summary["payments"] > 0 and summary["promises"] > 0
    counts = {
        name: _rows(engine, f"SELECT COUNT(*) FROM {name}")[0][0]
        for name in ("accounts", "interactions", "payments", "promises", "creditors")
    }
    assert counts == {
        "accounts": summary["accounts"],
        "interactions": summary["interactions"],
        "payments": summary["payments"] + summary["agency_payments"],
        "promises": summary["promises"],
        "creditors": 4,
    }
    assert summary["agency_payments"] > 0
    stages = dict(_rows(engine, "SELECT stage, COUNT(*) FROM cases GROUP BY stage"))
    assert {"new", "contacting", "promised", "closed"} <= set(stages)
    assert (
        _rows(
            engine,
            "SELECT COUNT(*) FROM cases WHERE stage NOT IN ('closed', 'hold') AND next_action_due_at IS NULL",
        )[0][0]
        == 0
    )


def test_every_product_appears(loaded):
    engine, _ = loaded
    products = {row[0] for row in _rows(engine, "SELECT DISTINCT product FROM accounts")}
    assert products == {p.value for p in Product}


def test_every_interaction_happens_between_eight_and_nine_in_the_debtors_local_time(loaded):
    engine, _ = loaded
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.interactions.c.at, t.debtors.c.time_zone).join(
                t.debtors, t.debtors.c.id == t.interactions.c.debtor_id
            )
        ).all()
    zones = {zone for _at, zone in rows}
    assert "Asia/Shanghai" in zones and any(z.startswith("America/") for z in zones)
    for at, zone in rows:
        local = at.astimezone(ZoneInfo(zone))
        assert 8 <= local.hour < 21 or (local.hour, local.minute, local.second) == (21, 0, 0), (at, zone)


def test_the_history_ends_where_the_floors_day_begins_in_every_debtors_zone(loaded):
    """A US debtor's evening is already the next morning in Shanghai: nothing is recorded after it."""
    engine, _ = loaded
    begins = datetime(2026, 3, 15, 16, 0, tzinfo=UTC)  # 00:00 on TODAY in Asia/Shanghai
    with engine.connect() as conn:
        latest = {
            column.key: conn.execute(select(func.max(column))).scalar_one()
            for column in (t.interactions.c.at, t.payments.c.paid_at, t.promises.c.created_at)
        }
        us_calls = (
            conn.execute(
                select(t.interactions.c.at)
                .join(t.debtors, t.debtors.c.id == t.interactions.c.debtor_id)
                .where(t.debtors.c.time_zone.like("America/%"))
            )
            .scalars()
            .all()
        )
    assert all(at < begins for at in latest.values()), latest
    assert max(us_calls) >= begins - timedelta(days=2)  # the US history runs to the debtors' yesterday


def test_the_demo_is_loaded_as_of_today_on_the_floor(tmp_path):
    """At 20:00 UTC on 5 December it is 04:00 on the 6th in Shanghai: the demo's today is the 6th."""
    engine = _fresh(tmp_path / "today.db")
    with time_machine.travel(datetime(2026, 12, 5, 20, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        with UnitOfWork(engine) as uow:
            load_demo(uow, accounts=60, seed=5)
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.cases.c.next_action_due_at, t.debtors.c.time_zone)
            .join(t.debtors, t.debtors.c.id == t.cases.c.debtor_id)
            .where(t.cases.c.next_action_due_at.is_not(None), t.debtors.c.time_zone == "Asia/Shanghai")
        ).all()
    first = min(at.astimezone(ZoneInfo(zone)).date() for at, zone in rows)
    assert first == date(2026, 12, 6)  # new cases and those whose quiet days are over are due today


def test_calls_stay_within_the_daily_and_weekly_limits(loaded):
    engine, _ = loaded
    rows = _rows(
        engine,
        "SELECT i.debtor_id, i.at, d.time_zone, i.outcome, i.direction, c.region FROM interactions i "
        "JOIN debtors d ON d.id = i.debtor_id JOIN creditors c ON c.id = d.creditor_id "
        "WHERE i.channel = 'call' AND i.party_id IS NULL",
    )
    connected: Counter[tuple[int, date]] = Counter()
    us_days: dict[int, list[date]] = defaultdict(list)
    for debtor_id, at, zone, outcome, direction, region in rows:
        day = datetime.fromisoformat(at).replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()
        if region == "CN" and outcome in CONVERSATIONS:
            connected[(debtor_id, day)] += 1
        if region == "US" and direction == "outbound":
            us_days[debtor_id].append(day)
    assert connected and max(connected.values()) <= 3
    assert us_days
    for days in us_days.values():
        days.sort()
        for i, first in enumerate(days):
            assert sum(1 for d in days[i:] if d - first < timedelta(days=7)) <= 7


def test_kept_promises_were_paid_by_their_due_date_and_broken_ones_not(loaded):
    engine, _ = loaded
    statuses = dict(_rows(engine, "SELECT status, COUNT(*) FROM promises GROUP BY status"))
    assert {"kept", "broken", "pending"} <= set(statuses)
    kept = _rows(engine, "SELECT case_id, amount, due_date, paid_amount FROM promises WHERE status = 'kept'")
    for case_id, amount, due, paid in kept:
        assert paid >= amount
        # paid_at is UTC and the due date local: a day's grace covers the zones.
        received = _rows(
            engine,
            f"SELECT COUNT(*) FROM payments p JOIN accounts a ON a.id = p.account_id "
            f"WHERE a.case_id = {case_id} "
            f"AND date(p.paid_at) <= date('{due}', '+1 day')",
        )
        assert received[0][0] > 0
    broken_but_paid = "SELECT COUNT(*) FROM promises WHERE status = 'broken' AND paid_amount > 0"
    assert _rows(engine, broken_but_paid)[0][0] == 0


def test_payments_moved_the_balances_and_kept_the_accounts_products(loaded):
    engine, _ = loaded
    paid = _rows(
        engine,
        "SELECT a.product, a.principal + a.interest + a.fees - a.balance, a.status, "
        "(SELECT SUM(amount) FROM payment_allocations pa WHERE pa.account_id = a.id) "
        "FROM accounts a WHERE a.id IN (SELECT account_id FROM payments)",
    )
    assert len({product for product, *_ in paid}) > 3  # a payment leaves the account's product alone
    for _product, moved, status, allocated in paid:
        assert moved == allocated
        assert status in ("open", "paid")


def test_some_debtors_are_flagged_disputed_or_in_hardship(loaded):
    engine, _ = loaded
    disputed, hardship = _rows(engine, "SELECT SUM(disputed), SUM(hardship) FROM debtors")[0]
    assert disputed > 0 and hardship > 0


def test_the_same_seed_gives_the_same_portfolio(tmp_path, loaded):
    engine, _ = loaded
    again = _fresh(tmp_path / "again.db")
    _load(again)
    # Compared by natural keys: the placement writer numbers new cases in no particular order.
    queries = (
        "SELECT a.external_ref, a.product, a.balance, a.overdue_since, d.name, d.national_id_hash "
        "FROM accounts a JOIN debtors d ON d.id = a.debtor_id ORDER BY a.id",
        "SELECT d.id, i.at, i.channel, i.outcome, i.goal, i.notes FROM interactions i "
        "JOIN debtors d ON d.id = i.debtor_id ORDER BY i.id",
        "SELECT p.external_ref, a.external_ref, p.amount, p.paid_at FROM payments p "
        "JOIN accounts a ON a.id = p.account_id ORDER BY p.external_ref",
        "SELECT d.id, c.stage, c.assigned_user_id, c.next_action_goal, c.next_action_due_at FROM cases c "
        "JOIN debtors d ON d.id = c.debtor_id ORDER BY d.id",
        "SELECT d.id, p.amount, p.due_date, p.status FROM promises p JOIN cases c ON c.id = p.case_id "
        "JOIN debtors d ON d.id = c.debtor_id ORDER BY p.id",
    )
    for sql in queries:
        assert _rows(engine, sql) == _rows(again, sql)


def test_another_seed_gives_another_portfolio(tmp_path, loaded):
    engine, _ = loaded
    other = _fresh(tmp_path / "other.db")
    _load(other, seed=8, accounts=50)
    sql = "SELECT name FROM debtors ORDER BY id LIMIT 20"
    assert _rows(engine, sql) != _rows(other, sql)


def test_a_second_load_is_refused_with_a_clear_message(loaded):
    engine, _ = loaded
    refused = pytest.raises(AlreadyExists, match="the demo portfolio is already loaded")
    with UnitOfWork(engine) as uow, refused:
        load_demo(uow, accounts=10, seed=1, today=TODAY)
    assert _rows(engine, "SELECT COUNT(*) FROM creditors")[0][0] == 4


def test_a_load_that_stopped_half_way_is_named_so(tmp_path):
    engine = _fresh(tmp_path / "half.db")
    from huikuan.services.creditors import add_creditor

    with UnitOfWork(engine) as uow:
        add_creditor(uow, demo.BANK.code, demo.BANK.name)
        uow.commit()
    with UnitOfWork(engine) as uow, pytest.raises(AlreadyExists, match="stopped half-way"):
        load_demo(uow, accounts=10, seed=1, today=TODAY)


def test_the_demo_users_can_sign_in_with_the_demo_password(loaded):
    engine, summary = loaded
    roles = {u["username"]: u["role"] for u in summary["users"]}
    assert roles["admin"] == "admin" and roles["supervisor"] == "supervisor"
    assert {u for u, r in roles.items() if r == "collector"} == {f"collector{i}" for i in range(1, 5)}
    assert "creditor_viewer" in roles.values()
    with UnitOfWork(engine) as uow:
        for user in summary["users"]:
            assert user["password"] == DEMO_PASSWORD
            signed_in = authenticate(uow, user["username"], user["password"])
            assert signed_in is not None and signed_in.role == user["role"]
        assert authenticate(uow, "admin", "wrong-password") is None
        viewer = authenticate(uow, "bank_viewer", DEMO_PASSWORD)
        assert viewer is not None and viewer.creditor_id is not None
    assigned = _rows(
        engine, "SELECT DISTINCT u.username FROM cases c JOIN users u ON u.id = c.assigned_user_id"
    )
    assert {row[0] for row in assigned} == {f"collector{i}" for i in range(1, 5)}


def test_generated_ids_and_phone_numbers_are_valid():
    rng = random.Random(3)
    portfolio = demo.generate_portfolio(rng, 3000, TODAY)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    for code, debtors in portfolio.items():
        region = "US" if code == "DEMO-HBL" else "CN"
        for debtor in debtors:
            nid = debtor.national_id
            if nid:
                total = sum(int(c) * w for c, w in zip(nid[:17], weights, strict=True))
                assert "10X98765432"[total % 11] == nid[17]
                born = date(int(nid[6:10]), int(nid[10:12]), int(nid[12:14]))
                assert 18 <= (TODAY - born).days // 365 <= 75
                assert int(nid[16]) % 2 == (1 if debtor.male else 0)
            for number in [*debtor.phones, *(c[1] for c in debtor.contacts)]:
                assert phonenumbers.is_valid_number(phonenumbers.parse(number, region)), number
            for account in debtor.accounts:
                assert 10 <= (TODAY - account.overdue_since).days <= 720
                assert account.balance > 0


def test_make_runs_demo_step_loads_once_and_then_leaves_the_data_alone(db_env: str) -> None:
    from tests.support.factories import cli

    first = cli("demo", "--accounts", "40", "--seed", "3", "--if-empty")
    assert first.exit_code == 0 and "Demo portfolio loaded" in first.stdout
    again = cli("demo", "--accounts", "40", "--seed", "3", "--if-empty")
    assert again.exit_code == 0 and "not loaded" in again.stdout


def test_every_contact_of_the_demo_passes_the_compliance_replay(loaded):
    """Each simulated contact, re-run through the gate against the facts of its instant (a dispute or a
    cease request is a version of the facts from the contact that raised it), is allowed."""
    from huikuan.services.replay import replay_all

    engine, _summary = loaded
    with UnitOfWork(engine) as uow:
        results = list(replay_all(uow))
    refused = [(r.case_id, x.contact.kind, x.contact.id, x.rules) for r in results for x in r.refused]
    assert sum(len(r.contacts) for r in results) > 1000
    assert refused == []
    with engine.connect() as conn:
        kept = conn.execute(select(func.count()).select_from(t.fact_versions)).scalar_one()
    assert kept > 0  # the disputes and cease requests of the history are kept as versions


def test_every_disputed_debtor_of_the_demo_has_an_open_dispute_of_its_whole_case(loaded):
    engine, _summary = loaded
    flagged = {r.id for r in _rows(engine, "SELECT id FROM debtors WHERE disputed")}
    disputes = _rows(engine, "SELECT debtor_id FROM disputes WHERE status = 'open' AND account_id IS NULL")
    assert flagged and {r.debtor_id for r in disputes} == flagged


def test_every_cease_and_hardship_of_the_demo_is_a_hold_as_if_a_collector_had_set_it(loaded):
    engine, _summary = loaded
    for kind in ("cease", "hardship"):
        flagged = {r.id for r in _rows(engine, f"SELECT id FROM debtors WHERE {kind}")}
        held = _rows(engine, f"SELECT debtor_id FROM holds WHERE kind = '{kind}' AND ended_at IS NULL")
        assert {r.debtor_id for r in held} == flagged
    paused = _rows(engine, "SELECT until, started_at FROM holds WHERE kind = 'hardship'")
    assert paused and all(r.until is not None and r.started_at is not None for r in paused)


def test_the_demos_money_is_in_a_consistent_ledger_with_each_creditors_terms(loaded):
    """Chinese creditors' money lands in their own accounts (commission invoiced); the US creditor's in
    the agency's trust account (remitted net); every balance ties to the journal."""
    engine, _summary = loaded
    with UnitOfWork(engine) as uow:
        report = check_ledger(uow)
    assert report.ok, report.examples
    assert report.balances["CNY"]["trust"] == 0 and report.balances["CNY"]["commission_due"] > 0
    assert report.balances["USD"]["trust"] > 0 and report.balances["USD"]["payable"] > 0
    agency = "SELECT route, COUNT(*) FROM payments WHERE source = 'agency' GROUP BY route"
    routes = dict(_rows(engine, agency))
    assert set(routes) == {"creditor", "trust"}
    assert _rows(engine, "SELECT COUNT(*) FROM money_terms")[0][0] == 4


def test_the_demos_floor_users_each_have_a_seat_at_the_demo_call_centre(loaded):
    engine, _ = loaded
    seats = dict(_rows(engine, "SELECT username, phone_extension FROM users WHERE phone_extension <> ''"))
    assert seats == {
        name: f"{name}@ccc-huikuan-demo"
        for name in ("supervisor", "collector1", "collector2", "collector3", "collector4")
    }


def test_the_demo_collectors_were_logged_in_on_each_weekday_of_the_history(loaded):
    """So that the reports have collector-hours: one session a weekday per collector, about nine hours,
    logged out; no one else's."""
    engine, _summary = loaded
    rows = _rows(
        engine,
        "SELECT u.username, u.role, s.created_at, s.last_seen_at, s.ended_at FROM user_sessions s "
        "JOIN users u ON u.id = s.user_id",
    )
    assert {r.role for r in rows} == {"collector"}
    weekdays = sum(1 for back in range(1, 91) if (TODAY - timedelta(days=back)).weekday() < 5)
    by_user: dict[str, int] = {}
    for r in rows:
        by_user[r.username] = by_user.get(r.username, 0) + 1
        began, last = (datetime.fromisoformat(str(x)) for x in (r.created_at, r.last_seen_at))
        assert timedelta(hours=8) < last - began < timedelta(hours=10) and r.ended_at is not None
    assert by_user == dict.fromkeys(("collector1", "collector2", "collector3", "collector4"), weekdays)
