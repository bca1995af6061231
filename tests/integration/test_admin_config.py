"""The administration of creditors, message templates and channels: an administrator adds a creditor and
sets its details, its negotiation authority per role and its pack's tightening (seeing first what the
tightening does to today's plan, as the real gate answers), edits a message's text with a preview and
goes back to the shipped one, and reads each channel's state; a supervisor reads all of it and changes
nothing; every change is audited by the names of what changed.

The floor (tests/support/floor.py): BANK (cases A, B and P) and SHOP, both on the cn pack (contact hours
08:00-21:00 Shanghai time).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import Engine, insert, select
from tests.support.factories import cli
from tests.support.floor import PASSWORD, Floor
from tests.support.messaging import use_settings
from tests.support.web import login_client

from huikuan.channels.render import TemplateText, shipped_text
from huikuan.errors import AlreadyExists, Forbidden, InvalidInput, NotFound
from huikuan.services import creditor_admin, message_templates, outbox, terms_desk
from huikuan.services.arrangement_terms import authority
from huikuan.services.creditor_admin import CreditorDetails, NewCreditor
from huikuan.services.message_templates import TemplateKey
from huikuan.services.pack_preview import plan_impact
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.strategy.gate_facts import creditor_pack
from huikuan.web.app import create_app

# 09:00 in Shanghai on Monday 7 December 2026: the day's plan calls at 10:00 and at 15:00.
NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
TEN = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
THREE = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
LATER_START = '[rules.contact-hours]\nstart = "11:00"\n'


@pytest.fixture
def ada(floor: Floor) -> Any:
    user = add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    floor.users["ada"] = user.id or 0
    return floor.viewer("ada")


@pytest.fixture
def app(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FastAPI:
    use_settings(monkeypatch, letters_dir=str(tmp_path / "letters"))
    return create_app(db_env)


def _bank(floor: Floor) -> int:
    return int(
        floor.uow.session.execute(select(t.creditors.c.id).where(t.creditors.c.code == "BANK")).scalar_one()
    )


def _audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.audit_events.c.detail).where(t.audit_events.c.action == action))
        return [dict(r.detail) for r in rows]


def _plan(floor: Floor) -> None:
    """Today's plan: a call on case A at 10:00, and on case B at 15:00."""
    rows = [(floor.cases[0].id, TEN), (floor.cases[1].id, THREE)]
    for case_id, slot in rows:
        floor.uow.session.execute(
            insert(t.plan_rows).values(
                plan_date=date(2026, 12, 7),
                strategy="test",
                case_id=case_id,
                action="call",
                slot_start=slot,
                expected_value=0,
                cost=0,
                reason={},
                created_at=NOW,
            )
        )
    floor.uow.commit()


# --- creditors ---------------------------------------------------------------------------------------------


def test_an_administrator_adds_a_creditor_and_the_audit_names_its_fields(
    floor: Floor, ada: Any, engine: Engine
) -> None:
    cmd = NewCreditor("CARD", "某卡中心", region="CN", currency="CNY", pack="cn", retention_years=8)
    creditor_id = creditor_admin.create(floor.uow, ada, cmd, NOW)
    page = creditor_admin.detail(floor.uow, ada, creditor_id)
    assert page["creditor"]["time_zone"] == "Asia/Shanghai" and page["retention"].years == 8
    assert page["authority"]["collector"]["max_instalments"] == 6  # the default authority
    (detail,) = _audit(engine, "creditor.create")
    assert detail["changed"] == ["code", "name", "region", "currency", "pack", "time_zone", "retention_years"]


def test_the_command_line_adds_a_creditor_through_the_same_service_and_it_is_audited(
    db_env: str, engine: Engine
) -> None:
    assert cli("creditor", "add", "CARD", "--name", "某卡中心").exit_code == 0
    assert cli("creditor", "add", "CARD", "--name", "again").exit_code != 0
    (detail,) = _audit(engine, "creditor.create")
    assert detail["changed"][0] == "code"


