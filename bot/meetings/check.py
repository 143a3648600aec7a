"""/meeting check: the time claims of a pasted text, checked against each other.

People announce a meeting as "Thursday 9/27, 7-9 AM PDT which is 11AM ET, 4PM Paris,
7:30 PM India, 11PM Japan". This finds every such claim and checks it: a weekday
written with a date must be that date's weekday, and in each sentence the first time
with a zone (the *anchor*) is converted, on that date, into the zone of every later
time, which must then say the same wall-clock time (a range's end too).

Words are read by the team's one reader (bot.timekit.read) and zone finder
(bot.timekit.zones.find_zone); here they are only cut apart from the punctuation
people glue to them ("Paris,7:30", "(PDT)", "Japan.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from bot.errors import UsageError
from bot.timekit.read import (
    RELATIVE_STARTS,
    DateRead,
    TimeRange,
    month_word,
    take_date,
    take_times,
    weekday_name,
    weekday_word,
)
from bot.timekit.zones import ZoneReading, find_zone, get_zone, resolve_zone, season_note

CHECK_USAGE = "/meeting check <pasted text>"
CHECK_EXAMPLE = (
    "/meeting check Thursday 9/27/2018 7-9 AM PDT which is 10AM ET, 4PM Paris, "
    "7:30 PM India, 11PM Japan"
)

# The token standing for a line end: not whitespace, which the reader would skip.
_LINE_END = "¶"
# Tokens that end a sentence: each sentence has its own anchor.
_END = frozenset({".", "!", "?", _LINE_END})
# Tokens that separate claims; never part of a time, date or zone.
_SEPARATORS = frozenset({",", ";", "=", "/", "(", ")", "[", "]", "|", ":", "→", "->", "—", "–"})
_OPENERS = "([{\"'“‘"
_CLOSERS = ")]}\"'”’;:!?"
# A year written on its own ("Minutes 2016") dates the yearless dates of the text.
_YEAR = re.compile(r"^(19|20|21)\d\d$")
_MERIDIEM_DOTTED = ("a.m.", "p.m.")
# A chunk with no punctuation at its ends and no separator inside.
_PLAIN = re.compile(r"^[^,;=/()\[\]{}\"'“”‘’:!?.]+$")
_CLOCK_MARK = re.compile(r"\d\s*[ap]\.?m\b|\b[ap]\.?m\b|\d[ap]\b|\d\d?h\d\d")
_GLUED = re.compile(r"([,;=]|(?<=[A-Za-z])/(?=\d))")
# Capitalised words that may follow a time without being a zone ("7 PM Sharp").
_NOT_ZONE_WORDS = """i a an the on at in for and or to till until from by with we you they it
    please sharp start starts starting end ends meeting meetings call calls session
    sessions next then tomorrow today tonight am pm local time your our my their
    everyone all see join note agenda notes minutes is was be will"""
_NOT_ZONES = frozenset(_NOT_ZONE_WORDS.split())
# Words that may start a relative date or a time of day without a digit (bot.timekit.read).
_TIME_WORDS = frozenset({"noon", "midnight"})
# Words the zone finder may be given after a time before the zone ("11 AM in Paris").
_BEFORE_ZONE = frozenset({"in", "("})


@dataclass(frozen=True)
class DateCheck:
    """A date as written, the day it was read as, and what is wrong or assumed."""

    written: str
    value: date
    weekday_written: int | None
    ok: bool
    problem: str | None
    assumption: str | None
    note: str | None


@dataclass(frozen=True)
class Claim:
    """A time (or range) said in a zone, found in the text."""

    written: str
    times: TimeRange
    zone: ZoneReading | None
    unknown_zone: str | None = None
    # The date the claim is on (the last one written before it, or the sentence's), and
    # whether it was written for this claim rather than for the sentence's first.
    day: date | None = None
    own_date: bool = False


@dataclass(frozen=True)
class Verdict:
    """One claim compared with its anchor converted into the claim's zone."""

    claim: Claim
    expected_start: datetime
    expected_end: datetime | None
    start_ok: bool
    end_ok: bool | None  # None: the claim wrote no end
    day_shift: int  # days between the claim's local day and the anchor's
    start_date_ok: bool = True

    @property
    def ok(self) -> bool:
        return self.start_ok and self.end_ok is not False and self.start_date_ok


