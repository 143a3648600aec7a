"""The one-line grammar of /meeting schedule, edit and times (pure functions).

    "SWG" every 2 weeks on tuesday at 16:00 UTC for 1h starting 2026-12-01
    "TWG sync" every first monday at 15:00 Europe/Paris remind 1d,15m
    "Ops weekly" every wednesday at 9am America/Chicago for 90m in #ops
    "Planning" on 2026-12-03 at 07:00 PT for 1h

Words are grouped into clauses by keywords (every, on, at, for, starting, until,
in, remind, chairs, agenda, join, skip); each clause has its own small parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from bot.errors import UsageError
from bot.grammar import CHANNEL_TOKEN, USER_TOKEN
from bot.meetings.holidays import HOLIDAY_WORDS, continues_countries, parse_countries
from bot.meetings.rotation import ROTATE_WORDS, parse_rotation
from bot.meetings.services import DEFAULT_REMINDERS, MAX_NAME, MAX_URL, Draft
from bot.slackfmt import escape
from bot.timekit.parse import (
    next_weekday,
    parse_duration,
    parse_offsets,
    weekday_of,
)
from bot.timekit.read import (
    DateRead,
    TimeRange,
    bare_hint,
    take_date,
    take_times,
    time_hint,
)
from bot.timekit.recurrence import Recurrence
from bot.timekit.zones import ZoneReading, get_zone, resolve_zone, split_zones

SCHEDULE_USAGE = (
    '/meeting schedule "NAME" every <weekday[s] | day | weekday | 2 weeks on DAY | '
    "first|second|third|fourth|last DAY | odd|even week on DAY> at TIME [ZONE] "
    "[for 1h] [starting DATE] [until DATE | N times] [in #channel] [remind 1d,15m] "
    "[chairs @a @b] [agenda URL] [join URL] [skip DATE[,DATE]] [skip holidays US, FR, IN] "
    "[rotate TIME [ZONE]]\n"
    '/meeting schedule "NAME" on DATE at TIME [ZONE] [for 1h] [in #channel]\n'
    "/meeting schedule   (opens a form)"
)
TIMES_USAGE = "/meeting times [WEEKDAY] [DATE] TIME[-TIME] [ZONE] [in ZONE, ZONE, ...]"
LIST_USAGE = "/meeting list [all]"
NEXT_USAGE = "/meeting next [series]"
CANCEL_USAGE = "/meeting cancel <series>"
SKIP_USAGE = "/meeting skip <series> <date> [reason]"
SUGGEST_USAGE = "/meeting suggest <duration> [for @user @user #channel ...] [within N days]"
HOURS_USAGE = "/meeting hours [9-17]"
ICS_USAGE = "/meeting ics <series>"

RECURRENCE_WORDS = {"every", "each", "daily", "weekly", "weekdays", "biweekly", "monthly"}
KEYWORDS = RECURRENCE_WORDS | {
    "on",
    "at",
    "for",
    "starting",
    "from",
    "beginning",
    "until",
    "till",
    "through",
    "in",
    "remind",
    "reminder",
    "reminders",
    "chair",
    "chairs",
    "agenda",
    "join",
    "link",
    "skip",
    "except",
    *ROTATE_WORDS,
}
ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": -1,
}
_URL = re.compile(r"^<?(https?://[^\s<>|]+)(?:\|[^>]*)?>?$")


@dataclass(frozen=True)
class Clause:
    keyword: str
    words: list[str]


def clauses(words: list[str]) -> list[Clause]:
    """Group words by keyword; `on` inside a recurrence clause stays part of it."""
    out: list[Clause] = []
    for word in words:
        low = word.lower()
        starts_new = low in KEYWORDS or low.startswith("biweekly-")
        in_recurrence = bool(out) and (
            out[-1].keyword in RECURRENCE_WORDS or out[-1].keyword.startswith("biweekly")
        )
        if low == "on" and in_recurrence:
            starts_new = False
        if starts_new and out and continues_countries(out[-1].keyword, out[-1].words, word):
            starts_new = False  # `skip holidays US, IN`: India, not the `in` clause
        if starts_new:
            out.append(Clause(low, []))
        elif out:
            out[-1].words.append(word)
        else:
            out.append(Clause("", [word]))
    return out


def _days(words: list[str], usage: str) -> tuple[int, ...]:
    found: list[int] = []
    for w in words:
        for part in w.split(","):
            part = part.strip().lower()
            if not part or part in ("and", "on", "&", "the"):
                continue
            d = weekday_of(part)
            if d is None:
                raise UsageError(f"`{escape(part[:20])}` is not a day of the week.", usage)
            found.append(d)
    return tuple(sorted(set(found)))


def parse_recurrence(keyword: str, words: list[str], usage: str = SCHEDULE_USAGE) -> Recurrence:
    """``every 2 weeks on tuesday``, ``every first monday``, ``biweekly-odd thursday`` …"""
    low = [w.lower().rstrip(",") for w in words]
    count = None
    if (
        len(low) >= 2
        and low[-1] in ("times", "meetings", "occurrences")
        and low[-2].isascii()
        and low[-2].isdigit()
    ):
        count = int(low[-2])
        low = low[:-2]
    rec = _recurrence(keyword, low, usage)
    if count is not None:
        if not 1 <= count <= 1000:
            raise UsageError("A count must be between 1 and 1000.", usage)
        rec = Recurrence(rec.kind, rec.interval, rec.weekdays, rec.parity, rec.setpos, None, count)
    return rec


def _recurrence(keyword: str, low: list[str], usage: str) -> Recurrence:
    if keyword == "daily":
        return Recurrence("daily")
    if keyword == "weekdays":
        return Recurrence("weekdays")
    if keyword.startswith("biweekly-") or (
        keyword == "biweekly" and low[:1] in (["odd"], ["even"])
    ):
        parity = keyword.split("-", 1)[1] if "-" in keyword else low.pop(0)
        if parity not in ("odd", "even"):
            raise UsageError(f"`{keyword}`: say biweekly-odd or biweekly-even.", usage)
        return Recurrence("weekly", 2, _days(low, usage), parity)  # type: ignore[arg-type]
    if keyword == "biweekly":
        return Recurrence("weekly", 2, _days(low, usage))
    if keyword == "weekly":
        return Recurrence("weekly", 1, _days(low, usage))
    if keyword == "monthly":
        return _monthly([w for w in low if w not in ("on", "the")], 1, usage)
    # every / each
    if not low:
        raise UsageError("`every` what? (day, weekday, monday, 2 weeks on tuesday …)", usage)
    head = low[0]
    if head in ("day", "days"):
        return Recurrence("daily")
    if head in ("weekday", "weekdays", "workday", "workdays"):
        return Recurrence("weekdays")
    if head == "other":
        rest = [w for w in low[1:] if w not in ("week", "on")]
        return Recurrence("weekly", 2, _days(rest, usage))
    if head in ("odd", "even"):
        rest = [w for w in low[1:] if w not in ("iso", "week", "weeks", "on")]
        return Recurrence("weekly", 2, _days(rest, usage), head)  # type: ignore[arg-type]
    if head.isascii() and head.isdigit():
        n = int(head[:4])
        unit = low[1] if len(low) > 1 else ""
        if not 1 <= n <= 52:
            raise UsageError("Repeat every 1 to 52 weeks.", usage)
        if unit in ("day", "days"):
            return Recurrence("daily", n)
        if unit in ("week", "weeks"):
            return Recurrence("weekly", n, _days([w for w in low[2:] if w != "on"], usage))
        if unit in ("month", "months"):
            return _monthly([w for w in low[2:] if w not in ("on", "the")], n, usage)
        raise UsageError(f"`every {head} {unit}`: say days, weeks or months.", usage)
    if head in ("week", "weeks"):
        return Recurrence("weekly", 1, _days([w for w in low[1:] if w != "on"], usage))
    if head in ("month", "months"):
        return _monthly([w for w in low[1:] if w not in ("on", "the")], 1, usage)
    if head in ORDINALS:
        return _monthly(low, 1, usage)
    return Recurrence("weekly", 1, _days(low, usage))


def _monthly(low: list[str], interval: int, usage: str) -> Recurrence:
    words = [w for w in low if w not in ("of", "the", "month", "each", "every")]
    if len(words) != 2 or words[0] not in ORDINALS or weekday_of(words[1]) is None:
        raise UsageError(
            "Monthly meetings are on the first, second, third, fourth or last weekday "
            "(`every first monday`).",
            usage,
        )
    day = weekday_of(words[1])
    assert day is not None
    return Recurrence("monthly", interval, (day,), setpos=ORDINALS[words[0]])


def parse_url(text: str, what: str, usage: str) -> str | None:
    if text.lower() in ("none", "-", "no"):
        return None
    m = _URL.match(text.strip())
    if not m:
        raise UsageError(f"The {what} must be an http(s) link, not `{escape(text[:60])}`.", usage)
    if len(m[1]) > MAX_URL:
        raise UsageError(f"The {what} link is too long (at most {MAX_URL} characters).", usage)
    return m[1]


def parse_users(words: list[str], usage: str) -> tuple[str, ...]:
    if [w.lower() for w in words] == ["none"]:
        return ()
    out: list[str] = []
    for w in words:
        for part in w.split(","):
            if not part or part.lower() == "and":
                continue
            m = USER_TOKEN.match(part)
            if not m:
                raise UsageError(f"`{escape(part[:40])}` is not a @mention of a person.", usage)
            out.append(m[1])
    return tuple(dict.fromkeys(out))


def parse_channel_word(word: str, usage: str) -> str | None:
    m = CHANNEL_TOKEN.match(word)
    return m[1] if m else None


def parse_dates(
    words: list[str], today: date, usage: str, *, day_first: bool = False
) -> list[date]:
    flat = [p for w in words for p in w.split(",") if p]
    out: list[date] = []
    i = 0
    while i < len(flat):
        taken = take_date(flat, i, today=today, day_first=day_first)
        if taken is None:
            raise UsageError(f"`{escape(flat[i][:30])}` is not a date (use 2026-12-24).", usage)
        out.append(taken.value.value)
        i += taken.used
    return out


def one_date(
    words: list[str],
    today: date,
    usage: str,
    what: str,
    *,
    day_first: bool = False,
    notes: list[str] | None = None,
) -> date:
    """A whole clause as one date: ``friday`` (today included), ``next friday``, ``9/27``…"""
    if not words:
        raise UsageError(f"Give a date after `{what}` (like 2026-12-01).", usage)
    taken = take_date(words, 0, today=today, day_first=day_first)
    if taken is None:
        raise UsageError(f"`{escape(' '.join(words)[:40])}` is not a date (use 2026-12-01).", usage)
    if taken.used != len(words):
        raise UsageError(
            f"`{escape(' '.join(words[taken.used :])[:40])}` after `{what}` is not part of a date "
            "(use 2026-12-01).",
            usage,
        )
    if taken.value.note and notes is not None:
        notes.append(taken.value.note)
    return taken.value.value


@dataclass(frozen=True)
class When:
    """``at TIME [ZONE]`` read from a clause."""

    at: time
    zone: ZoneReading | None


def parse_at(words: list[str], usage: str) -> When:
    taken = take_times(words, 0)
    if taken is None:
        if not words:
            raise UsageError("Give a time of day (try 16:00, 9am, 12pm or 9:30 pm).", usage)
        raise UsageError((bare_hint(words[0]) or time_hint(words[0])) + ".", usage)
    if taken.value.end is not None:
        raise UsageError(_range_as_length(taken.value), usage)
    rest = " ".join(words[taken.used :]).strip()
    return When(taken.value.start, resolve_zone(rest, usage) if rest else None)


def _range_as_length(span: TimeRange) -> str:
    """What to write instead of a range where one start time is wanted."""
    h, m = divmod(span.minutes or 0, 60)
    length = f"{h}h{m:02d}" if h and m else f"{h}h" if h else f"{m}m"
    return f"Give the start and the length: `at {span.start:%H:%M} for {length}`."


@dataclass
class _Parts:
    """What the clauses of a schedule request said, before the defaults are filled in."""

    channel: str
    rec: Recurrence | None = None
    once_day: date | None = None
    once_weekday: int | None = None
    when: When | None = None
    duration: int = 60
    start: date | None = None
    until: date | None = None
    count: int | None = None
    reminders: tuple[int, ...] = DEFAULT_REMINDERS
    chairs: tuple[str, ...] = ()
    agenda: str | None = None
    join: str | None = None
    skip_words: list[str] = field(default_factory=list)
    holidays: tuple[str, ...] = ()  # `skip holidays US, FR`: ISO country codes
    rotate: list[str] | None = None  # `rotate 08:00 Asia/Tokyo`, read once the zone is known
    seen: set[str] = field(default_factory=set)
    day_first: bool = False  # the workspace reads 9/10 as 9 October
    date_notes: list[str] = field(default_factory=list)  # how ambiguous dates were read


_COUNT = re.compile(r"(\d+)\s*(times|meetings|occurrences|sessions)")


def _read_clause(parts: _Parts, c: Clause, *, now: datetime, usage: str) -> None:
    """Read one clause into `parts`; a clause given twice is refused."""
    key = c.keyword
    group = "recurrence" if key in RECURRENCE_WORDS or key.startswith("biweekly") else key
    if group in parts.seen and group not in ("skip",):
        raise UsageError(f"`{key}` is given twice.", usage)
    parts.seen.add(group)
    if group == "recurrence":
        parts.rec = parse_recurrence(key, c.words, usage)
    elif key == "on":
        if not c.words:
            raise UsageError("Give a date after `on` (like 2026-12-03).", usage)
        wd = weekday_of(c.words[0])
        if wd is not None and len(c.words) == 1:
            parts.once_weekday = wd
        else:
            # Dates come before the zone is known: read them against UTC's today.
            parts.once_day = one_date(
                c.words,
                now.date(),
                usage,
                "on",
                day_first=parts.day_first,
                notes=parts.date_notes,
            )
    elif key == "at":
        parts.when = parse_at(c.words, usage)
    elif key == "for":
        joined = " ".join(c.words).lower()
        m = _COUNT.fullmatch(joined)
        if m:
            parts.count = int(m[1])
        else:
            parts.duration = parse_duration(joined, usage)
    elif key in ("starting", "from", "beginning"):
        parts.start = one_date(
            [w for w in c.words if w.lower() != "on"],
            now.date(),
            usage,
            key,
            day_first=parts.day_first,
            notes=parts.date_notes,
        )
    elif key in ("until", "till", "through"):
        parts.until = one_date(
            c.words, now.date(), usage, key, day_first=parts.day_first, notes=parts.date_notes
        )
    elif key == "in":
        if len(c.words) == 1 and parse_channel_word(c.words[0], usage):
            parts.channel = parse_channel_word(c.words[0], usage) or parts.channel
        elif c.words and c.words[0].startswith(("#", "<#")):
            raise UsageError(f"`{escape(c.words[0][:40])}` is not a channel I can see.", usage)
        else:
            if parts.when is None:
                raise UsageError("Give the time (`at 16:00`) before its zone.", usage)
            parts.when = When(parts.when.at, resolve_zone(" ".join(c.words), usage))
    elif key in ("remind", "reminder", "reminders"):
        parts.reminders = tuple(parse_offsets(" ".join(c.words), usage))
    elif key in ("chair", "chairs"):
        parts.chairs = parse_users(c.words, usage)
    elif key == "agenda":
        parts.agenda = parse_url(" ".join(c.words), "agenda", usage)
    elif key in ("join", "link"):
        parts.join = parse_url(" ".join(c.words), "join", usage)
    elif key in ROTATE_WORDS:
        parts.rotate = list(c.words)
    elif key in ("skip", "except") and c.words[:1] and c.words[0].lower() in HOLIDAY_WORDS:
        parts.holidays = parse_countries(c.words[1:], usage)
    elif key in ("skip", "except"):
        parts.skip_words.extend(c.words)


def _draft(name: str, parts: _Parts, *, default_tz: str, now: datetime, usage: str) -> Draft:
    """The draft the parts describe: defaults filled in, contradictions refused."""
    notes: list[str] = list(parts.date_notes)
    # `field` names the block of the scheduling form each problem belongs to.
    if parts.when is None:
        raise UsageError("Say at what time (`at 16:00 Europe/Paris`).", usage, field="time")
    rec = parts.rec
    if rec is None and parts.once_day is None and parts.once_weekday is None:
        raise UsageError(
            "Say when it repeats (`every tuesday`) or its date (`on 2026-12-03`).",
            usage,
            field="when",
        )
    if rec is not None and (parts.once_day is not None or parts.once_weekday is not None):
        raise UsageError(
            "Give either a repetition (`every …`) or one date (`on …`).", usage, field="when"
        )
    if parts.when.zone is None:
        reading = ZoneReading(default_tz, default_tz)
        notes.append(f"No time zone given: I used your Slack time zone, {default_tz}.")
    else:
        reading = parts.when.zone
        if reading.note:
            notes.append(reading.note)
    tz = reading.key
    today = now.astimezone(get_zone(tz)).date()
    start, until, count = parts.start, parts.until, parts.count
    if rec is None:
        rec = Recurrence("once")
        start = parts.once_day or next_weekday(today, parts.once_weekday or 0)
        explicit = True
    else:
        explicit = start is not None
        if rec.kind in ("weekly",) and not rec.weekdays:
            anchor = start or today
            rec = Recurrence(
                rec.kind, rec.interval, (anchor.weekday(),), rec.parity, rec.setpos, None, None
            )
        if until is not None and count is not None:
            raise UsageError("Give an end date or a count, not both.", usage, field="when")
        if until is not None or count is not None:
            rec = Recurrence(
                rec.kind,
                rec.interval,
                rec.weekdays,
                rec.parity,
                rec.setpos,
                until,
                count or rec.count,
            )
    if rec.kind == "once" and (until is not None or count is not None):
        raise UsageError("A one-off meeting has no end date or count.", usage, field="when")
    skips: tuple[tuple[date, str], ...] = ()
    if parts.skip_words:
        with _field("when"):
            skips = tuple(
                (d, "")
                for d in parse_dates(parts.skip_words, today, usage, day_first=parts.day_first)
            )
    return Draft(
        name=name,
        channel_id=parts.channel,
        tz=tz,
        at=parts.when.at,
        recurrence=rec,
        start_date=start,
        start_explicit=explicit,
        duration=parts.duration,
        reminders=parts.reminders,
        chairs=parts.chairs,
        agenda_url=parts.agenda,
        join_url=parts.join,
        skips=skips,
        skip_holidays=parts.holidays,
        rotation=None
        if parts.rotate is None
        else parse_rotation(parts.rotate, home_tz=tz, usage=usage),
        notes=tuple(notes),
    )


def parse_schedule(
    text_words: list[str],
    *,
    channel_id: str,
    default_tz: str,
    now: datetime,
    day_first: bool = False,
) -> Draft:
    """A schedule request from its words (the name first, quoted)."""
    usage = SCHEDULE_USAGE
    if not text_words:
        raise UsageError("Say what to schedule.", usage)
    name = text_words[0].strip()
    if name.lower() in KEYWORDS or not name:
        raise UsageError('Start with the series name in quotes: `"SWG" every tuesday …`.', usage)
    if len(name) > MAX_NAME:
        raise UsageError(f"The name is too long (at most {MAX_NAME} characters).", usage)
    clause_list = clauses(text_words[1:])
    if clause_list and clause_list[0].keyword == "":
        raise UsageError(
            f"I did not understand `{escape(' '.join(clause_list[0].words)[:60])}`; "
            "put a multi-word name in quotes.",
            usage,
        )
    parts = _Parts(channel=channel_id, day_first=day_first)
    for c in clause_list:
        _read_clause(parts, c, now=now, usage=usage)
    return _draft(name, parts, default_tz=default_tz, now=now, usage=usage)


@contextmanager
def _field(name: str) -> Iterator[None]:
    """Attribute the UsageErrors raised inside to the form field `name` (unless they name one)."""
    try:
        yield
    except UsageError as exc:
        exc.at(name)
        raise


# What the form's "Repeats" field may say besides the repetition or date itself.
WHEN_KEYWORDS = RECURRENCE_WORDS | {"on", "until", "till", "through", "for", "skip", "except"}


def _read_when(parts: _Parts, text: str, *, now: datetime, usage: str) -> None:
    """The form's "Repeats" field: ``every 2 weeks on tuesday``, ``tuesday``, ``on 2026-12-03``."""
    words = text.split()
    if not words:
        raise UsageError(
            "Say when it repeats (`every tuesday`) or its date (`on 2026-12-03`).", usage
        )
    first = words[0].lower()
    if first not in RECURRENCE_WORDS and first != "on" and not first.startswith("biweekly-"):
        # The field is about repetition, so its `every` may go without saying.
        words = ["every", *words]
    for c in clauses(words):
        if c.keyword not in WHEN_KEYWORDS and not c.keyword.startswith("biweekly"):
            raise UsageError(f"`{escape(c.keyword)}` has a field of its own in this form.", usage)
        if c.keyword == "for" and not _COUNT.fullmatch(" ".join(c.words).lower()):
            raise UsageError("Give the length in the Duration field.", usage)
        _read_clause(parts, c, now=now, usage=usage)


