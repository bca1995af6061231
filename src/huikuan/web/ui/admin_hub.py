"""The administration's front page (/admin): a card for each page where the floor is run. Supervisors and
administrators open it; each card says whether the page is the administrator's alone."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from huikuan.domain.enums import Role
from huikuan.services.access import require_supervisor
from huikuan.web.ui.common import ViewerDep, page_router, render

router = page_router()

# (address, title, what it is for, administrators only): the order in which the cards are shown.
CARDS = (
    (
        "/admin/users",
        "Users",
        "Create accounts, set roles, teams, languages, skills and shifts; reset passwords.",
        False,
    ),
    ("/admin/teams", "Teams", "The teams, their members and the languages they work in.", False),
    ("/admin/scope", "Scope", "Which creditors each team and each user serves.", False),
    (
        "/workload",
        "Workload",
        "Each collector's open cases, today's contacts and load; move work between them.",
        False,
    ),
    (
        "/reports",
        "Reports",
        "The floor's figures: contact and promise rates, collected, refusals, vintages and roll rates.",
        False,
    ),
    (
        "/reviews",
        "Call reviews",
        "The week's sample of each collector's calls, scored against the creditor's checklist.",
        False,
    ),
    ("/admin/creditors", "Creditors", "Each creditor's terms, authority limits and rule pack.", False),
    ("/imports", "Imports", "Upload placement, payment and recall files and read their reports.", False),
    (
        "/admin/templates",
        "Templates and scripts",
        "The messages sent to debtors and the collectors' scripts.",
        False,
    ),
    (
        "/admin/channels",
        "Channels",
        "SMS, e-mail, letters and payments: configured or not, last delivery and error.",
        False,
    ),
    (
        "/admin/inbound/unknown",
        "Replies from unknown senders",
        "Messages from a number, address or WeChat account no debtor has.",
        False,
    ),
    ("/admin/audit", "Audit log", "Who did what and when, by user, case, kind and time.", False),
    (
        "/admin/sessions",
        "Sessions and keys",
        "Open sessions and API keys: end a session, make or revoke a key.",
        True,
    ),
)


# The files the hub links to (docs/exports.md): (address without its format, title, formats,
# administrators only). Supervisors and administrators may download each list; activity files are the
# administrators' (and each creditor's viewer's, from its portfolio).
DOWNLOADS = (
    ("/exports/reports", "Reports", ("csv", "xlsx"), False),
    ("/exports/audit", "Audit log", ("csv", "xlsx"), False),
    ("/exports/imports", "Imports", ("csv", "xlsx"), False),
    ("/exports/queue?all=1", "Team queue", ("csv", "xlsx"), False),
    ("/exports/activity", "Activity files", (), True),
    ("/exports", "My exports", (), False),
)


@router.get("/admin", response_class=HTMLResponse)
def hub(request: Request, viewer: ViewerDep) -> HTMLResponse:
    require_supervisor(viewer)
    admin = viewer.role is Role.ADMIN
    cards = [
        {"href": href, "title": title, "about": about, "admin_only": only}
        for href, title, about, only in CARDS
        if admin or not only
    ]
    downloads = [
        {"href": href, "title": title, "formats": formats}
        for href, title, formats, only in DOWNLOADS
        if admin or not only
    ]
    return render(request, "admin/hub.html", {"cards": cards, "downloads": downloads})
