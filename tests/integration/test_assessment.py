"""The collector's assessment of a case, kept and audited, with the planner's own estimate beside it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import insert, select, update
from tests.support.floor import MORNING, TODAY, Floor

from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.services.assessment import assess, assessment, planner_estimate
from huikuan.storage import tables as t
from huikuan.storage.portfolio import read_portfolio
from huikuan.strategy.features import case_features


def _case(floor: Floor, n: int = 0) -> Any:
    return floor.uow.session.execute(select(t.cases).where(t.cases.c.id == floor.cases[n].id)).one()


def _audits(floor: Floor) -> list[Any]:
    a = t.audit_events.c
    return list(floor.uow.session.execute(select(t.audit_events).where(a.action == "case.assessed")).all())


def test_an_assessment_is_stored_as_the_planners_scale_and_audited(floor: Floor) -> None:
    assess(
        floor.uow,
        floor.viewer("alice"),
        floor.cases[0].id,
        ability="high",
        willingness="low",
        reason="illness",
    )
    case = _case(floor)
    assert (case.ability, case.willingness, case.delinquency_reason) == (0.8, 0.2, "illness")
    (event,) = _audits(floor)
    assert event.user_id == floor.users["alice"] and event.entity_id == floor.cases[0].id
    assert event.detail == {
        "before": {"ability": None, "willingness": None, "reason": None},
        "after": {"ability": 0.8, "willingness": 0.2, "reason": "illness"},
    }
    shown = assessment(floor.uow, floor.viewer("alice"), floor.cases[0].id, today=TODAY)
    assert (shown.ability_level, shown.willingness_level, shown.reason) == ("high", "low", "illness")


def test_an_empty_value_clears_the_assessment(floor: Floor) -> None:
    viewer = floor.viewer("alice")
    assess(floor.uow, viewer, floor.cases[0].id, ability="medium", willingness="medium", reason="forgot")
    assess(floor.uow, viewer, floor.cases[0].id, ability="", willingness=None, reason="")
    case = _case(floor)
    assert (case.ability, case.willingness, case.delinquency_reason) == (None, None, None)
    assert len(_audits(floor)) == 2


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ability": "very"}, "ability: very is not one of low, medium, high"),
        ({"willingness": "0.5"}, "willingness: 0.5 is not one of low, medium, high"),
        ({"reason": "lazy"}, "reason: lazy is not one of unemployment"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(
    floor: Floor, values: dict[str, str], message: str
) -> None:
    given = {"ability": "high", "willingness": "high", "reason": "other"} | values
    with pytest.raises(InvalidInput) as bad:
        assess(floor.uow, floor.viewer("alice"), floor.cases[0].id, **given)
    assert message in str(bad.value) and bad.value.translated("zh_CN") != str(bad.value)
    assert _case(floor).ability is None and _audits(floor) == []


def test_a_read_only_viewer_sees_but_may_not_assess(floor: Floor) -> None:
    assessment(floor.uow, floor.viewer("vic"), floor.cases[0].id, today=TODAY)
    with pytest.raises(Forbidden):
        assess(floor.uow, floor.viewer("vic"), floor.cases[0].id, ability="low", willingness="low", reason="")


def test_a_collector_of_another_team_does_not_see_the_case(floor: Floor) -> None:
    with pytest.raises(NotFound):
        assess(
            floor.uow, floor.viewer("carol"), floor.cases[0].id, ability="low", willingness="low", reason=""
        )


def test_without_a_plan_the_estimate_uses_the_planners_formula_on_this_case(floor: Floor) -> None:
    # A credit card 111 days late (late stage), no payments, promises or conversations:
    # ability 0.50 - 0.10 = 0.40, willingness 0.50 - 0.10 = 0.40.
    estimate = planner_estimate(floor.uow, floor.cases[0].id, today=TODAY)
    assert (estimate.ability, estimate.willingness, estimate.segment) == (0.4, 0.4, "unable_unwilling")
    assert (estimate.source, estimate.as_of) == ("estimate", TODAY)
    floor.uow.session.execute(
        update(t.debtors).where(t.debtors.c.id == floor.cases[0].debtor_id).values(hardship=True)
    )
    assert planner_estimate(floor.uow, floor.cases[0].id, today=TODAY).ability == 0.15


def test_without_a_day_the_estimate_is_as_of_today_on_the_floor(floor: Floor) -> None:
    # 20:00 UTC on 5 December is 04:00 on the 6th in Shanghai.
    with time_machine.travel(datetime(2026, 12, 5, 20, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        estimate = planner_estimate(floor.uow, floor.cases[0].id)
    assert (estimate.source, estimate.as_of) == ("estimate", date(2026, 12, 6))


def test_the_estimate_ignores_the_collectors_own_assessment(floor: Floor) -> None:
    assess(floor.uow, floor.viewer("alice"), floor.cases[0].id, ability="high", willingness="high", reason="")
    assert planner_estimate(floor.uow, floor.cases[0].id, today=TODAY).ability == 0.4


def _plan_row(floor: Floor, assessed: bool, day: date = TODAY) -> None:
    reason = {
        "segment": "able_unwilling",
        "assessed": assessed,
        "scores": {"ability": 0.62, "willingness": 0.41},
    }
    floor.uow.session.execute(
        insert(t.plan_rows).values(
            plan_date=day,
            strategy="optimized",
            case_id=floor.cases[0].id,
            action="call",
            segment="able_unwilling",
            reason=json.dumps(reason),
            created_at=datetime(2026, 11, 19, 22, tzinfo=UTC),
        )
    )
    floor.uow.commit()


def test_the_estimate_comes_from_the_latest_plan_that_estimated_it(floor: Floor) -> None:
    _plan_row(floor, assessed=False)
    estimate = planner_estimate(floor.uow, floor.cases[0].id)
    assert (estimate.ability, estimate.willingness, estimate.segment) == (0.62, 0.41, "able_unwilling")
    assert (estimate.source, estimate.as_of) == ("plan", TODAY)


def test_a_plan_made_with_the_collectors_values_is_not_the_planners_estimate(floor: Floor) -> None:
    _plan_row(floor, assessed=True)
    assert planner_estimate(floor.uow, floor.cases[0].id, today=TODAY).source == "estimate"


def test_the_planner_reads_the_assessment(floor: Floor) -> None:
    assess(floor.uow, floor.viewer("alice"), floor.cases[0].id, ability="low", willingness="high", reason="")
    frame = case_features(read_portfolio(floor.uow.session.connection(), TODAY, MORNING))
    rows = {r["case_id"]: r for r in frame.iter_rows(named=True)}
    assert (rows[floor.cases[0].id]["ability"], rows[floor.cases[0].id]["willingness"]) == (0.2, 0.8)
    assert rows[floor.cases[1].id]["ability"] is None
