"""The double-entry ledger's pure rules: its books, balanced entries, reversals, and how a payment is
allocated among the debts of a case and the parts of a debt.

Every money movement is one entry of one or more legs; a leg moves `amount` (> 0 minor units, one
currency) from the `credit` side to the `debit` side, so the debits of an entry always equal its credits
in each currency. A book is a kind of ledger account; a ledger account is a book and a reference (the
debt account's id for `receivable` and `held`, the creditor's id for the rest).

Books, with the side their balance normally sits on:

- receivable (debit), per debt account: what the debtor owes. Equals the account's stored balance.
- portfolio (credit), per creditor: the creditor's claims placed with the agency (equals the sum of its
  receivables).
- trust (debit), per creditor: money in the agency's trust (client) account held for the creditor.
- payable (credit), per creditor: what the agency owes the creditor out of its trust account.
- income (credit), per creditor: commission the agency earned on the creditor's accounts.
- commission_due (debit), per creditor: commission the creditor owes the agency (money that reached the
  creditor directly, or remitted gross and invoiced).
- direct (debit), per creditor: money paid to the creditor directly (its own merchant account or its own
  bank), known to the agency but never in its hands; only an overpayment stays on it, until refunded.
- held (credit), per debt account: an overpayment held for the debtor until refunded.
- agency_cash (debit), per creditor: commission taken out of the trust account at remittance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Book(StrEnum):
    RECEIVABLE = "receivable"
    PORTFOLIO = "portfolio"
    TRUST = "trust"
    PAYABLE = "payable"
    INCOME = "income"
    COMMISSION_DUE = "commission_due"
    DIRECT = "direct"
    HELD = "held"
    AGENCY_CASH = "agency_cash"


# Books whose reference is a debt account (the rest name the creditor).
ACCOUNT_BOOKS = frozenset({Book.RECEIVABLE, Book.HELD})
DEBIT_NORMAL = frozenset({Book.RECEIVABLE, Book.TRUST, Book.COMMISSION_DUE, Book.DIRECT, Book.AGENCY_CASH})


class EntryKind(StrEnum):
    PLACEMENT = "placement"  # an account placed: its opening balance
    ADJUSTMENT = "adjustment"  # the creditor changed a balance (a new file, a dispute upheld in part)
    PAYMENT = "payment"  # money received, by the agency or the creditor
    REVERSAL = "reversal"  # a payment undone: bounced, charged back, refunded, posted to the wrong case
    REFUND = "refund"  # an overpayment paid back to the debtor
    REMITTANCE = "remittance"  # the creditor paid its net (or gross) collections out of the trust account


class Route(StrEnum):
    """Where a payment's money lands."""

    TRUST = "trust"  # the agency's trust (client) account
    CREDITOR = "creditor"  # the creditor's own account (its merchant account through a provider's
    # service-provider mode, or its own bank: a direct payment)


class Part(StrEnum):
    FEES = "fees"
    INTEREST = "interest"
    PRINCIPAL = "principal"


DEFAULT_ORDER: tuple[Part, ...] = (Part.FEES, Part.INTEREST, Part.PRINCIPAL)


class Unbalanced(ValueError):
    """An entry whose legs are not acceptable (a leg of zero or less, a leg from a ledger account to
    itself, mixed currencies in one leg)."""


@dataclass(frozen=True, slots=True)
class Side:
    book: Book
    ref: int

    def __str__(self) -> str:
        return f"{self.book.value}:{self.ref}"


@dataclass(frozen=True, slots=True)
class Leg:
    debit: Side
    credit: Side
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool) or self.amount <= 0:
            raise Unbalanced(f"a leg moves a positive whole number of minor units, not {self.amount!r}")
        if self.debit == self.credit:
            raise Unbalanced(f"a leg cannot move money from {self.debit} to itself")

    def swapped(self) -> Leg:
        return Leg(self.credit, self.debit, self.amount, self.currency)


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    creditor_id: int
    legs: tuple[Leg, ...]
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.legs:
            raise Unbalanced("an entry has at least one leg")

    def totals(self) -> dict[str, tuple[int, int]]:
        """(debits, credits) per currency: always equal, since every leg has both sides."""
        out: dict[str, tuple[int, int]] = {}
        for leg in self.legs:
            d, c = out.get(leg.currency, (0, 0))
            out[leg.currency] = (d + leg.amount, c + leg.amount)
        return out


def balances(legs: Iterable[Leg]) -> dict[Side, int]:
    """Each ledger account's balance on its normal side (a debit-normal book: debits - credits)."""
    out: dict[Side, int] = {}
    for leg in legs:
        for side, sign in ((leg.debit, 1), (leg.credit, -1)):
            normal = 1 if side.book in DEBIT_NORMAL else -1
            out[side] = out.get(side, 0) + sign * normal * leg.amount
    return {k: v for k, v in out.items() if v}


