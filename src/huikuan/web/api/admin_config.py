"""The administration's API for creditors, message templates and channels: the same services as the pages
(services/creditor_admin.py, services/pack_preview.py, services/message_templates.py,
services/channel_status.py). Supervisors read; administrators change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from huikuan.channels.render import TemplateText
from huikuan.services import channel_status, creditor_admin, message_templates, terms_desk
from huikuan.services.creditor_admin import CreditorDetails, NewCreditor
from huikuan.services.message_templates import TemplateKey
from huikuan.services.pack_preview import plan_impact
from huikuan.web.api.common import ApiViewerDep, Body, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("/admin", "administration")


class CreditorIn(Body):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    region: str = Field(default="CN", max_length=2)
    currency: str = Field(default="CNY", max_length=3)
    pack: str = Field(default="cn", max_length=40)
    time_zone: str | None = Field(default=None, max_length=64, description="IANA zone; default by region")
    retention_years: int | None = Field(default=None, description="Null: the pack's default")


class DetailsIn(Body):
    name: str = Field(min_length=1, max_length=200)
    time_zone: str = Field(min_length=1, max_length=64)
    retention_years: int | None = None
    sandbox: bool | None = Field(
        default=None, description="True: its messages are never sent; null: unchanged"
    )


class AuthorityIn(Body):
    role: str = Field(max_length=20, description="collector or supervisor")
    max_discount_bp: int = Field(description="Largest discount, basis points of the balance")
    max_instalments: int
    min_first_payment_bp: int = Field(description="Smallest first payment, basis points of the total")


class PackIn(Body):
    pack: str = Field(max_length=40)
    overrides: str = Field(default="", max_length=20_000, description="The tightening as TOML [rules.<id>]")


class TemplateIn(Body):
    channel: str = Field(max_length=12)
    name: str = Field(max_length=60)
    locale: str = Field(max_length=10)
    creditor_id: int | None = None
    subject: str = Field(default="", max_length=message_templates.MAX_SUBJECT)
    body: str = Field(default="", max_length=message_templates.MAX_BODY)

    def key(self) -> TemplateKey:
        return TemplateKey(self.channel, self.name, self.locale, self.creditor_id)


def _json(data: dict[str, Any]) -> dict[str, Any]:
    retention = data["retention"]
    return {
        **data["creditor"],
        "retention": {"years": retention.years, "min_years": retention.min_years},
        "authority": data["authority"],
        "pack_overrides": data["overrides"],
    }


@router.get("/creditors")
def list_creditors(viewer: ApiViewerDep, uow: UowDep) -> dict[str, list[dict[str, Any]]]:
    """Every creditor with its region, currency, pack and versions of money terms."""
    return {"creditors": terms_desk.creditors(uow, viewer)}


@router.post("/creditors", status_code=201)
def create_creditor(body: CreditorIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Adds a creditor (as `huikuan creditor add` does)."""
    cmd = NewCreditor(**body.model_dump())
    creditor_id = creditor_admin.create(uow, viewer, cmd, datetime.now(UTC))
    return _json(creditor_admin.detail(uow, viewer, creditor_id))


@router.get("/creditors/{creditor_id}")
def get_creditor(creditor_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """The creditor, its retention, its authority per role and its tightening."""
    return _json(creditor_admin.detail(uow, viewer, creditor_id))


@router.put("/creditors/{creditor_id}")
def update_creditor(
    creditor_id: PathId, body: DetailsIn, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """Changes the name, time zone, retention and sandbox; `changed` names what changed."""
    details = CreditorDetails(body.name, body.time_zone, body.retention_years, body.sandbox)
    changed = creditor_admin.update(uow, viewer, creditor_id, details, datetime.now(UTC))
    return {"changed": changed, **_json(creditor_admin.detail(uow, viewer, creditor_id))}


@router.put("/creditors/{creditor_id}/authority")
def set_authority(
    creditor_id: PathId, body: AuthorityIn, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """A role's negotiation limits for this creditor (collector or supervisor)."""
    limits = body.model_dump(exclude={"role"})
    changed = creditor_admin.set_authority(uow, viewer, creditor_id, body.role, limits, datetime.now(UTC))
    return {"changed": changed}


@router.post("/creditors/{creditor_id}/pack/preview")
def preview_pack(creditor_id: PathId, body: PackIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """What the pack and tightening would refuse of today's plan that the gate allows now; saves nothing."""
    impact = plan_impact(uow, viewer, creditor_id, body.pack, body.overrides, datetime.now(UTC))
    return {
        "planned": impact.planned,
        "asked": impact.asked,
        "refused_now": impact.refused_now,
        "newly_refused": impact.newly_refused,
        "by_rule": impact.by_rule,
    }


@router.put("/creditors/{creditor_id}/pack")
def set_pack(creditor_id: PathId, body: PackIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Sets the pack and the tightening; refused (422) when the tightening would loosen the pack."""
    changed = creditor_admin.set_pack(uow, viewer, creditor_id, body.pack, body.overrides, datetime.now(UTC))
    return {"changed": changed}


@router.get("/templates")
def list_templates(viewer: ApiViewerDep, uow: UowDep) -> dict[str, list[dict[str, Any]]]:
    """Every template in each language, with the creditors (null: all) that have an edited text."""
    return {"templates": message_templates.listing(uow, viewer)}


@router.post("/templates/preview")
def preview_template(body: TemplateIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, str]:
    """The text written with sample values; saves nothing."""
    done = message_templates.preview(uow, viewer, body.key(), TemplateText(body.subject, body.body))
    return {"subject": done.subject, "body": done.body}


@router.put("/templates")
def save_template(body: TemplateIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, str]:
    """Keeps an edited text (for every creditor when creditor_id is null)."""
    done = message_templates.save(
        uow, viewer, body.key(), TemplateText(body.subject, body.body), datetime.now(UTC)
    )
    return {"subject": done.subject, "body": done.body}


@router.post("/templates/revert", status_code=204)
def revert_template(body: TemplateIn, viewer: ApiViewerDep, uow: UowDep) -> None:
    """Back to the shipped text."""
    message_templates.revert(uow, viewer, body.key(), datetime.now(UTC))


@router.get("/channels")
def list_channels(viewer: ApiViewerDep, uow: UowDep) -> dict[str, list[dict[str, Any]]]:
    """Each channel and payment provider: configured or not, last delivery, last error; no secret."""
    return {
        "channels": channel_status.channels(uow, viewer),
        "payment_providers": channel_status.payment_providers(uow, viewer),
    }
