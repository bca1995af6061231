"""Holds reach the gate on every path: a recorded call, a queued message and the daily plan refuse under
the hold's rule with its end as the next allowed instant; ending a hold lifts it at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import Engine, func, select
from tests.support.book import Book
from tests.support.floor import MORNING, Floor

from huikuan.errors import ComplianceRefused, Conflict, Forbidden, InvalidInput
from huikuan.services.access import get_viewer
from huikuan.services.claims import take_case
from huikuan.services.contact_log import log_contact
from huikuan.services.contact_report import ContactReport
from huikuan.services.contacts import check_contact, queue_message, record_contact
from huikuan.services.gate_inputs import allowed_frame
from huikuan.services.holds import SetHold, end_hold, holds_for, set_hold
from huikuan.services.queue import my_work, team_queue
from huikuan.storage import tables as t
from huikuan.storage.portfolio import read_portfolio
from huikuan.storage.uow import UnitOfWork

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday, in the past (contacts are recorded as they happened) and after the holds were set.
SET = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, 01:00 in London
CALL = datetime(2026, 11, 4, 3, 0, tzinfo=UTC)  # 11:00 in Beijing
US_CALL = datetime(2026, 11, 4, 17, 0, tzinfo=UTC)  # 12:00 in New York
UK_CALL = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)  # 12:00 in London


@dataclass(frozen=True)
class Case:
    id: int
    debtor: int
    mobile: int
    email: int


@dataclass(frozen=True)
class World:
    cn: Case
    us: Case
    uk: Case


def _case(b: Book, creditor: int, name: str, zone: str, country: str | None, phone: str) -> Case:
    debtor = b.debtor(creditor, name, zone=zone, country=country)
    mobile = b.point(debtor, "mobile", phone, status="valid")
    email = b.point(debtor, "email", f"{name}@example.com")
    case = b.case(creditor, debtor)
    b.account(case, 100_000)
    return Case(case, debtor, mobile, email)


@pytest.fixture
def world(engine: Engine) -> World:
    with engine.begin() as conn:
        b = Book(conn)
        cn = b.creditor("CN")
        us = b.creditor("US", pack="us-reg-f", zone="America/New_York", region="US", currency="USD")
        uk = b.creditor("UK", pack="uk-conc", zone="Europe/London", region="GB", currency="GBP")
        return World(
            _case(b, cn, "zhang", "Asia/Shanghai", "CN", "+8613800138000"),
            _case(b, us, "roe", "America/New_York", None, "+12125550123"),
            _case(b, uk, "smith", "Europe/London", None, "+447700900123"),
        )


def _set(engine: Engine, cmd: SetHold, now: datetime = SET) -> int:
    with UnitOfWork(engine) as uow:
        return set_hold(uow, None, cmd, now=now)


def _refused_call(engine: Engine, case: Case, at: datetime = CALL) -> dict:
    with pytest.raises(ComplianceRefused) as refused, UnitOfWork(engine) as uow:
        record_contact(uow, case.id, channel="call", outcome="no_answer", at=at, contact_point_id=case.mobile)
    return refused.value.decision  # type: ignore[return-value]


def _refused_message(engine: Engine, case: Case, at: datetime = CALL) -> dict:
    with pytest.raises(ComplianceRefused) as refused, UnitOfWork(engine) as uow:
        queue_message(uow, case.id, channel="email", contact_point_id=case.email, body="Hello", at=at)
    return refused.value.decision  # type: ignore[return-value]


def _holds(engine: Engine, debtor: int) -> list[dict]:
    with engine.connect() as conn:
        return holds_for(conn, debtor)


def _rules(decision: dict) -> list[str]:
    return [v["rule"] for v in decision["violations"]]


def _check(engine: Engine, case: Case, at: datetime, party: int | None = None) -> dict:
    with UnitOfWork(engine) as uow:
        return check_contact(uow, case.id, channel="call", at=at, party=party).decision


@pytest.mark.parametrize(
    ("kind", "until"),
    [
        ("hardship", date(2026, 11, 30)),
        ("attorney", None),
        ("deceased", None),
        ("bankruptcy", None),
        ("cease", None),
    ],
)
def test_each_hold_refuses_a_call_and_a_message_under_its_own_rule(
    engine: Engine, world: World, kind: str, until: date | None
) -> None:
    _set(engine, SetHold(world.cn.debtor, kind, until=until))
    call, message = _refused_call(engine, world.cn), _refused_message(engine, world.cn)
    assert _rules(call) == [kind] and _rules(message) == [kind]
    # 1 December, 00:00 in Beijing, is the end of the 30th; then calls wait for 08:00 in Xinjiang time,
    # which a Chinese debtor with no region may keep.
    expected = "2026-12-01T02:00:00Z" if kind == "hardship" else None
    assert call["next_allowed_at"] == expected


def test_a_hardship_hold_until_a_day_ends_with_that_day_in_the_debtors_zone(
    engine: Engine, world: World
) -> None:
    now = datetime.now(UTC)
    hold = _set(
        engine, SetHold(world.cn.debtor, "hardship", until=date(2027, 1, 31), note="lost the job"), now
    )
    with engine.connect() as conn:
        row = conn.execute(select(t.holds).where(t.holds.c.id == hold)).one()
    assert row.ends_at == datetime(2027, 1, 31, 16, 0, tzinfo=UTC)  # 1 February, 00:00 in Beijing
    decision = _check(engine, world.cn, datetime(2027, 1, 31, 2, 0, tzinfo=UTC))
    assert _rules(decision) == ["hardship"]
    assert decision["next_allowed_at"] == "2027-02-01T02:00:00Z"  # 08:00 in Xinjiang, the first hour after
    assert _check(engine, world.cn, datetime(2027, 2, 1, 2, 0, tzinfo=UTC))["allowed"]


def test_ending_a_hold_lifts_it_at_once_and_keeps_the_debtors_flag_and_history(
    engine: Engine, world: World
) -> None:
    hold = _set(engine, SetHold(world.cn.debtor, "cease", source="debtor"))
    assert _rules(_check(engine, world.cn, CALL)) == ["cease"]
    with engine.connect() as conn:
        assert conn.execute(select(t.debtors.c.cease).where(t.debtors.c.id == world.cn.debtor)).scalar()
    with UnitOfWork(engine) as uow:
        end_hold(uow, None, hold, "withdrawn in writing", now=SET + timedelta(hours=1))
    assert _check(engine, world.cn, CALL)["allowed"]
    with engine.connect() as conn:
        assert not conn.execute(select(t.debtors.c.cease).where(t.debtors.c.id == world.cn.debtor)).scalar()
        reasons = conn.execute(
            select(t.fact_versions.c.reason)
            .where(t.fact_versions.c.debtor_id == world.cn.debtor)
            .order_by(t.fact_versions.c.valid_from)
        ).scalars()
        assert list(reasons) == ["facts.before", "hold.set", "hold.end"]
        audited = conn.execute(
            select(func.count()).where(t.audit_events.c.action.in_(["hold.set", "hold.end"]))
        ).scalar()
        assert audited == 2
    with UnitOfWork(engine) as uow, pytest.raises(Conflict):
        end_hold(uow, None, hold)
    (listed,) = _holds(engine, world.cn.debtor)
    assert listed["status"] == "ended" and listed["end_reason"] == "withdrawn in writing"


def test_a_second_open_hold_of_the_same_kind_is_refused(engine: Engine, world: World) -> None:
    _set(engine, SetHold(world.cn.debtor, "bankruptcy"))
    with pytest.raises(Conflict):
        _set(engine, SetHold(world.cn.debtor, "bankruptcy"))


def test_a_hardship_pause_needs_a_day_that_is_not_past(engine: Engine, world: World) -> None:
    with pytest.raises(InvalidInput):
        _set(engine, SetHold(world.cn.debtor, "hardship"))
    with pytest.raises(InvalidInput):
        _set(engine, SetHold(world.cn.debtor, "hardship", until=date(2026, 11, 1)))


@pytest.mark.parametrize("pack", ["cn", "us", "uk"])
def test_bankruptcy_refuses_in_every_pack(engine: Engine, world: World, pack: str) -> None:
    case = getattr(world, pack)
    _set(engine, SetHold(case.debtor, "bankruptcy", source="creditor"))
    at = {"cn": CALL, "us": US_CALL, "uk": UK_CALL}[pack]
    decision = _check(engine, case, at)
    assert _rules(decision) == ["bankruptcy"] and decision["next_allowed_at"] is None


def test_a_breathing_space_exists_only_in_uk_conc_and_lasts_60_days(engine: Engine, world: World) -> None:
    for case in (world.cn, world.us):
        with pytest.raises(InvalidInput):
            _set(engine, SetHold(case.debtor, "breathing_space"))
    _set(engine, SetHold(world.uk.debtor, "breathing_space", source="creditor"))
    decision = _check(engine, world.uk, UK_CALL)
    assert _rules(decision) == ["breathing-space"]
    assert decision["next_allowed_at"] == "2027-01-01T08:00:00Z"  # 60 days on, then London's 08:00


def test_a_mental_health_crisis_moratorium_lasts_until_it_is_ended(engine: Engine, world: World) -> None:
    hold = _set(engine, SetHold(world.uk.debtor, "breathing_space_crisis"))
    decision = _check(engine, world.uk, UK_CALL)
    assert _rules(decision) == ["breathing-space"] and decision["next_allowed_at"] is None
    with UnitOfWork(engine) as uow:
        end_hold(uow, None, hold, "treatment ended 30 days ago")
    assert _check(engine, world.uk, UK_CALL)["allowed"]


def test_the_attorney_hold_lets_the_attorney_party_be_contacted_instead(engine: Engine, world: World) -> None:
    cmd = SetHold(
        world.cn.debtor, "attorney", party_name="王律师", point_kind="mobile", point_value="13900139000"
    )
    hold = _set(engine, cmd)
    (listed,) = _holds(engine, world.cn.debtor)
    assert listed["id"] == hold and listed["party_role"] == "attorney"
    with engine.connect() as conn:
        point = conn.execute(
            select(t.contact_points.c.value).where(t.contact_points.c.party_id == listed["party_id"])
        ).scalar()
    assert point == "+8613900139000"
    assert _rules(_check(engine, world.cn, CALL)) == ["attorney"]
    assert _check(engine, world.cn, CALL, party=listed["party_id"])["allowed"]


def test_after_a_death_the_estate_representative_is_contacted_and_not_the_debtor(
    engine: Engine, world: World
) -> None:
    _set(engine, SetHold(world.us.debtor, "deceased", party_name="John Roe", party_role="executor"))
    (listed,) = _holds(engine, world.us.debtor)
    assert _rules(_check(engine, world.us, US_CALL)) == ["deceased"]
    with UnitOfWork(engine) as uow:
        verdict = check_contact(uow, world.us.id, channel="call", at=US_CALL, party=listed["party_id"])
    assert verdict.allowed
    assert verdict.decision["violations"] == []


def test_in_china_the_heirs_are_asked_after_a_death(engine: Engine, world: World) -> None:
    _set(engine, SetHold(world.cn.debtor, "deceased", party_name="张小明", party_role="heir"))
    (listed,) = _holds(engine, world.cn.debtor)
    assert _check(engine, world.cn, CALL, party=listed["party_id"])["allowed"]
    assert _rules(_check(engine, world.cn, CALL)) == ["deceased"]


def test_a_cease_request_heard_in_a_call_becomes_a_hold_set_by_the_debtor(
    engine: Engine, world: World
) -> None:
    with UnitOfWork(engine) as uow:
        record_contact(
            uow,
            world.cn.id,
            channel="call",
            outcome="refuses",
            at=CALL,
            contact_point_id=world.cn.mobile,
            cease_requested=True,
        )
    (listed,) = _holds(engine, world.cn.debtor)
    assert listed["kind"] == "cease" and listed["source"] == "debtor" and listed["status"] == "open"


def _plan(engine: Engine, day: date, now: datetime) -> dict[tuple[int, str], tuple[int, str | None]]:
    with engine.connect() as conn:
        frame = allowed_frame(conn, read_portfolio(conn, day, now))
    return {(c, a): (m, r) for c, a, m, r in frame.iter_rows()}


def test_the_plan_never_groups_a_case_with_an_open_hold_into_its_fast_path(
    engine: Engine, world: World
) -> None:
    # A Breathing Space sets no flag column: only the hold itself can keep the case out of the fast path.
    _set(engine, SetHold(world.uk.debtor, "breathing_space"))
    _set(engine, SetHold(world.cn.debtor, "hardship", until=date(2026, 11, 5)))
    day = date(2026, 11, 4)
    now = datetime.combine(day, time(0, 30), SHANGHAI).astimezone(UTC)
    got = _plan(engine, day, now)
    for action in ("call", "sms", "email", "letter", "visit"):
        assert got[(world.uk.id, action)] == (0, "breathing-space"), action
        assert got[(world.cn.id, action)] == (0, "hardship"), action
    assert got[(world.us.id, "call")][0] != 0
    # The day after the pause's last day, the case is planned again.
    later = date(2026, 11, 6)
    again = _plan(engine, later, datetime.combine(later, time(0, 30), SHANGHAI).astimezone(UTC))
    # 10:00-20:59 in Beijing: 08:00 in Xinjiang time, which a Chinese debtor with no region may keep.
    assert again[(world.cn.id, "call")] == (sum(1 << h for h in range(10, 21)), None)


def test_a_vulnerable_debtors_case_goes_only_to_a_trained_collector(engine: Engine, world: World) -> None:
    with engine.begin() as conn:
        b = Book(conn)
        plain = b.collector("plain")
        trained = b.collector("trained", skills=["vulnerability"])
    _set(engine, SetHold(world.cn.debtor, "vulnerability", note="bereaved"))
    assert _check(engine, world.cn, CALL)["allowed"]  # no gate rule: routing only
    with UnitOfWork(engine) as uow, pytest.raises(Forbidden):
        take_case(uow, get_viewer(uow, plain), world.cn.id)
    with UnitOfWork(engine) as uow:
        assert take_case(uow, get_viewer(uow, trained), world.cn.id)


@pytest.mark.parametrize("kind", ["attorney", "deceased", "bankruptcy", "cease"])
def test_each_hold_without_an_end_removes_every_hour_of_the_plan_naming_its_rule(
    engine: Engine, world: World, kind: str
) -> None:
    hold = _set(engine, SetHold(world.cn.debtor, kind))
    day = date(2026, 11, 4)
    now = datetime.combine(day, time(0, 30), SHANGHAI).astimezone(UTC)
    got = _plan(engine, day, now)
    for action in ("call", "sms", "email", "letter", "visit"):
        assert got[(world.cn.id, action)] == (0, kind), action
    with UnitOfWork(engine) as uow:
        end_hold(uow, None, hold, now=SET + timedelta(hours=1))
    assert _plan(engine, day, now)[(world.cn.id, "call")] == (sum(1 << h for h in range(10, 21)), None)


def test_a_hardship_heard_in_a_call_pauses_collection_until_the_day_before_the_next_action(
    floor: Floor,
) -> None:
    case = floor.cases[0]
    due = MORNING + timedelta(days=10)  # at ten in Beijing, like the call
    report = ContactReport(
        channel="call",
        outcome="hardship",
        contact_point_id=case.mobile_id,
        next_channel="call",
        next_due_at=due,
    )
    # A weekday morning in Beijing: inside the contact hours whenever the test runs.
    with time_machine.travel(MORNING, tick=True):
        log_contact(floor.uow, floor.viewer("alice"), case.id, report)
        (hold,) = holds_for(floor.uow, case.debtor_id)
    assert hold["kind"] == "hardship" and hold["source"] == "debtor" and hold["status"] == "open"
    assert hold["until"] == due.astimezone(SHANGHAI).date() - timedelta(days=1)
    d = t.debtors.c
    assert floor.uow.session.execute(select(d.hardship).where(d.id == case.debtor_id)).scalar_one()


def test_a_paused_case_leaves_the_queue_and_a_vulnerable_one_shows_only_to_the_trained(floor: Floor) -> None:
    alice, sue = floor.viewer("alice"), floor.viewer("sue")
    first, second = floor.cases[0], floor.cases[2]  # alice's own, and the pool's
    assert {first.id, second.id} <= {i.case_id for i in my_work(floor.uow, alice)}
    until = datetime.now(UTC).astimezone(SHANGHAI).date() + timedelta(days=3)
    paused = set_hold(floor.uow, None, SetHold(first.debtor_id, "hardship", until=until))
    set_hold(floor.uow, None, SetHold(second.debtor_id, "vulnerability"))
    mine = {i.case_id for i in my_work(floor.uow, alice)}
    assert first.id not in mine and second.id not in mine
    assert second.id in {i.case_id for i in team_queue(floor.uow, sue)}  # a supervisor may take it
    end_hold(floor.uow, None, paused)
    assert first.id in {i.case_id for i in my_work(floor.uow, alice)}
