"""`huikuan simulate` as a Typer app: JSON on standard output, a named error for a bad scenario."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from huikuan.cli.simulate import app

runner = CliRunner()


def _scenario(tmp_path: Path, body: str) -> Path:
    f = tmp_path / "s.toml"
    f.write_text(body, encoding="utf-8")
    return f


def test_simulate_prints_the_result_as_json(tmp_path: Path) -> None:
    f = _scenario(
        tmp_path,
        "[scenario]\ndebtors = 300\n[team]\ncollectors = 1\nbilingual = 1\nhardship = 1\nsenior = 0\n",
    )
    got = runner.invoke(
        app, ["--scenario", str(f), "--strategy", "round-robin", "--days", "3", "--seed", "2", "--json"]
    )
    assert got.exit_code == 0, got.output
    data = json.loads(got.stdout)
    for key in (
        "recovered",
        "cost",
        "contacts",
        "right_party_contacts",
        "promises",
        "promises_kept",
        "violations",
        "complaints",
    ):
        assert key in data
    assert data["violations"] == 0 and data["days"] == 3 and data["strategy"] == "round-robin"


def test_a_scenario_with_an_unknown_key_is_refused_with_its_name_and_exit_status_2(tmp_path: Path) -> None:
    f = _scenario(tmp_path, "[team]\ncolectors = 3\n")
    got = runner.invoke(app, ["--scenario", str(f), "--days", "1"])
    assert got.exit_code == 2
    assert "team.colectors: unknown key" in got.output


def test_an_unknown_strategy_is_refused_with_its_name(tmp_path: Path) -> None:
    f = _scenario(tmp_path, "[scenario]\ndebtors = 50\n")
    got = runner.invoke(app, ["--scenario", str(f), "--strategy", "best", "--days", "1"])
    assert got.exit_code == 2
    assert "'best'" in got.output
