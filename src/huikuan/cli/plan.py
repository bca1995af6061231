"""`huikuan plan`: make the day's plan and the collectors' queues; `huikuan plan explain CASE`: why.

Mounted by the main command as `huikuan plan`; also runs alone as `python -m huikuan.cli.plan` (without
the other commands' imports, for the plan benchmark). Thin: parse the arguments, call services/plan.py,
print.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from huikuan.cli.common import fail, instant, open_uow, stages
from huikuan.errors import ComplianceRefused, HuikuanError
from huikuan.i18n import gettext as _
from huikuan.services.clock import floor_today

app = typer.Typer(
    help="The daily plan: who to contact, how and when, within the compliance gate.",
    invoke_without_command=True,
    add_completion=False,
)


def _day(value: str | None, now: datetime | None = None) -> date:
    """The day given, else today on the floor (HUIKUAN_TIME_ZONE) at `now` (default: this instant)."""
    if not value:
        return floor_today(now)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise fail(_("--date: {value!r} is not a date such as 2026-03-02", value=value), 2) from exc


@app.callback()
def plan(
    ctx: typer.Context,
    day: str | None = typer.Option(
        None, "--date", help="The day to plan, YYYY-MM-DD (default: today in HUIKUAN_TIME_ZONE at --now)"
    ),
    strategy: str = typer.Option(
        "optimized", "--strategy", help="optimized, optimized-calls, balance-first, oldest-first, round-robin"
    ),
    creditor: list[str] | None = typer.Option(
        None, "--creditor", help="Plan only this creditor's cases (repeat for several)"
    ),
    now: str | None = typer.Option(None, "--now", help="Plan as of this instant (default: the clock)"),
    challenger: str | None = typer.Option(
        None, "--challenger", help="A challenger strategy for a share of the cases (stable hash split)"
    ),
    share: float = typer.Option(0.2, "--share", help="The challenger's share of cases and capacity"),
    as_json: bool = typer.Option(False, "--json", help="One JSON summary on standard output"),
) -> None:
    """Write the day's plan (one row per open case) and set the cases' next actions and collectors."""
    if ctx.invoked_subcommand is not None:
        return
    from huikuan.services.plan import make_plan

    at = instant(now)
    when = _day(day, at)
    try:
        with stages(_("plan")) as progress, open_uow() as uow:
            summary = make_plan(
                uow,
                when,
                strategy,
                at,
                progress,
                creditors=creditor or None,
                challenger=challenger,
                challenger_share=share,
            )
    except ComplianceRefused as exc:
        raise fail(str(exc), 1) from exc
    except HuikuanError as exc:
        raise fail(str(exc), 2, as_json=as_json) from exc
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, default=str))
        return
    _echo_summary(summary)


def _echo_summary(summary: dict[str, Any]) -> None:
    """The plan's summary for a person: the cases planned, the actions, the expected recovery."""
    typer.echo(
        _(
            "Plan for {day} ({strategy}): {cases} cases planned in {seconds:.1f} s.",
            day=summary["day"],
            strategy=summary["strategy"],
            cases=summary["written"],
            seconds=summary["seconds"]["total"],
        )
    )
    for action, count in sorted(summary["actions"].items(), key=lambda kv: (-kv[1], kv[0])):
        typer.echo(_("  {action}: {count}", action=_(action), count=count))
    for currency, value in summary["expected_value"].items():
        typer.echo(
            _("  expected recovery less costs: {value} {currency}", value=_money(value), currency=currency)
        )
    if summary["replaced"]:
        typer.echo(_("  (replaced the {n} rows planned earlier for that day)", n=summary["replaced"]))


@app.command()
def results(
    since: str = typer.Option(..., "--since", help="First plan day counted, YYYY-MM-DD"),
    until: str | None = typer.Option(None, "--until", help="Last day counted (default: today on the floor)"),
    as_json: bool = typer.Option(False, "--json", help="JSON on standard output"),
) -> None:
    """Each strategy's recoveries per case over the days, with a 95% confidence interval."""
    from huikuan.services.plan_outcomes import strategy_results

    first, last = _day(since), _day(until)
    try:
        with open_uow() as uow:
            rows = strategy_results(uow, first, last)
    except HuikuanError as exc:
        raise fail(str(exc), 2) from exc
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(
            _(
                "{arm}: {cases} cases, {mean} {currency} per case (95% CI {low} to {high})",
                arm=r["arm"],
                cases=r["cases"],
                mean=_money(r["mean"]),
                currency=r["currency"],
                low=_money(r["ci_low"]),
                high=_money(r["ci_high"]),
            )
        )


