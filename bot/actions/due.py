"""Due dates in their owner's calendar: reading one, the owner's morning, showing one.

A due date is a calendar date of the item's owner. "Due friday" is read against the
owner's today (the first owner's, when there are several: every owner is then nudged
on that same date in their own calendar). The nudges go out in each owner's morning,
the start of the working hours they set with `/meeting hours`, else 09:00 in their
profile zone: "due tomorrow" the morning of the day before, "overdue" the morning
after.

In the task text, a trailing `due …` is a due date whenever the words after it start
like one (a digit, a weekday, a month, `today`, `next`, …) or are one or two words
that make no phrase with it ("due someday" is answered; "the due diligence" and "due
to the outage" stay text). A trailing `by …` is a due date only when what follows reads as a date: "review
by the chair" stays text and nobody is told anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot import slackfmt
from bot.actions import dates
from bot.errors import UsageError

# A person's IANA zone, by Slack user id.
TzLookup = Callable[[str], str]

# Without working hours, nudges go out at 09:00 in the owner's zone.
DEFAULT_MORNING = 9 * 60
DAY_MINUTES = 24 * 60

# First words after `due` that say a date was meant, even when it cannot be read.
# fmt: off
_DATE_WORDS = frozenset([
    "today", "tonight", "tomorrow", "tmrw", "yesterday", "next", "last", "this", "end",
    "eod", "eow", "eom", "week", "weeks", "month", "months", "year", "day", "days",
    "noon", "midnight", "asap",
    "monday", "mon", "tuesday", "tue", "tues", "wednesday", "wed", "thursday", "thu",
    "thur", "thurs", "friday", "fri", "saturday", "sat", "sunday", "sun",
    "january", "jan", "february", "feb", "march", "mar", "april", "apr", "june",
    "jun", "july", "jul", "august", "aug", "september", "sep", "sept", "october", "oct",
    "november", "nov", "december", "dec",
])
# fmt: on
_CLAUSE = re.compile(r"\s(due|by)\s+(?=\S)", re.IGNORECASE)
# Words before `due` that make it part of a phrase ("the due diligence", "its due date").
_PHRASE_BEFORE = frozenset(
    ["the", "a", "an", "its", "their", "our", "my", "your", "his", "her", "of", "with", "and"]
)
# Words after `due` that make it part of a phrase ("due to the outage", "due for review").
_PHRASE_AFTER = frozenset(["to", "for", "process", "diligence", "care", "course"])


@dataclass(frozen=True)
class Clause:
    """A trailing due clause: its word (`due`/`by`), what followed, and the words as typed."""

    word: str
    text: str
    words: str


def date_like(text: str) -> bool:
    """Whether the words start like a date someone meant, readable or not."""
    first = text.strip().split(maxsplit=1)[0].lower().strip(".,;:!?") if text.strip() else ""
    return bool(first) and (first[0].isdigit() or first in _DATE_WORDS)


def reads_as_date(text: str) -> bool:
    """Whether the text names a calendar date (an impossible or past one still does)."""
    try:
        dates.parse_date(text, today=date(2000, 1, 1))
    except dates.UnknownDate:
        return False
    except (dates.DateError, UsageError):
        return True
    return True


def meant_as_due(head: str, rest: str) -> bool:
    """A short trailing `due X` that is no phrase: meant as a due date, even unreadable.

    "review the charter due someday" is answered (someday is no date); "finish the due
    diligence" and "late due to the outage" are text.
    """
    before = head.split()[-1].lower() if head.split() else ""
    after = rest.split()
    return (
        0 < len(after) <= 2
        and before not in _PHRASE_BEFORE
        and after[0].lower().strip(".,;:!?") not in _PHRASE_AFTER
    )


def take_clause(task: str) -> tuple[str, Clause | None]:
    """The task without its trailing due clause, and the clause (None: all of it is text).

    The rightmost `due`/`by` that qualifies wins, so "review by the chair due friday"
    keeps "review by the chair".
    """
    for m in reversed(list(_CLAUSE.finditer(task))):
        word, rest = m.group(1).lower(), task[m.end() :].strip()
        read = rest
        if word == "due" and rest.lower().startswith("on "):
            read = rest[3:].strip()
        head = task[: m.start()].strip()
        meant = word == "due" and (date_like(read) or meant_as_due(head, read))
        if (reads_as_date(read) or meant) and head:
            return head, Clause(word=word, text=read, words=task[m.start() :].strip())
    return task, None


def read_due(
    text: str, *, now: datetime, tz: str, whose: str = "", day_first: bool = False
) -> date:
    """The date `text` names in the calendar of zone `tz`; DateError says why not.

    Dates before that calendar's today are refused, naming the words typed and, given
    `whose` (a mention), whose calendar it is. DateError messages are mrkdwn: what was
    typed in them is escaped.
    """
    today = dates.local_today(now, tz)
    shown = slackfmt.escape(" ".join(text.split())[:40])
    try:
        day = dates.parse_date(text, today=today, day_first=day_first)
    except dates.DateError as exc:
        raise dates.DateError(slackfmt.escape(str(exc))) from None
    except UsageError as exc:
        # The shared reader may speak in usage errors; here they are date errors.
        raise dates.DateError(slackfmt.escape(exc.message)) from None
    if day < today:
        mine = f" for {whose}" if whose else ""
        raise dates.DateError(
            f"`{shown}` is in the past{mine} ({day.isoformat()}; "
            f"today is {today.isoformat()} in {tz})"
        )
    return day


def owner_morning(day: date, tz: str, work_start: int | None) -> datetime:
    """When `day` starts for its owner's work, in UTC: their working hours' start, else 09:00."""
    minutes = DEFAULT_MORNING if work_start is None else work_start % DAY_MINUTES
    # A start in a spring-forward gap reads as the same wall time before the change
    # (zoneinfo's fold=0): an hour later on the new clock, never skipped.
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=dates.zone(tz))
    return local.astimezone(UTC)


def nudge_kind(due_day: date, tz: str, work_start: int | None, now: datetime) -> str | None:
    """Which nudge an owner has coming at `now`: "overdue", "due-soon" or None.

    "due-soon" from the morning of the day before, as long as the due date has not
    begun for them; "overdue" from the morning after the due date.
    """
    if now >= owner_morning(due_day + timedelta(days=1), tz, work_start):
        return "overdue"
    soon = owner_morning(due_day - timedelta(days=1), tz, work_start)
    if now >= soon and dates.local_today(now, tz) < due_day:
        return "due-soon"
    return None


def date_token(day: date, tz: str | None, *, reader_tz: str | None = None) -> str:
    """`<!date^…^{date_short_pretty}|2026-12-04>`: the date as each reader's Slack says it.

    Slack shows the date of an instant in the reader's zone. For one known reader
    (`reader_tz`: a list, a DM, their App Home) that is midday in their zone. For
    everyone (a channel), midday UTC, which is that date from UTC-11 to UTC+11, or,
    for an owner (`tz`) further east or west, midday in their zone.
    """
    anchor = datetime.combine(day, time(12), UTC)
    if reader_tz:
        anchor = datetime.combine(day, time(12), dates.zone(reader_tz)).astimezone(UTC)
    elif tz:
        offset = anchor.astimezone(dates.zone(tz)).utcoffset() or timedelta(0)
        if abs(offset) >= timedelta(hours=12):
            anchor = datetime.combine(day, time(12), dates.zone(tz)).astimezone(UTC)
    return slackfmt.date_token(anchor, "{date_short_pretty}", fallback=day.isoformat())


def no_date_note(number: int, problem: str) -> str:
    """The answer when a typed due date could not be used (the item exists regardless).

    `problem` is mrkdwn (as `read_due` words it).
    """
    return (
        f"I recorded #{number} without a due date: {problem.rstrip('.')}. Its words stay in the task; "
        f"set a date with `/action due {number} <date>`."
    )
