"""Cost per channel and champion against challenger in the reports: an administrator sets what one
attempt costs on a channel from a day on (`huikuan reports costs set`, PUT /api/v1/reports/costs); the
KPI API's `costs` are each day's attempts times the cost in force that day, tied to the raw interactions;
its `strategies` set each challenger against the champion with its interval."""

from __future__ import annotations

from collections import Counter
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import insert, select
from tests.support.factories import cli
from tests.support.floor import PASSWORD, Floor
from tests.support.reports import DECEMBER_RUN, OCTOBER_RUN, Portfolio, at, local, november, october
from tests.support.web import login_client

from huikuan.domain.comparison import newcombe
from huikuan.services.reports import refresh
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app

FIRST, LAST = date(2026, 10, 1), date(2026, 11, 30)
NOVEMBER_1 = date(2026, 11, 1)


@pytest.fixture
def worked(floor: Floor) -> Portfolio:
    """October's and November's work (tests/support/reports.py) with the reports job after each, and ada,
    an administrator."""
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    book = october(floor)
    refresh(floor.uow, OCTOBER_RUN)
    november(floor)
    refresh(floor.uow, DECEMBER_RUN, date(2026, 10, 1))
    return book


def _kpis(db_env: str, user: str, query: str) -> Any:
    response = login_client(create_app(db_env), user).get(f"/api/v1/reports/kpis?{query}")
    assert response.status_code == 200, response.text
    return response.json()


def _raw_attempts(floor: Floor, creditor_id: int) -> Counter[tuple[str, date]]:
    """Outbound contacts the gate did not refuse on the creditor's cases, by channel and floor day."""
    i, c = t.interactions.c, t.cases.c
    rows = floor.uow.session.execute(
        select(i.channel, i.at)
        .join(t.cases, c.id == i.case_id)
        .where(c.creditor_id == creditor_id, i.direction == "outbound", i.outcome != "refused_by_gate")
    )
    return Counter((channel, local(when)) for channel, when in rows)


