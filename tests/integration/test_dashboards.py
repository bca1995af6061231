"""The dashboards (/reports, /reports/me): the page shows what the KPI service answers for the same filters
(and, for a few figures, what the raw tables say), its filters round-trip through the address, a
supervisor of one team cannot look at another team, a collector sees its own figures against its team's
totals, and before the reports job has run the page says so and what to do."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from tests.support.floor import PASSWORD, Floor
from tests.support.reports import DECEMBER_RUN, OCTOBER_RUN, Portfolio, at, november, october, raw_counts
from tests.support.web import login_client

from huikuan.services.report_kpis import KpiQuery, kpis
from huikuan.services.reports import JOB, refresh
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app

FIRST, LAST = date(2026, 10, 1), date(2026, 11, 30)
NOVEMBER_30 = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # noon on the floor
FILTERS = f"creditor=BANK&from={FIRST}&to={LAST}&group_by=month&split=collector"


@pytest.fixture
def worked(floor: Floor) -> Portfolio:
    """Two months of work on the floor, and the reports job after each (tests/support/reports.py)."""
    book = october(floor)
    refresh(floor.uow, OCTOBER_RUN)
    november(floor)
    refresh(floor.uow, DECEMBER_RUN, date(2026, 10, 1))
    floor.uow.session.execute(
        t.job_leases.insert().values(name=JOB, last_run_at=DECEMBER_RUN, last_result={})
    )
    floor.uow.commit()
    return book


def _get(db_env: str, user: str, path: str, locale: str = "en") -> Any:
    return login_client(create_app(db_env), user, locale=locale).get(path)


def _shown(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{re.escape(testid)}"[^>]*>(.*?)</', html, re.S)
    assert found, testid
    return found.group(1).strip()


def _pct(rate: dict[str, Any]) -> str:
    if rate["value"] is None:
        return "—"
    return f"{float(rate['value']) * 100:.1f}%"  # the page's format (one decimal); display only


def test_the_floor_dashboard_shows_what_the_kpi_service_answers(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    ada = add_user(floor.uow, "ada", PASSWORD, role="admin")  # every team's figures, to tie to the raw tables
    floor.users["ada"] = ada.id or 0
    floor.uow.commit()
    response = _get(db_env, "ada", f"/reports?{FILTERS}")
    assert response.status_code == 200, response.text
    html = response.text
    ask = KpiQuery("BANK", FIRST, LAST, group_by="month", split="collector")
    answer = kpis(floor.uow, floor.viewer("ada"), ask)
    rates = answer["measures"]["rates"]
    assert _shown(html, "reports-contact-rate") == _pct(rates["contact_rate"])
    assert _shown(html, "reports-rpc-rate") == _pct(rates["right_party_contact_rate"])
    assert _shown(html, "reports-promise-rate") == _pct(rates["promise_rate"])
    assert _shown(html, "reports-plan-adherence") == _pct(rates["plan_adherence"])
    [cny] = answer["measures"]["money"]
    assert _shown(html, "reports-net-CNY") == f"CN¥{cny['net_collected'] / 100:,.2f}"
    raw = raw_counts(floor.uow.session.connection(), worked.bank, FIRST, LAST)
    assert cny["net_collected"] == raw["collected"] - raw["reversed"]  # the figure ties to the raw tables
    assert _pct(rates["contact_rate"]) == f"{raw['contacts'] / raw['attempts'] * 100:.1f}%"
    for group in answer["groups"]:
        key = "none" if group["key"] is None else group["key"]
        row = re.search(rf'data-testid="reports-split-{key}">.*?</tr>', html, re.S)
        assert row is not None
        assert _pct(group["measures"]["rates"]["contact_rate"]) in row.group(0)
    assert {g["key"] for g in answer["groups"]} >= {worked.alice, worked.bob}
    for rule in answer["refusals_by_rule"]:
        assert f"<td>{rule}</td>" in html
    assert 'data-testid="reports-roll-table"' in html and 'data-chart="vintages"' in html
    assert "Figures as of 2026-12-01 10:00" in html  # the job's last run, in the viewer's zone


def test_the_filters_round_trip_through_the_address(floor: Floor, worked: Portfolio, db_env: str) -> None:
    html = _get(db_env, "sue", f"/reports?{FILTERS}&collector={worked.alice}&channel=call").text
    assert re.search(r'<option value="BANK" selected>', html)
    assert re.search(rf'<option value="{worked.alice}" selected>', html)
    assert '<option value="call" selected>' in html
    assert '<option value="month" selected>' in html and '<option value="collector" selected>' in html
    assert f'name="from" value="{FIRST}"' in html and f'name="to" value="{LAST}"' in html
    narrowed = kpis(
        floor.uow,
        floor.viewer("sue"),
        KpiQuery("BANK", FIRST, LAST, collector=worked.alice, channel="call", group_by="month"),
    )
    assert _shown(html, "reports-contact-rate") == _pct(narrowed["measures"]["rates"]["contact_rate"])


def test_a_supervisor_of_one_team_cannot_look_at_another_team(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    other_team = (
        floor.uow.session.execute(t.users.select().where(t.users.c.id == floor.users["carol"])).one().team_id
    )
    assert _get(db_env, "sue", f"/reports?team={other_team}").status_code == 404
    assert _get(db_env, "sue", f"/reports?collector={floor.users['carol']}").status_code == 404
    own = _get(db_env, "sue", f"/reports?collector={worked.alice}")
    assert own.status_code == 200
    assert f'<option value="{floor.users["carol"]}"' not in own.text  # not offered either
    split = _get(db_env, "sue", f"/reports?from={FIRST}&to={LAST}&split=collector").text
    assert f'data-testid="reports-split-{floor.users["carol"]}"' not in split  # nor counted in the split
    assert f'data-testid="reports-split-{worked.alice}"' in split


@pytest.mark.usefixtures("worked")
def test_collectors_and_creditors_viewers_have_no_floor_dashboard(db_env: str) -> None:
    assert _get(db_env, "alice", "/reports").status_code == 403
    assert _get(db_env, "vic", "/reports").status_code == 403
    assert _get(db_env, "sue", "/reports/me").status_code == 403
    assert _get(db_env, "vic", "/reports/me").status_code == 403


def test_a_collector_sees_its_own_results_against_its_teams_totals(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    with time_machine.travel(NOVEMBER_30, tick=False):
        html = _get(db_env, "alice", "/reports/me").text
    conn = floor.uow.session.connection()
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    mine = raw_counts(conn, worked.bank, first, last, user=worked.alice)
    shop = raw_counts(conn, worked.shop, first, last, user=worked.alice)
    attempts = mine.get("attempts", 0) + shop.get("attempts", 0)
    team = sum(
        raw_counts(conn, creditor, first, last, user=user).get("attempts", 0)
        for creditor in (worked.bank, worked.shop)
        for user in (worked.alice, worked.bob)
    )
    row = re.search(r'data-testid="me-attempts">.*?</tr>', html, re.S)
    assert row is not None
    assert re.findall(r'class="num">([^<]*)<', row.group(0)) == [str(attempts), str(team)]
    assert "carol" not in html.lower()
    assert 'data-chart="compare"' in html


@pytest.mark.usefixtures("floor")
@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_before_the_reports_job_has_run_the_page_says_so_and_what_to_do(db_env: str, locale: str) -> None:
    html = _get(db_env, "sue", "/reports", locale).text
    assert 'data-testid="reports-not-run"' in html
    assert "huikuan reports refresh" in html
    assert ("have not been computed yet" in html) == (locale == "en")
    assert ("尚未" in html) == (locale == "zh_CN")


@pytest.mark.usefixtures("worked")
def test_an_id_in_the_address_discloses_nothing_and_a_malformed_one_is_refused(
    floor: Floor, db_env: str
) -> None:
    """A team's supervisor gets the same answer for another team's (or collector's) id as for one that does
    not exist; an id no row can have is invalid input, not a server error."""
    client = login_client(create_app(db_env), "sue")
    carol = floor.users["carol"]
    other_team = floor.uow.session.execute(t.users.select().where(t.users.c.id == carol)).one().team_id
    answers = [
        client.get(f"/reports?{name}={value}")
        for name in ("team", "collector")
        for value in (other_team if name == "team" else carol, 999_999)
    ]
    assert {(a.status_code, "no such team or collector" in a.text) for a in answers} == {(404, True)}
    for bad in ("0", "-1", "abc", "99999999999999999999", "1%00"):
        assert client.get(f"/reports?team={bad}").status_code == 422, bad
    assert client.get("/reports?from=2026-13-01").status_code == 422
    assert client.get("/reports?group_by=year").status_code == 422


def test_the_floor_dashboard_compares_the_strategies_and_links_its_exports(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    """October planned every case by `champion`; B moves to `challenger` on November 1st: too few cases
    for an interval of the mean, and the page says which strategy is the champion, in both languages."""
    _a, b, _pool = floor.cases
    floor.uow.session.execute(
        t.plan_rows.insert().values(
            plan_date=date(2026, 11, 1),
            strategy="challenger",
            case_id=b.id,
            action="call",
            created_at=datetime(2026, 10, 31, 18, 0, tzinfo=UTC),
        )
    )
    floor.uow.commit()
    refresh(floor.uow, DECEMBER_RUN, date(2026, 11, 1))  # the kept comparison: the job's next run
    html = _get(db_env, "sue", f"/reports?{FILTERS}&split=product").text
    assert _shown(html, "reports-strategy-verdict-champion").startswith("The champion")
    assert _shown(html, "reports-strategy-verdict-challenger") == "Too few cases to compare"
    assert 'href="/exports/reports.csv?creditor=BANK' in html and "split=product" in html
    assert 'data-testid="reports-split-credit_card"' in html  # split by product
    assert 'data-testid="reports-cost-call"' in html
    narrowed = _get(db_env, "sue", f"/reports?{FILTERS}&product=microloan").text
    assert 'name="product" value="microloan"' in narrowed
    assert 'data-testid="reports-net-none"' in narrowed  # no account of that product on this floor
    zh = _get(db_env, "sue", f"/reports?{FILTERS}", locale="zh_CN").text
    assert _shown(zh, "reports-strategy-verdict-challenger") == "案件太少，无法比较"
    exported = login_client(create_app(db_env), "sue").get(f"/exports/reports.csv?{FILTERS}")
    assert exported.status_code == 200
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Group,Attempts,") and len(lines) > 1


def test_the_admin_hub_links_the_downloads_each_role_may_have(floor: Floor, db_env: str) -> None:
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    sue = _get(db_env, "sue", "/admin").text
    assert 'href="/exports/audit.csv"' in sue and 'href="/exports/reports.xlsx"' in sue
    assert 'href="/exports/queue.csv?all=1"' in sue
    assert "/exports/activity" not in sue  # the activity files: administrators and creditors' viewers
    ada = _get(db_env, "ada", "/admin").text
    assert 'href="/exports/activity"' in ada


def test_the_dashboard_shows_the_figures_per_collector_hour_in_both_languages(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    day = date(2026, 11, 3)
    floor.uow.session.execute(
        t.user_sessions.insert().values(
            token_hash="alice-nov-3",
            user_id=worked.alice,
            created_at=at(day, 9),
            last_seen_at=at(day, 13),
            expires_at=at(day, 21),
            ip="127.0.0.1",
        )
    )
    floor.uow.commit()
    refresh(floor.uow, DECEMBER_RUN, date(2026, 11, 1))
    answer = kpis(floor.uow, floor.viewer("sue"), KpiQuery("BANK", FIRST, LAST))
    hours = answer["collector_hours"]
    assert hours["hours"] == "4.00"
    [cny] = hours["net_collected_per_hour"]
    per_hour = f"{cny['amount_minor'] / 100:,.2f}"
    for locale, label, symbol in (
        ("en", "Net collected per collector-hour", "CN¥"),
        ("zh_CN", "每工时净回款", "¥"),
    ):
        html = _get(db_env, "sue", f"/reports?creditor=BANK&from={FIRST}&to={LAST}", locale).text
        assert _shown(html, "reports-collector-hours") == "4"
        assert _shown(html, "reports-collected-per-hour-CNY") == symbol + per_hour
        assert label in html
