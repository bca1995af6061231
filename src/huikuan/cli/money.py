"""`huikuan payments`, `huikuan ledger` and `huikuan terms`: the money from the command line
(docs/money.md). Thin: parse the arguments, call services/payments.py,
services/payment_reversal.py, services/ledger.py and services/money_terms.py, print.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from huikuan.cli.common import fail, instant, open_uow, working_uow
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _

payments_app = typer.Typer(
    help="Payments the agency receives: post, reverse, move.", no_args_is_help=True, add_completion=False
)
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True, add_completion=False)
terms_app = typer.Typer(
    help="A creditor's money terms: where money lands, remittance, commission.",
    no_args_is_help=True,
    add_completion=False,
)


def _amount(text: str, currency: str) -> int:
    from huikuan.domain.money import Money

    try:
        return Money.parse(text.replace(",", ""), currency).minor
    except (ValueError, ArithmeticError) as exc:
        raise fail(_("--amount: {value!r} is not an amount such as 100.00", value=text), 2) from exc


@payments_app.command("post")
def post(
    case_id: int = typer.Argument(..., help="The case the payment is for"),
    amount: str = typer.Option(..., "--amount", help="In the case's currency, e.g. 100.00"),
    method: str = typer.Option(..., "--method", help="cash, bank_transfer, cheque, card, other"),
    reference: str = typer.Option(..., "--reference", help="The bank's, receipt's or cheque's number"),
    paid_at: str | None = typer.Option(None, "--paid-at", help="When it was paid (ISO 8601 with zone)"),
    note: str = typer.Option("", "--note"),
    direct: bool = typer.Option(False, "--direct", help="Paid to the creditor itself (a direct payment)"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object with the allocations"),
    now: str | None = typer.Option(None, "--now", help="Pretend it is this instant (ISO 8601)"),
) -> None:
    """Post a payment received for a case: allocated to its debts, its commission computed, written to
    the ledger. A reference the creditor's payments used already is refused (exit 1, nothing written)."""
    from huikuan.services.case_debts import case_currency
    from huikuan.services.payments import PostPayment, post_payment

    try:
        with open_uow(immediate=True) as uow:
            minor = _amount(amount, case_currency(uow, case_id))
            posted = post_payment(
                uow,
                None,
                PostPayment(
                    case_id=case_id,
                    amount=minor,
                    method=method,
                    reference=reference,
                    paid_at=instant(paid_at),
                    note=note,
                    source="direct" if direct else "agency",
                ),
                now=instant(now),
            )
    except HuikuanError as exc:
        raise fail(str(exc), as_json=as_json) from exc
    if as_json:
        typer.echo(json.dumps(posted.as_dict(), ensure_ascii=False))
        return
    typer.echo(
        _(
            "Payment {id} posted: {amount} {currency} on case {case}, commission {commission}, held {held}",
            id=posted.payment_id,
            amount=amount,
            currency=posted.currency,
            case=case_id,
            commission=posted.commission,
            held=posted.allocated.held,
        )
    )


@payments_app.command("reverse")
def reverse(
    payment_id: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Why (bank's return code, the chargeback's notice ...)"),
    kind: str = typer.Option("error", "--kind", help="bounced, chargeback, refund, error"),
    as_json: bool = typer.Option(False, "--json"),
    now: str | None = typer.Option(None, "--now"),
) -> None:
    """Reverse a payment by a new entry: balances restored, promises and instalments judged again."""
    from huikuan.services.payment_reversal import reverse_payment

    with working_uow(immediate=True) as uow:
        done = reverse_payment(uow, None, payment_id, kind=kind, reason=reason, now=instant(now))
    if as_json:
        typer.echo(json.dumps(done.as_dict()))
    else:
        typer.echo(_("Payment {id} reversed ({kind})", id=payment_id, kind=kind))


