"""Process settings from the environment (prefix ``SUARAWARGA_``).

Settings are built lazily by :func:`get_settings` so importing a module never reads the environment
or touches the disk; tests construct ``Settings(...)`` directly and pass it to the app factory.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent

INDONESIAN_ZONES = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUARAWARGA_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to a SQLite file in data_dir"
    )
    timezone: str = "Asia/Jakarta"
    public_base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000

    agencies_file: Path = CONFIG_DIR / "agencies.yml"
    sla_file: Path = CONFIG_DIR / "sla.yml"
    holidays_file: Path = CONFIG_DIR / "holidays.yml"

    # Scheduler
    sweep_interval_seconds: int = 60
    sweep_batch_size: int = 500
    heartbeat_stale_seconds: int = 300
    run_scheduler_in_process: bool = True
    run_worker_in_process: bool = True

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"

    # Twilio / WhatsApp
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_base_url: str | None = None

    # E-mail (staff notifications)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "suarawarga@localhost"

    # NLU
    nlu_backend: Literal["embedded", "rasa"] = "embedded"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 2.0  # per /model/parse call; the bot falls back after it
    rasa_cooldown_seconds: float = 30.0  # after a Rasa failure, embedded model only for this long
    nlu_type_threshold: float = 0.55
    nlu_agency_threshold: float = 0.45

    # Console
    session_secret: SecretStr = SecretStr("development-only-secret-change-me")

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