def test_the_cost_of_a_channel_is_each_days_attempts_times_the_cost_in_force_that_day(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    # the call's cost changes on a Wednesday (October 21st, the day after Tuesday's calls, the day of
    # Wednesday's) and on a Sunday (November 1st): those weeks are costed day by day
    for args in (
        ("call", "150", "--from", "2026-10-01"),
        ("call", "170", "--from", "2026-10-21"),
        ("call", "200", "--from", "2026-11-01"),
    ):
        assert cli("reports", "costs", "set", *args).exit_code == 0
    ada = login_client(create_app(db_env), "ada")
    put = {"channel": "sms", "unit_cost_minor": 5, "currency": "CNY", "effective_from": "2026-10-01"}
    assert ada.put("/api/v1/reports/costs", json=put).status_code == 200
    listed = cli("reports", "costs", "list").stdout.splitlines()
    assert len(listed) == 4 and '"unit_cost_minor": 200' in listed[2]
    assert len(ada.get("/api/v1/reports/costs").json()["items"]) == 4

    answer = _kpis(db_env, "ada", f"creditor=BANK&from={FIRST}&to={LAST}")
    costs = {row["channel"]: row for row in answer["costs"]}
    raw = _raw_attempts(floor, worked.bank)
    assert {day for (ch, day) in raw if ch == "call"} >= {date(2026, 10, 20), date(2026, 10, 21)}

    def call_cost(day: date) -> int:
        return 150 if day < date(2026, 10, 21) else 170 if day < NOVEMBER_1 else 200

    calls = sum(n * call_cost(day) for (ch, day), n in raw.items() if ch == "call")
    sms = sum(n * 5 for (ch, _day), n in raw.items() if ch == "sms")
    assert costs["call"]["cost"] == calls and calls > 0
    assert costs["sms"]["cost"] == sms and sms > 0
    assert costs["call"]["attempts"] == sum(n for (ch, _d), n in raw.items() if ch == "call")
    assert costs["visit"]["cost"] == 0 and costs["visit"]["attempts_without_cost"] == 1  # no cost set
    contacts = costs["call"]["contacts"]
    assert costs["call"]["cost_per_contact"] == round(Fraction(calls, contacts))
    sms_collected = costs["sms"]["net_collected"]  # payments after an SMS count for the SMS
    assert costs["sms"]["collected_per_unit_cost"] == f"{sms_collected / sms:.2f}"


def test_only_an_administrator_sets_a_cost_and_a_bad_one_is_refused(floor: Floor, db_env: str) -> None:
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    app = create_app(db_env)
    sue, ada = login_client(app, "sue"), login_client(app, "ada")
    body = {"channel": "call", "unit_cost_minor": 150, "currency": "CNY", "effective_from": "2026-10-01"}
    assert sue.put("/api/v1/reports/costs", json=body).status_code == 403
    assert ada.put("/api/v1/reports/costs", json={**body, "channel": "pigeon"}).status_code == 422
    assert ada.put("/api/v1/reports/costs", json={**body, "unit_cost_minor": -1}).status_code == 422
    assert ada.get("/api/v1/reports/costs").json() == {"items": []}
    assert cli("reports", "costs", "set", "pigeon", "10").exit_code != 0


def test_strategies_set_the_challenger_against_the_champion_with_intervals(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    """October planned A, B and the pool's case by `champion`; on November 1st B moves to `challenger`,
    seen once the job runs again. A case counts once in each month it is planned in, for its latest plan
    row that month: October's three by `champion` (A paid 200 and promised, B promised), November's B by
    `challenger` (its payment bounced, no promise that month)."""
    _a, b, _pool = floor.cases
    floor.uow.session.execute(
        insert(t.plan_rows).values(
            plan_date=NOVEMBER_1,
            strategy="challenger",
            case_id=b.id,
            action="call",
            user_id=None,
            created_at=at(NOVEMBER_1, 1),
        )
    )
    floor.uow.commit()
    assert [
        s["strategy"]
        for s in _kpis(db_env, "ada", "creditor=BANK&from=2026-11-01&to=2026-11-30")["strategies"]
    ] == []  # as of the job's last run
    refresh(floor.uow, DECEMBER_RUN, date(2026, 10, 1))
    answer = _kpis(db_env, "ada", f"creditor=BANK&from={FIRST}&to={LAST}")
    assert answer["strategies_months"] == {"from": "2026-10-01", "to": "2026-11-30"}
    champion, challenger = answer["strategies"]
    assert champion["strategy"] == "champion" and champion["champion"] is True
    assert champion["cases"] == 3 and champion["collected"] == 20_000
    assert champion["collected_per_case"] == 6_667  # 20,000 / 3, half-even
    assert champion["promise_rate"] == "0.6667" and champion["paid_rate"] == "0.3333"
    assert challenger["strategy"] == "challenger" and challenger["cases"] == 1
    assert challenger["collected"] == 0  # the bounced payment paid nothing
    assert challenger["difference"] is None  # one case: no interval for the mean
    d, low, high = newcombe(0, 1, 2, 3)
    promise = challenger["promise_rate_difference"]
    assert promise["difference"] == f"{d:.4f}" and promise["interval_low"] == f"{low:.4f}"
    assert promise["interval_high"] == f"{high:.4f}" and promise["significant"] is False
    november_only = _kpis(db_env, "ada", "creditor=BANK&from=2026-11-15&to=2026-11-30")["strategies"]
    assert [(s["strategy"], s["cases"], s["champion"]) for s in november_only] == [("challenger", 1, True)]
    # the other creditor's case is its own: none of these strategies
    shop = _kpis(db_env, "ada", f"creditor=SHOP&from={FIRST}&to={LAST}")
    assert [(s["strategy"], s["cases"], s["collected"]) for s in shop["strategies"]] == [
        ("champion", 1, 30_000)
    ]
