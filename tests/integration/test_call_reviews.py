"""Quality review of calls: each week's sample per collector (two at random, two for their risk, all of
them for a collector with fewer; drawn once), the score of a call against its creditor's checklist
(audited; versions keep what old reviews were scored on), who may see and score what, and the pages and
API that show it (docs/quality-review.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select
from tests.support.factories import cli
from tests.support.floor import Floor, us_case
from tests.support.quality import (
    MONDAY,
    SAMPLED_AT,
    WEEK,
    add_call,
    add_cease,
    add_complaint,
    add_dispute,
    week_calls,
)
from tests.support.web import api_client, login_client

from huikuan.domain.call_review import ChecklistItem, Pick
from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.services.anonymise import anonymise
from huikuan.services.call_review_sample import sample_week
from huikuan.services.call_reviews import ScoreReview, get_review, score_review, score_trends, week_sample
from huikuan.services.jobs import run_due
from huikuan.services.review_checklists import SaveChecklist, checklist_for, save_checklist
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.storage.call_samples import write_picks
from huikuan.web.app import create_app

ALL_YES = {
    "identified": "yes",
    "right_party": "yes",
    "no_threats": "yes",
    "offered_plan": "yes",
    "respected_stop": "yes",
}


def _sampled(floor: Floor) -> dict[int, tuple[int, str, list[str]]]:
    r = t.call_reviews.c
    rows = floor.uow.session.execute(select(r.call_id, r.user_id, r.reason, r.risk_reasons, r.week))
    return {int(x.call_id): (int(x.user_id), str(x.reason), list(x.risk_reasons)) for x in rows}


def _review_of(floor: Floor, call_id: int) -> int:
    r = t.call_reviews.c
    return int(floor.uow.session.execute(select(r.id).where(r.call_id == call_id)).scalar_one())


def _admin(floor: Floor) -> None:
    floor.users["ada"] = add_user(floor.uow, "ada", "floor-password", role="admin").id or 0
    floor.uow.commit()


# --- the weekly sample -------------------------------------------------------------------------------


def test_each_collector_gets_two_random_and_two_risky_answered_calls_of_the_week(floor: Floor) -> None:
    alice, bob = floor.users["alice"], floor.users["bob"]
    case_a, case_b = floor.cases[0], floor.cases[1]
    plain = week_calls(floor.uow, case_a, alice, 8)
    complained = add_call(floor.uow, floor.cases[2], alice, MONDAY + timedelta(days=2))
    add_complaint(floor.uow, floor.cases[2], MONDAY + timedelta(days=2, hours=1))
    long_call = add_call(floor.uow, case_a, alice, MONDAY + timedelta(days=3), talk_seconds=20 * 60)
    unanswered = [
        add_call(floor.uow, case_a, alice, MONDAY + timedelta(days=4, hours=k), answered=False)
        for k in range(3)
    ]
    next_week = add_call(floor.uow, case_a, alice, MONDAY + timedelta(days=8))
    bobs = week_calls(floor.uow, case_b, bob, 3)
    floor.uow.commit()

    added = sample_week(floor.uow, WEEK, now=SAMPLED_AT)
    floor.uow.commit()

    sampled = _sampled(floor)
    assert added == 7 and len(sampled) == 7
    alices = {call: v for call, v in sampled.items() if v[0] == alice}
    assert sorted(v[1] for v in alices.values()) == ["random", "random", "risk", "risk"]
    assert alices[complained][1:] == ("risk", ["complaint"])
    assert alices[long_call][1:] == ("risk", ["long_call"])
    assert not set(alices) & {*unanswered, next_week}
    assert all(call in plain for call, v in alices.items() if v[1] == "random")
    # bob made three calls: all three are reviewed, none of them risky (a random slot takes the risk's).
    assert {call for call, v in sampled.items() if v[0] == bob} == set(bobs)


def test_drawing_the_same_week_again_adds_nothing(floor: Floor) -> None:
    week_calls(floor.uow, floor.cases[0], floor.users["alice"], 10)
    floor.uow.commit()
    assert sample_week(floor.uow, WEEK, now=SAMPLED_AT) == 4
    floor.uow.commit()
    first = _sampled(floor)
    week_calls(floor.uow, floor.cases[0], floor.users["alice"], 5, first=30)  # a call record come late
    floor.uow.commit()
    assert sample_week(floor.uow, WEEK, now=SAMPLED_AT + timedelta(days=1)) == 0
    assert _sampled(floor) == first


def test_a_complaint_or_dispute_before_the_call_is_no_risk_of_it_but_one_after_is(floor: Floor) -> None:
    case, alice = floor.cases[0], floor.users["alice"]
    add_complaint(floor.uow, case, MONDAY - timedelta(days=1))
    add_dispute(floor.uow, case, MONDAY - timedelta(days=1))
    quiet = add_call(floor.uow, case, alice, MONDAY)
    floor.uow.commit()
    sample_week(floor.uow, WEEK, now=SAMPLED_AT)
    assert _sampled(floor)[quiet] == (alice, "random", [])


def test_a_refusal_on_the_call_or_a_request_to_stop_after_it_makes_the_call_risky(floor: Floor) -> None:
    alice, bob = floor.users["alice"], floor.users["bob"]
    refused = add_call(floor.uow, floor.cases[0], alice, MONDAY, outcome="refuses")
    stopped = add_call(floor.uow, floor.cases[1], bob, MONDAY)
    add_cease(floor.uow, floor.cases[1], MONDAY + timedelta(hours=2))
    add_dispute(floor.uow, floor.cases[1], MONDAY + timedelta(hours=3))
    floor.uow.commit()
    sample_week(floor.uow, WEEK, now=SAMPLED_AT)
    sampled = _sampled(floor)
    assert sampled[refused] == (alice, "risk", ["refusal"])
    assert sampled[stopped] == (bob, "risk", ["dispute", "opt_out"])


def test_the_job_samples_last_week_and_is_known_to_the_scheduler(
    floor: Floor, engine: Engine, db_env: str
) -> None:
    week_calls(floor.uow, floor.cases[0], floor.users["alice"], 6)
    floor.uow.commit()
    done = run_due(engine, now=SAMPLED_AT, only="call-review-sample")
    assert done == {"call-review-sample": {"sampled": 4}}
    again = run_due(engine, now=SAMPLED_AT + timedelta(hours=1), only="call-review-sample")
    assert again == {"call-review-sample": {"sampled": 0}}
    r = t.call_reviews.c
    assert floor.uow.session.execute(select(func.count()).where(r.week == WEEK)).scalar_one() == 4


def test_a_week_is_sampled_from_the_command_line_too(floor: Floor, db_env: str) -> None:
    week_calls(floor.uow, floor.cases[0], floor.users["alice"], 6)
    floor.uow.commit()
    assert cli("calls", "review-sample", "--week", "2026-W99").exit_code == 2
    done = cli("calls", "review-sample", "--week", WEEK)
    assert done.exit_code == 0 and f"4 calls sampled for {WEEK}" in done.output
    again = cli("calls", "review-sample", "--week", WEEK)
    assert f"0 calls sampled for {WEEK}" in again.output


# --- scoring -----------------------------------------------------------------------------------------


@pytest.fixture
def sampled(floor: Floor) -> dict[str, int]:
    """One sampled call each of alice (team 一组, BANK) and carol (team 二组, SHOP): their review ids."""
    other = floor.other_creditor_case
    assert other is not None
    alice = add_call(floor.uow, floor.cases[0], floor.users["alice"], MONDAY)
    carol = add_call(floor.uow, other, floor.users["carol"], MONDAY)
    floor.uow.commit()
    sample_week(floor.uow, WEEK, now=SAMPLED_AT)
    floor.uow.commit()
    return {"alice": _review_of(floor, alice), "carol": _review_of(floor, carol)}


def test_a_supervisor_scores_a_call_against_the_default_checklist_and_it_is_audited(
    floor: Floor, sampled: dict[str, int]
) -> None:
    sue = floor.viewer("sue")
    answers = {**ALL_YES, "offered_plan": "na", "right_party": "no"}
    review = score_review(
        floor.uow, sue, ScoreReview(sampled["alice"], answers, " rushed the ID check "), now=SAMPLED_AT
    )
    # weights: identified 2, right_party 3, no_threats 3, respected_stop 3 (offered_plan not applicable)
    assert review.score == (2 + 3 + 3) * 100 // 11 == 72
    assert review.comment == "rushed the ID check" and review.reviewer == "sue"
    assert [i["answer"] for i in review.items] == ["yes", "no", "yes", "na", "yes"]
    e = t.audit_events.c
    audited = floor.uow.session.execute(
        select(e.user_id, e.entity, e.detail).where(e.action == "call_review.scored")
    ).one()
    assert (audited.user_id, audited.entity, audited.detail["score"]) == (sue.user_id, "call", 72)


def test_every_item_must_be_answered_yes_no_or_na(floor: Floor, sampled: dict[str, int]) -> None:
    sue = floor.viewer("sue")
    with pytest.raises(InvalidInput):
        score_review(floor.uow, sue, ScoreReview(sampled["alice"], {"identified": "yes"}))
    with pytest.raises(InvalidInput):
        score_review(floor.uow, sue, ScoreReview(sampled["alice"], {**ALL_YES, "identified": "maybe"}))
    with pytest.raises(InvalidInput):
        score_review(floor.uow, sue, ScoreReview(sampled["alice"], {**ALL_YES, "invented": "yes"}))


def test_another_teams_call_is_not_found_and_collectors_and_viewers_may_not_score(
    floor: Floor, sampled: dict[str, int]
) -> None:
    with pytest.raises(NotFound):
        score_review(floor.uow, floor.viewer("sue"), ScoreReview(sampled["carol"], ALL_YES))
    for who in ("bob", "alice", "vic"):
        with pytest.raises(Forbidden):
            score_review(floor.uow, floor.viewer(who), ScoreReview(sampled["alice"], ALL_YES))
    reviews, paging, counts = week_sample(floor.uow, floor.viewer("sue"), WEEK)
    assert [r.id for r in reviews] == [sampled["alice"]] and (paging.total, counts.sampled) == (1, 1)
    with pytest.raises(Forbidden):
        week_sample(floor.uow, floor.viewer("vic"), WEEK)
    _admin(floor)
    ada_sees, _paging, ada_counts = week_sample(floor.uow, floor.viewer("ada"), WEEK)
    assert {r.id for r in ada_sees} == set(sampled.values()) and ada_counts.sampled == 2


def test_a_collector_sees_only_its_own_scored_calls(floor: Floor, sampled: dict[str, int]) -> None:
    with pytest.raises(NotFound):
        get_review(floor.uow, floor.viewer("alice"), sampled["alice"])  # not scored yet
    score_review(floor.uow, floor.viewer("sue"), ScoreReview(sampled["alice"], ALL_YES))
    assert get_review(floor.uow, floor.viewer("alice"), sampled["alice"]).score == 100
    with pytest.raises(NotFound):
        get_review(floor.uow, floor.viewer("bob"), sampled["alice"])


def test_a_new_checklist_version_leaves_the_calls_scored_before_as_they_were(
    floor: Floor, sampled: dict[str, int]
) -> None:
    _admin(floor)
    second = add_call(floor.uow, floor.cases[1], floor.users["bob"], MONDAY)
    floor.uow.commit()
    sample_week(floor.uow, "2026-W47", now=SAMPLED_AT)  # bob had no sample yet
    floor.uow.commit()
    score_review(floor.uow, floor.viewer("sue"), ScoreReview(sampled["alice"], ALL_YES))
    bank = floor.uow.session.execute(
        select(t.creditors.c.id).where(t.creditors.c.code == "BANK")
    ).scalar_one()
    items = (
        ChecklistItem("greeting", "问候", "Greeted", 1),
        ChecklistItem("no_threats", "无威胁", "No threats", 4),
    )
    assert save_checklist(floor.uow, floor.viewer("ada"), SaveChecklist(bank, "cn", items)) == 1
    with pytest.raises(Forbidden):
        save_checklist(floor.uow, floor.viewer("sue"), SaveChecklist(bank, "cn", items))
    assert checklist_for(floor.uow, bank, "cn").version == 1
    old = get_review(floor.uow, floor.viewer("sue"), sampled["alice"])
    assert [i["code"] for i in old.items][:2] == ["identified", "right_party"] and old.score == 100
    new = get_review(floor.uow, floor.viewer("sue"), _review_of(floor, second))
    assert [i["code"] for i in new.items] == ["greeting", "no_threats"]
    scored = score_review(
        floor.uow, floor.viewer("sue"), ScoreReview(new.id, {"greeting": "no", "no_threats": "yes"})
    )
    assert scored.score == 80
    again = score_review(
        floor.uow, floor.viewer("sue"), ScoreReview(sampled["alice"], {**ALL_YES, "identified": "no"})
    )
    assert [i["code"] for i in again.items][0] == "identified"  # still the items it was first scored on


def test_us_reg_f_calls_are_checked_for_the_recording_announced(floor: Floor) -> None:
    us = us_case(floor)
    usb = floor.uow.session.execute(select(t.creditors.c.id).where(t.creditors.c.code == "USB")).scalar_one()
    floor.uow.commit()
    assert [i.code for i in checklist_for(floor.uow, usb, "us-reg-f").items][-1] == "announced_recording"
    bank = floor.uow.session.execute(
        select(t.creditors.c.id).where(t.creditors.c.code == "BANK")
    ).scalar_one()
    assert "announced_recording" not in [i.code for i in checklist_for(floor.uow, bank, "cn").items]
    call = add_call(floor.uow, us, floor.users["alice"], MONDAY)
    floor.uow.commit()
    sample_week(floor.uow, WEEK, now=SAMPLED_AT)
    review = get_review(floor.uow, floor.viewer("sue"), _review_of(floor, call))
    assert review.items[-1]["code"] == "announced_recording"


def test_the_trend_is_the_average_score_per_collector_per_week(floor: Floor, sampled: dict[str, int]) -> None:
    sue = floor.viewer("sue")
    extra = add_call(floor.uow, floor.cases[0], floor.users["alice"], MONDAY + timedelta(hours=1))
    floor.uow.commit()
    # a second call of alice's under review that week (as a re-run would never add it)
    write_picks(
        floor.uow.session.connection(), WEEK, [Pick(extra, floor.users["alice"], "random", ())], SAMPLED_AT
    )
    floor.uow.commit()
    score_review(floor.uow, sue, ScoreReview(sampled["alice"], ALL_YES))
    score_review(floor.uow, sue, ScoreReview(_review_of(floor, extra), {**ALL_YES, "identified": "no"}))
    trend = score_trends(floor.uow, sue, WEEK, weeks=2)
    assert trend.weeks == ["2026-W46", WEEK]
    assert [(name, {w: (str(a), n) for w, (a, n) in cells.items()}) for name, cells in trend.rows] == [
        ("alice", {WEEK: ("91.5", 2)})  # 100 and 83 (10 of 12)
    ]


# --- the pages and the API ---------------------------------------------------------------------------


@pytest.fixture
def app(floor: Floor, db_env: str) -> FastAPI:
    return create_app(db_env)


@pytest.mark.parametrize(
    ("locale", "title", "counts"), [("en", "Call reviews", "Sampled: 1"), ("zh_CN", "通话质检", "抽检：1")]
)
def test_the_review_page_shows_the_weeks_sample_with_its_links_and_form(
    app: FastAPI, floor: Floor, sampled: dict[str, int], locale: str, title: str, counts: str
) -> None:
    page = login_client(app, "sue", locale=locale).get("/reviews", params={"week": WEEK})
    assert page.status_code == 200
    assert title in page.text and counts in page.text
    review = sampled["alice"]
    assert f'data-testid="review-form-{review}"' in page.text
    assert f'data-testid="review-{sampled["carol"]}"' not in page.text  # another team's
    call = get_review(floor.uow, floor.viewer("sue"), review).call_id
    assert f'href="/calls/{call}/recording" data-testid="review-recording-{review}"' in page.text
    assert 'href="/cases/' in page.text and "+86138" not in page.text


def test_scoring_from_the_page_saves_and_returns_to_the_week(
    app: FastAPI, floor: Floor, sampled: dict[str, int]
) -> None:
    client = login_client(app, "sue")
    client.refresh_csrf(f"/reviews?week={WEEK}")
    form = {f"item-{k}": v for k, v in ALL_YES.items()} | {"comment": "good call", "week": WEEK, "page": "1"}
    saved = client.post(f"/reviews/{sampled['alice']}", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].startswith(f"/reviews?week={WEEK}")
    assert "Score: 100" in client.get(saved.headers["location"]).text
    refused = client.post(f"/reviews/{sampled['alice']}", data={"item-identified": "yes", "week": WEEK})
    assert refused.status_code == 422 and 'data-testid="review-error"' in refused.text
    assert client.post(f"/reviews/{sampled['carol']}", data=form).status_code == 404


def test_the_collector_reads_its_scores_on_its_own_page_and_the_viewer_sees_nothing(
    app: FastAPI, floor: Floor, sampled: dict[str, int]
) -> None:
    score_review(floor.uow, floor.viewer("sue"), ScoreReview(sampled["alice"], ALL_YES, "clear and polite"))
    mine = login_client(app, "alice").get("/reports/me").text
    assert f'data-testid="me-review-{sampled["alice"]}"' in mine and "clear and polite" in mine
    assert "<form" not in mine.split('data-testid="me-reviews"')[1]
    assert "clear and polite" not in login_client(app, "bob").get("/reports/me").text
    vic = login_client(app, "vic")
    assert vic.get("/reviews").status_code == 403
    assert login_client(app, "alice").get("/reviews").status_code == 403


def test_the_dashboard_shows_the_average_score_per_collector_and_week(
    app: FastAPI, floor: Floor, sampled: dict[str, int]
) -> None:
    score_review(
        floor.uow, floor.viewer("sue"), ScoreReview(sampled["alice"], {**ALL_YES, "identified": "no"})
    )
    page = login_client(app, "sue").get("/reports", params={"from": "2026-11-01", "to": "2026-11-22"}).text
    panel = page.split('data-testid="reports-reviews"')[1]
    assert WEEK in panel and "alice" in panel and "83.0" in panel  # 10 of 12


def test_the_api_lists_the_week_and_scores_a_call(app: FastAPI, sampled: dict[str, int]) -> None:
    api = api_client(app, "sue")
    listed = api.get("/api/v1/reviews", params={"week": WEEK})
    assert listed.status_code == 200
    body = listed.json()
    assert body["counts"] == {"sampled": 1, "reviewed": 0, "awaiting": 1} and body["paging"]["total"] == 1
    (row,) = body["reviews"]
    assert row["id"] == sampled["alice"] and row["recording_url"] == f"/calls/{row['call_id']}/recording"
    assert [i["code"] for i in row["items"]][0] == "identified"
    scored = api.post(f"/api/v1/reviews/{sampled['alice']}", json={"answers": ALL_YES, "comment": "ok"})
    assert scored.status_code == 200 and scored.json()["score"] == 100
    assert api.post(f"/api/v1/reviews/{sampled['carol']}", json={"answers": ALL_YES}).status_code == 404
    assert api.get("/api/v1/reviews", params={"week": "2026-W99"}).status_code == 422
    assert api_client(app, "vic").get("/api/v1/reviews").status_code == 403


def test_an_administrator_edits_the_checklist_and_a_supervisor_only_reads_it(
    app: FastAPI, floor: Floor
) -> None:
    _admin(floor)
    bank = floor.uow.session.execute(
        select(t.creditors.c.id).where(t.creditors.c.code == "BANK")
    ).scalar_one()
    sue = login_client(app, "sue").get(f"/admin/creditors/{bank}/checklist").text
    assert "Verified the right party before disclosing" in sue and 'data-testid="checklist-form"' not in sue
    ada = login_client(app, "ada")
    ada.refresh_csrf(f"/admin/creditors/{bank}/checklist")
    bad = ada.post(
        f"/admin/creditors/{bank}/checklist", data={"pack": "cn", "items": "Bad Code | 1 | 甲 | A"}
    )
    assert bad.status_code == 422 and 'data-testid="checklist-error"' in bad.text
    text = "greeting | 1 | 问候 | Greeted\nno_threats | 3 | 无威胁 | No threats"
    saved = ada.post(f"/admin/creditors/{bank}/checklist", data={"pack": "cn", "items": text})
    assert saved.status_code == 200 and "version 1" in saved.text and "Greeted" in saved.text
    zh = login_client(app, "ada", locale="zh_CN").get(f"/admin/creditors/{bank}/checklist").text
    assert "问候" in zh and "质检清单" in zh


def test_anonymising_the_debtor_erases_the_reviewers_comment_and_keeps_the_score(
    floor: Floor, sampled: dict[str, int]
) -> None:
    score_review(floor.uow, floor.viewer("sue"), ScoreReview(sampled["alice"], ALL_YES, "张先生 was upset"))
    anonymise(floor.uow, [floor.cases[0].debtor_id], SAMPLED_AT, trigger="test")
    floor.uow.commit()
    r = t.call_reviews.c
    kept = floor.uow.session.execute(select(r.comment, r.score).where(r.id == sampled["alice"])).one()
    assert (kept.comment, kept.score) == ("", 100)


def test_the_api_pages_the_sample_with_its_true_counts(
    app: FastAPI, floor: Floor, sampled: dict[str, int]
) -> None:
    _admin(floor)
    score_review(floor.uow, floor.viewer("ada"), ScoreReview(sampled["carol"], ALL_YES))
    body = (
        api_client(app, "ada").get("/api/v1/reviews", params={"week": WEEK, "per_page": 1, "page": 2}).json()
    )
    assert body["counts"] == {"sampled": 2, "reviewed": 1, "awaiting": 1}
    assert (body["paging"]["total"], body["paging"]["pages"]) == (2, 2)
    assert [r["id"] for r in body["reviews"]] == [sampled["carol"]]  # those awaiting a score come first


def test_no_one_scores_their_own_call(floor: Floor) -> None:
    call = add_call(floor.uow, floor.cases[0], floor.users["sue"], MONDAY)  # the supervisor took a call
    floor.uow.commit()
    sample_week(floor.uow, WEEK, now=SAMPLED_AT)
    with pytest.raises(Forbidden):
        score_review(floor.uow, floor.viewer("sue"), ScoreReview(_review_of(floor, call), ALL_YES))
