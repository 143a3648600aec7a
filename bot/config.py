"""Settings from the environment and an optional .env file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bot.errors import ConfigError

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
    """Parse KEY=VALUE lines; quotes stripped, comments and blanks ignored."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"{path.name} line {lineno}", "expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


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
        raise ConfigError(name, f"expected an http(s) URL, got {raw!r}")
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
        "DATABASE_URL", f"expected sqlite:///FILE or postgresql://USER@HOST/DB, got {raw!r}"
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
    )