@app.command()
def explain(
    case: int = typer.Argument(..., help="Case id"),
    day: str | None = typer.Option(None, "--date", help="The plan's day (default: the case's latest plan)"),
    tz: str | None = typer.Option(None, "--tz", help="Your time zone (default: this machine's)"),
    as_json: bool = typer.Option(False, "--json", help="The explanation as JSON"),
) -> None:
    """Why the plan gives this case its action: segment, scores, expected value, binding constraint."""
    from huikuan.services.plan import explain as explain_case

    when = date.fromisoformat(day) if day else None
    viewer = _zone(tz)
    try:
        with open_uow() as uow:
            data = explain_case(uow, case, when)
    except HuikuanError as exc:
        raise fail(str(exc), 1) from exc
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, default=str))
        return
    for line in explanation_lines(data, viewer):
        typer.echo(line)


def _zone(name: str | None) -> tzinfo:
    if not name:
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise fail(_("--tz: {name!r} is not a known time zone", name=name), 2) from exc


def _money(minor: int | float | None) -> str:
    if minor is None:
        return "-"
    return f"{minor / 100:,.2f}"


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{100 * p:.1f}%"


def explanation_lines(data: dict[str, Any], viewer: tzinfo) -> list[str]:
    """The explanation as the command prints it (also what the case page shows, in its own layout)."""
    reason = data["reason"]
    lines = [
        _(
            "Case {case} ({debtor}, {creditor}): plan of {day}, strategy {strategy}",
            case=data["case_id"],
            debtor=data["debtor"],
            creditor=data["creditor"],
            day=data["plan_date"],
            strategy=data["strategy"],
        ),
        _("  Action: {action}", action=_(data["action"])),
    ]
    lines += _when_and_who(data, viewer)
    scores = reason.get("scores") or {}
    lines += [
        _("  Segment: {segment}", segment=_(data["segment"] or "-")),
        _(
            "  Scores: ability {ability}, willingness {willingness}, answer {answer}, payment {pay}",
            ability=_pct(scores.get("ability")),
            willingness=_pct(scores.get("willingness")),
            answer=_pct(data["p_answer"]),
            pay=_pct(data["p_pay"]),
        ),
        _(
            "  Expected value: {value} {currency} (cost {cost})",
            value=_money(data["expected_value"]),
            currency=data["currency"],
            cost=_money(data["cost"]),
        ),
    ]
    if reason.get("uplift") is not None:
        lines.append(
            _(
                "  Gain over doing nothing: {value} {currency}",
                value=_money(reason["uplift"]),
                currency=data["currency"],
            )
        )
    binding = data["binding"]
    lines.append(
        _("  Binding constraint: {binding}", binding=binding) if binding else _("  Binding constraint: none")
    )
    lines += _other_choices(data, reason)
    return lines


def _when_and_who(data: dict[str, Any], viewer: tzinfo) -> list[str]:
    """When the action is planned, in the viewer's and the debtor's time, and by which collector."""
    lines: list[str] = []
    if data["slot_start"]:
        slot = datetime.fromisoformat(data["slot_start"])
        local = slot.astimezone(ZoneInfo(data["debtor_time_zone"])) if data["debtor_time_zone"] else slot
        lines.append(
            _(
                "  When: {yours} your time; {theirs} the debtor's time ({zone})",
                yours=slot.astimezone(viewer).strftime("%Y-%m-%d %H:%M %Z"),
                theirs=local.strftime("%Y-%m-%d %H:%M"),
                zone=data["debtor_time_zone"],
            )
        )
    collector = data["collector"]
    if collector:
        lines.append(
            _("  Collector: {name} ({username})", name=collector["name"], username=collector["username"])
        )
    return lines


def _other_choices(data: dict[str, Any], reason: dict[str, Any]) -> list[str]:
    """The next best action, the alternatives the gate or the policy removed, and the planner's note."""
    lines: list[str] = []
    alternative = reason.get("alternative")
    if isinstance(alternative, dict) and alternative.get("action"):
        lines.append(
            _(
                "  Next best: {action} (gain {value})",
                action=_(alternative["action"]),
                value=_money(alternative.get("uplift")),
            )
        )
    removed = data["removed"]
    if removed:
        lines.append(_("  Alternatives removed:"))
        for item in removed:
            action, rule = _(item.get("action", "?")), item.get("rule", "?")
            lines.append(_("    {action}: {rule}", action=action, rule=rule))
    if reason.get("note"):
        lines.append(_("  Note: {note}", note=reason["note"]))
    return lines


if __name__ == "__main__":  # pragma: no cover
    app()
