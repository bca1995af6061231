"""The creditor's portal: its figures tie to the raw rows (recomputed here from the tables themselves), its
accounts list pages, filters, sorts and names the last action, and a creditor's viewer sees nothing of
another creditor: not its numbers, not its accounts, not its statements."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Table, insert, select
from tests.support.floor import MORNING, TODAY, Floor
from tests.support.portal import SHOP_COLLECTED, SHOP_PROMISED, seed_portal
from tests.support.web import bearer, login_client

from huikuan.errors import Forbidden, InvalidInput
from huikuan.services.portal import VINTAGE_MONTHS, glance
from huikuan.services.portal_accounts import portal_accounts
from huikuan.services.reports import refresh
from huikuan.storage import tables as t
from huikuan.web.app import create_app

OPEN_DISPUTES = {"open", "verification_requested", "verification_received"}
OPEN_COMPLAINTS = {"received", "acknowledged", "answered"}


@pytest.fixture
def seeded(floor: Floor) -> Floor:
    seed_portal(floor)
    return floor


def _rows(floor: Floor, table: Table) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in floor.uow.session.execute(select(table)).all()]


def _bank(floor: Floor) -> int:
    return next(c["id"] for c in _rows(floor, t.creditors) if c["code"] == "BANK")


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1


def test_placed_and_collected_tie_to_the_accounts_and_the_payments_that_stand(seeded: Floor) -> None:
    bank = _bank(seeded)
    accounts = [a for a in _rows(seeded, t.accounts) if a["creditor_id"] == bank]
    payments = [p for p in _rows(seeded, t.payments) if p["creditor_id"] == bank and p["status"] == "posted"]
    shown = glance(seeded.uow, seeded.viewer("vic"), now=MORNING)
    assert shown.accounts == len(accounts) == 6
    assert shown.open_accounts == sum(a["status"] == "open" for a in accounts) == 5
    assert shown.placed == {"CNY": sum(a["principal"] + a["interest"] + a["fees"] for a in accounts)}
    assert shown.open_balance == {"CNY": sum(a["balance"] for a in accounts if a["status"] == "open")}
    assert shown.collected == {"CNY": sum(p["amount"] for p in payments)} == {"CNY": 215_000}
    assert shown.liquidation_bp("CNY") == 215_000 * 10_000 // shown.placed["CNY"]


def test_liquidation_by_placement_month_adds_up_each_months_payments_by_months_since_placement(
    seeded: Floor,
) -> None:
    bank = _bank(seeded)
    accounts = {a["id"]: a for a in _rows(seeded, t.accounts) if a["creditor_id"] == bank}
    payments = [
        p for p in _rows(seeded, t.payments) if p["account_id"] in accounts and p["status"] == "posted"
    ]
    shown = {v.month: v for v in glance(seeded.uow, seeded.viewer("vic"), now=MORNING).vintages}
    assert list(shown) == ["2026-09", "2026-08"]  # newest first; the shop's August is not the bank's
    for month, vintage in shown.items():
        mine = [a for a in accounts.values() if a["placed_on"].strftime("%Y-%m") == month]
        placed = sum(a["principal"] + a["interest"] + a["fees"] for a in mine)
        paid = [p for p in payments if accounts[p["account_id"]]["placed_on"].strftime("%Y-%m") == month]
        assert (vintage.accounts, vintage.placed) == (len(mine), placed)
        assert vintage.collected == sum(p["amount"] for p in paid)
        start = _month(mine[0]["placed_on"])
        for age in range(VINTAGE_MONTHS):
            if start + age > _month(TODAY):
                assert vintage.by_age[age] is None  # that month has not come yet
            else:
                upto = sum(p["amount"] for p in paid if _month(p["paid_at"].date()) - start <= age)
                assert vintage.by_age[age] == upto
                assert vintage.curve_bp[age] == upto * 10_000 // placed
    assert shown["2026-08"].by_age[:4] == (100_000, 100_000, 150_000, 150_000)


def test_promises_due_and_broken_and_open_disputes_and_complaints_are_counted_from_the_raw_rows(
    seeded: Floor,
) -> None:
    bank = _bank(seeded)
    cases = {c["id"] for c in _rows(seeded, t.cases) if c["creditor_id"] == bank}
    promises = [p for p in _rows(seeded, t.promises) if p["case_id"] in cases]
    pending = [p for p in promises if p["status"] == "pending"]
    soon = [p for p in pending if 0 <= (p["due_date"] - TODAY).days < 7]
    broken = [p for p in promises if p["status"] == "broken" and p["due_date"].strftime("%Y-%m") == "2026-11"]
    shown = glance(seeded.uow, seeded.viewer("vic"), now=MORNING)
    assert shown.promises_pending == len(pending) == 2
    assert shown.promised == {"CNY": sum(p["amount"] - p["paid_amount"] for p in pending)}
    assert shown.promises_due_soon == len(soon) == 1
    assert shown.due_soon == {"CNY": 10_000}
    assert shown.promises_broken == len(broken) == 1
    assert shown.broken == {"CNY": 30_000}
    disputes = [
        d for d in _rows(seeded, t.disputes) if d["case_id"] in cases and d["status"] in OPEN_DISPUTES
    ]
    complaints = [
        c for c in _rows(seeded, t.complaints) if c["case_id"] in cases and c["status"] in OPEN_COMPLAINTS
    ]
    assert (shown.disputes_open, shown.complaints_open) == (len(disputes), len(complaints)) == (1, 1)


def test_the_accounts_list_counts_filters_sorts_and_names_the_last_action(seeded: Floor) -> None:
    vic = seeded.viewer("vic")
    a1, b1, c1 = seeded.cases
    every = portal_accounts(seeded.uow, vic, now=MORNING)
    assert every.paging.total == 6
    assert [x.balance for x in every.items] == sorted((x.balance for x in every.items), reverse=True)
    assert seeded.other_creditor_case is not None
    assert not set(seeded.other_creditor_case.account_ids) & {x.account_id for x in every.items}
    paid = portal_accounts(seeded.uow, vic, status="paid", now=MORNING)
    assert (paid.paging.total, [x.account_id for x in paid.items]) == (1, [c1.account_ids[1]])
    by_ref = portal_accounts(seeded.uow, vic, sort="ref", per_page=4, now=MORNING)
    assert (by_ref.paging.pages, len(by_ref.items)) == (2, 4)
    refs = [x.reference for x in by_ref.items]
    assert refs == sorted(refs)
    last = {x.case_id: x.last_action for x in every.items}
    assert last[a1.id] is not None and (last[a1.id].kind, last[a1.id].channel) == ("message", "sms")
    assert last[b1.id] is not None and (last[b1.id].kind, last[b1.id].outcome) == ("contact", "promise")
    assert last[c1.id] is None


def test_the_accounts_by_placement_day_put_an_account_of_no_day_last_either_way(seeded: Floor) -> None:
    """Newest placement first reads the placement index (migration 0033) in its order; oldest first sorts:
    the same days, ties by account, no day last, and pages follow on."""
    vic = seeded.viewer("vic")
    a = t.accounts.c
    ids = [x.account_id for x in portal_accounts(seeded.uow, vic, now=MORNING).items]
    days = [date(2026, 9, 1), None, date(2026, 10, 5), date(2026, 9, 1), date(2026, 8, 3), None]
    for account_id, day in zip(sorted(ids), days, strict=True):
        seeded.uow.session.execute(t.accounts.update().where(a.id == account_id).values(placed_on=day))
    seeded.uow.commit()
    placed = dict(zip(sorted(ids), days, strict=True))
    undated = sorted(i for i, day in placed.items() if day is None)
    dated = {i: day for i, day in placed.items() if day is not None}
    newest = sorted(dated, key=lambda i: (-dated[i].toordinal(), i)) + undated
    oldest = sorted(dated, key=lambda i: (dated[i], i)) + undated
    for sort, expected in (("-placed", newest), ("placed", oldest)):
        pages = [portal_accounts(seeded.uow, vic, sort=sort, page=n, per_page=4, now=MORNING) for n in (1, 2)]
        assert [x.account_id for page in pages for x in page.items] == expected, sort
        is_open = {x.account_id for x in portal_accounts(seeded.uow, vic, status="open", now=MORNING).items}
        shown = portal_accounts(seeded.uow, vic, status="open", sort=sort, now=MORNING).items
        assert [x.account_id for x in shown] == [i for i in expected if i in is_open], sort


def test_the_floors_people_have_no_portal(seeded: Floor) -> None:
    for who in ("alice", "carol", "sue"):
        with pytest.raises(Forbidden):
            glance(seeded.uow, seeded.viewer(who), now=MORNING)
        with pytest.raises(Forbidden):
            portal_accounts(seeded.uow, seeded.viewer(who), now=MORNING)


def test_an_unknown_status_or_order_is_refused(seeded: Floor) -> None:
    with pytest.raises(InvalidInput):
        portal_accounts(seeded.uow, seeded.viewer("vic"), status="gone")
    with pytest.raises(InvalidInput):
        portal_accounts(seeded.uow, seeded.viewer("vic"), sort="debtor_name")


# --- the pages and the API -----------------------------------------------------------------------------


@pytest.fixture
def app(seeded: Floor, db_env: str) -> FastAPI:
    shop = next(c["id"] for c in _rows(seeded, t.creditors) if c["code"] == "SHOP")
    for creditor_id in (_bank(seeded), shop):
        seeded.uow.session.execute(
            insert(t.statements).values(
                creditor_id=creditor_id,
                period="2026-10",
                currency="CNY",
                remittance="net",
                totals={},
                issued_at=MORNING,
            )
        )
    seeded.uow.commit()
    return create_app(db_env)


def _statement(floor: Floor, code: str) -> int:
    s, c = t.statements.c, t.creditors.c
    query = select(s.id).join(t.creditors, c.id == s.creditor_id).where(c.code == code)
    return int(floor.uow.session.execute(query).scalar_one())


def test_the_landing_page_shows_the_banks_figures_and_never_the_shops(app: FastAPI, seeded: Floor) -> None:
    page = login_client(app, "vic").get("/portfolio")
    assert page.status_code == 200
    text = page.text
    assert 'data-testid="portal-glance"' in text and "CN¥2,150.00" in text  # collected
    assert "2026-08" in text and "2026-09" in text
    assert 'href="/imports"' in text and 'href="/portfolio/accounts"' in text
    assert f'data-testid="portal-statement-{_statement(seeded, "BANK")}"' in text
    assert f'portal-statement-{_statement(seeded, "SHOP")}"' not in text
    assert "77,777.77" not in text and "999.99" not in text
    zh = login_client(app, "vic", locale="zh_CN").get("/portfolio").text
    assert "按委托月份的回收率" in zh and "¥2,150.00" in zh


def test_the_accounts_page_is_masked_and_keeps_to_the_bank(app: FastAPI, seeded: Floor) -> None:
    vic = login_client(app, "vic")
    page = vic.get("/portfolio/accounts?status=open&sort=-placed")
    assert page.status_code == 200
    assert "5 accounts" in page.text
    assert "11010119800101" not in page.text and "+86138" not in page.text  # no ID, no number
    assert seeded.other_creditor_case is not None
    for account_id in seeded.other_creditor_case.account_ids:
        assert f"portal-account-{account_id}" not in page.text
    assert vic.get("/portfolio/accounts?status=gone").status_code == 422


def test_the_viewer_is_told_not_found_for_the_shops_statement_and_case(app: FastAPI, seeded: Floor) -> None:
    vic = login_client(app, "vic")
    assert vic.get(f"/money/statements/{_statement(seeded, 'SHOP')}/download?file=pdf").status_code == 404
    assert seeded.other_creditor_case is not None
    assert vic.get(f"/cases/{seeded.other_creditor_case.id}").status_code == 404


def test_the_portal_api_gives_the_glance_accounts_and_statements_of_the_bank_only(
    app: FastAPI, seeded: Floor
) -> None:
    client, key = TestClient(app), bearer(app, "vic")
    body = client.get("/api/v1/portal/glance", headers=key).json()
    assert body["collected"] == [{"amount": "2150.00", "minor": 215_000, "currency": "CNY"}]
    assert body["promises"]["pending"] == 2 and body["disputes_open"] == 1
    assert str(SHOP_COLLECTED) not in str(body) and str(SHOP_PROMISED) not in str(body)
    listed = client.get("/api/v1/portal/accounts?per_page=2&status=open", headers=key).json()
    assert (listed["total"], listed["pages"], len(listed["items"])) == (5, 3, 2)
    statements = client.get("/api/v1/portal/statements", headers=key).json()["items"]
    assert [s["id"] for s in statements] == [_statement(seeded, "BANK")]


@pytest.mark.parametrize("who", ["alice", "sue"])
def test_the_portal_is_refused_to_the_floor(app: FastAPI, who: str) -> None:
    assert login_client(app, who).get("/portfolio/accounts").status_code == 403
    for path in ("glance", "accounts", "statements"):
        assert TestClient(app).get(f"/api/v1/portal/{path}", headers=bearer(app, who)).status_code == 403


# --- the figures the reports job keeps ---------------------------------------------------------------------


def _figures(shown: Any) -> tuple[Any, ...]:
    return (
        shown.accounts,
        shown.open_accounts,
        shown.placed,
        shown.open_balance,
        shown.collected,
        shown.vintages,
        shown.promises_pending,
        shown.promised,
        shown.promises_due_soon,
        shown.due_soon,
        shown.promises_broken,
        shown.broken,
    )


def test_the_kept_figures_are_the_live_ones_as_of_the_jobs_run_and_only_the_banks(seeded: Floor) -> None:
    viewer = seeded.viewer("vic")
    before = glance(seeded.uow, viewer, now=MORNING)
    assert before.as_of is None  # the job never ran: counted live
    refresh(seeded.uow, MORNING)
    kept = glance(seeded.uow, viewer, now=MORNING)
    assert kept.as_of == MORNING
    assert _figures(kept) == _figures(before) == _figures(glance(seeded.uow, viewer, now=MORNING, live=True))
    assert kept.collected == {"CNY": 215_000}  # the shop's payments are kept too, but never shown here
    assert kept.promises_pending > 0 and kept.promises_broken > 0
    bank, a = _bank(seeded), t.accounts.c
    session = seeded.uow.session
    session.execute(
        t.accounts.update().where(a.creditor_id == bank, a.status == "open").values(status="closed")
    )
    pr = t.promises.c
    session.execute(t.promises.update().where(pr.status == "pending").values(status="kept"))
    seeded.uow.commit()
    after = glance(seeded.uow, viewer, now=MORNING)
    assert _figures(after) == _figures(kept) and after.open_accounts == 5  # as of the job's run
    now_live = glance(seeded.uow, viewer, now=MORNING, live=True)
    assert (now_live.open_accounts, now_live.promises_pending) == (0, 0)
    refresh(seeded.uow, MORNING)
    assert _figures(glance(seeded.uow, viewer, now=MORNING)) == _figures(now_live)


def test_the_landing_page_says_as_of_when_the_job_kept_its_figures(app: FastAPI, seeded: Floor) -> None:
    assert 'data-testid="portal-as-of"' not in login_client(app, "vic").get("/portfolio").text
    refresh(seeded.uow, MORNING)
    text = login_client(app, "vic").get("/portfolio").text
    assert 'data-testid="portal-as-of"' in text and "as of" in text
    assert "CN¥2,150.00" in text and "77,777.77" not in text
    zh = login_client(app, "vic", locale="zh_CN").get("/portfolio").text
    assert "报表任务最近一次运行" in zh and "¥2,150.00" in zh
