"""WeChat web OAuth with scope `snsapi_base`: the authorization URL a bind link redirects to, and the
exchange of the code WeChat sends back for the person's openid (sns/oauth2/access_token), through
wechatpy's WeChatOAuth. `snsapi_base` is silent: WeChat asks the person nothing and tells us only the
openid; our own page then asks for consent."""

from __future__ import annotations

import requests
from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

from huikuan.config import Settings
from huikuan.errors import InvalidInput, ProviderUnavailable

SCOPE = "snsapi_base"


def configured(settings: Settings) -> bool:
    return bool(settings.wechat_app_id and settings.wechat_app_secret)


def _client(settings: Settings, redirect_uri: str = "", state: str = "") -> WeChatOAuth:
    client = WeChatOAuth(
        settings.wechat_app_id, settings.wechat_app_secret, redirect_uri, scope=SCOPE, state=state
    )
    if settings.wechat_api_url:
        client.API_BASE_URL = settings.wechat_api_url.rstrip("/") + "/"
    return client


def authorize_url(settings: Settings, *, redirect_uri: str, state: str) -> str:
    return str(_client(settings, redirect_uri, state).authorize_url)


def openid_for(settings: Settings, code: str) -> str:
    """The openid WeChat gives for an authorization code (valid once, for five minutes)."""
    try:
        answer = _client(settings).fetch_access_token(code)
    except WeChatOAuthException as exc:
        raise InvalidInput(
            "WeChat refused the sign-in ({code}): {reason}", code=exc.errcode, reason=exc.errmsg
        ) from None
    except requests.RequestException:
        raise ProviderUnavailable("WeChat is not reachable: try again in a moment") from None
    openid = answer.get("openid") if isinstance(answer, dict) else None
    if not openid:
        raise InvalidInput("WeChat refused the sign-in ({code}): {reason}", code="", reason="no openid")
    return str(openid)
