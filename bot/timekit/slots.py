"""Fair meeting slots for people spread over time zones.

Candidates are every half hour over the coming days. Each is given a fairness
score, the sum over participants of how far outside their working hours it falls
(lower is fairer; 0 means everyone is inside):

* a participant inside their hours on a working day scores 0;
* otherwise the minutes between the meeting and their working day (before it
  starts or after it ends, whichever is nearer), each minute beyond the first
  `GENTLE` minutes counting twice, so one person's 3 a.m. costs more than two
  people's 7 a.m.;
* a day off adds `DAY_OFF`.

The suggestions are materially different: their UTC times of day are at least
`MIN_GAP` minutes apart on the 24-hour clock, so the same hour on another day is
not offered again. People with the same zone and hours are scored once (a group),
and each zone's UTC offset is computed once per candidate, so 50 people in 12
zones over a week is a few thousand integer comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.timekit.zones import get_zone

DEFAULT_START = 8 * 60
DEFAULT_END = 18 * 60
WORKDAYS = frozenset(range(5))
GENTLE = 120  # minutes outside one's hours that count once; beyond, twice
DAY_OFF = 240  # the score of meeting on one's day off
MIN_GAP = 120  # minutes between the UTC times of day of two suggestions
_DAY = 1440
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a Thursday

Side = Literal["", "early", "late"]


def outside_hours(mod: int, duration: int, start: int, end: int) -> tuple[int, Side]:
    """How many minutes a meeting at local minute `mod` falls outside [start, end), and on which side.

    The distance is to the nearer working day: a 01:00 meeting is 7 h before an
    08:00 start, a 23:00 one 5 h after an 18:00 end (of the day before or the same).
    """
    if start <= mod and mod + duration <= end:
        return 0, ""
    early = max(0, start - mod)
    late = max(0, mod + duration - end)
    options: list[tuple[int, Side]] = [(early + late, "early" if early >= late else "late")]
    options.append((mod + _DAY + duration - end, "late"))  # after yesterday's end
    options.append((start + _DAY - mod, "early"))  # before tomorrow's start
    return min(options, key=lambda o: o[0])


def penalty(outside: int, off_day: bool) -> int:
    """One participant's share of a slot's score."""
    return outside + max(0, outside - GENTLE) + (DAY_OFF if off_day else 0)


@dataclass(frozen=True)
class Participant:
    id: str
    tz: str
    work_start: int = DEFAULT_START  # minutes after local midnight
    work_end: int = DEFAULT_END
    workdays: frozenset[int] = WORKDAYS


@dataclass(frozen=True)
class LocalView:
    participant: Participant
    local: datetime
    inside: bool
    weekend: bool
    outside: int = 0  # minutes between the meeting and the participant's working day
    side: Side = ""  # before the day starts or after it ends
    score: int = 0  # this participant's share of the slot's score


@dataclass
class Slot:
    start: datetime  # UTC
    end: datetime
    inside: int  # participants inside their working hours
    weekend: int  # participants for whom it is a day off
    worst: int  # minutes outside working hours of the worst-off participant
    mask: int = 0  # bit per group inside its hours
    views: list[LocalView] = field(default_factory=list)
    score: int = 0  # the fairness score: lower is fairer, 0 is everyone inside

    def key(self) -> tuple[int, int, int, int, bool, datetime]:
        # Ties go to the slot on the hour, then to the sooner one.
        return (
            self.score,
            -self.inside,
            self.weekend,
            self.worst,
            self.start.minute != 0,
            self.start,
        )

    @property
    def minute_of_day(self) -> int:
        return self.start.hour * 60 + self.start.minute


def day_gap(a: Slot, b: Slot) -> int:
    """Minutes between two slots' UTC times of day, around the clock (0 to 720)."""
    d = abs(a.minute_of_day - b.minute_of_day) % _DAY
    return min(d, _DAY - d)


@dataclass
class Suggestion:
    slots: list[Slot]
    total: int
    alternating: tuple[Slot, Slot] | None = None

    @property
    def fair(self) -> bool:
        return bool(self.slots) and self.slots[0].inside == self.total


@dataclass
class _Group:
    tz: str
    start: int
    end: int
    workdays: frozenset[int]
    members: list[Participant]
    bit: int


def _groups(people: list[Participant]) -> list[_Group]:
    by_profile: dict[tuple[str, int, int, frozenset[int]], _Group] = {}
    for p in people:
        k = (p.tz, p.work_start, p.work_end, p.workdays)
        if k not in by_profile:
            by_profile[k] = _Group(p.tz, p.work_start, p.work_end, p.workdays, [], len(by_profile))
        by_profile[k].members.append(p)
    return list(by_profile.values())


