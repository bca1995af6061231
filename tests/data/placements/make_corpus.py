"""Write the placement-file corpus: each file beside `<name>.expected.json`, the exact result expected.

    .venv/bin/python tests/data/placements/make_corpus.py

The expected results are written here by hand, next to the files they describe; nothing in this
script calls the parser. Files meant as GBK are encoded as GBK here and committed as bytes.
Run it again after changing a case, and commit both the script and what it writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def prc_id(body: str) -> str:
    """An 18-character resident ID with its MOD 11-2 check character."""
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


def bad_check(number: str) -> str:
    """The same ID with a wrong check character."""
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


ID_ZHANG = prc_id("11010519850315123")
ID_LI_15 = "310101790228041"
ID_WANG = prc_id("44030319900101567")
ID_WANG_BAD = bad_check(ID_WANG)
ID_ZHAO = prc_id("51010719781122334")
ID_CHEN = prc_id("32050219920707890")
# One whose check character is X, to be written in lower case.
ID_X = next(i for n in range(100) if (i := prc_id(f"110105198001{n:05d}")).endswith("X"))

HEAD = "合同号,姓名,身份证号,手机号,欠款金额"
DEFAULTS = {"region": "CN", "currency": "CNY", "as_of": "2026-03-10"}


def err(row: int, column: str, value: str, code: str) -> dict[str, Any]:
    return {"row": row, "column": column, "value": value, "code": code}


def skip(row: int, reason: str) -> dict[str, Any]:
    return {"row": row, "reason": reason}


CASES: list[dict[str, Any]] = []


def case(
    name: str,
    text: str | bytes,
    *,
    encoding: str = "utf-8",
    suffix: str = ".csv",
    errors: list[dict[str, Any]] | None = None,
    skipped: list[dict[str, Any]] | None = None,
    **expected: Any,
) -> None:
    CASES.append(
        {
            "name": name,
            "suffix": suffix,
            "data": text if isinstance(text, bytes) else text.encode(encoding),
            "expected": {
                "options": DEFAULTS | expected.pop("options", {}),
                **(
                    {"errors": errors or [], "skipped": skipped or []} if "file_error" not in expected else {}
                ),
                **expected,
            },
        }
    )


def lines(*rows: str) -> str:
    return "\r\n".join(rows) + "\r\n"


# --- one problem per file ------------------------------------------------------------------------

case(
    "bad_amount",
    lines(
        HEAD,
        f"A001,张伟,{ID_ZHANG},13812345678,1234.5",
        "A002,李娜,,13900001111,十二元",
        "A003,王强,,,12.3.4",
    ),
    errors=[err(3, "balance", "十二元", "invalid_amount"), err(4, "balance", "12.3.4", "invalid_amount")],
    rows_read=3,
    good_rows=1,
)
case(
    "negative_balance",
    lines(
        HEAD + ",本金,利息",
        "A001,张伟,,13812345678,-100.00,100,0",
        "A002,李娜,,,(50.00),50,0",
        "A003,王强,,,10,5,-5",
    ),
    errors=[
        err(2, "balance", "-100.00", "negative_amount"),
        err(3, "balance", "(50.00)", "negative_amount"),
        err(4, "interest", "-5", "negative_amount"),
    ],
    good_rows=0,
)
case(
    "too_many_decimals",
    lines(
        HEAD + ",币种",
        "A001,张伟,,,100.123,",
        "A002,李娜,,,100.120,CNY",
        "A003,王强,,,1500.5,日元",
        "A004,赵敏,,,1500,JPY",
    ),
    errors=[
        err(2, "balance", "100.123", "too_many_decimals"),
        err(4, "balance", "1500.5", "too_many_decimals"),
    ],
    good_rows=2,
    rows=[
        {"row": 3, "external_ref": "A002", "balance": 10012, "currency": "CNY"},
        {"row": 5, "external_ref": "A004", "balance": 1500, "currency": "JPY"},
    ],
)
case(
    "bad_date",
    lines(
        HEAD + ",逾期日期,最后还款日", "A001,张伟,,,100,上周,2026-01-01", "A002,李娜,,,100,2026-03-01,03/2026"
    ),
    errors=[
        err(2, "overdue_since", "上周", "invalid_date"),
        err(3, "last_payment_date", "03/2026", "invalid_date"),
    ],
    good_rows=0,
)
case(
    "impossible_date",
    lines(
        HEAD + ",逾期日期",
        "A001,张伟,,,100,2026-02-30",
        "A002,李娜,,,100,2025/2/29",
        "A003,王强,,,100,2024年2月29日",
    ),
    errors=[
        err(2, "overdue_since", "2026-02-30", "invalid_date"),
        err(3, "overdue_since", "2025/2/29", "invalid_date"),
    ],
    good_rows=1,
    rows=[{"row": 4, "overdue_since": "2024-02-29"}],
)
case(
    "invalid_phone",
    lines(
        HEAD,
        "A001,张伟,,1381234567,100",
        "A002,李娜,,13812345678;12345,100",
        "A003,王强,,13812345678 010-88886666,100",
    ),
    errors=[
        err(2, "phones", "1381234567", "invalid_phone"),
        err(3, "phones", "13812345678;12345", "invalid_phone"),
    ],
    good_rows=1,
    rows=[{"row": 4, "phones": ["+8613812345678", "+861088886666"], "phone_kinds": ["mobile", "landline"]}],
)
case(
    "bad_national_id",
    lines(
        HEAD,
        f"A001,张伟,{ID_WANG_BAD},,100",
        "A002,李娜,1234567890,,100",
        "A003,王强,1101051985031512,,100",
        f"A004,赵敏,{ID_X.lower()},,100",
        "A005,陈静,E12345678,,100",
        f"A006,刘洋,{ID_LI_15},,100",
    ),
    errors=[
        err(2, "national_id", ID_WANG_BAD, "invalid_national_id"),
        err(3, "national_id", "1234567890", "invalid_national_id"),
        err(4, "national_id", "1101051985031512", "invalid_national_id"),
    ],
    good_rows=3,
    rows=[
        {"row": 5, "national_id": ID_X},
        {"row": 6, "national_id": "E12345678"},
        {"row": 7, "national_id": ID_LI_15},
    ],
)
case(
    "unknown_product",
    lines(
        HEAD + ",产品",
        "A001,张伟,,,100,火箭贷",
        "A002,李娜,,,100,信用卡",
        "A003,王强,,,100,",
        "A004,赵敏,,,100,网贷",
    ),
    errors=[err(2, "product", "火箭贷", "unknown_product")],
    good_rows=3,
    rows=[
        {"row": 3, "product": "credit_card"},
        {"row": 4, "product": "other"},
        {"row": 5, "product": "microloan"},
    ],
)
case(
    "unknown_currency",
    lines(HEAD + ",币种", "A001,张伟,,,100,XYZ", "A002,李娜,,,100,美元", "A003,王强,,,100,"),
    errors=[err(2, "currency", "XYZ", "unknown_currency")],
    good_rows=2,
    rows=[{"row": 3, "currency": "USD", "balance": 10000}, {"row": 4, "currency": "CNY", "balance": 10000}],
)
case(
    "blank_required",
    lines(HEAD, ",张伟,,13812345678,100", "A002,,,,100", "A003,王强,,,", "A004,赵敏,,, "),
    errors=[
        err(2, "external_ref", "", "required"),
        err(3, "debtor_name", "", "required"),
        err(4, "balance", "", "required"),
        err(5, "balance", " ", "required"),
    ],
    good_rows=0,
)
case(
    "duplicate_ref",
    lines(HEAD, "A001,张伟,,,100", "A002,李娜,,,200", "A001,张伟,,,100", "A001,王强,,,300"),
    encoding="gbk",
    errors=[err(4, "external_ref", "A001", "duplicate_ref"), err(5, "external_ref", "A001", "duplicate_ref")],
    encoding_detected="gb18030",
    good_rows=2,
)
case(
    "excel_scientific_ref",
    lines(HEAD, "6.22588E+15,张伟,,,100", "6225880012345678,李娜,,,100"),
    errors=[err(2, "external_ref", "6.22588E+15", "invalid_ref")],
    good_rows=1,
)
case(
    "invalid_email",
    lines(
        HEAD + ",邮箱",
        "A001,张伟,,,100,zhang@@example.com",
        "A002,李娜,,,100,Li.Na@Example.COM",
        "A003,王强,,,100,wang",
    ),
    errors=[err(2, "email", "zhang@@example.com", "invalid_email"), err(4, "email", "wang", "invalid_email")],
    good_rows=1,
    rows=[{"row": 3, "email": "li.na@example.com"}],
)
case(
    "invalid_dpd",
    lines(HEAD + ",逾期天数", "A001,张伟,,,100,三十", "A002,李娜,,,100,30", "A003,王强,,,100,-3"),
    errors=[err(2, "dpd", "三十", "invalid_dpd"), err(4, "dpd", "-3", "invalid_dpd")],
    good_rows=1,
    rows=[{"row": 3, "overdue_since": "2026-02-08"}],
)
case(
    "invalid_contact_phone",
    lines(
        HEAD + ",紧急联系人,关系,紧急联系人电话,紧急联系人2,关系2,紧急联系人电话2",
        "A001,张伟,,,100,王芳,配偶,13600001111,张建国,父亲,110",
    ),
    errors=[err(2, "contact2_phone", "110", "invalid_phone")],
    good_rows=0,
)
case(
    "totals_row",
    lines(HEAD, "A001,张伟,,,100", "A002,李娜,,,200", "合计,,,,300", ",,,总计：,300", "本页小计,,,,300"),
    encoding="gbk",
    skipped=[skip(4, "totals"), skip(5, "totals"), skip(6, "totals")],
    good_rows=2,
    rows_read=5,
)
case(
    "repeated_header",
    lines(HEAD, "A001,张伟,,,100", HEAD, "A002,李娜,,,200", "合同号,姓名,,,"),
    skipped=[skip(3, "repeated_header"), skip(5, "repeated_header")],
    good_rows=2,
)
case(
    "trailing_blank_rows",
    lines(HEAD, "A001,张伟,,,100", ",,,,", " , ,,,", "", ",,,,"),
    skipped=[skip(3, "blank"), skip(4, "blank"), skip(5, "blank"), skip(6, "blank")],
    good_rows=1,
    rows_read=5,
)
case(
    "title_row",
    lines(
        "2026年3月 信用卡逾期客户委托清单,,,,",
        "委托方：某某银行信用卡中心,,,,",
        HEAD,
        "A001,张伟,,13812345678,100",
    ),
    encoding="gbk",
    header_row=3,
    rows_read=1,
    good_rows=1,
    rows=[{"row": 4, "external_ref": "A001"}],
)
case(
    "quoted_newlines_count_as_one_record",
    lines(HEAD + ",地址", 'A001,张伟,,,100,"北京市朝阳区\r\n建国路88号"', "A002,李娜,,,-1,"),
    errors=[err(3, "balance", "-1", "negative_amount")],
    rows=[{"row": 2, "address": "北京市朝阳区 建国路88号"}],
)

# --- file-level problems -------------------------------------------------------------------------

case(
    "missing_required_column",
    lines("合同号,姓名,手机号,备注", "A001,张伟,13812345678,"),
    file_error={
        "code": "missing_columns",
        "missing": ["balance"],
        "message_contains": ["balance", "合同号", "备注"],
    },
)
case(
    "undecodable",
    "合同号,姓名,欠款金额\r\nA001,张伟,100\r\n".encode() + b"A002,\xff\xfe\xff,100\r\n",
    file_error={"code": "undecodable", "message_contains": ["byte offset 53", "UTF-8", "GB18030"]},
)
case(
    "no_header",
    lines("编号,客户,金额", "1,张伟,100"),
    file_error={"code": "no_header", "message_contains": ["编号", "客户", "金额"]},
)
case("empty", b"", file_error={"code": "empty", "message_contains": ["empty"]})

# --- good files ----------------------------------------------------------------------------------

case(
    "good_utf8",
    lines(
        "account_no,name,id_number,phone,email,principal,interest,fees,balance,currency,overdue_since,product",
        f"C-1,Zhang Wei,{ID_ZHANG},+86 138 1234 5678,zw@example.com,"
        "1000.00,10.50,0,1010.50,CNY,2026-01-31,credit_card",
    ),
    encoding_detected="utf-8",
    delimiter=",",
    rows=[
        {
            "row": 2,
            "external_ref": "C-1",
            "product": "credit_card",
            "debtor_name": "Zhang Wei",
            "national_id": ID_ZHANG,
            "phones": ["+8613812345678"],
            "phone_kinds": ["mobile"],
            "email": "zw@example.com",
            "principal": 100000,
            "interest": 1050,
            "fees": 0,
            "balance": 101050,
            "currency": "CNY",
            "overdue_since": "2026-01-31",
        }
    ],
)
case(
    "good_utf8_bom",
    b"\xef\xbb\xbf" + lines(HEAD, "A001,张伟,,13812345678,100").encode(),
    encoding_detected="utf-8-sig",
    rows=[{"row": 2, "external_ref": "A001", "debtor_name": "张伟", "balance": 10000}],
)
case(
    "good_gbk",
    lines(
        "贷款编号,借款人,证件号码,联系电话,应还金额,逾期日期",
        f"L001,赵敏,{ID_ZHAO},0755-86013388,５００元,2026年1月5日",
    ),
    encoding="gbk",
    encoding_detected="gb18030",
    rows=[
        {
            "row": 2,
            "external_ref": "L001",
            "debtor_name": "赵敏",
            "national_id": ID_ZHAO,
            "phones": ["+8675586013388"],
            "phone_kinds": ["landline"],
            "balance": 50000,
            "overdue_since": "2026-01-05",
        }
    ],
)
case(
    "good_semicolon",
    lines("合同号;姓名;手机号;欠款金额", 'A001;张伟;13812345678,13987654321;"1,234.50"'),
    delimiter=";",
    rows=[{"row": 2, "phones": ["+8613812345678", "+8613987654321"], "balance": 123450}],
)
case(
    "good_tab",
    lines("合同号\t姓名\t手机号\t欠款金额\t逾期日期", "A001\t张伟\t13812345678\t100\t20260115"),
    suffix=".tsv",
    delimiter="\t",
    rows=[{"row": 2, "overdue_since": "2026-01-15"}],
)
case(
    "good_mapping",
    lines("客户编号,客户,证件,金额（元）,手机", "K001,陈静,,88.80,13712345678"),
    options={
        "mapping": {
            "客户编号": "external_ref",
            "客户": "debtor_name",
            "证件": "national_id",
            "金额": "balance",
        }
    },
    columns={
        "客户编号": "external_ref",
        "客户": "debtor_name",
        "证件": "national_id",
        "金额（元）": "balance",
        "手机": "phones",
    },
    rows=[{"row": 2, "external_ref": "K001", "debtor_name": "陈静", "balance": 8880}],
)
case(
    "good_one_debtor_many_rows",
    lines(
        HEAD + ",产品",
        f"CARD-1,张伟,{ID_ZHANG},13812345678,100,信用卡",
        f"LOAN-7,张伟,{ID_ZHANG},13812345678,2500,消费贷",
        f"MF-3,张伟,{ID_ZHANG},13812345678,80,物业费",
    ),
    rows=[
        {"row": 2, "external_ref": "CARD-1", "national_id": ID_ZHANG, "product": "credit_card"},
        {"row": 3, "external_ref": "LOAN-7", "national_id": ID_ZHANG, "product": "consumer_loan"},
        {"row": 4, "external_ref": "MF-3", "national_id": ID_ZHANG, "product": "property_fee"},
    ],
)
case(
    "good_us_creditor",
    lines(
        "Account Number,Full Name,Phone,Balance Due,Default Date,Email",
        'US-1,Jane Roe,(415) 555-2671,"$1,234.00",3/1/2026,jane@example.com',
    ),
    options={"region": "US", "currency": "USD"},
    rows=[
        {
            "row": 2,
            "phones": ["+14155552671"],
            "phone_kinds": ["mobile"],
            "balance": 123400,
            "currency": "USD",
            "overdue_since": "2026-03-01",
        }
    ],
)

# --- the flagship: a messy GBK file from a Chinese creditor --------------------------------------

MESSY = lines(
    "某某消费金融有限公司 2026年3月 逾期客户委托清单,,,,,,,,,,,,,,,,,,,",
    "导出日期：2026-03-10,,,,,,,,,,,,,,,,,,,",
    "借款合同编号,客户姓名,身份证号码,手机号码,电子邮箱,家庭住址,产品类型,逾期本金,利息,滞纳金,欠款金额(元),"
    "逾期天数,最后还款日,紧急联系人,关系,紧急联系人电话,紧急联系人2,关系2,紧急联系人电话2,备注",
    f'HT2026001,张伟,{ID_ZHANG},13812345678；13987654321,ZhangWei@Example.COM,"北京市朝阳区\r\n建国路88号",'
    '消费贷,"￥10,000.00",500.5,100元,"10,600.50",35,2026/1/15,王芳,配偶,13600001111,张建国,父亲,010-66668888,',
    f"HT2026002,李娜,{ID_LI_15},０２１－６２３４５６７８ / 15900002222,,上海市浦东新区世纪大道100号,信用卡,"
    "８０００,３２０．００,,８３２０.００,60,2025年12月20日,,,,,,,",
    f"HT2026003,王强,{ID_WANG_BAD},138 0013 8000,wang@,广州市天河区体育西路1号,小贷,"
    "5000,0,0,5000,abc,20260105,"
    "刘洋,朋友,1380013800,,,,已失联",
    'HT2026004,赵敏,,13500135000,,深圳市南山区科技园,物业费,,,,"1,200",90,46000,,,,,,,',
    "借款合同编号,客户姓名,身份证号码,手机号码,电子邮箱,家庭住址,产品类型,逾期本金,利息,滞纳金,欠款金额(元),"
    "逾期天数,最后还款日,紧急联系人,关系,紧急联系人电话,紧急联系人2,关系2,紧急联系人电话2,备注",
    f"HT2026005,陈静,{ID_CHEN},13712345678,,南京市鼓楼区,网贷,3000,200,50,-3250,10,2026-02-30,,,,,,,",
    f"HT2026001,张伟,{ID_ZHANG},13812345678,,,消费贷,1,0,0,1,1,,,,,,,,重复",
    f"HT2026006,张伟,{ID_ZHANG},13812345678,,北京市朝阳区建国路88号,信用卡,2000,0,0,2000,5,,,,,,,,",
    '合计,,,,,,,"28,000.00",,,"28,171.50",,,,,,,,,',
    ",,,,,,,,,,,,,,,,,,,",
    ",,,,,,,,,,,,,,,,,,,",
)

_MESSY_ROW: dict[str, Any] = {
    "email": None,
    "address": None,
    "employer": None,
    "employer_address": None,
    "currency": "CNY",
    "guarantor_name": None,
    "guarantor_phone": None,
    "guarantor_phone_kind": None,
    "guarantor_national_id": None,
    "co_borrower_name": None,
    "co_borrower_phone": None,
    "co_borrower_phone_kind": None,
    "last_payment_amount": None,
}

case(
    "messy_gbk",
    MESSY,
    encoding="gbk",
    encoding_detected="gb18030",
    delimiter=",",
    header_row=3,
    rows_read=11,
    good_rows=4,
    rejected_rows=3,
    ignored_columns=["备注"],
    rows_complete=True,
    columns={
        "借款合同编号": "external_ref",
        "客户姓名": "debtor_name",
        "身份证号码": "national_id",
        "手机号码": "phones",
        "电子邮箱": "email",
        "家庭住址": "address",
        "产品类型": "product",
        "逾期本金": "principal",
        "利息": "interest",
        "滞纳金": "fees",
        "欠款金额(元)": "balance",
        "逾期天数": "dpd",
        "最后还款日": "last_payment_date",
        "紧急联系人": "contact_name",
        "关系": "contact_relation",
        "紧急联系人电话": "contact_phone",
        "紧急联系人2": "contact2_name",
        "关系2": "contact2_relation",
        "紧急联系人电话2": "contact2_phone",
    },
    errors=[
        err(6, "national_id", ID_WANG_BAD, "invalid_national_id"),
        err(6, "email", "wang@", "invalid_email"),
        err(6, "dpd", "abc", "invalid_dpd"),
        err(6, "contact_phone", "1380013800", "invalid_phone"),
        err(9, "balance", "-3250", "negative_amount"),
        err(9, "last_payment_date", "2026-02-30", "invalid_date"),
        err(10, "external_ref", "HT2026001", "duplicate_ref"),
    ],
    skipped=[skip(8, "repeated_header"), skip(12, "totals"), skip(13, "blank"), skip(14, "blank")],
    rows=[
        _MESSY_ROW
        | {
            "row": 4,
            "external_ref": "HT2026001",
            "product": "consumer_loan",
            "debtor_name": "张伟",
            "national_id": ID_ZHANG,
            "phones": ["+8613812345678", "+8613987654321"],
            "phone_kinds": ["mobile", "mobile"],
            "email": "zhangwei@example.com",
            "address": "北京市朝阳区 建国路88号",
            "principal": 1000000,
            "interest": 50050,
            "fees": 10000,
            "balance": 1060050,
            "overdue_since": "2026-02-03",
            "last_payment_date": "2026-01-15",
            "contacts": [
                {"name": "王芳", "phone": "+8613600001111", "relation": "配偶", "phone_kind": "mobile"},
                {"name": "张建国", "phone": "+861066668888", "relation": "父亲", "phone_kind": "landline"},
            ],
        },
        _MESSY_ROW
        | {
            "row": 5,
            "external_ref": "HT2026002",
            "product": "credit_card",
            "debtor_name": "李娜",
            "national_id": ID_LI_15,
            "phones": ["+862162345678", "+8615900002222"],
            "phone_kinds": ["landline", "mobile"],
            "address": "上海市浦东新区世纪大道100号",
            "principal": 800000,
            "interest": 32000,
            "fees": 0,
            "balance": 832000,
            "overdue_since": "2026-01-09",
            "last_payment_date": "2025-12-20",
            "contacts": [],
        },
        _MESSY_ROW
        | {
            "row": 7,
            "external_ref": "HT2026004",
            "product": "property_fee",
            "debtor_name": "赵敏",
            "national_id": None,
            "phones": ["+8613500135000"],
            "phone_kinds": ["mobile"],
            "address": "深圳市南山区科技园",
            "principal": 0,
            "interest": 0,
            "fees": 0,
            "balance": 120000,
            "overdue_since": "2025-12-10",
            "last_payment_date": "2025-12-09",
            "contacts": [],
        },
        _MESSY_ROW
        | {
            "row": 11,
            "external_ref": "HT2026006",
            "product": "credit_card",
            "debtor_name": "张伟",
            "national_id": ID_ZHANG,
            "phones": ["+8613812345678"],
            "phone_kinds": ["mobile"],
            "address": "北京市朝阳区建国路88号",
            "principal": 200000,
            "interest": 0,
            "fees": 0,
            "balance": 200000,
            "overdue_since": "2026-03-05",
            "last_payment_date": None,
            "contacts": [],
        },
    ],
)


def main() -> None:
    for old in HERE.glob("*.expected.json"):
        old.unlink()
    for item in CASES:
        name = item["name"]
        for old in HERE.glob(f"{name}.*"):
            if old.suffix in (".csv", ".tsv"):
                old.unlink()
        (HERE / f"{name}{item['suffix']}").write_bytes(item["data"])
        expected = {"file": f"{name}{item['suffix']}", **item["expected"]}
        (HERE / f"{name}.expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    print(f"wrote {len(CASES)} cases to {HERE}")  # noqa: T201


if __name__ == "__main__":
    main()