def parse_schedule_form(
    *,
    name: str,
    when: str,
    time: str,
    zone: str,
    duration: str,
    starting: str,
    channel: str,
    remind: str,
    agenda: str,
    join: str,
    default_tz: str,
    now: datetime,
    day_first: bool = False,
) -> Draft:
    """A schedule request from the scheduling form; each UsageError names its field."""
    usage = SCHEDULE_USAGE
    title = name.strip()
    if not title:
        raise UsageError("Give the series a name.", usage, field="name")
    if len(title) > MAX_NAME:
        raise UsageError(
            f"The name is too long (at most {MAX_NAME} characters).", usage, field="name"
        )
    parts = _Parts(channel=channel, day_first=day_first)
    with _field("when"):
        _read_when(parts, when, now=now, usage=usage)
    with _field("time"):
        parts.when = parse_at(time.split(), usage)
    if zone.strip():
        if parts.when.zone is not None:
            raise UsageError(
                "Give only the time here: the zone has its own field.", usage, field="time"
            )
        with _field("zone"):
            parts.when = When(parts.when.at, resolve_zone(" ".join(zone.split()), usage))
    with _field("duration"):
        parts.duration = parse_duration(" ".join(duration.split()).lower() or "1h", usage)
    if starting.strip():
        with _field("starting"):
            words = [w for w in starting.split() if w.lower() != "on"]
            parts.start = one_date(words, now.date(), usage, "starting", day_first=day_first)
    if parse_channel_word(f"<#{channel}>", usage) is None:
        raise UsageError(
            f"`{escape(channel[:40])}` is not a channel I can see.", usage, field="channel"
        )
    if remind.strip():
        with _field("remind"):
            parts.reminders = tuple(parse_offsets(remind.strip(), usage))
    if agenda.strip():
        with _field("agenda"):
            parts.agenda = parse_url(agenda.strip(), "agenda", usage)
    if join.strip():
        with _field("join"):
            parts.join = parse_url(join.strip(), "join", usage)
    return _draft(title, parts, default_tz=default_tz, now=now, usage=usage)


