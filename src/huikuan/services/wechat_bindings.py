"""Binding a debtor's WeChat openid, with the person's consent (docs/channels.md "Binding a debtor's
WeChat").

A bind link is signed and expires (HUIKUAN_WECHAT_BIND_DAYS): it names a case, and it is printed as the
QR code of the case's letters and opened by the (future) debtor portal inside WeChat. Opening it sends the
person through WeChat's OAuth (`snsapi_base`, silent: it yields the openid and nothing else); the
callback exchanges the code for the openid and shows a consent page; only the person's "yes" binds the
openid to the case's debtor, recording the text shown, the time and the address it came from. The
binding is also a contact point of kind "wechat" (its value the openid), so that the gate, the outbox
and the case page treat it like any other point; WeChat is planned only for debtors with an active,
followed binding (`bound_debtors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import polars as pl
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Connection, insert, select, update

from huikuan.channels import wechat
from huikuan.channels.wechat import oauth
from huikuan.config import Settings
from huikuan.domain.enums import ContactStatus
from huikuan.domain.portfolio import Portfolio
from huikuan.errors import InvalidInput, NotFound
from huikuan.i18n import gettext
from huikuan.local_secrets import local_secret
from huikuan.services.fact_history import changing_facts
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork
from huikuan.storage.wechat_session import DatabaseSessionStorage

BIND_SALT = "huikuan.wechat.bind"
CONSENT_SALT = "huikuan.wechat.consent"
CONSENT_SECONDS = 30 * 60  # the consent page is answered within half an hour of WeChat's redirect
CONSENT_TEXT = (
    "I agree that {agency} sends me messages about my account through this WeChat official account. "
    "I can stop them at any time by unfollowing the account or by replying TD."
)
ADDRESS_MAX = 64


@dataclass(frozen=True)
class Consent:
    """What the consent page shows and posts back: the signed pair (case, openid) and the text."""

    token: str
    case_id: int
    openid: str
    text: str


def _signer(settings: Settings, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(local_secret("secret_key", settings.secret_key), salt=salt)


def bind_token(settings: Settings, case_id: int) -> str:
    """The signed token of a case's bind link (it expires HUIKUAN_WECHAT_BIND_DAYS after it is read)."""
    return str(_signer(settings, BIND_SALT).dumps({"c": case_id}))


def bind_url(settings: Settings, case_id: int) -> str | None:
    """The case's bind link, printed as a QR code on its letters; None while WeChat or the public address
    is not configured."""
    if not (oauth.configured(settings) and settings.public_url):
        return None
    return f"{settings.public_url.rstrip('/')}/wx/bind/{bind_token(settings, case_id)}"


def case_of(settings: Settings, token: str) -> int:
    """The case a bind token names; NotFound when it is forged or expired."""
    try:
        data = _signer(settings, BIND_SALT).loads(token, max_age=settings.wechat_bind_days * 86_400)
    except BadSignature:
        raise NotFound("This link is not valid or has expired") from None
    return int(data["c"])


def require_wechat(settings: Settings) -> None:
    """NotFound while the floor has no official account: its pages do not exist."""
    if not oauth.configured(settings):
        raise NotFound("This link is not valid or has expired")


def authorize_url(uow: UnitOfWork, settings: Settings, token: str) -> str:
    """Where a bind link sends the person: WeChat's authorization page, with the token as its state."""
    require_wechat(settings)
    _case(uow, case_of(settings, token))
    return oauth.authorize_url(settings, redirect_uri=_callback(settings), state=token)


def consent(uow: UnitOfWork, settings: Settings, code: str, state: str, locale: str) -> Consent:
    """WeChat's redirect: the code exchanged for the openid, and the consent the person is asked for."""
    require_wechat(settings)
    case_id = case_of(settings, state)
    _case(uow, case_id)
    openid = oauth.openid_for(settings, code)
    token = str(_signer(settings, CONSENT_SALT).dumps({"c": case_id, "o": openid}))
    return Consent(token=token, case_id=case_id, openid=openid, text=consent_text(settings, locale))


