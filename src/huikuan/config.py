"""Settings read from the environment (prefix HUIKUAN_): database URL, locale, secrets."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/huikuan.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUIKUAN_", env_file=None)

    database_url: str = DEFAULT_DATABASE_URL
    # A PostgreSQL streaming replica of it: the reports and the daily plan's reads go there; empty: none.
    read_database_url: str = ""
    locale: str | None = None  # zh_CN or en; unset: from LANG
    secret_key: str | None = None  # signs session cookies; unset: generated once into var/secret_key
    # Seals national IDs at rest and keys their lookup hashes (huikuan.sealing); unset: var/data_key
    data_key: str | None = None
    cookie_secure: bool = False  # set true behind HTTPS: session cookies are then sent over HTTPS only
    # A session ends after this many minutes without a request, and this many hours after login.
    session_idle_minutes: int = Field(default=60, ge=1)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    # The roles that log in with a second factor (TOTP) besides the password; empty: none.
    mfa_roles: str = "admin,supervisor"
    time_zone: str = "Asia/Shanghai"  # the floor's zone: times are shown in it unless a user sets its own
    # The floor's hour (0-23) from which the daily-plan job makes today's plan if no one has made it.
    plan_hour: int = Field(default=6, ge=0, le=23)
    # Processes that put the plan's messages in the outbox (services/plan_dispatch.py) when there are
    # many; 0: one per core, at most 4; 1: in the job's own process.
    dispatch_workers: int = Field(default=0, ge=0, le=32)
    # The jobs run in their own process (`huikuan jobs worker`); true runs them inside `huikuan serve` too.
    run_jobs: bool = False
    # Database connections per process; a web process serves at most this many requests at once.
    db_pool_size: int = 8
    # Seconds a request waits for a connection (or its turn) before it is answered 503 "busy, retry".
    db_pool_timeout: float = 10.0
    # Seconds a SQLite writer waits for the write lock held by another before giving up.
    sqlite_busy_timeout: float = 10.0
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "collections@huikuan.invalid"
    sms_url: str | None = None  # the SMS provider's HTTP endpoint; unset: SMS stay queued
    sms_token: str | None = None
    # Which SMS provider sends (docs/channels.md): "generic" (the HTTP API at sms_url), "aliyun" (Dysmsapi),
    # "tencent" (Tencent Cloud SMS) or "twilio". Aliyun and Tencent send only templates approved for the
    # message's creditor (`huikuan sms-templates set`).
    sms_provider: Literal["generic", "aliyun", "tencent", "twilio"] = "generic"
    # Another address for the provider's API, e.g. http://127.0.0.1:9000 (a local test server); unset: the
    # provider's public endpoint.
    sms_endpoint: str | None = None
    # Messages per second handed to the provider by each worker process; unset: the provider's default
    # (channels/sms/limits.py). With several workers, give each its share of the account's limit.
    sms_rate_per_second: float | None = Field(default=None, gt=0)
    aliyun_access_key_id: str | None = None
    aliyun_access_key_secret: str | None = None
    tencent_secret_id: str | None = None
    tencent_secret_key: str | None = None
    tencent_sms_app_id: str | None = None  # SmsSdkAppId
    tencent_region: str = "ap-guangzhou"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None  # a Twilio number (+1...) or a Messaging Service SID (MG...)
    # The secret in the providers' callback path /api/v1/callbacks/sms/{provider}/{secret} (they send no
    # token); unset: no callback is accepted. The networks callbacks may come from (comma-separated
    # CIDRs); empty: any address.
    sms_callback_secret: str | None = None
    sms_callback_networks: str = ""
    letters_dir: str = "var/letters"
    # The whole floor is a sandbox (a demo, a trial): no message is handed to any provider; each is marked
    # sent with the reference "sandbox-<id>". A creditor can be a sandbox on its own (creditors.sandbox).
    sandbox: bool = False
    # Exports (services/export_requests.py, activity_files.py): a list longer than this is written by the
    # `exports` job instead of at once; the nightly activity files are also copied here when set.
    export_rows_at_once: int = 50_000
    activity_dir: str | None = None
    # The document store for new uploads (storage/document_store.py): "fs" keeps files under documents_dir,
    # owner-only; "s3" keeps them in the bucket s3_bucket of an S3-compatible service (AWS S3, MinIO,
    # Aliyun OSS) at s3_endpoint_url, under s3_prefix. A file is always read from the store that holds it.
    document_store: str = "fs"
    documents_dir: str = "var/documents"
    s3_bucket: str = ""  # the bucket must exist already: Huikuan never creates it
    s3_endpoint_url: str | None = None  # unset: AWS S3 itself
    s3_region: str | None = None
    # Unset: boto3's default chain (AWS_* variables, ~/.aws, an instance role).
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_prefix: str = ""  # put before every key, e.g. "huikuan/"
    # "auto", "path" (most MinIO set-ups) or "virtual" (Aliyun OSS requires it).
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    document_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # The largest placement, payment or recall file uploaded in the browser (services/import_jobs.py).
    import_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    agency_name: str = ""  # who we are in messages; a name that does not say "collection"
    agency_name_zh: str = ""  # the same in Chinese, for messages in Chinese (else agency_name)
    agency_phone: str = ""  # the number debtors call back; messages that need it are refused while unset
    letter_return_address: str = ""  # neutral return address in the envelope window; lines split by "|"
    host: str = "127.0.0.1"
    port: int = 8000
    # Bytes a request body may have (413 beyond); the compliance endpoint has its own limit.
    max_body_bytes: int = Field(default=1024 * 1024, ge=0)
    compliance_max_body_bytes: int = Field(default=1024 * 1024, ge=0)
    # Compliance decisions a client may ask per minute (a token bucket per client address, per process;
    # 429 with Retry-After beyond). 0 turns the limit off.
    compliance_rate_per_minute: int = Field(default=120, ge=0)
    # A bearer token for /metrics; unset: /metrics answers only the loopback address.
    metrics_token: str | None = None
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto `huikuan serve` believes (comma-separated
    # addresses or networks); unset: none, the client's address is the connection's.
    trusted_proxies: str = ""
    # Payment links (services/payment_links.py): the address the internet reaches this server at, e.g.
    # https://pay.example.cn; a provider posts its notifications to {public_url}/api/v1/payments/notify/NAME.
    # Unset: no link can be made.
    public_url: str = ""
    payment_link_hours: int = Field(default=24, ge=1, le=24 * 30)  # a link expires after this many hours
    # Where the payer's browser goes after paying (where the provider supports it); unset: public_url.
    payment_return_url: str = ""
    # WeChat official account (channels/wechat): its app id and secret (unset: WeChat messages stay queued
    # and WeChat is never planned); the token its message push is signed with, and the secret part of the
    # push's address ({public_url}/api/v1/callbacks/wechat/{wechat_callback_secret}); wechat_api_url replaces
    # https://api.weixin.qq.com (a test server); a bind link (letters' QR codes) is valid this many days.
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_token: str = ""
    wechat_callback_secret: str = ""
    # The account's EncodingAESKey (43 characters), set when its message mode is the safe mode (安全模式)
    # or the compatible one: each push is then encrypted and signed (msg_signature), and a reply is sent
    # encrypted. Unset: plain-text mode, and an encrypted push is refused.
    wechat_encoding_aes_key: str = Field(default="", pattern=r"^([A-Za-z0-9+/]{43})?$")
    wechat_api_url: str = ""
    wechat_bind_days: int = Field(default=60, ge=1, le=366)
    # The page a template message's "details" link opens (the debtor portal inside WeChat); unset: no link.
    wechat_details_url: str = ""
    # Provider notifications a client address may post per minute (per process; 429 beyond); 0: no limit.
    payment_notify_rate_per_minute: int = Field(default=600, ge=0)
    # The telephone system calls are placed through (channels/telephony.py, docs/telephony.md): "" (none:
    # calls are dialled elsewhere and recorded by hand), "aliyun" (Aliyun Cloud Call Center), "twilio"
    # (Twilio Voice) or "asterisk" (a floor's own Asterisk, through ARI). telephony_api_url replaces the
    # provider's public endpoint (a local test server; for Asterisk, its ARI address, e.g.
    # http://pbx:8088/ari). The key id and secret are the provider's credentials (Aliyun AccessKey, Twilio
    # Account SID and auth token, ARI user and password); telephony_instance is the Aliyun CCC instance id,
    # the Twilio number calls come from, or the ARI application's name; telephony_caller_id is the number
    # the debtor sees where the provider lets the floor choose it. Call records are posted to
    # {public_url}/api/v1/callbacks/calls/{telephony}/{telephony_callback_secret}.
    telephony: Literal["", "aliyun", "twilio", "asterisk"] = ""
    telephony_api_url: str = ""
    telephony_key_id: str = ""
    telephony_key_secret: str = ""
    telephony_instance: str = ""
    telephony_caller_id: str = ""
    telephony_callback_secret: str = ""
    # Twilio Voice: the address of the TwiML that says the recording notice to the debtor when they answer
    # (<Number url>, e.g. a TwiML Bin; docs/telephony.md, "Twilio Voice"). Without it a call whose pack
    # asks for the notice is refused: the debtor would not hear it.
    telephony_notice_url: str = ""
    # Asterisk only: where the bridge beside the PBX (`huikuan calls asterisk-bridge --listen`) serves its
    # journal of finished calls, e.g. http://pbx:8090; the reconciliation reads it (docs/telephony.md).
    telephony_bridge_url: str = ""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
