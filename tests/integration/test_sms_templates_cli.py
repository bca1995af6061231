"""`huikuan sms-templates`: an administrator records a creditor's approved SMS template at a provider,
lists it, and removes it; removing one that is not recorded fails."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.support.floor import Floor
from typer.testing import CliRunner

from huikuan.cli import app as cli_app
from huikuan.storage import tables as t

SET = ["sms-templates", "set", "BANK", "aliyun", "reminder", "SMS_123456789", "--sign-name", "某银行"]


@pytest.mark.usefixtures("db_env")  # the CLI's database
def test_a_template_set_from_the_command_line_is_recorded_listed_and_removed(floor: Floor) -> None:
    runner = CliRunner()
    saved = runner.invoke(cli_app, [*SET, "--params", "name,reference"])
    assert saved.exit_code == 0, saved.output
    assert saved.output.strip() == "Template reminder of BANK at aliyun saved"
    listed = runner.invoke(cli_app, ["sms-templates", "list", "--creditor", "BANK"])
    assert "BANK\taliyun\treminder\tSMS_123456789\t某银行\tname,reference" in listed.output
    removed = runner.invoke(cli_app, ["sms-templates", "remove", "BANK", "aliyun", "reminder"])
    assert removed.exit_code == 0, removed.output
    assert removed.output.strip() == "Template reminder of BANK at aliyun removed"
    floor.uow.rollback()
    assert floor.uow.session.execute(select(t.sms_templates.c.creditor_id)).first() is None


@pytest.mark.usefixtures("floor", "db_env")  # the creditor BANK, the CLI's database
def test_removing_a_template_that_is_not_recorded_fails_and_says_so() -> None:
    gone = CliRunner().invoke(cli_app, ["sms-templates", "remove", "BANK", "aliyun", "reminder"])
    assert gone.exit_code != 0
    assert "No such approved template" in gone.output


@pytest.mark.usefixtures("floor", "db_env")  # the creditor BANK, the CLI's database
def test_set_prints_the_saved_template_as_json_when_asked() -> None:
    saved = CliRunner().invoke(cli_app, [*SET, "--json"])
    assert saved.exit_code == 0, saved.output
    assert '"code": "SMS_123456789"' in saved.output
