"""Creditors (tenants): adding one, finding one by code, setting its retention period."""

from __future__ import annotations

from zoneinfo import available_timezones

from sqlalchemy import select

from huikuan.domain.model import Creditor
from huikuan.errors import AlreadyExists, InvalidInput, NotFound
from huikuan.services.retention import MAX_RETENTION_YEARS, RetentionPolicy, policy_of
from huikuan.storage.tables import creditors
from huikuan.storage.uow import UnitOfWork

DEFAULT_ZONES = {
    "CN": "Asia/Shanghai",
    "US": "America/New_York",
    "GB": "Europe/London",
    "HK": "Asia/Hong_Kong",
}
KNOWN_PACKS = ("cn", "us-reg-f", "uk-conc")

# The default negotiation authority of each role, per creditor (basis points of the balance).
DEFAULT_AUTHORITY = {
    "collector": {"max_discount_bp": 1000, "max_instalments": 6, "min_first_payment_bp": 1000},
    "supervisor": {"max_discount_bp": 3000, "max_instalments": 24, "min_first_payment_bp": 500},
}


def add_creditor(
    uow: UnitOfWork,
    code: str,
    name: str,
    *,
    region: str = "CN",
    currency: str = "CNY",
    pack: str = "cn",
    time_zone: str | None = None,
) -> Creditor:
    code = code.strip()
    if not code:
        raise InvalidInput("creditor code: must not be empty")
    region, currency = region.upper(), currency.upper()
    if len(region) != 2 or not region.isalpha():
        raise InvalidInput("region: {region!r} is not an ISO 3166 country code such as CN", region=region)
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput("currency: {currency!r} is not an ISO 4217 code such as CNY", currency=currency)
    if pack not in KNOWN_PACKS:
        raise InvalidInput("pack: {pack!r} is not one of {packs}", pack=pack, packs=", ".join(KNOWN_PACKS))
    zone = time_zone or DEFAULT_ZONES.get(region, "UTC")
    if zone not in available_timezones():
        raise InvalidInput("time zone: {zone!r} is not a known IANA zone", zone=zone)
    if uow.session.scalar(select(Creditor).where(creditors.c.code == code)):
        raise AlreadyExists("creditor {code} exists already", code=code)
    creditor = Creditor(
        code=code,
        name=name,
        region=region,
        currency=currency,
        pack=pack,
        time_zone=zone,
        authority_policy=dict(DEFAULT_AUTHORITY),
    )
    uow.session.add(creditor)
    uow.session.flush()
    return creditor


def get_creditor(uow: UnitOfWork, code: str) -> Creditor:
    creditor = uow.session.scalar(select(Creditor).where(creditors.c.code == code))
    if creditor is None:
        raise NotFound("no creditor with code {code!r}; add it with `huikuan creditor add`", code=code)
    return creditor


def list_creditors(uow: UnitOfWork) -> list[Creditor]:
    return list(uow.session.scalars(select(Creditor).order_by(creditors.c.code)))


def set_retention_years(uow: UnitOfWork, code: str, years: int | None) -> RetentionPolicy:
    """The creditor's own retention period in years (None: its pack's default), never below the pack's
    minimum; returns the policy now in force. Does not commit."""
    creditor = get_creditor(uow, code)
    pack = policy_of(creditor.pack, None)
    if years is not None and years < pack.min_years:
        raise InvalidInput(
            "retention: {years} years is less than the {pack} pack's minimum of {minimum}",
            years=years,
            pack=creditor.pack,
            minimum=pack.min_years,
        )
    if years is not None and years > MAX_RETENTION_YEARS:
        raise InvalidInput("retention: at most {maximum} years", maximum=MAX_RETENTION_YEARS)
    creditor.retention_years = years
    uow.session.flush()
    return policy_of(creditor.pack, years)


def retention_of(uow: UnitOfWork, code: str) -> RetentionPolicy:
    creditor = get_creditor(uow, code)
    return policy_of(creditor.pack, creditor.retention_years)
