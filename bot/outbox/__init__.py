"""The durable outbox: what the bot owes Slack, written in the caller's transaction.

Services enqueue here instead of calling Slack, so an acknowledged command and the
messages it promises commit together, and a dead Slack or a killed process loses
nothing: the delivery worker (bot.outbox.delivery) sends each row exactly once.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import OutboxMessage
from bot.services.common import insert_ignore

OUTBOX_EVENT_TYPE = "wgbot_outbox"
QUEUED = "wgbot.outbox.queued"


def enqueue(
    session: Session,
    *,
    team_id: str,
    method: str,
    lane: str,
    payload: dict[str, Any],
    now: datetime,
    key: str | None = None,
    ref: OutboxMessage | int | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """Queue one Web API call; with `key`, a second enqueue of the same key is a no-op."""
    ref_id = ref.id if isinstance(ref, OutboxMessage) else ref
    # Tells the caller's transaction owner that the delivery worker has work.
    session.info[QUEUED] = True
    values: dict[str, Any] = {
        "team_id": team_id,
        "method": method,
        "lane": lane[:80],
        "payload": payload,
        "dedupe_key": key[:200] if key else None,
        "ref_id": ref_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
    }
    if key is not None:
        # A second enqueue with the same key keeps the first row and returns it.
        insert_ignore(session, OutboxMessage.__table__, values)
        return session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.team_id == team_id, OutboxMessage.dedupe_key == values["dedupe_key"]
            )
        ).one()
    row = OutboxMessage(**values)
    session.add(row)
    session.flush()
    return row


def post_message(
    session: Session,
    *,
    team_id: str,
    channel: str,
    text: str,
    now: datetime,
    blocks: list[dict[str, Any]] | None = None,
    thread_of: OutboxMessage | None = None,
    thread_ts: str | None = None,
    key: str | None = None,
    not_before: datetime | None = None,
    unfurl: bool = False,
) -> OutboxMessage | None:
    """Post in a channel (or, with a user id, in the bot's DM with that user)."""
    payload: dict[str, Any] = {"channel": channel, "text": text}
    if blocks:
        payload["blocks"] = blocks
    if thread_ts:
        payload["thread_ts"] = thread_ts
    if not unfurl:
        payload["unfurl_links"] = False
        payload["unfurl_media"] = False
    if thread_of is not None:
        payload["$ref_as"] = "thread_ts"
    return enqueue(
        session,
        team_id=team_id,
        method="chat.postMessage",
        lane=channel,
        payload=payload,
        now=now,
        key=key,
        ref=thread_of,
        not_before=not_before,
    )


def update_message(
    session: Session,
    *,
    team_id: str,
    original: OutboxMessage | int,
    text: str,
    now: datetime,
    blocks: list[dict[str, Any]] | None = None,
) -> OutboxMessage | None:
    """Edit a message an earlier outbox row posted (its ts is known only once sent)."""
    original_row = (
        original if isinstance(original, OutboxMessage) else session.get(OutboxMessage, original)
    )
    if original_row is None:
        return None
    payload: dict[str, Any] = {"text": text, "$ref_as": "ts"}
    if blocks is not None:
        payload["blocks"] = blocks
    return enqueue(
        session,
        team_id=team_id,
        method="chat.update",
        lane=original_row.lane,
        payload=payload,
        now=now,
        ref=original_row,
    )


def add_reaction(
    session: Session, *, team_id: str, channel: str, ts: str, name: str, now: datetime
) -> OutboxMessage | None:
    return enqueue(
        session,
        team_id=team_id,
        method="reactions.add",
        # Reactions need no order among themselves: a lane each, so a busy meeting's
        # acknowledgements go out side by side instead of one per delivery pass.
        lane=f"{channel}/{ts}",
        payload={"channel": channel, "timestamp": ts, "name": name},
        now=now,
        key=f"react:{channel}:{ts}:{name}",
    )


def upload_file(
    session: Session,
    *,
    team_id: str,
    channel: str,
    filename: str,
    content: bytes | str,
    now: datetime,
    title: str | None = None,
    initial_comment: str | None = None,
    thread_ts: str | None = None,
    alt_txt: str | None = None,
) -> OutboxMessage | None:
    raw = content.encode("utf-8") if isinstance(content, str) else content
    payload: dict[str, Any] = {
        "channel": channel,
        "filename": filename,
        "title": title or filename,
        "content_b64": base64.b64encode(raw).decode("ascii"),
    }
    if initial_comment:
        payload["initial_comment"] = initial_comment
    if thread_ts:
        payload["thread_ts"] = thread_ts
    if alt_txt:
        payload["alt_txt"] = alt_txt
    return enqueue(
        session, team_id=team_id, method="files.upload", lane=channel, payload=payload, now=now
    )


def publish_home(
    session: Session, *, team_id: str, user_id: str, view: dict[str, Any], now: datetime
) -> OutboxMessage | None:
    return enqueue(
        session,
        team_id=team_id,
        method="views.publish",
        lane=f"home:{user_id}",
        payload={"user_id": user_id, "view": view},
        now=now,
    )