@payments_app.command("move")
def move(
    payment_id: int = typer.Argument(...),
    to_case: int = typer.Option(..., "--to-case", help="The case it belongs to (same creditor)"),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
    now: str | None = typer.Option(None, "--now"),
) -> None:
    """Move a payment posted to the wrong case: reversed there, posted again on the right one."""
    from huikuan.services.payment_reversal import move_payment

    with working_uow(immediate=True) as uow:
        done = move_payment(uow, None, payment_id, to_case_id=to_case, reason=reason, now=instant(now))
    if as_json:
        typer.echo(json.dumps(done.as_dict()))
    else:
        typer.echo(
            _(
                "Payment {id} moved to case {case} as payment {new}",
                id=payment_id,
                case=to_case,
                new=done.moved_to,
            )
        )


@payments_app.command("refund")
def refund(
    account_id: int = typer.Argument(..., help="The debt account the money is held for"),
    amount: str = typer.Option(..., "--amount", help="How much to pay back, e.g. 50.00"),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
    now: str | None = typer.Option(None, "--now"),
) -> None:
    """Pay back money held for a debtor (an overpayment): an entry of its own."""
    from sqlalchemy import select

    from huikuan.services.refunds import refund_held
    from huikuan.storage import tables as t

    with working_uow(immediate=True) as uow:
        currency = uow.session.execute(
            select(t.accounts.c.currency).where(t.accounts.c.id == account_id)
        ).scalar_one_or_none()
        minor = _amount(amount, currency or "CNY")
        done = refund_held(uow, None, account_id, amount=minor, reason=reason, now=instant(now))
    if as_json:
        typer.echo(json.dumps(done.as_dict()))
    else:
        typer.echo(_("{amount} paid back; {left} still held", amount=amount, left=done.held_left))


@ledger_app.command("check")
def check(
    creditor: str | None = typer.Option(None, "--creditor", help="Only this creditor's part"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check that every entry balances, every reversal undoes its entry, and every stored balance and
    allocation equals the sum of its entries. Exit 1 when anything differs."""
    from huikuan.services.creditors import get_creditor
    from huikuan.services.ledger import check_ledger

    with working_uow() as uow:
        ids = [get_creditor(uow, creditor).id or 0] if creditor else None
        report = check_ledger(uow, ids)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        typer.echo(_("{entries} entries, {lines} lines", entries=report.entries, lines=report.lines))
        for currency, books in sorted(report.balances.items()):
            typer.echo(f"{currency}: " + ", ".join(f"{b} {v}" for b, v in books.items() if v))
        for name, count in report.problems.items():
            if count:
                typer.echo(_("{problem}: {count}", problem=name, count=count))
        typer.echo(_("The ledger is consistent") if report.ok else _("The ledger is NOT consistent"))
    if not report.ok:
        raise typer.Exit(1)


@terms_app.command("set")
def set_terms(
    creditor: str = typer.Argument(..., help="The creditor's code"),
    file: Path = typer.Option(..., "--file", help="The terms as JSON (docs/money.md)", exists=True),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add a version of a creditor's terms, in force from its `starts_on` day."""
    from huikuan.domain.commission import terms_dict
    from huikuan.services.creditors import get_creditor
    from huikuan.services.money_terms import set_terms as save

    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise fail(_("{file}: not a JSON object ({why})", file=file, why=exc), 2) from exc
    with working_uow() as uow:
        terms = save(uow, None, get_creditor(uow, creditor).id or 0, raw)
    typer.echo(json.dumps(terms_dict(terms), ensure_ascii=False) if as_json else _("Terms saved"))


@terms_app.command("show")
def show_terms(
    creditor: str = typer.Argument(...),
    on: str | None = typer.Option(None, "--on", help="The day (YYYY-MM-DD); default today"),
) -> None:
    """The terms in force on a day, as JSON."""
    from datetime import date

    from huikuan.domain.commission import terms_dict
    from huikuan.services.creditors import get_creditor
    from huikuan.services.money_terms import terms_on

    try:
        day = date.fromisoformat(on) if on else datetime.now(UTC).date()
    except ValueError as exc:
        raise fail(_("--on: a date such as 2026-11-30"), 2) from exc
    with working_uow() as uow:
        try:
            terms = terms_on(uow.session.connection(), get_creditor(uow, creditor).id or 0, day)
        except HuikuanError as exc:
            raise fail(str(exc)) from exc
    typer.echo(json.dumps(terms_dict(terms), ensure_ascii=False))
