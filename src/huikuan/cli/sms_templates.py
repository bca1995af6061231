"""`huikuan sms-templates set|remove|list`: the SMS templates each creditor had approved at each provider
(services/sms_templates.py). Thin: parse, call, print."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from huikuan.cli.common import fail, working_uow
from huikuan.i18n import gettext as _

app = typer.Typer(
    help="Each creditor's SMS templates approved at Aliyun, Tencent Cloud or Twilio.",
    no_args_is_help=True,
    add_completion=False,
)

Creditor = Annotated[str, typer.Argument(help="The creditor's code")]
Provider = Annotated[str, typer.Argument(help="aliyun, tencent or twilio")]


@app.command("set")
def set_template(
    creditor: Creditor,
    provider: Provider,
    template: str = typer.Argument(..., help="Our template key, e.g. reminder"),
    code: str = typer.Argument(..., help="The provider's template code, e.g. SMS_123456789 or 1234567"),
    sign_name: str = typer.Option("", "--sign-name", help="The approved signature (签名), e.g. 某银行"),
    params: str = typer.Option(
        "", "--params", help="The template's variables in the provider's order: name, reference, phone"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record (or replace) the creditor's approved code for one of our templates at a provider."""
    from huikuan.services.sms_templates import set_template as save

    with working_uow() as uow:
        saved = save(
            uow, creditor, provider, template, code, sign_name=sign_name, params=params, now=datetime.now(UTC)
        )
    if as_json:
        typer.echo(json.dumps(saved.to_dict(), ensure_ascii=False))
        return
    _done("saved", creditor, provider, template)


@app.command("remove")
def remove_template(
    creditor: Creditor,
    provider: Provider,
    template: str = typer.Argument(..., help="Our template key"),
) -> None:
    """Forget the creditor's approved code for the template: its messages then fail until it is set."""
    from huikuan.services.sms_templates import remove_template as drop

    with working_uow() as uow:
        gone = drop(uow, creditor, provider, template)
    if not gone:
        raise fail(_("No such approved template"))
    _done("removed", creditor, provider, template)


def _done(what: str, creditor: str, provider: str, template: str) -> None:
    """Says that the creditor's template at the provider was saved or removed."""
    names = {"template": template, "creditor": creditor, "provider": provider}
    if what == "saved":
        typer.echo(_("Template {template} of {creditor} at {provider} saved", **names))
    else:
        typer.echo(_("Template {template} of {creditor} at {provider} removed", **names))


@app.command("list")
def list_templates(
    creditor: str | None = typer.Option(None, "--creditor", help="Only this creditor's"),
    provider: str | None = typer.Option(None, "--provider", help="Only this provider's"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The approved templates, per creditor and provider."""
    from huikuan.services.sms_templates import list_templates as found

    with working_uow() as uow:
        rows = found(uow, creditor=creditor, provider=provider)
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False))
        return
    if not rows:
        typer.echo(_("No approved template is recorded"))
    for r in rows:
        typer.echo(
            f"{r.creditor_code}\t{r.provider}\t{r.template_name}\t{r.provider_template_code}\t{r.sign_name}\t{','.join(r.params)}"
        )
