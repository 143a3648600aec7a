"""The app's life in a workspace: uninstalled, or its tokens revoked.

The next request from the workspace (bot.services.common.ensure_workspace_known)
clears the mark: the app was installed again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.models import OutboxMessage
from bot.services.common import ensure_workspace, forget_known_workspace


def mark_uninstalled(session: Session, *, team_id: str, now: datetime) -> int:
    """Remember the uninstall and cancel what the outbox still owed the workspace."""
    ws = ensure_workspace(session, team_id=team_id, now=now)
    ws.uninstalled_at = now
    forget_known_workspace(team_id)
    cancelled = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.team_id == team_id, OutboxMessage.status == "pending")
        .values(status="cancelled", last_error="the app was uninstalled from this workspace")
    )
    return int(cancelled.rowcount or 0)  # type: ignore[attr-defined]
