"""`huikuan compliance`: ask the gate from a shell or a dialer (exit 0 allowed, 1 refused, 2 invalid),
replay a case's recorded contacts against the facts of their time (services/replay.py), and export a
case's compliance dossier (services/dossier.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from huikuan.cli.common import fail, working_uow
from huikuan.compliance.check import check as check_request
from huikuan.compliance.contract_fields import InvalidRequest
from huikuan.compliance.contract_parse import decode_request
from huikuan.compliance.pack import available_packs, load_overrides, load_pack
from huikuan.compliance.pack_params import PackError
from huikuan.i18n import gettext as _

app = typer.Typer(help="The compliance gate.", no_args_is_help=True, add_completion=False)

EXIT_ALLOWED, EXIT_REFUSED, EXIT_INVALID = 0, 1, 2


@app.command()
def check(
    pack: str | None = typer.Option(
        None, "--pack", help="Rule pack (us-reg-f, cn, uk-conc); else the request's `pack`, else us-reg-f."
    ),
    tighten: Path | None = typer.Option(
        None, "--tighten", help="TOML file of a creditor's stricter settings ([rules.<rule-id>] tables)."
    ),
) -> None:
    """Read a request (JSON) on standard input, print the decision (JSON) on standard output."""
    try:
        data = decode_request(sys.stdin.read())
    except InvalidRequest as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_INVALID) from None
    try:
        overrides = None
        if tighten is not None:
            try:
                overrides = load_overrides(tighten.read_text(encoding="utf-8"))
            except OSError as exc:
                raise PackError(f"--tighten: cannot read {tighten}: {exc.strerror}") from None
        decision = check_request(data, pack, overrides)
    except (InvalidRequest, PackError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_INVALID) from None
    typer.echo(json.dumps(decision, ensure_ascii=False))
    raise typer.Exit(EXIT_ALLOWED if decision["allowed"] else EXIT_REFUSED)


@app.command()
def packs(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the rule packs with their versions and the rules each switches on."""
    rows = [load_pack(name) for name in available_packs()]
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "name": p.name,
                        "version": p.version,
                        "title": p.title,
                        "rules": sorted(p.settings.enabled),
                    }
                    for p in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    for p in rows:
        typer.echo(f"{p.name:<10} {p.version:<8} {p.title}")


@app.command()
def replay(
    case_id: int | None = typer.Argument(None, help="The case whose contacts are replayed."),
    every: bool = typer.Option(False, "--all", help="Replay every case (progress on standard error)."),
    as_json: bool = typer.Option(
        False, "--json", help="JSON: one object for a case; with --all one line per case, then the summary."
    ),
) -> None:
    """Re-run every recorded contact of a case against the facts and history as they stood then; list the
    contacts the gate refuses on that re-run. Exit 0 when none is refused, 1 otherwise, 2 on bad input."""
    from huikuan.services.replay import CaseReplay, replay_all, replay_case

    if (case_id is None) == (not every):
        raise fail(_("Give a case number or --all, not both"), 2, as_json=as_json)
    cases = contacts = refused = 0

    def report(result: CaseReplay) -> None:
        nonlocal cases, contacts, refused
        cases, contacts, refused = cases + 1, contacts + len(result.contacts), refused + len(result.refused)
        if as_json and (not every or result.refused):
            typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        elif not as_json:
            for r in result.refused:
                typer.echo(_replayed_line(result.case_id, r.to_dict()))

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            typer.echo(_("{done} of {total} cases replayed", done=done, total=total), err=True)

    with working_uow() as uow:
        if every:
            for result in replay_all(uow, progress=progress):
                report(result)
        else:
            assert case_id is not None
            report(replay_case(uow, case_id))
    summary = {"cases": cases, "contacts": contacts, "refused": refused}
    if as_json and every:
        typer.echo(json.dumps({"summary": summary}, ensure_ascii=False))
    elif not as_json:
        typer.echo(
            _(
                "{cases} cases, {contacts} contacts replayed, {refused} refused on replay",
                cases=cases,
                contacts=contacts,
                refused=refused,
            )
        )
    raise typer.Exit(EXIT_ALLOWED if refused == 0 else EXIT_REFUSED)


def _replayed_line(case_id: int, r: dict[str, Any]) -> str:
    rules = "; ".join(f"{v['rule']}: {v['message']}" for v in r["violations"]) or ", ".join(r["rules"])
    return _(
        "case {case}: {kind} {id} ({channel}, {at}) refused on replay by {rules} "
        "(recorded decision {recorded}, replay decision {decision})",
        case=case_id,
        kind=r["kind"],
        id=r["id"],
        channel=r["channel"],
        at=r["at"],
        rules=rules,
        recorded=r["recorded_decision_id"] or "-",
        decision=r["decision_id"],
    )


@app.command()
def dossier(
    case_id: int = typer.Argument(..., help="The case."),
    as_json: bool = typer.Option(False, "--json", help="The dossier as JSON on standard output."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write the dossier as a PDF to this file."),
    locale: str = typer.Option("zh_CN", "--locale", help="The PDF's language (zh_CN or en)."),
) -> None:
    """A case's compliance dossier: the facts over time, every decision with its id, every contact and
    the replay (audited as downloaded by the command line's operator)."""
    from datetime import UTC, datetime

    from huikuan.services.dossier import build_dossier, record_download

    if not as_json and pdf is None:
        raise fail(_("Give --json or --pdf FILE"), 2)
    with working_uow() as uow:
        now = datetime.now(UTC)
        data = build_dossier(uow, case_id, now=now)
        if pdf is not None:
            from huikuan.services.dossier_pdf import render_dossier

            pdf.write_bytes(render_dossier(data, locale))
        record_download(uow, None, case_id, "pdf" if pdf is not None else "json", now)
        uow.commit()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))


@app.command()
def demands(
    case_id: int = typer.Argument(..., help="Case id"),
    as_csv: bool = typer.Option(False, "--csv", help="CSV on standard output (UTF-8, formulas neutralised)."),
) -> None:
    """The demands for payment recorded on a case, oldest first: the evidence of each restart of a cn
    limitation period (contacts that reached the debtor, messages and letters sent to the debtor)."""
    import csv
    import io

    from huikuan.cli.common import fail, open_uow
    from huikuan.errors import HuikuanError
    from huikuan.services.notices_view import case_demands_csv

    try:
        with open_uow() as uow:
            text = case_demands_csv(uow, case_id)
    except HuikuanError as exc:
        raise fail(str(exc), 2) from exc
    if as_csv:
        typer.echo(text, nl=False)
        return
    rows = list(csv.reader(io.StringIO(text)))[1:]
    for at, kind, ref, channel, what, by in rows:
        typer.echo(f"{at}  {kind:<8} {ref:>8}  {channel:<8} {what:<20} {by}")
    typer.echo(_("{n} demand(s) recorded on case {case_id}", n=len(rows), case_id=case_id))
