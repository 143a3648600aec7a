"""A provider's contacts: its escalation contacts and the members of its triage channel.

One definition for everything that asks "is this person the provider?": who may
acknowledge, assign and close an issue (bot.support.desk), whose thread reply is a
first response (bot.support.replies) and whose App Home shows a queue (bot.support.home).
Channel members are as far as the bot knows them (`members_of`, from the directory).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from bot.support.models import SupportIssue, SupportProvider

# channel id -> its member ids, as far as the bot knows them.
MembersOf = Callable[[str], Collection[str]]


def channel_id(channel: str | None) -> str | None:
    """A channel given by id (C…/G…); a "#name" from a catalog file or a user id is not."""
    return channel if channel and channel[:1] in ("C", "G") else None


def is_contact(provider: SupportProvider | None, user_id: str, members_of: MembersOf) -> bool:
    """Whether the user is one of the provider's escalation contacts or triage channel members."""
    if provider is None or not user_id:
        return False
    if user_id in {str(u) for u in provider.escalation or ()}:
        return True
    channel = channel_id(provider.channel)
    return channel is not None and user_id in members_of(channel)


def triage_channel_of(issue: SupportIssue, provider: SupportProvider | None) -> str | None:
    """The channel whose members speak for the issue's provider.

    The provider's channel; for an issue without a provider, the channel its card went
    to (the workspace's default channel), whose members triage what nobody supports.
    """
    if provider is not None:
        return channel_id(provider.channel)
    return channel_id(issue.triage_channel)


def is_issue_contact(
    issue: SupportIssue, provider: SupportProvider | None, user_id: str, members_of: MembersOf
) -> bool:
    """Whether the user speaks for whoever handles the issue (see `triage_channel_of`)."""
    if provider is not None:
        return is_contact(provider, user_id, members_of)
    channel = triage_channel_of(issue, None)
    return bool(user_id) and channel is not None and user_id in members_of(channel)
