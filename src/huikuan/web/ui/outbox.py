"""Workbench pages of the messages area (docs/messages.md): the message panel of the case page, the outbox
with delivery status and letters' PDFs, and bulk sending to a selection of cases.

Forms post text; this module turns it into ids and calls services/outbox.py (sending),
services/outbox_choices.py and services/outbox_list.py (what is offered and listed). The panel answers a
send with itself refreshed and `HX-Trigger: case-changed`; a refusal by the compliance gate is the panel's
answer too (which rule, and when the message would be allowed), since the collector asked to send.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from huikuan.domain.ids import is_row_id
from huikuan.errors import ComplianceRefused, InvalidInput
from huikuan.i18n import gettext
from huikuan.services import letters, message_text, outbox_choices, outbox_errors, outbox_list
from huikuan.services import outbox as svc
from huikuan.services.access import Viewer, may_work
from huikuan.services.case_labels import label
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import (
    UowDep,
    ViewerDep,
    case_changed,
    is_htmx,
    page_router,
    render,
    request_locale,
)

router = page_router()

TONES = {
    "queued": "warn",
    "sent": "ok",
    "delivered": "ok",
    "failed": "bad",
    "refused": "bad",
    "cancelled": "bad",
}
OUTCOME_TONES = {"queued": "ok", "refused": "bad", "no_contact_point": "warn", "invalid": "bad"}
OUTCOMES = {
    "queued": "Queued",
    "refused": "Refused by the gate",
    "no_contact_point": "No contact point",
    "invalid": "Not sent",
}


def helpers(request: Request) -> dict[str, Any]:
    """The labels the messages templates use, in the page's language."""
    locale = request_locale(request)

    def lbl(vocabulary: str, value: str | None) -> str:
        return label(vocabulary, value, locale)

    return {
        "lbl": lbl,
        "tone": lambda status: TONES.get(status, ""),
        "template_label": lambda name: message_text.template_label(name or "", locale),
        "error_text": lambda text: outbox_errors.describe_error(text, locale),
        "outcome_label": lambda outcome: gettext(OUTCOMES.get(outcome) or outcome, locale),
        "outcome_tone": lambda outcome: OUTCOME_TONES.get(outcome, ""),
        "instant": _instant,
    }


def parse_id(text: str | None, what: str = "contact point") -> int:
    value = (text or "").strip()
    if not value.isdecimal() or not is_row_id(int(value)):
        if what == "case":
            raise InvalidInput("Case: {value} is not a case number", value=value)
        raise InvalidInput("Choose a contact point to send to")
    return int(value)


def parse_message(text: str) -> tuple[str, str]:
    """The bulk form's "channel:template" choice."""
    channel, _, template = text.partition(":")
    if not channel or not template:
        raise InvalidInput("Choose a message to send")
    return channel, template


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# --- the message panel of the case page -----------------------------------------------------------------


def _panel(
    request: Request,
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    channel: str = "",
    template: str = "",
    sent: int | None = None,
    refusal: ComplianceRefused | None = None,
) -> HTMLResponse:
    channel = channel if channel in message_text.CHANNELS else message_text.CHANNELS[0]
    # Only the templates whose facts the case has; preselected, the one its state calls for.
    choice = outbox_choices.template_choices(uow, viewer, case_id)[channel]
    names = list(choice.templates)
    decision = refusal.decision if refusal is not None and isinstance(refusal.decision, dict) else None
    context = {
        "case_id": case_id,
        "can_write": may_work(uow, viewer, case_id),
        "channels": message_text.CHANNELS,
        "channel": channel,
        "names": names,
        "template": template if template in names else choice.default,
        "points": outbox_choices.contact_points(uow, viewer, case_id, channel),
        "recent": outbox_list.case_messages(uow, viewer, case_id),
        "sent": sent,
        "refusal": decision,
        "refused_until": _instant(decision.get("next_allowed_at")) if decision else None,
        **helpers(request),
    }
    return render(request, "case/_message.html", context)


