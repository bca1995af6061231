"""`huikuan contact`: ask the gate about a contact, and record one (only if the gate allows it)."""

from __future__ import annotations

import json
from datetime import datetime

import typer

from huikuan.cli.common import open_uow
from huikuan.errors import ComplianceRefused, HuikuanError, InvalidInput
from huikuan.i18n import gettext as _

app = typer.Typer(help="Contacts, through the compliance gate.", no_args_is_help=True)


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("at: {value!r} is not an ISO 8601 instant", value=value) from None
    if at.tzinfo is None:
        raise InvalidInput("at: {value!r} needs a zone, e.g. 2026-03-02T15:15:00Z", value=value)
    return at


@app.command("check")
def check(
    case: int = typer.Argument(..., help="Case id"),
    channel: str = typer.Option("call", help="call, voicemail, sms, email, letter, visit, wechat"),
    party: int | None = typer.Option(None, help="A related party's id (default: the debtor)"),
    contact_point: int | None = typer.Option(None, "--contact-point", help="The number or address used"),
    at: str | None = typer.Option(None, help="ISO 8601 instant (default: now)"),
    as_json: bool = typer.Option(False, "--json", help="The decision JSON"),
) -> None:
    """May this contact happen? Exit 0 allowed, 1 refused."""
    from huikuan.services.contacts import check_contact

    try:
        with open_uow() as uow:
            verdict = check_contact(
                uow, case, channel=channel, at=_instant(at), party=party, contact_point_id=contact_point
            )
    except HuikuanError as exc:
        typer.echo(_("Error: {message}", message=str(exc)), err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(verdict.decision, ensure_ascii=False))
    elif verdict.allowed:
        typer.echo(_("Allowed."))
    else:
        until = verdict.decision["next_allowed_at"] or _("a change of facts")
        typer.echo(
            _(
                "Refused by {rules}; allowed again at {until}.",
                rules=", ".join(verdict.refused_by),
                until=until,
            )
        )
    raise typer.Exit(0 if verdict.allowed else 1)


@app.command("record")
def record(
    case: int = typer.Argument(..., help="Case id"),
    outcome: str = typer.Option(..., help="no_answer, busy, voicemail, wrong_party, promise, refuses, ..."),
    channel: str = typer.Option("call", help="call, visit, ..."),
    user: str | None = typer.Option(None, help="The collector's username"),
    direction: str = typer.Option("outbound", help="outbound or inbound"),
    party: int | None = typer.Option(None, help="A related party's id (default: the debtor)"),
    contact_point: int | None = typer.Option(None, "--contact-point", help="The number or address used"),
    at: str | None = typer.Option(None, help="ISO 8601 instant (default: now)"),
    goal: str | None = typer.Option(
        None, help="The contact's goal, a code such as agree_payment (docs/contacts-and-visits.md)"
    ),
    goal_met: bool | None = typer.Option(None, "--goal-met/--goal-not-met"),
    notes: str = typer.Option("", help="Notes"),
    cease: bool = typer.Option(False, "--cease", help="The debtor asked for contact to cease"),
) -> None:
    """Record a contact; an outbound one only if the gate allows it (a refusal is kept)."""
    from huikuan.services.contacts import record_contact
    from huikuan.services.users import user_id_of

    try:
        with open_uow() as uow:
            user_id = user_id_of(uow, user) if user is not None else None
            new_id = record_contact(
                uow,
                case,
                channel=channel,
                outcome=outcome,
                user_id=user_id,
                at=_instant(at),
                direction=direction,
                party=party,
                contact_point_id=contact_point,
                goal=goal,
                goal_met=goal_met,
                notes=notes,
                cease_requested=cease,
            )
    except ComplianceRefused as exc:
        typer.echo(_("Error: {message}", message=str(exc)), err=True)
        raise typer.Exit(1) from exc
    except HuikuanError as exc:
        typer.echo(_("Error: {message}", message=str(exc)), err=True)
        raise typer.Exit(2) from exc
    typer.echo(_("Contact {id} recorded.", id=new_id))