@pytest.mark.parametrize(
    ("cmd", "error"),
    [
        (NewCreditor("BANK", "again"), AlreadyExists),
        (NewCreditor("NEW", "x", time_zone="Mars/Base"), InvalidInput),
        (NewCreditor("NEW", "x", pack="eu"), InvalidInput),
        (NewCreditor("NEW", "x", retention_years=1), InvalidInput),  # below the cn pack's minimum
        (NewCreditor("NEW", " "), InvalidInput),
    ],
)
def test_a_creditor_that_is_not_well_formed_is_refused_and_nothing_is_added(
    floor: Floor, ada: Any, engine: Engine, cmd: NewCreditor, error: type[Exception]
) -> None:
    with pytest.raises(error):
        creditor_admin.create(floor.uow, ada, cmd, NOW)
    floor.uow.rollback()
    assert [c["code"] for c in terms_desk.creditors(floor.uow, ada)] == ["BANK", "SHOP"]
    assert _audit(engine, "creditor.create") == []


def test_a_supervisor_reads_a_creditor_but_may_change_nothing(floor: Floor) -> None:
    sue, bank = floor.viewer("sue"), _bank(floor)
    assert creditor_admin.detail(floor.uow, sue, bank)["creditor"]["code"] == "BANK"
    with pytest.raises(Forbidden):
        creditor_admin.create(floor.uow, sue, NewCreditor("NEW", "x"), NOW)
    with pytest.raises(Forbidden):
        creditor_admin.set_pack(floor.uow, sue, bank, "cn", LATER_START, NOW)
    with pytest.raises(Forbidden):
        creditor_admin.detail(floor.uow, floor.viewer("alice"), bank)


def test_the_details_change_and_the_audit_names_only_what_changed(
    floor: Floor, ada: Any, engine: Engine
) -> None:
    bank = _bank(floor)
    changed = creditor_admin.update(
        floor.uow, ada, bank, CreditorDetails("某银行", "Asia/Hong_Kong", 10), NOW
    )
    assert changed == ["time_zone", "retention_years"]
    assert _audit(engine, "creditor.update") == [{"changed": ["time_zone", "retention_years"]}]
    with pytest.raises(InvalidInput):
        creditor_admin.update(floor.uow, ada, bank, CreditorDetails("某银行", "Nowhere", None), NOW)


def test_a_roles_authority_is_set_and_the_negotiation_reads_it(
    floor: Floor, ada: Any, engine: Engine
) -> None:
    bank = _bank(floor)
    limits = {"max_discount_bp": 1500, "max_instalments": 12, "min_first_payment_bp": 1000}
    changed = creditor_admin.set_authority(floor.uow, ada, bank, "collector", limits, NOW)
    assert changed == ["max_discount_bp", "max_instalments"]
    policy = floor.uow.session.execute(select(t.creditors.c.authority_policy).where(t.creditors.c.id == bank))
    assert authority(dict(policy.scalar_one()), "collector") == limits
    assert _audit(engine, "creditor.authority")[0] == {"changed": changed, "role": "collector"}


@pytest.mark.parametrize(
    ("role", "limits"),
    [
        ("collector", {"max_discount_bp": 10_001, "max_instalments": 6, "min_first_payment_bp": 0}),
        ("collector", {"max_discount_bp": 100, "max_instalments": 0, "min_first_payment_bp": 0}),
        ("collector", {"max_discount_bp": 100, "max_instalments": 6}),
        ("admin", {"max_discount_bp": 100, "max_instalments": 6, "min_first_payment_bp": 0}),
    ],
)
def test_an_authority_out_of_bounds_or_for_a_role_without_limits_is_refused(
    floor: Floor, ada: Any, role: str, limits: dict[str, int]
) -> None:
    with pytest.raises(InvalidInput):
        creditor_admin.set_authority(floor.uow, ada, _bank(floor), role, limits, NOW)


