"""Quality review of calls, the API (docs/quality-review.md): the same use cases as the page /reviews
(services/call_reviews.py): the week's sample a supervisor reviews, paged with the true counts, and one
call's score. Supervisors and administrators only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import Field

from huikuan.services.call_reviews import PER_PAGE, ScoreReview, parse_week, score_review, week_sample
from huikuan.web.api.common import ApiViewerDep, Body, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("/reviews", "quality")


class ScoreBody(Body):
    answers: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=3)]] = Field(
        max_length=30
    )
    comment: str = Field("", max_length=2000)


@router.get("")
def list_reviews(
    viewer: ApiViewerDep,
    uow: UowDep,
    week: Annotated[str, Query(max_length=8, pattern=r"^(\d{4}-W\d{2})?$")] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1_000)] = PER_PAGE,
) -> dict[str, Any]:
    """The week's sampled calls (2026-W49; blank: the last whole week), each with its checklist's items
    and, once scored, the answers, score and comment."""
    chosen = parse_week(week)
    reviews, paging, counts = week_sample(uow, viewer, chosen, page, per_page)
    return {
        "week": chosen,
        "counts": {"sampled": counts.sampled, "reviewed": counts.reviewed, "awaiting": counts.awaiting},
        "reviews": [r.to_dict() for r in reviews],
        "paging": paging.to_dict(),
    }


@router.post("/{review_id}")
def score(review_id: PathId, body: ScoreBody, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Scores one sampled call: every item of its checklist yes, no or na; audited."""
    return score_review(uow, viewer, ScoreReview(review_id, body.answers, body.comment)).to_dict()
