"""Process settings from the environment (prefix ``SUARAWARGA_``).

Settings are built lazily by :func:`get_settings` so importing a module never reads the environment
or touches the disk; tests construct ``Settings(...)`` directly and pass it to the app factory.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent

INDONESIAN_ZONES = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")


class WhatsAppTemplate(BaseModel):
    """An approved WhatsApp template: its Twilio content SID and what fills {{1}}, {{2}}, ...

    Variables name values the sender knows: ``code`` (tracking code), ``text`` (the message,
    on one line), ``title``, ``agency``.
    """

    content_sid: str
    variables: list[str] = Field(default_factory=lambda: ["code", "text"])


class Open311Endpoint(BaseModel):
    """One GeoReport v2 endpoint as the discovery document lists it."""

    url: str
    type: Literal["production", "test"]
    specification: str = "http://wiki.open311.org/GeoReport_v2"
    changeset: datetime | None = None  # default: open311_changeset


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUARAWARGA_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to a SQLite file in data_dir"
    )
    timezone: str = "Asia/Jakarta"
    public_base_url: str = "http://127.0.0.1:8000"  # unset: http://{host}:{port} (validator)
    host: str = "127.0.0.1"
    port: int = 8000
    # `suarawarga serve`: web worker processes; None = one per core
    web_workers: int | None = Field(default=None, ge=1, le=64)

    agencies_file: Path = CONFIG_DIR / "agencies.yml"
    sla_file: Path = CONFIG_DIR / "sla.yml"
    holidays_file: Path = CONFIG_DIR / "holidays.yml"

    # Scheduler
    sweep_interval_seconds: int = 60
    sweep_batch_size: int = 500
    # /health is degraded when the last real sweep is older than this; default three intervals
    heartbeat_stale_seconds: int | None = Field(default=None, gt=0)
    run_scheduler_in_process: bool = True
    run_worker_in_process: bool = True

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    # The bot's @username (without @): officers' link codes come with the deep link
    # https://t.me/<username>?start=<code> (``suarawarga user link``). Unset: code only.
    telegram_bot_username: str | None = None

    # Twilio / WhatsApp
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_base_url: str | None = None
    # A call with no answer by then counts as "may have arrived": the next attempt looks it up.
    twilio_timeout_seconds: float = Field(default=15.0, gt=0, le=120)

    # WhatsApp 24-hour rule: approved templates (Twilio Content API) per notification template name;
    # "default" is the generic fallback. JSON in the environment, e.g.
    # SUARAWARGA_WHATSAPP_TEMPLATES='{"agency_answer": {"content_sid": "HX...",
    #                                   "variables": ["code", "text"]}}'
    whatsapp_templates: dict[str, WhatsAppTemplate] = Field(default_factory=dict)
    whatsapp_window_hours: int = 24

    # Outbox sender (bot/delivery/sender.py)
    outbox_batch_size: int = 50
    outbox_poll_seconds: float = 1.0  # idle wait between empty claims
    # A crashed worker's rows are reclaimed after this; a live worker renews its leases (4 times
    # per lease), so a slow provider or a long batch never lets another worker take a row over.
    outbox_lease_seconds: float = Field(default=120.0, gt=0)
    outbox_retry_budget_seconds: int = 6 * 3600  # then the row is marked failed (visible)
    outbox_backoff_base_seconds: float = 2.0
    outbox_backoff_max_seconds: float = 600.0
    telegram_rate_per_second: float = 30.0  # per bot
    telegram_chat_interval_seconds: float = 1.0  # per chat
    twilio_rate_per_second: float = 10.0  # per sender number
    # After the provider refused our credentials (401/403): rows wait, and one probe send every
    # this many seconds finds out whether they were fixed.
    outbox_credentials_retry_seconds: float = Field(default=60.0, gt=0)
    webhook_max_body_bytes: int = 1_000_000
    # Map tiles of the web chat's location picker, with {z}, {x} and {y}, e.g.
    # "https://tile.openstreetmap.org/{z}/{x}/{y}.png" (respect the provider's usage policy).
    # Empty: no tiles are fetched; the page shows the coordinates and a plain pin instead, so it
    # works offline and without a tile provider.
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    # Every request body (webhooks.limits.BodyLimit), except the web chat's file upload, which
    # is capped at the attachment limit (reports.attachments.MAX_BYTES)
    max_request_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Group commit of webhook deliveries (``webhooks.group_commit``): concurrent transactions
    # per process, and the most messages one transaction carries. One lane makes the largest
    # batches and measured fastest with the embedded NLU (probe at 16 connections: 1037-1040 req/s
    # against 763-802 with two); with a slow NLU backend (Rasa over HTTP) more lanes keep latency
    # down.
    webhook_commit_lanes: int = Field(default=1, ge=1, le=64)
    webhook_commit_batch: int = Field(default=32, ge=1, le=1000)
    # Under load only (others queued, or the previous batch had several): the longest a lane lets
    # a batch gather before it starts (it starts sooner, once the arrivals stop; 0: never gather).
    webhook_commit_max_wait_ms: float = Field(default=3.0, ge=0, le=50)
    # The durable inbox (``bot.inbox``): Telegram and Twilio updates are stored (one INSERT,
    # committed) before the 200, then processed in order per chat. "worker": the webhook answers
    # once the update is stored; a processor handles it (``suarawarga worker``, serve's worker
    # process, or the in-process worker thread). "inline": the web process processes the chat's
    # pending updates right after storing, before it answers. Unset: "worker" when a processor
    # runs here (``run_worker_in_process``; ``suarawarga serve`` sets "worker" for its web
    # workers, whose processor is serve's worker process), otherwise "inline", so an app with
    # no processor anywhere in sight still answers every message.
    inbox_processing: Literal["inline", "worker"] | None = None
    inbox_batch_size: int = Field(default=32, ge=1, le=1000)
    inbox_poll_seconds: float = Field(default=0.2, gt=0)  # idle wait between empty claims
    # A crashed processor's claimed rows are taken over after this (processing is fenced by
    # the claim token under a row lock, so a slow live one never runs a row twice).
    inbox_lease_seconds: float = Field(default=60.0, gt=0)
    # An update that fails this many times is set aside ("dead", logged, shown in /health) so
    # the chat's later messages are not held behind it for ever.
    inbox_max_attempts: int = Field(default=5, ge=1)
    inbox_backoff_base_seconds: float = Field(default=1.0, ge=0)
    # /health is degraded when the oldest pending update waited longer than this.
    inbox_stale_seconds: int = Field(default=120, gt=0)

    # E-mail (staff notifications)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "suarawarga@localhost"

    # NLU
    nlu_backend: Literal["embedded", "rasa"] = "embedded"
    rasa_url: str = "http://127.0.0.1:5005"  # Rasa model of the report type (and conversation)
    # Rasa model of the agency, its own server so its softmax runs over agencies only (one
    # combined model gave the agency ~1e-5 of the mass after the type took it). Empty: the same
    # server as rasa_url, for a deployment that serves one combined model.
    rasa_agency_url: str | None = "http://127.0.0.1:5006"
    rasa_timeout_seconds: float = 2.0  # per /model/parse call; the bot falls back after it
    rasa_cooldown_seconds: float = 30.0  # after a Rasa failure, embedded model only for this long
    nlu_type_threshold: float = 0.55
    nlu_agency_threshold: float = 0.45
    # The console offers one-click "accept suggestion & forward" only when the stored calibrated
    # agency confidence is at least this; below it the verifier chooses the agency (the server
    # refuses a one-click accept too, not only the page). Higher than nlu_agency_threshold on
    # purpose: "worth suggesting" is a weaker claim than "safe to forward without looking".
    nlu_auto_forward_threshold: float = Field(default=0.8, ge=0.0, le=1.0)

    # Conversation (bot/): per-contact limits, explained politely to the citizen when hit
    bot_max_reports_per_day: int = 5
    bot_max_messages_per_minute: int = 20
    bot_max_text_chars: int = 4000  # longer messages are truncated with a notice
    bot_draft_ttl_hours: int = 24  # an unfinished report draft older than this is dropped

    # Console
    session_secret: SecretStr = SecretStr("development-only-secret-change-me")
    dashboard_cache_seconds: int = 30  # the manager dashboard's figures may be this old; 0 = live

    # Open311 (GeoReport v2): keys allowed to POST requests besides staff API tokens,
    # comma-separated (e.g. one per partner app, so one can be withdrawn alone)
    open311_api_keys: SecretStr | None = None
    # Discovery (/open311/discovery.json): who integrators write to, how they get a key, when the
    # API last changed, and the endpoints. By default the one endpoint is this deployment's own
    # (public_base_url), of type "production" in production and "test" otherwise. JSON in the
    # environment, e.g. SUARAWARGA_OPEN311_ENDPOINTS=
    #   '[{"url": "https://lapor.example.go.id/open311/v2", "type": "production"}]'
    open311_contact: str = "The operator of this SuaraWarga deployment"
    open311_key_service: str = (
        "Ask the operator for an api_key (a partner key, or an intake API token)"
    )
    open311_changeset: datetime = datetime(2026, 12, 7, tzinfo=UTC)
    open311_endpoints: list[Open311Endpoint] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone name
        return value

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> Settings:
        if (
            self.environment == "production"
            and "change-me" in self.session_secret.get_secret_value()
        ):
            raise ValueError(
                "SUARAWARGA_SESSION_SECRET still has the development placeholder; "
                "set a long random value before running in production"
            )
        return self

    @model_validator(mode="after")
    def _links_name_the_address_served(self) -> Settings:
        """Unset, the public address is the one this server listens on, so the tracking and
        console links the bot sends open on ``make run PORT=8080`` too; a bind to every
        interface still links to 127.0.0.1. A deployment sets ``SUARAWARGA_PUBLIC_BASE_URL``."""
        if "public_base_url" not in self.model_fields_set:
            host = "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host
            host = f"[{host}]" if ":" in host else host
            self.public_base_url = f"http://{host}:{self.port}"
        return self

    @property
    def heartbeat_stale_after(self) -> float:
        """Seconds after the last sweep when ``/health`` stops saying "ok" (three missed sweeps)."""
        return float(self.heartbeat_stale_seconds or 3 * self.sweep_interval_seconds)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'suarawarga.sqlite3').resolve()}"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
