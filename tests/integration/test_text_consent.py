"""The plan's texts are automated: under a pack that asks for the number holder's prior express consent
to an automated text (us-reg-f), the plan closes SMS for a debtor whose mobile does not carry it, naming
the gate's rule, so that plan-dispatch is never refused for it; the cn pack asks nothing of the kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from tests.support.floor import MORNING, TODAY, Floor, us_case

from huikuan.services.plan import load_plan_inputs
from huikuan.storage import tables as t


def _sms(floor: Floor, case_id: int) -> tuple[Any, Any]:
    floor.uow.rollback()
    inputs = load_plan_inputs(floor.uow.session.connection(), TODAY, MORNING)
    floor.uow.rollback()
    row = inputs.allowed.filter((inputs.allowed["case_id"] == case_id) & (inputs.allowed["action"] == "sms"))
    return row["hour_mask"].item(), row["rule"].item()


def _consent(floor: Floor, point_id: int, given: bool) -> None:
    floor.uow.session.execute(
        update(t.contact_points).where(t.contact_points.c.id == point_id).values(consent=given)
    )
    floor.uow.commit()


def test_no_sms_is_planned_to_a_us_mobile_without_consent_and_the_rule_says_why(floor: Floor) -> None:
    us = us_case(floor)
    _consent(floor, us.mobile_id, False)
    assert _sms(floor, us.id) == (0, "automated-text-consent")
    _consent(floor, us.mobile_id, True)
    mask, rule = _sms(floor, us.id)
    assert mask != 0 and rule != "automated-text-consent"


def test_the_cn_pack_plans_texts_without_asking_for_that_consent(floor: Floor) -> None:
    case = floor.cases[0]
    _consent(floor, case.mobile_id, False)
    mask, rule = _sms(floor, case.id)
    assert mask != 0 and rule != "automated-text-consent"