def reversal(entry_legs: Sequence[Leg], creditor_id: int, reason: str) -> Entry:
    """The entry that undoes another: each of its legs swapped."""
    return Entry(EntryKind.REVERSAL, creditor_id, tuple(leg.swapped() for leg in entry_legs), reason)


@dataclass(frozen=True)
class Debt:
    """What is left of one debt account, by part, for allocation."""

    account_id: int
    fees: int
    interest: int
    principal: int
    disputed: bool = False

    @property
    def balance(self) -> int:
        return self.fees + self.interest + self.principal

    def part(self, part: Part) -> int:
        return int(getattr(self, part.value))


@dataclass(frozen=True)
class Allocation:
    account_id: int
    fees: int = 0
    interest: int = 0
    principal: int = 0

    @property
    def amount(self) -> int:
        return self.fees + self.interest + self.principal


@dataclass(frozen=True)
class Allocated:
    allocations: tuple[Allocation, ...]
    held: int  # what no debt could take: an overpayment, or money meant only for disputed debts
    skipped_disputed: tuple[int, ...] = field(default_factory=tuple)

    @property
    def applied(self) -> int:
        return sum(a.amount for a in self.allocations)


def allocate(
    amount: int,
    debts: Sequence[Debt],
    *,
    order: Sequence[Part] = DEFAULT_ORDER,
    directed: dict[int, int] | None = None,
    skip_disputed: bool = True,
) -> Allocated:
    """Splits a payment among debts and, within each debt, among its parts in the creditor's order.

    `debts` come in the order they are to be paid (the caller's: oldest first). `directed` is the
    debtor's direction: how much goes to which account, applied first and never beyond its balance; the
    rest follows the order. A disputed debt takes nothing when `skip_disputed` (FDCPA §810: a payment is
    never applied to a disputed debt). What is left over is held.
    """
    if amount <= 0:
        raise Unbalanced("a payment is a positive amount")
    left = amount
    taken: dict[int, dict[Part, int]] = {}
    by_id = {d.account_id: d for d in debts}
    skipped = tuple(d.account_id for d in debts if d.disputed and skip_disputed)

    def take(debt: Debt, most: int) -> int:
        got = 0
        parts = taken.setdefault(debt.account_id, {})
        for part in order:
            room = debt.part(part) - parts.get(part, 0)
            bite = min(room, most - got)
            if bite > 0:
                parts[part] = parts.get(part, 0) + bite
                got += bite
        return got

    for account_id, wanted in (directed or {}).items():
        debt = by_id.get(account_id)
        if debt is None or (debt.disputed and skip_disputed) or wanted <= 0:
            continue
        left -= take(debt, min(wanted, left))
    for debt in debts:
        if left <= 0:
            break
        if debt.disputed and skip_disputed:
            continue
        left -= take(debt, left)
    allocations = tuple(
        Allocation(
            account_id,
            fees=parts.get(Part.FEES, 0),
            interest=parts.get(Part.INTEREST, 0),
            principal=parts.get(Part.PRINCIPAL, 0),
        )
        for account_id, parts in taken.items()
        if sum(parts.values()) > 0
    )
    return Allocated(allocations, left, skipped)


def payment_entry(
    *,
    creditor_id: int,
    currency: str,
    route: Route,
    allocated: Allocated,
    commission: int,
    net_remittance: bool,
    holder: int,
    reason: str = "",
) -> Entry:
    """The entry of one payment: the debts it pays, what it holds over, and its commission.

    Into the trust account: trust <- receivable-equivalent (payable to the creditor), portfolio ->
    receivable; a net remittance takes the commission out of what is payable, a gross one invoices it.
    To the creditor directly: portfolio -> receivable only (the money is the creditor's); the commission
    is owed by the creditor. What no debt took is held for the debtor on account `holder`.
    """
    legs: list[Leg] = []
    cash = Book.TRUST if route is Route.TRUST else Book.DIRECT
    for a in allocated.allocations:
        legs.append(
            Leg(Side(Book.PORTFOLIO, creditor_id), Side(Book.RECEIVABLE, a.account_id), a.amount, currency)
        )
    applied = allocated.applied
    if route is Route.TRUST and applied:
        legs.append(Leg(Side(Book.TRUST, creditor_id), Side(Book.PAYABLE, creditor_id), applied, currency))
    if allocated.held:
        legs.append(Leg(Side(cash, creditor_id), Side(Book.HELD, holder), allocated.held, currency))
    if commission:
        owes = Book.PAYABLE if (route is Route.TRUST and net_remittance) else Book.COMMISSION_DUE
        legs.append(Leg(Side(owes, creditor_id), Side(Book.INCOME, creditor_id), commission, currency))
    return Entry(EntryKind.PAYMENT, creditor_id, tuple(legs), reason)