EDIT_FIELDS = {
    "name": "name",
    "time": "time",
    "at": "time",
    "zone": "zone",
    "tz": "zone",
    "timezone": "zone",
    "duration": "duration",
    "length": "duration",
    "schedule": "schedule",
    "every": "schedule",
    "repeat": "schedule",
    "until": "until",
    "end": "until",
    "count": "count",
    "channel": "channel",
    "remind": "remind",
    "reminders": "remind",
    "chairs": "chairs",
    "chair": "chairs",
    "agenda": "agenda",
    "join": "join",
    "link": "join",
    "holidays": "holidays",
    "holiday": "holidays",
    "rotate": "rotate",
    "rotation": "rotate",
}
EDIT_USAGE = (
    "/meeting edit <series> name|time|zone|duration|schedule|until|count|channel|remind|"
    "chairs|agenda|join|holidays|rotate <value>\n"
    '/meeting edit SWG time 17:00   ·   /meeting edit 3 schedule every other tuesday   ·   /meeting edit "TWG sync" agenda https://…'
)


def apply_edit(
    draft: Draft, field: str, words: list[str], *, now: datetime, day_first: bool = False
) -> Draft:
    """The draft with one field changed."""
    usage = EDIT_USAGE
    name = EDIT_FIELDS.get(field.lower())
    if name is None:
        raise UsageError(f"`{escape(field[:30])}` is not a field I can change.", usage)
    if not words:
        raise UsageError(f"Give the new {name}.", usage)
    joined = " ".join(words)
    today = now.astimezone(get_zone(draft.tz)).date()
    rec = draft.recurrence
    notes: list[str] = []
    changes: dict[str, object] = {}
    if name == "name":
        if len(joined) > MAX_NAME:
            raise UsageError(f"The name is too long (at most {MAX_NAME} characters).", usage)
        changes["name"] = joined.strip()
    elif name == "time":
        when = parse_at(words, usage)
        changes["at"] = when.at
        if when.zone:
            changes["tz"] = when.zone.key
            notes.extend([when.zone.note] if when.zone.note else [])
    elif name == "zone":
        reading = resolve_zone(joined, usage)
        changes["tz"] = reading.key
        notes.extend([reading.note] if reading.note else [])
    elif name == "duration":
        changes["duration"] = parse_duration(joined, usage)
    elif name == "schedule":
        first = words[0].lower()
        key = first if first in RECURRENCE_WORDS or first.startswith("biweekly") else "every"
        rest = words[1:] if key == first else words
        new = parse_recurrence(key, rest, usage)
        if new.kind == "weekly" and not new.weekdays:
            new = Recurrence(new.kind, new.interval, (today.weekday(),), new.parity)
        changes.update(recurrence=new, start_date=today, start_explicit=False)
    elif name == "until":
        if rec.kind == "once":
            raise UsageError("A one-off meeting has no end date.", usage)
        end = (
            None
            if joined.lower() in ("never", "none")
            else one_date(words, today, usage, "until", day_first=day_first)
        )
        changes["recurrence"] = Recurrence(
            rec.kind, rec.interval, rec.weekdays, rec.parity, rec.setpos, end, None
        )
    elif name == "count":
        if rec.kind == "once":
            raise UsageError("A one-off meeting has no count.", usage)
        if not joined.isdigit() or not 1 <= int(joined) <= 1000:
            raise UsageError("The count is a number from 1 to 1000.", usage)
        changes["recurrence"] = Recurrence(
            rec.kind, rec.interval, rec.weekdays, rec.parity, rec.setpos, None, int(joined)
        )
    elif name == "channel":
        channel = parse_channel_word(words[0], usage)
        if channel is None:
            raise UsageError(f"`{escape(words[0][:40])}` is not a #channel.", usage)
        changes["channel_id"] = channel
    elif name == "remind":
        changes["reminders"] = tuple(parse_offsets(joined, usage))
    elif name == "chairs":
        changes["chairs"] = parse_users(words, usage)
    elif name == "agenda":
        changes["agenda_url"] = parse_url(joined, "agenda", usage)
    elif name == "join":
        changes["join_url"] = parse_url(joined, "join", usage)
    elif name == "holidays":
        changes["skip_holidays"] = parse_countries(words, usage)
    elif name == "rotate":
        changes["rotation"] = parse_rotation(words, home_tz=draft.tz, usage=usage)
    return replace(draft, **changes, notes=tuple(notes))  # type: ignore[arg-type]


