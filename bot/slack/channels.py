"""Channel names -> channel ids, asked of Slack (conversations.list), never in a transaction.

Slack takes a channel name only when posting; everything else the bot does with a
channel (edit its card, read its history, react) needs the id. So names people write
(a catalog file's `channel: "#lustre-support"`) are turned into ids before they are
stored, and an unconfirmed post to a name (a row stored before that) is looked up by id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.config import Settings
from bot.db import Database
from bot.errors import SlackUnavailable
from bot.slack.metered import MeteredWebClient
from bot.slack.oauth import InstalledBots, TokenLookup, single_token_lookup

log = logging.getLogger(__name__)

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")
# conversations.list is Tier 2 (20 calls a minute): a thousand channels a page, and
# at most this many pages (a workspace with more channels has bigger problems).
PAGE_SIZE = 1000
MAX_PAGES = 50


def is_channel_id(value: str) -> bool:
    return CHANNEL_ID.match(value) is not None


def channel_name(value: str) -> str:
    """The bare name of "#name" or "name" (what conversations.list calls `name`)."""
    return value.strip().lstrip("#").lower()


def find_channel_ids(client: WebClient, names: Collection[str]) -> dict[str, str]:
    """{name: id} for the names (bare, lower case) found among the channels the bot sees.

    Public channels, and private ones the bot is in; archived ones are left out (they
    take no posts). Raises SlackApiError when Slack refuses.
    """
    wanted = {channel_name(n) for n in names}
    found: dict[str, str] = {}
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        resp = client.conversations_list(
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
        for channel in resp.get("channels") or []:
            name = str(channel.get("name") or "")
            if name in wanted and name not in found and channel.get("id"):
                found[name] = str(channel["id"])
        if wanted <= found.keys():
            break
        cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    return found


def channel_ids(
    token_for: TokenLookup, base_url: str, team_id: str, names: Sequence[str]
) -> dict[str, str]:
    """{name: id} of the names Slack knows in `team_id`'s workspace (see ChannelIds).

    Raises SlackUnavailable (with the reason) when Slack cannot be asked.
    """
    if not names:
        return {}
    token = token_for(team_id)
    if not token:
        raise SlackUnavailable(f"there is no bot token for workspace {team_id} (SLACK_BOT_TOKEN)")
    client = MeteredWebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        # A command-line tool can wait out a rate limit (Retry-After), twice.
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    try:
        return find_channel_ids(client, names)
    except SlackApiError as exc:
        raise SlackUnavailable(f"Slack answered {exc.response.get('error')}") from exc
    except Exception as exc:  # connection refused, timeout
        raise SlackUnavailable(f"Slack did not answer ({type(exc).__name__}: {exc})") from exc


def channel_ids_for(
    settings: Settings, db: Database, team_id: str, names: Sequence[str]
) -> dict[str, str]:
    """channel_ids with the workspace's own token (installed through OAuth, or
    SLACK_BOT_TOKEN): what the command line passes to its tools."""
    token_for = (
        InstalledBots(settings, db).token
        if settings.oauth_enabled
        else single_token_lookup(settings)
    )
    return channel_ids(token_for, settings.slack_api_url, team_id, names)
