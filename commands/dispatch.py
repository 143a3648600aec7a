"""Run a handler inside one transaction and turn every failure into a helpful answer.

Used by the Slack adapter and the console alike. The transaction commits before
the answer is returned, so anything the user is told was saved has been saved;
on any error it rolls back, so nothing is half-written.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from bot import metrics, outbox
from bot.commands import home
from bot.commands.base import (
    ActionInfo,
    Ctx,
    MessageEvent,
    Reply,
    Router,
    ShortcutMessage,
    ViewResult,
)
from bot.commands.registry import Registry
from bot.db import DeadlineExceeded
from bot.directory import TRANSACTION_RESERVE_S
from bot.errors import Conflict, NotFound, PermissionDenied, UsageError, WgbotError
from bot.models import ProcessedEvent
from bot.platform import ASKS_SLACK_FIRST, Membership, NeedsSlack, Prefetched
from bot.runtime import Runtime
from bot.services.common import ensure_workspace_known, insert_ignore
from bot.services.lifecycle import mark_uninstalled
from bot.slackfmt import escape, neutralize

log = logging.getLogger(__name__)
T = TypeVar("T")
# A request asks Slack at most this often before its transaction. A round names what
# the work found missing before it stopped, so a chain of needs takes a round each:
# `/meeting schedule … in #channel` needs the caller's zone (to read the time), then
# the bot's membership of the channel it names, then that channel's members.
MAX_PREFETCH_ROUNDS = 3


@dataclass(frozen=True)
class Identity:
    team_id: str
    user_id: str
    channel_id: str = ""
    channel_name: str = ""
    trigger_id: str | None = None
    console: bool = False
    # time.monotonic() by which the answer must be ready (Slack waits 3 s for an ack):
    # a write that cannot commit before it rolls back instead.
    deadline: float | None = None


def outcome_of(exc: Exception | None) -> str:
    """The outcome label of a handled request (metrics): ok, usage_error, denied or error."""
    if exc is None:
        return "ok"
    if isinstance(exc, PermissionDenied):
        return "denied"
    if isinstance(exc, UsageError | NotFound | Conflict | WgbotError):
        return "usage_error"
    return "error"


def error_reply(exc: Exception) -> Reply:
    """The ephemeral answer for a failure: what was wrong and how to do it right."""
    if isinstance(exc, UsageError):
        text = f":warning: {neutralize(exc.message)}"
        if exc.usage:
            text += "\n*Usage:*\n" + "\n".join(
                f"`{escape(line)}`" for line in exc.usage.splitlines() if line.strip()
            )
        return Reply(text=text)
    # Error messages often quote what the user typed: defuse control sequences.
    if isinstance(exc, PermissionDenied):
        return Reply(text=f":no_entry: {neutralize(str(exc))}")
    if isinstance(exc, NotFound):
        return Reply(text=f":mag: {neutralize(str(exc))}")
    if isinstance(exc, Conflict | WgbotError):
        return Reply(text=f":warning: {neutralize(str(exc))}")
    if isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        # The database is away for a moment (restarting, failing over): not a bug.
        log.warning("database unavailable, rolled back: %s", exc.orig)
        return Reply(
            text=":hourglass: The bot's database is unavailable for a moment, so nothing was "
            "saved. Please run the command again shortly."
        )
    if isinstance(exc, DeadlineExceeded):
        log.warning("answer not ready in time, rolled back: %s", exc)
        return Reply(
            text=":hourglass: The bot's database was too busy to answer in time, so nothing "
            "was saved. Please run the command again in a moment."
        )
    ref = uuid.uuid4().hex[:8]
    log.exception("unexpected error (reference %s)", ref)
    return Reply(
        text=f":boom: Something went wrong on our side and nothing was saved. "
        f"Please try again; if it keeps happening, tell your admin the reference `{ref}`."
    )


def in_transaction(
    rt: Runtime,
    who: Identity,
    fn: Callable[[Ctx], T],
    *,
    writes: bool = True,
    families: Mapping[str, Router] | None = None,
) -> T:
    """Run fn with a fresh Ctx in one transaction; commit, then wake the outbox.

    When fn needs Slack's answers first (NeedsSlack), the transaction is rolled back,
    Slack is asked outside it (within the request's deadline) and fn runs again.
    """
    prefetched = Prefetched()
    started = time.monotonic()
    asked = 0.0  # seconds spent asking Slack between attempts
    try:
        for _ in range(MAX_PREFETCH_ROUNDS):
            try:
                return _in_one_transaction(
                    rt, who, fn, writes, families, prefetched, asks_first=True
                )
            except NeedsSlack as need:
                if not _time_to_ask(who):
                    # What is left belongs to the transaction itself.
                    break
                began = time.monotonic()
                _prefetch(rt, who, need, prefetched)
                asked += time.monotonic() - began
        # The last attempt: the directory answers with what it knows (unknown people as
        # Slack renders them) instead of asking again.
        return _in_one_transaction(rt, who, fn, writes, families, prefetched, asks_first=False)
    except DeadlineExceeded as exc:
        # Say where the time went: the next one to read this log needs to know.
        spent = time.monotonic() - started
        raise DeadlineExceeded(f"{exc} ({spent:.2f} s in all, {asked:.2f} s asking Slack)") from exc


def _time_to_ask(who: Identity) -> bool:
    """Whether a round of questions to Slack still leaves the transaction its time."""
    if who.deadline is None:
        return True
    return who.deadline - time.monotonic() > TRANSACTION_RESERVE_S


def _prefetch(rt: Runtime, who: Identity, need: NeedsSlack, prefetched: Prefetched) -> None:
    """Ask Slack what the work needs, with no transaction open."""
    for channel_id in need.members_of:
        if channel_id in prefetched.memberships:
            continue
        try:
            found = rt.platform.ensure_member(who.team_id, channel_id, deadline=_ask_until(who))
        except Exception:
            log.warning("could not make sure of %s", channel_id, exc_info=True)
            found = Membership(channel_id=channel_id, is_member=False, problem="unavailable")
        prefetched.memberships[channel_id] = found
    if need.users or need.member_lists:
        # Within a short budget; what Slack has not answered by then is fetched on in
        # the background and the work runs with what is known.
        rt.directory.prefetch(
            who.team_id, need.users, deadline=who.deadline, channels=need.member_lists
        )


def _ask_until(who: Identity) -> float | None:
    """When questions to Slack must have been answered: the transaction keeps its reserve."""
    return None if who.deadline is None else who.deadline - TRANSACTION_RESERVE_S


def _in_one_transaction(
    rt: Runtime,
    who: Identity,
    fn: Callable[[Ctx], T],
    writes: bool,
    families: Mapping[str, Router] | None,
    prefetched: Prefetched,
    *,
    asks_first: bool,
) -> T:
    scope = rt.db.write(who.deadline) if writes else rt.db.read()
    with scope as session:
        if asks_first:
            session.info[ASKS_SLACK_FIRST] = True
        now = rt.clock.now()
        if writes:
            ensure_workspace_known(session, team_id=who.team_id, now=now)
        ctx = Ctx(
            rt=rt,
            session=session,
            team_id=who.team_id,
            user_id=who.user_id,
            channel_id=who.channel_id,
            channel_name=who.channel_name,
            trigger_id=who.trigger_id,
            now=now,
            console=who.console,
            families=families or {},
            prefetched=prefetched,
        )
        result = fn(ctx)
        queued = session.info.pop(outbox.QUEUED, False)
    if queued:
        rt.notify_outbox()
    return result


def in_a_channel(channel_id: str | None) -> str | None:
    """The channel (C…/G…) to answer in, or None for a DM (D…), which may be one among
    people that the bot is not part of (Slack refuses a post there): the answer then
    goes to the user by id, into the bot's own DM with them."""
    return channel_id if channel_id and channel_id[:1] in ("C", "G") else None


def send_private(ctx: Ctx, reply: Reply, channel_id: str | None) -> None:
    """Queue an answer only the user sees: ephemeral in the channel, else a DM.

    `channel_id` must be a conversation the bot is in (a DM among people is not:
    callers that may get one pass None, see `in_a_channel`).
    """
    payload: dict[str, object] = {"text": reply.text}
    if reply.blocks:
        payload["blocks"] = reply.blocks
    if channel_id and channel_id[:1] in ("C", "G", "D"):
        payload.update(channel=channel_id, user=ctx.user_id)
        outbox.enqueue(
            ctx.session,
            team_id=ctx.team_id,
            method="chat.postEphemeral",
            lane=channel_id,
            payload=payload,
            now=ctx.now,
        )
    else:
        outbox.post_message(
            ctx.session,
            team_id=ctx.team_id,
            channel=ctx.user_id,
            text=reply.text,
            blocks=reply.blocks,
            now=ctx.now,
        )


def publish_home(ctx: Ctx, sections: Sequence[Callable[[Ctx], list[dict[str, Any]]]]) -> None:
    """The reader opened the App Home tab: remember it, then publish it (bot.commands.home)."""
    home.opened(ctx, sections)


def _answer_privately(rt: Runtime, who: Identity, reply: Reply, channel_id: str | None) -> None:
    # The error answer is queued whatever time is left: it goes out through the outbox.
    who = replace(who, deadline=None)
    try:
        in_transaction(rt, who, lambda ctx: send_private(ctx, reply, channel_id))
    except Exception:
        log.exception("could not queue an error answer")


class Dispatcher:
    """Runs the installed handlers: every request, click, form and message goes through here."""

    def __init__(self, rt: Runtime, registry: Registry) -> None:
        self.rt = rt
        self.registry = registry

    def in_transaction(self, who: Identity, fn: Callable[[Ctx], T], *, writes: bool = True) -> T:
        if writes:
            # What the work changes, the App Home tabs showing it are republished for.
            fn = home.watching(fn, self.registry.home_sections)
        return in_transaction(self.rt, who, fn, writes=writes, families=self.registry.families)

    def answer_privately(self, who: Identity, reply: Reply, channel_id: str | None) -> None:
        """Queue an answer only `who` sees (ephemeral in the channel, else a DM)."""
        self.in_transaction(who, lambda ctx: send_private(ctx, reply, channel_id))

    def uninstalled(self, team_id: str) -> int:
        """The app left the workspace: remember it; the outbox posts nothing more there."""
        who = Identity(team_id=team_id, user_id="")
        return self.in_transaction(
            who, lambda ctx: mark_uninstalled(ctx.session, team_id=team_id, now=ctx.now)
        )

    def user_changed(self, team_id: str, user_id: str, profile: Mapping[str, Any]) -> None:
        """Slack told us about a user (user_change, team_join): keep the directory current."""
        who = Identity(team_id=team_id, user_id=user_id)
        self.in_transaction(
            who, lambda ctx: ctx.rt.directory.learn(ctx.session, team_id, user_id, profile)
        )

    def direct_message(self, team_id: str, user_id: str) -> None:
        """Someone wrote to the bot in its Messages tab: a short help, in that DM."""
        who = Identity(team_id=team_id, user_id=user_id)
        reply = Reply(
            text="Hi! I work through slash commands in your channels: "
            "`/wg help` lists them all, `/meeting next` shows the next meeting in your "
            "time zone, `/action list mine` your action items, `/issue` files a support issue."
        )
        self.in_transaction(who, lambda ctx: send_private(ctx, reply, None))

    def publish_home(self, who: Identity) -> None:
        """Build and queue the App Home tab from every feature's section."""
        self.in_transaction(who, lambda ctx: publish_home(ctx, self.registry.home_sections))

    def run_command(self, family_name: str, text: str, who: Identity) -> Reply:
        router = self.registry.families.get(family_name)
        if router is None:
            return error_reply(
                UsageError(f"Unknown command family `{escape(family_name)}`.", usage="/wg help")
            )
        start, failure = time.monotonic(), None
        try:
            return self.in_transaction(
                who, lambda ctx: router.dispatch(ctx, text), writes=router.writes(text)
            )
        except Exception as exc:
            failure = exc
            return error_reply(exc)
        finally:
            metrics.command(family_name, outcome_of(failure), time.monotonic() - start)

    def run_wg(self, text: str, who: Identity) -> Reply:
        """The umbrella: `/wg <family> args` is `/<family> args`; the rest is /wg's own."""
        word, _, rest = text.strip().partition(" ")
        name = word.lower().lstrip("/")
        if name in self.registry.families:
            return self.run_command(name, rest, who)
        return self.run_command("wg", text, who)

    def run_action(self, info: ActionInfo, who: Identity) -> Reply | None:
        """Run a button's handler; its answer (if any) reaches the user through the outbox."""
        rt = self.rt
        handler = self.registry.find_action(info.action_id)
        if handler is None:
            reply = Reply(
                text=":warning: That button is no longer supported; please run the command again."
            )
            _answer_privately(rt, who, reply, info.channel_id)
            return reply

        def act(ctx: Ctx) -> Reply | None:
            reply = handler(ctx, info)
            if reply is not None and reply.view is None:
                send_private(ctx, reply, info.channel_id)
            return reply

        start, failure = time.monotonic(), None
        try:
            return self.in_transaction(who, act)
        except Exception as exc:
            failure = exc
            reply = error_reply(exc)
            _answer_privately(rt, who, reply, info.channel_id)
            return reply
        finally:
            metrics.command("button", outcome_of(failure), time.monotonic() - start)

    def run_view(
        self, callback_id: str, values: Mapping[str, Any], metadata: str, who: Identity
    ) -> ViewResult:
        """Handle a modal submission; field errors keep the modal open, notices go via the outbox."""
        rt = self.rt
        handler = self.registry.views.get(callback_id)
        if handler is None:
            return ViewResult(notice=Reply(text=":warning: This form is no longer supported."))

        def submit(ctx: Ctx) -> ViewResult:
            result = handler(ctx, dict(values), metadata)
            if result.notice is not None and not result.errors:
                # Where the form was opened: maybe a DM among people (not the bot's).
                send_private(ctx, result.notice, in_a_channel(result.notice_channel))
            return result

        start, failure = time.monotonic(), None
        try:
            return self.in_transaction(who, submit)
        except Exception as exc:
            failure = exc
            result = ViewResult(notice=error_reply(exc))
            _answer_privately(rt, who, result.notice or Reply(text=""), None)
            return result
        finally:
            metrics.command("form", outcome_of(failure), time.monotonic() - start)

    def run_shortcut(self, callback_id: str, message: ShortcutMessage, who: Identity) -> Reply:
        handler = self.registry.shortcuts.get(callback_id)
        if handler is None:
            return Reply(text=":warning: Unknown shortcut.")
        start, failure = time.monotonic(), None
        try:
            return self.in_transaction(who, lambda ctx: handler(ctx, message))
        except Exception as exc:
            failure = exc
            return error_reply(exc)
        finally:
            metrics.command("shortcut", outcome_of(failure), time.monotonic() - start)

    def run_message(self, team_id: str, event_id: str | None, event: MessageEvent) -> bool:
        """Give a channel message to the hooks once per event_id; False for a retry we already handled."""
        who = Identity(team_id=team_id, user_id=event.user_id, channel_id=event.channel_id)

        def handle(ctx: Ctx) -> bool:
            if event_id and not insert_ignore(
                ctx.session,
                ProcessedEvent.__table__,
                {"team_id": team_id, "event_id": event_id[:64], "received_at": ctx.now},
            ):
                return False
            for hook in self.registry.message_hooks:
                hook(ctx, event)
            return True

        try:
            return self.in_transaction(who, handle)
        except DBAPIError:
            # The database is away (restarting?): fail the request so that Slack retries
            # the event; the event_id makes the retry count once.
            log.warning("message event %s not stored; Slack will retry", event_id)
            raise
        except Exception:
            log.exception("message event %s failed", event_id)
            return False
