"""Settings from the environment and an optional .env file."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bot.errors import ConfigError
from bot.redact import mask_url

SLACK_DEFAULT_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment, validated."""

    database_url: str = "sqlite:///wgbot.db"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = SLACK_DEFAULT_API_URL
    port: int = 3000
    host: str = "0.0.0.0"
    public_url: str = "http://localhost:3000"
    bot_admins: frozenset[str] = field(default_factory=frozenset)
    templates_dir: str | None = None
    log_level: str = "INFO"
    # How long a delivery worker holds a claimed outbox row before another may take it
    # over; longer than any Slack call can take (the client times out after 10 s).
    outbox_lease_seconds: int = 60
    # Housekeeping (README, "Housekeeping and backups"): how many days finished outbox
    # messages, messages that failed for good, Slack event ids and once-marks are kept,
    # and how many rows one short transaction deletes.
    retain_outbox_days: int = 30
    retain_failed_days: int = 90
    retain_events_days: int = 7
    retain_marks_days: int = 400
    retention_batch: int = 500
    # The HTTP edge (README, "TLS and a reverse proxy"): connections in all, per client
    # address (0: no cap), and how long a request may take to send its headers and body.
    max_connections: int = 2000
    max_connections_per_client: int = 50
    header_timeout: int = 10
    body_timeout: int = 30
    # The reverse proxy's address: its X-Forwarded-* headers are believed, and its
    # connections (every client's, through it) are not capped per client.
    trusted_proxy: str | None = None
    # "text" or "json" (one object a line, with the request id).
    log_format: str = "text"
    # When set, GET /metrics wants `Authorization: Bearer <token>`.
    metrics_token: str | None = None
    # /readyz fails when the oldest pending outbox message is older than this.
    ready_outbox_age: int = 300

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret) or self.oauth_enabled

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret and self.slack_signing_secret)

    def public(self, path: str) -> str:
        """An absolute URL under PUBLIC_URL."""
        return self.public_url.rstrip("/") + "/" + path.lstrip("/")


def read_dotenv(path: Path) -> dict[str, str]:
    """The KEY=VALUE settings of a .env file, read as python-dotenv reads them.

    Comments (a whole line, or ` # …` after a value), single and double quotes,
    `export KEY=…`, `${VAR}` expansion; a line it cannot read is a ConfigError.
    """
    from dotenv import dotenv_values
    from dotenv.parser import parse_stream

    if not path.is_file():
        return {}
    try:
        with path.open(encoding="utf-8") as stream:
            bad = [b.original.line for b in parse_stream(stream) if b.error]
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path.name, f"cannot be read: {exc}") from None
    if bad:
        raise ConfigError(f"{path.name} line {bad[0]}", "expected KEY=VALUE")
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"expected a whole number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(name, f"must be between {lo} and {hi}, got {value}")
    return value


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip() or default
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(name, f"expected an http(s) URL, got {mask_url(raw)!r}")
    return raw


def _database_url(env: Mapping[str, str]) -> str:
    raw = env.get("DATABASE_URL", "").strip()
    if not raw:
        return "sqlite:///wgbot.db"
    scheme = raw.split(":", 1)[0]
    if scheme in ("postgres", "postgresql"):
        # Heroku-style URLs: use the psycopg 3 driver we ship.
        return "postgresql+psycopg" + raw[len(scheme) :]
    if scheme in ("sqlite", "postgresql+psycopg") and "://" in raw:
        return raw
    raise ConfigError(
        "DATABASE_URL",
        f"expected sqlite:///FILE or postgresql://USER@HOST/DB, got {mask_url(raw)!r}",
    )


