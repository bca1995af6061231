"""The debtor 360: identity, masked contact points with the gate's verdict now, debts, parties, timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from tests.support.floor import MORNING, Floor, floor_national_id

from huikuan.errors import NotFound
from huikuan.services.case_points import point_verdict
from huikuan.services.case_view import case_360
from huikuan.services.contacts import check_contact
from huikuan.services.debtor_requests import ArrangementRequest, send_request
from huikuan.services.gate import read_gate_inputs
from huikuan.services.masking import mask_contact, mask_national_id
from huikuan.services.point_judgement import PointTerms
from huikuan.services.self_service import Visitor
from huikuan.storage import tables as t

NIGHT = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)  # 03:00 in Beijing


def _point(view, point_id):
    return next(p for p in view.points if p.id == point_id)


def _history(floor: Floor) -> None:
    """A call answered yesterday, a promise, a payment and an SMS, on alice's case."""
    case = floor.cases[0]
    s = floor.uow.session
    s.execute(
        insert(t.interactions).values(
            case_id=case.id,
            debtor_id=case.debtor_id,
            contact_point_id=case.mobile_id,
            user_id=floor.users["alice"],
            at=MORNING - timedelta(days=1),
            channel="call",
            direction="outbound",
            outcome="promise",
            goal="确认还款意愿",
            goal_met=True,
            notes="答应月底前还",
            duration_s=185,
        )
    )
    s.execute(
        insert(t.promises).values(
            case_id=case.id,
            amount=300_000,
            currency="CNY",
            due_date=date(2026, 11, 25),
            created_at=MORNING - timedelta(days=1) + timedelta(minutes=4),
            created_by=floor.users["alice"],
        )
    )
    s.execute(
        insert(t.payments).values(
            creditor_id=floor.uow.session.scalar(
                select(t.cases.c.creditor_id).where(t.cases.c.id == case.id)
            ),
            external_ref="PAY-1",
            account_id=case.account_ids[0],
            amount=100_000,
            currency="CNY",
            paid_at=MORNING - timedelta(hours=5),
        )
    )
    s.execute(
        insert(t.messages).values(
            case_id=case.id,
            channel="sms",
            to="+8613800000001",
            body="还款提醒",
            template="reminder_sms",
            status="delivered",
            created_at=MORNING - timedelta(hours=2),
        )
    )
    s.execute(
        update(t.cases)
        .where(t.cases.c.id == case.id)
        .values(next_action_channel="call", next_action_goal="确认还款到账", next_action_due_at=MORNING)
    )
    floor.uow.commit()


# --- masking -----------------------------------------------------------------------------------------


def test_the_case_view_masks_a_prc_id_to_its_region_code() -> None:
    assert mask_national_id("11010119800101123X") == "110101************"
    assert mask_national_id(None) == ""


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("mobile", "+8613812341234", "+86 138****1234"),
        ("landline", "+861062345678", "+86 106***5678"),
        ("email", "debtor1@example.com", "d***@example.com"),
        ("address", "北京市朝阳区建国路1号", "北京市朝阳****"),
        ("wechat", "wx_zhang1988", "wx****88"),
    ],
)
def test_contact_values_are_masked_by_kind(kind: str, value: str, masked: str) -> None:
    assert mask_contact(kind, value) == masked


def test_the_page_shows_the_national_id_and_every_contact_value_masked(floor: Floor) -> None:
    view = case_360(floor.uow, floor.viewer("alice"), floor.cases[0].id, now=MORNING)
    assert view.identity.national_id == "110101************"
    assert view.identity.has_national_id
    assert (view.identity.age, view.identity.has_birth_date) == (46, True)  # born 1980-01-01
    mobile = _point(view, floor.cases[0].mobile_id)
    assert mobile.masked == "+86 138****0001"
    assert _point(view, floor.cases[0].email_id).masked == "d***@example.com"
    assert "建国路" not in _point(view, floor.cases[0].address_id).masked


# --- the gate's verdict now ----------------------------------------------------------------------------