@dataclass
class Sentence:
    """The claims of one sentence: its anchor and the verdicts on the others."""

    anchor: Claim | None = None
    start: datetime | None = None
    end: datetime | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Everything found in a text, in the order written."""

    dates: list[DateCheck] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    unread: list[Claim] = field(default_factory=list)  # zones not understood
    zoneless: list[str] = field(default_factory=list)  # times with no zone, not checked
    bad_dates: list[str] = field(default_factory=list)  # dates that cannot exist
    assumed_today: date | None = None

    @property
    def found(self) -> int:
        """Claims found: zoned times (anchors too), dates, unreadable zones."""
        anchored = sum(1 + len(s.verdicts) for s in self.sentences if s.anchor)
        return anchored + len(self.dates) + len(self.unread) + len(self.bad_dates)

    @property
    def checked(self) -> int:
        """Claims checked: times against their anchor, weekdays against their dates."""
        weekdays = sum(1 for d in self.dates if d.weekday_written is not None)
        return sum(len(s.verdicts) for s in self.sentences) + weekdays + len(self.bad_dates)

    @property
    def wrong(self) -> int:
        return (
            sum(1 for d in self.dates if not d.ok)
            + sum(1 for s in self.sentences for v in s.verdicts if not v.ok)
            + len(self.bad_dates)
        )


# ---------------------------------------------------------------- words


def _peel(chunk: str) -> list[str]:
    """One whitespace-separated chunk as words and separate punctuation tokens."""
    if _PLAIN.match(chunk):
        return [chunk]  # most words of prose: nothing glued
    out: list[str] = []
    lead: list[str] = []
    while chunk and chunk[0] in _OPENERS:
        lead.append(chunk[0])
        chunk = chunk[1:]
    tail: list[str] = []
    while chunk:
        low = chunk.lower()
        if chunk[-1] in _CLOSERS:
            tail.append(chunk[-1])
        elif chunk[-1] == "," and not _keeps_comma(chunk):
            tail.append(",")
        elif chunk[-1] == "." and not low.endswith(_MERIDIEM_DOTTED) and month_word(chunk) is None:
            tail.append(".")
        else:
            break
        chunk = chunk[:-1]
    out.extend(lead)
    if chunk:
        # "Paris,7:30", "7AM=10AM" and "PDT/10AM" (not 9/27 or America/New_York).
        parts = re.split(_GLUED, chunk)
        out.extend(p for p in parts if p)
    out.extend(reversed(tail))
    return out


def _keeps_comma(chunk: str) -> bool:
    """The reader takes "Thursday, Sep 27, 2016" with its commas."""
    bare = chunk[:-1]
    return weekday_word(bare) is not None or bool(re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", bare))


def words_of(text: str) -> list[str]:
    """The text as words for the reader, with punctuation and line ends as their own tokens."""
    words: list[str] = []
    for line in text.splitlines():
        for chunk in line.split():
            words.extend(_peel(chunk))
        words.append(_LINE_END)
    return words


def _year_hint(words: list[str], dates: list[tuple[int, DateRead]]) -> int | None:
    for _, d in dates:
        if d.year_given:
            return d.value.year
    for w in words:
        if _YEAR.match(w):
            return int(w)
    return None


# ---------------------------------------------------------------- finding claims


def _looks_like_zone(word: str) -> bool:
    """A capitalised word after a time that may be meant as a zone the finder did not know."""
    return (
        len(word) >= 2
        and word[0].isupper()
        and not any(ch.isdigit() for ch in word)
        and word.lower() not in _NOT_ZONES
        and weekday_word(word) is None
        and month_word(word) is None
    )


# What find_zone answered for the words at a position (a text names the same zones often).
ZoneMemo = dict[tuple[str, ...], tuple[ZoneReading, int] | None]


def _find_zone(words: list[str], k: int, memo: ZoneMemo) -> tuple[ZoneReading, int] | None:
    key = tuple(words[k : k + 4])
    if key not in memo:
        taken = find_zone(words, k)
        memo[key] = (taken.value, taken.used) if taken is not None else None
    return memo[key]


def _zone_after(
    words: list[str], j: int, memo: ZoneMemo
) -> tuple[ZoneReading | None, str | None, int]:
    """The zone right after a time (maybe after "in" or "("): (zone, unknown word, end)."""
    for skip in (0, 1):
        k = j + skip
        if k >= len(words):
            break
        if skip and words[j].lower() not in _BEFORE_ZONE:
            break
        taken = _find_zone(words, k, memo)
        if taken is not None:
            zone, used = taken
            end = k + used
            if skip and words[j] == "(" and end < len(words) and words[end] == ")":
                end += 1
            return zone, None, end
    k = j + 1 if j < len(words) and words[j].lower() in _BEFORE_ZONE else j
    if k < len(words) and _looks_like_zone(words[k]):
        return None, words[k], k + 1
    return None, None, j


def _clock_like(words: list[str]) -> bool:
    """Written as a clock (``7:30``, ``9am``, ``noon``), not only as a number like ``2.15``."""
    text = " ".join(words).lower()
    return ":" in text or bool(_CLOCK_MARK.search(text)) or "noon" in text or "midnight" in text


def unread_reason(word: str) -> str | None:
    """Why a word is no zone when it is more than unknown ("Texas spans several zones…")."""
    try:
        resolve_zone(word)
    except UsageError as exc:
        return None if exc.message.startswith("Unknown time zone") else exc.message
    return None


@lru_cache(maxsize=256)
def _date_check(written: str, read: DateRead, *, today: date, hint: int | None) -> DateCheck:
    value, assumption = read.value, None
    if not read.year_given:
        if hint is not None:
            try:
                value = value.replace(year=hint)
                assumption = f"no year given: read as {value.isoformat()}, the year in the text"
            except ValueError:
                pass
        if assumption is None:
            assumption = (
                f"no year given: read as {value.isoformat()} (a {weekday_name(value.weekday())}),"
                " the nearest such date"
            )
    wd = read.weekday_written
    if wd is None or value.weekday() == wd:
        return DateCheck(written, value, wd, True, None, assumption, read.note)
    verb = "was" if value < today else "is"
    problem = f"{value.isoformat()} {verb} a *{weekday_name(value.weekday())}*"
    nearest = min(
        (value + timedelta(days=k) for k in range(-3, 4) if (value.weekday() + k) % 7 == wd),
        key=lambda d: abs((d - value).days),
    )
    problem += f"; the nearest {weekday_name(wd)} is {nearest:%a %Y-%m-%d}"
    if not read.year_given and hint is None:
        before, after = _years_on(value, wd)
        said = f"{value:%b} {value.day}"
        parts = []
        if before is not None:
            parts.append(f"{said} was last a {weekday_name(wd)} in {before}")
        if after is not None:
            parts.append(f"will next be one in {after}")
        if parts:
            problem += "; " + " and ".join(parts)
    return DateCheck(written, value, wd, False, problem, assumption, None)


def _years_on(value: date, weekday: int) -> tuple[int | None, int | None]:
    """The years before and after `value`'s in which its month and day fall on `weekday`."""

    def on(year: int) -> bool:
        try:
            return value.replace(year=year).weekday() == weekday
        except ValueError:
            return False

    before = next((y for y in range(value.year - 1, value.year - 30, -1) if on(y)), None)
    after = next((y for y in range(value.year + 1, value.year + 30) if on(y)), None)
    return before, after


