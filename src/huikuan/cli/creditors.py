"""`huikuan creditor add|list|sandbox|retention|wechat-template`: the creditors (tenants) whose accounts the
agency works."""

from __future__ import annotations

import typer

from huikuan.cli.common import fail, open_uow
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _

app = typer.Typer(help="Creditors (tenants).", no_args_is_help=True)


@app.command("add")
def creditor_add(
    code: str = typer.Argument(..., help="Short unique code, e.g. ICBC-CC"),
    name: str = typer.Option(..., "--name", help="Display name"),
    region: str = typer.Option("CN", help="ISO country: default region for phone numbers"),
    currency: str = typer.Option("CNY", help="ISO 4217 default currency"),
    pack: str = typer.Option("cn", help="Compliance pack: cn, us-reg-f, uk-conc"),
    time_zone: str | None = typer.Option(None, "--time-zone", help="IANA zone; default by region"),
) -> None:
    """Add a creditor."""
    from datetime import UTC, datetime

    from huikuan.services.creditor_admin import NewCreditor, create

    try:
        with open_uow() as uow:
            cmd = NewCreditor(code, name, region, currency, pack, time_zone)
            create(uow, None, cmd, datetime.now(UTC))  # the same service as the administration's pages
    except HuikuanError as exc:
        raise fail(str(exc)) from exc
    typer.echo(
        _(
            "Creditor {code} added ({pack}, {currency}).",
            code=code.strip(),
            pack=pack,
            currency=currency.upper(),
        )
    )


@app.command("list")
def creditor_list() -> None:
    """List creditors."""
    from huikuan.services.creditors import list_creditors

    with open_uow() as uow:
        for c in list_creditors(uow):
            typer.echo(f"{c.code}\t{c.name}\t{c.region}\t{c.currency}\t{c.pack}")


@app.command("sandbox")
def creditor_sandbox(
    code: str = typer.Argument(..., help="The creditor's code"),
    on: bool = typer.Option(True, "--on/--off", help="Sandbox: its messages are never sent"),
) -> None:
    """Mark a creditor sandbox (--on) or not (--off): a sandbox creditor's messages are marked sent with
    a "sandbox-" reference and never handed to a provider (docs/messages.md)."""
    from datetime import UTC, datetime

    from huikuan.services.creditor_admin import set_sandbox

    try:
        with open_uow() as uow:
            set_sandbox(uow, None, code, on, datetime.now(UTC))
    except HuikuanError as exc:
        raise fail(str(exc)) from exc
    if on:
        typer.echo(_("Creditor {code} is a sandbox: its messages are never sent.", code=code))
    else:
        typer.echo(_("Creditor {code} is not a sandbox: its messages are sent.", code=code))


@app.command("retention")
def creditor_retention(
    code: str = typer.Argument(..., help="The creditor's code"),
    years: int | None = typer.Option(None, "--years", help="Its own retention period in years"),
    default: bool = typer.Option(False, "--default", help="Go back to the pack's default"),
) -> None:
    """Show or set how many years after a debtor's last account closes its personal data is anonymised
    (docs/privacy.md)."""
    from huikuan.services.creditors import retention_of, set_retention_years

    if years is not None and default:
        raise fail(_("Give --years or --default, not both"), 2)
    try:
        with open_uow() as uow:
            if years is not None or default:
                policy = set_retention_years(uow, code, None if default else years)
                uow.commit()
            else:
                policy = retention_of(uow, code)
    except HuikuanError as exc:
        raise fail(str(exc)) from exc
    if policy.own:
        typer.echo(
            _(
                "Creditor {code}: personal data anonymised {years} years after the last account closes "
                "(its own setting; the {pack} pack's default is {default}, its minimum {minimum}).",
                code=code,
                years=policy.years,
                pack=policy.pack,
                default=policy.pack_years,
                minimum=policy.min_years,
            )
        )
    else:
        typer.echo(
            _(
                "Creditor {code}: personal data anonymised {years} years after the last account closes "
                "(the {pack} pack's default).",
                code=code,
                years=policy.years,
                pack=policy.pack,
            )
        )


@app.command("wechat-template")
def creditor_wechat_template(
    code: str = typer.Argument(..., help="The creditor's code"),
    template_id: str | None = typer.Option(None, "--template-id", help="The approved template's id"),
    field: list[str] = typer.Option(  # noqa: B008
        [],
        "--field",
        help="keyword=field, e.g. keyword1=reference (fields: reference, date, agency, subject, notice)",
    ),
) -> None:
    """Show or set the creditor's WeChat template message (docs/channels.md, "WeChat")."""
    from datetime import UTC, datetime

    from huikuan.services.wechat_templates import WechatTemplate, set_template, template_of

    try:
        fields = dict(part.split("=", 1) for part in field)
    except ValueError:
        raise fail(_("Give each --field as keyword=field"), 2) from None
    try:
        with open_uow() as uow:
            found: WechatTemplate | None
            if template_id is not None:
                found = set_template(uow, code, template_id, fields, now=datetime.now(UTC))
            else:
                found = template_of(uow, code)
    except HuikuanError as exc:
        raise fail(str(exc)) from exc
    if found is None:
        typer.echo(_("Creditor {code} has no WeChat template message.", code=code))
        return
    shown = ", ".join(f"{k}={v}" for k, v in found.fields.items())
    typer.echo(
        _("Creditor {code}: WeChat template {id} ({fields}).", code=code, id=found.template_id, fields=shown)
    )
