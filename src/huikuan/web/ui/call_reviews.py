"""Quality review of calls on the web (docs/quality-review.md): the week's sample for a supervisor's team
(/reviews, paged with true counts), each call with its time, collector, length, case, recording and the
score form; and a creditor's checklist per pack on an admin page (/admin/creditors/{id}/checklist),
administrators edit it, supervisors read it. The use cases are services/call_reviews.py and
services/review_checklists.py; a collector's own reviews are on /reports/me."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.domain.call_review import ANSWERS
from huikuan.domain.enums import Role
from huikuan.errors import InvalidInput
from huikuan.services.call_reviews import PER_PAGE, ScoreReview, parse_week, score_review, week_sample
from huikuan.services.creditors import KNOWN_PACKS
from huikuan.services.review_checklists import (
    SaveChecklist,
    checklist_for,
    creditor_pack,
    parse_items,
    save_checklist,
)
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.paging import page_link

router = page_router()

Week = Annotated[str, Query(max_length=8, pattern=r"^(\d{4}-W\d{2})?$")]
Pack = Annotated[str, Query(max_length=16, pattern=r"^[a-z0-9-]*$")]


def _page(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    week: str,
    page: int,
    per_page: int,
    error: str = "",
    failed: int = 0,
) -> HTMLResponse:
    chosen = parse_week(week)
    reviews, paging, counts = week_sample(uow, viewer, chosen, page, per_page)
    context = {
        "week": chosen,
        "reviews": reviews,
        "paging": paging,
        "counts": counts,
        "answers": ANSWERS,
        "error": error,
        "failed": failed,
        "page_link": lambda n: page_link(request, n),
        "item_text": lambda item: item["zh"] if request_locale(request).startswith("zh") else item["en"],
    }
    return render(request, "reviews/page.html", context, status_code=422 if error else 200)


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    week: Week = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1_000)] = PER_PAGE,
) -> HTMLResponse:
    """The week's sample (the last whole week unless another is asked), those awaiting a score first."""
    return _page(request, viewer, uow, week, page, per_page)


@router.post("/reviews/{review_id}", response_class=HTMLResponse)
async def score(request: Request, review_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    """One call scored: each item `item-<code>` yes, no or na, and `comment`; back to the week's page."""
    form = await request.form()
    answers = {
        str(k)[5:]: str(v) for k, v in form.multi_items() if str(k).startswith("item-") and len(str(k)) < 50
    }
    comment = str(form.get("comment") or "")
    week, page = str(form.get("week") or ""), str(form.get("page") or "1")
    try:
        done = score_review(uow, viewer, ScoreReview(review_id, answers, comment))
    except InvalidInput as exc:
        uow.rollback()
        number = int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1
        return _page(
            request, viewer, uow, week, number, PER_PAGE, exc.translated(request_locale(request)), review_id
        )
    back = f"/reviews?week={done.week}&page={page if page.isdigit() else 1}#review-{review_id}"
    return RedirectResponse(back, status_code=303)


def _checklist_page(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    creditor_id: int,
    pack: str,
    typed: str = "",
    error: str = "",
) -> HTMLResponse:
    code, name, creditor_pack_name = creditor_pack(uow, viewer, creditor_id)
    chosen = pack or creditor_pack_name
    if chosen not in KNOWN_PACKS:
        raise InvalidInput("There is no pack {pack}", pack=chosen)
    checklist = checklist_for(uow, creditor_id, chosen)
    context = {
        "creditor": {"id": creditor_id, "code": code, "name": name, "pack": creditor_pack_name},
        "pack": chosen,
        "packs": KNOWN_PACKS,
        "checklist": checklist,
        "typed": typed or checklist.as_text(),
        "error": error,
        "can_edit": viewer.role is Role.ADMIN,
        "saved": request.query_params.get("done") == "checklist",
    }
    return render(request, "admin/checklist.html", context, status_code=422 if error else 200)


@router.get("/admin/creditors/{creditor_id}/checklist", response_class=HTMLResponse)
def checklist_page(
    request: Request, creditor_id: PathId, viewer: ViewerDep, uow: UowDep, pack: Pack = ""
) -> HTMLResponse:
    """The creditor's review checklist for a pack (its own pack unless another is asked)."""
    return _checklist_page(request, viewer, uow, creditor_id, pack)


@router.post("/admin/creditors/{creditor_id}/checklist", response_class=HTMLResponse)
def save_checklist_form(
    request: Request,
    creditor_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    pack: Annotated[str, Form(max_length=16)],
    items: Annotated[str, Form(max_length=20_000)],
) -> Response:
    """Saves the items as the checklist's next version (administrators)."""
    if pack not in KNOWN_PACKS:
        raise InvalidInput("There is no pack {pack}", pack=pack)
    try:
        save_checklist(uow, viewer, SaveChecklist(creditor_id, pack, parse_items(items)))
    except InvalidInput as exc:
        uow.rollback()
        return _checklist_page(
            request, viewer, uow, creditor_id, pack, items, exc.translated(request_locale(request))
        )
    return RedirectResponse(
        f"/admin/creditors/{creditor_id}/checklist?pack={pack}&done=checklist", status_code=303
    )
