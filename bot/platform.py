"""What the bot needs from the chat platform before a transaction opens.

Slack is slow (100–300 ms a call, sometimes seconds) and a request has 3 s, so no
Slack call runs inside a database transaction. A service that finds it needs
something only Slack knows (the bot's membership of a channel, a user nobody has
seen) raises `NeedsSlack`; the Dispatcher rolls the transaction back, asks the
platform outside any transaction, within the request's budget, and runs the work
again with the answers at hand (`Prefetched`). The Slack edge implements `Platform`;
the console and tests without Slack use `Offline`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Membership:
    """The bot's place in a channel, after making sure of it."""

    channel_id: str
    is_member: bool
    joined_now: bool = False  # the bot joined it for this request
    private: bool = False
    # Why the bot is not in it: "private" (an invitation is needed), "not_found",
    # "archived", "unavailable" (Slack did not answer in time).
    problem: str | None = None


# `session.info` key set while the Dispatcher may still roll the transaction back on
# NeedsSlack, ask Slack and run the work again. Without it (the request's last attempt,
# periodic jobs) the directory answers with what it knows instead of raising.
ASKS_SLACK_FIRST = "wgbot.asks_slack_first"


class NeedsSlack(Exception):
    """Raised inside a transaction: fetch these first, then run the work again.

    members_of: channels the bot must be in; users: people whose names, zones and
    admin flags the work needs; member_lists: channels whose member ids it needs.
    """

    def __init__(
        self,
        *,
        members_of: Iterable[str] = (),
        users: Iterable[str] = (),
        member_lists: Iterable[str] = (),
    ) -> None:
        self.members_of = tuple(dict.fromkeys(members_of))
        self.users = tuple(dict.fromkeys(users))
        self.member_lists = tuple(dict.fromkeys(member_lists))
        super().__init__(
            f"needs channels {self.members_of}, users {len(self.users)}, "
            f"member lists {self.member_lists}"
        )


@dataclass
class Prefetched:
    """What was fetched for this request outside the transaction."""

    memberships: dict[str, Membership] = field(default_factory=dict)

    def membership(self, channel_id: str) -> Membership:
        found = self.memberships.get(channel_id)
        if found is None:
            raise NeedsSlack(members_of=[channel_id])
        return found


class Platform(Protocol):
    def ensure_member(
        self, team_id: str, channel_id: str, *, deadline: float | None
    ) -> Membership: ...


class Offline:
    """No Slack (the console): the bot hears every channel it is told about."""

    def ensure_member(self, team_id: str, channel_id: str, *, deadline: float | None) -> Membership:
        return Membership(channel_id=channel_id, is_member=True)
