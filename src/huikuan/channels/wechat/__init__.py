"""WeChat official-account messages (transport.py) and the OAuth that binds an openid (oauth.py);
configured by HUIKUAN_WECHAT_APP_ID and HUIKUAN_WECHAT_APP_SECRET (HUIKUAN_WECHAT_API_URL points them at
another server, such as the tests' own)."""

from __future__ import annotations

from huikuan.channels.wechat.oauth import configured
from huikuan.channels.wechat.transport import WechatOutgoing, WechatRecipientGone, WechatTransport
from huikuan.config import Settings

KIND = "wechat"  # the contact point kind this channel sends to: an openid of our official account


def transport(settings: Settings) -> WechatTransport | None:
    """The official account's client, or None: without an app id and secret messages stay queued."""
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        return None
    return WechatTransport(
        settings.wechat_app_id, settings.wechat_app_secret, api_base_url=settings.wechat_api_url or None
    )


__all__ = ["KIND", "WechatOutgoing", "WechatRecipientGone", "WechatTransport", "configured", "transport"]
