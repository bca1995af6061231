"""Where a creditor's money lands with a provider: its own merchant in the provider's service-provider mode.

In China an agency may not take debtors' money into its own merchant account and pass it on (unlicensed
clearing, 二清): a creditor whose terms route money to itself (`route: creditor`, the cn default) is paid
through the provider's service-provider mode into the creditor's own merchant, named by the fields set
here: Alipay's `app_auth_token` (the creditor authorised the agency's app), WeChat Pay's `sub_mchid` (the
creditor is the agency's sub-merchant). Each value is sealed at rest (huikuan.sealing); a list shows it
masked; only the link service opens it, to hand it to the provider.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from huikuan.channels.payments import registry
from huikuan.errors import InvalidInput, NotFound
from huikuan.sealing import seal, unseal
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

PURPOSE = "payment merchant"  # what a merchant's values are sealed for (huikuan.sealing)
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
VALUE_MAX = 500
SHOWN_CHARS = 4  # a masked value shows its last characters only


@dataclass(frozen=True)
class Merchant:
    creditor: str  # the creditor's code
    provider: str
    fields: dict[str, str]  # masked
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "creditor": self.creditor,
            "provider": self.provider,
            "fields": self.fields,
            "created_at": self.created_at.isoformat(),
        }


def mask(value: str) -> str:
    """`••••abcd`: enough to tell two values apart, never enough to use one."""
    return "••••" + (value[-SHOWN_CHARS:] if len(value) > 2 * SHOWN_CHARS else "")


def _creditor_id(conn: Connection, code: str) -> int:
    found = conn.execute(select(t.creditors.c.id).where(t.creditors.c.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFound("No creditor with code {code}", code=code)
    return int(found)


def _checked(provider: str, fields: Mapping[str, str]) -> dict[str, str]:
    if provider not in registry.FACTORIES:
        raise InvalidInput(
            "Unknown provider {provider}: one of {known}",
            provider=provider,
            known=", ".join(sorted(registry.FACTORIES)) or "-",
        )
    if not fields:
        raise InvalidInput("Give the merchant's fields, e.g. --field sub_mchid=1900000109")
    clean = {}
    for name, value in fields.items():
        if not FIELD_NAME.match(name):
            raise InvalidInput("A field's name is lower-case letters, digits and _: {name}", name=name)
        text = value.strip()
        if not text or len(text) > VALUE_MAX:
            raise InvalidInput(
                "The field {name} needs a value of at most {n} characters", name=name, n=VALUE_MAX
            )
        clean[name] = text
    return clean


def set_merchant(
    uow: UnitOfWork,
    user_id: int | None,
    creditor: str,
    provider: str,
    fields: Mapping[str, str],
    *,
    now: datetime | None = None,
) -> Merchant:
    """Sets (or replaces) the creditor's merchant with the provider and commits."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    clean = _checked(provider, fields)
    conn = uow.session.connection()
    creditor_id = _creditor_id(conn, creditor)
    sealed = {name: seal(value, PURPOSE) for name, value in clean.items()}
    m = t.payment_merchants.c
    existing = conn.execute(
        select(m.id).where(m.creditor_id == creditor_id, m.provider == provider)
    ).scalar_one_or_none()
    values = {"fields": sealed, "created_at": now, "created_by": user_id}
    if existing is None:
        conn.execute(insert(t.payment_merchants).values(creditor_id=creditor_id, provider=provider, **values))
    else:
        conn.execute(update(t.payment_merchants).where(m.id == existing).values(**values))
    audit.record(
        conn,
        at=now,
        user_id=user_id,
        action="payment_merchant.set",
        entity="creditor",
        entity_id=creditor_id,
        detail={"provider": provider, "fields": sorted(clean), "replaced": existing is not None},
    )
    uow.commit()
    return Merchant(creditor, provider, {k: mask(v) for k, v in clean.items()}, now)


def list_merchants(uow: UnitOfWork, creditor: str | None = None) -> list[Merchant]:
    """Every creditor's merchants (or one creditor's), values masked."""
    m, cr = t.payment_merchants.c, t.creditors.c
    query = (
        select(cr.code, m.provider, m.fields, m.created_at)
        .join(t.creditors, cr.id == m.creditor_id)
        .order_by(cr.code, m.provider)
    )
    if creditor is not None:
        query = query.where(m.creditor_id == _creditor_id(uow.session.connection(), creditor))
    return [
        Merchant(r.code, r.provider, {k: mask(unseal(v, PURPOSE)) for k, v in r.fields.items()}, r.created_at)
        for r in uow.session.execute(query)
    ]


def merchant_fields(conn: Connection, creditor_id: int, provider: str) -> dict[str, str] | None:
    """The creditor's merchant with the provider, opened (for the provider's request only); None when the
    creditor has none."""
    m = t.payment_merchants.c
    fields = conn.execute(
        select(m.fields).where(m.creditor_id == creditor_id, m.provider == provider)
    ).scalar_one_or_none()
    if fields is None:
        return None
    return {name: unseal(value, PURPOSE) for name, value in fields.items()}


def merchant_providers(conn: Connection, creditor_id: int) -> frozenset[str]:
    """The providers the creditor has a merchant with."""
    m = t.payment_merchants.c
    return frozenset(conn.execute(select(m.provider).where(m.creditor_id == creditor_id)).scalars())
