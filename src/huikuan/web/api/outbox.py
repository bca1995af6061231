"""JSON API of the messages area (docs/messages.md): the templates that apply to a case, send one to a
case's contact point, preview it, send to many cases, list the outbox, and the SMS provider's delivery
reports.

A refusal by the compliance gate answers 422 with the gate's decision (web/errors.py). The delivery
report endpoint is called by the provider, not a user: it is authenticated by HUIKUAN_SMS_TOKEN sent as
`Authorization: Bearer <token>`, and refused while no token is configured.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from huikuan.channels.sms.invalid import invalid_in_report
from huikuan.config import get_settings
from huikuan.domain.ids import MAX_ID
from huikuan.errors import Forbidden
from huikuan.services import delivery_reports, outbox_choices, outbox_list
from huikuan.services import outbox as svc
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("", "outbox")


class MessageIn(BaseModel):
    template: str = Field(examples=["reminder"])
    channel: str = Field(examples=["sms"])
    contact_point_id: int = Field(ge=1, le=MAX_ID)
    locale: str | None = Field(default=None, examples=["zh_CN"])


class PreviewIn(BaseModel):
    template: str
    channel: str
    contact_point_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    locale: str | None = None


class BulkIn(BaseModel):
    case_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]]
    template: str
    channel: str


class SmsStatusIn(BaseModel):
    id: str = Field(description="The provider's id of the message, as it answered when the message was sent")
    status: str = Field(examples=["delivered", "failed", "undelivered"])
    error: str | None = None
    code: str | None = Field(
        None,
        description='"invalid_number" with a failure: the number does not exist or cannot take a text; '
        "every contact point with it is marked invalid",
    )


@router.get("/cases/{case_id}/messages/templates")
def message_templates(case_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """For each channel, the templates that apply to this case (their facts exist) and the default, the
    one the case's state calls for (a payment to thank for, an arrangement to confirm, a reminder ...)."""
    choices = outbox_choices.template_choices(uow, viewer, case_id)
    return {
        "channels": {
            channel: {"templates": list(choice.templates), "default": choice.default or None}
            for channel, choice in choices.items()
        }
    }


@router.post("/cases/{case_id}/messages", status_code=201)
def send_message(case_id: PathId, body: MessageIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Queues the template for the contact point if the compliance gate allows it now."""
    message_id = svc.send(
        uow,
        viewer,
        case_id,
        template=body.template,
        channel=body.channel,
        contact_point_id=body.contact_point_id,
        locale=body.locale,
    )
    return {"id": message_id, "status": "queued"}


@router.post("/cases/{case_id}/messages/preview")
def preview_message(case_id: PathId, body: PreviewIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, str]:
    """The subject and text the template gives for this case; nothing is queued."""
    subject, text = svc.preview(
        uow,
        viewer,
        case_id,
        template=body.template,
        channel=body.channel,
        locale=body.locale,
        contact_point_id=body.contact_point_id,
    )
    return {"subject": subject, "body": text}


@router.post("/outbox/bulk")
def bulk(body: BulkIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Sends the template to the debtor of each case; one outcome per case."""
    results = svc.bulk_send(uow, viewer, body.case_ids, template=body.template, channel=body.channel)
    return {"results": [r.to_dict() for r in results]}


@router.get("/outbox")
def list_outbox(
    viewer: ApiViewerDep,
    uow: UowDep,
    status: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query()] = 100,
) -> dict[str, Any]:
    """The messages of the cases the caller may see, newest first, recipients masked."""
    return {"messages": [r.to_dict() for r in outbox_list.outbox(uow, viewer, status=status, limit=limit)]}


def provider(request: Request) -> None:
    """The SMS provider, known by the shared token (HUIKUAN_SMS_TOKEN) it sends as a Bearer token."""
    token = get_settings().sms_token
    if not token:
        raise Forbidden("SMS status reports are not accepted: HUIKUAN_SMS_TOKEN is not set")
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not secrets.compare_digest(given.encode(), token.encode()):
        raise Forbidden("The SMS status report is not signed with the provider's token")


@router.post("/outbox/sms-status", dependencies=[Depends(provider)])
def sms_status(body: SmsStatusIn, uow: UowDep) -> dict[str, Any]:
    """The provider's delivery report for a message it was handed (delivered, failed, undelivered ...)."""
    invalid = invalid_in_report("generic", body.code)
    return {
        "message_id": delivery_reports.mark_delivered(
            uow, body.id, body.status, error=body.error, invalid=invalid
        )
    }
