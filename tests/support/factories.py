"""Builders of test data: placement files as creditors send them, and the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from huikuan.cli import app

HEADER = (
    "合同号,客户姓名,身份证号,手机号,家庭住址,本金,利息,滞纳金,欠款金额,逾期日期,产品,"
    "担保人,担保人电话,紧急联系人,紧急联系人电话,关系"
)

# Valid PRC resident IDs (MOD 11-2 checksums) for the placement rows below.
IDS = ["110101199003074477", "310104198512123419", "440305197708080010"]

GOOD_ROWS = [
    f'HT-001,张伟,{IDS[0]},13800138000,北京市东城区东四北大街1号,10000.00,500.00,120.00,"10,620.00",2026-03-01,信用卡,,,王芳,13900139000,配偶',
    f"HT-002,张伟,{IDS[0]},13800138000;010-62345678,北京市东城区东四北大街1号,2000,0,0,2000,2026/4/1,消费贷,李强,13700137000,,,",
    f"HT-003,李娜,{IDS[1]},15900159000,上海市徐汇区漕溪北路88号,5000,0,0,￥5000,2026年2月1日,网贷,,,赵敏,021-64871234,朋友",
]


def placement(path: Path, rows: list[str] | None = None, *, encoding: str = "gbk") -> Path:
    lines = [HEADER, *(GOOD_ROWS if rows is None else rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def cli(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)


def cli_json(*args: str) -> tuple[int, Any]:
    result = cli(*args, "--json")
    line = [ln for ln in result.stdout.splitlines() if ln.startswith(("{", "["))][-1]
    return result.exit_code, json.loads(line)
