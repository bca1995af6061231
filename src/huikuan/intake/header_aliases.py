"""The built-in header aliases of each kind of file a creditor sends (intake/headers.py matches them): for
each canonical field, the headers Chinese and English files give it, in the order they are most often seen.
Add a header here when a creditor's file uses one not yet known (docs/importing.md)."""

from __future__ import annotations

_EXTERNAL_REF = (
    "账号", "帐号", "合同号", "借据号", "贷款编号", "卡号", "account_no", "loan_id",
    "账户号", "账户", "账户号码", "合同编号", "借款合同编号", "借款合同号", "借据编号", "贷款账号",
    "贷款合同号", "贷款合同编号", "信用卡号", "信用卡卡号", "客户账号", "业务编号", "借款编号", "贷款号",
    "external_ref", "account", "account_number", "acct_no", "loan_no", "loan_number", "contract_no",
    "contract_number", "card_no", "card_number",
)  # fmt: skip

PLACEMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "external_ref": _EXTERNAL_REF,
    "product": (
        "产品", "业务类型", "产品类型", "product", "产品名称", "贷款类型", "业务品种", "债务类型",
        "贷款产品", "product_type",
    ),
    "debtor_name": (
        "姓名", "客户姓名", "债务人", "借款人", "业主", "name", "客户名称", "客户名", "借款人姓名",
        "债务人姓名", "持卡人", "持卡人姓名", "业主姓名", "户名", "debtor", "debtor_name", "customer_name",
        "full_name", "borrower", "borrower_name",
    ),
    "national_id": (
        "身份证号", "证件号码", "id_number", "身份证", "身份证号码", "证件号", "客户身份证号",
        "借款人身份证号", "债务人身份证号", "身份证件号码", "national_id", "id_no", "id_card", "ssn",
    ),
    "phones": (
        "手机号", "联系电话", "电话", "mobile", "phone", "手机号码", "手机", "联系方式", "电话号码",
        "移动电话", "客户手机号", "客户电话", "借款人手机号", "借款人电话", "本人电话", "本人手机号",
        "家庭电话", "住宅电话", "单位电话", "phones", "phone_number", "mobile_phone", "cell", "cellphone",
        "telephone", "tel", "home_phone", "work_phone",
    ),
    "email": ("邮箱", "email", "电子邮箱", "电子邮件", "邮件", "邮箱地址", "email_address"),
    "address": (
        "家庭住址", "地址", "住址", "address", "家庭地址", "居住地址", "现住址", "现居住地址", "通讯地址",
        "联系地址", "户籍地址", "房屋地址", "home_address",
    ),
    "employer": (
        "工作单位", "单位名称", "employer", "公司名称", "单位", "工作单位名称", "company", "employer_name",
    ),
    "employer_address": (
        "单位地址", "公司地址", "工作单位地址", "employer_address", "work_address", "company_address",
    ),
    "principal": (
        "本金", "principal", "逾期本金", "剩余本金", "欠款本金", "贷款本金", "未还本金", "本金余额",
    ),
    "interest": ("利息", "interest", "逾期利息", "欠款利息", "罚息", "未还利息"),
    "fees": (
        "费用", "滞纳金", "违约金", "fees", "fee", "手续费", "其他费用", "服务费", "管理费", "late_fee",
        "penalty",
    ),
    "balance": (
        "欠款金额", "逾期金额", "应还金额", "欠费金额", "balance", "amount_due", "欠款总额", "应还总额",
        "逾期总额", "欠款余额", "委托金额", "委案金额", "总欠款", "拖欠金额", "欠款", "欠费", "未还金额",
        "outstanding", "outstanding_balance", "total_due", "balance_due", "amount_owed",
    ),
    "currency": ("币种", "currency", "币别", "货币", "ccy"),
    "overdue_since": (
        "逾期日期", "首次逾期日", "首次逾期日期", "逾期开始日期", "逾期起始日", "逾期起始日期", "最早逾期日",
        "违约日期", "overdue_since", "delinquency_date", "default_date",
    ),
    "dpd": ("逾期天数", "dpd", "days_past_due", "overdue_days"),
    "last_payment_date": (
        "最后还款日", "最后还款日期", "最近还款日", "最近还款日期", "上次还款日期", "last_payment_date",
        "last_paid_date",
    ),
    "last_payment_amount": ("最后还款金额", "最近还款金额", "上次还款金额", "last_payment_amount"),
    "charge_off_date": (
        "核销日期", "核销日", "呆账核销日期", "charge_off_date", "chargeoff_date", "charged_off_on",
        "write_off_date",
    ),
    "annual_rate": (
        "年利率", "年化利率", "合同年利率", "借款年利率", "annual_rate", "interest_rate", "apr",
        "annual_interest_rate",
    ),
    "contract_date": (
        "合同日期", "签约日期", "合同签订日期", "借款日期", "放款日期", "contract_date", "agreement_date",
        "loan_date", "origination_date",
    ),
    "original_creditor": (
        "原债权人", "原始债权人", "原债权机构", "原贷款机构", "原放款机构", "债权转让方", "转让方",
        "original_creditor", "original_lender",
    ),
    "guarantor_name": ("担保人", "担保人姓名", "保证人", "保证人姓名", "guarantor", "guarantor_name"),
    "guarantor_phone": (
        "担保人电话", "担保人手机", "担保人手机号", "担保人联系电话", "保证人电话", "保证人手机号",
        "guarantor_phone",
    ),
    "guarantor_national_id": (
        "担保人身份证", "担保人身份证号", "担保人身份证号码", "担保人证件号码", "保证人身份证号",
        "guarantor_id", "guarantor_national_id",
    ),
    "co_borrower_name": (
        "共同借款人", "共同借款人姓名", "共借人", "co_borrower", "co_borrower_name", "coborrower",
    ),
    "co_borrower_phone": (
        "共同借款人电话", "共同借款人手机", "共同借款人手机号", "共借人电话", "co_borrower_phone",
    ),
    "contact_name": (
        "紧急联系人", "联系人", "紧急联系人姓名", "联系人姓名", "contact", "contact_name",
        "emergency_contact",
    ),
    "contact_phone": (
        "紧急联系人电话", "联系人电话", "紧急联系人手机", "紧急联系人手机号", "紧急联系人号码", "联系人手机",
        "联系人手机号", "contact_phone", "emergency_contact_phone",
    ),
    "contact_relation": (
        "关系", "与借款人关系", "联系人关系", "紧急联系人关系", "与本人关系", "与债务人关系", "与客户关系",
        "relation", "relationship", "contact_relation",
    ),
    # Scrub flags: yes/no columns that take effect at once as holds (services/holds.py).
    "bankrupt": (
        "破产", "是否破产", "破产标志", "个人破产", "bankrupt", "bankruptcy", "bankruptcy_flag",
        "in_bankruptcy",
    ),
    "deceased": (
        "死亡", "已故", "身故", "是否死亡", "是否身故", "死亡标志", "deceased", "dead", "deceased_flag",
    ),
    "attorney": (
        "律师代理", "委托律师", "有律师", "律师", "attorney", "lawyer", "represented", "attorney_flag",
        "attorney_represented",
    ),
    "cease": (
        "停止催收", "停催", "要求停催", "停止联系", "cease", "cease_and_desist", "cease_flag",
        "do_not_contact",
    ),
    "dispute": ("争议", "有争议", "异议", "是否争议", "dispute", "disputed", "dispute_flag"),
}  # fmt: skip

PAYMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "payment_ref": (
        "还款流水号", "交易流水号", "流水号", "payment_ref", "reference", "交易编号", "还款编号", "流水编号",
        "transaction_id", "txn_id", "payment_id",
    ),
    "external_ref": _EXTERNAL_REF,
    "amount": (
        "还款金额", "金额", "实还金额", "amount", "交易金额", "实收金额", "回款金额", "入账金额",
        "payment_amount", "amount_paid",
    ),
    "paid_at": (
        "还款日期", "还款时间", "交易时间", "paid_at", "交易日期", "入账日期", "入账时间", "回款日期",
        "还款日", "payment_date", "paid_on", "transaction_date",
    ),
    "method": ("还款方式", "渠道", "method", "还款渠道", "支付方式", "交易渠道", "channel", "payment_method"),
    "currency": PLACEMENT_ALIASES["currency"],
}  # fmt: skip

RECALL_ALIASES: dict[str, tuple[str, ...]] = {
    "external_ref": _EXTERNAL_REF,
    "reason": (
        "召回原因", "撤案原因", "退案原因", "结案原因", "原因", "reason", "recall_reason", "close_reason",
    ),
    "action": ("操作", "处理方式", "类型", "action", "type"),
    "recalled_on": (
        "召回日期", "撤案日期", "退案日期", "结案日期", "日期", "recalled_on", "date", "recall_date",
    ),
}  # fmt: skip
