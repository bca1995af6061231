"""`huikuan payments merchant set|list`: a creditor's own merchant with a payment provider, where its
money lands in the provider's service-provider mode (services/payment_merchants.py). Thin: parse, call,
print; values are shown masked."""

from __future__ import annotations

import json

import typer

from huikuan.cli.common import fail, working_uow
from huikuan.i18n import gettext as _

app = typer.Typer(
    help="A creditor's own merchant with a payment provider (service-provider mode).",
    no_args_is_help=True,
    add_completion=False,
)


def _fields(given: list[str]) -> dict[str, str]:
    fields = {}
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise fail(_("--field: {item!r} is not NAME=VALUE", item=item), 2)
        fields[name.strip()] = value
    return fields


@app.command("set")
def set_merchant(
    creditor: str = typer.Argument(..., help="The creditor's code"),
    provider: str = typer.Option(..., "--provider", help="alipay, wechatpay, ..."),
    field: list[str] = typer.Option(  # noqa: B008 - typer's way of declaring a repeated option
        ..., "--field", help="NAME=VALUE, e.g. app_auth_token=... (Alipay) or sub_mchid=... (WeChat Pay)"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Set (or replace) the creditor's merchant with the provider; its values are kept sealed."""
    from huikuan.services.payment_merchants import set_merchant as save

    fields = _fields(field)
    with working_uow(immediate=True) as uow:
        merchant = save(uow, None, creditor, provider, fields)
    if as_json:
        typer.echo(json.dumps(merchant.as_dict(), ensure_ascii=False))
        return
    typer.echo(_("Merchant of {creditor} with {provider} saved", creditor=creditor, provider=provider))


@app.command("list")
def list_merchants(
    creditor: str | None = typer.Option(None, "--creditor", help="Only this creditor's"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every creditor's merchants, values masked."""
    from huikuan.services.payment_merchants import list_merchants as found

    with working_uow() as uow:
        merchants = found(uow, creditor)
    if as_json:
        typer.echo(json.dumps([m.as_dict() for m in merchants], ensure_ascii=False))
        return
    if not merchants:
        typer.echo(_("No merchant is set up"))
    for m in merchants:
        shown = ", ".join(f"{name}={value}" for name, value in sorted(m.fields.items()))
        typer.echo(f"{m.creditor}\t{m.provider}\t{shown}")
