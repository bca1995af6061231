"""The `huikuan` command: thin — parse the arguments, call a service, print the result.

One module per command group, each with its own Typer app; `common.py` opens units of work, reports errors
and shows progress the same way for all of them. The groups are mounted here lazily (`COMMANDS`): a
command imports only its own module, so `huikuan plan` does not pay for the imports of the web server,
the simulator or the telephone bridge; `huikuan --help` imports them all to list them.
"""

from __future__ import annotations

import importlib
import os
from functools import cache
from typing import Any

import typer
from typer.core import TyperGroup

from huikuan.files import RESTRICTIVE_UMASK

# name -> (module under huikuan.cli, its attribute: a Typer app, or a function that is one command; the
# group's help where the app does not give it).
COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "init": ("setup", "init", None),
    "creditor": ("creditors", "app", None),
    "user": ("users", "app", None),
    "scope": ("scope", "app", None),
    "import": ("imports", "app", None),
    "demo": ("setup", "demo", None),
    "serve": ("setup", "serve", None),
    "compliance": ("compliance", "app", "The compliance gate."),
    "contact": ("contact", "app", "Contacts, through the compliance gate."),
    "plan": ("plan", "app", None),
    "jobs": ("jobs", "app", None),
    "sms-templates": ("sms_templates", "app", None),
    "simulate": ("simulate", "simulate", None),
    "privacy": ("privacy", "app", None),
    "audit": ("audit", "app", None),
    "persons": ("persons", "app", None),
    "portal": ("portal", "app", None),
    "payments": ("money", "payments_app", None),
    "ledger": ("money", "ledger_app", None),
    "terms": ("money", "terms_app", None),
    "statements": ("statements", "app", None),
    "reports": ("reports", "app", None),
    "activity-file": ("activity", "activity_file", None),
    "activity-mapping": ("activity", "activity_mapping", None),
    "monthly-report": ("monthly", "monthly_report", None),
    "monthly-report-recipients": ("monthly", "monthly_report_recipients", None),
    "calls": ("calls", "app", None),
}


@cache
def _loaded(name: str) -> Any:
    """The named command, its module imported now."""
    module_name, attribute, help_text = COMMANDS[name]
    module = importlib.import_module(f"huikuan.cli.{module_name}")
    if name == "payments":  # its merchants' sub-group lives in a module of its own
        from huikuan.cli import merchants

        module.payments_app.add_typer(merchants.app, name="merchant")
    target: Any = getattr(module, attribute)
    if isinstance(target, typer.Typer):
        command: Any = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    if help_text is not None:
        command.help = help_text
    return command


class LazyCommands(TyperGroup):
    """The root group: COMMANDS loaded when named (or when --help lists them)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in COMMANDS:
            return _loaded(cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    cls=LazyCommands,
    help="Huikuan (回款): compliant debt collection.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def private_files() -> None:
    """Huikuan (回款): compliant debt collection."""
    # Whatever a command creates (the database, var/, letters, rejects, keys) is its owner's only.
    os.umask(RESTRICTIVE_UMASK)


def main() -> None:  # pragma: no cover
    app()
