"""Who is who: users' names, time zones and admin flags, cached in the database.

The lookups themselves (users.info, conversations.members) are injected, so
services never talk to Slack and the console can answer from its own settings.
Lookups made in a read-only transaction pass store=False: they answer the same
but leave the database as it was (fresh answers are kept in this process only).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import ChannelMembers, SlackUser

log = logging.getLogger(__name__)

MEMORY_TTL_S = 60.0

UserFetcher = Callable[[str, str], dict[str, Any] | None]
MembersFetcher = Callable[[str, str], list[str] | None]


@dataclass(frozen=True)
class UserInfo:
    user_id: str
    name: str
    tz: str | None
    is_admin: bool
    is_bot: bool = False
    work_start: int | None = None
    work_end: int | None = None

    @property
    def display(self) -> str:
        return self.name or self.user_id


class Directory:
    def __init__(
        self,
        clock: Clock,
        fetch_user: UserFetcher,
        fetch_members: MembersFetcher,
        *,
        ttl: timedelta = timedelta(hours=12),
    ) -> None:
        self.clock = clock
        self._fetch_user = fetch_user
        self._fetch_members = fetch_members
        self.ttl = ttl
        # A short-lived copy per process: most commands name the same few people, and
        # the database row (shared by all processes) stays the source of truth.
        self._memory: dict[tuple[str, str], tuple[float, UserInfo]] = {}
        # Members fetched for a read-only transaction, which may not store them.
        self._members_memory: dict[tuple[str, str], tuple[float, list[str]]] = {}

    def user(
        self,
        session: Session,
        team_id: str,
        user_id: str,
        *,
        refresh: bool = False,
        store: bool = True,
    ) -> UserInfo | None:
        """A user's details (None when Slack does not know them); store=False writes nothing."""
        key = (team_id, user_id)
        if not refresh:
            hit = self._memory.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
        info = self._user_from_db(session, team_id, user_id, refresh=refresh, store=store)
        if info is not None:
            self._memory[key] = (time.monotonic() + MEMORY_TTL_S, info)
        return info

    def prefetch(self, team_id: str, user_ids: Iterable[str], *, deadline: float | None) -> None:
        """Fetch users from Slack outside any transaction, into this process's memory."""
        for uid in user_ids:
            if deadline is not None and time.monotonic() >= deadline:
                return
            try:
                data = self._fetch_user(team_id, uid)
            except Exception:
                log.warning("users.info %s failed", uid, exc_info=True)
                continue
            if not data:
                continue
            info = UserInfo(
                user_id=uid,
                name=str(data.get("name") or data.get("real_name") or uid)[:200],
                tz=data.get("tz"),
                is_admin=bool(data.get("is_admin") or data.get("is_owner")),
                is_bot=bool(data.get("is_bot")),
            )
            self._memory[(team_id, uid)] = (time.monotonic() + MEMORY_TTL_S, info)

    def forget(self, team_id: str, user_id: str) -> None:
        """Drop this process's copy after the user's row changed (e.g. working hours)."""
        self._memory.pop((team_id, user_id), None)

    def _user_from_db(
        self, session: Session, team_id: str, user_id: str, *, refresh: bool, store: bool
    ) -> UserInfo | None:
        now = self.clock.now()
        row = session.get(SlackUser, (team_id, user_id))
        fresh = row is not None and row.fetched_at is not None and now - row.fetched_at < self.ttl
        if row is None or refresh or not fresh:
            try:
                data = self._fetch_user(team_id, user_id)
            except Exception:
                log.warning("users.info %s failed; using the cache", user_id, exc_info=True)
                data = None if row is None else {}
            if data is None and row is None:
                return None
            if data:
                name = str(data.get("name") or data.get("real_name") or user_id)[:200]
                tz = data.get("tz") or (row.tz if row is not None else None)
                is_admin = bool(data.get("is_admin") or data.get("is_owner"))
                is_bot = bool(data.get("is_bot"))
                if not store:
                    # The same answer, from Slack's data and the row's own preferences.
                    return UserInfo(
                        user_id=user_id,
                        name=name,
                        tz=tz,
                        is_admin=is_admin,
                        is_bot=is_bot,
                        work_start=row.work_start if row is not None else None,
                        work_end=row.work_end if row is not None else None,
                    )
                if row is None:
                    row = SlackUser(team_id=team_id, user_id=user_id)
                    session.add(row)
                row.name = name
                row.real_name = str(data.get("real_name") or "")[:200]
                row.tz = tz
                row.is_admin = is_admin
                row.is_bot = is_bot
                row.fetched_at = now
                session.flush()
        assert row is not None
        return UserInfo(
            user_id=user_id,
            name=row.name,
            tz=row.tz,
            is_admin=row.is_admin,
            is_bot=row.is_bot,
            work_start=row.work_start,
            work_end=row.work_end,
        )

    def set_work_hours(
        self, session: Session, team_id: str, user_id: str, *, start: int, end: int
    ) -> None:
        """Store a user's working hours (minutes after local midnight) on their row."""
        row = session.get(SlackUser, (team_id, user_id))
        if row is None:
            row = SlackUser(team_id=team_id, user_id=user_id, name=user_id)
            session.add(row)
        row.work_start, row.work_end = start, end
        session.flush()
        # This process's copy still has the old hours; other processes' expire within a minute.
        self.forget(team_id, user_id)

    def user_tz(self, session: Session, team_id: str, user_id: str, *, store: bool = True) -> str:
        info = self.user(session, team_id, user_id, store=store)
        return info.tz if info and info.tz else "UTC"

    def channel_members(
        self, session: Session, team_id: str, channel_id: str, *, store: bool = True
    ) -> list[str]:
        """The channel's member ids (cached); store=False writes nothing."""
        now = self.clock.now()
        row = session.get(ChannelMembers, (team_id, channel_id))
        if row is not None and now - row.fetched_at < self.ttl:
            return list(row.members)
        key = (team_id, channel_id)
        if not store:
            hit = self._members_memory.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return list(hit[1])
        try:
            members = self._fetch_members(team_id, channel_id)
        except Exception:
            log.warning("conversations.members %s failed", channel_id, exc_info=True)
            members = None
        if members is None:
            return list(row.members) if row is not None else []
        if not store:
            # Not stored, so kept a minute here: reads of a big channel need not refetch it.
            self._members_memory[key] = (time.monotonic() + MEMORY_TTL_S, list(members))
            return members
        if row is None:
            row = ChannelMembers(
                team_id=team_id, channel_id=channel_id, members=members, fetched_at=now
            )
            session.add(row)
        else:
            row.members = members
            row.fetched_at = now
        session.flush()
        return members

    def member_zones(
        self,
        session: Session,
        team_id: str,
        channel_id: str,
        limit: int = 200,
        *,
        store: bool = True,
    ) -> dict[str, list[str]]:
        """IANA zone -> user ids, over the channel's (human) members."""
        zones: dict[str, list[str]] = {}
        for uid in self.channel_members(session, team_id, channel_id, store=store)[:limit]:
            info = self.user(session, team_id, uid, store=store)
            if info is None or info.is_bot or not info.tz:
                continue
            zones.setdefault(info.tz, []).append(uid)
        return zones


def static_directory(
    clock: Clock, users: dict[str, dict[str, Any]], members: dict[str, list[str]]
) -> Directory:
    """A directory answered from fixed data (the console)."""
    return Directory(
        clock,
        lambda _team, uid: users.get(uid),
        lambda _team, cid: members.get(cid, list(users)),
    )