def test_a_tightening_is_kept_and_the_gate_reads_it(floor: Floor, ada: Any, engine: Engine) -> None:
    bank = _bank(floor)
    assert creditor_admin.set_pack(floor.uow, ada, bank, "cn", LATER_START, NOW) == ["rules.contact-hours"]
    row = floor.uow.session.execute(
        select(t.creditors.c.pack, t.creditors.c.pack_overrides).where(t.creditors.c.id == bank)
    ).one()
    assert creditor_pack(row.pack, row.pack_overrides).rules["contact-hours"].params["start"] == "11:00"
    assert "[rules.contact-hours]" in creditor_admin.detail(floor.uow, ada, bank)["overrides_text"]
    assert _audit(engine, "creditor.pack") == [{"changed": ["rules.contact-hours"]}]


@pytest.mark.parametrize(
    "text",
    [
        "[rules.contact-hours]\nenabled = false\n",  # switching an enabled rule off
        '[rules.contact-hours]\nend = "22:00"\n',  # later than the pack's 21:00
        "[rules.no-such-rule]\nenabled = true\n",
        "[rules.contact-hours\n",
    ],
)
def test_a_tightening_that_loosens_the_pack_or_is_not_one_is_refused(
    floor: Floor, ada: Any, text: str
) -> None:
    bank = _bank(floor)
    with pytest.raises(InvalidInput):
        creditor_admin.set_pack(floor.uow, ada, bank, "cn", text, NOW)
    floor.uow.rollback()
    overrides = floor.uow.session.execute(
        select(t.creditors.c.pack_overrides).where(t.creditors.c.id == bank)
    )
    assert not overrides.scalar_one()


def test_the_preview_counts_the_planned_contacts_the_gate_would_newly_refuse_by_rule(
    floor: Floor, ada: Any
) -> None:
    _plan(floor)
    with time_machine.travel(NOW, tick=False):
        impact = plan_impact(floor.uow, ada, _bank(floor), "cn", LATER_START, NOW)
    assert (impact.planned, impact.asked, impact.refused_now, impact.newly_refused) == (2, 2, 0, 1)
    assert impact.by_rule == {"contact-hours": 1}  # the 10:00 call; the 15:00 one is still allowed
    overrides = floor.uow.session.execute(
        select(t.creditors.c.pack_overrides).where(t.creditors.c.id == _bank(floor))
    )
    assert not overrides.scalar_one()  # nothing saved


def test_the_preview_refuses_a_loosening_and_knows_no_unknown_creditor(floor: Floor, ada: Any) -> None:
    with pytest.raises(InvalidInput):
        plan_impact(floor.uow, ada, _bank(floor), "cn", "[rules.cease]\nenabled = false\n", NOW)
    with pytest.raises(NotFound):
        plan_impact(floor.uow, ada, 999, "cn", "", NOW)


# --- message templates --------------------------------------------------------------------------------------

SMS_ZH = TemplateKey("sms", "reminder", "zh_CN")


def _sms(extra: str) -> TemplateText:
    shipped = shipped_text("sms", "reminder", "zh_CN")
    return TemplateText("", shipped.body.replace("您好，", f"您好，{extra}"))


