"""`wgbot doctor`: is this deployment ready? One line per check, with what to do.

Configuration, the database and its schema revision, then (with a bot token) the
token, its scopes against the manifest's, the bot's membership of every channel it
is configured to post in, and the clock against Slack's. Slack is asked through the
`SlackChecks` port (bot.slack.doctor implements it), so this module stays Slack-free.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.config import Settings
from bot.errors import SlackUnavailable
from bot.faultlog import one_line
from bot.meetings.models import MeetingSeries
from bot.models import Workspace
from bot.platform import Membership
from bot.redact import mask_url
from bot.support.models import SupportProvider

Status = Literal["ok", "warn", "FAIL"]

# Slack refuses a request signed more than 5 minutes away from its clock; the Date
# header it answers with has a resolution of one second.
SKEW_WARN_S = 30.0
SKEW_FAIL_S = 300.0


@dataclass(frozen=True)
class Check:
    status: Status
    name: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        """`ok|warn|FAIL name: detail — what to do`."""
        text = f"{self.status:<4} {self.name}: {self.detail}"
        return f"{text} — {self.fix}" if self.fix else text


class SlackChecks(Protocol):
    """What the doctor needs Slack to answer (bot.slack.doctor.SlackProbe)."""

    def auth(self) -> dict[str, str]:
        """auth.test: team_id, team, user_id; raises SlackUnavailable saying why not."""
        ...

    def granted_scopes(self) -> frozenset[str] | None: ...

    def required_scopes(self) -> frozenset[str]: ...

    def slack_time(self) -> datetime | None: ...

    def membership(self, channel: str) -> Membership: ...


def run_doctor(
    settings: Settings,
    slack: SlackChecks | None,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[Check]:
    """Every check, in order; later ones are skipped when what they need failed."""
    checks = [check_config(settings)]
    database = check_database(settings)
    checks.append(database)
    revision_ok = False
    if database.status == "ok":
        revision = check_revision(settings)
        checks.append(revision)
        revision_ok = revision.status == "ok"
    if slack is None:
        checks.append(
            Check(
                "warn",
                "token",
                "no SLACK_BOT_TOKEN, so Slack was not asked",
                "set SLACK_BOT_TOKEN (xoxb-…) to check the token, scopes, channels and clock",
            )
        )
        return checks
    try:
        who = slack.auth()
    except SlackUnavailable as exc:
        checks.append(
            Check(
                "FAIL",
                "token",
                f"auth.test answered {exc}",
                "check SLACK_BOT_TOKEN (Slack app settings → OAuth & Permissions) and SLACK_API_URL",
            )
        )
        return checks
    checks.append(
        Check(
            "ok",
            "token",
            f"workspace {who.get('team') or '?'} ({who.get('team_id')}), bot user {who.get('user_id')}",
        )
    )
    checks.append(check_scopes(slack.granted_scopes(), slack.required_scopes()))
    if revision_ok:
        checks.extend(check_channels(settings, slack, who.get("team_id", "")))
    else:
        checks.append(
            Check(
                "warn", "channels", "not checked: the database is not ready", "fix the lines above"
            )
        )
    checks.append(check_clock(slack.slack_time(), now()))
    return checks


def check_config(settings: Settings) -> Check:
    if settings.slack_app_token and settings.slack_bot_token:
        mode = "Socket Mode"
    elif settings.oauth_enabled:
        mode = "OAuth (several workspaces)"
    elif settings.has_slack_credentials:
        mode = "HTTP"
    else:
        return Check(
            "warn",
            "config",
            "no Slack credentials: only `wgbot console` can run",
            "set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)",
        )
    host = _host(settings.public_url)
    if host in ("localhost", "127.0.0.1", "::1") and mode != "Socket Mode":
        return Check(
            "warn",
            "config",
            f"{mode}; PUBLIC_URL is {settings.public_url}, so the links the bot posts "
            "(calendar feeds, minutes) do not open for members",
            "set PUBLIC_URL to the address members reach the bot at",
        )
    return Check("ok", "config", f"{mode}, database {mask_url(settings.database_url)}")


def _host(url: str) -> str:
    from urllib.parse import urlparse

    return (urlparse(url).hostname or "").lower()


def check_database(settings: Settings) -> Check:
    url = make_url(settings.database_url)
    shown = mask_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        if path and path != ":memory:" and not os.path.exists(path):
            return Check(
                "FAIL", "database", f"{shown}: the file does not exist", "run `wgbot migrate`"
            )
        folder = os.path.dirname(os.path.abspath(path)) if path else "."
        if path and not (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
            return Check(
                "FAIL",
                "database",
                f"{shown}: the file or its directory is not writable",
                "SQLite writes the file and lock and journal files beside it: make both writable",
            )
    engine = create_engine(settings.database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return Check(
            "FAIL",
            "database",
            f"{shown}: {one_line(exc)}",
            "check DATABASE_URL and that the database server is up",
        )
    finally:
        engine.dispose()
    return Check("ok", "database", f"{shown} answers")


def check_revision(settings: Settings) -> Check:
    from bot.migrate import SchemaTooNew, check_not_newer, known_revisions

    try:
        current = check_not_newer(settings.database_url)
    except SchemaTooNew as exc:
        return Check("FAIL", "revision", str(exc))
    except Exception as exc:  # the database failing under us
        return Check("FAIL", "revision", one_line(exc), "run `wgbot doctor` again")
    heads = known_revisions(settings.database_url)[1]
    shown = ", ".join(sorted(current)) or "none"
    if current != heads:
        return Check(
            "FAIL",
            "revision",
            f"the database is at {shown}, this wgbot at {', '.join(sorted(heads))}",
            "run `wgbot migrate`",
        )
    return Check("ok", "revision", f"{shown} (current)")


def check_scopes(granted: frozenset[str] | None, required: frozenset[str]) -> Check:
    if granted is None:
        return Check("warn", "scopes", "Slack did not list the token's scopes (X-OAuth-Scopes)")
    missing = sorted(required - granted)
    if missing:
        return Check(
            "FAIL",
            "scopes",
            f"missing {', '.join(missing)}",
            "add them from manifest.yml (OAuth & Permissions → Bot Token Scopes) and reinstall the app",
        )
    return Check("ok", "scopes", f"all {len(required)} scopes of the manifest granted")


def configured_channels(settings: Settings, team_id: str) -> dict[str, list[str]]:
    """{channel (id or #name): what the bot posts there} for one workspace."""
    from bot.db import Database

    found: dict[str, list[str]] = {}
    db = Database(settings.database_url, pool_size=1)
    try:
        with db.read() as s:
            for name, channel in s.execute(
                select(SupportProvider.name, SupportProvider.channel).where(
                    SupportProvider.team_id == team_id, SupportProvider.channel.is_not(None)
                )
            ):
                found.setdefault(str(channel), []).append(f"triage for {name}")
            digest = s.execute(
                select(Workspace.digest_channel).where(Workspace.team_id == team_id)
            ).scalar()
            if digest:
                found.setdefault(digest, []).append("weekly digest")
            for name, channel in s.execute(
                select(MeetingSeries.name, MeetingSeries.channel_id).where(
                    MeetingSeries.team_id == team_id, MeetingSeries.cancelled_at.is_(None)
                )
            ):
                found.setdefault(channel, []).append(f"meeting {name}")
    finally:
        db.dispose()
    return found


def check_channels(settings: Settings, slack: SlackChecks, team_id: str) -> list[Check]:
    """One line per channel the bot posts in: is the bot a member?"""
    channels = configured_channels(settings, team_id)
    if not channels:
        return [Check("ok", "channels", "no triage, digest or meeting channel configured yet")]
    checks: list[Check] = []
    for channel, uses in sorted(channels.items()):
        membership = slack.membership(channel)
        name = f"channel {channel}"
        if channel != membership.channel_id:
            name += f" ({membership.channel_id})"
        what = "; ".join(uses)
        if membership.is_member:
            checks.append(Check("ok", name, f"the bot is a member ({what})"))
        elif membership.problem == "private":
            checks.append(
                Check(
                    "FAIL",
                    name,
                    f"private and the bot is not a member ({what})",
                    f"type `/invite @wgbot` in {channel}",
                )
            )
        elif membership.problem is None:
            checks.append(
                Check(
                    "warn",
                    name,
                    f"public and the bot is not a member yet ({what})",
                    f"it joins when it first needs to; or type `/invite @wgbot` in {channel}",
                )
            )
        elif membership.problem == "archived":
            checks.append(
                Check("FAIL", name, f"archived ({what})", "unarchive it or configure another one")
            )
        elif membership.problem == "not_found":
            checks.append(
                Check(
                    "FAIL",
                    name,
                    f"Slack does not show it to the bot ({what})",
                    "if it is private, invite the bot; else configure an existing channel",
                )
            )
        else:
            checks.append(
                Check(
                    "warn",
                    name,
                    f"Slack answered {membership.problem} ({what})",
                    "run `wgbot doctor` again",
                )
            )
    return checks


def check_clock(slack_time: datetime | None, now: datetime) -> Check:
    if slack_time is None:
        return Check("warn", "clock", "Slack's answer carried no Date header")
    skew = (now - slack_time).total_seconds()
    ahead = "ahead of" if skew > 0 else "behind"
    if abs(skew) >= SKEW_FAIL_S:
        return Check(
            "FAIL",
            "clock",
            f"this machine is {abs(skew):.0f}s {ahead} Slack: Slack's signed requests "
            "will be refused as too old",
            "synchronize the clock (NTP: timedatectl set-ntp true)",
        )
    if abs(skew) >= SKEW_WARN_S:
        return Check(
            "warn",
            "clock",
            f"this machine is {abs(skew):.0f}s {ahead} Slack",
            "synchronize the clock (NTP: timedatectl set-ntp true)",
        )
    return Check("ok", "clock", f"within {max(abs(skew), 1.0):.0f}s of Slack")
