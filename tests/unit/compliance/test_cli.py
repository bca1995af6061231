"""`huikuan compliance check` and `packs`: JSON in, JSON out, exit 0 allowed, 1 refused, 2 invalid."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.compliance.builders import body
from typer.testing import CliRunner

from huikuan.cli.compliance import app

runner = CliRunner()
ALLOWED = body("2026-03-04T18:00:00Z")
REFUSED = body("2026-03-04T15:15:00Z")


def test_an_allowed_contact_exits_0_with_the_decision_on_stdout() -> None:
    result = runner.invoke(app, ["check", "--pack", "us-reg-f"], input=json.dumps(ALLOWED))
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["allowed"] is True and decision["pack"] == "us-reg-f" and decision["violations"] == []


def test_a_refused_contact_exits_1_with_the_next_allowed_time() -> None:
    result = runner.invoke(app, ["check", "--pack", "us-reg-f"], input=json.dumps(REFUSED))
    assert result.exit_code == 1
    decision = json.loads(result.stdout)
    assert decision["next_allowed_at"] == "2026-03-04T16:00:00Z"
    assert [v["rule"] for v in decision["violations"]] == ["contact-hours"]


def test_an_invalid_request_exits_2_naming_the_field_on_stderr() -> None:
    bad = body()
    bad["debtor"]["flags"]["cease"] = "no"
    result = runner.invoke(app, ["check", "--pack", "us-reg-f"], input=json.dumps(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "debtor.flags.cease: expected a boolean" in result.stderr


def test_text_that_is_not_json_exits_2() -> None:
    result = runner.invoke(app, ["check", "--pack", "us-reg-f"], input="{not json")
    assert result.exit_code == 2 and "request: not valid JSON" in result.stderr


def test_an_unknown_pack_exits_2() -> None:
    result = runner.invoke(app, ["check", "--pack", "mars"], input=json.dumps(ALLOWED))
    assert result.exit_code == 2 and "pack: unknown pack 'mars'" in result.stderr


def test_the_pack_may_come_from_the_request_and_must_agree_with_the_option() -> None:
    result = runner.invoke(app, ["check"], input=json.dumps({**ALLOWED, "pack": "uk-conc"}))
    assert json.loads(result.stdout)["pack"] == "uk-conc"
    clash = runner.invoke(app, ["check", "--pack", "cn"], input=json.dumps({**ALLOWED, "pack": "uk-conc"}))
    assert clash.exit_code == 2 and clash.stderr.startswith("pack:")


def test_a_tightening_file_narrows_the_hours(tmp_path: Path) -> None:
    tight = tmp_path / "creditor.toml"
    tight.write_text('[rules.contact-hours]\nstart = "11:00"\nend = "20:00"\n', encoding="utf-8")
    result = runner.invoke(
        app, ["check", "--pack", "us-reg-f", "--tighten", str(tight)], input=json.dumps(ALLOWED)
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["next_allowed_at"] == "2026-03-04T19:00:00Z"  # 11:00 Pacific


def test_a_loosening_file_exits_2_naming_the_parameter(tmp_path: Path) -> None:
    loose = tmp_path / "creditor.toml"
    loose.write_text('[rules.contact-hours]\nend = "22:00"\n', encoding="utf-8")
    result = runner.invoke(
        app, ["check", "--pack", "us-reg-f", "--tighten", str(loose)], input=json.dumps(ALLOWED)
    )
    assert result.exit_code == 2 and "contact-hours.end" in result.stderr


def test_packs_lists_every_pack_with_its_version() -> None:
    result = runner.invoke(app, ["packs", "--json"])
    assert result.exit_code == 0
    assert {(p["name"], p["version"]) for p in json.loads(result.stdout)} == {
        ("cn", "2026-11"),
        ("uk-conc", "2026-11"),
        ("us-reg-f", "2026-11"),
    }
    table = runner.invoke(app, ["packs"])
    assert "us-reg-f" in table.stdout and "2026-11" in table.stdout
