"""The support desk's vocabulary and its pure parsers: severities, levels, roles, durations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

SEVERITIES = ("S1", "S2", "S3", "S4")
DEFAULT_SEVERITY = "S3"
SEVERITY_NAMES = {"S1": "critical", "S2": "major", "S3": "minor", "S4": "question"}
LEVELS = ("L1", "L2", "L3")
ROLES = ("product team", "platform integrator", "software service provider")
COLLABORATIONS = ("community", "contributing", "integrated")
TITLE_MAX = 120
DESCRIPTION_MAX = 3000
NAME_MAX = 100
ALIAS_MAX = 60

_DURATION = re.compile(r"^(\d{1,5})\s*(m|min|mins|h|hr|hrs|d|w)$", re.IGNORECASE)
_UNIT_MINUTES = {"m": 1, "min": 1, "mins": 1, "h": 60, "hr": 60, "hrs": 60, "d": 1440, "w": 10080}


class VocabError(ValueError):
    """A value outside the vocabulary; the message names it and the choices."""


def normalize(text: str) -> str:
    """The comparison form of a name: lower case, single spaces, no stray punctuation."""
    cleaned = re.sub(r"[^\w.+#/-]+", " ", text.lower())
    return " ".join(cleaned.split())


def parse_severity(token: str) -> str:
    raw = token.strip().upper()
    if raw in SEVERITIES:
        return raw
    if raw.isdigit() and f"S{raw}" in SEVERITIES:
        return f"S{raw}"
    raise VocabError(
        f"`{token[:20]}` is not a severity; use one of S1 (critical) to S4 (question)."
    )


def is_severity(token: str) -> bool:
    return token.strip().upper() in SEVERITIES


def parse_level(token: str) -> str:
    raw = token.strip().upper()
    if raw in LEVELS:
        return raw
    raise VocabError(f"`{token[:20]}` is not a support level; use L1, L2 or L3.")


def parse_role(token: str) -> str:
    raw = " ".join(token.strip().lower().replace("-", " ").replace("_", " ").split())
    if raw in ROLES:
        return raw
    raise VocabError(f"`{token[:40]}` is not a role; use one of: {', '.join(ROLES)}.")


def parse_collaboration(token: str) -> str:
    raw = token.strip().lower()
    if raw in COLLABORATIONS:
        return raw
    raise VocabError(
        f"`{token[:40]}` is not a collaboration level; use one of: {', '.join(COLLABORATIONS)}."
    )


def parse_duration(token: str) -> int:
    """Minutes from `30m`, `4h`, `1d` or `2w`."""
    m = _DURATION.match(token.strip())
    if not m:
        raise VocabError(f"`{token[:20]}` is not a duration; write e.g. 30m, 4h, 1d or 2w.")
    minutes = int(m.group(1)) * _UNIT_MINUTES[m.group(2).lower()]
    if minutes <= 0:
        raise VocabError(f"`{token[:20]}`: a target must be longer than zero.")
    return minutes


def format_duration(minutes: int | None) -> str:
    """The shortest exact spelling of a duration: 90 -> 90m, 240 -> 4h, 2880 -> 2d."""
    if minutes is None:
        return "—"
    for unit, size in (("w", 10080), ("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def format_elapsed(seconds: float | None) -> str:
    """A rough human duration for medians: 45m, 3.5h, 2.1d."""
    if seconds is None:
        return "—"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f}m"
    hours = minutes / 60
    if hours < 48:
        return f"{hours:.1f}h"
    return f"{hours / 24:.1f}d"


def parse_targets(tokens: list[str]) -> dict[str, int]:
    """`S1=4h S2=1d` -> {"S1": 240, "S2": 1440}; `S4=none` removes a target (-1)."""
    out: dict[str, int] = {}
    for tok in tokens:
        sev, eq, dur = tok.partition("=")
        if not eq:
            raise VocabError(f"`{tok[:30]}` should look like S1=4h.")
        severity = parse_severity(sev)
        out[severity] = -1 if dur.strip().lower() in ("none", "-", "") else parse_duration(dur)
    return out


def parse_date(token: str) -> date:
    try:
        return date.fromisoformat(token.strip())
    except ValueError:
        raise VocabError(f"`{token[:20]}` is not a date; write YYYY-MM-DD.") from None


@dataclass(frozen=True)
class TierInfo:
    """A tier's promises: minutes to first response and to resolution per severity."""

    name: str
    description: str
    response: dict[str, int] = field(default_factory=dict)
    resolution: dict[str, int] = field(default_factory=dict)
    rank: int = 0
    builtin: bool = False
    customized: bool = False

    def response_minutes(self, severity: str) -> int | None:
        return self.response.get(severity)

    def resolution_minutes(self, severity: str) -> int | None:
        return self.resolution.get(severity)


def _h(hours: float) -> int:
    return int(hours * 60)


DEFAULT_TIERS: dict[str, TierInfo] = {
    "best-effort": TierInfo(
        "best-effort",
        "Cannot guarantee any minimum level of support, other than providing as much and "
        "as best as is possible in any given circumstance.",
        {},
        {},
        rank=0,
        builtin=True,
    ),
    "basic": TierInfo(
        "basic",
        "A minimum level of support is guaranteed for the most common service targets.",
        {"S1": _h(8), "S2": _h(24), "S3": _h(72), "S4": _h(120)},
        {"S1": _h(120), "S2": _h(240), "S3": _h(720)},
        rank=1,
        builtin=True,
    ),
    "extended": TierInfo(
        "extended",
        "Significant and measurable support for the software and services the provider "
        "is responsible for.",
        {"S1": _h(4), "S2": _h(8), "S3": _h(24), "S4": _h(72)},
        {"S1": _h(48), "S2": _h(120), "S3": _h(360), "S4": _h(720)},
        rank=2,
        builtin=True,
    ),
    "premium": TierInfo(
        "premium",
        "The highest level of support: specialised and personal assistance, customised "
        "service levels.",
        {"S1": _h(1), "S2": _h(4), "S3": _h(8), "S4": _h(24)},
        {"S1": _h(24), "S2": _h(72), "S3": _h(240), "S4": _h(480)},
        rank=3,
        builtin=True,
    ),
}

TIER_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


def parse_tier_name(token: str) -> str:
    raw = token.strip().lower().replace(" ", "-").replace("_", "-")
    if raw == "besteffort":
        raw = "best-effort"
    if not TIER_NAME.match(raw):
        raise VocabError(f"`{token[:40]}` is not a tier name; use letters, digits and dashes.")
    return raw
