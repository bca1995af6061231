"""A field collector's day list: planned visits grouped by district, each address with the gate's verdict
and what may be discussed there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, update
from tests.support.floor import MORNING, TODAY, Floor

from huikuan.services.visits import district_of, visit_day
from huikuan.storage import tables as t

AFTERNOON = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 14:00 in Beijing
NIGHT = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 22:00 in Beijing
AFTER_MIDNIGHT = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)  # 00:30 on the 21st in Beijing


def _address(floor: Floor, debtor_id: int, value: str, party_id: int | None = None) -> int:
    return int(
        floor.uow.session.execute(
            insert(t.contact_points)
            .values(debtor_id=debtor_id, party_id=party_id, kind="address", value=value, status="unverified")
            .returning(t.contact_points.c.id)
        ).scalar_one()
    )


def _next_visit(floor: Floor, n: int, due: datetime, **values: object) -> None:
    floor.uow.session.execute(
        update(t.cases)
        .where(t.cases.c.id == floor.cases[n].id)
        .values(next_action_channel="visit", next_action_due_at=due, next_action_goal="上门核实", **values)
    )


def _day(floor: Floor) -> None:
    """Alice's plan has a visit to case 0 (whose spouse and guarantor live elsewhere); case 2, hers too,
    is a visit due this afternoon in Shanghai; case 1 is Bob's."""
    case = floor.cases[0]
    _address(floor, case.debtor_id, "北京市海淀区中关村大街5号", case.spouse_id)
    _address(floor, case.debtor_id, "北京市西城区金融街8号", case.guarantor_id)
    floor.uow.session.execute(
        insert(t.plan_rows).values(
            plan_date=TODAY,
            strategy="optimized",
            case_id=case.id,
            action="visit",
            slot_start=MORNING,
            user_id=floor.users["alice"],
            segment="able_unwilling",
            reason={},
            created_at=MORNING - timedelta(hours=8),
        )
    )
    cp = t.contact_points.c
    floor.uow.session.execute(
        update(t.contact_points)
        .where(cp.id == floor.cases[2].address_id)
        .values(value="上海市浦东新区世纪大道100号")
    )
    _next_visit(floor, 2, AFTERNOON, assigned_user_id=floor.users["alice"])
    _next_visit(floor, 1, AFTERNOON)
    floor.uow.commit()


def test_the_day_list_groups_visits_by_district_with_what_may_be_discussed_at_each_address(
    floor: Floor,
) -> None:
    _day(floor)
    districts = visit_day(floor.uow, floor.viewer("alice"), TODAY, now=MORNING - timedelta(hours=1))
    assert [d.name for d in districts] == ["上海市浦东新区", "北京市朝阳区"]
    (shanghai,) = districts[0].visits
    assert (shanghai.case_id, shanghai.at, shanghai.source, shanghai.goal) == (
        floor.cases[2].id,
        AFTERNOON,
        "next_action",
        "上门核实",
    )
    (beijing,) = districts[1].visits
    assert (beijing.case_id, beijing.debtor_name, beijing.balance, beijing.currency) == (
        floor.cases[0].id,
        "测试债务人1",
        1_200_000,
        "CNY",
    )
    assert (beijing.at, beijing.source) == (MORNING, "plan")
    stops = [(s.person, s.role, s.address, s.topic, s.allowed) for s in beijing.stops]
    assert stops == [
        ("测试债务人1", "debtor", "北京市朝阳区建国路1号", "payment", True),
        ("配偶1", "spouse", "北京市海淀区中关村大街5号", "location", True),
        ("担保人1", "guarantor", "北京市西城区金融街8号", "payment", True),
    ]


def test_a_collector_sees_only_its_own_visits_and_a_supervisor_sees_all(floor: Floor) -> None:
    _day(floor)
    bob = visit_day(floor.uow, floor.viewer("bob"), TODAY, now=MORNING)
    assert [v.case_id for d in bob for v in d.visits] == [floor.cases[1].id]
    sue = visit_day(floor.uow, floor.viewer("sue"), TODAY, now=MORNING)
    assert sorted(v.case_id for d in sue for v in d.visits) == [floor.cases[1].id, floor.cases[2].id]
    assert visit_day(floor.uow, floor.viewer("carol"), TODAY, now=MORNING) == []


def test_the_day_is_the_viewers_local_day(floor: Floor) -> None:
    _next_visit(floor, 0, AFTER_MIDNIGHT)
    floor.uow.commit()
    alice = floor.viewer("alice")
    assert visit_day(floor.uow, alice, TODAY, now=MORNING) == []
    (district,) = visit_day(floor.uow, alice, TODAY + timedelta(days=1), now=MORNING)
    assert district.visits[0].case_id == floor.cases[0].id


def test_a_visit_at_night_shows_the_gates_refusal_and_when_it_is_allowed(floor: Floor) -> None:
    _next_visit(floor, 0, NIGHT)
    floor.uow.commit()
    (district,) = visit_day(floor.uow, floor.viewer("alice"), TODAY, now=MORNING)
    (stop,) = district.visits[0].stops
    assert not stop.allowed and stop.rules == ("contact-hours",)
    assert stop.next_allowed_at == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)  # 08:00 in Beijing


def test_a_case_on_hold_shows_every_address_refused(floor: Floor) -> None:
    _next_visit(floor, 0, AFTERNOON)
    floor.uow.session.execute(
        update(t.debtors).where(t.debtors.c.id == floor.cases[0].debtor_id).values(cease=True)
    )
    floor.uow.commit()
    (district,) = visit_day(floor.uow, floor.viewer("alice"), TODAY, now=MORNING)
    (stop,) = district.visits[0].stops
    assert not stop.allowed and "cease" in stop.rules and stop.next_allowed_at is None


def test_districts_are_read_like_the_planner_reads_them() -> None:
    assert district_of("北京市朝阳区建国路1号") == "北京市朝阳区"
    assert district_of("广东省深圳市南山区科技园") == "广东省深圳市南山区"
    assert district_of("浙江省杭州市余杭县某镇") == "浙江省杭州市余杭县"
    assert district_of("12 Main St, Springfield, IL 62701") == "Springfield, IL"
    assert district_of("somewhere") == "" and district_of(None) == ""
