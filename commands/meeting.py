"""/meeting: recurring meetings across time zones, reminders, fair slots and calendars."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.commands import home_meetings
from bot.commands.base import (
    ActionInfo,
    Ctx,
    Reply,
    Router,
    ViewResult,
    split_args,
)
from bot.commands.registry import Registry
from bot.errors import UsageError
from bot.meetings import feed, people, rotation, scheduling
from bot.meetings import hooks as meeting_hooks
from bot.meetings import reminders as meeting_reminders
from bot.meetings import services as svc
from bot.meetings.grammar import (
    CANCEL_USAGE,
    EDIT_USAGE,
    HOURS_USAGE,
    ICS_USAGE,
    LIST_USAGE,
    NEXT_USAGE,
    SCHEDULE_USAGE,
    SKIP_USAGE,
    SUGGEST_USAGE,
    TIMES_USAGE,
    apply_edit,
    parse_schedule,
    parse_schedule_form,
    parse_suggest,
    parse_times,
)
from bot.meetings.holidays import by_member, holiday_warnings
from bot.meetings.present import (
    first_meeting,
    local_text,
    moved_notices,
    occurrence_view,
    series_view,
    token,
    zone_rows,
)
from bot.meetings.scheduling import Clashes, Scheduled
from bot.meetings.times import convert_time
from bot.render import blocks as bk
from bot.render import render
from bot.services import workspace
from bot.slackfmt import escape
from bot.timekit.parse import format_duration, parse_hours
from bot.timekit.read import DATES_HELP
from bot.timekit.slots import Slot
from bot.timekit.zones import get_zone, utc_offset_label, zone_label

router = Router(
    "meeting",
    "meetings across time zones: schedules, reminders, fair slots, calendars",
    examples=(
        '/meeting schedule "SWG" every 2 weeks on tuesday at 16:00 UTC for 1h starting 2026-12-01',
        '/meeting schedule "TWG sync" every first monday at 15:00 Europe/Paris remind 1d,15m',
        '/meeting schedule "Ops weekly" every wednesday at 9am America/Chicago for 90m in #ops',
        '/meeting schedule "Planning" on 2026-12-03 at 07:00 PT for 1h',
        '/meeting schedule "CNCF sync" every other tuesday at 16:00 Europe/Paris '
        "rotate 08:00 Asia/Tokyo",
        "/meeting next SWG",
        "/meeting times wednesday 2027-03-10 9am America/Los_Angeles in New York, London, India, Tokyo",
        "/meeting suggest 1h for @alice @bob #ops within 5 days",
        "/meeting times thursday 9/27 7-9 AM PDT in Tokyo, London",
    ),
    notes=(DATES_HELP,),
)

CONFIRM_ACTION = "meeting_confirm"
# The last word of `/meeting schedule …` or `/meeting edit …` that confirms a clash,
# as the "Schedule anyway" button does.
ANYWAY = "anyway"
ANYWAY_HINT = f"Or run the same command again with `{ANYWAY}` at the end."
SCHEDULE_VIEW = "meeting_schedule"
# The scheduling form's blocks, to which a submission's errors are attached.
FORM_BLOCKS = (
    "name",
    "when",
    "time",
    "zone",
    "duration",
    "starting",
    "channel",
    "remind",
    "agenda",
    "join",
)


# -- helpers --------------------------------------------------------------------------


def _user_tz(ctx: Ctx, *, store: bool = True) -> str:
    return ctx.rt.directory.user_tz(ctx.session, ctx.team_id, ctx.user_id, store=store)


def _feed_url(ctx: Ctx, feed_token: str) -> str:
    return str(ctx.settings.public(f"/calendar/{feed_token}.ics"))


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _conflict_reply(
    name: str,
    clashes: list[svc.Clash],
    payload: dict[str, Any],
    *,
    joined: str | None = None,
    by_command: bool = False,
) -> Reply:
    value = json.dumps(payload, separators=(",", ":"))
    if len(value) > 1900:
        raise UsageError("This request is too long to confirm with a button; shorten the links.")
    markup = render(
        "meetings/conflict.slack.j2",
        series_name=name,
        joined=joined,
        clashes=[
            {**c.__dict__, "token": token(c.start), "utc": f"{c.start:%a %Y-%m-%d %H:%M} UTC"}
            for c in clashes[:10]
        ],
    )
    blocks = bk.from_markup(markup)
    blocks.append(bk.actions([bk.button(CONFIRM_ACTION, value, "Schedule anyway", "primary")]))
    if by_command:
        blocks.append(bk.context(ANYWAY_HINT))
    return Reply(
        text=f"{escape(name)} would clash with another meeting; nothing is saved yet.",
        blocks=blocks,
    )


def _scheduled_reply(ctx: Ctx, done: Scheduled, verb: str) -> Reply:
    series = done.series
    occs = svc.upcoming(series, after=ctx.now, limit=4)
    markup = render(
        "meetings/scheduled.slack.j2",
        verb=verb,
        s=series_view(series, next_occ=occs[0] if occs else None),
        first=first_meeting(series, now=ctx.now, next_occ=occs[0] if occs else None),
        occs=[occurrence_view(o, series.home_tz) for o in occs],
        notes=list(done.plan.draft.notes),
        warnings=list(done.plan.warnings),
        feed_url=_feed_url(ctx, done.feed_token),
        joined=done.joined,
    )
    return Reply.markup(markup)


def _outcome_reply(
    ctx: Ctx, outcome: Scheduled | Clashes, verb: str, *, by_command: bool = False
) -> Reply:
    """Saved: the series and its next meetings; clashing: the clashes and a confirm button."""
    if isinstance(outcome, Scheduled):
        return _scheduled_reply(ctx, outcome, verb)
    draft = outcome.plan.draft
    payload: dict[str, Any] = (
        {"k": "new", "d": draft.to_json()}
        if outcome.series_id is None
        else {"k": "edit", "s": outcome.series_id, "d": draft.to_json()}
    )
    joined = draft.channel_id if outcome.joined else None
    return _conflict_reply(
        draft.name, list(outcome.clashes), payload, joined=joined, by_command=by_command
    )


def _anyway(words: list[str]) -> tuple[list[str], bool]:
    """The words without a last `anyway`, and whether it was there (a confirmed clash)."""
    if len(words) > 1 and words[-1].lower() == ANYWAY:
        return words[:-1], True
    return words, False


def _schedule(ctx: Ctx, draft: svc.Draft, *, here: str, confirmed: bool) -> Scheduled | Clashes:
    # The bot posts the reminders in the series' channel and hears its meetings there:
    # made sure of with Slack first (a public channel is joined).
    hearing = ctx.membership(draft.channel_id)
    return scheduling.schedule_series(
        ctx.session,
        directory=ctx.rt.directory,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        here=here,
        draft=draft,
        now=ctx.now,
        hearing=hearing,
        confirmed=confirmed,
        check_membership=not ctx.console,
    )


# -- subcommands ------------------------------------------------------------------------


@router.sub(
    "schedule",
    '/meeting schedule "NAME" every …|on DATE at TIME [ZONE] [for 1h] [in #channel] '
    "[remind 1d,15m] … [anyway]",
    "Schedule a meeting series (no arguments: a form; `anyway`: despite a clash).",
)
def schedule(ctx: Ctx, args: str) -> Reply:
    if not args.strip():
        return Reply(text="Opening the meeting form…", view=schedule_modal(ctx))
    words, anyway = _anyway(split_args(args, SCHEDULE_USAGE))
    draft = parse_schedule(
        words,
        channel_id=ctx.channel_id,
        default_tz=_user_tz(ctx),
        now=ctx.now,
        day_first=workspace.day_first(ctx.session, ctx.team_id),
    )
    return _outcome_reply(
        ctx,
        _schedule(ctx, draft, here=ctx.channel_id, confirmed=anyway),
        "Scheduled",
        by_command=True,
    )


@router.sub(
    "list", LIST_USAGE, "This channel's meeting series (`all`: the workspace's).", writes=False
)
def list_series(ctx: Ctx, args: str) -> Reply:
    everywhere = args.strip().lower() == "all"
    if args.strip() and not everywhere:
        raise UsageError(f"`{escape(args.strip()[:30])}`: say `all` or nothing.", LIST_USAGE)
    found = svc.listing(
        ctx.session,
        team_id=ctx.team_id,
        channel_id=None if everywhere else ctx.channel_id,
        now=ctx.now,
    )
    markup = render(
        "meetings/list.slack.j2",
        series=[series_view(s, next_occ=occ) for s, occ in found.series],
        all=everywhere,
        channel_name=ctx.channel_name or ctx.channel_id,
        feed_url=_feed_url(ctx, found.feed_token) if found.feed_token else None,
        # A read creates no feed; scheduling does, so this is rare (series from before feeds).
        feed_missing=not everywhere and found.feed_token is None and bool(found.series),
        ics_usage=ICS_USAGE,
    )
    return Reply.markup(markup)


@router.sub("next", NEXT_USAGE, "When the next meeting is, in every member's zone.", writes=False)
def next_meeting(ctx: Ctx, args: str) -> Reply:
    ref = " ".join(split_args(args, NEXT_USAGE))
    found = svc.soonest_meeting(
        ctx.session,
        directory=ctx.rt.directory,
        team_id=ctx.team_id,
        channel_id=ctx.channel_id,
        ref=ref,
        now=ctx.now,
        usage=NEXT_USAGE,
    )
    if found.series is None:
        return Reply(
            text="No meetings are scheduled in this channel. See `/meeting list all` "
            "or schedule one with `/meeting schedule`."
        )
    series, occ = found.series, found.occurrence
    if occ is None:
        return Reply(text=f"“{escape(series.name)}” has no more meetings.")
    markup = render(
        "meetings/next.slack.j2",
        s=series_view(series, next_occ=occ),
        o=occurrence_view(occ, series.home_tz),
        rows=zone_rows(occ.start, found.zones, occ.local),
        moved=moved_notices(series, occ, list(found.zones)),
        weeks=found.back_to_back.notice() if found.back_to_back else None,
        guessed=found.guessed,
        rotation=rotation.next_slot(ctx.session, series=series, occ=occ, zones=found.zones),
        holidays=holiday_warnings(occ.start, by_member(found.zones, leave_out=found.guessed)),
    )
    return Reply.markup(markup)


@router.sub("cancel", CANCEL_USAGE, "Cancel a series (its scheduler, chairs or admins).")
def cancel(ctx: Ctx, args: str) -> Reply:
    ref = " ".join(split_args(args, CANCEL_USAGE))
    series = scheduling.cancel_series(
        ctx.session,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        here=ctx.channel_id,
        ref=ref,
        now=ctx.now,
        admin_check=ctx.is_admin,
    )
    return Reply(
        text=f":wastebasket: Cancelled *{escape(series.name)}* (#{series.number}); "
        "no more reminders will be posted.",
    )


@router.sub("skip", SKIP_USAGE, "Skip one meeting of a series, with a reason.")
def skip(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, SKIP_USAGE)
    if len(words) < 2:
        raise UsageError("Name the series and the date to skip.", SKIP_USAGE)
    done = scheduling.skip_meeting(
        ctx.session,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        here=ctx.channel_id,
        ref=words[0],
        words=words[1:],
        now=ctx.now,
        admin_check=ctx.is_admin,
    )
    why = f" ({escape(done.reason)})" if done.reason else ""
    after = f" Next: {token(done.next.start)}." if done.next else ""
    return Reply(
        text=f":fast_forward: Skipping *{escape(done.series.name)}* on "
        f"{local_text(done.occurrence.start, done.series.home_tz)}{why}.{after}"
    )


@router.sub(
    "edit",
    EDIT_USAGE.splitlines()[0] + " [anyway]",
    "Change one field of a series (`anyway`: despite a clash).",
)
def edit(ctx: Ctx, args: str) -> Reply:
    words, anyway = _anyway(split_args(args, EDIT_USAGE))
    if len(words) < 3:
        raise UsageError("Name the series, the field and its new value.", EDIT_USAGE)
    field, value = words[1], words[2:]
    outcome = scheduling.edit_series(
        ctx.session,
        directory=ctx.rt.directory,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        here=ctx.channel_id,
        ref=words[0],
        change=lambda draft: apply_edit(
            draft,
            field,
            value,
            now=ctx.now,
            day_first=workspace.day_first(ctx.session, ctx.team_id),
        ),
        now=ctx.now,
        admin_check=ctx.is_admin,
        confirmed=anyway,
        check_membership=not ctx.console,
    )
    return _outcome_reply(ctx, outcome, "Updated", by_command=True)


@router.sub(
    "times", TIMES_USAGE, "Convert a time to other zones (default: the channel's).", writes=False
)
def times(ctx: Ctx, args: str) -> Reply:
    own_tz = _user_tz(ctx, store=False)
    req = parse_times(
        args,
        today_in=ctx.now.astimezone(get_zone(own_tz)).date(),
        day_first=workspace.day_first(ctx.session, ctx.team_id),
    )
    conv = convert_time(
        ctx.session,
        directory=ctx.rt.directory,
        team_id=ctx.team_id,
        channel_id=ctx.channel_id,
        request=req,
        own_tz=own_tz,
    )
    aware = conv.aware
    rows = zone_rows(aware, conv.zones, aware)
    shown = f"{aware:%H:%M}"
    if req.length:
        # A range (`7-9 AM`): each zone gets its own end too.
        end = aware + timedelta(minutes=req.length)
        shown += f"–{end:%H:%M}"
        for row in rows:
            row["time"] += f"–{end.astimezone(get_zone(row['tz'])):%H:%M}"
    markup = render(
        "meetings/times.slack.j2",
        source={
            "time": shown,
            "day": f"{aware:%a %Y-%m-%d}",
            "label": conv.source.key,
            "offset": utc_offset_label(aware),
        },
        token=token(aware),
        warnings=conv.warnings,
        notes=conv.notes,
        rows=rows,
    )
    return Reply.markup(markup)


def _slot_view(slot: Slot) -> dict[str, Any]:
    """A slot for the template: one line per zone (and inside/outside hours) with a count."""
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
        "score": slot.score,
        "outside": people.outside_of(slot),
    }


@router.sub("suggest", SUGGEST_USAGE, "Rank fair slots for people in many zones.", writes=False)
def suggest(ctx: Ctx, args: str) -> Reply:
    req = parse_suggest(split_args(args, SUGGEST_USAGE))
    result = people.suggest_slots(
        ctx.session,
        directory=ctx.rt.directory,
        team_id=ctx.team_id,
        here=ctx.channel_id,
        request=req,
        now=ctx.now,
    )
    markup = render(
        "meetings/suggest.slack.j2",
        total=result.total,
        duration=format_duration(req.duration),
        fair=result.fair,
        slots=[_slot_view(s) for s in result.slots],
        alternating=[_slot_view(s) for s in result.alternating] if result.alternating else None,
    )
    return Reply.markup(markup)


@router.sub("hours", HOURS_USAGE, "Your working hours for slot suggestions.")
def hours(ctx: Ctx, args: str) -> Reply:
    if not args.strip():
        shown = people.working_hours(
            ctx.session, directory=ctx.rt.directory, team_id=ctx.team_id, user_id=ctx.user_id
        )
        return Reply(
            text=f"Your working hours: {_clock(shown.start)}–{_clock(shown.end)} "
            f"({shown.tz}), Monday–Friday. Change them with `{HOURS_USAGE}`."
        )
    start, end = parse_hours(args, HOURS_USAGE)
    saved = people.set_working_hours(
        ctx.session,
        directory=ctx.rt.directory,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        start=start,
        end=end,
    )
    return Reply(
        text=f":white_check_mark: Your working hours are now {_clock(saved.start)}–"
        f"{_clock(saved.end)} ({saved.tz}); `/meeting suggest` will use them."
    )


@router.sub("ics", ICS_USAGE, "Upload a series as an .ics file; shows the channel's feed URL.")
def ics(ctx: Ctx, args: str) -> Reply:
    ref = " ".join(split_args(args, ICS_USAGE))
    shared = svc.share_calendar(
        ctx.session,
        team_id=ctx.team_id,
        ref=ref,
        channel_id=ctx.channel_id,
        public_url=ctx.settings.public_url,
        now=ctx.now,
        usage=ICS_USAGE,
    )
    series = shared.series
    where = "this channel" if series.channel_id == ctx.channel_id else f"<#{series.channel_id}>"
    return Reply(
        text=f":calendar: Uploading *{escape(series.name)}* as `{shared.filename}` here. "
        f"Subscribe to all of {where}'s meetings instead: {_feed_url(ctx, shared.feed_token)}"
    )


# -- the confirm button and the modal ---------------------------------------------------


def confirm(ctx: Ctx, info: ActionInfo) -> Reply:
    try:
        payload = json.loads(info.value)
        draft = svc.Draft.from_json(payload["d"])
        series_id = int(payload["s"]) if payload.get("k") == "edit" else None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UsageError("That button is out of date; please run the command again.") from None
    if series_id is None:
        return _outcome_reply(
            ctx, _schedule(ctx, draft, here=ctx.channel_id, confirmed=True), "Scheduled"
        )
    outcome = scheduling.edit_series(
        ctx.session,
        directory=ctx.rt.directory,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        here=ctx.channel_id,
        series_id=series_id,
        change=lambda _current: draft,
        now=ctx.now,
        admin_check=ctx.is_admin,
        confirmed=True,
        check_membership=not ctx.console,
    )
    return _outcome_reply(ctx, outcome, "Updated")


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
                "every odd week on thursday · on 2026-12-03 (once) · "
                "… skip holidays US, FR (no meeting on their public holidays)",
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
    try:
        draft = parse_schedule_form(
            name=get("name"),
            when=get("when"),
            time=get("time"),
            zone=get("zone"),
            duration=get("duration"),
            starting=get("starting"),
            channel=channel,
            remind=get("remind"),
            agenda=get("agenda"),
            join=get("join"),
            default_tz=_user_tz(ctx),
            now=ctx.now,
            day_first=workspace.day_first(ctx.session, ctx.team_id),
        )
        outcome = _schedule(ctx, draft, here=metadata or channel, confirmed=False)
        reply = _outcome_reply(ctx, outcome, "Scheduled")
    except UsageError as exc:
        # Shown beside the field it is about; a problem of the whole schedule, by "Repeats".
        block = exc.field if exc.field in FORM_BLOCKS else "when"
        return ViewResult(errors={block: exc.message[:150]})
    return ViewResult(notice=reply, notice_channel=channel)


def install(registry: Registry) -> None:
    """Meetings: /meeting, its modal and confirm button, reminders, calendar feeds and hooks."""
    registry.family(router)
    registry.action(CONFIRM_ACTION, confirm)
    registry.view(SCHEDULE_VIEW, schedule_submitted)
    registry.periodic("meeting-reminders", meeting_reminders.reminders_task, every=0.25)
    registry.page(feed.PATH, feed.calendar_feed)
    registry.hooks.current_meeting.append(meeting_hooks.current_meeting)
    registry.hooks.next_meeting.append(meeting_hooks.next_meeting)
    home_meetings.install(registry)
