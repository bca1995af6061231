"""Quality review of calls, the use cases (docs/quality-review.md): the week's sample under review for a
supervisor's team, scoring a call against its checklist (audited), a collector's own reviews, and the
average score per collector per week that the dashboards show.

Who sees what: an administrator every review of the creditors it serves; a supervisor those of the
creditors it serves and, when it leads a team, of its team's collectors only (another team's review is
not found); a collector its own reviews once scored, read-only; a creditor's viewer nothing of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import aliased

from huikuan.domain.call_review import ANSWERS, ChecklistItem, previous_week, score, week_monday, weeks_back
from huikuan.domain.enums import Role
from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.services.access import Viewer, creditor_scope, require_supervisor
from huikuan.services.clock import floor_today
from huikuan.services.paging import Paging, paging
from huikuan.services.review_checklists import Checklist, checklist_for
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

PER_PAGE = 25
MOST_PER_PAGE = 200
COMMENT_CHARS = 2000
TREND_WEEKS = 8


@dataclass(frozen=True)
class ScoreReview:
    """A reviewer's score of one sampled call: each item's answer (yes, no, na) and a comment."""

    review_id: int
    answers: Mapping[str, str]
    comment: str = ""


@dataclass
class Review:
    """One sampled call as the review page and the API show it."""

    id: int
    call_id: int
    case_id: int
    week: str
    reason: str
    risk_reasons: list[str]
    collector: str
    user_id: int
    started_at: datetime | None
    talk_seconds: int
    has_recording: bool
    score: int | None
    comment: str
    reviewed_at: datetime | None
    reviewer: str | None
    items: list[dict[str, Any]] = field(default_factory=list)  # code, zh, en, weight, answer (or None)

    @property
    def recording_url(self) -> str:
        return f"/calls/{self.call_id}/recording"

    def to_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "id": self.id,
            "call_id": self.call_id,
            "case_id": self.case_id,
            "week": self.week,
            "reason": self.reason,
            "risk_reasons": self.risk_reasons,
            "collector": self.collector,
            "user_id": self.user_id,
            "started_at": iso(self.started_at),
            "talk_seconds": self.talk_seconds,
            "recording_url": self.recording_url if self.has_recording else None,
            "score": self.score,
            "comment": self.comment,
            "reviewed_at": iso(self.reviewed_at),
            "reviewer": self.reviewer,
            "items": self.items,
        }


@dataclass(frozen=True)
class WeekCounts:
    sampled: int
    reviewed: int

    @property
    def awaiting(self) -> int:
        return self.sampled - self.reviewed


def parse_week(text: str | None) -> str:
    """The week asked for (2026-W49); blank: the last whole week of the floor, the one last sampled."""
    if not text:
        return previous_week(floor_today())
    try:
        week_monday(text)
    except ValueError:
        raise InvalidInput("{value} is not a week (YYYY-Www)", value=text) from None
    return text


def review_scope(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on call_reviews: the reviews the viewer may read (see the module's rules)."""
    r = t.call_reviews.c
    if viewer.role is Role.CREDITOR_VIEWER:
        raise Forbidden("Call reviews are the agency's own")
    if viewer.role is Role.COLLECTOR:
        return and_(r.user_id == viewer.user_id, r.reviewed_at.is_not(None))
    clause = creditor_scope(viewer, r.creditor_id)
    if viewer.role is Role.SUPERVISOR and viewer.team_id is not None:
        team = select(t.users.c.id).where(t.users.c.team_id == viewer.team_id)
        clause = and_(clause, r.user_id.in_(team))
    return clause


def _query(viewer: Viewer) -> Any:
    r, c, u = t.call_reviews.c, t.calls.c, t.users.c
    reviewer = aliased(t.users)
    return (
        select(
            r.id,
            r.call_id,
            r.case_id,
            r.creditor_id,
            r.week,
            r.reason,
            r.risk_reasons,
            r.user_id,
            u.display_name.label("collector"),
            c.started_at,
            c.talk_seconds,
            c.recording_key,
            c.recording_deleted_at,
            r.score,
            r.comment,
            r.reviewed_at,
            r.answers,
            reviewer.c.display_name.label("reviewer"),
            t.creditors.c.pack,
        )
        .join(t.calls, t.calls.c.id == r.call_id)
        .join(t.users, u.id == r.user_id)
        .join(t.creditors, t.creditors.c.id == r.creditor_id)
        .outerjoin(reviewer, reviewer.c.id == r.reviewer_id)
        .where(review_scope(viewer))
    )


def _review(row: Any, checklists: dict[tuple[int, str], Checklist], uow: UnitOfWork) -> Review:
    if row.answers is not None:
        items = [dict(a) for a in row.answers]
    else:
        key = (int(row.creditor_id), str(row.pack))
        if key not in checklists:
            checklists[key] = checklist_for(uow, *key)
        items = [{**i.to_dict(), "answer": None} for i in checklists[key].items]
    return Review(
        id=int(row.id),
        call_id=int(row.call_id),
        case_id=int(row.case_id),
        week=str(row.week),
        reason=str(row.reason),
        risk_reasons=list(row.risk_reasons or []),
        collector=str(row.collector),
        user_id=int(row.user_id),
        started_at=row.started_at,
        talk_seconds=int(row.talk_seconds or 0),
        has_recording=row.recording_key is not None and row.recording_deleted_at is None,
        score=row.score,
        comment=str(row.comment or ""),
        reviewed_at=row.reviewed_at,
        reviewer=row.reviewer,
        items=items,
    )


