"""A creditor's money terms and the commission a payment earns: pure rules, no storage.

Terms are versioned by the day they start (services/money_terms.py keeps them); a payment uses the
version in force on the local day it was paid. A tier's rate applies to what the payment paid off one
debt (never to an overpayment held); the first tier that matches the payment wins, so list the narrow
ones first. Amounts are minor units; a rate is in basis points (2500 = 25%); commission is rounded half
up to the minor unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from huikuan.domain.ledger import DEFAULT_ORDER, Part, Route

SOURCES = ("agency", "direct")  # collected by the agency, or reported by the creditor as paid to it
REMITTANCES = ("net", "gross")


class BadTerms(ValueError):
    """Terms that cannot be used; the message names the field. Like huikuan.errors' classes, it keeps an
    English msgid with `{name}` fields and their values, so the service shows it translated."""

    def __init__(self, msgid: str, /, **values: object) -> None:
        self.msgid = msgid
        self.values = values
        super().__init__(msgid.format(**values) if values else msgid)


@dataclass(frozen=True)
class Tier:
    rate_bp: int
    source: str | None = None  # None: both
    product: str | None = None
    min_age_days: int = 0  # days from placement to payment
    max_age_days: int | None = None  # exclusive
    min_balance: int = 0  # the account's balance when placed, minor units
    max_balance: int | None = None  # exclusive

    def matches(self, ctx: Earning) -> bool:
        return (
            (self.source is None or self.source == ctx.source)
            and (self.product is None or self.product == ctx.product)
            and ctx.age_days >= self.min_age_days
            and (self.max_age_days is None or ctx.age_days < self.max_age_days)
            and ctx.placed_balance >= self.min_balance
            and (self.max_balance is None or ctx.placed_balance < self.max_balance)
        )


@dataclass(frozen=True)
class Terms:
    starts_on: date
    route: Route = Route.TRUST
    remittance: str = "net"
    order: tuple[Part, ...] = DEFAULT_ORDER
    tiers: tuple[Tier, ...] = ()
    flat_fee: int = 0  # per payment that pays something, minor units
    cap_per_account: int | None = None  # the most commission one account earns over its life
    direct_commission: bool = True  # payments the creditor reports earn commission too
    convenience_fee: int = 0  # added to what a debtor pays through a provider; never in us-reg-f

    @property
    def net(self) -> bool:
        return self.remittance == "net"


@dataclass(frozen=True)
class Earning:
    """One allocation of a payment, as the tiers see it."""

    amount: int
    source: str
    product: str
    age_days: int
    placed_balance: int
    earned_before: int = 0  # commission this account earned already (for the cap)


def commission(terms: Terms, earnings: Sequence[Earning]) -> tuple[int, ...]:
    """The commission of one payment, per allocation: each at the rate of its first matching tier, the
    account's cap respected, and the flat fee once (on the first allocation that earns)."""
    out: list[int] = []
    flat_left = terms.flat_fee
    for e in earnings:
        if e.amount <= 0 or (e.source == "direct" and not terms.direct_commission):
            out.append(0)
            continue
        tier = next((t for t in terms.tiers if t.matches(e)), None)
        earned = (_rate(e.amount, tier.rate_bp) if tier else 0) + flat_left
        flat_left = 0
        if terms.cap_per_account is not None:
            earned = max(0, min(earned, terms.cap_per_account - e.earned_before))
        out.append(earned)
    return tuple(out)


def _rate(amount: int, rate_bp: int) -> int:
    """amount × rate_bp / 10000, rounded half up (integers only)."""
    return (amount * rate_bp + 5000) // 10000


