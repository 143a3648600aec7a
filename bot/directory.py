"""Who is who: users' names, time zones and admin flags, and channels' members.

Answers come from the database (SlackUser and ChannelMembers rows, shared by every
process) and a short per-process memory. The directory never calls Slack while a
transaction is open: what it lacks is fetched outside one, by worker threads,

* before the request's transaction, within a short budget: when the Dispatcher may
  still run the work again (`ASKS_SLACK_FIRST`), a lookup of someone unknown raises
  `NeedsSlack`, the Dispatcher rolls back and calls `prefetch`, which waits at most
  PREFETCH_BUDGET_S (and never past the request's deadline minus the time its
  transaction needs). This is for the caller and a few named people (`user`,
  `users`, `user_tz`, `channel_members`);
* or in the background, while the answer uses what is known: a whole channel's
  members (`member_zones`, `users(..., wait=False)`), rows gone stale, and whatever a
  prefetch did not get in time. Until then people are shown as Slack renders them
  for every reader anyway (`<@U…>`), and a zone nobody knows is left out (the
  caller's own reads as UTC, as before).

What Slack answers is kept in memory at once and written to the rows by one writer
thread in short transactions of its own (no Slack call inside them). A lookup that
failed is remembered for NEGATIVE_TTL_S, so the wait is not repeated on each command.
The whole workspace is read in bulk with users.list (`fill`): at start, on install,
and when a channel full of strangers turns up; user_change and team_join events keep
it current (`learn`). The lookups themselves are injected, so services never talk to
Slack and the console answers from its own settings.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import String, func, or_, select, update
from sqlalchemy import cast as cast_sql
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Database
from bot.models import ChannelMembers, JobMark, SlackUser
from bot.platform import ASKS_SLACK_FIRST, NeedsSlack

log = logging.getLogger(__name__)
T = TypeVar("T")

# This process's copy of an answer (rows and Slack's answers) is trusted this long,
# and it keeps at most this many (then what expired is dropped).
MEMORY_TTL_S = 60.0
MEMORY_MAX_ENTRIES = 50_000
# A lookup that failed (or a user Slack does not know) is not asked again this long.
NEGATIVE_TTL_S = 300.0
# How long a request waits for Slack before its transaction, at most...
PREFETCH_BUDGET_S = 1.0
# ...and never past its deadline minus this (the transaction's own time).
TRANSACTION_RESERVE_S = 1.0
# Strangers in one channel above which one users.list beats a users.info each...
BULK_THRESHOLD = 25
# ...and up to which a request waits for them (more: it answers without them).
HANDFUL = 8
# users.info calls one background refresh makes at most (the rest: a later one).
MAX_INFO_PER_REFRESH = 50
# users.list: a page, and Slack's Tier 2 (20 calls a minute) between pages.
FILL_PAGE_SIZE = 1000
FILL_PAGE_INTERVAL_S = 3.0
FILL_MAX_RETRIES = 5
# The start-up fill is skipped when one ran this recently (in any process)...
FILL_EVERY = timedelta(hours=12)
# ...and a channel full of strangers asks for another at most this often.
REFILL_AFTER = timedelta(minutes=5)
FILL_MARK = "directory:users.list"
URGENT_WORKERS = 16  # prefetches: a request waits for them
BACKGROUND_WORKERS = 4  # refreshes and fills: nobody waits
ROWS_PER_STATEMENT = 500

# users.info: (team_id, user_id) -> the user's data, None when Slack does not know them;
# raises when Slack did not answer.
UserFetcher = Callable[[str, str], Mapping[str, Any] | None]
# conversations.members: (team_id, channel_id) -> member ids, None without an answer.
MembersFetcher = Callable[[str, str], list[str] | None]
# users.list, one page: (team_id, cursor) -> (users, each with its "id"; the next cursor).
UsersPager = Callable[[str, str | None], tuple[list[Mapping[str, Any]], str | None]]
# The workspaces to fill at start.
TeamsLister = Callable[[], Iterable[str]]
Key = tuple[str, str]


class RateLimited(Exception):
    """Slack answered 429: wait `retry_after` seconds before the next call."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after:g}s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class UserInfo:
    user_id: str
    name: str
    tz: str | None
    is_admin: bool
    is_bot: bool = False
    work_start: int | None = None
    work_end: int | None = None
    # False: not known yet (Slack was not asked, or did not answer in time).
    known: bool = True

    @property
    def display(self) -> str:
        return self.name or self.user_id


def _unknown(user_id: str, row: SlackUser | None = None) -> UserInfo:
    """Someone not known yet (shown as <@id>), with the hours they set, if any."""
    return UserInfo(
        user_id=user_id,
        name="",
        tz=row.tz if row is not None else None,
        is_admin=False,
        work_start=row.work_start if row is not None else None,
        work_end=row.work_end if row is not None else None,
        known=False,
    )