def test_an_edited_text_is_what_the_message_says_and_reverting_brings_back_the_shipped_one(
    floor: Floor, ada: Any, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch)
    alice, case = floor.viewer("alice"), floor.cases[0]
    message_templates.save(floor.uow, ada, SMS_ZH, _sms("【新文本】"), NOW)
    _subject, body = outbox.preview(
        floor.uow, alice, case.id, template="reminder", channel="sms", locale="zh_CN"
    )
    assert "【新文本】" in body
    message_templates.save(
        floor.uow, ada, TemplateKey("sms", "reminder", "zh_CN", _bank(floor)), _sms("【银行】"), NOW
    )
    _subject, body = outbox.preview(
        floor.uow, alice, case.id, template="reminder", channel="sms", locale="zh_CN"
    )
    assert "【银行】" in body  # the creditor's own text before the one for every creditor
    message_templates.revert(floor.uow, ada, TemplateKey("sms", "reminder", "zh_CN", _bank(floor)), NOW)
    message_templates.revert(floor.uow, ada, SMS_ZH, NOW)
    _subject, body = outbox.preview(
        floor.uow, alice, case.id, template="reminder", channel="sms", locale="zh_CN"
    )
    assert "【新文本】" not in body and "【银行】" not in body
    assert [d["changed"] for d in _audit(engine, "template.edit")] == [["body"], ["body"]]
    assert len(_audit(engine, "template.revert")) == 2


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (TemplateText("", "{{ recipient_name }} {{ national_id }}"), "Unknown field national_id"),
        (TemplateText("", "{% if %}"), "not a valid template"),
        (TemplateText("", "您好 {{ recipient_name }}"), "disclosures."),
        (TemplateText("subject", "x"), "no subject"),
        (TemplateText("", "  "), "must not be empty"),
    ],
)
def test_a_text_with_an_unknown_field_or_without_its_disclosures_is_refused(
    floor: Floor, ada: Any, engine: Engine, text: TemplateText, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        message_templates.save(floor.uow, ada, SMS_ZH, text, NOW)
    assert words in refused.value.translated("en")
    floor.uow.rollback()
    assert message_templates.text_for(floor.uow, "sms", "reminder", "zh_CN", None) is None


def test_a_preview_writes_sample_values_and_a_supervisor_may_preview_but_not_save(floor: Floor) -> None:
    sue = floor.viewer("sue")
    done = message_templates.preview(floor.uow, sue, SMS_ZH, _sms("【预览】"))
    assert "【预览】" in done.body and "张三" in done.body
    with pytest.raises(Forbidden):
        message_templates.save(floor.uow, sue, SMS_ZH, _sms("x"), NOW)
    with pytest.raises(NotFound):
        message_templates.preview(floor.uow, sue, TemplateKey("sms", "nothing", "zh_CN"), _sms("x"))


# --- the pages and the API -------------------------------------------------------------------------------


def test_an_administrator_adds_a_creditor_in_the_browser_and_sets_its_authority_and_pack(
    app: FastAPI, floor: Floor, ada: Any, engine: Engine
) -> None:
    browser = login_client(app, "ada")
    form = {"code": "CARD", "name": "某卡中心", "region": "CN", "currency": "CNY", "pack": "cn"}
    added = browser.post("/admin/creditors", data=form, follow_redirects=False)
    assert added.status_code == 303
    page = added.headers["location"].split("?")[0]
    limits = {
        "role": "collector",
        "max_discount_bp": "15",
        "max_instalments": "12",
        "min_first_payment_bp": "10",
    }
    assert browser.post(f"{page}/authority", data=limits, follow_redirects=False).status_code == 303
    saved = browser.post(f"{page}/pack", data={"pack": "cn", "overrides": LATER_START}, follow_redirects=True)
    assert saved.status_code == 200 and 'data-testid="creditor-notice"' in saved.text
    assert 'value="15"' in saved.text and "11:00" in saved.text
    again = browser.post("/admin/creditors", data=form)
    assert again.status_code == 422 and 'data-testid="creditor-error"' in again.text


def test_a_loosening_typed_in_the_browser_is_refused_beside_the_form_in_the_viewers_language(
    app: FastAPI, floor: Floor, ada: Any
) -> None:
    bank = _bank(floor)
    for locale, words in (("en", "Tightening refused"), ("zh_CN", "收紧被拒绝")):
        answer = login_client(app, "ada", locale=locale).post(
            f"/admin/creditors/{bank}/pack",
            data={"pack": "cn", "overrides": "[rules.cease]\nenabled = false"},
        )
        assert (
            answer.status_code == 422 and 'data-testid="pack-error"' in answer.text and words in answer.text
        )


def test_a_supervisor_sees_the_pages_without_forms_and_the_preview_but_may_not_save(
    app: FastAPI, floor: Floor
) -> None:
    sue, bank = login_client(app, "sue"), _bank(floor)
    assert 'data-testid="creditor-form"' not in sue.get("/admin/creditors").text
    page = sue.get(f"/admin/creditors/{bank}")
    assert page.status_code == 200 and 'data-testid="details-form"' not in page.text
    assert 'data-testid="pack-save"' not in page.text
    preview = sue.post(f"/admin/creditors/{bank}/pack/preview", data={"pack": "cn", "overrides": LATER_START})
    assert preview.status_code == 200 and 'data-testid="pack-impact"' in preview.text
    assert sue.post(f"/admin/creditors/{bank}/pack", data={"pack": "cn", "overrides": ""}).status_code == 403
    assert sue.get("/admin/templates").status_code == 200
    assert 'data-testid="template-save"' not in sue.get("/admin/templates/edit").text


def test_a_template_is_previewed_saved_and_reverted_in_the_browser(
    app: FastAPI, floor: Floor, ada: Any
) -> None:
    browser = login_client(app, "ada")
    form = {"channel": "sms", "name": "reminder", "locale": "zh_CN", "body": _sms("【新】").body}
    preview = browser.post("/admin/templates/preview", data=form)
    assert preview.status_code == 200 and 'data-testid="template-preview"' in preview.text
    bad = browser.post("/admin/templates/save", data={**form, "body": "{{ secret }}"})
    assert bad.status_code == 422 and "Unknown field secret" in bad.text
    saved = browser.post("/admin/templates/save", data=form, follow_redirects=True)
    assert 'data-testid="template-revert"' in saved.text and "【新】" in saved.text
    listing = browser.get("/admin/templates").text
    assert "every creditor" in listing
    back = browser.post("/admin/templates/revert", data={**form, "confirm": "yes"}, follow_redirects=True)
    assert 'data-testid="template-revert"' not in back.text


def test_the_channels_page_says_what_is_configured_without_a_secret_and_masks_the_last_error(
    app: FastAPI, floor: Floor, ada: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_settings(monkeypatch, sms_url="https://sms.example.cn/send?key=abc", sms_token="very-secret-token")
    case = floor.cases[0]
    floor.uow.session.execute(
        insert(t.messages).values(
            case_id=case.id,
            channel="email",
            to="debtor@example.cn",
            body="x",
            status="failed",
            error="550 mailbox debtor@example.cn unknown, ref 13912345678",
            created_at=NOW,
        )
    )
    floor.uow.commit()
    page = login_client(app, "ada").get("/admin/channels").text
    assert "very-secret-token" not in page and "key=abc" not in page and "https://sms.example.cn" in page
    assert "debtor@example.cn" not in page and "13912345678" not in page and "550 mailbox" in page
    answer = login_client(app, "sue").get("/api/v1/admin/channels")
    sms = next(c for c in answer.json()["channels"] if c["channel"] == "sms")
    assert sms["configured"] is True and "very-secret-token" not in answer.text


def test_the_api_lists_adds_and_changes_creditors_and_templates(app: FastAPI, floor: Floor, ada: Any) -> None:
    api = login_client(app, "ada")
    made = api.post("/api/v1/admin/creditors", json={"code": "CARD", "name": "Card Centre", "pack": "cn"})
    assert made.status_code == 201, made.text
    creditor = made.json()["id"]
    assert "CARD" in [c["code"] for c in api.get("/api/v1/admin/creditors").json()["creditors"]]
    put = api.put(f"/api/v1/admin/creditors/{creditor}", json={"name": "Card", "time_zone": "Asia/Shanghai"})
    assert put.json()["changed"] == ["name"]
    limits = {
        "role": "supervisor",
        "max_discount_bp": 4000,
        "max_instalments": 36,
        "min_first_payment_bp": 500,
    }
    assert api.put(f"/api/v1/admin/creditors/{creditor}/authority", json=limits).status_code == 200
    loose = api.put(
        f"/api/v1/admin/creditors/{creditor}/pack",
        json={"pack": "cn", "overrides": "[rules.cease]\nenabled = false"},
    )
    assert loose.status_code == 422
    body = {
        "channel": "sms",
        "name": "reminder",
        "locale": "zh_CN",
        "creditor_id": creditor,
        "body": _sms("【卡】").body,
    }
    assert "【卡】" in api.post("/api/v1/admin/templates/preview", json=body).json()["body"]
    assert api.put("/api/v1/admin/templates", json=body).status_code == 200
    listed = api.get("/api/v1/admin/templates").json()["templates"]
    assert any(item["edited_for"] == [creditor] for item in listed)
    assert login_client(app, "sue").put("/api/v1/admin/templates", json=body).status_code == 403