def _token(env: Mapping[str, str], name: str, prefixes: tuple[str, ...]) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.startswith(prefixes):
        raise ConfigError(name, f"expected a token starting with {' or '.join(prefixes)}")
    return raw


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Settings:
    """Build Settings; the process environment wins over the .env file."""
    env: dict[str, str] = {}
    if dotenv is not None:
        env.update(read_dotenv(dotenv))
    env.update(os.environ if environ is None else environ)

    port = _int(env, "PORT", 3000, 1, 65535)
    api_url = _url(env, "SLACK_API_URL", SLACK_DEFAULT_API_URL)
    if not api_url.endswith("/"):
        api_url += "/"
    signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip() or None
    bot_token = _token(env, "SLACK_BOT_TOKEN", ("xoxb-",))
    app_token = _token(env, "SLACK_APP_TOKEN", ("xapp-",))
    # Over HTTP every request is verified with the signing secret; in Socket Mode
    # (an app-level token) Slack authenticates the WebSocket instead.
    if bot_token and not signing_secret and not app_token:
        raise ConfigError(
            "SLACK_SIGNING_SECRET",
            "is required when SLACK_BOT_TOKEN is set (unless SLACK_APP_TOKEN selects Socket Mode)",
        )
    admins = frozenset(a.strip() for a in env.get("WGBOT_ADMINS", "").split(",") if a.strip())
    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("LOG_LEVEL", f"expected DEBUG, INFO, WARNING or ERROR, got {level!r}")
    templates_dir = env.get("WGBOT_TEMPLATES_DIR", "").strip() or None
    if templates_dir and not Path(templates_dir).is_dir():
        raise ConfigError("WGBOT_TEMPLATES_DIR", f"{templates_dir!r} is not a directory")
    log_format = env.get("LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in ("text", "json"):
        raise ConfigError("LOG_FORMAT", f"expected text or json, got {log_format!r}")
    trusted_proxy = env.get("WGBOT_TRUSTED_PROXY", "").strip() or None
    if trusted_proxy and trusted_proxy != "*":
        try:
            ipaddress.ip_address(trusted_proxy)
        except ValueError:
            raise ConfigError(
                "WGBOT_TRUSTED_PROXY", f"expected an IP address or *, got {trusted_proxy!r}"
            ) from None
    return Settings(
        database_url=_database_url(env),
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        slack_app_token=app_token,
        slack_client_id=env.get("SLACK_CLIENT_ID", "").strip() or None,
        slack_client_secret=env.get("SLACK_CLIENT_SECRET", "").strip() or None,
        slack_api_url=api_url,
        port=port,
        host=env.get("HOST", "").strip() or "0.0.0.0",
        public_url=_url(env, "PUBLIC_URL", f"http://localhost:{port}").rstrip("/"),
        bot_admins=admins,
        templates_dir=templates_dir,
        log_level=level,
        outbox_lease_seconds=_int(env, "WGBOT_OUTBOX_LEASE_SECONDS", 60, 15, 3600),
        retain_outbox_days=_int(env, "WGBOT_RETAIN_OUTBOX_DAYS", 30, 1, 36500),
        retain_failed_days=_int(env, "WGBOT_RETAIN_FAILED_DAYS", 90, 1, 36500),
        retain_events_days=_int(env, "WGBOT_RETAIN_EVENTS_DAYS", 7, 1, 36500),
        retain_marks_days=_int(env, "WGBOT_RETAIN_MARKS_DAYS", 400, 1, 36500),
        retention_batch=_int(env, "WGBOT_RETENTION_BATCH", 500, 10, 10000),
        max_connections=_int(env, "WGBOT_MAX_CONNECTIONS", 2000, 10, 100000),
        max_connections_per_client=_int(env, "WGBOT_MAX_CONNECTIONS_PER_CLIENT", 50, 0, 100000),
        header_timeout=_int(env, "WGBOT_HEADER_TIMEOUT", 10, 1, 600),
        body_timeout=_int(env, "WGBOT_BODY_TIMEOUT", 30, 1, 3600),
        trusted_proxy=trusted_proxy,
        log_format=log_format,
        metrics_token=env.get("METRICS_TOKEN", "").strip() or None,
        ready_outbox_age=_int(env, "WGBOT_READY_OUTBOX_AGE", 300, 10, 86400),
    )
