"""A statement's totals, derived from the sums of its covered entries' lines (storage/statements.py):
pure arithmetic on the ledger, so that every figure ties to the journal to the fen.

Each payment falls in one of three kinds: `trust` (collected by the agency into its trust account),
`creditor` (collected by the agency into the creditor's own merchant account) and `direct` (paid to
the creditor and reported by it). A reversal's lines are the payment's swapped; they are read back in
the payment's direction and subtracted.

- collected_K / reversed_K: what the payments of kind K took off debts plus what they held over (the
  amount paid), and the same for the reversals of such payments.
- held_K: of that, what no debt took (an overpayment held for the debtor, not remitted).
- commission_K: the commission earned, less the commission given back by reversals.
- commission_deducted: commission taken out of the trust collections (net remittance).
- remittance: what the agency owes the creditor for the period: the movement of the payable book
  (net: trust collections − reversals − held − commission; gross: without deducting commission).
- invoice: commission the creditor owes the agency (gross trust commission, and the commission on
  money that reached the creditor directly): the movement of the commission_due book.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from huikuan.domain.ledger import Book, EntryKind

KINDS = ("trust", "creditor", "direct")
FIELDS = (
    *(f"{what}_{kind}" for what in ("collected", "reversed", "held", "commission") for kind in KINDS),
    "commission_deducted",
    "remittance",
    "invoice",
    "payments",
    "reversals",
)


def payment_kind(source: str | None, route: str | None) -> str:
    if source == "direct":
        return "direct"
    return "trust" if route == "trust" else "creditor"


def empty() -> dict[str, int]:
    return dict.fromkeys(FIELDS, 0)


def totals(
    sums: Iterable[Mapping[str, Any]], counts: Iterable[Mapping[str, Any]]
) -> dict[str, dict[str, int]]:
    """Totals per currency (minor units) from line sums (currency, kind, source, route, debit_book,
    credit_book, amount) and entry counts (currency, kind, n)."""
    out: dict[str, dict[str, int]] = {}
    for row in sums:
        got = out.setdefault(row["currency"], empty())
        reversal = row["kind"] == EntryKind.REVERSAL.value
        sign = -1 if reversal else 1
        debit, credit = Book(row["debit_book"]), Book(row["credit_book"])
        if reversal:
            debit, credit = credit, debit
        kind, amount = payment_kind(row["source"], row["route"]), int(row["amount"])
        if (debit, credit) == (Book.PORTFOLIO, Book.RECEIVABLE) or credit is Book.HELD:
            got[f"{'reversed' if reversal else 'collected'}_{kind}"] += amount
        if credit is Book.HELD:
            got[f"held_{kind}"] += sign * amount
        if credit is Book.INCOME:
            got[f"commission_{kind}"] += sign * amount
            if debit is Book.PAYABLE:
                got["commission_deducted"] += sign * amount
            if debit is Book.COMMISSION_DUE:
                got["invoice"] += sign * amount
        if credit is Book.PAYABLE:
            got["remittance"] += sign * amount
        if debit is Book.PAYABLE:
            got["remittance"] -= sign * amount
    for row in counts:
        got = out.setdefault(row["currency"], empty())
        got["payments" if row["kind"] == EntryKind.PAYMENT.value else "reversals"] += int(row["n"])
    return out


def headline(per_currency: Mapping[str, Mapping[str, int]], currency: str) -> dict[str, int]:
    """The four figures the command line gives for one currency: collected, reversed, commission (all
    kinds, net of reversals) and remittance."""
    got = per_currency.get(currency) or empty()
    return {
        "collected": sum(got[f"collected_{k}"] for k in KINDS),
        "reversed": sum(got[f"reversed_{k}"] for k in KINDS),
        "commission": sum(got[f"commission_{k}"] for k in KINDS),
        "remittance": got["remittance"],
        "invoice": got["invoice"],
    }
