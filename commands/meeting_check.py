"""/meeting check <pasted text> and the "Check these times" message shortcut.

Both answer only the person who asked: the slash command ephemerally, the shortcut
ephemerally in the message's channel or, where the bot cannot post, in a DM (the
Slack edge sends a shortcut's Reply that way).
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from bot.commands.base import Ctx, Reply, ShortcutMessage
from bot.commands.meeting import router
from bot.commands.registry import Registry
from bot.errors import UsageError
from bot.meetings.check import (
    CHECK_EXAMPLE,
    CHECK_USAGE,
    Report,
    Verdict,
    check_text,
    unread_reason,
)
from bot.meetings.present import token
from bot.render import render
from bot.services.workspace import day_first
from bot.slackfmt import escape, neutralize
from bot.timekit.read import weekday_name
from bot.timekit.zones import ZONE_HELP, get_zone, utc_offset_label

SHORTCUT = "check_times"
# Longer texts are cut: a paragraph of minutes is a few thousand characters.
MAX_TEXT = 8000


def _unescaped(text: str) -> str:
    """Slack sends &, < and > escaped; the checker reads the text as written."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _hm(when: datetime) -> str:
    # Not strftime: on aware datetimes it costs microseconds, and answers show hundreds.
    return f"{when.hour:02d}:{when.minute:02d}"


def _shift(days: int) -> str:
    if days == 0:
        return ""
    if days == 1:
        return " (next day)"
    if days == -1:
        return " (previous day)"
    return f" ({days:+d} days)"


def _verdict_view(v: Verdict, start: datetime, end: datetime | None) -> dict[str, Any]:
    claim = v.claim
    assert claim.zone is not None
    anchor_day = start.date()
    view: dict[str, Any] = {
        "ok": v.ok,
        "written": claim.written,
        "label": claim.zone.written,
        "start_from": _hm(start),
        "start": _hm(v.expected_start),
        "start_ok": v.start_ok,
        "start_shift": _shift((v.expected_start.date() - anchor_day).days),
        "claimed_start": f"{claim.times.start:%H:%M}",
        "end": None,
        "end_ok": v.end_ok,
        "wrong_day": None,
    }
    if end is not None and v.expected_end is not None:
        view.update(
            end_from=_hm(end),
            end=_hm(v.expected_end),
            end_shift=_shift((v.expected_end.date() - anchor_day).days),
            claimed_end=f"{claim.times.end:%H:%M}" if claim.times.end else "",
        )
    if not v.start_date_ok:
        view["wrong_day"] = f"*{v.expected_start:%a %Y-%m-%d}*, not {claim.day:%a %Y-%m-%d}"
    return view


def _markup(report: Report, own_tz: str) -> str:
    # Namespaces, not dicts: the template reads attributes, which Jinja tries first.
    sentences = []
    for s in report.sentences:
        anchor = s.anchor
        assert anchor is not None and anchor.zone is not None and s.start is not None
        span = _hm(s.start) + (f"–{_hm(s.end)}" if s.end is not None else "")
        sentences.append(
            SimpleNamespace(
                **{
                    "written": anchor.written,
                    "label": anchor.zone.written,
                    "day": f"{s.start:%a %Y-%m-%d}",
                    "span": span,
                    "zone": anchor.zone.key,
                    "offset": utc_offset_label(s.start),
                    "token": token(s.start),
                    "verdicts": [
                        SimpleNamespace(**_verdict_view(v, s.start, s.end)) for v in s.verdicts
                    ],
                    "warnings": s.warnings,
                }
            )
        )
    dates = [
        SimpleNamespace(
            written=d.written,
            ok=d.ok,
            day=f"{d.value:%a %Y-%m-%d}",
            weekday=weekday_name(d.value.weekday()),
            weekday_written=d.weekday_written is not None,
            problem=d.problem,
            assumption=d.assumption,
            note=d.note if not d.assumption else None,
        )
        for d in report.dates
    ]
    return render(
        "meetings/check.slack.j2",
        checked=report.checked,
        wrong=report.wrong,
        dates=dates,
        bad_dates=report.bad_dates,
        today=f"{report.assumed_today:%a %Y-%m-%d}" if report.assumed_today else None,
        sentences=sentences,
        unread=[
            {
                "written": u.written,
                "word": u.unknown_zone,
                # The zone reader's own words, escaped there; control sequences defused.
                "reason": neutralize(unread_reason(u.unknown_zone) or "") if u.unknown_zone else "",
            }
            for u in report.unread
        ],
        zoneless=report.zoneless,
        zone_help=ZONE_HELP,
        own_tz=own_tz,
    )


def answer(ctx: Ctx, text: str) -> Reply:
    """Check the times of `text` for the asker (their zone dates a text without a date)."""
    text = _unescaped(text).strip()[:MAX_TEXT]
    if not text:
        raise UsageError(
            "Paste the text whose times I should check.", usage=f"{CHECK_USAGE}\n{CHECK_EXAMPLE}"
        )
    own_tz = ctx.rt.directory.user_tz(ctx.session, ctx.team_id, ctx.user_id, store=False)
    today = ctx.now.astimezone(get_zone(own_tz)).date()
    report = check_text(text, today=today, day_first=day_first(ctx.session, ctx.team_id))
    if report.found == 0:
        found = ", ".join(f"“{escape(z)}”" for z in report.zoneless[:5])
        why = f" (times without a zone: {found})" if found else ""
        raise UsageError(
            f"I found no time claims to check in that text{why}. I check a date with its "
            "weekday and a time with a zone against the other times given for it.",
            usage=f"{CHECK_USAGE}\n{CHECK_EXAMPLE}",
        )
    return Reply.markup(_markup(report, own_tz))


@router.sub(
    "check",
    CHECK_USAGE,
    "Check the dates and times of a pasted announcement against each other.",
    writes=False,
)
def check(ctx: Ctx, args: str) -> Reply:
    return answer(ctx, args)


def check_message(ctx: Ctx, message: ShortcutMessage) -> Reply:
    """ "Check these times" on any message: the same check, for the person who asked."""
    return answer(ctx, message.text)


def install(registry: Registry) -> None:
    """The check subcommand is on the /meeting router; the message shortcut is declared here."""
    registry.shortcut(SHORTCUT, check_message)