@dataclass(frozen=True)
class TimesRequest:
    naive: datetime
    zone: ZoneReading | None
    targets: list[ZoneReading]
    warnings: list[str]
    length: int | None = None  # minutes, for a range (``7-9 AM``)


def parse_times(text: str, *, today_in: date, day_first: bool = False) -> TimesRequest:
    """``thursday 9/27 7-9 AM America/Los_Angeles in New York, London, India``.

    The date (a weekday alone is the next one, today included) and the time are
    read by bot.timekit.read wherever they stand; the other words before ``in``
    (or ``to``) name the zone, and every word is either read or refused.
    """
    usage = TIMES_USAGE
    words = text.split()
    day: DateRead | None = None
    span: TimeRange | None = None
    zone_words: list[str] = []
    right: list[str] | None = None
    i = 0
    while i < len(words):
        w = words[i].lower().rstrip(",")
        if day is None:
            taken_d = take_date(words, i, today=today_in, day_first=day_first)
            if taken_d is not None:
                day, i = taken_d.value, i + taken_d.used
                continue
        if span is None:
            taken_t = take_times(words, i)
            if taken_t is not None:
                span, i = taken_t.value, i + taken_t.used
                continue
            hint = bare_hint(w)
            if hint:
                raise UsageError(hint + ".", usage)
        if w in ("in", "to") and i > 0:
            right = words[i + 1 :]
            break
        if w not in ("on", "at", "from") or zone_words:
            zone_words.append(words[i])
        i += 1
    if not words:
        raise UsageError("Give a time to convert.", usage)
    if span is None:
        left = " ".join(words if right is None else words[: len(words) - len(right) - 1])
        raise UsageError(
            f"No time of day in `{escape(left[:60])}` (try 16:00, 9am, 7:30 PM or 7-9 AM).",
            usage,
        )
    warnings: list[str] = []
    when = today_in if day is None else day.value
    if day is not None and day.note:
        warnings.append(day.note + ("" if day.weekday_written is None else ": I used the date"))
    zone = resolve_zone(" ".join(zone_words), usage) if zone_words else None
    targets: list[ZoneReading] = []
    if right is not None:
        # "Portland, Maine" and "Trinidad and Tobago" are one zone each.
        for part in split_zones(" ".join(right)):
            targets.append(resolve_zone(part, usage))
    return TimesRequest(datetime.combine(when, span.start), zone, targets, warnings, span.minutes)


