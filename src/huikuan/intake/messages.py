"""The sentences that explain a rejected cell or a skipped row, in English and in Simplified Chinese."""

from __future__ import annotations

import re

from huikuan.intake.report import RowError, SkippedRow

_EN: dict[str, str] = {
    "required": "{label} is required but the cell is blank.",
    "invalid_amount": "{label} '{value}' is not an amount.",
    "negative_amount": "{label} '{value}' is negative.",
    "zero_amount": "{label} '{value}' is zero; a payment must be more than zero.",
    "too_many_decimals": "{label} '{value}' has more decimals than {detail} allows.",
    "invalid_date": "{label} '{value}' is not a real date (use e.g. 2026-03-01, 2026/3/1 or 2026年3月1日).",
    "invalid_dpd": "{label} '{value}' is not a number of days.",
    "invalid_rate": "{label} '{value}' is not an annual rate (write e.g. 24%, 24 or 0.24).",
    "unknown_action": "{label} '{value}' is neither recall (召回) nor close (结案).",
    "too_long": "{label} '{value}' is longer than 200 characters.",
    "invalid_phone": "{label} '{value}': '{detail}' is not a valid phone number.",
    "invalid_phone_cell": "{label} '{value}' is not a valid phone number.",
    "invalid_national_id": "{label} '{value}' is not a valid ID number ({detail}).",
    "unknown_product": (
        "{label} '{value}' is not a product Huikuan knows (credit_card, consumer_loan, microloan, "
        "property_fee, private_loan, trade_contract, other, or a Chinese name of one)."
    ),
    "unknown_currency": "{label} '{value}' is not an ISO 4217 currency.",
    "invalid_email": "{label} '{value}' is not an email address.",
    "invalid_flag": "{label} '{value}' is neither yes nor no (use e.g. Y/N, 1/0, 是/否).",
    "invalid_ref": (
        "{label} '{value}' looks like a number Excel wrote in scientific notation; its digits are lost."
    ),
    "duplicate_ref": "{label} '{value}' appears already in row {detail}.",
    "duplicate_payment_ref": "{label} '{value}' appears already in row {detail} with different values.",
    # Found when the rows meet the database (storage), worded here so that every code reads alike.
    "unknown_account": "{label} '{value}' is not an account of this creditor.",
    "currency_mismatch": "{label} '{value}' is not the currency of the account.",
    "payment_ref_reused": "{label} '{value}' was imported before with another account or amount.",
}

# When the detail is not at hand (an error rebuilt from a report), these say the same without it.
_EN_WITHOUT_DETAIL = {
    "too_many_decimals": "{label} '{value}' has more decimals than its currency allows.",
    "invalid_national_id": "{label} '{value}' is not a valid ID number.",
    "duplicate_ref": "{label} '{value}' appears more than once in the file.",
    "duplicate_payment_ref": "{label} '{value}' appears more than once in the file with different values.",
}

_ZH: dict[str, str] = {
    "required": "{label}为必填项，但该单元格为空。",
    "invalid_amount": "{label}“{value}”不是有效的金额。",
    "negative_amount": "{label}“{value}”为负数。",
    "zero_amount": "{label}“{value}”为零，还款金额必须大于零。",
    "too_many_decimals": "{label}“{value}”的小数位数超过了{detail}允许的位数。",
    "invalid_date": "{label}“{value}”不是有效日期（可写作 2026-03-01、2026/3/1 或 2026年3月1日）。",
    "invalid_dpd": "{label}“{value}”不是有效的天数。",
    "invalid_rate": "{label}“{value}”不是有效的年利率（可写作 24%、24 或 0.24）。",
    "unknown_action": "{label}“{value}”既不是召回也不是结案。",
    "too_long": "{label}“{value}”超过 200 个字符。",
    "invalid_phone": "{label}“{value}”中的“{detail}”不是有效的电话号码。",
    "invalid_phone_cell": "{label}“{value}”不是有效的电话号码。",
    "invalid_national_id": "{label}“{value}”不是有效的证件号码（{detail_zh}）。",
    "unknown_product": (
        "{label}“{value}”不是系统认识的产品类型（信用卡、消费贷、小额贷款、物业费、民间借贷、货款/合同或其他）。"
    ),
    "unknown_currency": "{label}“{value}”不是 ISO 4217 币种代码。",
    "invalid_email": "{label}“{value}”不是有效的电子邮箱地址。",
    "invalid_flag": "{label}“{value}”既不是“是”也不是“否”（可写 是/否、Y/N、1/0）。",
    "invalid_ref": "{label}“{value}”像是被 Excel 写成科学计数法的数字，其中的数字已经丢失。",
    "duplicate_ref": "{label}“{value}”已在第{detail}行出现过。",
    "duplicate_payment_ref": "{label}“{value}”已在第{detail}行出现过，且内容不同。",
    "unknown_account": "{label}“{value}”不是该委托方的账户。",
    "currency_mismatch": "{label}“{value}”与账户的币种不一致。",
    "payment_ref_reused": "{label}“{value}”以前已导入过，且账户或金额不同。",
}

_ZH_WITHOUT_DETAIL = {
    "too_many_decimals": "{label}“{value}”的小数位数超过了该币种允许的位数。",
    "invalid_national_id": "{label}“{value}”不是有效的证件号码。",
    "duplicate_ref": "{label}“{value}”在文件中重复出现。",
    "duplicate_payment_ref": "{label}“{value}”在文件中重复出现，且内容不同。",
}

# National-ID problems named in `detail`, with their Chinese wording.
_ID_DETAIL_ZH = {
    "bad checksum": "校验位错误",
    "wrong length": "长度不对",
    "unexpected characters": "含有不允许的字符",
}

