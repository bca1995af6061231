"""The users' administration pages: the list (filtered, paged), creating a user, a user's page with its
edit form, deactivating and reactivating, resetting the password or the second factor. Supervisors read
the list and the pages; administrators change them. Each page calls the same use case as the API and the
command line (services/user_admin.py, users.py, mfa.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.domain.enums import Role
from huikuan.errors import HuikuanError, InvalidInput
from huikuan.services import mfa, users
from huikuan.services.access import Viewer, require_admin
from huikuan.services.auth import zone_choices
from huikuan.services.creditors import list_creditors
from huikuan.services.teams import list_teams
from huikuan.services.user_admin import KEEP, WORK_LANGUAGES, NewUser, UserChange, create_user, update_user
from huikuan.services.user_list import UserFilter, list_users, user_record
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.paging import page_link
from huikuan.web.ui.people_forms import DAY_MSGIDS, SHIFT_ROWS, shift_text, team_id_of, user_form

router = page_router("/admin/users")
FormDep = Annotated[dict[str, Any], Depends(user_form)]


def _choices(uow: UnitOfWork, viewer: Viewer) -> dict[str, Any]:
    return {
        "roles": [r.value for r in Role],
        "teams": list_teams(uow, viewer),
        "creditors": [c.code for c in list_creditors(uow)],
        "zones": zone_choices(),
        "work_languages": WORK_LANGUAGES,
        "shift_rows": SHIFT_ROWS,
        "day_msgids": DAY_MSGIDS,
        "shift_text": shift_text,
        "is_admin": viewer.role is Role.ADMIN,
    }


def _filter(role: str, team: str, active: str) -> UserFilter:
    return UserFilter(
        role=role if role in {r.value for r in Role} else None,
        team_id=int(team) if team.isdigit() else None,
        active={"yes": True, "no": False}.get(active),
    )


def _list_page(
    request: Request, uow: UnitOfWork, viewer: Viewer, status: int = 200, **extra: Any
) -> HTMLResponse:
    q = request.query_params
    where = _filter(q.get("role", ""), q.get("team", ""), q.get("active", ""))
    page = int(q.get("page", "1")) if q.get("page", "1").isdigit() else 1
    rows, paging = list_users(uow, viewer, where, page)
    context = {
        "users": rows,
        "paging": paging,
        "where": {"role": q.get("role", ""), "team": q.get("team", ""), "active": q.get("active", "")},
        "page_link": lambda n: page_link(request, n),
        **_choices(uow, viewer),
        **extra,
    }
    return render(request, "admin/users.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
def users_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _list_page(request, uow, viewer)


@router.post("", response_class=HTMLResponse)
def create(request: Request, viewer: ViewerDep, uow: UowDep, fields: FormDep) -> Response:
    """A new user; its page shows the password made for it this once."""
    require_admin(viewer)
    try:
        cmd = NewUser(
            username=fields["username"],
            role=fields["role"],
            display_name=fields["display_name"],
            password=fields["password"],
            team_id=team_id_of(fields),
            creditor_code=fields["creditor_code"],
            locale=fields["locale"],
            time_zone=fields["time_zone"],
            languages=tuple(fields["languages"]),
            skills=tuple(fields["skills"]),
            shifts=tuple(fields["shifts"]),
        )
        _, password = create_user(uow, viewer, cmd)
    except HuikuanError as exc:
        uow.rollback()
        error = exc.translated(request_locale(request))
        return _list_page(request, uow, viewer, 422, create_error=error, form=fields)
    return _user_page(request, uow, viewer, fields["username"], created=True, new_password=password)


def _user_page(
    request: Request, uow: UnitOfWork, viewer: Viewer, username: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    context = {"user": user_record(uow, viewer, username), **_choices(uow, viewer), **extra}
    return render(request, "admin/user.html", context, status_code=status)


@router.get("/{username}", response_class=HTMLResponse)
def user_page(
    request: Request, username: str, viewer: ViewerDep, uow: UowDep, done: str = ""
) -> HTMLResponse:
    return _user_page(request, uow, viewer, username, done=done)


@router.post("/{username}", response_class=HTMLResponse)
def edit(request: Request, username: str, viewer: ViewerDep, uow: UowDep, fields: FormDep) -> Response:
    require_admin(viewer)
    try:
        change = UserChange(
            display_name=fields["display_name"],
            role=fields["role"],
            team_id=team_id_of(fields),
            creditor_code=fields["creditor_code"],
            locale=fields["locale"],
            time_zone=fields["time_zone"],
            languages=fields["languages"],
            skills=fields["skills"],
            shifts=fields["shifts"],
            phone_extension=KEEP if fields["phone_extension"] is None else fields["phone_extension"],
        )
        update_user(uow, viewer, username, change)
    except HuikuanError as exc:
        uow.rollback()
        error = exc.translated(request_locale(request))
        return _user_page(request, uow, viewer, username, 422, edit_error=error, form=fields)
    return RedirectResponse(f"/admin/users/{username}?done=saved", status_code=303)


@router.post("/{username}/active")
def set_active(
    username: str,
    viewer: ViewerDep,
    uow: UowDep,
    active: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Deactivates (active=no) or reactivates (active=yes) the account, once confirmed."""
    require_admin(viewer)
    if active not in ("yes", "no") or confirm != "yes":
        raise InvalidInput("Confirm the change first")
    users.set_active(uow, viewer, username, active == "yes")
    done = "activated" if active == "yes" else "deactivated"
    return RedirectResponse(f"/admin/users/{username}?done={done}", status_code=303)


@router.post("/{username}/password", response_class=HTMLResponse)
def reset_password(
    request: Request, username: str, viewer: ViewerDep, uow: UowDep, confirm: Annotated[str, Form()] = ""
) -> Response:
    """A new random password, shown on the answer page this once; the user's sessions end."""
    require_admin(viewer)
    if confirm != "yes":
        raise InvalidInput("Confirm the change first")
    password = users.reset_password(uow, viewer, username)
    return _user_page(request, uow, viewer, username, new_password=password)


@router.post("/{username}/mfa")
def reset_mfa(
    username: str, viewer: ViewerDep, uow: UowDep, confirm: Annotated[str, Form()] = ""
) -> Response:
    require_admin(viewer)
    if confirm != "yes":
        raise InvalidInput("Confirm the change first")
    mfa.reset(uow, viewer, username)
    return RedirectResponse(f"/admin/users/{username}?done=mfa", status_code=303)
