"""Settings from the environment: defaults, .env, and one-line errors with exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError


def test_defaults() -> None:
    s = load_settings({}, dotenv=None)
    assert s.database_url == "sqlite:///wgbot.db"
    assert s.port == 3000
    assert s.public_url == "http://localhost:3000"
    assert s.slack_api_url == "https://slack.com/api/"
    assert not s.has_slack_credentials


def test_public_url_follows_port_and_postgres_scheme_is_normalised() -> None:
    s = load_settings({"PORT": "8080", "DATABASE_URL": "postgres://u:p@db/wg"}, dotenv=None)
    assert s.public_url == "http://localhost:8080"
    assert s.database_url == "postgresql+psycopg://u:p@db/wg"


def test_dotenv_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# comment\nPORT=4000\nexport PUBLIC_URL='https://bot.example.org'\n")
    s = load_settings({"PORT": "5000"}, dotenv=env)
    assert s.port == 5000
    assert s.public_url == "https://bot.example.org"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SLACK_API_URL": "not a url"}, "SLACK_API_URL"),
        ({"SLACK_BOT_TOKEN": "abc"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
        ({"PUBLIC_URL": "ftp://x"}, "PUBLIC_URL"),
    ],
)
def test_malformed_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env, dotenv=None)
    assert err.value.variable == variable


def _wgbot(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT"))
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=full_env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_reports_bad_setting_in_one_line(tmp_path: Path) -> None:
    proc = _wgbot(["serve"], {"PORT": "eighty"}, tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "wgbot: configuration error: PORT: expected a whole number, got 'eighty'"
    ]
    assert "Traceback" not in proc.stderr


def test_serve_without_credentials_says_which_variable(tmp_path: Path) -> None:
    proc = _wgbot(["serve"], {}, tmp_path)
    assert proc.returncode == 2
    assert "SLACK_BOT_TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_start_without_credentials_opens_the_console(tmp_path: Path) -> None:
    proc = _wgbot(
        ["start"], {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, tmp_path, stdin="/wg help\n"
    )
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert "no Slack credentials" in first and "console" in first
    assert "/support" in proc.stdout and "/meeting" in proc.stdout


def test_socket_mode_needs_an_app_token(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    proc = _wgbot(["serve", "--socket-mode"], env, tmp_path)
    assert proc.returncode == 2
    assert "SLACK_APP_TOKEN" in proc.stderr and "Traceback" not in proc.stderr


def test_start_with_credentials_says_it_serves(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",  # not migrated: serve refuses, after saying why
    }
    proc = _wgbot(["start"], env, tmp_path)
    assert proc.stdout.splitlines()[0].startswith(
        "wgbot: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set"
    )
    assert proc.returncode == 2 and "wgbot migrate" in proc.stderr
