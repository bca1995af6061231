"""The supervisor's workload: the team's load today, cases moved by filter or by selection (the count shown
first, the move audited), a team rebalanced by load with each person's cases kept together, an absence
that hands the collector's day to its team, and the queue's filters and sort orders."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from tests.support.crowd import add_cases
from tests.support.floor import MORNING, TODAY, Floor
from tests.support.web import bearer, login_client

from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.services.access import get_viewer
from huikuan.services.case_filter import CaseFilter
from huikuan.services.queue import QueueQuery, queue_page
from huikuan.services.users import add_user
from huikuan.services.workload import DAILY_CAPACITY, workload
from huikuan.services.workload_moves import Absence, Reassign, balance, reassign, rebalance, set_absence
from huikuan.storage import tables as t
from huikuan.web.app import create_app


def _assigned(floor: Floor, case_ids: list[int]) -> dict[int, int | None]:
    floor.uow.commit()
    c = t.cases.c
    rows = floor.uow.session.execute(select(c.id, c.assigned_user_id).where(c.id.in_(case_ids)))
    return {r.id: r.assigned_user_id for r in rows}


def _audits(floor: Floor, action: str) -> list[dict[str, Any]]:
    a = t.audit_events.c
    return [r.detail for r in floor.uow.session.execute(select(a.detail).where(a.action == action))]


def _same_person(floor: Floor, case_ids: list[int]) -> None:
    """Links the debtors of these cases as one person."""
    s = floor.uow.session
    person = s.execute(insert(t.persons).values(created_at=MORNING)).inserted_primary_key[0]
    debtors = s.execute(select(t.cases.c.debtor_id).where(t.cases.c.id.in_(case_ids))).scalars().all()
    for debtor in debtors:
        s.execute(
            insert(t.person_members).values(
                debtor_id=debtor, person_id=person, how="confirmed", linked_at=MORNING
            )
        )
    floor.uow.commit()


def test_the_team_view_shows_each_collectors_cases_plan_contacts_promises_and_load(floor: Floor) -> None:
    alice, bob = floor.users["alice"], floor.users["bob"]
    case = floor.cases[0].id  # alice's
    s = floor.uow.session
    s.execute(
        insert(t.plan_rows).values(
            plan_date=TODAY, strategy="champion", case_id=case, action="call", created_at=MORNING
        )
    )
    s.execute(
        insert(t.interactions).values(
            case_id=case,
            debtor_id=floor.cases[0].debtor_id,
            user_id=alice,
            at=MORNING,
            channel="call",
            direction="out",
            outcome="no_answer",
        )
    )
    s.execute(
        insert(t.promises).values(
            case_id=case, amount=1000, currency="CNY", due_date=TODAY, created_at=MORNING
        )
    )
    floor.uow.commit()
    shown = workload(floor.uow, floor.viewer("sue"), now=MORNING)
    rows = {c.user_id: c for c in shown.collectors}
    assert shown.team_name == "一组" and set(rows) == {alice, bob}
    first = rows[alice]
    assert (first.open_cases, first.planned_today, first.done_today, first.promises_due) == (1, 1, 1, 1)
    assert first.capacity == DAILY_CAPACITY == 90 and first.load_percent == 1
    assert rows[bob].open_cases == 1 and rows[bob].planned_today == 0
    assert shown.pool == 1


def test_a_supervisor_sees_its_own_team_only_and_an_admin_picks_one(floor: Floor) -> None:
    carol_team = floor.uow.session.execute(select(t.teams.c.id).where(t.teams.c.name == "二组")).scalar_one()
    with pytest.raises(Forbidden):
        workload(floor.uow, floor.viewer("sue"), carol_team)
    admin = add_user(floor.uow, "ada", "ada-password-1", role="admin")
    floor.uow.commit()
    shown = workload(floor.uow, get_viewer(floor.uow, admin.id or 0), carol_team)
    assert [c.user_id for c in shown.collectors] == [floor.users["carol"]]
    assert {name for _id, name in shown.teams} == {"一组", "二组"}


def test_moving_cases_by_filter_shows_the_count_first_and_audits_the_ids(floor: Floor) -> None:
    sue, alice, bob = floor.viewer("sue"), floor.users["alice"], floor.users["bob"]
    mine = add_cases(floor.uow, "BANK", 3, assigned=alice)
    floor.uow.commit()
    ask = Reassign(to=bob, narrow=CaseFilter(collector=alice))
    preview = reassign(floor.uow, sue, ask)
    assert (preview.count, preview.done) == (4, False)
    assert set(_assigned(floor, mine).values()) == {alice}  # nothing moved yet
    done = reassign(floor.uow, sue, Reassign(to=bob, narrow=CaseFilter(collector=alice), confirm=True))
    assert (done.count, done.done) == (4, True)
    assert set(_assigned(floor, [*mine, floor.cases[0].id]).values()) == {bob}
    [detail] = _audits(floor, "workload.reassigned")
    assert detail["count"] == 4 and detail["by"] == "filter"
    assert sorted(detail["moves"][0]["case_ids"]) == sorted([*mine, floor.cases[0].id])
    assert "人群" not in str(detail) and "测试" not in str(detail)  # ids and counts, never a name


def test_moving_ticked_cases_to_the_pool(floor: Floor) -> None:
    sue = floor.viewer("sue")
    ticked = [floor.cases[0].id, floor.cases[1].id]
    moved = reassign(floor.uow, sue, Reassign(to=None, case_ids=tuple(ticked), confirm=True))
    assert moved.count == 2 and set(_assigned(floor, ticked).values()) == {None}
    assert _audits(floor, "workload.reassigned")[0]["by"] == "selection"


def test_a_move_needs_a_filter_or_a_selection_and_an_active_collector_as_target(floor: Floor) -> None:
    sue = floor.viewer("sue")
    with pytest.raises(InvalidInput):
        reassign(floor.uow, sue, Reassign(to=floor.users["bob"]))
    with pytest.raises(InvalidInput):  # a supervisor moves cases to collectors of its own team only
        reassign(floor.uow, sue, Reassign(to=floor.users["carol"], case_ids=(floor.cases[0].id,)))
    with pytest.raises(InvalidInput):
        reassign(floor.uow, sue, Reassign(to=floor.users["vic"], case_ids=(floor.cases[0].id,)))
    with pytest.raises(NotFound):
        reassign(floor.uow, sue, Reassign(to=None, case_ids=(999_999,)))


def test_a_collector_cannot_reassign_rebalance_or_record_an_absence(floor: Floor) -> None:
    alice = floor.viewer("alice")
    with pytest.raises(Forbidden):
        reassign(
            floor.uow, alice, Reassign(to=floor.users["alice"], case_ids=(floor.cases[1].id,), confirm=True)
        )
    with pytest.raises(Forbidden):
        rebalance(floor.uow, alice, confirm=True)
    with pytest.raises(Forbidden):
        set_absence(floor.uow, alice, Absence(floor.users["bob"], TODAY, TODAY, confirm=True))
    with pytest.raises(Forbidden):
        workload(floor.uow, alice)
    assert _assigned(floor, [floor.cases[1].id])[floor.cases[1].id] == floor.users["bob"]


def test_rebalancing_evens_the_load_and_keeps_each_persons_cases_together(floor: Floor) -> None:
    alice, bob = floor.users["alice"], floor.users["bob"]
    heavy = add_cases(floor.uow, "BANK", 9, assigned=alice)
    floor.uow.commit()
    _same_person(floor, heavy[:3])  # one person's three debts, all with alice
    preview = rebalance(floor.uow, floor.viewer("sue"), now=MORNING)
    assert preview.count > 0 and not preview.done
    done = rebalance(floor.uow, floor.viewer("sue"), confirm=True, now=MORNING)
    after = _assigned(floor, [*heavy, floor.cases[0].id, floor.cases[1].id])
    loads = {u: list(after.values()).count(u) for u in (alice, bob)}
    assert loads[alice] + loads[bob] == 11 and abs(loads[alice] - loads[bob]) <= 3
    assert len({after[i] for i in heavy[:3]}) == 1  # the person's cases stay with one collector
    assert done.count == sum(done.to.values())
    assert _audits(floor, "workload.rebalanced")[0]["count"] == done.count


def test_the_balance_gives_each_group_whole_and_no_one_more_than_its_share_plus_a_group() -> None:
    groups = {f"d{i}": [(i, 1)] for i in range(10)} | {"p1": [(100, 1), (101, 2), (102, 1)]}
    given = balance(groups, [1, 2, 3], {})
    sizes = sorted(len(v) for v in given.values())
    assert sum(sizes) == 13 and sizes[-1] - sizes[0] <= 3
    assert sum(100 in v and 101 in v and 102 in v for v in given.values()) == 1


def test_an_absence_moves_the_collectors_day_to_its_team(floor: Floor) -> None:
    alice, bob = floor.users["alice"], floor.users["bob"]
    today = add_cases(floor.uow, "BANK", 3, assigned=alice)
    later = add_cases(floor.uow, "BANK", 1, assigned=alice)
    floor.uow.session.execute(
        update(t.cases).where(t.cases.c.id.in_(today)).values(next_action_due_at=MORNING + timedelta(hours=2))
    )
    floor.uow.session.execute(
        update(t.cases).where(t.cases.c.id.in_(later)).values(next_action_due_at=MORNING + timedelta(days=9))
    )
    floor.uow.commit()
    ask = Absence(alice, TODAY, TODAY + timedelta(days=1), "年假", now=MORNING)
    preview = set_absence(floor.uow, floor.viewer("sue"), ask)
    assert preview.count == 4 and not preview.done  # today's three and floor case 1 (no next action)
    assert floor.uow.session.execute(select(t.absences.c.id)).first() is None
    done = set_absence(
        floor.uow,
        floor.viewer("sue"),
        Absence(alice, TODAY, TODAY + timedelta(days=1), "年假", confirm=True, now=MORNING),
    )
    assert done.to == {bob: 4}
    after = _assigned(floor, [*today, *later])
    assert {after[i] for i in today} == {bob} and after[later[0]] == alice
    shown = workload(floor.uow, floor.viewer("sue"), now=MORNING)
    away = {c.user_id: c for c in shown.collectors}[alice]
    assert away.away and away.capacity == 0 and away.load_percent is None
    assert [a["user_id"] for a in shown.absences] == [alice]
    detail = _audits(floor, "workload.absence_set")[0]
    assert detail["count"] == 4 and "年假" not in str(detail)


def test_an_absence_ending_before_it_starts_is_refused(floor: Floor) -> None:
    with pytest.raises(InvalidInput):
        set_absence(
            floor.uow, floor.viewer("sue"), Absence(floor.users["alice"], TODAY, TODAY - timedelta(days=1))
        )


def test_the_queue_filters_by_band_stage_and_creditor_and_sorts_by_balance(floor: Floor) -> None:
    alice = floor.viewer("alice")
    old = add_cases(floor.uow, "BANK", 2, overdue_since=TODAY - timedelta(days=500), first_balance=5_000)
    floor.uow.session.execute(update(t.cases).where(t.cases.c.id == old[1]).values(stage="promised"))
    floor.uow.commit()
    band = queue_page(floor.uow, alice, ask=QueueQuery(narrow=CaseFilter(dpd="361+")), now=MORNING)
    assert {i.case_id for i in band.items} == set(old) and band.paging.total == 2
    staged = queue_page(floor.uow, alice, ask=QueueQuery(narrow=CaseFilter(stage="promised")), now=MORNING)
    assert [i.case_id for i in staged.items] == [old[1]]
    by_balance = queue_page(floor.uow, alice, ask=QueueQuery(sort="balance"), now=MORNING)
    balances = [i.balance for i in by_balance.items]
    assert balances == sorted(balances, reverse=True)
    paged = queue_page(floor.uow, alice, ask=QueueQuery(sort="balance", per_page=2, page=2), now=MORNING)
    assert paged.paging.total == by_balance.paging.total and [i.case_id for i in paged.items] == [
        i.case_id for i in by_balance.items[2:4]
    ]
    shop = floor.uow.session.execute(
        select(t.creditors.c.id).where(t.creditors.c.code == "SHOP")
    ).scalar_one()
    assert (
        queue_page(
            floor.uow, alice, ask=QueueQuery(narrow=CaseFilter(creditor_id=shop)), now=MORNING
        ).paging.total
        == 0
    )


def test_an_unknown_filter_value_is_refused_with_a_message() -> None:
    with pytest.raises(InvalidInput):
        CaseFilter.parse({"dpd": "7-9"})
    with pytest.raises(InvalidInput):
        CaseFilter.parse({"creditor": "x"})


def test_the_queue_page_and_api_take_the_filters_and_sort_in_the_url(floor: Floor) -> None:
    old = add_cases(floor.uow, "BANK", 2, overdue_since=date(2026, 8, 1) - timedelta(days=400))
    floor.uow.commit()
    app = create_app(str(floor.uow.engine.url))
    answer = login_client(app, "alice").get("/queue?dpd=361%2B&sort=balance")
    assert answer.status_code == 200
    assert all(f'data-testid="queue-row-{i}"' in answer.text for i in old)
    assert f'data-testid="queue-row-{floor.cases[0].id}"' not in answer.text
    api = login_client(app, "alice").get(
        "/api/v1/queue", params={"dpd": "361+"}, headers=bearer(app, "alice")
    )
    assert api.status_code == 200 and api.json()["total"] == 2
    bad = login_client(app, "alice").get("/api/v1/queue?due=someday", headers=bearer(app, "alice"))
    assert bad.status_code == 400 or bad.status_code == 422


def test_the_workload_api_counts_before_it_moves(floor: Floor) -> None:
    app = create_app(str(floor.uow.engine.url))
    headers = bearer(app, "sue")
    client = login_client(app, "sue")
    shown = client.get("/api/v1/workload", headers=headers).json()
    assert shown["daily_capacity"] == DAILY_CAPACITY and len(shown["collectors"]) == 2
    body = {"to": "pool", "case_ids": [floor.cases[0].id]}
    assert client.post("/api/v1/workload/reassign", json=body, headers=headers).json()["done"] is False
    moved = client.post("/api/v1/workload/reassign", json={**body, "confirm": True}, headers=headers).json()
    assert moved == {"count": 1, "done": True, "to": [{"user_id": None, "count": 1}]}
    collector = login_client(app, "alice")
    refused = collector.post(
        "/api/v1/workload/rebalance", json={"confirm": True}, headers=bearer(app, "alice")
    )
    assert refused.status_code == 403


def test_the_workload_page_confirms_a_move_before_making_it(floor: Floor) -> None:
    app = create_app(str(floor.uow.engine.url))
    client = login_client(app, "sue")
    page = client.get("/workload")
    assert page.status_code == 200 and 'data-testid="workload-table"' in page.text
    asked = client.post("/workload/reassign", data={"to": "pool", "collector": str(floor.users["bob"])})
    assert asked.status_code == 200 and 'data-testid="confirm-count"' in asked.text
    assert _assigned(floor, [floor.cases[1].id])[floor.cases[1].id] == floor.users["bob"]
    done = client.post(
        "/workload/reassign",
        data={"to": "pool", "collector": str(floor.users["bob"]), "confirm": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and _assigned(floor, [floor.cases[1].id])[floor.cases[1].id] is None
    assert login_client(app, "alice").get("/workload").status_code == 403
