"""Binding a debtor's WeChat (services/wechat_bindings.py), pages for the person, not for the floor:

- GET /wx/bind/{token}: the signed bind link (a letter's QR code, the debtor portal inside WeChat) sends
  the browser to WeChat's authorization page (snsapi_base);
- GET /wx/oauth?code&state: WeChat sends it back; the openid is read and the consent page shown;
- POST /wx/oauth: the person's yes binds the openid; the page thanks them.

No login: the signed token is the only key. A link that is forged or expired, or WeChat not configured,
is not found. The pages are small and mobile-first, in zh_CN and English.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from huikuan.config import get_settings
from huikuan.errors import NotFound
from huikuan.i18n import normalize_locale
from huikuan.services import wechat_bindings
from huikuan.web.ui.common import UowDep, page_router, render, request_locale

router = page_router("/wx")
Text = Annotated[str, Query(max_length=600)]


def _locale(request: Request, lang: str | None) -> str:
    """The page's language: the one asked for (?lang=en), kept in the person's session, else the
    browser's (WeChat's browser says zh-CN)."""
    if lang:
        request.session["locale"] = normalize_locale(lang)
    return request_locale(request)


@router.get("/bind/{token}")
def bind_link(token: str, uow: UowDep) -> RedirectResponse:
    """To WeChat's authorization page, with the token as its state."""
    return RedirectResponse(wechat_bindings.authorize_url(uow, get_settings(), token), status_code=302)


@router.get("/oauth", response_class=HTMLResponse)
def consent_page(
    request: Request, uow: UowDep, code: Text = "", state: Text = "", lang: Text = ""
) -> HTMLResponse:
    """WeChat's redirect with the code: the consent the person is asked for."""
    if not code or not state:
        raise NotFound("This link is not valid or has expired")
    locale = _locale(request, lang)
    asked = wechat_bindings.consent(uow, get_settings(), code, state, locale)
    return render(
        request, "wechat/consent.html", {"consent": asked, "other": "en" if locale == "zh_CN" else "zh_CN"}
    )


@router.post("/oauth", response_class=HTMLResponse)
def give_consent(
    request: Request,
    uow: UowDep,
    token: Annotated[str, Form(max_length=600)],
    locale: Annotated[str, Form(max_length=8)] = "zh_CN",
    agree: Annotated[str, Form(max_length=8)] = "",
) -> HTMLResponse:
    """The person's answer: yes binds the openid, "language" shows the page in the other language,
    anything else binds nothing."""
    settings = get_settings()
    wechat_bindings.require_wechat(settings)
    page_locale = _locale(request, locale)
    if agree == "language":
        asked = wechat_bindings.consent_again(settings, token, page_locale)
        other = "en" if page_locale == "zh_CN" else "zh_CN"
        return render(request, "wechat/consent.html", {"consent": asked, "other": other})
    bound = False
    if agree == "yes":
        address = request.client.host if request.client else ""
        wechat_bindings.bind(uow, settings, token, locale=page_locale, address=address)
        bound = True
    return render(request, "wechat/done.html", {"bound": bound})
