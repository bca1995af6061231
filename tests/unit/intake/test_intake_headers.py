"""Headers are matched to canonical fields whatever their case, width, spacing or unit."""

from __future__ import annotations

import pytest

from huikuan.intake.headers import column_letter, resolve


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("合同号", "external_ref"),
        ("借款合同编号", "external_ref"),
        ("Account_No", "external_ref"),
        ("ＬＯＡＮ ＩＤ", "external_ref"),
        ("客户名称", "debtor_name"),
        ("手机号码", "phones"),
        ("联系方式", "phones"),
        ("逾期本金", "principal"),
        ("欠款金额(元)", "balance"),
        ("欠款金额（元）", "balance"),
        ("逾期天数", "dpd"),
        ("amount due", "balance"),
        ("币种", "currency"),
    ],
)
def test_a_known_header_maps_whatever_its_spelling(header: str, field: str) -> None:
    assert resolve([header], "placement").columns == {header: field}


def test_emergency_contacts_repeat_as_numbered_contacts() -> None:
    headers = [
        "紧急联系人",
        "关系",
        "紧急联系人电话",
        "紧急联系人",
        "关系",
        "紧急联系人电话",
        "联系人3",
        "联系人3电话",
    ]
    assert list(resolve(headers, "placement").sources) == [
        "contact_name",
        "contact_relation",
        "contact_phone",
        "contact2_name",
        "contact2_relation",
        "contact2_phone",
        "contact3_name",
        "contact3_phone",
    ]


def test_numbered_contact_headers_in_any_order() -> None:
    headers = ["紧急联系人2", "紧急联系人电话2", "关系2", "contact3_name"]
    assert resolve(headers, "placement").columns == {
        "紧急联系人2": "contact2_name",
        "紧急联系人电话2": "contact2_phone",
        "关系2": "contact2_relation",
        "contact3_name": "contact3_name",
    }


def test_several_phone_columns_feed_phones_and_fees_columns_add_up() -> None:
    sources = resolve(["手机号", "家庭电话", "滞纳金", "违约金"], "placement").sources
    assert sources == {"phones": [0, 1], "fees": [2, 3]}


def test_a_field_named_twice_keeps_the_first_column_and_ignores_the_second() -> None:
    res = resolve(["地址", "住址", "备注", None], "placement")
    assert res.columns == {"地址": "address"}
    assert res.ignored == ["住址", "备注", "(column D)"]


def test_a_mapping_wins_over_the_built_in_aliases() -> None:
    res = resolve(["账号", "客户号"], "placement", {"账号": "ignore", "客户号": "external_ref"})
    assert res.columns == {"客户号": "external_ref"}
    assert res.ignored == ["账号"]


def test_payment_headers_have_their_own_aliases() -> None:
    assert resolve(["交易流水号", "合同号", "实还金额", "交易时间", "渠道"], "payments").columns == {
        "交易流水号": "payment_ref",
        "合同号": "external_ref",
        "实还金额": "amount",
        "交易时间": "paid_at",
        "渠道": "method",
    }


def test_columns_are_named_by_spreadsheet_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
