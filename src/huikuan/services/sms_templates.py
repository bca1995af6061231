"""The SMS templates each creditor had approved at each provider (table sms_templates): set, removed and
listed by `huikuan sms-templates`, shown on the channel page, and looked up by the outbox for each
message (`approved_template`). Aliyun and Tencent Cloud send nothing but an approved template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from huikuan.channels.base import ProviderTemplate
from huikuan.channels.sms import PROVIDERS
from huikuan.errors import InvalidInput, NotFound
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

# The values a provider template's variables may take, filled for each message by the outbox.
PARAM_NAMES = ("name", "reference", "phone")


@dataclass(frozen=True)
class SmsTemplate:
    creditor_code: str
    provider: str
    template_name: str
    provider_template_code: str
    sign_name: str
    params: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "creditor": self.creditor_code,
            "provider": self.provider,
            "template": self.template_name,
            "code": self.provider_template_code,
            "sign_name": self.sign_name,
            "params": list(self.params),
        }


def _params(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _creditor_id(uow: UnitOfWork, code: str) -> int:
    found = uow.session.execute(
        select(t.creditors.c.id).where(t.creditors.c.code == code)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("No creditor with code {code}", code=code)
    return int(found)


def set_template(
    uow: UnitOfWork,
    creditor: str,
    provider: str,
    template: str,
    code: str,
    *,
    sign_name: str,
    params: str,
    now: datetime,
) -> SmsTemplate:
    """Records (or replaces) the creditor's approved code for one of our templates at a provider."""
    if provider not in PROVIDERS or provider == "generic":
        raise InvalidInput(
            "Provider: {provider} is not one of {known}", provider=provider, known="aliyun, tencent, twilio"
        )
    names = _params(params)
    unknown = [n for n in names if n not in PARAM_NAMES]
    if unknown:
        raise InvalidInput(
            "Template variables: {names} are not among {known}",
            names=", ".join(unknown),
            known=", ".join(PARAM_NAMES),
        )
    if not template.strip() or (provider != "twilio" and not code.strip()):
        raise InvalidInput("A template name and the provider's template code are required")
    creditor_id = _creditor_id(uow, creditor)
    s = t.sms_templates.c
    key = (s.creditor_id == creditor_id, s.provider == provider, s.template_name == template)
    values = {
        "provider_template_code": code.strip(),
        "sign_name": sign_name.strip(),
        "params": ",".join(names),
        "updated_at": now,
    }
    changed = uow.session.execute(update(t.sms_templates).where(*key).values(**values))
    if getattr(changed, "rowcount", 0) == 0:
        uow.session.execute(
            insert(t.sms_templates).values(
                creditor_id=creditor_id, provider=provider, template_name=template, **values
            )
        )
    uow.commit()
    return SmsTemplate(creditor, provider, template, code.strip(), sign_name.strip(), names)


def remove_template(uow: UnitOfWork, creditor: str, provider: str, template: str) -> bool:
    s = t.sms_templates.c
    creditor_id = _creditor_id(uow, creditor)
    gone = uow.session.execute(
        delete(t.sms_templates).where(
            s.creditor_id == creditor_id, s.provider == provider, s.template_name == template
        )
    )
    uow.commit()
    return getattr(gone, "rowcount", 0) == 1


def list_templates(
    uow: UnitOfWork, *, creditor: str | None = None, provider: str | None = None
) -> list[SmsTemplate]:
    s, c = t.sms_templates.c, t.creditors.c
    query = select(c.code, s.provider, s.template_name, s.provider_template_code, s.sign_name, s.params).join(
        t.creditors, c.id == s.creditor_id
    )
    if creditor:
        query = query.where(c.code == creditor)
    if provider:
        query = query.where(s.provider == provider)
    rows = uow.session.execute(query.order_by(c.code, s.provider, s.template_name)).all()
    return [SmsTemplate(r[0], r[1], r[2], r[3], r[4], _params(r[5])) for r in rows]


def approved_template(
    uow: UnitOfWork, creditor_id: int, provider: str, template: str | None
) -> ProviderTemplate | None:
    """The creditor's approved code for the template at the provider, or None (the message then fails)."""
    if template is None:
        return None
    s = t.sms_templates.c
    row = uow.session.execute(
        select(s.provider_template_code, s.sign_name, s.params).where(
            s.creditor_id == creditor_id, s.provider == provider, s.template_name == template
        )
    ).one_or_none()
    if row is None:
        return None
    return ProviderTemplate(
        code=row.provider_template_code, sign_name=row.sign_name, params=_params(row.params)
    )
