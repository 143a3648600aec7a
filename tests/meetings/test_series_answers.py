"""Scheduling answers state the first meeting; /meeting suggest offers different hours."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.meetings.models import MeetingSeries
from tests.conftest import RunningBot

WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _rows(rb: RunningBot) -> list[MeetingSeries]:
    with rb.bot.rt.db.read() as s:
        rows = list(s.scalars(select(MeetingSeries).order_by(MeetingSeries.number)))
        s.expunge_all()
        return rows


def test_every_other_tuesday_typed_on_a_wednesday_states_next_tuesday(
    running_sqlite: RunningBot,
) -> None:
    rb = running_sqlite
    rb.clock.set(WEDNESDAY)
    text = rb.command(
        "/meeting", 'schedule "SWG" every other tuesday at 16:00 Europe/Paris'
    ).reply_text
    assert "First meeting: Tuesday 8 December 2026, 16:00 Europe/Paris" in text, text
    assert "Tue 2026-12-08 16:00 CET" in text and "Tue 2026-12-22 16:00 CET" in text
    assert "Tue 2026-12-15" not in text
    (row,) = _rows(rb)
    assert row.dtstart == datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
    # Editing the schedule on a Thursday: the next Monday, four days on, not eleven.
    rb.clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    edited = rb.command("/meeting", "edit SWG schedule every other monday").reply_text
    assert "First meeting: Monday 7 December 2026, 16:00 Europe/Paris" in edited, edited
    # Editing the time of a series whose first meeting is past names the next one.
    rb.clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    later = rb.command("/meeting", "edit SWG time 17:00").reply_text
    assert "Next meeting: Monday 21 December 2026, 17:00 Europe/Paris" in later, later
    assert rb.fake.violations == []


def test_the_form_states_the_first_meeting(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    rb.clock.set(WEDNESDAY)

    def text(v: str) -> dict[str, object]:
        return {"v": {"type": "plain_text_input", "value": v}}

    values = {
        "name": text("Form WG"),
        "when": text("every other tuesday"),
        "time": text("9am"),
        "zone": text("America/New_York"),
        "duration": text("1h"),
        "starting": {"v": {"type": "datepicker", "selected_date": None}},
        "channel": {"v": {"type": "conversations_select", "selected_conversation": "C1"}},
        "remind": text("1d,15m"),
        "agenda": text(""),
        "join": text(""),
    }
    resp = rb.sender.view_submission("meeting_schedule", values, private_metadata="C1")
    assert resp.status == 200
    rb.deliver()
    said = [e["text"] for e in rb.fake.ephemerals if "Form WG" in e["text"]]
    assert said and "First meeting: Tuesday 8 December 2026, 09:00 America/New_York" in said[0]
    assert rb.fake.violations == []


# Eight people in seven zones (two in Paris).
EIGHT = {
    "U0LUCIA": "America/Los_Angeles",
    "U0NOAH": "America/New_York",
    "U0JOAO": "America/Sao_Paulo",
    "U0MARIE": "Europe/Paris",
    "U0PIERRE": "Europe/Paris",
    "U0PRIYA": "Asia/Kolkata",
    "U0KENJI": "Asia/Tokyo",
    "U0OLIVIA": "Australia/Sydney",
}


def test_suggest_for_eight_people_in_seven_zones_offers_five_different_hours(
    running_sqlite: RunningBot,
) -> None:
    rb = running_sqlite
    for uid, tz in EIGHT.items():
        rb.fake.add_user(uid, tz=tz, name=uid[2:].lower())
    rb.fake.add_channel("C0WORLD", "world", members=list(EIGHT))
    # Kenji starts at 10:00: a slot at 08:30 Tokyo is 1 h 30 before his day.
    assert "10:00–18:00" in rb.command("/meeting", "hours 10-18", user_id="U0KENJI").reply_text
    text = rb.command("/meeting", "suggest 1h for <#C0WORLD|world> within 7 days").reply_text
    assert "Slots for 8 people, 1 h" in text
    # The answer's text holds its blocks' text twice (fallback and blocks): once each.
    found = re.findall(r"\*\d\. .*?\* \((\w{3}) (\d\d):(\d\d) UTC\) — score (\d+), (\d)/8", text)
    slots = list(dict.fromkeys(found))
    assert len(slots) == 5, text
    minutes = [int(h) * 60 + int(m) for _, h, m, _, _ in slots]
    # Materially different: five UTC times of day, each two hours or more from the others.
    for i, a in enumerate(minutes):
        for b in minutes[i + 1 :]:
            gap = abs(a - b) % 1440
            assert min(gap, 1440 - gap) >= 120, (minutes, text)
    scores = [int(s) for *_, s, _ in slots]
    assert scores == sorted(scores) and scores[0] > 0
    # Each slot names who is outside their hours and by how much, by their own clock.
    chunks = re.split(r"\*\d\. <!date\^(\d+)\^", text)[1:]
    assert len(set(chunks[::2])) == 5
    named = 0
    for epoch, body in zip(chunks[::2], chunks[1::2], strict=True):
        start = datetime.fromtimestamp(int(epoch), UTC)
        body = body.split("Alternate")[0]
        line = next(x for x in body.splitlines() if "Outside their hours:" in x)
        for m in re.finditer(
            r"<@(U0\w+)> \(([\w ]+?) (?:\w{3} )?(\d\d:\d\d)\) (\d+) (h|min)( \d\d)? (\w+)", line
        ):
            uid, _place, clock, amount, unit, extra, side = m.groups()
            local = start.astimezone(ZoneInfo(EIGHT[uid]))
            assert clock == f"{local:%H:%M}", m.group(0)
            begin, end = (600, 1080) if uid == "U0KENJI" else (480, 1080)
            mod = local.hour * 60 + local.minute
            gap = int(amount) * (60 if unit == "h" else 1) + int(extra or 0)
            if side == "before":
                assert (begin - mod) % 1440 == gap, m.group(0)
            else:
                assert (mod + 60 - end) % 1440 == gap, m.group(0)
            named += 1
        # Everyone not named is inside their hours.
        inside = int(re.search(r"score \d+, (\d)/8", body)[1])  # type: ignore[index]
        assert inside + line.count("<@") == 8, body
    assert named >= 5
    assert "lower is fairer" in text
    assert rb.fake.violations == []
