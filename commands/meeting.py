"""/meeting: recurring meetings across time zones, reminders, fair slots and calendars."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot import outbox
from bot.commands.base import (
    ActionInfo,
    Ctx,
    Reply,
    Router,
    ViewResult,
    split_args,
)
from bot.commands.registry import Registry
from bot.errors import PermissionDenied, UsageError
from bot.grammar import CHANNEL_TOKEN, USER_TOKEN
from bot.meetings import feed
from bot.meetings import hooks as meeting_hooks
from bot.meetings import reminders as meeting_reminders
from bot.meetings import services as svc
from bot.meetings.grammar import (
    EDIT_USAGE,
    SCHEDULE_USAGE,
    TIMES_USAGE,
    apply_edit,
    parse_schedule,
    parse_times,
)
from bot.meetings.ics import calendar
from bot.meetings.present import (
    local_text,
    moved_notices,
    occurrence_view,
    series_view,
    token,
    zone_rows,
)
from bot.models import SlackUser
from bot.render import blocks as bk
from bot.render import render
from bot.slackfmt import escape
from bot.timekit.dst import localize
from bot.timekit.parse import format_duration, parse_duration, parse_hours, take_date
from bot.timekit.slots import DEFAULT_END, DEFAULT_START, Participant, rank
from bot.timekit.zones import ZoneReading, get_zone, season_note, utc_offset_label, zone_label

router = Router(
    "meeting",
    "meetings across time zones: schedules, reminders, fair slots, calendars",
    examples=(
        '/meeting schedule "SWG" every 2 weeks on tuesday at 16:00 UTC for 1h starting 2026-12-01',
        '/meeting schedule "TWG sync" every first monday at 15:00 Europe/Paris remind 1d,15m',
        '/meeting schedule "Ops weekly" every wednesday at 9am America/Chicago for 90m in #ops',
        '/meeting schedule "Planning" on 2026-12-03 at 07:00 PT for 1h',
        "/meeting next SWG",
        "/meeting times wednesday 2027-03-10 9am America/Los_Angeles in New York, London, India, Tokyo",
        "/meeting suggest 1h for @alice @bob #ops within 5 days",
    ),
)

LIST_USAGE = "/meeting list [all]"
NEXT_USAGE = "/meeting next [series]"
CANCEL_USAGE = "/meeting cancel <series>"
SKIP_USAGE = "/meeting skip <series> <date> [reason]"
SUGGEST_USAGE = "/meeting suggest <duration> [for @user @user #channel ...] [within N days]"
HOURS_USAGE = "/meeting hours [9-17]"
ICS_USAGE = "/meeting ics <series>"
CONFIRM_ACTION = "meeting_confirm"
SCHEDULE_VIEW = "meeting_schedule"
MAX_SUGGEST_PEOPLE = 200


# -- helpers --------------------------------------------------------------------------


def _user_tz(ctx: Ctx) -> str:
    return ctx.rt.directory.user_tz(ctx.session, ctx.team_id, ctx.user_id)


def _feed_url(ctx: Ctx, channel_id: str) -> str:
    tok = svc.feed_token(ctx.session, team_id=ctx.team_id, channel_id=channel_id, now=ctx.now)
    return str(ctx.settings.public(f"/calendar/{tok}.ics"))


def _check_channel(ctx: Ctx, channel_id: str, usage: str) -> None:
    """A series lives in a channel its scheduler is in (and that we can see)."""
    if channel_id == ctx.channel_id or ctx.console:
        return
    members = ctx.rt.directory.channel_members(ctx.session, ctx.team_id, channel_id)
    if ctx.user_id not in members:
        raise UsageError(
            f"You are not a member of <#{channel_id}> (or I cannot see it): "
            "schedule meetings in channels you are in.",
            usage,
        )


def _may_change(ctx: Ctx, series: Any) -> None:
    if ctx.user_id == series.created_by or ctx.user_id in (series.chairs or []):
        return
    if ctx.is_admin():
        return
    raise PermissionDenied(
        f"Only the person who scheduled “{escape(series.name)}”, its chairs or a bot admin can change it."
    )


def _conflict_reply(
    ctx: Ctx, name: str, clashes: list[svc.Clash], payload: dict[str, Any]
) -> Reply:
    value = json.dumps(payload, separators=(",", ":"))
    if len(value) > 1900:
        raise UsageError("This request is too long to confirm with a button; shorten the links.")
    markup = render(
        "meetings/conflict.slack.j2",
        series_name=name,
        clashes=[
            {**c.__dict__, "token": token(c.start), "utc": f"{c.start:%a %Y-%m-%d %H:%M} UTC"}
            for c in clashes[:10]
        ],
    )
    blocks = bk.from_markup(markup)
    blocks.append(bk.actions([bk.button(CONFIRM_ACTION, value, "Schedule anyway", "primary")]))
    return Reply(
        text=f"{escape(name)} would clash with another meeting; nothing is saved yet.",
        blocks=blocks,
    )


def _scheduled_reply(
    ctx: Ctx, series: Any, plan: svc.Plan, verb: str, public: bool = False
) -> Reply:
    occs = svc.upcoming(series, after=ctx.now, limit=4)
    markup = render(
        "meetings/scheduled.slack.j2",
        verb=verb,
        s=series_view(series, next_occ=occs[0] if occs else None),
        occs=[occurrence_view(o, series.home_tz) for o in occs],
        notes=list(plan.draft.notes),
        warnings=list(plan.warnings),
        feed_url=_feed_url(ctx, series.channel_id),
    )
    return Reply.markup(markup, public=public)


def create(ctx: Ctx, draft: svc.Draft, *, confirmed: bool) -> Reply:
    """Plan, check conflicts (unless confirmed), save and answer."""
    _check_channel(ctx, draft.channel_id, SCHEDULE_USAGE)
    plan = svc.plan(draft, now=ctx.now, usage=SCHEDULE_USAGE)
    if not confirmed:
        clashes = svc.find_conflicts(ctx.session, team_id=ctx.team_id, plan_=plan, now=ctx.now)
        if clashes:
            return _conflict_reply(ctx, draft.name, clashes, {"k": "new", "d": draft.to_json()})
    series = svc.save_new(
        ctx.session, team_id=ctx.team_id, plan_=plan, user_id=ctx.user_id, now=ctx.now
    )
    return _scheduled_reply(ctx, series, plan, "Scheduled")


def edit(
    ctx: Ctx, series: Any, draft: svc.Draft, *, confirmed: bool, payload: dict[str, Any]
) -> Reply:
    _may_change(ctx, series)
    if draft.channel_id != series.channel_id:
        _check_channel(ctx, draft.channel_id, EDIT_USAGE)
    plan = svc.plan(
        draft, now=ctx.now, allow_past=draft.recurrence.kind != "once", usage=EDIT_USAGE
    )
    if not confirmed:
        clashes = svc.find_conflicts(
            ctx.session, team_id=ctx.team_id, plan_=plan, now=ctx.now, exclude_id=series.id
        )
        if clashes:
            return _conflict_reply(ctx, draft.name, clashes, payload)
    svc.save_edit(ctx.session, series=series, plan_=plan, now=ctx.now)
    return _scheduled_reply(ctx, series, plan, "Updated")


# -- subcommands ------------------------------------------------------------------------


@router.sub(
    "schedule",
    '/meeting schedule "NAME" every …|on DATE at TIME [ZONE] [for 1h] [in #channel] [remind 1d,15m] …',
    "Schedule a meeting series (no arguments: a form; see the examples).",
)
def schedule(ctx: Ctx, args: str) -> Reply:
    if not args.strip():
        return Reply(text="Opening the meeting form…", view=schedule_modal(ctx))
    words = split_args(args, SCHEDULE_USAGE)
    draft = parse_schedule(words, channel_id=ctx.channel_id, default_tz=_user_tz(ctx), now=ctx.now)
    return create(ctx, draft, confirmed=False)


@router.sub(
    "list", LIST_USAGE, "This channel's meeting series (`all`: the workspace's).", writes=True
)
def list_series(ctx: Ctx, args: str) -> Reply:
    everywhere = args.strip().lower() == "all"
    if args.strip() and not everywhere:
        raise UsageError(f"`{escape(args.strip()[:30])}`: say `all` or nothing.", LIST_USAGE)
    rows = svc.active_series(
        ctx.session, team_id=ctx.team_id, channel_id=None if everywhere else ctx.channel_id
    )
    views = [series_view(s, next_occ=svc.next_occurrence(s, after=ctx.now)) for s in rows[:40]]
    markup = render(
        "meetings/list.slack.j2",
        series=views,
        all=everywhere,
        channel_name=ctx.channel_name or ctx.channel_id,
        feed_url=None if everywhere else _feed_url(ctx, ctx.channel_id),
    )
    return Reply.markup(markup)


@router.sub("next", NEXT_USAGE, "When the next meeting is, in every member's zone.")
def next_meeting(ctx: Ctx, args: str) -> Reply:
    ref = " ".join(split_args(args, NEXT_USAGE))
    if ref:
        candidates = [
            svc.find_series(
                ctx.session,
                team_id=ctx.team_id,
                ref=ref,
                channel_id=ctx.channel_id,
                usage=NEXT_USAGE,
            )
        ]
    else:
        candidates = svc.active_series(ctx.session, team_id=ctx.team_id, channel_id=ctx.channel_id)
        if not candidates:
            return Reply(
                text="No meetings are scheduled in this channel. See `/meeting list all` "
                "or schedule one with `/meeting schedule`."
            )
    found = [(svc.next_occurrence(s, after=ctx.now), s) for s in candidates]
    upcoming = sorted(((o, s) for o, s in found if o is not None), key=lambda pair: pair[0].start)
    if not upcoming:
        return Reply(text=f"“{escape(candidates[0].name)}” has no more meetings.")
    occ, series = upcoming[0]
    zones = ctx.rt.directory.member_zones(ctx.session, ctx.team_id, series.channel_id)
    markup = render(
        "meetings/next.slack.j2",
        s=series_view(series, next_occ=occ),
        o=occurrence_view(occ, series.home_tz),
        rows=zone_rows(occ.start, zones, occ.local),
        moved=moved_notices(series, occ, list(zones)),
    )
    return Reply.markup(markup)


@router.sub("cancel", CANCEL_USAGE, "Cancel a series (its scheduler, chairs or admins).")
def cancel(ctx: Ctx, args: str) -> Reply:
    ref = " ".join(split_args(args, CANCEL_USAGE))
    series = svc.find_series(
        ctx.session, team_id=ctx.team_id, ref=ref, channel_id=ctx.channel_id, usage=CANCEL_USAGE
    )
    _may_change(ctx, series)
    svc.cancel(ctx.session, series=series, now=ctx.now)
    return Reply(
        text=f":wastebasket: Cancelled *{escape(series.name)}* (#{series.number}); "
        "no more reminders will be posted.",
    )


@router.sub("skip", SKIP_USAGE, "Skip one meeting of a series, with a reason.")
def skip(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, SKIP_USAGE)
    if len(words) < 2:
        raise UsageError("Name the series and the date to skip.", SKIP_USAGE)
    series = svc.find_series(
        ctx.session, team_id=ctx.team_id, ref=words[0], channel_id=ctx.channel_id, usage=SKIP_USAGE
    )
    today = ctx.now.astimezone(get_zone(series.home_tz)).date()
    taken = take_date(words, 1, today)
    if taken is None:
        raise UsageError(f"`{escape(words[1][:30])}` is not a date (use 2026-12-24).", SKIP_USAGE)
    reason = " ".join(words[1 + taken.used :]).strip()
    _may_change(ctx, series)
    occ = svc.skip(ctx.session, series=series, day=taken.value, reason=reason, now=ctx.now)
    why = f" ({escape(reason)})" if reason else ""
    nxt = svc.next_occurrence(series, after=ctx.now)
    after = f" Next: {token(nxt.start)}." if nxt else ""
    return Reply(
        text=f":fast_forward: Skipping *{escape(series.name)}* on "
        f"{local_text(occ.start, series.home_tz)}{why}.{after}"
    )


@router.sub("edit", EDIT_USAGE.splitlines()[0], "Change one field of a series.")
def edit_cmd(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, EDIT_USAGE)
    if len(words) < 3:
        raise UsageError("Name the series, the field and its new value.", EDIT_USAGE)
    series = svc.find_series(
        ctx.session, team_id=ctx.team_id, ref=words[0], channel_id=ctx.channel_id, usage=EDIT_USAGE
    )
    draft = apply_edit(svc.draft_of(series), words[1], words[2:], now=ctx.now)
    payload = {"k": "edit", "s": series.id, "d": draft.to_json()}
    return edit(ctx, series, draft, confirmed=False, payload=payload)


@router.sub(
    "times", TIMES_USAGE, "Convert a time to other zones (default: the channel's).", writes=True
)
def times(ctx: Ctx, args: str) -> Reply:
    own_tz = _user_tz(ctx)
    today = ctx.now.astimezone(get_zone(own_tz)).date()
    req = parse_times(args, today_in=today)
    notes: list[str] = []
    source = req.zone or ZoneReading(own_tz, own_tz)
    if req.zone is None:
        notes.append(f"No zone given: read in your Slack time zone, {own_tz}.")
    aware = localize(req.naive, source.key, TIMES_USAGE)
    warnings = list(req.warnings)
    for reading in (source, *req.targets):
        if reading.note:
            notes.append(reading.note)
    season = season_note(source, aware)
    if season:
        warnings.append(season)
    if req.targets:
        zones: dict[str, list[str]] = {}
        for r in req.targets:
            zones.setdefault(r.key, [])
    else:
        zones = ctx.rt.directory.member_zones(ctx.session, ctx.team_id, ctx.channel_id)
        if not zones:
            zones = {"UTC": []}
    rows = zone_rows(aware, zones, aware)
    markup = render(
        "meetings/times.slack.j2",
        source={
            "time": f"{aware:%H:%M}",
            "day": f"{aware:%a %Y-%m-%d}",
            "label": source.key,
            "offset": utc_offset_label(aware),
        },
        token=token(aware),
        warnings=warnings,
        notes=list(dict.fromkeys(notes)),
        rows=rows,
    )
    return Reply.markup(markup)


_WITHIN = re.compile(r"^within$|^in$|^over$", re.I)


@router.sub("suggest", SUGGEST_USAGE, "Rank fair slots for people in many zones.", writes=True)
def suggest(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, SUGGEST_USAGE)
    if not words:
        raise UsageError("Give the meeting's length (like `1h`).", SUGGEST_USAGE)
    duration = parse_duration(words[0], SUGGEST_USAGE)
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
            if i + 1 >= len(words) or not words[i + 1].isdigit():
                raise UsageError("Say `within N days`.", SUGGEST_USAGE)
            days = int(words[i + 1])
            if not 1 <= days <= 14:
                raise UsageError("Look 1 to 14 days ahead.", SUGGEST_USAGE)
            i += 3 if i + 2 < len(words) and words[i + 2].lower().startswith("day") else 2
            continue
        m_user, m_chan = USER_TOKEN.match(w), CHANNEL_TOKEN.match(w)
        if m_user:
            users.append(m_user[1])
        elif m_chan:
            channels.append(m_chan[1])
        else:
            raise UsageError(f"`{escape(w[:40])}` is not a @person or a #channel.", SUGGEST_USAGE)
        i += 1
    if not users and not channels:
        channels.append(ctx.channel_id)
    for c in channels:
        users.extend(ctx.rt.directory.channel_members(ctx.session, ctx.team_id, c))
    people: list[Participant] = []
    unknown: list[str] = []
    for uid in list(dict.fromkeys(users))[:MAX_SUGGEST_PEOPLE]:
        info = ctx.rt.directory.user(ctx.session, ctx.team_id, uid)
        if info is None or info.is_bot:
            continue
        if not info.tz:
            unknown.append(uid)
        people.append(
            Participant(
                uid,
                info.tz or "UTC",
                info.work_start if info.work_start is not None else DEFAULT_START,
                info.work_end if info.work_end is not None else DEFAULT_END,
            )
        )
    if not people:
        raise UsageError("I found nobody to meet (no people in those channels).", SUGGEST_USAGE)
    result = rank(people, now=ctx.now, duration=duration, days=days)

    def slot_view(slot: Any) -> dict[str, Any]:
        by_zone: dict[tuple[str, bool], dict[str, Any]] = {}
        first_local = slot.start
        for v in slot.views:
            key = (v.participant.tz, v.inside)
            if key not in by_zone:
                by_zone[key] = {
                    "label": zone_label(v.participant.tz),
                    "time": f"{v.local:%H:%M}",
                    "day": f"{v.local:%a}" if v.local.date() != first_local.date() else "",
                    "inside": v.inside,
                    "weekend": v.weekend,
                    "count": 0,
                    "offset": v.local.utcoffset() or timedelta(0),
                }
            by_zone[key]["count"] += 1
        return {
            "token": token(slot.start),
            "utc": f"{slot.start:%a %H:%M} UTC",
            "inside": slot.inside,
            "weekend": slot.weekend,
            "zones": sorted(by_zone.values(), key=lambda z: z["offset"]),
        }

    markup = render(
        "meetings/suggest.slack.j2",
        total=result.total,
        duration=format_duration(duration),
        fair=result.fair,
        slots=[slot_view(s) for s in result.slots],
        alternating=[slot_view(s) for s in result.alternating] if result.alternating else None,
    )
    return Reply.markup(markup)


@router.sub("hours", HOURS_USAGE, "Your working hours for slot suggestions.")
def hours(ctx: Ctx, args: str) -> Reply:
    info = ctx.rt.directory.user(ctx.session, ctx.team_id, ctx.user_id)
    row = ctx.session.get(SlackUser, (ctx.team_id, ctx.user_id))
    if row is None:
        row = SlackUser(team_id=ctx.team_id, user_id=ctx.user_id, name=ctx.user_id)
        ctx.session.add(row)
    tz = (info.tz if info else None) or "UTC"
    if not args.strip():
        start = row.work_start if row.work_start is not None else DEFAULT_START
        end = row.work_end if row.work_end is not None else DEFAULT_END
        return Reply(
            text=f"Your working hours: {start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d} "
            f"({tz}), Monday–Friday. Change them with `{HOURS_USAGE}`."
        )
    start, end = parse_hours(args, HOURS_USAGE)
    row.work_start, row.work_end = start, end
    ctx.session.flush()
    ctx.rt.directory.forget(ctx.team_id, ctx.user_id)
    return Reply(
        text=f":white_check_mark: Your working hours are now {start // 60:02d}:{start % 60:02d}–"
        f"{end // 60:02d}:{end % 60:02d} ({tz}); `/meeting suggest` will use them."
    )


@router.sub("ics", ICS_USAGE, "Upload a series as an .ics file; shows the channel's feed URL.")
def ics(ctx: Ctx, args: str) -> Reply:
    ref = " ".join(split_args(args, ICS_USAGE))
    series = svc.find_series(
        ctx.session, team_id=ctx.team_id, ref=ref, channel_id=ctx.channel_id, usage=ICS_USAGE
    )
    body = calendar(
        [series], name=f"wgbot: {series.name}", public_url=ctx.settings.public_url, now=ctx.now
    )
    slug = re.sub(r"[^A-Za-z0-9]+", "-", series.name).strip("-").lower() or "meeting"
    outbox.upload_file(
        ctx.session,
        team_id=ctx.team_id,
        channel=ctx.channel_id,
        filename=f"{slug}.ics",
        content=body,
        now=ctx.now,
        title=f"{series.name} (calendar)",
    )
    url = _feed_url(ctx, series.channel_id)
    return Reply(
        text=f":calendar: Uploading *{escape(series.name)}* as `{slug}.ics` here. "
        f"Subscribe to all of {'this channel' if series.channel_id == ctx.channel_id else '<#' + series.channel_id + '>'}'s "
        f"meetings instead: {url}"
    )


# -- the confirm button and the modal ---------------------------------------------------


def confirm(ctx: Ctx, info: ActionInfo) -> Reply:
    try:
        payload = json.loads(info.value)
        draft = svc.Draft.from_json(payload["d"])
    except (ValueError, KeyError, TypeError):
        raise UsageError("That button is out of date; please run the command again.") from None
    if payload.get("k") == "edit":
        series = svc.find_series(
            ctx.session,
            team_id=ctx.team_id,
            ref=str(_number_of(ctx, payload)),
            channel_id=ctx.channel_id,
        )
        return edit(ctx, series, draft, confirmed=True, payload=payload)
    return create(ctx, draft, confirmed=True)


def _number_of(ctx: Ctx, payload: dict[str, Any]) -> int:
    from bot.meetings.models import MeetingSeries

    series = ctx.session.get(MeetingSeries, int(payload["s"]))
    if series is None or series.team_id != ctx.team_id:
        raise UsageError("That series no longer exists.")
    return series.number


def _input(
    block_id: str,
    label: str,
    *,
    placeholder: str = "",
    initial: str | None = None,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "v"}
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder[:150]}
    if initial:
        element["initial_value"] = initial
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint[:2000]}
    return block


def schedule_modal(ctx: Ctx) -> dict[str, Any]:
    tz = _user_tz(ctx)
    return {
        "type": "modal",
        "callback_id": SCHEDULE_VIEW,
        "private_metadata": ctx.channel_id,
        "title": {"type": "plain_text", "text": "Schedule a meeting"},
        "submit": {"type": "plain_text", "text": "Schedule"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input("name", "Name", placeholder="SWG"),
            _input(
                "when",
                "Repeats",
                placeholder="every 2 weeks on tuesday",
                hint="every tuesday · every weekday · every first monday · "
                "every odd week on thursday · on 2026-12-03 (once)",
            ),
            _input("time", "Time", placeholder="16:00 or 9am"),
            _input("zone", "Time zone", initial=tz, hint="Europe/Paris, UTC+5:30, PT, Tokyo …"),
            _input("duration", "Duration", initial="1h"),
            {
                "type": "input",
                "block_id": "starting",
                "optional": True,
                "label": {"type": "plain_text", "text": "Starting"},
                "element": {"type": "datepicker", "action_id": "v"},
            },
            {
                "type": "input",
                "block_id": "channel",
                "optional": True,
                "label": {"type": "plain_text", "text": "Channel"},
                "element": {
                    "type": "conversations_select",
                    "action_id": "v",
                    "default_to_current_conversation": True,
                },
            },
            _input("remind", "Reminders before", initial="1d,15m", optional=True),
            _input("agenda", "Agenda link", placeholder="https://…", optional=True),
            _input("join", "Join link", placeholder="https://…", optional=True),
        ],
    }


def schedule_submitted(ctx: Ctx, values: dict[str, Any], metadata: str) -> ViewResult:
    def get(block: str) -> str:
        return str(values.get(block) or "").strip()

    channel = get("channel") or metadata or ctx.channel_id
    when_words = get("when").split()
    if (
        when_words
        and when_words[0].lower()
        not in ("every", "each", "on", "daily", "weekdays", "weekly", "biweekly", "monthly")
        and not when_words[0].lower().startswith("biweekly-")
    ):
        when_words = ["every", *when_words]
    words = [get("name"), *when_words, "at", *get("time").split(), *get("zone").split()]
    words += ["for", get("duration") or "1h"]
    if get("starting"):
        words += ["starting", get("starting")]
    words += ["in", f"<#{channel}>"]
    if get("remind"):
        words += ["remind", get("remind")]
    if get("agenda"):
        words += ["agenda", get("agenda")]
    if get("join"):
        words += ["join", get("join")]
    errors: dict[str, str] = {}
    if not get("name"):
        errors["name"] = "Give the series a name."
    try:
        draft = parse_schedule(words, channel_id=channel, default_tz=_user_tz(ctx), now=ctx.now)
        reply = create(replace(ctx, channel_id=metadata or channel), draft, confirmed=False)
    except UsageError as exc:
        errors.setdefault(_block_for(exc.message), exc.message[:150])
        return ViewResult(errors=errors)
    if errors:
        return ViewResult(errors=errors)
    return ViewResult(notice=reply, notice_channel=channel)


def _block_for(message: str) -> str:
    low = message.lower()
    for block, words in (
        ("time", ("time of day", "at what time", "does not exist", "happens twice")),
        ("zone", ("time zone", "offset")),
        ("duration", ("duration", "minutes", "hours", "last")),
        ("starting", ("past", "date")),
        ("remind", ("reminder",)),
        ("agenda", ("agenda",)),
        ("join", ("join",)),
        ("channel", ("member", "channel")),
        ("name", ("name",)),
    ):
        if any(w in low for w in words):
            return block
    return "when"


def install(registry: Registry) -> None:
    """Meetings: /meeting, its modal and confirm button, reminders, calendar feeds and hooks."""
    registry.family(router)
    registry.action(CONFIRM_ACTION, confirm)
    registry.view(SCHEDULE_VIEW, schedule_submitted)
    registry.periodic("meeting-reminders", meeting_reminders.reminders_task, every=0.25)
    registry.page(feed.PATH, feed.calendar_feed)
    registry.hooks.current_meeting.append(meeting_hooks.current_meeting)
    registry.hooks.next_meeting.append(meeting_hooks.next_meeting)