def test_the_debtors_mobile_may_be_called_in_the_morning_at_ten_local_time(floor: Floor) -> None:
    view = case_360(floor.uow, floor.viewer("alice"), floor.cases[0].id, now=MORNING)
    mobile = _point(view, floor.cases[0].mobile_id)
    assert mobile.channel == "call" and mobile.owner_role == "debtor"
    assert mobile.verdict is not None and mobile.verdict.allowed and mobile.verdict.rules == ()
    assert [(lt.zone, lt.at.strftime("%H:%M")) for lt in mobile.local_times] == [("Asia/Shanghai", "10:00")]


def test_at_night_the_call_is_blocked_by_contact_hours_until_eight_in_the_morning(floor: Floor) -> None:
    view = case_360(floor.uow, floor.viewer("alice"), floor.cases[0].id, now=NIGHT)
    verdict = _point(view, floor.cases[0].mobile_id).verdict
    assert verdict is not None and not verdict.allowed
    assert verdict.rules == ("contact-hours",)
    assert verdict.next_allowed_at == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
    assert _point(view, floor.cases[0].address_id).verdict.channel == "visit"


def test_a_do_not_contact_point_is_shown_as_such_without_a_verdict(floor: Floor) -> None:
    case = floor.cases[0]
    floor.uow.session.execute(
        update(t.contact_points).where(t.contact_points.c.id == case.email_id).values(status="do_not_contact")
    )
    floor.uow.commit()
    email = _point(case_360(floor.uow, floor.viewer("alice"), case.id, now=MORNING), case.email_id)
    assert email.do_not_contact and email.verdict is None


def test_the_verdicts_on_the_page_equal_check_contact_for_every_point(floor: Floor) -> None:
    _history(floor)
    case = floor.cases[0]
    for at in (MORNING, NIGHT, MORNING + timedelta(hours=3)):
        view = case_360(floor.uow, floor.viewer("alice"), case.id, now=at)
        for p in view.points:
            assert p.verdict is not None
            expected = check_contact(
                floor.uow, case.id, channel=p.channel, at=at, party=p.party_id, contact_point_id=p.id
            )
            assert p.verdict.allowed == expected.allowed, (p.kind, at)
            assert p.verdict.rules == expected.refused_by
            assert p.verdict.decision_id == expected.decision["id"]


def test_point_verdict_reads_the_facts_once_for_many_questions(floor: Floor) -> None:
    inputs = read_gate_inputs(floor.uow, floor.cases[0].id)
    verdict, zones = point_verdict(
        inputs, channel="call", party=None, terms=PointTerms("+8613800000001"), at=NIGHT
    )
    assert not verdict.allowed and zones == ("Asia/Shanghai",)
    day, _zones = point_verdict(
        inputs, channel="call", party=None, terms=PointTerms("+8613800000001"), at=MORNING
    )
    assert day.allowed


def test_the_case_page_and_the_contact_paths_get_the_same_answer_through_one_door(floor: Floor) -> None:
    case = floor.cases[0]
    inputs = read_gate_inputs(floor.uow, case.id)
    for at in (NIGHT, MORNING):
        for party, point in ((None, case.mobile_id), (case.spouse_id, case.spouse_mobile_id)):
            number = (
                floor.uow.session.execute(t.contact_points.select().where(t.contact_points.c.id == point))
                .one()
                .value
            )
            page, _zones = point_verdict(inputs, channel="call", party=party, terms=PointTerms(number), at=at)
            path = check_contact(
                floor.uow, case.id, channel="call", at=at, party=party, contact_point_id=point
            )
            assert (page.allowed, page.rules) == (path.allowed, path.refused_by)


# --- debts, parties, timeline ----------------------------------------------------------------------------


def test_debts_show_their_parts_days_past_due_bucket_and_the_total(floor: Floor) -> None:
    view = case_360(floor.uow, floor.viewer("alice"), floor.cases[0].id, now=MORNING)
    assert len(view.debts) == 2
    first = view.debts[0]
    assert first.creditor_code == "BANK" and first.product == "credit_card"
    assert first.principal + first.interest + first.fees == first.balance == 600_000
    assert first.days_past_due == (date(2026, 11, 20) - date(2026, 8, 1)).days == 111
    assert first.bucket == "M4"
    (total,) = view.totals
    assert (total.currency, total.balance, total.accounts) == ("CNY", 1_200_000, 2)