def candidate_starts(now: datetime, days: int, step: int = 30) -> list[datetime]:
    """Every `step` minutes from the next round step after now, for `days` days."""
    base = now.astimezone(UTC).replace(second=0, microsecond=0)
    rest = base.minute % step
    first = base + timedelta(minutes=(step - rest) % step)
    if first <= now:
        first += timedelta(minutes=step)
    return [first + timedelta(minutes=step * i) for i in range(days * 24 * 60 // step)]


def rank(
    people: list[Participant],
    *,
    now: datetime,
    duration: int,
    days: int = 7,
    top: int = 5,
    step: int = 30,
) -> Suggestion:
    """The `top` fairest materially different slots, and an alternating pair when none suits all."""
    groups = _groups(people)
    total = len(people)
    starts = candidate_starts(now, days, step)
    zones = {g.tz for g in groups}
    offsets = {tz: _offsets(tz, starts, _DAY // step) for tz in zones}
    scored: list[Slot] = []
    profiles = [(g.tz, g.start, g.end, g.workdays, len(g.members), 1 << g.bit) for g in groups]
    for i, t in enumerate(starts):
        epoch_min = int((t - _EPOCH).total_seconds()) // 60
        inside = weekend = worst = mask = score = 0
        for tz, w_start, w_end, workdays, size, bit in profiles:
            local = epoch_min + offsets[tz][i]
            mod = local % _DAY
            off_day = (local // _DAY + 3) % 7 not in workdays
            if off_day:
                weekend += size
            outside, _ = outside_hours(mod, duration, w_start, w_end)
            score += size * penalty(outside, off_day)
            if outside == 0 and not off_day:
                inside += size
                mask |= bit
            elif outside > worst:
                worst = outside
        slot = Slot(t, t + timedelta(minutes=duration), inside, weekend, worst, mask, score=score)
        scored.append(slot)
    best = _pick(sorted(scored, key=Slot.key), top)
    alternating = None
    if best and best[0].inside < total:
        alternating = _alternate(scored, groups, best[0])
    chosen = best + [s for s in alternating or () if s not in best]
    for s in chosen:
        s.views = _views(s, people)
    return Suggestion(best, total, alternating)


def _offsets(tz: str, starts: list[datetime], per_day: int) -> list[int]:
    """The zone's UTC offset in minutes at each start, asking the zone about twice a day.

    An offset changes at most once a day, so a day whose first and last candidates
    agree has that offset throughout; only transition days are computed per slot.
    """
    zone = get_zone(tz)

    def offset(t: datetime) -> int:
        return int((t.astimezone(zone).utcoffset() or timedelta(0)).total_seconds()) // 60

    out: list[int] = []
    for i in range(0, len(starts), per_day):
        day = starts[i : i + per_day]
        first, last = offset(day[0]), offset(day[-1])
        out.extend([first] * len(day) if first == last else [offset(t) for t in day])
    return out


def _pick(ordered: list[Slot], top: int) -> list[Slot]:
    """The best slots whose times of day are `MIN_GAP` apart (and that do not overlap)."""
    picked: list[Slot] = []
    for s in ordered:
        if all(day_gap(s, p) >= MIN_GAP and (s.end <= p.start or s.start >= p.end) for p in picked):
            picked.append(s)
            if len(picked) == top:
                break
    return picked


def _alternate(scored: list[Slot], groups: list[_Group], best: Slot) -> tuple[Slot, Slot] | None:
    """Two slots that together put everyone inside their hours at least once."""
    by_mask: dict[int, Slot] = {}
    for s in scored:
        if s.mask and (s.mask not in by_mask or s.key() < by_mask[s.mask].key()):
            by_mask[s.mask] = s
    sizes = [len(g.members) for g in groups]

    def covered(mask: int) -> int:
        return sum(sizes[g.bit] for g in groups if mask >> g.bit & 1)

    masks = list(by_mask)
    found: tuple[tuple[int, int, int], tuple[Slot, Slot]] | None = None
    for a_i, a in enumerate(masks):
        for b in masks[a_i + 1 :]:
            union = a | b
            sa, sb = by_mask[a], by_mask[b]
            # Prefer covering everyone, then fewer weekends, then the milder worst hour.
            score = (-covered(union), sa.weekend + sb.weekend, max(sa.worst, sb.worst))
            if found is None or score < found[0]:
                found = (score, (sa, sb) if sa.start <= sb.start else (sb, sa))
    if found is None or -found[0][0] <= best.inside:
        return None
    return found[1]


def _views(slot: Slot, people: list[Participant]) -> list[LocalView]:
    out: list[LocalView] = []
    minutes = int((slot.end - slot.start).total_seconds()) // 60
    for p in people:
        local = slot.start.astimezone(get_zone(p.tz))
        mod = local.hour * 60 + local.minute
        off_day = local.weekday() not in p.workdays
        outside, side = outside_hours(mod, minutes, p.work_start, p.work_end)
        inside = not off_day and outside == 0
        out.append(LocalView(p, local, inside, off_day, outside, side, penalty(outside, off_day)))
    return out
