"""What the template-only providers (Aliyun, Tencent Cloud) share: the creditor's approved template for a
message, or a definitive failure that says which approval is missing, and the values of its variables."""

from __future__ import annotations

from huikuan.channels.base import DefinitiveFailure, Outgoing, ProviderTemplate

NO_TEMPLATE_ERROR = "no template {template} approved at {provider} for creditor {creditor}"
MISSING_PARAM_ERROR = "template {template} at {provider} needs {param}, which the message does not have"


def approved(message: Outgoing, provider: str) -> ProviderTemplate:
    """The message's approved template at the provider; a message without one fails for good."""
    if message.provider_template is None:
        raise DefinitiveFailure(
            NO_TEMPLATE_ERROR,
            template=message.template or "-",
            provider=provider,
            creditor=message.creditor_code or "-",
        )
    return message.provider_template


def values(message: Outgoing, template: ProviderTemplate, provider: str) -> list[tuple[str, str]]:
    """The template's variables with the message's values, in the provider's order."""
    known = dict(message.params)
    out = []
    for name in template.params:
        if name not in known:
            raise DefinitiveFailure(
                MISSING_PARAM_ERROR, template=message.template or "-", provider=provider, param=name
            )
        out.append((name, known[name]))
    return out
