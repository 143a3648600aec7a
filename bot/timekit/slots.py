"""Fair meeting slots for people spread over time zones.

Candidates are every half hour over the coming days. Each is scored by how many
participants are inside their working hours, how many would meet on their
weekend, and how far outside their hours the worst-off participant is. People
with the same zone and hours are scored once (a group), and each zone's UTC offset
is computed once per candidate, so 50 people in 12 zones over a week is a few
thousand integer comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.timekit.zones import get_zone

DEFAULT_START = 8 * 60
DEFAULT_END = 18 * 60
WORKDAYS = frozenset(range(5))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a Thursday


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


@dataclass
class Slot:
    start: datetime  # UTC
    end: datetime
    inside: int  # participants inside their working hours
    weekend: int  # participants for whom it is a day off
    worst: int  # minutes outside working hours of the worst-off participant
    mask: int = 0  # bit per group inside its hours
    views: list[LocalView] = field(default_factory=list)

    def key(self) -> tuple[int, int, int, datetime]:
        return (-self.inside, self.weekend, self.worst, self.start)


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
    """The best `top` non-overlapping slots, and an alternating pair when none suits all."""
    groups = _groups(people)
    total = len(people)
    starts = candidate_starts(now, days, step)
    zones = {g.tz for g in groups}
    offsets = {tz: _offsets(tz, starts, 1440 // step) for tz in zones}
    scored: list[Slot] = []
    profiles = [(g.tz, g.start, g.end, g.workdays, len(g.members), 1 << g.bit) for g in groups]
    for i, t in enumerate(starts):
        epoch_min = int((t - _EPOCH).total_seconds()) // 60
        inside = weekend = worst = mask = 0
        for tz, w_start, w_end, workdays, size, bit in profiles:
            local = epoch_min + offsets[tz][i]
            mod = local % 1440
            off_day = (local // 1440 + 3) % 7 not in workdays
            if off_day:
                weekend += size
            early = w_start - mod if mod < w_start else 0
            late = mod + duration - w_end if mod + duration > w_end else 0
            outside = early + late
            if outside == 0 and not off_day:
                inside += size
                mask |= bit
            elif outside > worst:
                worst = outside
        scored.append(Slot(t, t + timedelta(minutes=duration), inside, weekend, worst, mask))
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
    picked: list[Slot] = []
    for s in ordered:
        if all(s.end <= p.start or s.start >= p.end for p in picked):
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
        inside = not off_day and p.work_start <= mod and mod + minutes <= p.work_end
        out.append(LocalView(p, local, inside, off_day))
    return out
