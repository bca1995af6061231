"""Negotiation within authority: full payment first, offers within the role's authority, approvals beyond.

The floor's BANK policy (tests/support/floor.py): a collector may give up to 20 % discount, 6 payments
and a first payment of at least 10 % of the total; a supervisor 50 %, 24 payments and 5 %. Alice's case 0
owes 12,000.00 CNY.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.support.floor import MORNING, TODAY, Floor
from tests.support.payments import count

from huikuan.errors import Conflict, Forbidden, InvalidInput, NotFound
from huikuan.services.arrangement_terms import Offer, build_schedule, discount_bp
from huikuan.services.claims import take_case
from huikuan.services.negotiation import approve, open_negotiation, propose_arrangement, reject
from huikuan.services.offers import approvals
from huikuan.services.users import add_user
from huikuan.storage import tables as t

FIRST_DUE = date(2026, 11, 25)


def _case(floor: Floor, n: int = 0) -> Any:
    floor.uow.commit()
    return floor.uow.session.execute(select(t.cases).where(t.cases.c.id == floor.cases[n].id)).one()


def _arrangement(floor: Floor, arrangement_id: int) -> Any:
    floor.uow.commit()
    return floor.uow.session.execute(
        select(t.arrangements).where(t.arrangements.c.id == arrangement_id)
    ).one()


def _instalments(floor: Floor, arrangement_id: int) -> list[tuple[int, date, int, str]]:
    floor.uow.commit()
    i = t.instalments.c
    rows = floor.uow.session.execute(
        select(i.seq, i.due_date, i.amount, i.status)
        .where(i.arrangement_id == arrangement_id)
        .order_by(i.seq)
    )
    return [tuple(r) for r in rows]


def _open(floor: Floor, who: str = "alice", n: int = 0, reason: str = "cannot_pay") -> None:
    open_negotiation(floor.uow, floor.viewer(who), floor.cases[n].id, reason=reason, now=MORNING)


def _offer(floor: Floor, who: str = "alice", n: int = 0, **given: Any) -> Offer:
    values: dict[str, Any] = {"kind": "settlement", "total": "10000", "first_due": FIRST_DUE, "now": MORNING}
    values.update(given)
    return propose_arrangement(floor.uow, floor.viewer(who), floor.cases[n].id, **values)


def _changes(floor: Floor) -> tuple[Any, ...]:
    tables = (t.arrangements, t.instalments, t.audit_events)
    return (*(count(floor.uow, table) for table in tables), _case(floor))


# --- full payment first ------------------------------------------------------------------------------


def test_no_offer_before_the_debtor_asked_or_cannot_pay_in_full(floor: Floor) -> None:
    before = _changes(floor)
    with pytest.raises(InvalidInput) as refused:
        _offer(floor)
    assert str(refused.value) == (
        "Offer full payment first: record that the debtor asked for a settlement or cannot pay in full"
    )
    assert _changes(floor) == before


def test_opening_the_negotiation_is_recorded_and_audited(floor: Floor) -> None:
    _open(floor, reason="asked")
    case = _case(floor)
    assert (case.negotiation_reason, case.negotiation_opened_at) == ("asked", MORNING)
    floor.uow.commit()
    event = floor.uow.session.execute(
        select(t.audit_events).where(t.audit_events.c.action == "negotiation.opened")
    ).one()
    assert (event.entity_id, event.detail) == (floor.cases[0].id, {"reason": "asked"})


def test_a_negotiation_needs_a_known_reason(floor: Floor) -> None:
    with pytest.raises(InvalidInput, match="Reason"):
        _open(floor, reason="bored")
    assert _case(floor).negotiation_reason is None


# --- within authority ------------------------------------------------------------------------------


def test_a_settlement_within_a_collectors_authority_becomes_active(floor: Floor) -> None:
    _open(floor)
    offer = _offer(floor, total="10000")  # 16.67 % off 12,000.00: within alice's 20 %
    assert (offer.status, offer.total, offer.discount_bp, offer.exceeds) == ("active", 1_000_000, 1667, [])
    stored = _arrangement(floor, offer.id)
    assert (stored.status, stored.balance_at_offer, stored.proposed_by) == (
        "active",
        1_200_000,
        floor.users["alice"],
    )
    assert _instalments(floor, offer.id) == [(1, FIRST_DUE, 1_000_000, "pending")]
    case = _case(floor)
    assert case.stage == "arrangement"
    assert case.next_action_due_at.date() == FIRST_DUE - timedelta(
        days=1
    )  # 00:00 Beijing is 16:00 UTC before


def test_a_plan_within_authority_has_an_exact_schedule(floor: Floor) -> None:
    _open(floor)
    offer = _offer(
        floor, kind="instalment", total="12000", instalments=6, first_payment="2000.01", every_days=30
    )
    assert offer.status == "active" and offer.discount_bp == 0
    amounts = [p.amount for p in offer.schedule]
    assert amounts == [200_001, 199_999, 199_999, 199_999, 199_999, 200_003]
    assert sum(amounts) == 1_200_000
    assert [p.due_date for p in offer.schedule] == [FIRST_DUE + timedelta(days=30 * k) for k in range(6)]
    assert [row[2] for row in _instalments(floor, offer.id)] == amounts


def test_the_schedule_puts_the_remainder_on_the_last_payment() -> None:
    assert [p.amount for p in build_schedule(100_000, 3, None, FIRST_DUE, 30)] == [33_333, 33_333, 33_334]
    assert [p.amount for p in build_schedule(100_001, 7, 10_000, FIRST_DUE, 14)] == [10_000] + [
        15_000
    ] * 5 + [15_001]
    assert [p.amount for p in build_schedule(500, 1, None, FIRST_DUE, 30)] == [500]


def test_the_discount_is_rounded_up_to_a_basis_point() -> None:
    assert discount_bp(1_200_000, 1_000_000) == 1667
    assert discount_bp(1_200_000, 960_000) == 2000
    assert discount_bp(1_200_000, 959_999) == 2001  # a fen beyond 20 % is beyond 20 %
    assert discount_bp(1_200_000, 1_200_000) == 0


# --- beyond authority: the approval queue ----------------------------------------------------------


def test_an_offer_beyond_authority_waits_and_only_a_supervisor_approves_it_once(floor: Floor) -> None:
    _open(floor)
    offer = _offer(floor, total="8000")  # 33.34 % off: beyond alice's 20 %
    assert offer.status == "awaiting_approval"
    assert [e.to_dict() for e in offer.exceeds] == [
        {"limit": "max_discount_bp", "allowed": 2000, "offered": 3334, "by": 1334}
    ]
    assert _instalments(floor, offer.id) == []  # nothing active until approved
    assert _case(floor).stage != "arrangement"

    with pytest.raises(Forbidden):
        approve(floor.uow, floor.viewer("alice"), offer.id, now=MORNING)
    with pytest.raises(Forbidden):
        approve(floor.uow, floor.viewer("bob"), offer.id, now=MORNING)
    (waiting,) = approvals(floor.uow, floor.viewer("sue"))
    assert (waiting.id, waiting.case_id, waiting.proposer_name, waiting.debtor_name) == (
        offer.id,
        floor.cases[0].id,
        "alice",
        "测试债务人1",
    )
    assert [e.limit for e in waiting.exceeds] == ["max_discount_bp"]

    approved = approve(floor.uow, floor.viewer("sue"), offer.id, "ok: hardship", now=MORNING)
    assert approved.status == "active"
    stored = _arrangement(floor, offer.id)
    assert (stored.approved_by, stored.approved_at, stored.decision_note) == (
        floor.users["sue"],
        MORNING,
        "ok: hardship",
    )
    assert _instalments(floor, offer.id) == [(1, FIRST_DUE, 800_000, "pending")]
    assert _case(floor).stage == "arrangement"
    assert approvals(floor.uow, floor.viewer("sue")) == []

    with pytest.raises(Conflict):
        approve(floor.uow, floor.viewer("sue"), offer.id, now=MORNING)
    assert len(_instalments(floor, offer.id)) == 1


def test_a_plan_beyond_authority_lists_every_limit_it_exceeds(floor: Floor) -> None:
    _open(floor)
    offer = _offer(floor, kind="instalment", total="9000", instalments=12, first_payment="450")
    assert offer.status == "awaiting_approval"
    assert [e.to_dict() for e in offer.exceeds] == [
        {"limit": "max_discount_bp", "allowed": 2000, "offered": 2500, "by": 500},
        {"limit": "max_instalments", "allowed": 6, "offered": 12, "by": 6},
        {"limit": "min_first_payment_bp", "allowed": 1000, "offered": 500, "by": 500},
    ]


def test_a_supervisor_approves_only_within_her_own_authority_and_an_admin_beyond(floor: Floor) -> None:
    add_user(floor.uow, "ada", "floor-password", role="admin")
    floor.uow.commit()
    floor.users["ada"] = floor.uow.session.execute(
        select(t.users.c.id).where(t.users.c.username == "ada")
    ).scalar_one()
    _open(floor)
    offer = _offer(floor, total="5000")  # 58.34 % off: beyond sue's 50 % too
    with pytest.raises(Forbidden, match="beyond your own authority"):
        approve(floor.uow, floor.viewer("sue"), offer.id, now=MORNING)
    assert _arrangement(floor, offer.id).status == "awaiting_approval"
    assert approve(floor.uow, floor.viewer("ada"), offer.id, now=MORNING).status == "active"


def test_no_one_approves_their_own_offer(floor: Floor) -> None:
    _open(floor, who="sue")
    offer = _offer(floor, who="sue", total="5000")  # beyond sue's own authority: it waits
    assert offer.status == "awaiting_approval"
    with pytest.raises(Forbidden, match="your own offer"):
        approve(floor.uow, floor.viewer("sue"), offer.id, now=MORNING)


def test_a_supervisors_offer_within_her_authority_is_active_at_once(floor: Floor) -> None:
    _open(floor, who="sue")
    assert _offer(floor, who="sue", total="7000").status == "active"  # 41.67 % ≤ 50 %


def test_a_rejected_offer_goes_back_to_the_proposer_with_the_reason(floor: Floor) -> None:
    take_case(floor.uow, floor.viewer("alice"), floor.cases[2].id, now=MORNING)  # the pool's: alice takes it
    _open(floor, n=2)
    offer = _offer(floor, n=2, total="500")  # 37.5 % off 800.00
    with pytest.raises(InvalidInput, match="say why"):
        reject(floor.uow, floor.viewer("sue"), offer.id, "  ", now=MORNING)
    with pytest.raises(Forbidden):
        reject(floor.uow, floor.viewer("alice"), offer.id, "no", now=MORNING)
    rejected = reject(floor.uow, floor.viewer("sue"), offer.id, "too much discount; try 15 %", now=MORNING)
    assert (rejected.status, rejected.decision_note) == ("rejected", "too much discount; try 15 %")
    case = _case(floor, 2)
    assert (case.next_action_goal, case.next_action_note) == ("offer_rejected", "too much discount; try 15 %")
    assert (case.next_action_due_at, case.assigned_user_id) == (MORNING, floor.users["alice"])
    assert _instalments(floor, offer.id) == []
    with pytest.raises(Conflict):
        approve(floor.uow, floor.viewer("sue"), offer.id, now=MORNING)
    # Once rejected, a new offer may be made.
    assert _offer(floor, n=2, total="700").status == "active"


def test_one_open_offer_per_case(floor: Floor) -> None:
    _open(floor)
    _offer(floor, total="8000")
    before = _changes(floor)
    with pytest.raises(Conflict):
        _offer(floor, total="10000")
    assert _changes(floor) == before


def test_the_approval_queue_is_for_supervisors(floor: Floor) -> None:
    with pytest.raises(Forbidden):
        approvals(floor.uow, floor.viewer("alice"))
    with pytest.raises(NotFound):
        approve(floor.uow, floor.viewer("sue"), 999_999, now=MORNING)


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"total": "-5"}, "Total: -5 must be more than zero"),
        ({"total": "abc"}, "Total: abc is not a number"),
        ({"total": "1.234"}, "Total: 1.234 has more decimals than CNY allows"),
        ({"total": "12000.01"}, "Total: 12,000.01 CNY is more than the open balance 12,000.00 CNY"),
        ({"first_due": TODAY - timedelta(days=1)}, "First due date: 2026-11-19 is in the past"),
        ({"kind": "gift"}, "Kind: choose a settlement or an instalment plan"),
        ({"kind": "instalment", "instalments": 1}, "Instalments: a plan has at least 2 payments"),
        (
            {"kind": "instalment", "instalments": 3, "first_payment": "0"},
            "First payment: 0 must be more than zero",
        ),
        ({"kind": "instalment", "instalments": 3, "first_payment": "x"}, "First payment: x is not a number"),
        (
            {"kind": "instalment", "instalments": 3, "first_payment": "10000.01"},
            "First payment: 10,000.01 CNY is more than the total",
        ),
        (
            {"kind": "instalment", "instalments": 3, "first_payment": "10000"},
            "First payment: it leaves too little for the other 2 payments",
        ),
        (
            {"kind": "instalment", "instalments": 3, "every_days": 2},
            "Every: payments fall every 7 to 31 days",
        ),
    ],
)
def test_a_bad_offer_is_refused_with_a_clear_message_and_changes_nothing(
    floor: Floor, given: dict[str, Any], message: str
) -> None:
    _open(floor)
    before = _changes(floor)
    with pytest.raises(InvalidInput) as refused:
        _offer(floor, **given)
    assert str(refused.value) == message
    assert refused.value.translated("zh_CN") != refused.value.msgid
    assert _changes(floor) == before


def test_an_offer_on_an_unknown_case_is_not_found(floor: Floor) -> None:
    with pytest.raises(NotFound):
        propose_arrangement(
            floor.uow,
            floor.viewer("alice"),
            999_999,
            kind="settlement",
            total="1",
            first_due=FIRST_DUE,
            now=MORNING,
        )
    with pytest.raises(NotFound):
        open_negotiation(floor.uow, floor.viewer("alice"), 999_999, reason="asked", now=MORNING)


def test_a_read_only_viewer_may_not_negotiate(floor: Floor) -> None:
    _open(floor)
    before = _changes(floor)
    with pytest.raises(Forbidden):
        _offer(floor, who="vic")
    with pytest.raises(Forbidden):
        _open(floor, who="vic")
    assert _changes(floor) == before


# --- the panel, the approval page and the API -------------------------------------------------------


@pytest.fixture
def app(floor: Floor, db_env: str) -> Any:  # the floor is committed before the app opens its own sessions
    from huikuan.web.app import create_app

    return create_app(db_env)


def test_an_offer_beyond_authority_from_the_panel_waits_and_a_supervisor_approves_it(
    app: Any, floor: Floor
) -> None:
    from tests.support.web import login_client

    case_id = floor.cases[0].id
    alice = login_client(app, "alice")
    htmx = {"HX-Request": "true"}
    panel = alice.get(f"/cases/{case_id}/panels/negotiation").text
    assert "Ask for the full balance first: CN¥12,000.00" in panel
    assert 'data-testid="negotiation-form"' not in panel  # full payment first
    due = (date.today() + timedelta(days=7)).isoformat()
    offer = {"kind": "settlement", "total": "8000", "instalments": "1", "first_due": due, "every_days": "30"}
    early = alice.post(f"/cases/{case_id}/arrangements", data=offer, headers=htmx)
    assert early.status_code == 422 and "Offer full payment first" in early.text

    opened = alice.post(f"/cases/{case_id}/negotiation/open", data={"reason": "cannot_pay"}, headers=htmx)
    assert opened.status_code == 200 and opened.headers["HX-Trigger"] == "case-changed"
    assert 'data-testid="negotiation-form"' in opened.text
    assert (
        "a discount up to 20%, up to 6 payments, a first payment of at least 10% of the total" in opened.text
    )

    proposed = alice.post(f"/cases/{case_id}/arrangements", data=offer, headers=htmx)
    assert proposed.status_code == 200 and "waits for a supervisor" in proposed.text
    assert 'data-testid="arrangement-status">Awaiting approval<' in proposed.text
    assert "Discount 33.34% is 13.34% above the limit of 20%" in proposed.text
    arrangement_id = _only_arrangement(floor)

    assert alice.get("/approvals").status_code == 403
    sue = login_client(app, "sue")
    page = sue.get("/approvals").text
    assert f'data-testid="approve-{arrangement_id}"' in page and "Discount 33.34%" in page
    approved = sue.post(f"/approvals/{arrangement_id}/approve", data={"note": "hardship"}, headers=htmx)
    assert approved.status_code == 200 and ">Active<" in approved.text
    again = sue.post(f"/approvals/{arrangement_id}/approve", data={"note": ""}, headers=htmx)
    assert again.status_code == 409 and "no longer awaiting approval" in again.text
    panel = alice.get(f"/cases/{case_id}/panels/negotiation").text
    assert 'data-testid="arrangement-status">Active<' in panel


def _only_arrangement(floor: Floor) -> int:
    floor.uow.commit()
    return int(floor.uow.session.execute(select(t.arrangements.c.id)).scalar_one())


def test_the_api_proposes_lists_and_rejects_offers(app: Any, floor: Floor) -> None:
    from tests.support.web import login_client

    case_id = floor.cases[0].id
    alice = login_client(app, "alice")
    due = (date.today() + timedelta(days=7)).isoformat()
    body = {"kind": "instalment", "total": "12000", "instalments": 12, "first_due": due}
    assert alice.post(f"/api/v1/cases/{case_id}/arrangements", json=body).status_code == 422  # not opened
    assert alice.post(f"/api/v1/cases/{case_id}/negotiation", json={"reason": "asked"}).status_code == 204
    bad = alice.post(f"/api/v1/cases/{case_id}/arrangements", json={**body, "total": "99999"})
    assert bad.status_code == 422 and "more than the open balance" in bad.json()["detail"]
    made = alice.post(f"/api/v1/cases/{case_id}/arrangements", json=body)
    assert made.status_code == 201
    offer = made.json()
    assert offer["status"] == "awaiting_approval" and offer["total"] == "12000.00"
    assert [e["limit"] for e in offer["exceeds"]] == ["max_instalments", "min_first_payment_bp"]
    assert alice.get("/api/v1/approvals").status_code == 403
    sue = login_client(app, "sue")
    assert [o["id"] for o in sue.get("/api/v1/approvals").json()] == [offer["id"]]
    assert sue.post(f"/api/v1/approvals/{offer['id']}/reject", json={"note": ""}).status_code == 422
    rejected = sue.post(f"/api/v1/approvals/{offer['id']}/reject", json={"note": "6 payments at most"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert sue.post(f"/api/v1/approvals/{offer['id']}/approve").status_code == 409


def test_every_text_of_the_negotiation_pages_has_a_chinese_translation() -> None:
    import re
    from pathlib import Path

    from huikuan.i18n import _catalog
    from huikuan.services.case_labels import STATUS_LABELS
    from huikuan.web.ui.negotiation import EXCESS

    web = Path(__file__).resolve().parents[2] / "src" / "huikuan" / "web"
    templates = [
        "case/_promise.html",
        "case/_negotiation.html",
        "approvals/page.html",
        "approvals/_offer.html",
    ]
    used = {*STATUS_LABELS.values(), *EXCESS.values()}
    for name in templates:
        text = (web / "templates" / name).read_text(encoding="utf-8")
        used |= {a or b for a, b in re.findall(r"_\(\s*(?:\"([^\"]*)\"|'([^']*)')", text)}
    for module in ("services/promises.py", "services/negotiation.py", "web/ui/negotiation.py"):
        text = (web.parent / module).read_text(encoding="utf-8")
        used |= set(re.findall(r"(?:InvalidInput|Conflict|Forbidden|NotFound)\(\s*\"([^\"]*)\"", text))
    from huikuan.services import promises

    used |= {m for messages in promises.AMOUNT_MESSAGES.values() for m in messages}
    catalog = _catalog("zh_CN")
    assert len(used) > 100
    assert sorted(m for m in used if m not in catalog) == []