def test_the_spouse_may_be_asked_for_location_only_and_the_guarantor_about_payment(floor: Floor) -> None:
    view = case_360(floor.uow, floor.viewer("alice"), floor.cases[0].id, now=MORNING)
    discuss = {p.role: p.may_discuss for p in view.parties}
    assert discuss == {"debtor": "payment", "spouse": "location", "guarantor": "payment"}
    spouse_mobile = _point(view, floor.cases[0].spouse_mobile_id)
    assert spouse_mobile.owner_role == "spouse" and spouse_mobile.owner_name == "配偶1"


def test_the_timeline_holds_every_kind_of_event_newest_first(floor: Floor) -> None:
    _history(floor)
    view = case_360(floor.uow, floor.viewer("alice"), floor.cases[0].id, now=MORNING, locale="en")
    assert [item.kind for item in view.timeline] == ["message", "payment", "promise", "interaction"]
    assert [item.at for item in view.timeline] == sorted((item.at for item in view.timeline), reverse=True)
    call = view.timeline[-1]
    assert (
        call.label == "Call · Promise to pay" and "确认还款意愿" in call.detail and "3 min 5 s" in call.detail
    )
    assert view.timeline[2].label == "Promise of CN¥3,000.00 by 2026-11-25"
    assert view.timeline[1].amount == 100_000
    zh = case_360(floor.uow, floor.viewer("alice"), floor.cases[0].id, now=MORNING, locale="zh_CN")
    assert zh.timeline[-1].label == "电话 · 承诺还款"


def test_the_last_contact_and_the_next_action_are_shown(floor: Floor) -> None:
    _history(floor)
    view = case_360(floor.uow, floor.viewer("alice"), floor.cases[0].id, now=MORNING)
    assert view.last_contact is not None
    assert (view.last_contact.goal, view.last_contact.outcome, view.last_contact.goal_met) == (
        "确认还款意愿",
        "promise",
        True,
    )
    assert view.next_action.goal == "确认还款到账" and view.next_action.channel == "call"


# --- who may see it ----------------------------------------------------------------------------------


def test_a_collector_of_another_team_gets_not_found(floor: Floor) -> None:
    with pytest.raises(NotFound):
        case_360(floor.uow, floor.viewer("carol"), floor.cases[0].id, now=MORNING)


def test_the_banks_viewer_sees_bank_cases_but_not_the_shops(floor: Floor) -> None:
    vic = floor.viewer("vic")
    assert case_360(floor.uow, vic, floor.cases[1].id, now=MORNING).identity.creditor_code == "BANK"
    assert floor.other_creditor_case is not None
    with pytest.raises(NotFound):
        case_360(floor.uow, vic, floor.other_creditor_case.id, now=MORNING)


# --- the page and its JSON ---------------------------------------------------------------------------


@pytest.fixture
def app(floor: Floor, db_env: str):  # the floor is committed before the app opens its own sessions
    from huikuan.web.app import create_app

    return create_app(db_env)


def test_the_case_page_renders_in_english_with_verdicts_and_lazy_panels(app, floor: Floor) -> None:
    from tests.support.web import login_client

    _history(floor)
    case = floor.cases[0]
    alice = login_client(app, "alice", locale="en")
    page = alice.get(f"/cases/{case.id}")
    assert page.status_code == 200
    html = page.text
    assert "测试债务人1" in html and floor_national_id(1) not in html
    assert f'data-testid="verdict-{case.mobile_id}"' in html and "Contact points" in html
    assert f'hx-get="/cases/{case.id}/panels/contact" hx-trigger="load"' in html
    # The debtor's details, the people, the timeline ... are tabs' panels, fetched when shown.
    assert f'hx-get="/cases/{case.id}/panels/identity" hx-trigger="tab-load"' in html
    identity = alice.get(f"/cases/{case.id}/panels/identity").text
    assert "110101************" in identity and floor_national_id(1) not in identity
    assert "46 years" in identity and "1980-01-01" not in identity
    assert "location only" in alice.get(f"/cases/{case.id}/panels/parties").text