@dataclass(frozen=True)
class Found:
    """What the scan found: dates, each sentence's zoned claims, times it could not check."""

    dates: list[DateCheck]
    sentences: list[list[Claim]]
    zoneless: list[str]
    bad_dates: list[str]


@lru_cache(maxsize=4096)
def _may_start_date(word: str) -> bool:
    """A word without a digit that the reader may take as (the start of) a date."""
    return (
        word.lower() in RELATIVE_STARTS
        or weekday_word(word) is not None
        or month_word(word) is not None
    )


def _scan(
    words: list[str], *, today: date, day_first: bool
) -> tuple[list[tuple[int, int, DateRead | TimeRange]], list[str]]:
    """Every date and time the reader takes, left to right, and the dates that cannot exist."""
    spans: list[tuple[int, int, DateRead | TimeRange]] = []
    bad: list[str] = []
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if w in _END or w in _SEPARATORS:
            i += 1
            continue
        # Most words of a paragraph are prose: only those that can start a date or a
        # time are offered to the reader (the speed target is 5 ms for 2,000 characters).
        digit = w[0].isdigit()
        try:
            d = (
                take_date(words, i, today=today, day_first=day_first, prefer="nearest")
                if digit or _may_start_date(w)
                else None
            )
        except UsageError as exc:
            bad.append(exc.message)
            i += 1
            continue
        if d is not None:
            spans.append((i, i + d.used, d.value))
            i += d.used
            continue
        t = take_times(words, i) if digit or w.lower() in _TIME_WORDS else None
        if t is not None:
            spans.append((i, i + t.used, t.value))
            i += t.used
            continue
        i += 1
    return spans, bad


