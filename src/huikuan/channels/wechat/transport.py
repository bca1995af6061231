"""WeChat official-account messages through wechatpy's client.

A message goes as a customer-service text when the person wrote to the account less than 48 hours ago
(WeChat refuses those with 45015 otherwise), else as the creditor's template message, which reaches
followers only. A template's first line is neutral ("You have a new message"): the notification's preview
can be read by anyone near the phone, so the details are behind its link. The access token lives in
wechatpy's session storage (the services pass one shared by every process); an invalid or expired token
(40001, 42001) makes wechatpy fetch a new one and try once more.

WeChat's answers, as our failures:
- 43004 the person unfollowed the account; 40003 not an openid of this account: definitive, and the
  binding is marked (WechatRecipientGone carries which);
- 45009 the day's API quota is spent, -1 the system is busy, no connection: transient, tried again later;
- the account's credentials refused (wrong secret, 40164 our address not whitelisted): transient too;
- 45015 out of the 48 hours (someone's clock disagreed with ours): the template message is sent instead;
- anything else: definitive, with WeChat's own words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from babel.dates import format_date
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage

from huikuan.channels.base import DefinitiveFailure, Outgoing, Receipt, TransientFailure
from huikuan.i18n import gettext

CUSTOMER_SERVICE_WINDOW = timedelta(hours=48)
TIMEOUT_S = 10
UNFOLLOWED = 43004
INVALID_OPENID = 40003
QUOTA_REACHED = 45009
OUT_OF_WINDOW = 45015
SYSTEM_BUSY = -1
# The access token is invalid (40001, 40014) or expired (42001): a new one is fetched and the call tried once.
TOKEN_REFUSED = frozenset({40001, 40014, 42001})
# The account's credentials refused (a wrong AppID or AppSecret, our address not on the account's IP
# whitelist, a token still refused after a fresh one): a configuration mistake, not the message's; it
# waits, like a letter whose return address must be fixed.
CREDENTIALS_REFUSED = TOKEN_REFUSED | {40013, 40125, 40164, 41001, 41002, 41004}
# Our fields a creditor's template keywords may show (wechat_templates.fields maps keyword -> field).
FIELDS = ("reference", "date", "agency", "subject", "notice")
NEUTRAL_FIRST = "You have a new message"
NOTICE = "Tap for details"


@dataclass(frozen=True)
class WechatOutgoing(Outgoing):
    """A WeChat message with what only WeChat needs: the creditor's template, the time the person last
    wrote to the account, the page behind the template's link, and our agency's name."""

    bound: bool = False  # the openid is bound to this debtor, active and following
    template_id: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)  # keyword -> one of FIELDS
    last_inbound_at: datetime | None = None
    url: str | None = None
    agency: str = ""


class WechatRecipientGone(DefinitiveFailure):
    """WeChat refused the openid for good: unfollowed (43004) or not an openid of this account (40003)."""

    def __init__(self, msgid: str, *, app_id: str, openid: str, code: int, **values: Any) -> None:
        super().__init__(msgid, code=code, **values)
        self.app_id = app_id
        self.openid = openid
        self.code = code


class _Client(WeChatClient):  # type: ignore[misc]
    """wechatpy's client, with the token fetched from API_BASE_URL too (wechatpy names WeChat's host)."""

    def fetch_access_token(self) -> Any:
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class WechatTransport:
    def __init__(
        self,
        app_id: str,
        secret: str,
        *,
        api_base_url: str | None = None,
        session: SessionStorage | None = None,
        timeout: int = TIMEOUT_S,
    ) -> None:
        self.app_id = app_id
        # wechatpy's own retry on a refused token repeats as long as WeChat refuses: ours tries once.
        self.client = _Client(
            app_id, secret, session=session or MemoryStorage(), timeout=timeout, auto_retry=False
        )
        if api_base_url:
            self.client.API_BASE_URL = api_base_url.rstrip("/") + "/cgi-bin/"

    def use_session(self, session: SessionStorage) -> None:
        """Keeps the access token in `session` (one shared by every process) from now on."""
        self.client.session = session

    def follows(self, openid: str) -> bool | None:
        """Whether the person follows the account (cgi-bin/user/info `subscribe`); None when WeChat cannot
        say now (unreachable, or it refused)."""
        try:
            try:
                answer = self.client.user.get(openid)
            except WeChatClientException as exc:
                if exc.errcode not in TOKEN_REFUSED:
                    raise
                self.client.fetch_access_token()
                answer = self.client.user.get(openid)
        except (WeChatClientException, requests.RequestException):
            return None
        return bool(answer.get("subscribe")) if isinstance(answer, dict) else None

    def send(self, message: Outgoing) -> Receipt:
        wx = message if isinstance(message, WechatOutgoing) else WechatOutgoing(**_fields_of(message))
        if not wx.bound:
            raise DefinitiveFailure("no active WeChat binding for this recipient")
        if wx.last_inbound_at is not None and wx.now - wx.last_inbound_at < CUSTOMER_SERVICE_WINDOW:
            try:
                return self._call(wx, lambda: self.client.message.send_text(wx.to, _text(wx)))
            except _OutOfWindow:
                pass  # WeChat counts the 48 hours from its own clock: the template message goes instead
        return self._call(wx, lambda: self._send_template(wx))

    def _send_template(self, wx: WechatOutgoing) -> Any:
        if not wx.template_id:
            raise DefinitiveFailure("no WeChat template message is set up for this creditor")
        data = {"first": {"value": gettext(NEUTRAL_FIRST, wx.locale)}}
        values = _values(wx)
        for keyword, name in wx.fields.items():
            if keyword != "first" and name in values:
                data[keyword] = {"value": values[name]}
        return self.client.message.send_template(wx.to, wx.template_id, data, url=wx.url or None)

    def _call(self, wx: WechatOutgoing, request: Any) -> Receipt:
        try:
            try:
                answer = request()
            except WeChatClientException as exc:
                if exc.errcode not in TOKEN_REFUSED:
                    raise
                self.client.fetch_access_token()
                answer = request()
        except WeChatClientException as exc:
            raise self._failure(wx, exc) from None
        except requests.RequestException as exc:
            raise TransientFailure(
                "WeChat not reachable: {reason}", reason=str(exc) or type(exc).__name__
            ) from None
        ref = answer.get("msgid") if isinstance(answer, dict) else None
        return Receipt(provider_ref=None if ref is None else str(ref))

    def _failure(self, wx: WechatOutgoing, exc: WeChatClientException) -> Exception:
        if exc.errcode is None:  # an HTTP error, not WeChat's answer
            return TransientFailure("WeChat not reachable: {reason}", reason=str(exc.response or "no answer"))
        code, reason = int(exc.errcode), str(exc.errmsg or "")
        if code == UNFOLLOWED:
            return WechatRecipientGone(
                "WeChat: the person no longer follows the account ({code})",
                app_id=self.app_id,
                openid=wx.to,
                code=code,
            )
        if code == INVALID_OPENID:
            return WechatRecipientGone(
                "WeChat: not an openid of this account ({code})", app_id=self.app_id, openid=wx.to, code=code
            )
        if code == OUT_OF_WINDOW:
            return _OutOfWindow("WeChat refused the message ({code}): {reason}", code=code, reason=reason)
        if code in CREDENTIALS_REFUSED:
            return TransientFailure(
                "WeChat refused the account's credentials ({code}): {reason}", code=code, reason=reason
            )
        if code in (QUOTA_REACHED, SYSTEM_BUSY):
            return TransientFailure("WeChat answered {code}: {reason}", code=code, reason=reason)
        return DefinitiveFailure("WeChat refused the message ({code}): {reason}", code=code, reason=reason)


class _OutOfWindow(DefinitiveFailure):
    """45015: more than 48 hours since the person's last message (as WeChat counts them)."""


def _fields_of(message: Outgoing) -> dict[str, Any]:
    return {name: getattr(message, name) for name in Outgoing.__dataclass_fields__}


def _values(wx: WechatOutgoing) -> dict[str, str]:
    """What a template keyword may show: nothing that tells a debt to someone who glances at the phone
    but the subject, which the creditor's mapping names only where its pack allows."""
    return {
        "reference": wx.reference,
        "date": format_date(wx.now.date(), format="long", locale=wx.locale),
        "agency": wx.agency,
        "subject": wx.subject,
        "notice": gettext(NOTICE, wx.locale),
    }


def _text(wx: WechatOutgoing) -> str:
    return f"{wx.subject}\n{wx.body}".strip() if wx.subject else wx.body