def test_the_debtors_request_from_their_page_is_on_the_case_page_in_full(app, floor: Floor) -> None:
    from tests.support.web import login_client

    case = floor.cases[0]
    words = "我每月只能还500元，" * 30 + "从下月开始"  # longer than the next action's note
    visitor = Visitor(case_id=case.id, portal_link_id=41, address="203.0.113.7", locale="zh_CN")
    send_request(floor.uow, visitor, ArrangementRequest(words), now=MORNING)
    alice = login_client(app, "alice", locale="en")
    assert (
        f'hx-get="/cases/{case.id}/panels/requests" hx-trigger="tab-load"'
        in alice.get(f"/cases/{case.id}?tab=promises").text
    )
    panel = alice.get(f"/cases/{case.id}/panels/requests").text
    assert (
        words in panel and "Requests from the debtor&#39;s page" in panel and "Waiting for an answer" in panel
    )
    chinese = login_client(app, "bob", locale="zh_CN").get(f"/cases/{case.id}/panels/requests").text
    assert words in chinese and "债务人自助页面的请求" in chinese and "待答复" in chinese
    assert login_client(app, "carol").get(f"/cases/{case.id}/panels/requests").status_code == 404


def test_the_case_page_renders_in_chinese(app, floor: Floor) -> None:
    from tests.support.web import login_client

    alice = login_client(app, "alice", locale="zh_CN")
    page = alice.get(f"/cases/{floor.cases[0].id}")
    assert page.status_code == 200 and "联系方式" in page.text
    assert "仅限查找下落" in alice.get(f"/cases/{floor.cases[0].id}/panels/parties").text


def test_the_timeline_panel_lists_the_events(app, floor: Floor) -> None:
    from tests.support.web import login_client

    _history(floor)
    panel = login_client(app, "alice").get(f"/cases/{floor.cases[0].id}/panels/timeline").text
    assert panel.index('data-kind="message"') < panel.index('data-kind="interaction"')
    assert "Promise of CN¥3,000.00 by 2026-11-25" in panel


def test_a_reveal_through_htmx_swaps_in_the_full_value(app, floor: Floor) -> None:
    from tests.support.web import login_client

    case = floor.cases[0]
    client = login_client(app, "alice")
    answer = client.post(
        f"/cases/{case.id}/reveal",
        data={"what": "contact_point", "contact_point_id": str(case.mobile_id)},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert f'id="point-{case.mobile_id}"' in answer.text and "+8613800000001" in answer.text


def test_another_teams_collector_gets_not_found_for_the_page(app, floor: Floor) -> None:
    from tests.support.web import login_client

    assert login_client(app, "carol").get(f"/cases/{floor.cases[0].id}").status_code == 404


def test_the_api_gives_the_case_with_money_as_decimal_strings(app, floor: Floor) -> None:
    from tests.support.web import login_client

    _history(floor)
    data = login_client(app, "alice").get(f"/api/v1/cases/{floor.cases[0].id}").json()
    assert data["identity"]["national_id"] == "110101************"
    assert data["identity"]["age"] == 46 and "birth_date" not in data["identity"]
    assert data["debts"][0]["balance"] == "6000.00" and data["totals"][0]["balance"] == "12000.00"
    assert {p["role"]: p["may_discuss"] for p in data["parties"]}["spouse"] == "location"
    assert [i["kind"] for i in data["timeline"]] == ["message", "payment", "promise", "interaction"]
    mobile = next(p for p in data["points"] if p["id"] == floor.cases[0].mobile_id)
    assert mobile["masked"] == "+86 138****0001" and "value" not in mobile


def test_the_pages_own_panels_render_alone_and_the_viewer_gets_no_reveal_button(app, floor: Floor) -> None:
    from tests.support.web import login_client

    case = floor.cases[0]
    alice = login_client(app, "alice")
    for name in ("header", "identity", "points", "debts", "parties"):
        answer = alice.get(f"/cases/{case.id}/panels/{name}")
        assert answer.status_code == 200 and "<html" not in answer.text, name
    assert 'data-testid="reveal-national-id"' in alice.get(f"/cases/{case.id}/panels/identity").text
    vic = login_client(app, "vic")
    for path in ("", "/panels/identity", "/panels/points"):
        answer = vic.get(f"/cases/{case.id}{path}")
        assert answer.status_code == 200 and 'data-testid="reveal-' not in answer.text, path


def test_every_label_of_the_case_page_has_a_chinese_translation() -> None:
    from huikuan.i18n import _catalog
    from huikuan.services.case_labels import LABELS

    catalog = _catalog("zh_CN")
    missing = sorted(m for words in LABELS.values() for m in words.values() if m not in catalog)
    assert missing == []