def consent_again(settings: Settings, token: str, locale: str) -> Consent:
    """The same consent in another language (the page's language switch), from its signed token."""
    case_id, openid = _consent_token(settings, token)
    return Consent(token=token, case_id=case_id, openid=openid, text=consent_text(settings, locale))


def _consent_token(settings: Settings, token: str) -> tuple[int, str]:
    try:
        data = _signer(settings, CONSENT_SALT).loads(token, max_age=CONSENT_SECONDS)
    except BadSignature:
        raise InvalidInput("This page has expired: open the link again") from None
    return int(data["c"]), str(data["o"])


def consent_text(settings: Settings, locale: str) -> str:
    own = settings.agency_name_zh if locale == "zh_CN" else settings.agency_name
    agency = own or settings.agency_name or settings.agency_name_zh or "Huikuan"
    return gettext(CONSENT_TEXT, locale, agency=agency)


def bind(
    uow: UnitOfWork,
    settings: Settings,
    token: str,
    *,
    locale: str,
    address: str,
    source: str = "oauth",
    now: datetime | None = None,
) -> int:
    """The person said yes: the openid is bound to the case's debtor (again, if it was before); the
    binding's id."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    case_id, openid = _consent_token(settings, token)
    # Asked before our transaction begins: the token store writes on its own connection, and a SQLite
    # transaction that began before that write could not write after it.
    uow.rollback()
    followed = _follows(uow, settings, openid)
    case = _case(uow, case_id)
    debtor_id, app_id = int(case.debtor_id), settings.wechat_app_id
    text = consent_text(settings, locale)
    b, cp = t.wechat_bindings.c, t.contact_points.c
    with changing_facts(uow, [debtor_id], user_id=None, reason="wechat.bound", at=when):
        point_id = uow.session.execute(
            select(cp.id).where(cp.debtor_id == debtor_id, cp.kind == "wechat", cp.value == openid)
        ).scalar()
        point_values: dict[str, Any] = {
            "status": ContactStatus.VALID.value,
            "consent": True,
            "consent_at": when,
            "consent_how": "WeChat " + source,
            "verified_at": when,
            "status_reason": None,
            "status_at": when,
        }
        if point_id is None:
            point_id = uow.session.execute(
                insert(t.contact_points)
                .values(debtor_id=debtor_id, kind="wechat", value=openid, source="debtor", added_at=when)
                .values(**point_values)
                .returning(cp.id)
            ).scalar_one()
        else:
            uow.session.execute(update(t.contact_points).where(cp.id == point_id).values(**point_values))
        values: dict[str, Any] = {
            "source": source,
            "consent_text": text,
            "consent_locale": locale,
            "consent_at": when,
            "consent_address": address[:ADDRESS_MAX],
            "followed": followed,
            "status": "active",
            "status_at": when,
            "contact_point_id": point_id,
        }
        found = uow.session.execute(
            select(b.id).where(b.app_id == app_id, b.openid == openid, b.debtor_id == debtor_id)
        ).scalar()
        if found is None:
            found = uow.session.execute(
                insert(t.wechat_bindings)
                .values(debtor_id=debtor_id, app_id=app_id, openid=openid, **values)
                .returning(b.id)
            ).scalar_one()
        else:
            uow.session.execute(update(t.wechat_bindings).where(b.id == found).values(**values))
        record(
            uow.session,
            at=when,
            user_id=None,
            action="wechat.bound",
            entity="debtor",
            entity_id=debtor_id,
            detail={"case_id": int(case.id), "binding_id": int(found), "source": source},
        )
    uow.commit()
    return int(found)


def mark_gone(uow: UnitOfWork, app_id: str, openid: str, *, code: int, now: datetime) -> None:
    """WeChat refused the openid: 43004 (unfollowed) sets followed false; 40003 makes the binding invalid.
    Either way its contact point stops being usable until the person follows or binds again."""
    if code == 43004:
        set_followed(uow, app_id, openid, False, now=now)
        return
    b = t.wechat_bindings.c
    rows = uow.session.execute(
        select(b.id, b.debtor_id, b.contact_point_id).where(b.app_id == app_id, b.openid == openid)
    ).all()
    with changing_facts(uow, [r.debtor_id for r in rows], user_id=None, reason="wechat.invalid", at=now):
        uow.session.execute(
            update(t.wechat_bindings)
            .where(b.app_id == app_id, b.openid == openid)
            .values(status="invalid", status_at=now)
        )
        _points(uow, [r.contact_point_id for r in rows], ContactStatus.WRONG_PARTY.value, "invalid", now)


def set_followed(uow: UnitOfWork, app_id: str, openid: str, followed: bool, *, now: datetime) -> int:
    """A subscribe or unsubscribe event (or 43004): every binding of the openid follows it; how many."""
    b = t.wechat_bindings.c
    rows = uow.session.execute(
        select(b.id, b.debtor_id, b.contact_point_id).where(
            b.app_id == app_id, b.openid == openid, b.status == "active"
        )
    ).all()
    if not rows:
        return 0
    reason = "wechat.followed" if followed else "wechat.unfollowed"
    with changing_facts(uow, [r.debtor_id for r in rows], user_id=None, reason=reason, at=now):
        uow.session.execute(
            update(t.wechat_bindings)
            .where(b.id.in_([r.id for r in rows]))
            .values(followed=followed, status_at=now)
        )
        status = ContactStatus.VALID.value if followed else ContactStatus.DISCONNECTED.value
        _points(uow, [r.contact_point_id for r in rows], status, None if followed else "unfollowed", now)
    return len(rows)


def bound_debtors(conn: Connection, app_id: str) -> list[int]:
    """The debtors WeChat may be planned for: an active binding to a follower of the account."""
    if not app_id:
        return []
    b = t.wechat_bindings.c
    rows = conn.execute(
        select(b.debtor_id).where(b.app_id == app_id, b.status == "active", b.followed.is_(True)).distinct()
    ).scalars()
    return [int(d) for d in rows]


def wechat_reach(portfolio: Portfolio, bound: Sequence[int]) -> Portfolio:
    """The portfolio with `has_wechat` true exactly for the debtors in `bound` (bound_debtors)."""
    if "has_wechat" not in portfolio.cases.columns:
        return portfolio
    reach = pl.col("debtor_id").is_in(list(bound)).fill_null(False).alias("has_wechat")
    return replace(portfolio, cases=portfolio.cases.with_columns(reach))


def _points(uow: UnitOfWork, ids: list[int | None], status: str, reason: str | None, now: datetime) -> None:
    wanted = [i for i in ids if i is not None]
    if wanted:
        uow.session.execute(
            update(t.contact_points)
            .where(t.contact_points.c.id.in_(wanted))
            .values(status=status, status_reason=reason, status_at=now)
        )


def _follows(uow: UnitOfWork, settings: Settings, openid: str) -> bool:
    """Whether the person follows the account now (a letter's QR code may be scanned by someone who does
    not): asked of WeChat; when it cannot say, yes, and a 43004 or the unsubscribe event corrects it."""
    client = wechat.transport(settings)
    if client is None:
        return True
    client.use_session(DatabaseSessionStorage(uow.engine))
    known = client.follows(openid)
    return True if known is None else known


def _case(uow: UnitOfWork, case_id: int) -> Any:
    c = t.cases.c
    row = uow.session.execute(select(c.id, c.debtor_id).where(c.id == case_id)).one_or_none()
    if row is None:
        raise NotFound("This link is not valid or has expired")
    return row


def _callback(settings: Settings) -> str:
    return f"{settings.public_url.rstrip('/')}/wx/oauth"