def _row_values(
    team_id: str, user_id: str, data: Mapping[str, Any], at: datetime
) -> dict[str, Any]:
    """Slack's data for a user -> the SlackUser columns it sets."""
    tz = data.get("tz")
    return {
        "team_id": team_id,
        "user_id": user_id,
        "name": str(data.get("name") or data.get("real_name") or user_id)[:200],
        "real_name": str(data.get("real_name") or "")[:200],
        "tz": str(tz)[:64] if tz else None,
        "is_admin": bool(data.get("is_admin") or data.get("is_owner")),
        "is_bot": bool(data.get("is_bot")),
        "fetched_at": at,
    }


def _info_of(values: Mapping[str, Any]) -> UserInfo:
    return UserInfo(
        user_id=values["user_id"],
        name=values["name"],
        tz=values["tz"],
        is_admin=values["is_admin"],
        is_bot=values["is_bot"],
    )


def _from_row(row: SlackUser) -> UserInfo:
    return UserInfo(
        user_id=row.user_id,
        name=row.name,
        tz=row.tz,
        is_admin=row.is_admin,
        is_bot=row.is_bot,
        work_start=row.work_start,
        work_end=row.work_end,
    )


def _insert(session: Session) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"no upsert for {name}")


def upsert_users(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert or update users' Slack data, keeping their own settings (working hours).

    A row is only overwritten by data fetched no earlier than what it holds, so a
    slow answer never undoes a newer event; a missing zone keeps the known one.
    """
    if not rows:
        return
    table = SlackUser.__table__
    ordered = sorted(rows, key=lambda r: (r["team_id"], r["user_id"]))  # one lock order
    stmt = _insert(session)(table)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.team_id, table.c.user_id],
        set_={
            "name": excluded.name,
            "real_name": excluded.real_name,
            "tz": func.coalesce(excluded.tz, table.c.tz),
            "is_admin": excluded.is_admin,
            "is_bot": excluded.is_bot,
            "fetched_at": excluded.fetched_at,
        },
        where=or_(table.c.fetched_at.is_(None), table.c.fetched_at <= excluded.fetched_at),
    )
    for i in range(0, len(ordered), ROWS_PER_STATEMENT):
        session.execute(stmt, [dict(r) for r in ordered[i : i + ROWS_PER_STATEMENT]])


def _upsert_members(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    table = ChannelMembers.__table__
    stmt = _insert(session)(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.team_id, table.c.channel_id],
        set_={"members": stmt.excluded.members, "fetched_at": stmt.excluded.fetched_at},
        where=table.c.fetched_at <= stmt.excluded.fetched_at,
    )
    for row in sorted(rows, key=lambda r: (r["team_id"], r["channel_id"])):
        session.execute(stmt, dict(row))


class _Workers:
    """A few daemon threads running submitted calls; started as work arrives.

    Daemon threads, unlike a ThreadPoolExecutor's, never hold up the interpreter's
    exit behind a Slack call that hangs.
    """

    def __init__(self, name: str, size: int) -> None:
        self._name = name
        self._size = size
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._closed = False

    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                future.cancel()
                return future
            self._queue.put((future, fn))
            if self._idle > 0:
                self._idle -= 1  # an idle thread takes it
            elif len(self._threads) < self._size:
                thread = threading.Thread(
                    target=self._run, name=f"{self._name}-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        return future

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, fn = item
            if future.set_running_or_notify_cancel():
                try:
                    result = fn()
                except BaseException as exc:
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            with self._lock:
                self._idle += 1

    def close(self) -> None:
        """Cancel what has not started; the threads end after what they are running."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        for _ in threads:
            self._queue.put(None)


@dataclass
class _Task:
    future: Future[Any]
    urgent: bool


class Directory:
    def __init__(
        self,
        clock: Clock,
        fetch_user: UserFetcher,
        fetch_members: MembersFetcher,
        *,
        ttl: timedelta = timedelta(hours=12),
        list_users: UsersPager | None = None,
        teams: TeamsLister | None = None,
    ) -> None:
        self.clock = clock
        self._fetch_user = fetch_user
        self._fetch_members = fetch_members
        self._list_users = list_users
        self._teams = teams
        self.ttl = ttl
        self._db: Database | None = None
        self._lock = threading.Lock()
        # This process's copies: (expires, info, complete). Complete copies come from a
        # row; the others are Slack's answers, merged with the row's hours when read.
        self._memory: dict[Key, tuple[float, UserInfo, bool]] = {}
        # Lookups that failed: (expires, Slack does not know the user).
        self._failed: dict[Key, tuple[float, bool]] = {}
        self._members: dict[Key, tuple[float, list[str]]] = {}
        self._members_failed: dict[Key, float] = {}
        # Fetches under way, by (what, team, id), so that each is made once.
        self._tasks: dict[tuple[str, str, str], _Task] = {}
        self._urgent = _Workers("directory", URGENT_WORKERS)
        self._background = _Workers("directory-bg", BACKGROUND_WORKERS)
        self._writer = _Workers("directory-writer", 1)
        self._pending_users: dict[Key, dict[str, Any]] = {}
        self._pending_members: dict[Key, dict[str, Any]] = {}
        self._flush: Future[Any] | None = None
        self._flush_queued = False
        # Held while the directory writes: close() waits for a write under way.
        self._write_lock = threading.Lock()
        self._closed = threading.Event()

    # -- wiring ------------------------------------------------------------------------

    def attach(self, db: Database) -> None:
        """Where fetched answers are stored (without one they stay in this process)."""
        self._db = db

    def close(self) -> None:
        """Stop fetching and writing (the bot stops); what is queued is dropped."""
        with self._write_lock:
            self._closed.set()
        for workers in (self._urgent, self._background, self._writer):
            workers.close()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no fetch, fill or write is under way or queued (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                busy = [t.future for t in self._tasks.values() if not t.future.done()]
                if self._flush is not None and not self._flush.done():
                    busy.append(self._flush)
                queued = bool(self._pending_users or self._pending_members)
            left = deadline - time.monotonic()
            if not busy and not queued:
                return True
            if left <= 0:
                return False
            if busy:
                wait_futures(busy, timeout=min(left, 0.5))
            else:
                time.sleep(0.01)

    # -- users -------------------------------------------------------------------------

    def user(
        self,
        session: Session,
        team_id: str,
        user_id: str,
        *,
        refresh: bool = False,
        store: bool = True,
    ) -> UserInfo | None:
        """A user's details; None when Slack does not know them.

        Someone not known yet: NeedsSlack when the Dispatcher may ask Slack first,
        else an answer with `known=False` (and Slack is asked in the background).
        `store` is kept for callers: the directory never writes in their transaction.
        """
        return self.users(session, team_id, [user_id], refresh=refresh)[user_id]

    def users(
        self,
        session: Session,
        team_id: str,
        user_ids: Iterable[str],
        *,
        wait: bool = True,
        refresh: bool = False,
    ) -> dict[str, UserInfo | None]:
        """Several users at once (one NeedsSlack names everyone missing).

        wait=False (a whole channel's members): never asks for a prefetch; who is
        not known yet is fetched in the background.
        """
        out, missing = self._lookup(session, team_id, user_ids, refresh=refresh)
        if missing:
            if wait and session.info.get(ASKS_SLACK_FIRST):
                raise NeedsSlack(users=missing)
            self._learn_later(team_id, missing)
        return out

    def ask_first(
        self,
        session: Session,
        team_id: str,
        *,
        users: Iterable[str] = (),
        channels: Iterable[str] = (),
    ) -> None:
        """Have Slack asked at once, before the transaction, about everyone and every
        channel's members the work will look up (one NeedsSlack naming them all);
        outside the Dispatcher's retry it does nothing."""
        if not session.info.get(ASKS_SLACK_FIRST):
            return
        _, missing = self._lookup(session, team_id, users, refresh=False)
        lists = [c for c in dict.fromkeys(channels) if self._members_known(session, team_id, c)[1]]
        if missing or lists:
            raise NeedsSlack(users=missing, member_lists=lists)

    def _lookup(
        self, session: Session, team_id: str, user_ids: Iterable[str], *, refresh: bool
    ) -> tuple[dict[str, UserInfo | None], list[str]]:
        """What is known of these users, and who was never asked; stale rows are
        refreshed in the background."""
        ids = list(dict.fromkeys(u for u in user_ids if u))
        out: dict[str, UserInfo | None] = {}
        fetched: dict[str, UserInfo] = {}
        now_m = time.monotonic()
        with self._lock:
            for uid in ids:
                hit = self._memory.get((team_id, uid))
                if hit is None or hit[0] <= now_m:
                    continue
                if not hit[2]:
                    fetched[uid] = hit[1]
                elif not refresh:
                    out[uid] = hit[1]
        rest = [u for u in ids if u not in out]
        rows = self._rows(session, team_id, rest) if rest else {}
        now = self.clock.now()
        missing: list[str] = []
        stale: list[str] = []
        for uid in rest:
            row = rows.get(uid)
            answer = fetched.get(uid)
            if answer is not None:
                if row is not None:
                    answer = replace(
                        answer,
                        tz=answer.tz or row.tz,
                        work_start=row.work_start,
                        work_end=row.work_end,
                    )
                    self._remember(team_id, answer, complete=True)
                out[uid] = answer
            elif row is not None and row.fetched_at is not None:
                info = _from_row(row)
                if not refresh and now - row.fetched_at < self.ttl:
                    self._remember(team_id, info, complete=True)
                else:
                    stale.append(uid)
                out[uid] = info
            else:
                # No row, or one holding only the hours the user set: not known yet.
                out[uid] = self._not_known(team_id, uid, row, missing)
        if stale:
            self._learn_later(team_id, stale)
        return out, missing

    def user_tz(self, session: Session, team_id: str, user_id: str, *, store: bool = True) -> str:
        info = self.user(session, team_id, user_id)
        return info.tz if info and info.tz else "UTC"

    def forget(self, team_id: str, user_id: str) -> None:
        """Drop this process's copy of the user's row after it changed (e.g. working hours).

        Slack's answers not yet stored are kept: they are merged with the row when read.
        """
        with self._lock:
            hit = self._memory.get((team_id, user_id))
            if hit is not None and hit[2]:
                del self._memory[(team_id, user_id)]

    def member_joined(self, session: Session, team_id: str, channel_id: str, user_id: str) -> None:
        """Someone joined a channel whose members are known: add them, without asking Slack."""
        key = (team_id, channel_id)
        row = session.get(ChannelMembers, key)
        if row is not None and user_id not in row.members:
            row.members = [*row.members, user_id]
        with self._lock:
            hit = self._members.get(key)
            if hit is not None and user_id not in hit[1]:
                self._members[key] = (hit[0], [*hit[1], user_id])

    def set_work_hours(
        self, session: Session, team_id: str, user_id: str, *, start: int, end: int
    ) -> None:
        """Store a user's working hours (minutes after local midnight) on their row."""
        row = session.get(SlackUser, (team_id, user_id))
        if row is None:
            # Another process (or this directory's writer) may insert it meanwhile.
            stmt = _insert(session)(SlackUser.__table__).on_conflict_do_nothing()
            session.execute(stmt, {"team_id": team_id, "user_id": user_id, "name": user_id})
            row = session.get(SlackUser, (team_id, user_id))
            assert row is not None
        row.work_start, row.work_end = start, end
        session.flush()
        # This process's copy still has the old hours; other processes' expire within a minute.
        self.forget(team_id, user_id)

    def learn(
        self, session: Session, team_id: str, user_id: str, profile: Mapping[str, Any]
    ) -> None:
        """Slack told us about a user (user_change, team_join): store it in this transaction."""
        upsert_users(session, [_row_values(team_id, user_id, profile, self.clock.now())])
        with self._lock:
            self._memory.pop((team_id, user_id), None)
            self._failed.pop((team_id, user_id), None)

    # -- channels ----------------------------------------------------------------------

    def channel_members(
        self,
        session: Session,
        team_id: str,
        channel_id: str,
        *,
        store: bool = True,
        wait: bool = True,
    ) -> list[str]:
        """The channel's member ids (cached; [] while not known).

        Not known yet: NeedsSlack when the Dispatcher may ask Slack first (one call per
        1,000 members), else fetched in the background. wait=False never asks first.
        """
        return self._channel_members(session, team_id, channel_id, wait=wait, learn_users=False)

    def member_zones(
        self,
        session: Session,
        team_id: str,
        channel_id: str,
        limit: int = 200,
        *,
        store: bool = True,
    ) -> dict[str, list[str]]:
        """IANA zone -> user ids, over the channel's (human) members known so far.

        The member list (one call per 1,000 members) and a handful of members not known
        yet are asked before the transaction, within the budget; more strangers than
        that are not waited for: they are learned in the background (users.list when
        there are many) for the next answer, and left out of this one.
        """
        members = self._channel_members(session, team_id, channel_id, wait=True, learn_users=True)
        ids = members[:limit]
        infos, missing = self._lookup(session, team_id, ids, refresh=False)
        if missing:
            if len(missing) <= HANDFUL and session.info.get(ASKS_SLACK_FIRST):
                raise NeedsSlack(users=missing)
            self._learn_later(team_id, missing)
        zones: dict[str, list[str]] = {}
        for uid in ids:
            info = infos.get(uid)
            if info is None or info.is_bot or not info.tz:
                continue
            zones.setdefault(info.tz, []).append(uid)
        return zones

    def zoneless_members(
        self, session: Session, team_id: str, channel_id: str, limit: int = 200
    ) -> list[str]:
        """The channel's known (human) members whose zone Slack does not give us:
        other organisations' people in a Slack Connect channel, mostly. Answers from
        what is known (call it after member_zones); never asks Slack first."""
        members, _ = self._members_known(session, team_id, channel_id)
        infos, _ = self._lookup(session, team_id, members[:limit], refresh=False)
        return [
            uid
            for uid in members[:limit]
            if (info := infos.get(uid)) is not None
            and info.known
            and not info.is_bot
            and not info.tz
        ]

    def _channel_members(
        self, session: Session, team_id: str, channel_id: str, *, wait: bool, learn_users: bool
    ) -> list[str]:
        members, ask = self._members_known(session, team_id, channel_id, learn_users=learn_users)
        if ask:
            if wait and session.info.get(ASKS_SLACK_FIRST):
                raise NeedsSlack(member_lists=[channel_id])
            self._members_later(team_id, channel_id, learn_users=learn_users)
        return members

    def _members_known(
        self, session: Session, team_id: str, channel_id: str, *, learn_users: bool = False
    ) -> tuple[list[str], bool]:
        """The members known so far, and whether Slack was never asked for them."""
        key = (team_id, channel_id)
        now_m = time.monotonic()
        with self._lock:
            hit = self._members.get(key)
        if hit is not None and hit[0] > now_m:
            return list(hit[1]), False
        row = session.get(ChannelMembers, key)
        if row is not None:
            members = list(row.members)
            if self.clock.now() - row.fetched_at >= self.ttl:
                self._members_later(team_id, channel_id, learn_users=learn_users)
            else:
                with self._lock:
                    self._keep(self._members, key, (members,))
            return members, False
        with self._lock:
            failed = self._members_failed.get(key, 0.0) > now_m
            task = self._tasks.get(("members", team_id, channel_id))
        return [], not (failed or (task is not None and not task.future.done()))

    # -- asking Slack, outside any transaction ------------------------------------------

    def prefetch(
        self,
        team_id: str,
        user_ids: Iterable[str],
        *,
        deadline: float | None,
        channels: Iterable[str] = (),
    ) -> None:
        """Ask Slack about these users and channels' members, waiting a short budget.

        Called with no transaction open. What is not answered within the budget goes
        on in the background: the work runs with what is known meanwhile.
        """
        now_m = time.monotonic()
        until = now_m + PREFETCH_BUDGET_S
        if deadline is not None:
            until = min(until, deadline - TRANSACTION_RESERVE_S)
        futures = [
            self._user_later(team_id, uid, urgent=True)
            for uid in dict.fromkeys(user_ids)
            if not self._answered(team_id, uid, now_m)
        ]
        lists = {
            channel_id: self._members_later(team_id, channel_id, learn_users=False, urgent=True)
            for channel_id in dict.fromkeys(channels)
        }
        if lists:
            # The members come next (a handful now, more in the background): a request
            # that needs a channel's members mostly needs who they are too.
            wait_futures(list(lists.values()), timeout=max(0.0, until - time.monotonic()))
            for channel_id, listed in lists.items():
                with self._lock:
                    hit = self._members.get((team_id, channel_id))
                if not listed.done() or hit is None:
                    continue
                strangers = self._not_stored(team_id, hit[1])
                if len(strangers) > HANDFUL:
                    self._learn_later(team_id, strangers)
                    continue
                futures.extend(self._user_later(team_id, uid, urgent=True) for uid in strangers)
        left = until - time.monotonic()
        if futures and left > 0:
            wait_futures(futures, timeout=left)

    def start_fill(self, teams: Iterable[str] | None = None, *, force: bool = False) -> None:
        """Read every user of these workspaces (default: all installed) in the background.

        Skipped for a workspace filled less than FILL_EVERY ago (by any process)
        unless `force` (a new installation).
        """
        if self._list_users is None or self._db is None:
            return
        min_age = timedelta(0) if force else FILL_EVERY
        if teams is not None:
            for team_id in dict.fromkeys(t for t in teams if t):
                self._fill_later(team_id, min_age=min_age)
            return

        def run() -> None:
            try:
                found = list(self._teams()) if self._teams is not None else []
            except Exception as exc:
                log.warning("directory: could not tell which workspaces to read: %s", exc)
                return
            for team_id in dict.fromkeys(t for t in found if t):
                self._fill_later(team_id, min_age=min_age)

        self._submit(("workspaces", "", ""), run, urgent=False)

    def fill(self, team_id: str, *, min_age: timedelta = FILL_EVERY) -> int:
        """Read the workspace's users with users.list (page by page, each stored in a
        short transaction of its own); returns how many were stored, 0 when skipped."""
        if self._list_users is None or self._db is None:
            return 0
        if not self._claim_fill(team_id, min_age):
            return 0
        stored = 0
        cursor: str | None = None
        last_call: float | None = None
        retries = 0
        while not self._closed.is_set():
            if last_call is not None:
                pause = last_call + FILL_PAGE_INTERVAL_S - time.monotonic()
                if pause > 0 and self._closed.wait(pause):
                    break
            last_call = time.monotonic()
            try:
                page, next_cursor = self._list_users(team_id, cursor)
            except RateLimited as exc:
                retries += 1
                if retries > FILL_MAX_RETRIES or self._closed.wait(exc.retry_after):
                    log.warning("directory: users.list for %s still rate limited", team_id)
                    self._release_fill(team_id)
                    break
                continue
            except Exception as exc:
                log.warning(
                    "directory: users.list for %s failed after %d users: %s", team_id, stored, exc
                )
                self._release_fill(team_id)
                break
            retries = 0
            at = self.clock.now()
            values = [_row_values(team_id, str(u["id"]), u, at) for u in page if u.get("id")]
            if not self._store_users(values):
                break
            with self._lock:
                for v in values:
                    key = (team_id, v["user_id"])
                    self._memory.pop(key, None)
                    self._failed.pop(key, None)
            stored += len(values)
            if not next_cursor:
                log.info("directory: %d users of %s read with users.list", stored, team_id)
                break
            cursor = next_cursor
        return stored

    # -- background work -------------------------------------------------------------

    def _answered(self, team_id: str, user_id: str, now_m: float) -> bool:
        """Whether this process has Slack's answer about the user (or its failure)."""
        with self._lock:
            hit = self._memory.get((team_id, user_id))
            failed = self._failed.get((team_id, user_id))
        return (hit is not None and hit[0] > now_m) or (failed is not None and failed[0] > now_m)

    def _not_known(
        self, team_id: str, user_id: str, row: SlackUser | None, missing: list[str]
    ) -> UserInfo | None:
        key = (team_id, user_id)
        now_m = time.monotonic()
        with self._lock:
            failed = self._failed.get(key)
            task = self._tasks.get(("user", team_id, user_id))
        if failed is not None and failed[0] > now_m:
            return None if failed[1] and row is None else _unknown(user_id, row)
        if task is None or task.future.done():
            missing.append(user_id)
        return _unknown(user_id, row)

    def _remember(self, team_id: str, info: UserInfo, *, complete: bool) -> None:
        with self._lock:
            self._keep(self._memory, (team_id, info.user_id), (info, complete))

    def _keep(
        self, memory: dict[Key, Any], key: Key, value: tuple[Any, ...], ttl: float = MEMORY_TTL_S
    ) -> None:
        """memory[key] = (expires, *value), dropping what expired when memory grows large.

        Called with the lock held."""
        now_m = time.monotonic()
        if len(memory) >= MEMORY_MAX_ENTRIES:
            for old in [k for k, v in memory.items() if v[0] <= now_m]:
                del memory[old]
            if len(memory) >= MEMORY_MAX_ENTRIES:
                memory.clear()  # all still fresh: start again rather than grow
        memory[key] = (now_m + ttl, *value)

    def _rows(self, session: Session, team_id: str, user_ids: list[str]) -> dict[str, SlackUser]:
        if len(user_ids) == 1:
            row = session.get(SlackUser, (team_id, user_ids[0]))
            return {} if row is None else {row.user_id: row}
        found: dict[str, SlackUser] = {}
        for i in range(0, len(user_ids), ROWS_PER_STATEMENT):
            chunk = user_ids[i : i + ROWS_PER_STATEMENT]
            query = select(SlackUser).where(
                SlackUser.team_id == team_id, SlackUser.user_id.in_(chunk)
            )
            for row in session.scalars(query):
                found[row.user_id] = row
        return found

    def _submit(
        self, what: tuple[str, str, str], fn: Callable[[], None], *, urgent: bool
    ) -> Future[Any]:
        """Run fn in a worker unless the same fetch is under way (then: that one)."""
        future_box: list[Future[Any]] = []

        def run() -> None:
            try:
                fn()
            finally:
                # Set before this can run: the submitter holds the lock until then.
                with self._lock:
                    task = self._tasks.get(what)
                    if task is not None and task.future is future_box[0]:
                        del self._tasks[what]

        with self._lock:
            task = self._tasks.get(what)
            # Urgent work still queued behind background work is taken out of the queue.
            if (
                task is not None
                and not task.future.done()
                and not (urgent and not task.urgent and task.future.cancel())
            ):
                return task.future
            workers = self._urgent if urgent else self._background
            future = workers.submit(run)
            future_box.append(future)
            self._tasks[what] = _Task(future, urgent)
        return future

    def _user_later(self, team_id: str, user_id: str, *, urgent: bool = False) -> Future[Any]:
        return self._submit(
            ("user", team_id, user_id),
            lambda: self._fetch_user_now(team_id, user_id),
            urgent=urgent,
        )

    def _members_later(
        self, team_id: str, channel_id: str, *, learn_users: bool, urgent: bool = False
    ) -> Future[Any]:
        return self._submit(
            ("members", team_id, channel_id),
            lambda: self._fetch_members_now(team_id, channel_id, learn_users),
            urgent=urgent,
        )

    def _fill_later(
        self, team_id: str, *, min_age: timedelta, then: Sequence[str] = ()
    ) -> Future[Any]:
        def run() -> None:
            self.fill(team_id, min_age=min_age)
            # Whoever the workspace's list did not have (other organisations' people
            # in shared channels), or all of them when no fill was due: one by one.
            for uid in self._not_stored(team_id, then)[:MAX_INFO_PER_REFRESH]:
                self._user_later(team_id, uid)

        return self._submit(("fill", team_id, ""), run, urgent=False)

    def _learn_later(self, team_id: str, user_ids: Sequence[str]) -> None:
        """Fetch these users in the background: many at once with users.list."""
        now_m = time.monotonic()
        with self._lock:
            todo = [
                uid
                for uid in user_ids
                if not self._failed.get((team_id, uid), (0.0, False))[0] > now_m
                and ("user", team_id, uid) not in self._tasks
            ]
        if not todo:
            return
        if len(todo) > BULK_THRESHOLD and self._list_users is not None and self._db is not None:
            self._fill_later(team_id, min_age=REFILL_AFTER, then=todo)
            return
        for uid in todo[:MAX_INFO_PER_REFRESH]:
            self._user_later(team_id, uid)

    def _fetch_user_now(self, team_id: str, user_id: str) -> None:
        key = (team_id, user_id)
        try:
            data = self._fetch_user(team_id, user_id)
        except Exception as exc:
            log.warning(
                "users.info %s failed (not asked again for %d s): %s",
                user_id,
                NEGATIVE_TTL_S,
                exc,
            )
            with self._lock:
                self._keep(self._failed, key, (False,), NEGATIVE_TTL_S)
            return
        if data is None and self._listed_in_a_channel(team_id, user_id):
            # Slack Connect: another organisation's member whom users.info does not
            # show us, yet a channel lists. Known, with what we have: no name (shown as
            # <@id>) and no zone.
            log.info("users.info %s: refused for a channel member (Slack Connect?)", user_id)
            data = {"id": user_id, "name": user_id, "is_stranger": True}
        if data is None:
            with self._lock:
                self._keep(self._failed, key, (True,), NEGATIVE_TTL_S)
            return
        values = _row_values(team_id, user_id, data, self.clock.now())
        with self._lock:
            self._keep(self._memory, key, (_info_of(values), False))
            self._failed.pop(key, None)
        self._write_later(users=[values])

    def _fetch_members_now(self, team_id: str, channel_id: str, learn_users: bool) -> None:
        key = (team_id, channel_id)
        try:
            members = self._fetch_members(team_id, channel_id)
        except Exception as exc:
            log.warning("conversations.members %s failed: %s", channel_id, exc)
            members = None
        if members is None:
            with self._lock:
                self._members_failed[key] = time.monotonic() + NEGATIVE_TTL_S
            return
        members = [str(m) for m in members]
        with self._lock:
            self._keep(self._members, key, (members,))
            self._members_failed.pop(key, None)
            # Those users.info refused are members after all (Slack Connect): ask again,
            # now that a channel lists them.
            for uid in members:
                failed = self._failed.get((team_id, uid))
                if failed is not None and failed[1]:
                    del self._failed[(team_id, uid)]
        at = self.clock.now()
        self._write_later(
            members=[
                {"team_id": team_id, "channel_id": channel_id, "members": members, "fetched_at": at}
            ]
        )
        if learn_users:
            self._learn_later(team_id, self._not_stored(team_id, members))

    def _listed_in_a_channel(self, team_id: str, user_id: str) -> bool:
        """Whether a channel's member list (this process's or a row) names the user."""
        with self._lock:
            if any(key[0] == team_id and user_id in hit[1] for key, hit in self._members.items()):
                return True
            if any(
                key[0] == team_id and user_id in v["members"]
                for key, v in self._pending_members.items()
            ):
                return True
        db = self._db
        if db is None or self._closed.is_set():
            return False
        try:
            with db.read() as session:
                found = session.scalar(
                    select(ChannelMembers.channel_id)
                    .where(
                        ChannelMembers.team_id == team_id,
                        cast_sql(ChannelMembers.members, String).like(f'%"{user_id}"%'),
                    )
                    .limit(1)
                )
        except Exception as exc:
            log.warning("directory: could not read the channels' members: %s", exc)
            return False
        return found is not None

    def _not_stored(self, team_id: str, user_ids: Sequence[str]) -> list[str]:
        """Those of user_ids this process has no answer for (nor a recent failure) and
        that have no row."""
        if not user_ids:
            return []
        now_m = time.monotonic()
        left = [
            uid
            for uid in dict.fromkeys(user_ids)
            if not self._answered(team_id, uid, now_m) and (team_id, uid) not in self._pending_users
        ]
        db = self._db
        if not left or db is None or self._closed.is_set():
            return left
        stored: set[str] = set()
        try:
            with db.read() as session:
                for i in range(0, len(left), ROWS_PER_STATEMENT):
                    chunk = left[i : i + ROWS_PER_STATEMENT]
                    stored.update(
                        session.scalars(
                            select(SlackUser.user_id).where(
                                SlackUser.team_id == team_id,
                                SlackUser.user_id.in_(chunk),
                                SlackUser.fetched_at.is_not(None),
                            )
                        )
                    )
        except Exception as exc:
            log.warning("directory: could not read the users it has: %s", exc)
            return []
        return [uid for uid in left if uid not in stored]

    # -- writing what Slack answered, in short transactions of its own -------------------

    def _write_later(
        self,
        *,
        users: Sequence[dict[str, Any]] = (),
        members: Sequence[dict[str, Any]] = (),
    ) -> None:
        if self._db is None:
            return
        with self._lock:
            for values in users:
                self._pending_users[(values["team_id"], values["user_id"])] = values
            for values in members:
                self._pending_members[(values["team_id"], values["channel_id"])] = values
            if self._flush_queued:
                return
            self._flush_queued = True
            self._flush = self._writer.submit(self._write_pending)

    def _write_pending(self) -> None:
        with self._lock:
            self._flush_queued = False
            users = list(self._pending_users.values())
            members = list(self._pending_members.values())
            self._pending_users.clear()
            self._pending_members.clear()

        def store(session: Session) -> None:
            upsert_users(session, users)
            _upsert_members(session, members)

        if users or members:
            self._in_own_transaction(store)

    def _store_users(self, values: list[dict[str, Any]]) -> bool:
        def store(session: Session) -> bool:
            upsert_users(session, values)
            return True

        return bool(self._in_own_transaction(store))

    def _in_own_transaction(self, work: Callable[[Session], T]) -> T | None:
        """Run work in a write transaction of its own; None when it could not."""
        db = self._db
        if db is None:
            return None
        with self._write_lock:
            if self._closed.is_set():
                return None
            try:
                with db.write() as session:
                    return work(session)
            except Exception as exc:
                log.warning("directory: could not store what Slack answered: %s", exc)
                return None

    def _claim_fill(self, team_id: str, min_age: timedelta) -> bool:
        """Whether this process reads the workspace now (no other did within min_age)."""
        now = self.clock.now()

        def claim(session: Session) -> bool:
            mark = session.get(JobMark, (team_id, FILL_MARK))
            if mark is None:
                stmt = _insert(session)(JobMark.__table__).on_conflict_do_nothing()
                done = session.execute(
                    stmt, {"team_id": team_id, "key": FILL_MARK, "created_at": now}
                )
                return bool(cast(CursorResult[Any], done).rowcount)
            if now - mark.created_at < min_age:
                return False
            moved = session.execute(
                update(JobMark)
                .where(
                    JobMark.team_id == team_id,
                    JobMark.key == FILL_MARK,
                    JobMark.created_at == mark.created_at,
                )
                .values(created_at=now)
                .execution_options(synchronize_session=False)
            )
            return bool(cast(CursorResult[Any], moved).rowcount)

        return bool(self._in_own_transaction(claim))

    def _release_fill(self, team_id: str) -> None:
        """A fill that failed: the next start (or channel of strangers) tries again."""

        def release(session: Session) -> None:
            mark = session.get(JobMark, (team_id, FILL_MARK))
            if mark is not None:
                session.delete(mark)

        self._in_own_transaction(release)


def static_directory(
    clock: Clock, users: dict[str, dict[str, Any]], members: dict[str, list[str]]
) -> Directory:
    """A directory answered from fixed data (the console)."""
    return Directory(
        clock,
        lambda _team, uid: users.get(uid),
        lambda _team, cid: members.get(cid, list(users)),
    )
