"""The manifest declares what the code handles, and the code handles what it declares."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.app import registry
from bot.slack.listeners import SUBSCRIBED_EVENTS
from bot.slack.oauth import BOT_SCOPES

FAMILIES, SHORTCUTS = registry().families, registry().shortcuts


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket.yml"])
def test_manifest_matches_the_code(name: str) -> None:
    manifest = yaml.safe_load((ROOT / name).read_text())
    features = manifest["features"]
    commands = {c["command"].lstrip("/") for c in features["slash_commands"]}
    assert commands == set(FAMILIES)
    assert all(c["should_escape"] for c in features["slash_commands"])
    shortcuts = {s["callback_id"] for s in features.get("shortcuts", [])}
    assert shortcuts <= set(SHORTCUTS), f"declared but unhandled: {shortcuts - set(SHORTCUTS)}"
    message_shortcuts = {k for k in SHORTCUTS}
    assert message_shortcuts <= shortcuts, (
        f"handled but not declared: {message_shortcuts - shortcuts}"
    )
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    # Every subscribed event has a listener, and every listened event is subscribed.
    assert events == set(SUBSCRIBED_EVENTS), (
        f"subscribed, no listener: {events - SUBSCRIBED_EVENTS}; "
        f"listened, not subscribed: {SUBSCRIBED_EVENTS - events}"
    )
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert "message.im" in events and "im:history" in manifest["oauth_config"]["scopes"]["bot"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is (name == "manifest.socket.yml")
