"""The case timeline as a collector filters it: by kind (calls, messages, payments, promises, notes, gate
refusals, plans), by a search over its text, with the count of each kind over the whole case, and each
entry saying who did it and the rule or reason where one applies."""

from __future__ import annotations

import pytest
from tests.support.floor import MORNING, Floor
from tests.support.timeline_history import timeline_history

from huikuan.services.case_timeline import FILTERS, case_timeline, timeline_view


def _history(floor: Floor) -> dict[str, int]:
    return timeline_history(floor)


def _shown(items) -> set[tuple[str, int]]:
    return {(item.kind, item.ref_id) for item in items}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("call", {("interaction", "call"), ("interaction", "visit"), ("interaction", "inbound")}),
        ("message", {("message", "sms"), ("letter", "letter"), ("message", "held")}),
        ("payment", {("payment", "payment")}),
        ("promise", {("promise", "promise"), ("arrangement", "arrangement")}),
        ("note", {("interaction", "call")}),
        ("refusal", {("refusal", "refusal"), ("message", "held")}),
        ("plan", {("plan", "plan")}),
    ],
)
def test_each_kind_shows_only_its_entries(floor: Floor, kind: str, expected: set[tuple[str, str]]) -> None:
    ids = _history(floor)
    items = case_timeline(floor.uow, floor.viewer("alice"), floor.cases[0].id, locale="en", kinds=[kind])
    assert _shown(items) == {(k, ids[name]) for k, name in expected}


def test_several_kinds_show_every_entry_of_any_of_them_newest_first(floor: Floor) -> None:
    ids = _history(floor)
    items = case_timeline(
        floor.uow, floor.viewer("alice"), floor.cases[0].id, locale="en", kinds=["payment", "plan"]
    )
    assert [(item.kind, item.ref_id) for item in items] == [
        ("plan", ids["plan"]),
        ("payment", ids["payment"]),
    ]


def test_no_kind_or_an_unknown_one_shows_everything(floor: Floor) -> None:
    _history(floor)
    viewer, case_id = floor.viewer("alice"), floor.cases[0].id
    every = case_timeline(floor.uow, viewer, case_id, locale="en")
    assert len(every) == 11
    assert case_timeline(floor.uow, viewer, case_id, locale="en", kinds=["gossip"]) == every


def test_the_search_finds_a_note_whatever_its_case(floor: Floor) -> None:
    ids = _history(floor)
    items = case_timeline(floor.uow, floor.viewer("alice"), floor.cases[0].id, locale="en", q="  salary ")
    assert _shown(items) == {("interaction", ids["call"])}


def test_the_search_finds_a_rule_in_the_readers_language_and_combines_with_the_kinds(floor: Floor) -> None:
    ids = _history(floor)
    viewer, case_id = floor.viewer("alice"), floor.cases[0].id
    assert _shown(case_timeline(floor.uow, viewer, case_id, locale="en", q="contact HOURS")) == {
        ("refusal", ids["refusal"])
    }
    assert _shown(case_timeline(floor.uow, viewer, case_id, locale="zh_CN", q="联系时段")) == {
        ("refusal", ids["refusal"])
    }
    assert case_timeline(floor.uow, viewer, case_id, locale="en", kinds=["call"], q="contact hours") == ()


def test_the_search_finds_who_and_a_reason(floor: Floor) -> None:
    ids = _history(floor)
    viewer, case_id = floor.viewer("alice"), floor.cases[0].id
    by_debtor = _shown(case_timeline(floor.uow, viewer, case_id, locale="en", q="the debtor"))
    assert by_debtor == {("interaction", ids["inbound"]), ("payment", ids["payment"])}
    assert _shown(case_timeline(floor.uow, viewer, case_id, locale="en", q="lost her job")) == {
        ("arrangement", ids["arrangement"])
    }