def parse_skip(words: list[str], today: date, *, day_first: bool = False) -> tuple[date, str]:
    """``2026-12-24 [reason …]`` after the series: the local date to skip, and why."""
    if not words:
        raise UsageError("Name the series and the date to skip.", SKIP_USAGE)
    taken = take_date(words, 0, today=today, day_first=day_first)
    if taken is None:
        raise UsageError(f"`{escape(words[0][:30])}` is not a date (use 2026-12-24).", SKIP_USAGE)
    return taken.value.value, " ".join(words[taken.used :]).strip()


@dataclass(frozen=True)
class SuggestRequest:
    """``1h for @alice @bob #ops within 5 days``: who, for how long, how far ahead."""

    duration: int  # minutes
    days: int
    users: tuple[str, ...]
    channels: tuple[str, ...]


_WITHIN = re.compile(r"^within$|^in$|^over$", re.I)


def parse_suggest(words: list[str]) -> SuggestRequest:
    """The words of /meeting suggest: a duration, then people, channels and a horizon."""
    usage = SUGGEST_USAGE
    if not words:
        raise UsageError("Give the meeting's length (like `1h`).", usage)
    duration = parse_duration(words[0], usage)
    days = 7
    users: list[str] = []
    channels: list[str] = []
    i = 1
    while i < len(words):
        w = words[i]
        low = w.lower()
        if low in ("for", "with", "and", ","):
            i += 1
            continue
        if _WITHIN.match(low):
            if i + 1 >= len(words) or not (words[i + 1].isascii() and words[i + 1].isdigit()):
                raise UsageError("Say `within N days`.", usage)
            days = int(words[i + 1])
            if not 1 <= days <= 14:
                raise UsageError("Look 1 to 14 days ahead.", usage)
            i += 3 if i + 2 < len(words) and words[i + 2].lower().startswith("day") else 2
            continue
        m_user, m_chan = USER_TOKEN.match(w), CHANNEL_TOKEN.match(w)
        if m_user:
            users.append(m_user[1])
        elif m_chan:
            channels.append(m_chan[1])
        else:
            raise UsageError(f"`{escape(w[:40])}` is not a @person or a #channel.", usage)
        i += 1
    return SuggestRequest(duration, days, tuple(users), tuple(channels))
