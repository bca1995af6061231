"""One person, one set of facts: the same person placed by several creditors is linked (by national ID
at import, or by a supervisor confirming a phone and name), its statements and holds bind every one of
its cases, the cn daily call cap counts its calls across creditors, and another creditor's case stays
out of sight."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update
from tests.support.book import Book
from tests.support.factories import GOOD_ROWS, cli_json, placement
from tests.support.floor import MORNING, Floor
from tests.support.web import login_client

from huikuan.domain.enums import Channel
from huikuan.errors import Forbidden
from huikuan.services.creditors import add_creditor
from huikuan.services.fact_history import changing_facts, versions
from huikuan.services.gate import ask, read_gate_inputs
from huikuan.services.gate_inputs import allowed_frame, debtor_facts, reference_allowed
from huikuan.services.imports import import_accounts
from huikuan.services.persons import confirm_link, link_by_national_id, person_for, suggestions, unlink
from huikuan.storage import tables as t
from huikuan.storage.portfolio import read_portfolio
from huikuan.storage.uow import UnitOfWork
from huikuan.web.app import create_app

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def _same_person(uow: UnitOfWork, debtor: int, other: int) -> None:
    """Give `other` the national ID hash of `debtor` (another creditor placed the same person)."""
    d = t.debtors.c
    hashed = uow.session.execute(select(d.national_id_hash).where(d.id == debtor)).scalar_one()
    uow.session.execute(update(t.debtors).where(d.id == other).values(national_id_hash=hashed))


def _a_and_s(floor: Floor) -> tuple[int, int, int, int]:
    """BANK's case A (alice's) and SHOP's case S (carol's), the same person, linked: case and debtor ids."""
    a, s = floor.cases[0], floor.other_creditor_case
    assert s is not None
    _same_person(floor.uow, a.debtor_id, s.debtor_id)
    assert link_by_national_id(floor.uow) == 2
    floor.uow.commit()
    return a.id, a.debtor_id, s.id, s.debtor_id


def _call_allowed(uow: UnitOfWork, case_id: int, at: datetime) -> tuple[bool, tuple[str, ...]]:
    verdict, _requests = ask(read_gate_inputs(uow, case_id), channel=Channel.CALL, party=None, to=None, at=at)
    return verdict.allowed, verdict.refused_by


def test_two_creditors_placing_the_same_national_id_are_linked_at_import(db_env: str, tmp_path: Path) -> None:
    from huikuan.storage.uow import unit_of_work

    path = placement(tmp_path / "p.csv", GOOD_ROWS)
    with unit_of_work(db_env, immediate=True) as uow:
        add_creditor(uow, "BANK", name="某银行", region="CN", currency="CNY", pack="cn")
        add_creditor(uow, "SHOP", name="某商城", region="CN", currency="CNY", pack="cn")
        uow.commit()
        first = import_accounts(uow, path, "BANK")
    with unit_of_work(db_env, immediate=True) as uow:
        second = import_accounts(uow, path, "SHOP")
    with unit_of_work(db_env, immediate=True) as uow:
        again = import_accounts(uow, path, "SHOP")  # the same file again: nothing new to link
        pm = t.person_members.c
        rows = uow.session.execute(select(pm.person_id, pm.debtor_id, pm.how)).all()
    assert first.details["persons_linked"] == 0
    assert second.details["persons_linked"] == 4  # 张伟 and 李娜, each placed by both creditors
    assert again.details["persons_linked"] == 0
    assert len({r.person_id for r in rows}) == 2 and len(rows) == 4
    assert {r.how for r in rows} == {"national_id"}


def test_what_the_person_stated_to_one_creditor_binds_the_case_of_the_other(floor: Floor) -> None:
    a_case, a_debtor, _s_case, s_debtor = _a_and_s(floor)
    uow = floor.uow
    with changing_facts(uow, [s_debtor], user_id=None, reason="test.opt_out"):
        uow.session.execute(
            update(t.debtors)
            .where(t.debtors.c.id == s_debtor)
            .values(opt_out_channels=["sms"], attorney=True)
        )
    uow.commit()
    facts = debtor_facts(uow.session.connection(), [a_debtor])[a_debtor]
    assert facts.flags.attorney and facts.flags.opt_out == {Channel.SMS}
    assert facts.phones == ("+8613800000001",)  # its own number only, never the other placement's
    # The change of SHOP's debtor is a change of what the gate reads of BANK's: a version for each.
    assert [v["reason"] for v in versions(uow.session.connection(), a_debtor)][-1] == "test.opt_out"
    verdict, _r = ask(read_gate_inputs(uow, a_case), channel=Channel.SMS, party=None, to=None, at=MORNING)
    assert not verdict.allowed and "channel-opt-out" in verdict.refused_by
    assert "attorney" in verdict.refused_by


def test_the_cn_daily_call_cap_counts_the_persons_calls_for_every_creditor(floor: Floor) -> None:
    a_case, _a, s_case, _s = _a_and_s(floor)
    b = Book(floor.uow.session.connection())
    day = MORNING.astimezone(SHANGHAI).date()
    b.contact(a_case, datetime.combine(day, time(8, 10), SHANGHAI), outcome="promise")
    b.contact(a_case, datetime.combine(day, time(8, 40), SHANGHAI), outcome="callback")
    b.contact(s_case, datetime.combine(day, time(9, 15), SHANGHAI), outcome="refuses")
    floor.uow.commit()
    for case in (a_case, s_case):
        allowed, rules = _call_allowed(floor.uow, case, MORNING)
        assert not allowed and "daily-call-cap" in rules, case
    # An SMS is not a call: the cap does not touch it.
    verdict, _r = ask(
        read_gate_inputs(floor.uow, a_case), channel=Channel.SMS, party=None, to=None, at=MORNING
    )
    assert verdict.allowed


def test_without_the_link_each_creditor_counts_only_its_own_calls(floor: Floor) -> None:
    a, s = floor.cases[0], floor.other_creditor_case
    assert s is not None
    b = Book(floor.uow.session.connection())
    day = MORNING.astimezone(SHANGHAI).date()
    b.contact(a.id, datetime.combine(day, time(8, 10), SHANGHAI), outcome="promise")
    b.contact(a.id, datetime.combine(day, time(8, 40), SHANGHAI), outcome="promise")
    b.contact(s.id, datetime.combine(day, time(9, 15), SHANGHAI), outcome="promise")
    floor.uow.commit()
    assert _call_allowed(floor.uow, a.id, MORNING)[0] and _call_allowed(floor.uow, s.id, MORNING)[0]


def test_the_us_call_frequency_rule_counts_per_debt_not_the_other_creditors_calls(uow: UnitOfWork) -> None:
    with uow:
        b = Book(uow.session.connection())
        cases = {}
        for code in ("US-A", "US-B"):
            creditor = b.creditor(code, pack="us-reg-f", zone="America/New_York", region="US", currency="USD")
            debtor = b.debtor(
                creditor,
                "Jane Roe",
                zone="America/New_York",
                country="US",
                region="NY",
                national_id_hash="h-roe",
            )
            cases[code] = b.case(creditor, debtor)
            b.account(cases[code], 10_000, currency="USD")
        assert link_by_national_id(uow) == 2
        day = date(2026, 11, 18)
        for n in range(7):  # seven attempts about US-B's debt within seven days: its limit
            at = datetime.combine(day - timedelta(days=n % 3), time(10 + n), NEW_YORK)
            b.contact(cases["US-B"], at, outcome="no_answer")
        uow.commit()
        now = datetime.combine(day, time(19), NEW_YORK).astimezone(UTC)
        allowed_b, rules_b = _call_allowed(uow, cases["US-B"], now)
        assert not allowed_b and "call-frequency" in rules_b
        assert _call_allowed(uow, cases["US-A"], now) == (True, ())


def test_linking_and_unlinking_are_audited_and_change_the_facts_of_both(floor: Floor) -> None:
    a, s = floor.cases[0], floor.other_creditor_case
    assert s is not None
    uow = floor.uow
    uow.session.execute(update(t.debtors).where(t.debtors.c.id == s.debtor_id).values(cease=True))
    _same_person(uow, a.debtor_id, s.debtor_id)
    link_by_national_id(uow)
    uow.commit()
    conn = uow.session.connection()
    assert [v["reason"] for v in versions(conn, a.debtor_id)] == ["facts.before", "person.linked"]
    audit = t.audit_events.c
    linked = conn.execute(select(audit.detail).where(audit.action == "person.linked")).scalar_one()
    assert linked["debtors"] == [a.debtor_id, s.debtor_id] and linked["how"] == "national_id"

    with pytest.raises(Forbidden):
        unlink(uow, floor.viewer("alice"), a.debtor_id)
    unlink(uow, floor.viewer("sue"), a.debtor_id, s.debtor_id)
    conn = uow.session.connection()
    assert not debtor_facts(conn, [a.debtor_id])[a.debtor_id].flags.cease
    assert [v["reason"] for v in versions(conn, a.debtor_id)][-1] == "person.unlinked"
    assert (
        conn.execute(select(audit.entity_id).where(audit.action == "person.unlinked")).scalar_one()
        == s.debtor_id
    )
    # A debtor a supervisor unlinked is not linked again by its national ID.
    assert link_by_national_id(uow) == 0
    assert conn.execute(select(t.person_members.c.debtor_id)).all() == []


def test_a_supervisor_confirms_a_link_suggested_by_a_shared_phone_and_the_same_name(floor: Floor) -> None:
    uow = floor.uow
    b2, s = floor.cases[1], floor.other_creditor_case
    assert s is not None
    d, cp = t.debtors.c, t.contact_points.c
    name = uow.session.execute(select(d.name).where(d.id == b2.debtor_id)).scalar_one()
    phone = uow.session.execute(select(cp.value).where(cp.id == b2.mobile_id)).scalar_one()
    Book(uow.session.connection()).point(s.debtor_id, "mobile", phone)
    uow.commit()
    conn = uow.session.connection()
    assert suggestions(conn, b2.debtor_id) == []  # the phone alone never suggests, let alone links
    uow.session.execute(update(t.debtors).where(d.id == s.debtor_id).values(name=f" {name} "))
    uow.commit()
    found = suggestions(uow.session.connection(), b2.debtor_id)
    assert [x["debtor_id"] for x in found] == [s.debtor_id]
    assert person_for(uow, floor.viewer("bob"), b2.debtor_id)["suggestions"] == []  # supervisors only
    with pytest.raises(Forbidden):
        confirm_link(uow, floor.viewer("bob"), b2.debtor_id, s.debtor_id)
    got = confirm_link(uow, floor.viewer("sue"), b2.debtor_id, s.debtor_id)
    assert got["linked"] and got["other_placements"] == 1 and got["suggestions"] == []
    how = uow.session.execute(select(t.person_members.c.how).distinct()).scalars().all()
    assert how == ["confirmed"]


def test_a_collector_learns_that_facts_bind_but_not_whose_case_they_come_from(
    floor: Floor, db_env: str
) -> None:
    a_case, a_debtor, s_case, s_debtor = _a_and_s(floor)
    uow = floor.uow
    with changing_facts(uow, [s_debtor], user_id=None, reason="test.dispute"):
        uow.session.execute(update(t.debtors).where(t.debtors.c.id == s_debtor).values(disputed=True))
    uow.commit()
    mine = person_for(uow, floor.viewer("alice"), a_debtor)
    assert mine["other_placements"] == 1 and mine["hidden_placements"] == 1
    assert mine["placements"] == [] and mine["facts_from_elsewhere"] == ["disputed"]
    seen = person_for(uow, floor.viewer("sue"), a_debtor)
    assert [(p["case_id"], p["creditor"], p["facts"]) for p in seen["placements"]] == [
        (s_case, "某商城", ["disputed"])
    ]
    app = create_app(db_env)
    alice = login_client(app, "alice")
    shop_debtor = uow.session.execute(select(t.debtors.c.name).where(t.debtors.c.id == s_debtor)).scalar_one()
    for url in (f"/cases/{a_case}/panels/person", f"/api/v1/debtors/{a_debtor}/person"):
        answer = alice.get(url)
        assert answer.status_code == 200
        assert (
            "某商城" not in answer.text
            and shop_debtor not in answer.text
            and f"/cases/{s_case}" not in answer.text
        )
    assert "1 other placement" in alice.get(f"/cases/{a_case}/panels/person").text
    assert alice.get(f"/api/v1/debtors/{s_debtor}/person").status_code == 404


def test_the_plan_asks_about_a_linked_case_alone_and_equals_the_reference(engine: Engine) -> None:
    day = date(2026, 3, 16)
    with engine.begin() as conn:
        b = Book(conn)
        one, two = b.creditor("CN-1"), b.creditor("CN-2")
        cases = {}
        for key, creditor, flags in (
            ("a", one, {}),
            ("b", two, {}),
            ("held_a", one, {}),
            ("held_b", two, {"cease": True}),
            ("alone", one, {}),
        ):
            nid = {"national_id_hash": "h-held" if "held" in key else "h-ab"} if key != "alone" else {}
            debtor = b.debtor(creditor, key, region="四川省", **nid, **flags)
            cases[key] = b.case(creditor, debtor)
            b.account(cases[key], 10_000)
        b.contact(cases["b"], datetime.combine(day, time(9, 5), SHANGHAI), outcome="promise")
        b.contact(cases["b"], datetime.combine(day, time(10, 5), SHANGHAI), outcome="promise")
        b.contact(cases["a"], datetime.combine(day, time(11, 5), SHANGHAI), outcome="promise")
    from huikuan.storage.uow import UnitOfWork as Uow

    with Uow(engine) as uow:
        assert link_by_national_id(uow) == 4
        uow.commit()
    now = datetime.combine(day, time(13, 30), SHANGHAI).astimezone(UTC)
    with engine.connect() as conn:
        portfolio = read_portfolio(conn, day, now)
        frame = allowed_frame(conn, portfolio)
        reference = reference_allowed(conn, portfolio)
    got = {(c, act): (m, r) for c, act, m, r in frame.iter_rows()}
    afternoon = sum(1 << h for h in range(13, 21))
    assert got[(cases["a"], "call")] == (0, "daily-call-cap")  # 1 own call and 2 for the other creditor
    assert got[(cases["a"], "sms")] == (afternoon, None)
    assert got[(cases["held_a"], "sms")] == (0, "cease")  # ceased in the other placement
    assert got[(cases["alone"], "call")] == (afternoon, None)
    assert frame.sort("case_id", "action").equals(reference.sort("case_id", "action"))


def test_through_the_api_a_supervisor_links_only_a_suggestion_and_unlinks_only_a_link(
    floor: Floor, db_env: str
) -> None:
    a, s = floor.cases[0], floor.other_creditor_case
    assert s is not None
    sue = login_client(create_app(db_env), "sue")
    base = f"/api/v1/debtors/{a.debtor_id}/person"
    assert sue.post(base + "/link", json={"debtor_id": s.debtor_id}).status_code == 422
    assert sue.post(base + "/unlink", json={}).status_code == 409
    _same_person(floor.uow, a.debtor_id, s.debtor_id)
    link_by_national_id(floor.uow)
    floor.uow.commit()
    got = sue.get(base).json()
    assert got["other_placements"] == 1 and got["placements"][0]["case_id"] == s.id
    answer = sue.post(base + "/unlink", json={"debtor_id": s.debtor_id})
    assert answer.status_code == 200 and answer.json()["linked"] is False


def test_the_command_line_links_the_debtors_already_on_file_once(floor: Floor, db_env: str) -> None:

    a, s = floor.cases[0], floor.other_creditor_case
    assert s is not None
    _same_person(floor.uow, a.debtor_id, s.debtor_id)
    floor.uow.commit()
    assert cli_json("persons", "link", "--creditor", "SHOP") == (0, {"debtors_linked": 2})
    assert cli_json("persons", "link") == (0, {"debtors_linked": 0})
