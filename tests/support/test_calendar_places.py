"""A business-hours calendar's zone is read like every other zone, and stored canonical."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.support import business_hours
from bot.support.models import SupportProvider
from tests.conftest import RunningBot


@pytest.mark.parametrize(
    ("written", "stored"),
    [("Zürich", "Europe/Zurich"), ("US/Pacific", "America/Los_Angeles")],
)
def test_calendar_zone_is_a_place_or_an_old_name(
    desk: RunningBot, written: str, stored: str
) -> None:
    text = desk.command(
        "/support", f"calendar Whamcloud zone {written} days mon-fri", user_id="UADMIN"
    ).reply_text
    assert stored in text, text
    with desk.bot.rt.db.read() as s:
        saved = s.scalars(
            select(SupportProvider.calendar).where(SupportProvider.name == "Whamcloud")
        ).one()
    assert business_hours.from_json(saved).zone == stored
