"""Process settings, read from `ATRIUM_*` environment variables.

A wrong value stops start-up with a message naming the variable (see `cli.load_settings`).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_RATE_HELP = "a rate in the `limits` notation, e.g. '5/minute' or '100 per hour'"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATRIUM_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Path("./.atrium")
    public_url: str | None = None
    forwarded_allow_ips: str = "127.0.0.1"
    keep_alive_seconds: int = Field(default=65, ge=1, le=3600)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "console"] = "json"

    database_url: SecretStr | None = None
    database_app_url: SecretStr | None = None
    database_app_user: str = "atrium_app"
    database_app_password: SecretStr | None = None
    database_pool_size: int = Field(default=10, ge=1, le=500)
    migrate_on_start: bool = True

    redis_url: SecretStr | None = None
    secret_key: SecretStr | None = None

    access_token_ttl_seconds: int = Field(default=15 * 60, ge=30, le=24 * 3600)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=300)
    email_token_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    invitation_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    login_rate_per_account: str = Field(default="5/minute", description=_RATE_HELP)
    login_rate_per_ip: str = Field(default="30/minute", description=_RATE_HELP)

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Atrium <no-reply@localhost>"
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    google_discovery_url: str = "https://accounts.google.com/.well-known/openid-configuration"

    secret_key_previous: SecretStr | None = Field(
        default=None, description="comma-separated earlier secret keys, to open old ciphertexts"
    )

    # LLM providers: platform keys and base URLs (tenants may bring their own keys too).
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    gemini_api_key: SecretStr | None = None
    gemini_base_url: str | None = None
    groq_api_key: SecretStr | None = None
    groq_base_url: str | None = None
    deepseek_api_key: SecretStr | None = None
    deepseek_base_url: str | None = None
    xai_api_key: SecretStr | None = None
    xai_base_url: str | None = None
    openrouter_api_key: SecretStr | None = None
    openrouter_base_url: str | None = None
    together_api_key: SecretStr | None = None
    together_base_url: str | None = None
    mistral_api_key: SecretStr | None = None
    mistral_base_url: str | None = None
    ollama_base_url: str | None = None
    vllm_api_key: SecretStr | None = None
    vllm_base_url: str | None = None
    llamacpp_base_url: str | None = None
    models_file: Path | None = None
    default_model: str = "local/smollm2-135m-instruct"
    provider_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    provider_max_retries: int = Field(default=2, ge=0, le=10)
    provider_max_retry_wait_seconds: float = Field(default=10.0, ge=0, le=300)
    provider_cooldown_failures: int = Field(default=3, ge=1, le=100)
    provider_cooldown_seconds: float = Field(default=30.0, ge=0, le=3600)
    local_model_context_tokens: int = Field(default=4096, ge=256, le=8192)
    local_model_threads: int | None = Field(default=None, ge=1, le=256)
    scripted_models: bool = False
    # The operator's SearXNG instance behind the `web_search` tool (unset: no web search).
    searxng_url: str | None = None
    # The `fetch` tool's caps: a page's size, the time it may take, the text handed back.
    fetch_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    fetch_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    tool_output_max_chars: int = Field(default=20_000, ge=500, le=200_000)
    scripted_slow_delay_seconds: float = Field(default=0.05, ge=0, le=10)
    usage_flush_seconds: float = Field(default=1.0, gt=0, le=60)
    # A budget reservation left by a process that died is released after this long; it must
    # outlast the longest model call (timeout times attempts, plus a stream's length).
    budget_reservation_seconds: float = Field(default=900.0, gt=0, le=86_400)
    # Under a monthly budget, a chat call that names no `max_tokens` is capped at this many
    # output tokens, so its worst case is known before it starts.
    budget_default_max_output_tokens: int = Field(default=4096, ge=1, le=1_000_000)
    # A request body over this many bytes gets 413 before it is read whole.
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=1024**3)
    # Knowledge uploads (POST /knowledge/{id}/files) may be this large in total per request.
    max_upload_bytes: int = Field(default=60 * 1024 * 1024, ge=1024, le=8 * 1024**3)
    # One file's size cap (also the parser's), under the plan's storage limit.
    knowledge_max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1, le=8 * 1024**3)
    # A knowledge base's embedding model unless its creator names one.
    knowledge_embedding_model: str = "local/all-minilm-l6-v2"
    # Searches over at most this many chunks scan them exactly (exact top-k); larger
    # scopes use the HNSW index, falling back to an exact scan when it returns too few.
    knowledge_exact_scan_rows: int = Field(default=20_000, ge=0, le=10_000_000)
    # Open streams (gateway completions, run streams and joins) per API key, or per user
    # signed in without one; 429 beyond.
    max_streams_per_key: int = Field(default=20, ge=1, le=10_000)
    workers_in_process: bool = True
    run_concurrency: int = Field(default=1000, ge=1, le=10_000)
    run_max_seconds: float = Field(default=900.0, gt=0, le=86_400)
    checkpoint_history: int = Field(default=100, ge=0, le=100_000)
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0, le=600)
    worker_stalled_seconds: float = Field(default=30.0, gt=0, le=3600)

    # Billing through Stripe: off unless the secret key, the webhook secret and a price for
    # the plan are all set (then a platform administrator changes plans by hand).
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_prices: dict[str, str] = Field(
        default_factory=dict, description='JSON: plan id to Stripe price id, {"gold": "price_..."}'
    )
    stripe_api_base: str | None = Field(
        default=None, description="Stripe's API address (a local stand-in in tests)"
    )
    stripe_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    stripe_grace_days: float = Field(default=7.0, ge=0, le=90)
    stripe_sweep_seconds: float = Field(default=60.0, gt=0, le=86_400)

    # Stored files (knowledge uploads): an S3-compatible bucket when set, else a folder
    # `files/` under the data dir.
    s3_bucket: str | None = Field(
        default=None, description="bucket for stored files; unset: a folder under the data dir"
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="address of an S3-compatible server (MinIO, R2, ...); unset: AWS"
    )
    s3_region: str = Field(default="us-east-1", description="the bucket's region")
    s3_access_key_id: str | None = Field(
        default=None, description="unset: botocore's own chain (environment, instance role)"
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None, description="secret of the access key id"
    )

    @field_validator("login_rate_per_account", "login_rate_per_ip")
    @classmethod
    def _valid_rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"expected {_RATE_HELP}") from exc
        return value

    @field_validator("models_file")
    @classmethod
    def _models_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    def provider_key(self, provider: str) -> str | None:
        secret = getattr(self, f"{provider}_api_key", None)
        return secret.get_secret_value() if isinstance(secret, SecretStr) else None

    def provider_base_url(self, provider: str) -> str | None:
        value = getattr(self, f"{provider}_base_url", None)
        return value if isinstance(value, str) else None

    def previous_secret_keys(self) -> list[str]:
        if self.secret_key_previous is None:
            return []
        return [
            k.strip() for k in self.secret_key_previous.get_secret_value().split(",") if k.strip()
        ]

    @property
    def embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def base_url(self) -> str:
        """Where users reach this instance; used in e-mailed links and OAuth redirects."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    @property
    def google_enabled(self) -> bool:
        return bool(self.google_client_id and self.google_client_secret)

    def resolved_secret_key(self) -> str:
        """The signing/encryption master secret; generated into the data dir on first use."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key)
        return key
