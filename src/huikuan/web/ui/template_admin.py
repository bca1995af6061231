"""The message templates and the channels in the administration: the list of templates, a template's page
(the shipped text, the edited one, a preview with sample values, save, back to the shipped text), and each
channel's state (services/message_templates.py, services/channel_status.py). Scripts have their own page
(/scripts), linked from here.

Supervisors read; administrators edit. A template is named in the query or the form (channel, name,
locale, creditor), so that one page serves every template.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from huikuan.channels.render import Rendered, TemplateText
from huikuan.errors import InvalidInput, NotFound
from huikuan.services import channel_status, message_templates, terms_desk
from huikuan.services.access import Viewer, require_admin
from huikuan.services.message_templates import TemplateKey
from huikuan.services.message_text import template_label
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.form_submit import submit

router = page_router("/admin")

Name = Annotated[str, Form(max_length=60)]
Text = Annotated[str, Form(max_length=message_templates.MAX_BODY)]


@router.get("/templates", response_class=HTMLResponse)
def templates_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """Every template in each language, and for whom it has an edited text."""
    locale = request_locale(request)
    items = message_templates.listing(uow, viewer)
    creditors = terms_desk.creditors(uow, viewer)
    names = {c["id"]: c["code"] for c in creditors}
    for item in items:
        item["label"] = template_label(item["name"], locale)
        item["edited_names"] = [names.get(cid, "") if cid else None for cid in item["edited_for"]]
    return render(request, "admin/templates.html", {"items": items, "creditors": creditors})


def _key(channel: str, name: str, locale: str, creditor: str) -> TemplateKey:
    if creditor.strip() and not creditor.strip().isdigit():
        raise NotFound("No creditor with id {id}", id=creditor)
    return TemplateKey(channel, name, locale, int(creditor) if creditor.strip() else None)


def _page(uow: UnitOfWork, viewer: Viewer, key: TemplateKey, locale: str, **extra: Any) -> dict[str, Any]:
    data = message_templates.template_page(uow, viewer, key)
    creditors = terms_desk.creditors(uow, viewer)
    shown = data["edited"] or data["shipped"]
    return {
        **data,
        "label": template_label(key.name, locale),
        "creditors": creditors,
        "creditor_code": next((c["code"] for c in creditors if c["id"] == key.creditor_id), ""),
        "typed": shown,
        "fields": sorted(message_templates.FIELDS),
        "can_edit": viewer.role.value == "admin",
        "preview": None,
        "error": "",
        "notice": "",
        **extra,
    }


@router.get("/templates/edit", response_class=HTMLResponse)
def template_page(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    channel: Annotated[str, Query(max_length=12)] = "sms",
    name: Annotated[str, Query(max_length=60)] = "reminder",
    locale: Annotated[str, Query(max_length=10)] = "zh_CN",
    creditor: Annotated[str, Query(max_length=20)] = "",
    done: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """A template's shipped and edited text; the form for an administrator."""
    notice = {"saved": "Template saved.", "reverted": "Back to the shipped text."}.get(done, "")
    context = _page(
        uow, viewer, _key(channel, name, locale, creditor), request_locale(request), notice=notice
    )
    return render(request, "admin/template.html", context)


def _answer(
    request: Request, uow: UnitOfWork, viewer: Viewer, key: TemplateKey, text: TemplateText, **extra: Any
) -> HTMLResponse:
    context = _page(uow, viewer, key, request_locale(request), **extra)
    context["typed"] = text
    return render(request, "admin/template.html", context, status_code=422 if extra.get("error") else 200)


@router.post("/templates/preview", response_class=HTMLResponse)
def preview_template(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    channel: Name,
    name: Name,
    locale: Name,
    body: Text,
    subject: Text = "",
    creditor: Name = "",
) -> HTMLResponse:
    """The text as typed, written with sample values; nothing is saved."""
    key, text = _key(channel, name, locale, creditor), TemplateText(subject, body)
    try:
        done: Rendered = message_templates.preview(uow, viewer, key, text)
    except InvalidInput as exc:
        return _answer(request, uow, viewer, key, text, error=exc.translated(request_locale(request)))
    return _answer(request, uow, viewer, key, text, preview=done)


def _back(key: TemplateKey, done: str) -> str:
    creditor = "" if key.creditor_id is None else str(key.creditor_id)
    return (
        f"/admin/templates/edit?channel={key.channel}&name={key.name}&locale={key.locale}"
        f"&creditor={creditor}&done={done}"
    )


@router.post("/templates/save", response_class=HTMLResponse)
def save_template(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    channel: Name,
    name: Name,
    locale: Name,
    body: Text,
    subject: Text = "",
    creditor: Name = "",
) -> Response:
    require_admin(viewer)
    key, text = _key(channel, name, locale, creditor), TemplateText(subject, body)
    return submit(
        request,
        uow,
        lambda: message_templates.save(uow, viewer, key, text, datetime.now(UTC)),
        done=_back(key, "saved"),
        refused=lambda error: _answer(request, uow, viewer, key, text, error=error),
    )


@router.post("/templates/revert", response_class=HTMLResponse)
def revert_template(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    channel: Name,
    name: Name,
    locale: Name,
    creditor: Name = "",
) -> Response:
    require_admin(viewer)
    key = _key(channel, name, locale, creditor)

    def refused(error: str) -> HTMLResponse:
        context = _page(uow, viewer, key, request_locale(request), error=error)
        return render(request, "admin/template.html", context, status_code=404)

    return submit(
        request,
        uow,
        lambda: message_templates.revert(uow, viewer, key, datetime.now(UTC)),
        done=_back(key, "reverted"),
        refused=refused,
        catch=(NotFound,),  # nothing edited to revert; any other refusal is the app's to answer
    )


@router.get("/channels", response_class=HTMLResponse)
def channels_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """Each channel: configured or not, its settings (no secret), last delivery, last error."""
    context = {
        "channels": channel_status.channels(uow, viewer),
        "providers": channel_status.payment_providers(uow, viewer),
        "sms_templates": channel_status.sms_templates(uow, viewer),
    }
    return render(request, "admin/channels.html", context)
