"""The providers this deployment offers: each adapter's `from_env` gives it when its settings are there.
A provider that is not configured is not offered."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from huikuan.channels.payments import alipay, stripe_checkout, wechatpay
from huikuan.channels.payments.base import Provider

FACTORIES: dict[str, Callable[[Mapping[str, str]], Provider | None]] = {
    "alipay": alipay.from_env,
    "stripe": stripe_checkout.from_env,
    "wechatpay": wechatpay.from_env,
}


def configured(env: Mapping[str, str] | None = None) -> dict[str, Provider]:
    """The configured providers by name."""
    env = os.environ if env is None else env
    found = {}
    for name, make in FACTORIES.items():
        provider = make(env)
        if provider is not None:
            found[name] = provider
    return found
