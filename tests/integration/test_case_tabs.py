"""The case page's lower part as tabs: the tab in the URL is the one shown, every tab's panels are fetched
only when shown (the page renders none of them), each has a link for a browser without JavaScript, the
planner's explanation has a tab of its own, and the record form offers the common outcomes as buttons."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert
from tests.support.floor import MORNING, Floor

from huikuan.storage import tables as t

TABS = ("history", "promises", "messages", "facts", "disputes", "debtor", "assessment", "plan", "record")
SECTIONS = {
    "history": ("timeline",),
    "promises": ("panel-promise", "panel-negotiation", "panel-requests"),
    "messages": ("panel-message",),
    "facts": ("panel-fact-points", "panel-preferences", "holds", "panel-person"),
    "disputes": ("panel-disputes", "panel-complaints"),
    "debtor": ("identity", "parties", "debts", "notices"),
    "assessment": ("panel-assessment",),
    "plan": ("panel-plan",),
    "record": ("panel-record",),
}
ROUTES = {"timeline": "timeline", "identity": "identity", "parties": "parties", "debts": "debts"}


@pytest.fixture
def app(floor: Floor, db_env: str):  # the floor is committed before the app opens its own sessions
    from huikuan.web.app import create_app

    return create_app(db_env)


def _selected(html: str) -> list[str]:
    return re.findall(r'id="tab-(\w+)"[^>]*aria-selected="true"', html)


def _shown(html: str) -> list[str]:
    panels = re.findall(r'<div class="tabpanel" role="tabpanel" id="tabpanel-(\w+)"[^>]*?( hidden)?>', html)
    return [name for name, hidden in panels if not hidden]


def test_the_tab_named_in_the_url_is_the_one_shown_and_an_unknown_name_shows_the_first(app, floor) -> None:
    from tests.support.web import login_client

    alice = login_client(app, "alice")
    case = floor.cases[0].id
    first = alice.get(f"/cases/{case}").text
    assert _selected(first) == ["history"] and _shown(first) == ["history"]
    for name in TABS:
        html = alice.get(f"/cases/{case}?tab={name}").text
        assert _selected(html) == [name] and _shown(html) == [name], name
        assert f'href="/cases/{case}?tab={name}#case-tabs"' in html  # a link, for a browser without JS
    assert _selected(alice.get(f"/cases/{case}?tab=nonsense").text) == ["history"]


def test_no_tabs_panel_is_rendered_up_front_each_is_fetched_and_linked(app, floor) -> None:
    from tests.support.web import login_client

    alice = login_client(app, "alice")
    case = floor.cases[0]
    html = alice.get(f"/cases/{case.id}?tab=debtor").text
    for name, sections in SECTIONS.items():
        for element in sections:
            route = ROUTES.get(element, element.removeprefix("panel-"))
            tag = re.search(rf'<section id="{element}"[^>]*>', html)
            assert tag is not None, element
            assert f'hx-get="/cases/{case.id}/panels/{route}" hx-trigger="tab-load"' in tag.group(0), element
            assert f'<a href="/cases/{case.id}/panels/{route}">' in html, element
            assert alice.get(f"/cases/{case.id}/panels/{route}").status_code == 200, (name, element)
    # Not even the shown tab's content: the debtor's ID, the people, the debts come with their panels.
    assert 'data-testid="national-id"' not in html and 'data-testid="identity-check"' not in html
    assert f'data-testid="debt-{case.account_ids[0]}"' not in html
    # Those a recorded contact changes are marked to be fetched again once shown.
    refreshed = re.findall(r'<section id="([\w-]+)"[^>]* data-refresh', html)
    assert sorted(refreshed) == [
        "holds",
        "identity",
        "notices",
        "panel-disputes",
        "panel-fact-points",
        "panel-person",
        "panel-preferences",
        "panel-promise",
        "timeline",
    ]


def test_the_tabs_read_in_chinese(app, floor) -> None:
    from tests.support.web import login_client

    html = login_client(app, "alice", locale="zh_CN").get(f"/cases/{floor.cases[0].id}").text
    for label in (
        "历史记录",
        "承诺与还款方案",
        "短信、邮件与信函",
        "债务人与相关人员",
        "评估",
        "为何这样安排",
        "事实与暂停",
        "打印摘要",
    ):
        assert label in html, label


def _plan_row(floor: Floor) -> None:
    case = floor.cases[0]
    reason = {
        "strategy": "optimized",
        "segment": "able_unwilling",
        "scores": {"ability": 0.62, "willingness": 0.41, "p_answer": 0.31, "p_pay": 0.12},
        "expected_value": 10512,
        "uplift": 6640,
        "binding": "calls:zh@2026-11-20T02:00Z",
        "alternative": {"action": "sms", "uplift": 310},
        "note": None,
        "removed": [{"action": "visit", "rule": "contact-hours"}],
    }
    floor.uow.session.execute(
        insert(t.plan_rows).values(
            plan_date=date(2026, 11, 20),
            strategy="optimized",
            case_id=case.id,
            action="call",
            slot_start=MORNING + timedelta(hours=1),
            user_id=floor.users["alice"],
            p_answer=0.31,
            p_pay=0.12,
            expected_value=10512,
            cost=120,
            segment="able_unwilling",
            reason=reason,
            created_at=datetime(2026, 11, 19, 22, 0, tzinfo=MORNING.tzinfo),
        )
    )
    floor.uow.commit()


def test_why_this_action_gives_the_planners_reason_or_says_there_is_no_plan(app, floor) -> None:
    from tests.support.web import login_client

    case = floor.cases[0].id
    alice = login_client(app, "alice")
    none = alice.get(f"/cases/{case}/panels/plan")
    assert none.status_code == 200 and 'data-testid="plan-none"' in none.text
    _plan_row(floor)
    text = alice.get(f"/cases/{case}/panels/plan").text
    assert "Plan for 2026-11-20: Call" in text
    assert "11:00" in text and "Asia/Shanghai" in text  # the slot in alice's zone and the debtor's
    assert "Able, unwilling" in text and "ability 62%, willingness 41%, answers 31%, pays 12%" in text
    assert "CN¥105.12" in text and "Gain over doing nothing: CN¥66.40" in text
    assert "calls:zh@2026-11-20T02:00Z" in text and "SMS" in text
    removed = re.search(r'data-testid="plan-removed">(.*?)</td>', text, re.S)
    assert removed is not None and "Visit" in removed.group(1)
    zh = login_client(app, "alice", locale="zh_CN").get(f"/cases/{case}/panels/plan").text
    assert "计划：电话" in zh and "相比不联系的增益" in zh and "Gain" not in zh
    assert login_client(app, "carol").get(f"/cases/{case}/panels/plan").status_code == 404


def test_the_record_form_offers_the_common_outcomes_as_buttons_with_their_keys(app, floor) -> None:
    from tests.support.web import login_client

    form = login_client(app, "alice").get(f"/cases/{floor.cases[0].id}/panels/contact").text
    buttons = re.findall(
        r'<button type="button" class="btn" data-outcome="(\w+)" data-outcome-key="(\d)"', form
    )
    assert buttons == [
        ("no_answer", "1"),
        ("busy", "2"),
        ("promise", "3"),
        ("wrong_party", "4"),
        ("refuses", "5"),
        ("callback", "6"),
    ]
    assert "Wrong number <kbd>4</kbd>" in form and 'aria-keyshortcuts="3"' in form
    assert 'id="contact-outcome"' in form  # the full list stays for the other outcomes
