"""Messages per second handed to each SMS provider adapter (channels/sms/), against the local provider
servers of the tests (tests/support/*_server.py), which check every request's signature as the provider
does: the generic HTTP API, Aliyun (ACS3-HMAC-SHA256), Tencent Cloud (TC3-HMAC-SHA256) and Twilio (Basic).

    .venv/bin/python bench/sms_send_bench.py [--messages 3000]

One sender at a time, as one outbox worker sends (its rate limit lifted): the figure is the adapter's
own cost (the SDK's signing and HTTP) plus the loopback server's, a ceiling well above what any provider
allows an account (channels/sms/limits.py). Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import aliyun_sms_server as aliyun  # noqa: E402
from tests.support import tencent_sms_server as tencent  # noqa: E402
from tests.support import twilio_server as twilio  # noqa: E402
from tests.support.messaging import sms_provider  # noqa: E402
from tests.support.sms_server_base import LocalProvider  # noqa: E402

from huikuan.channels.base import Outgoing, ProviderTemplate, Transport  # noqa: E402
from huikuan.channels.sms.aliyun import AliyunSms  # noqa: E402
from huikuan.channels.sms.tencent import TencentSms  # noqa: E402
from huikuan.channels.sms.transport import SmsTransport  # noqa: E402
from huikuan.channels.sms.twilio_sms import TwilioSms  # noqa: E402


def message(n: int, template: ProviderTemplate | None) -> Outgoing:
    return Outgoing(
        id=n,
        channel="sms",
        to=f"+86138{n % 100_000_000:08d}",
        subject="",
        body=f"【某银行】测试债务人{n}您好，请致电400-800-1234。回复TD退订",
        locale="zh_CN",
        recipient_name=f"测试债务人{n}",
        reference=f"C{n:06d}",
        now=datetime.now(UTC),
        creditor_code="BANK",
        template="reminder",
        params=(("name", f"测试债务人{n}"), ("reference", f"C{n:06d}")),
        provider_template=template,
    )


def run(transport: Transport, template: ProviderTemplate | None, count: int) -> dict[str, float]:
    for n in range(20):  # warm-up: connections, the SDKs' first-call costs
        transport.send(message(1_000_000 + n, template))
    each = []
    start = time.perf_counter()
    for n in range(count):
        t0 = time.perf_counter()
        transport.send(message(n, template))
        each.append(time.perf_counter() - t0)
    total = time.perf_counter() - start
    each.sort()
    return {
        "per_s": count / total,
        "median_ms": statistics.median(each) * 1000,
        "p95_ms": each[int(len(each) * 0.95)] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args()
    rows = []
    with sms_provider() as generic:
        rows.append(("generic HTTP", run(SmsTransport(generic.url, "tok"), None, args.messages)))
    servers: list[tuple[str, LocalProvider, Transport, ProviderTemplate | None]] = []
    a = aliyun.AliyunSmsServer()
    servers.append(
        (
            "Aliyun (SDK, ACS3-HMAC-SHA256)",
            a,
            AliyunSms(aliyun.KEY_ID, aliyun.KEY_SECRET, endpoint=a.url),
            ProviderTemplate("SMS_100001", "某银行", ("name", "reference")),
        )
    )
    tc = tencent.TencentSmsServer()
    servers.append(
        (
            "Tencent Cloud (SDK, TC3-HMAC-SHA256)",
            tc,
            TencentSms(tencent.SECRET_ID, tencent.SECRET_KEY, tencent.APP_ID, endpoint=tc.url),
            ProviderTemplate("1110", "某银行", ("name", "reference")),
        )
    )
    tw = twilio.TwilioServer()
    servers.append(
        (
            "Twilio (twilio library)",
            tw,
            TwilioSms(twilio.ACCOUNT_SID, twilio.AUTH_TOKEN, twilio.SENDER, endpoint=tw.url),
            None,
        )
    )
    for label, server, transport, template in servers:
        with server:
            figures = run(transport, template, args.messages)
            assert not server.refused, server.refused[:3]
            assert len(server.accepted) == args.messages + 20
        rows.append((label, figures))
    print(f"SMS adapters, {args.messages} messages each, one sender, local servers on loopback:\n")
    print("| Adapter | Messages/s | Median ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for label, f in rows:
        print(f"| {label} | {f['per_s']:.0f} | {f['median_ms']:.2f} | {f['p95_ms']:.2f} |")


if __name__ == "__main__":
    main()
