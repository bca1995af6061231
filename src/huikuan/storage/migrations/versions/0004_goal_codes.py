"""goal codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 23:30:00

Goals become codes shown in the viewer's language (domain/goals.py): the texts written so far, in either
language, are turned into their codes and any other text is kept as the note beside the code "follow_up";
a goal left on a case without a next action's channel is cleared.
A promise names the conversation it was made in.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every goal text the code wrote before this revision (English, and Chinese where it wrote Chinese).
KNOWN_TEXTS: dict[str, tuple[str, ...]] = {
    "agree_payment": ("agree the date and amount of payment", "确认还款意愿，约定还款时间和金额"),
    "press_for_payment": ("press for payment: the debtor is able to pay", "督促还款（有还款能力）"),
    "offer_instalments": ("offer an instalment arrangement", "协商分期还款方案"),
    "assess_ability": ("assess the ability to pay", "核实还款能力与困难情况"),
    "follow_up": ("follow up", "跟进"),
    "verify_identity": ("verify the right party", "核实身份并告知欠款"),
    "obtain_promise": ("obtain a promise to pay", "确认还款意愿"),
    "payment_reminder": ("payment reminder", "还款提醒"),
    "send_notice": ("send the validation notice", "寄送催收函"),
    "visit_assess": ("上门核实还款能力",),
    "take_inbound_call": ("take the debtor's call", "接听债务人来电"),
    "locate_debtor": ("obtain location information", "请联系人转告债务人回电"),
    "reach_debtor": ("Reach the debtor", "联系上债务人本人"),
    "reach_after_voicemail": ("Reach the debtor after the voicemail", "留言后再次联系债务人本人"),
    "find_working_number": ("Find a working number", "查找有效联系方式"),
    "reach_in_person": ("Reach the debtor in person", "设法直接联系债务人本人"),
    "check_promised_payment": (
        "Check that the promised payment arrived",
        "Check the promised payment",
        "核实承诺的还款是否到账",
        "follow up on the promise",
        "跟进承诺还款",
    ),
    "confirm_payment": ("Confirm the payment with the creditor", "向委托方核实还款情况"),
    "explain_and_offer_plan": (
        "Explain the consequences lawfully and offer a plan",
        "依法说明逾期后果，并提供还款方案",
    ),
    "review_dispute": (
        "Review the dispute before any further contact",
        "先核查异议，核查完毕前不再联系",
        "send verification of the debt",
        "核实争议并寄送欠款材料",
    ),
    "assess_hardship": (
        "Assess the hardship and offer an affordable plan",
        "了解困难情况，提供可承受的还款方案",
        "review the hardship",
        "复核困难情况",
    ),
    "call_back": ("Call back as asked", "按约定时间回电", "return the call as agreed", "按约回电"),
    "promise_kept_rest": ("Promise kept: agree how the rest will be paid",),
    "promise_broken": (
        "Broken promise: ask why and agree a new date",
        "follow up on the broken promise",
        "跟进失约承诺",
    ),
    "promise_partly_kept": ("Promise partly kept: ask why and agree a date for the rest",),
    "check_instalment": ("Check the instalment payment",),
    "instalments_broken": ("Instalment plan broken: ask why and agree how to go on",),
    "arrangement_completed": ("Arrangement completed: agree how the rest will be paid",),
}


def _to_codes(table: str, goal: str, note: str) -> None:
    conn = op.get_bind()
    for code, texts in KNOWN_TEXTS.items():
        for text in texts:
            conn.execute(
                sa.text(f"UPDATE {table} SET {goal} = :code WHERE {goal} = :text"),
                {"code": code, "text": text},
            )
    conn.execute(
        sa.text(
            f"UPDATE {table} SET {note} = {goal}, {goal} = 'follow_up' WHERE {goal} IS NOT NULL AND {goal} NOT IN :codes"
        ).bindparams(sa.bindparam("codes", expanding=True)),
        {"codes": list(KNOWN_TEXTS)},
    )


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_action_note", sa.String(length=200), nullable=True))
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("goal_note", sa.String(length=200), nullable=True))
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("interaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_promises_interaction_id_interactions"), "interactions", ["interaction_id"], ["id"]
        )
    _to_codes("cases", "next_action_goal", "next_action_note")
    _to_codes("interactions", "goal", "goal_note")
    # A next action is complete or absent: a goal left behind without a channel is no next action.
    op.execute(
        "UPDATE cases SET next_action_goal = NULL, next_action_note = NULL WHERE next_action_channel IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_promises_interaction_id_interactions"), type_="foreignkey")
        batch_op.drop_column("interaction_id")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("goal_note")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("next_action_note")