def find_claims(text: str, *, today: date, day_first: bool = False) -> Found:
    """The dates and time claims of `text`, grouped by sentence."""
    words = words_of(text)
    spans, bad = _scan(words, today=today, day_first=day_first)
    reads = [(s, e, v) for s, e, v in spans if isinstance(v, DateRead)]
    hint = _year_hint(words, [(s, v) for s, _, v in reads])
    checks = {s: _date_check(" ".join(words[s:e]), v, today=today, hint=hint) for s, e, v in reads}
    sentences: list[list[Claim]] = [[]]
    zoneless: list[str] = []
    current: date | None = None
    undated: list[int] = []  # claims of this sentence written before its first date
    fresh = False  # a date was written since the sentence's last claim
    memo: ZoneMemo = {}
    k = 0
    for s, e, value in spans:
        if s < k:
            continue  # inside a zone already taken
        if any(words[x] in _END for x in range(k, s)):
            sentences.append([])
            undated = []
            fresh = False
        k = e
        if isinstance(value, DateRead):
            current = checks[s].value
            fresh = True
            # "7 AM PDT on Thursday 9/27": the date also dates the times before it.
            for idx in undated:
                sentences[-1][idx] = replace(sentences[-1][idx], day=current)
            undated = []
            continue
        zone, unknown, k = _zone_after(words, e, memo)
        if zone is None and not _clock_like(words[s:e]):
            # "Lustre 2.15 Release": a dotted number with no zone is no time claim.
            k = e
            continue
        written = " ".join(x for x in words[s:k] if x not in ("(", ")"))
        if zone is None and unknown is None:
            zoneless.append(written)
            continue
        if current is None:
            undated.append(len(sentences[-1]))
        own = fresh and bool(sentences[-1])
        sentences[-1].append(Claim(written, value, zone, unknown, current, own))
        fresh = False
    return Found(list(checks.values()), [s for s in sentences if s], zoneless, bad)


# ---------------------------------------------------------------- checking


def _aware(day: date, clock: time, key: str) -> datetime:
    return datetime.combine(day, clock).replace(tzinfo=get_zone(key))


def check_text(text: str, *, today: date, day_first: bool = False) -> Report:
    """Find the claims in `text` and check them; `today` dates texts that give no date."""
    found = find_claims(text, today=today, day_first=day_first)
    report = Report(dates=found.dates, zoneless=found.zoneless, bad_dates=found.bad_dates)
    for claims in found.sentences:
        out = Sentence()
        for claim in claims:
            if claim.zone is None:
                report.unread.append(claim)
                continue
            if claim.day is None:
                report.assumed_today = today
            day = claim.day or today
            if out.anchor is None or out.start is None:
                out.anchor = claim
                out.start = _aware(day, claim.times.start, claim.zone.key)
                if claim.times.end is not None:
                    end_day = day + timedelta(days=1 if claim.times.crosses_midnight else 0)
                    out.end = _aware(end_day, claim.times.end, claim.zone.key)
                _zone_notes(out, claim.zone, out.start)
                continue
            out.verdicts.append(_verdict(claim, out.start, out.end))
            _zone_notes(out, claim.zone, out.start)
        if out.anchor is not None:
            report.sentences.append(out)
    return report


def _zone_notes(out: Sentence, zone: ZoneReading, when: datetime) -> None:
    for note in (zone.note, season_note(zone, when)):
        if note and note not in out.warnings:
            out.warnings.append(note)


def _verdict(claim: Claim, start: datetime, end: datetime | None) -> Verdict:
    assert claim.zone is not None
    zone = get_zone(claim.zone.key)
    local_start = start.astimezone(zone)
    local_end = end.astimezone(zone) if end is not None else None
    end_ok: bool | None = None
    if claim.times.end is not None and local_end is not None:
        end_ok = local_end.time() == claim.times.end
    # A claim with a date of its own ("Fri 9/28 1 AM Tokyo") must also be on that day.
    own_day = claim.own_date and claim.day is not None
    return Verdict(
        claim=claim,
        expected_start=local_start,
        expected_end=local_end,
        start_ok=local_start.time() == claim.times.start,
        end_ok=end_ok,
        day_shift=(local_start.date() - start.date()).days,
        start_date_ok=not own_day or local_start.date() == claim.day,
    )