def test_a_gate_refusal_says_who_tried_what_and_under_which_rule(floor: Floor) -> None:
    _history(floor)
    viewer, case_id = floor.viewer("alice"), floor.cases[0].id
    (en,) = case_timeline(floor.uow, viewer, case_id, locale="en", kinds=["refusal"], q="call")
    assert (en.label, en.by, en.reason) == ("Call refused by the gate", "alice", "Contact hours")
    assert en.at >= MORNING  # kept when it was refused, not when the call was meant to be
    (zh,) = case_timeline(floor.uow, viewer, case_id, locale="zh_CN", kinds=["refusal"], q="电话")
    assert (zh.label, zh.reason) == ("电话被合规拦截", "联系时段")


def test_every_entry_says_who_and_the_reason_where_one_applies(floor: Floor) -> None:
    ids = _history(floor)
    items = {
        (item.kind, item.ref_id): item
        for item in case_timeline(floor.uow, floor.viewer("alice"), floor.cases[0].id, locale="en")
    }
    assert all(item.by for item in items.values())
    assert items["interaction", ids["call"]].by == "alice"
    assert items["interaction", ids["call"]].note == "Says the Salary comes on Friday"
    assert items["interaction", ids["inbound"]].by == "the debtor"
    assert items["payment", ids["payment"]].by == "the debtor"
    assert items["message", ids["sms"]].by == "system"
    assert items["plan", ids["plan"]].by == "the planner" and "for alice" in items["plan", ids["plan"]].detail
    assert items["message", ids["held"]].reason == "a cease request or dispute came after it was queued"
    assert items["arrangement", ids["arrangement"]].reason == "lost her job in October"
    zh = case_timeline(floor.uow, floor.viewer("alice"), floor.cases[0].id, locale="zh_CN", kinds=["payment"])
    assert zh[0].by == "债务人"


def test_the_counts_are_over_the_whole_case_whatever_is_chosen(floor: Floor) -> None:
    _history(floor)
    view = timeline_view(
        floor.uow,
        floor.viewer("alice"),
        floor.cases[0].id,
        locale="en",
        kinds=["payment"],
        q="nothing like it",
    )
    assert view.items == () and view.total == 11 and view.kinds == ("payment",)
    assert view.counts == {
        "call": 3,
        "message": 3,
        "payment": 1,
        "promise": 2,
        "note": 1,
        "refusal": 2,
        "plan": 1,
    }
    assert tuple(view.counts) == FILTERS


# --- the panel ---------------------------------------------------------------------------------------


@pytest.fixture
def app(floor: Floor, db_env: str):  # the floor is committed before the app opens its own sessions
    from huikuan.web.app import create_app

    return create_app(db_env)


def test_the_panel_filters_by_kind_and_search_and_counts_every_kind(app, floor: Floor) -> None:
    from tests.support.web import login_client

    ids = _history(floor)
    client = login_client(app, "alice", locale="en")
    url = f"/cases/{floor.cases[0].id}/panels/timeline"
    panel = client.get(url, params={"kind": ["call", "payment"], "q": "DEBTOR"}).text
    assert f'data-testid="event-interaction-{ids["inbound"]}"' in panel
    assert f'data-testid="event-payment-{ids["payment"]}"' in panel
    assert f'data-testid="event-interaction-{ids["call"]}"' not in panel
    assert 'value="call" checked' in panel and 'value="message">' in panel
    assert "Calls (3)" in panel and "Gate refusals (2)" in panel and "2 of 11 entries" in panel
    assert 'value="DEBTOR"' in panel
    assert 'hx-get="' + url + '"' in panel and 'hx-select="#timeline-entries"' in panel

    everything = client.get(url).text
    assert everything.count('<tr data-testid="event-') == 11 and "11 of 11 entries" in everything
    nothing = client.get(url, params={"q": "no such text"}).text
    assert "No entry matches these filters" in nothing


def test_the_panel_reads_in_chinese(app, floor: Floor) -> None:
    from tests.support.web import login_client

    _history(floor)
    panel = login_client(app, "alice", locale="zh_CN").get(f"/cases/{floor.cases[0].id}/panels/timeline").text
    assert "电话与外访（3）" in panel and "合规拦截（2）" in panel and "规则或原因" in panel
    assert "联系时段" in panel and "债务人" in panel and "显示 11 条，共 11 条" in panel