@router.get("/cases/{case_id}/panels/message", response_class=HTMLResponse)
def message_panel(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    channel: str = "",
    template: str = "",
) -> HTMLResponse:
    return _panel(request, uow, viewer, case_id, channel=channel, template=template)


@router.post("/cases/{case_id}/messages/preview", response_class=HTMLResponse)
def post_preview(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    channel: Annotated[str, Form()] = "",
    template: Annotated[str, Form()] = "",
    contact_point_id: Annotated[str, Form()] = "",
    locale: Annotated[str, Form()] = "",
) -> HTMLResponse:
    point = parse_id(contact_point_id) if contact_point_id.strip() else None
    subject, body = svc.preview(
        uow,
        viewer,
        case_id,
        template=template,
        channel=channel,
        locale=locale or None,
        contact_point_id=point,
    )
    context = {"subject": subject, "body": body, "channel": channel, "sms_parts": sms_parts(body)}
    return render(request, "outbox/_preview.html", context)


def sms_parts(text: str) -> int:
    """How many SMS a text takes: 160 (153 when split) in the GSM alphabet, 70 (67) otherwise."""
    single, part = (160, 153) if all(ord(ch) < 128 for ch in text) else (70, 67)
    return 1 if len(text) <= single else math.ceil(len(text) / part)


@router.post("/cases/{case_id}/messages", response_class=HTMLResponse)
def post_message(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    channel: Annotated[str, Form()] = "",
    template: Annotated[str, Form()] = "",
    contact_point_id: Annotated[str, Form()] = "",
    locale: Annotated[str, Form()] = "",
) -> Response:
    point = parse_id(contact_point_id)
    try:
        message_id = svc.send(
            uow,
            viewer,
            case_id,
            template=template,
            channel=channel,
            contact_point_id=point,
            locale=locale or None,
        )
    except ComplianceRefused as refused:
        # Not an error of the form: the gate's answer, shown where the collector asked (and kept as audit).
        return _panel(request, uow, viewer, case_id, channel=channel, template=template, refusal=refused)
    if not is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}", status_code=303)
    return case_changed(
        _panel(request, uow, viewer, case_id, channel=channel, template=template, sent=message_id)
    )


# --- the outbox -----------------------------------------------------------------------------------------


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(
    request: Request, viewer: ViewerDep, uow: UowDep, status: Annotated[str, Query()] = ""
) -> HTMLResponse:
    rows = outbox_list.outbox(uow, viewer, status=status or None, limit=200)
    context = {
        "rows": rows,
        "status": status,
        "statuses": list(TONES),
        "waiting": outbox_list.channels_waiting(),
        **helpers(request),
    }
    return render(request, "outbox/page.html", context)


@router.get("/outbox/bulk", response_class=HTMLResponse)
def bulk_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _bulk(request, uow, viewer)


def _bulk(
    request: Request,
    uow: UnitOfWork,
    viewer: Viewer,
    results: list[svc.BulkResult] | None = None,
    chosen: str = "",
) -> HTMLResponse:
    context = {
        "cases": outbox_choices.bulk_candidates(uow, viewer),
        "templates": message_text.templates(),
        "chosen": chosen,
        "results": results,
        **helpers(request),
    }
    return render(request, "outbox/bulk.html", context)


@router.post("/outbox/bulk", response_class=HTMLResponse)
def post_bulk(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    message: Annotated[str, Form()] = "",
    case_id: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    channel, template = parse_message(message)
    case_ids = [parse_id(value, "case") for value in case_id or []]
    results = svc.bulk_send(uow, viewer, case_ids, template=template, channel=channel)
    return _bulk(request, uow, viewer, results, message)


@router.get("/outbox/{message_id}/document")
def letter_document(message_id: PathId, viewer: ViewerDep, uow: UowDep) -> FileResponse:
    """A letter's PDF: not for a creditor's viewer; every download is audited (services/letters.py)."""
    path = letters.letter_document(uow, viewer, message_id)
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=f"letter-{message_id}.pdf",
        content_disposition_type="inline",
    )
