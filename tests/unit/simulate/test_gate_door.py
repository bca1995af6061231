"""The simulator runs the production gate code, never a copy: it builds no compliance request itself."""

from __future__ import annotations

import ast
from pathlib import Path

import huikuan.simulate

SIMULATE = Path(huikuan.simulate.__file__).parent
# What a compliance request is made of: the simulator gets them from strategy/ (gate_facts.contact_request,
# facts_from_row, debts_from_rows; gating.allowed_frame), as the daily plan and the contact paths do.
REQUEST_PARTS = frozenset(
    {"Request", "Party", "Debt", "DebtorFacts", "Flags", "Address", "InconvenientTime", "Hold", "Purpose"}
)
# Read as types (a debtor's facts are kept), never imported: the request's own constructors.
REQUEST_CONSTRUCTORS = frozenset({"Request", "Party", "Debt", "Purpose"})


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("huikuan.compliance"):
            found += [f"{path.name}: imports {a.name}" for a in node.names if a.name in REQUEST_CONSTRUCTORS]
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in REQUEST_PARTS:
                found.append(f"{path.name}:{node.lineno}: builds {name}")
    return found


def test_no_module_of_the_simulator_builds_a_compliance_request_or_its_parts_itself() -> None:
    offences = [o for path in sorted(SIMULATE.rglob("*.py")) for o in _offences(path)]
    assert offences == []


def test_the_simulator_asks_for_the_allowed_hours_and_its_contacts_through_the_production_functions() -> None:
    text = (SIMULATE / "gatekeeper.py").read_text(encoding="utf-8")
    assert "from huikuan.strategy.gating import allowed_frame" in text
    assert "contact_request(" in text


def test_the_scan_finds_a_request_built_by_hand(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from huikuan.compliance import Request\nr = Request(1, 2, 3, 4, 5, 6)\n", encoding="utf-8"
    )
    assert len(_offences(bad)) == 2
