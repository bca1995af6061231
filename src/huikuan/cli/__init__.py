"""The `huikuan` command: thin — parse the arguments, call a service, print the result.

One module per command group, each with its own Typer app, mounted here by plain imports; `common.py`
opens units of work, reports errors and shows progress the same way for all of them.
"""

from __future__ import annotations

import os

import typer

from huikuan.cli import (
    activity,
    calls,
    compliance,
    contact,
    creditors,
    imports,
    jobs,
    merchants,
    money,
    monthly,
    persons,
    plan,
    portal,
    privacy,
    reports,
    scope,
    setup,
    simulate,
    sms_templates,
    statements,
    users,
)
from huikuan.cli import audit as audit_commands
from huikuan.files import RESTRICTIVE_UMASK

app = typer.Typer(
    help="Huikuan (回款): compliant debt collection.", no_args_is_help=True, add_completion=False
)


@app.callback()
def private_files() -> None:
    """Huikuan (回款): compliant debt collection."""
    # Whatever a command creates (the database, var/, letters, rejects, keys) is its owner's only.
    os.umask(RESTRICTIVE_UMASK)


app.command("init")(setup.init)
app.add_typer(creditors.app, name="creditor")
app.add_typer(users.app, name="user")
app.add_typer(scope.app, name="scope")
app.add_typer(imports.app, name="import")
app.command("demo")(setup.demo)
app.command("serve")(setup.serve)
app.add_typer(compliance.app, name="compliance", help="The compliance gate.")
app.add_typer(contact.app, name="contact", help="Contacts, through the compliance gate.")
app.add_typer(plan.app, name="plan")
app.add_typer(jobs.app, name="jobs")
app.add_typer(sms_templates.app, name="sms-templates")
app.command("simulate")(simulate.simulate)
app.add_typer(privacy.app, name="privacy")
app.add_typer(audit_commands.app, name="audit")
app.add_typer(persons.app, name="persons")
app.add_typer(portal.app, name="portal")
app.add_typer(money.payments_app, name="payments")
money.payments_app.add_typer(merchants.app, name="merchant")
app.add_typer(money.ledger_app, name="ledger")
app.add_typer(money.terms_app, name="terms")
app.add_typer(statements.app, name="statements")
app.add_typer(reports.app, name="reports")
app.command("activity-file")(activity.activity_file)
app.command("activity-mapping")(activity.activity_mapping)
app.command("monthly-report")(monthly.monthly_report)
app.command("monthly-report-recipients")(monthly.monthly_report_recipients)
app.add_typer(calls.app, name="calls")


def main() -> None:  # pragma: no cover
    app()
