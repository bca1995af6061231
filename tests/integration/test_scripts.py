"""Scripts by stage, segment and language: the shipped defaults, a supervisor's own, and who may edit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from tests.support.floor import Floor

from huikuan.errors import Forbidden, InvalidInput
from huikuan.services.scripts import (
    case_script,
    default_script,
    list_scripts,
    reset_script,
    save_script,
    script_for,
)
from huikuan.storage import tables as t

CHOICES = [("我还不起", "我理解，您每个月能还多少？"), ("", "")]


def test_every_stage_ships_an_opening_and_six_objection_answers_in_both_languages() -> None:
    for locale in ("zh_CN", "en"):
        for stage in ("new", "contacting", "promised", "arrangement", "dispute", "hold", "closed"):
            script = default_script(stage, locale)
            assert "{creditor}" in script.opening and "{collector}" in script.opening
            assert len(script.objections) == 6 and script.source == "default"
    said = [o.objection for o in default_script("new", "en").objections]
    assert said == [
        "I can't pay",
        "It's not my debt",
        "Stop calling me",
        "I already paid",
        "Call me later",
        "I'm in hardship",
    ]


def test_the_shipped_answer_to_not_my_debt_stops_collection_and_records_a_dispute() -> None:
    answer = default_script("new", "zh_CN").objections[1].answer
    assert "不会再就这笔欠款向您催收" in answer and "对债务有异议" in answer


def test_a_case_gets_its_stage_script_in_the_viewers_language_with_the_names_filled(floor: Floor) -> None:
    script = case_script(floor.uow, floor.viewer("alice"), floor.cases[0].id)
    assert script.stage == "new" and script.locale == "zh_CN" and script.source == "default"
    assert "受某银行委托" in script.opening and "{" not in script.opening
    assert "alice" in script.opening  # the collector's display name


def test_a_creditors_viewer_reads_the_script_with_the_cases_collector_never_its_own_name(
    floor: Floor,
) -> None:
    vic = floor.viewer("vic")
    assigned = case_script(floor.uow, vic, floor.cases[0].id)  # alice's case
    assert "alice" in assigned.opening and "vic" not in assigned.opening
    pool = case_script(floor.uow, vic, floor.cases[2].id)  # nobody's yet
    assert "【催收员】" in pool.opening and "vic" not in pool.opening and "{" not in pool.opening


def test_a_segments_script_wins_over_any_segments_which_wins_over_the_default(floor: Floor) -> None:
    sue = floor.viewer("sue")
    save_script(
        floor.uow, sue, stage="contacting", locale="zh_CN", opening="通用：{collector}", objections=[]
    )
    save_script(
        floor.uow,
        sue,
        stage="contacting",
        segment="able_unwilling",
        locale="zh_CN",
        opening="有能力无意愿：{creditor}",
        objections=CHOICES,
    )
    assert (
        script_for(floor.uow, "contacting", "able_unwilling", "zh_CN").opening == "有能力无意愿：{creditor}"
    )
    fallback = script_for(floor.uow, "contacting", "unable_willing", "zh_CN")
    assert (fallback.opening, fallback.source, fallback.updated_by) == ("通用：{collector}", "custom", "sue")
    assert script_for(floor.uow, "contacting", None, "en").source == "default"
    assert script_for(floor.uow, "promised", "able_unwilling", "zh_CN").source == "default"
    custom = script_for(floor.uow, "contacting", "able_unwilling", "zh_CN")
    assert [(o.objection, o.answer) for o in custom.objections] == [CHOICES[0]]  # the empty pair dropped


def test_the_case_page_uses_the_cases_segment(floor: Floor) -> None:
    save_script(
        floor.uow,
        floor.viewer("sue"),
        stage="new",
        segment="unable_willing",
        locale="zh_CN",
        opening="您好，我是{collector}。",
        objections=[],
    )
    floor.uow.session.execute(
        update(t.cases).where(t.cases.c.id == floor.cases[0].id).values(segment="unable_willing")
    )
    floor.uow.commit()
    assert case_script(floor.uow, floor.viewer("alice"), floor.cases[0].id).opening == "您好，我是alice。"


def test_saving_again_replaces_and_a_reset_goes_back_to_the_default(floor: Floor) -> None:
    sue = floor.viewer("sue")
    save_script(floor.uow, sue, stage="new", locale="en", opening="One {collector}", objections=[])
    save_script(floor.uow, sue, stage="new", locale="en", opening="Two {collector}", objections=[])
    assert script_for(floor.uow, "new", "", "en").opening == "Two {collector}"
    assert len(floor.uow.session.execute(select(t.scripts)).all()) == 1
    assert reset_script(floor.uow, sue, stage="new", locale="en")
    assert script_for(floor.uow, "new", "", "en").source == "default"
    actions = floor.uow.session.execute(select(t.audit_events.c.action).order_by(t.audit_events.c.id))
    assert actions.scalars().all() == ["script.saved", "script.saved", "script.reset"]


def test_the_list_has_every_stage_once_per_language_and_each_segments_own(floor: Floor) -> None:
    save_script(
        floor.uow,
        floor.viewer("sue"),
        stage="new",
        segment="able_willing",
        locale="en",
        opening="Hi {collector}",
        objections=[],
    )
    scripts = list_scripts(floor.uow, "en")
    assert [(s.stage, s.segment) for s in scripts][:3] == [
        ("new", ""),
        ("new", "able_willing"),
        ("contacting", ""),
    ]
    assert len(scripts) == 8 and {s.locale for s in scripts} == {"en"}
    assert len(list_scripts(floor.uow)) == 15


@pytest.mark.parametrize("who", ["alice", "vic"])
def test_only_a_supervisor_edits_scripts(floor: Floor, who: str) -> None:
    with pytest.raises(Forbidden):
        save_script(floor.uow, floor.viewer(who), stage="new", locale="en", opening="x", objections=[])
    with pytest.raises(Forbidden):
        reset_script(floor.uow, floor.viewer(who), stage="new", locale="en")
    assert floor.uow.session.execute(select(t.scripts)).all() == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stage": "limbo"}, "stage: limbo is not one of new"),
        ({"segment": "rich"}, "segment: rich is not one of able_willing"),
        ({"locale": "fr"}, "language: fr is not one of zh_CN, en"),
        ({"opening": "  "}, "a script needs an opening"),
        (
            {"opening": "您好，{debtor}"},
            "opening: {debtor} is not a placeholder; use {creditor} or {collector}",
        ),
        ({"opening": "x" * 4001}, "opening: at most 4000 characters"),
        ({"objections": [("我还不起", "")]}, "each objection needs its answer"),
        ({"objections": [("好", "{amount}")]}, "answer: {amount} is not a placeholder"),
        ({"objections": [("a", "b")] * 21}, "objections: at most 20"),
    ],
)
def test_a_bad_script_is_refused_and_changes_nothing(
    floor: Floor, changes: dict[str, Any], message: str
) -> None:
    given: dict[str, Any] = {"stage": "new", "locale": "zh_CN", "opening": "您好", "objections": []} | changes
    with pytest.raises(InvalidInput) as bad:
        save_script(floor.uow, floor.viewer("sue"), **given)
    assert message in str(bad.value) and bad.value.translated("zh_CN") != str(bad.value)
    assert floor.uow.session.execute(select(t.scripts)).all() == []


def test_asking_for_an_unknown_stage_is_a_clear_error(floor: Floor) -> None:
    with pytest.raises(InvalidInput, match="stage: limbo is not one of"):
        script_for(floor.uow, "limbo", None, "en")