def parse_terms(raw: Mapping[str, Any], *, pack: str) -> Terms:
    """Terms from their stored (or typed) form; BadTerms names the first field at fault."""
    try:
        starts_on = date.fromisoformat(str(raw["starts_on"]))
    except (KeyError, ValueError) as exc:
        raise BadTerms("starts_on: a date (YYYY-MM-DD)") from exc
    try:
        route = Route(raw.get("route", Route.TRUST.value))
    except ValueError as exc:
        raise BadTerms("route: trust or creditor") from exc
    remittance = raw.get("remittance", "net")
    if remittance not in REMITTANCES:
        raise BadTerms("remittance: net or gross")
    order_raw = raw.get("order", [p.value for p in DEFAULT_ORDER])
    try:
        order = tuple(Part(p) for p in order_raw)
    except ValueError as exc:
        raise BadTerms("order: fees, interest and principal, each once") from exc
    if sorted(order) != sorted(Part):
        raise BadTerms("order: fees, interest and principal, each once")
    tiers = tuple(_tier(i, t) for i, t in enumerate(raw.get("tiers", [])))
    flat_fee = _whole(raw.get("flat_fee", 0), "flat_fee")
    cap = raw.get("cap_per_account")
    convenience_fee = _whole(raw.get("convenience_fee", 0), "convenience_fee")
    if convenience_fee and pack == "us-reg-f":
        raise BadTerms("convenience_fee: never charged under us-reg-f (12 CFR 1006.22(b))")
    return Terms(
        starts_on=starts_on,
        route=route,
        remittance=str(remittance),
        order=order,
        tiers=tiers,
        flat_fee=flat_fee,
        cap_per_account=None if cap is None else _whole(cap, "cap_per_account"),
        direct_commission=bool(raw.get("direct_commission", True)),
        convenience_fee=convenience_fee,
    )


def terms_dict(terms: Terms) -> dict[str, Any]:
    """The stored form of terms (parse_terms reads it back)."""
    return {
        "starts_on": terms.starts_on.isoformat(),
        "route": terms.route.value,
        "remittance": terms.remittance,
        "order": [p.value for p in terms.order],
        "tiers": [
            {k: v for k, v in t.__dict__.items() if v is not None and not (k.startswith("min_") and v == 0)}
            for t in terms.tiers
        ],
        "flat_fee": terms.flat_fee,
        "cap_per_account": terms.cap_per_account,
        "direct_commission": terms.direct_commission,
        "convenience_fee": terms.convenience_fee,
    }


def _tier(i: int, raw: Any) -> Tier:
    if not isinstance(raw, Mapping):
        raise BadTerms("tiers[{i}]: a table of rate_bp and conditions", i=i)
    rate = _whole(raw.get("rate_bp"), f"tiers[{i}].rate_bp")
    if rate > 10000:
        raise BadTerms("tiers[{i}].rate_bp: at most 10000 (100%)", i=i)
    source = raw.get("source")
    if source is not None and source not in SOURCES:
        raise BadTerms("tiers[{i}].source: agency or direct", i=i)
    optional = {k: raw.get(k) for k in ("max_age_days", "max_balance")}
    return Tier(
        rate_bp=rate,
        source=source,
        product=raw.get("product"),
        min_age_days=_whole(raw.get("min_age_days", 0), f"tiers[{i}].min_age_days"),
        max_age_days=None
        if optional["max_age_days"] is None
        else _whole(optional["max_age_days"], "max_age_days"),
        min_balance=_whole(raw.get("min_balance", 0), f"tiers[{i}].min_balance"),
        max_balance=None
        if optional["max_balance"] is None
        else _whole(optional["max_balance"], "max_balance"),
    )


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadTerms("{name}: a whole number, zero or more", name=name)
    return value


def default_terms(region: str, on: date) -> Terms:
    """Terms for a creditor that has none: in China the money lands in the creditor's own account (an
    agency may not take debtors' money into its own and pass it on); elsewhere in the agency's trust
    account. No commission until terms are set."""
    return Terms(starts_on=on, route=Route.CREDITOR if region.upper() == "CN" else Route.TRUST)


@dataclass(frozen=True)
class TermsHistory:
    versions: tuple[Terms, ...] = field(default_factory=tuple)

    def on(self, day: date, fallback: Terms) -> Terms:
        """The version in force on `day` (the latest that started on or before it)."""
        found = [v for v in self.versions if v.starts_on <= day]
        return max(found, key=lambda v: v.starts_on) if found else fallback