def week_sample(
    uow: UnitOfWork, viewer: Viewer, week: str, page: int = 1, per_page: int = PER_PAGE
) -> tuple[list[Review], Paging, WeekCounts]:
    """A page of the week's sample the viewer supervises (those awaiting a score first, then by
    collector and time), with the true counts sampled and reviewed."""
    require_supervisor(viewer)
    r = t.call_reviews.c
    base = _query(viewer).where(r.week == week)
    placed = paging(uow, base, page, per_page, most=MOST_PER_PAGE)
    counted = select(r.id, r.reviewed_at).where(review_scope(viewer), r.week == week).subquery()
    sampled, reviewed = uow.session.execute(
        select(func.count(), func.count(counted.c.reviewed_at)).select_from(counted)
    ).one()
    rows = uow.session.execute(
        base.order_by(r.reviewed_at.is_not(None), t.users.c.display_name, t.calls.c.started_at, r.id)
        .offset(placed.offset)
        .limit(placed.per_page)
    ).all()
    cache: dict[tuple[int, str], Checklist] = {}
    return [_review(row, cache, uow) for row in rows], placed, WeekCounts(int(sampled), int(reviewed))


def get_review(uow: UnitOfWork, viewer: Viewer, review_id: int) -> Review:
    """One review the viewer may read; NotFound otherwise."""
    row = uow.session.execute(_query(viewer).where(t.call_reviews.c.id == review_id)).one_or_none()
    if row is None:
        raise NotFound("There is no call review {id} that you may see", id=review_id)
    return _review(row, {}, uow)


def score_review(uow: UnitOfWork, viewer: Viewer, cmd: ScoreReview, *, now: datetime | None = None) -> Review:
    """Scores a sampled call: every item of its checklist answered yes, no or na, and a comment; audited;
    commits. A call scored again keeps the items it was first scored on."""
    require_supervisor(viewer)
    row = uow.session.execute(_query(viewer).where(t.call_reviews.c.id == cmd.review_id)).one_or_none()
    if row is None:
        raise NotFound("There is no call review {id} that you may see", id=cmd.review_id)
    if row.user_id == viewer.user_id:
        raise Forbidden("No one scores their own call")
    if len(cmd.comment) > COMMENT_CHARS:
        raise InvalidInput("A comment has at most {most} characters", most=COMMENT_CHARS)
    checklist_id: int | None
    if row.answers is not None:
        items = tuple(ChecklistItem.from_dict(a) for a in row.answers)
        checklist_id = uow.session.execute(
            select(t.call_reviews.c.checklist_id).where(t.call_reviews.c.id == cmd.review_id)
        ).scalar_one()
    else:
        checklist = checklist_for(uow, int(row.creditor_id), str(row.pack))
        items, checklist_id = checklist.items, checklist.id
    unknown = sorted(set(cmd.answers) - {i.code for i in items})
    if unknown:
        raise InvalidInput("{codes} is not an item of this call's checklist", codes=", ".join(unknown))
    for item in items:
        if cmd.answers.get(item.code) not in ANSWERS:
            raise InvalidInput("Answer every item: {code} is yes, no or na", code=item.code)
    at = (now or datetime.now(UTC)).astimezone(UTC)
    result = score(items, cmd.answers)
    answers = [{**i.to_dict(), "answer": cmd.answers[i.code]} for i in items]
    uow.session.execute(
        update(t.call_reviews)
        .where(t.call_reviews.c.id == cmd.review_id)
        .values(
            reviewer_id=viewer.user_id,
            checklist_id=checklist_id,
            answers=answers,
            score=result,
            comment=cmd.comment.strip(),
            reviewed_at=at,
        )
    )
    record(
        uow.session,
        at=at,
        user_id=viewer.user_id,
        action="call_review.rescored" if row.answers is not None else "call_review.scored",
        entity="call",
        entity_id=int(row.call_id),
        detail={"review": cmd.review_id, "score": result, "answers": dict(cmd.answers)},
    )
    uow.commit()
    return get_review(uow, viewer, cmd.review_id)


def my_reviews(uow: UnitOfWork, viewer: Viewer, limit: int = 20) -> list[Review]:
    """A collector's own scored calls, newest review first (read-only)."""
    if viewer.role is not Role.COLLECTOR:
        raise Forbidden("This page shows a collector's own results")
    r = t.call_reviews.c
    rows = uow.session.execute(_query(viewer).order_by(r.reviewed_at.desc(), r.id.desc()).limit(limit)).all()
    return [_review(row, {}, uow) for row in rows]


@dataclass(frozen=True)
class Trend:
    """Average score per collector per week: `weeks` oldest first; `rows` (collector's name, {week:
    (average to one decimal, calls scored)})."""

    weeks: list[str]
    rows: list[tuple[str, dict[str, tuple[Decimal, int]]]]


def score_trends(
    uow: UnitOfWork, viewer: Viewer, last_week: str | None = None, weeks: int = TREND_WEEKS
) -> Trend:
    """The average score per collector per week over the last `weeks` weeks, from the reviews table alone
    (the viewer's scope: a collector its own row)."""
    shown = weeks_back(last_week or previous_week(floor_today()), weeks)
    r, u = t.call_reviews.c, t.users.c
    rows = uow.session.execute(
        select(r.user_id, u.display_name, r.week, func.sum(r.score), func.count(r.score))
        .join(t.users, u.id == r.user_id)
        .where(review_scope(viewer), r.week.in_(shown), r.score.is_not(None))
        .group_by(r.user_id, u.display_name, r.week)
    ).all()
    by_user: dict[tuple[str, int], dict[str, tuple[Decimal, int]]] = {}
    for user_id, name, week, total, scored in rows:
        average = (Decimal(int(total)) / int(scored)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        by_user.setdefault((str(name), int(user_id)), {})[str(week)] = (average, int(scored))
    return Trend(shown, [(name, cells) for (name, _id), cells in sorted(by_user.items())])
