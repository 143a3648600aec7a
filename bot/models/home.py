"""Who has opened the App Home, so that a change republishes only tabs someone has seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base
from bot.models.types import UtcDateTime


class HomeViewer(Base):
    """A user who opened the bot's App Home tab in a workspace."""

    __tablename__ = "home_viewers"
    __table_args__ = (Index("ix_home_viewers_stale", "stale_since"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Something the tab shows changed and it was not republished at once (too many
    # people at once for one request): the refresh job publishes it.
    stale_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
