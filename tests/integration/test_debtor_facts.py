"""Contact points and stated preferences, kept true: numbers read as the import reads them, duplicates
refused by name, marks that follow a number to every debtor who has it, and the debtor's statements
honoured by the gate in the same request on the contact paths and in the plan, in every pack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update
from tests.support.floor import MORNING, TODAY, Floor

from huikuan.errors import AlreadyExists, ComplianceRefused, Forbidden, InvalidInput, NotFound
from huikuan.services.case_view import case_360
from huikuan.services.contact_points import NewPoint, add_point, mark_point, verify_point
from huikuan.services.contacts import check_contact, queue_message, record_contact
from huikuan.services.debtor_record import debtor_record
from huikuan.services.fact_history import facts_at, versions
from huikuan.services.gate_inputs import allowed_frame, reference_allowed
from huikuan.services.preferences import ElectronicConsent, Preferences, TimeSpan, set_preferences
from huikuan.storage import tables as t
from huikuan.storage.portfolio import read_portfolio

PACKS = ("cn", "uk-conc", "us-reg-f")
FRIDAY_WORK_HOURS = TimeSpan("09:00", "18:00", (1, 2, 3, 4, 5))  # MORNING is Friday 10:00 in Beijing


def _pack(floor: Floor, pack: str) -> None:
    floor.uow.session.execute(update(t.creditors).values(pack=pack))
    floor.uow.commit()


def _point(engine: Engine, point_id: int):
    with engine.connect() as conn:
        return conn.execute(select(t.contact_points).where(t.contact_points.c.id == point_id)).one()


def test_a_number_is_read_as_the_import_reads_it_and_a_duplicate_is_refused_by_name(floor: Floor, engine):
    alice, case = floor.viewer("alice"), floor.cases[0]
    new = add_point(floor.uow, alice, case.debtor_id, NewPoint("phone", "138 0013 8000", "debtor"))
    row = _point(engine, new)
    assert (row.kind, row.value, row.status, row.source) == (
        "mobile",
        "+8613800138000",
        "unverified",
        "debtor",
    )
    assert row.added_by == floor.users["alice"] and row.added_at is not None
    with pytest.raises(AlreadyExists, match=f"already contact point {new} of this person"):
        add_point(floor.uow, alice, case.debtor_id, NewPoint("mobile", "+86 138-0013-8000", "third_party"))
    # The floor's own mobile, given in its national form, is the same number.
    with pytest.raises(AlreadyExists, match=f"contact point {case.mobile_id} of this person"):
        add_point(floor.uow, alice, case.debtor_id, NewPoint("phone", "13800000001", "debtor"))
    with pytest.raises(InvalidInput, match="not a valid phone number"):
        add_point(floor.uow, alice, case.debtor_id, NewPoint("phone", "12345", "debtor"))


def test_an_email_is_lower_cased_and_a_party_may_have_the_same_point_as_the_debtor(floor: Floor, engine):
    alice, case = floor.viewer("alice"), floor.cases[0]
    own = add_point(floor.uow, alice, case.debtor_id, NewPoint("email", " Wang.Li@Example.COM ", "debtor"))
    assert _point(engine, own).value == "wang.li@example.com"
    spouse = NewPoint("email", "wang.li@example.com", "third_party", party_id=case.spouse_id)
    assert _point(engine, add_point(floor.uow, alice, case.debtor_id, spouse)).party_id == case.spouse_id
    with pytest.raises(AlreadyExists):
        add_point(floor.uow, alice, case.debtor_id, NewPoint("email", "WANG.LI@example.com", "creditor"))
    with pytest.raises(InvalidInput, match="not an email address"):
        add_point(floor.uow, alice, case.debtor_id, NewPoint("email", "wang.li@", "debtor"))
    with pytest.raises(InvalidInput, match="not a related party"):
        other = floor.cases[1].guarantor_id
        add_point(floor.uow, alice, case.debtor_id, NewPoint("qq", "123456789", "debtor", party_id=other))


def test_a_wrong_number_mark_follows_the_number_to_every_debtor_who_has_it(floor: Floor, engine):
    alice, bob = floor.viewer("alice"), floor.viewer("bob")
    mine, theirs, shop = floor.cases[0], floor.cases[1], floor.other_creditor_case
    assert shop is not None
    number = NewPoint("phone", "+8613912340000", "skip_trace")
    first = add_point(floor.uow, alice, mine.debtor_id, number)
    second = add_point(floor.uow, bob, theirs.debtor_id, number)
    third = add_point(floor.uow, floor.viewer("carol"), shop.debtor_id, number)
    changed = mark_point(floor.uow, alice, mine.debtor_id, first, "wrong_number")
    assert changed[0] == first and set(changed) == {first, second, third}
    for point in (first, second, third):
        row = _point(engine, point)
        assert (row.status, row.status_reason) == ("wrong_party", "wrong_number")
    # Not dialled any more, by anyone, and not offered on the case page.
    with pytest.raises(InvalidInput, match="is marked wrong_party"):
        check_contact(floor.uow, theirs.id, channel="call", at=MORNING, contact_point_id=second)
    view = case_360(floor.uow, bob, theirs.id, now=MORNING, with_timeline=False)
    shown = next(p for p in view.points if p.id == second)
    assert shown.unusable and shown.verdict is None
    events = floor.uow.session.execute(
        select(t.audit_events.c.entity_id).where(t.audit_events.c.action == "contact_point.marked")
    ).scalars()
    assert set(events) == {first, second, third}


def test_someone_elses_number_stays_with_this_debtor_and_a_verified_point_is_valid(floor: Floor, engine):
    alice, bob = floor.viewer("alice"), floor.viewer("bob")
    number = NewPoint("phone", "+8613912340001", "debtor")
    mine = add_point(floor.uow, alice, floor.cases[0].debtor_id, number)
    theirs = add_point(floor.uow, bob, floor.cases[1].debtor_id, number)
    assert mark_point(floor.uow, alice, floor.cases[0].debtor_id, mine, "someone_else") == [mine]
    assert _point(engine, mine).status == "wrong_party" and _point(engine, theirs).status == "unverified"
    verify_point(floor.uow, bob, floor.cases[1].debtor_id, theirs)
    row = _point(engine, theirs)
    assert row.status == "valid" and row.verified_at is not None
    with pytest.raises(InvalidInput, match="mark"):
        mark_point(floor.uow, bob, floor.cases[1].debtor_id, theirs, "lost")
    mark_point(floor.uow, bob, floor.cases[1].debtor_id, theirs, "opt_out")
    with pytest.raises(InvalidInput, match="do-not-contact"):
        verify_point(floor.uow, bob, floor.cases[1].debtor_id, theirs)


def test_an_opt_out_of_a_number_follows_it_and_the_contact_form_no_longer_offers_it(floor: Floor, engine):
    from huikuan.services.contact_form import contact_form

    alice, bob = floor.viewer("alice"), floor.viewer("bob")
    theirs = floor.cases[1]
    # The floor's second debtor's own mobile turns up as a number of the first debtor too.
    shared = add_point(
        floor.uow, alice, floor.cases[0].debtor_id, NewPoint("phone", "+8613800000002", "debtor")
    )
    mark_point(floor.uow, alice, floor.cases[0].debtor_id, shared, "opt_out")
    assert _point(engine, theirs.mobile_id).status == "do_not_contact"
    offered = {r.key for r in contact_form(floor.uow, bob, theirs.id).reachable}
    assert f"point-{theirs.mobile_id}" not in offered and f"point-{theirs.address_id}" in offered


def test_only_who_may_work_the_case_changes_its_points_and_preferences(floor: Floor):
    case = floor.cases[0]
    with pytest.raises(NotFound):
        add_point(floor.uow, floor.viewer("carol"), case.debtor_id, NewPoint("qq", "123456789", "debtor"))
    with pytest.raises(Forbidden):
        set_preferences(floor.uow, floor.viewer("vic"), case.debtor_id, Preferences(opt_out=("sms",)))
    with pytest.raises(Forbidden):
        mark_point(floor.uow, floor.viewer("vic"), case.debtor_id, case.mobile_id, "disconnected")


@pytest.mark.parametrize("pack", PACKS)
def test_not_during_work_hours_refuses_a_call_in_the_same_request_in_every_pack(floor: Floor, engine, pack):
    _pack(floor, pack)
    alice, case = floor.viewer("alice"), floor.cases[0]
    check_contact(floor.uow, case.id, channel="call", at=MORNING, contact_point_id=case.mobile_id)
    set_preferences(floor.uow, alice, case.debtor_id, Preferences(inconvenient_times=(FRIDAY_WORK_HOURS,)))
    with pytest.raises(ComplianceRefused) as refused:
        record_contact(
            floor.uow,
            case.id,
            channel="call",
            outcome="no_answer",
            at=MORNING,
            contact_point_id=case.mobile_id,
        )
    assert [v["rule"] for v in refused.value.decision["violations"]] == ["designated-inconvenient-time"]
    # Allowed again at 18:00 in Beijing; the weekend is open.
    assert refused.value.decision["next_allowed_at"] == "2026-11-20T10:00:00Z"
    saturday = MORNING + timedelta(days=1)
    assert check_contact(floor.uow, case.id, channel="call", at=saturday).allowed


@pytest.mark.parametrize("pack", PACKS)
def test_an_sms_opt_out_refuses_a_queued_sms_in_every_pack(floor: Floor, pack):
    _pack(floor, pack)
    alice, case = floor.viewer("alice"), floor.cases[0]
    set_preferences(floor.uow, alice, case.debtor_id, Preferences(opt_out=("sms",)))
    with pytest.raises(ComplianceRefused) as refused:
        queue_message(
            floor.uow,
            case.id,
            channel="sms",
            contact_point_id=case.mobile_id,
            body="您好",
            at=MORNING,
            user_id=floor.users["alice"],  # a collector's message (a job's would be automated, TCPA)
        )
    assert [v["rule"] for v in refused.value.decision["violations"]] == ["channel-opt-out"]
    # An empty list clears it.
    set_preferences(floor.uow, alice, case.debtor_id, Preferences(opt_out=()))
    assert check_contact(
        floor.uow, case.id, channel="sms", at=MORNING, contact_point_id=case.mobile_id
    ).allowed


@pytest.mark.parametrize("pack", PACKS)
def test_a_stated_workplace_refuses_a_call_to_a_work_number_in_every_pack(floor: Floor, pack):
    _pack(floor, pack)
    alice, case = floor.viewer("alice"), floor.cases[0]
    work = add_point(
        floor.uow, alice, case.debtor_id, NewPoint("phone", "010 6512 3456", "debtor", place="work")
    )
    assert check_contact(floor.uow, case.id, channel="call", at=MORNING, contact_point_id=work).allowed
    set_preferences(floor.uow, alice, case.debtor_id, Preferences(inconvenient_places=("workplace",)))
    verdict = check_contact(floor.uow, case.id, channel="call", at=MORNING, contact_point_id=work)
    assert verdict.refused_by == ("workplace",) and verdict.decision["next_allowed_at"] is None
    home = check_contact(floor.uow, case.id, channel="call", at=MORNING, contact_point_id=case.mobile_id)
    assert home.allowed
    view = case_360(floor.uow, alice, case.id, now=MORNING, with_timeline=False)
    shown = next(p for p in view.points if p.id == work)
    assert shown.verdict is not None and shown.verdict.rules == ("workplace",)


@pytest.mark.parametrize("pack", PACKS)
def test_the_plan_honours_stated_times_and_opt_outs_in_every_pack(floor: Floor, engine, pack):
    _pack(floor, pack)
    alice, case = floor.viewer("alice"), floor.cases[0]
    prefs = Preferences(inconvenient_times=(FRIDAY_WORK_HOURS,), opt_out=("sms",))
    set_preferences(floor.uow, alice, case.debtor_id, prefs)
    now = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # Friday 00:00 in Beijing
    with engine.connect() as conn:
        portfolio = read_portfolio(conn, TODAY, now)
        fast = allowed_frame(conn, portfolio)
        slow = reference_allowed(conn, portfolio)
    assert fast.sort("case_id", "action").to_dicts() == slow.to_dicts()
    got = {(r["case_id"], r["action"]): (r["hour_mask"], r["rule"]) for r in fast.to_dicts()}
    call_mask, _rule = got[(case.id, "call")]
    work_hours = sum(1 << h for h in range(9, 18))
    assert call_mask and not call_mask & work_hours
    assert got[(case.id, "sms")] == (0, "channel-opt-out")
    other_mask, _ = got[(floor.cases[1].id, "call")]
    assert other_mask & work_hours  # the statement is this debtor's only


def test_every_change_adds_a_version_of_the_facts_and_the_record_shows_them_masked(floor: Floor, engine):
    alice, case = floor.viewer("alice"), floor.cases[0]
    before = MORNING - timedelta(hours=1)
    add_point(floor.uow, alice, case.debtor_id, NewPoint("phone", "+8613912340002", "debtor"), now=MORNING)
    set_preferences(
        floor.uow,
        alice,
        case.debtor_id,
        Preferences(
            inconvenient_times=(FRIDAY_WORK_HOURS,),
            inconvenient_places=("workplace",),
            opt_out=("sms",),
            language="en",
            electronic_consent=ElectronicConsent(True, MORNING - timedelta(days=2), "recorded call"),
        ),
        now=MORNING + timedelta(minutes=5),
    )
    with engine.connect() as conn:
        reasons = [v["reason"] for v in versions(conn, case.debtor_id)]
        was = facts_at(conn, case.debtor_id, before)
        now = facts_at(conn, case.debtor_id, MORNING + timedelta(minutes=6))
    assert reasons == ["facts.before", "contact_point.added", "preferences.set"]
    assert was is not None and now is not None
    assert "+8613912340002" not in was.phones and not was.inconvenient_times
    assert now.inconvenient_times[0].days == frozenset({1, 2, 3, 4, 5})
    assert now.inconvenient_places == frozenset({"workplace"}) and [c.value for c in now.flags.opt_out] == [
        "sms"
    ]
    record = debtor_record(floor.uow, floor.viewer("vic"), case.debtor_id)
    assert record["case_id"] == case.id and "phones" not in record["facts"]
    assert record["facts"]["flags"]["opt_out"] == ["sms"] and "hardship" in record["facts"]["flags"]
    values = {p["value"] for p in record["contact_points"]}
    assert "+86 139****0002" in values and not any("13912340002" in v for v in values)
    prefs = record["preferences"]
    assert prefs["inconvenient_times"] == [{"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "18:00"}]
    assert prefs["language"] == "en" and prefs["electronic_consent"]["how"] == "recorded call"
    assert prefs["electronic_consent"]["given"] is True
    audit = floor.uow.session.execute(
        select(t.audit_events.c.detail).where(t.audit_events.c.action == "debtor.preferences_set")
    ).scalar_one()
    assert "recorded call" not in str(audit) and "09:00" not in str(audit)
    with pytest.raises(NotFound):
        debtor_record(floor.uow, floor.viewer("carol"), case.debtor_id)