_SKIP_EN = {
    "blank": "the row is blank",
    "repeated_header": "the row repeats the header",
    "totals": "the row is a totals row",
    "duplicate_in_file": "the payment appears earlier in the file with the same values",
}
_SKIP_ZH = {
    "blank": "空行",
    "repeated_header": "重复的表头行",
    "totals": "合计行",
    "duplicate_in_file": "与文件中前面的一笔还款完全相同",
}

_LABEL_EN = {
    "external_ref": "Account number",
    "product": "Product",
    "debtor_name": "Debtor name",
    "national_id": "ID number",
    "phones": "Phone",
    "email": "Email",
    "address": "Address",
    "employer": "Employer",
    "employer_address": "Employer address",
    "principal": "Principal",
    "interest": "Interest",
    "fees": "Fees",
    "balance": "Balance",
    "currency": "Currency",
    "overdue_since": "Overdue since",
    "dpd": "Days past due",
    "last_payment_date": "Last payment date",
    "last_payment_amount": "Last payment amount",
    "charge_off_date": "Charge-off date",
    "annual_rate": "Annual interest rate",
    "contract_date": "Contract date",
    "original_creditor": "Original creditor",
    "guarantor_name": "Guarantor",
    "guarantor_phone": "Guarantor phone",
    "guarantor_national_id": "Guarantor ID number",
    "co_borrower_name": "Co-borrower",
    "co_borrower_phone": "Co-borrower phone",
    "contact_name": "Emergency contact",
    "contact_phone": "Emergency contact phone",
    "contact_relation": "Emergency contact relation",
    "bankrupt": "Bankrupt",
    "deceased": "Deceased",
    "attorney": "Represented by an attorney",
    "cease": "Cease contact",
    "dispute": "Disputed",
    "payment_ref": "Payment reference",
    "amount": "Amount",
    "paid_at": "Payment date",
    "method": "Payment method",
    "reason": "Reason",
    "action": "Action",
    "recalled_on": "Recall date",
}

_LABEL_ZH = {
    "external_ref": "账号",
    "product": "产品类型",
    "debtor_name": "姓名",
    "national_id": "身份证号",
    "phones": "手机号",
    "email": "邮箱",
    "address": "地址",
    "employer": "工作单位",
    "employer_address": "单位地址",
    "principal": "本金",
    "interest": "利息",
    "fees": "费用",
    "balance": "欠款金额",
    "currency": "币种",
    "overdue_since": "逾期日期",
    "dpd": "逾期天数",
    "last_payment_date": "最后还款日",
    "last_payment_amount": "最后还款金额",
    "charge_off_date": "核销日期",
    "annual_rate": "年利率",
    "contract_date": "合同日期",
    "original_creditor": "原债权人",
    "guarantor_name": "担保人",
    "guarantor_phone": "担保人电话",
    "guarantor_national_id": "担保人身份证号",
    "co_borrower_name": "共同借款人",
    "co_borrower_phone": "共同借款人电话",
    "contact_name": "紧急联系人",
    "contact_phone": "紧急联系人电话",
    "contact_relation": "紧急联系人关系",
    "bankrupt": "破产",
    "deceased": "死亡",
    "attorney": "律师代理",
    "cease": "停止催收",
    "dispute": "争议",
    "payment_ref": "还款流水号",
    "amount": "还款金额",
    "paid_at": "还款日期",
    "method": "还款方式",
    "reason": "原因",
    "action": "操作",
    "recalled_on": "召回日期",
}

_NUMBERED_CONTACT = re.compile(r"^contact(\d+)_(name|phone|relation)$")


def _is_zh(locale: str) -> bool:
    return locale.replace("-", "_").lower().startswith("zh")


def label(column: str, locale: str = "en") -> str:
    """The user-facing name of a canonical field (`contact2_phone` -> "Emergency contact 2 phone")."""
    zh = _is_zh(locale)
    numbered = _NUMBERED_CONTACT.match(column)
    if numbered:
        n, part = numbered.groups()
        base = (_LABEL_ZH if zh else _LABEL_EN)[f"contact_{part}"]
        if zh:
            return base.replace("紧急联系人", f"紧急联系人{n}", 1)
        return base.replace("Emergency contact", f"Emergency contact {n}", 1)
    return (_LABEL_ZH if zh else _LABEL_EN).get(column, column)


def reason(code: str, column: str, value: str, detail: str = "", locale: str = "en") -> str:
    """The sentence for one rejected cell."""
    zh = _is_zh(locale)
    if code == "invalid_phone" and detail in ("", value.strip()):
        code = "invalid_phone_cell"
    template = (_ZH if zh else _EN).get(code)
    if not detail:
        template = (_ZH_WITHOUT_DETAIL if zh else _EN_WITHOUT_DETAIL).get(code, template)
    if template is None:
        return f"{label(column, locale)}“{value}”：{code}" if zh else f"{label(column)} '{value}': {code}."
    return template.format(
        label=label(column, locale),
        value=value,
        detail=detail,
        detail_zh=_ID_DETAIL_ZH.get(detail, detail),
    )


def reason_in(error: RowError, locale: str) -> str:
    """The error's sentence in `locale` ("en", "zh_CN", "zh-CN"...; any other locale gets English).

    In English the error's own sentence is kept when it has one (it may carry more than the code's
    template); a code without a Chinese sentence falls back to it too.
    """
    zh = _is_zh(locale)
    if error.reason and (not zh or error.code not in _ZH):
        return error.reason
    return reason(error.code, error.column, error.value, error.detail, locale)


def skip_reason_in(skipped: SkippedRow, locale: str) -> str:
    """Why a row was skipped, in `locale`."""
    table = _SKIP_ZH if _is_zh(locale) else _SKIP_EN
    return table.get(skipped.reason, skipped.reason)
