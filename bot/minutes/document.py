"""The minutes as plain data, and their Slack, Markdown and HTML renderings.

Templates receive only this data. Every piece of text users typed is offered twice:
`mrkdwn` (already escaped for Slack, live mentions and links kept) and `text` (plain,
for Markdown and HTML; the HTML templates autoescape it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from markupsafe import escape as escape_html

from bot.actions import due as owner_due
from bot.actions import text as slacktext
from bot.actions.dates import zone
from bot.actions.service import ItemView
from bot.errors import WgbotError
from bot.minutes.models import Attendee, Meeting, MeetingItem
from bot.render import environment, linkify, sandbox
from bot.services.hooks import MeetingSlot
from bot.slackfmt import date_token, escape

FORMATS = ("slack", "md", "html")
DEFAULT_TEMPLATE = "default"

LABELS = {
    "info": "",
    "agreed": "Decision",
    "accepted": "Accepted",
    "rejected": "Rejected",
    "action": "Action",
    "link": "Link",
    "idea": "Idea",
    "help": "Help wanted",
}


class TemplateProblem(WgbotError):
    """A group's own template could not be rendered; says which and why."""


@dataclass(frozen=True)
class Text:
    mrkdwn: str
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    company: str
    lines: int

    @property
    def mention(self) -> str:
        return f"<@{self.user_id}>"


@dataclass(frozen=True)
class Entry:
    """One item under a topic."""

    kind: str
    label: str
    body: Text
    user_id: str
    number: str  # "1.2"
    action_number: int | None = None
    owners: tuple[str, ...] = ()
    owner_names: tuple[str, ...] = ()
    # Where it was said in the meeting's log ("l-12"), and that line's full address.
    anchor: str = ""
    log_url: str = ""

    @property
    def owners_text(self) -> str:
        return ", ".join(self.owner_names)


@dataclass
class Topic:
    number: int  # 0 for what was said before the first #topic
    title: Text
    user_id: str
    entries: list[Entry] = field(default_factory=list)
    anchor: str = ""
    log_url: str = ""

    @property
    def decisions(self) -> list[Entry]:
        return [e for e in self.entries if e.kind in ("agreed", "accepted", "rejected")]


@dataclass(frozen=True)
class ActionRow:
    number: int
    task: Text
    owners: tuple[str, ...]
    owner_names: tuple[str, ...]
    due: date | None
    status: str
    overdue: bool
    # Who closed it and when (in the meeting's home zone), for items done.
    done_by: str | None = None
    done_by_name: str = ""
    done_on: str = ""
    # The zone the due date was read in (its owner's), when not the meeting's own.
    due_zone: str | None = None

    @property
    def due_label(self) -> str:
        """The due date as plain text: ISO, with its owner's zone where it differs."""
        if self.due is None:
            return ""
        return (
            f"{self.due.isoformat()} ({self.due_zone})" if self.due_zone else self.due.isoformat()
        )

    @property
    def due_token(self) -> str:
        """The due date as a Slack date token (the ISO date where Slack cannot show it)."""
        return owner_due.date_token(self.due, self.due_zone) if self.due is not None else ""

    @property
    def owners_mrkdwn(self) -> str:
        return ", ".join(f"<@{o}>" for o in self.owners) or "_unassigned_"

    @property
    def owners_text(self) -> str:
        return ", ".join(self.owner_names) or "unassigned"


@dataclass(slots=True)
class LogEntry:
    """One line of the meeting's log."""

    number: int
    anchor: str
    time: str  # HH:MM:SS in the meeting's home zone
    user_id: str
    name: str
    body: LogText
    kind: str  # the minutes item it recorded, "" for talk


@dataclass(frozen=True)
class ZoneTime:
    zone: str
    local: str
    members: int


@dataclass(frozen=True)
class NextSession:
    name: str
    start: datetime
    token: str
    times: tuple[ZoneTime, ...]


@dataclass
class Minutes:
    """Everything a minutes template may use."""

    id: int
    name: Text
    channel_id: str
    channel_name: str
    status: str
    tz: str
    started_at: datetime
    ended_at: datetime | None
    date: str
    time: str
    medium: str
    chairs: tuple[str, ...]
    chair_names: tuple[str, ...]
    agenda_url: str | None
    attendees: list[Person]
    topics: list[Topic]
    # The action review: new in this meeting (still open), carried over from earlier
    # meetings (open, not yet due), overdue, and done since the last meeting.
    actions_new: list[ActionRow]
    actions_carried: list[ActionRow]
    people: list[Person]
    next_session: NextSession | None
    html_url: str
    md_url: str
    lines: int
    actions_overdue: list[ActionRow] = field(default_factory=list)
    actions_done: list[ActionRow] = field(default_factory=list)
    # The day in the meeting's home zone, ISO (file names, archive).
    day: str = ""
    log_url: str = ""
    archive_url: str = ""
    log: list[LogEntry] = field(default_factory=list)

    @property
    def has_actions(self) -> bool:
        return bool(
            self.actions_new or self.actions_carried or self.actions_overdue or self.actions_done
        )

    @property
    def by_person(self) -> list[tuple[Person, list[ActionRow]]]:
        """MeetBot's "action items, by person" (what is still open)."""
        rows = self.actions_new + self.actions_overdue + self.actions_carried
        out: list[tuple[Person, list[ActionRow]]] = []
        seen: dict[str, Person] = {p.user_id: p for p in self.attendees}
        owners = dict.fromkeys(o for r in rows for o in r.owners)
        for owner in owners:
            person = seen.get(owner) or Person(owner, owner, "", 0)
            out.append((person, [r for r in rows if owner in r.owners]))
        return out


def _is_bare(raw: str) -> bool:
    # No Slack token and nothing escaped: both renderings are the text itself. Most
    # lines of a meeting are like this, and the token scan is the dearest step.
    return "<" not in raw and ">" not in raw and "&" not in raw


def _text(raw: str, names: Mapping[str, str]) -> Text:
    if _is_bare(raw):
        return Text(mrkdwn=raw, text=raw)
    return Text(mrkdwn=slacktext.to_mrkdwn(raw), text=slacktext.to_plain(raw, names))


def _plain(raw: str, names: Mapping[str, str]) -> str:
    return raw if _is_bare(raw) else slacktext.to_plain(raw, names)


def _action_row(
    item: ItemView, names: Mapping[str, str], now: datetime, tz: ZoneInfo | None = None
) -> ActionRow:
    done_on = ""
    if item.done_at is not None:
        done_on = item.done_at.astimezone(tz or ZoneInfo("UTC")).date().isoformat()
    return ActionRow(
        number=item.number,
        task=_text(item.text, names),
        owners=item.owners,
        owner_names=tuple("@" + names.get(o, o) for o in item.owners),
        due=item.due_date,
        status=item.status,
        overdue=item.overdue(now),
        done_by=item.done_by,
        done_by_name=("@" + names.get(item.done_by, item.done_by)) if item.done_by else "",
        done_on=done_on,
        due_zone=item.due_tz if item.due_tz and item.due_tz != _zone_name(tz) else None,
    )


def _zone_name(tz: ZoneInfo | None) -> str:
    return tz.key if tz is not None else "UTC"


class LogInput(Protocol):
    """A logged line as `build` needs it: what was said, by whom, when, and its key."""

    @property
    def source_ts(self) -> str | None: ...
    @property
    def item_id(self) -> int | None: ...
    @property
    def user_id(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def said_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class LogText:
    """A logged line's text: plain made at once, mrkdwn only if a template asks."""

    raw: str
    text: str

    @property
    def mrkdwn(self) -> str:
        return slacktext.to_mrkdwn(self.raw)

    def __str__(self) -> str:
        return self.text


def build(
    *,
    meeting: Meeting,
    items: list[MeetingItem],
    attendees: list[Attendee],
    actions_new: list[ItemView],
    actions_carried: list[ItemView],
    names: Mapping[str, str],
    channel_name: str,
    next_slot: MeetingSlot | None,
    member_zones: Mapping[str, list[str]],
    public_url: str,
    now: datetime,
    actions_done: Sequence[ItemView] = (),
    log: Sequence[LogInput] = (),
    archive_id: str | None = None,
) -> Minutes:
    """Group the captured items by topic and gather the tables of the document.

    Items recorded in this meeting and closed before publishing are reviewed as done;
    carried-over items whose due date has passed are listed as overdue.
    """
    tz = zone(meeting.tz)
    base = public_url.rstrip("/")
    log_url = f"{base}/minutes/{meeting.public_id}/log.html"
    log_entries: list[LogEntry] = []
    anchors: dict[str | int, str] = {}
    seconds: dict[datetime, str] = {}
    for n, line in enumerate(log, start=1):
        anchor = f"l-{n}"
        second = line.said_at.replace(microsecond=0)
        time = seconds.get(second)
        if time is None:
            time = seconds[second] = f"{second.astimezone(tz):%H:%M:%S}"
        log_entries.append(
            LogEntry(
                n,
                anchor,
                time,
                line.user_id,
                names.get(line.user_id, line.user_id),
                LogText(line.text, _plain(line.text, names)),
                parse_log_kind(line.text),
            )
        )
        if line.source_ts is not None:
            anchors.setdefault(line.source_ts, anchor)
        if line.item_id is not None:
            anchors.setdefault(line.item_id, anchor)
    topics: list[Topic] = [Topic(0, Text("", ""), meeting.started_by)]
    by_number = {a.number: a for a in [*actions_new, *actions_done]}
    for item in items:
        anchor = anchors.get(item.source_ts or "") or anchors.get(item.id, "")
        if item.kind == "topic":
            topics.append(
                Topic(
                    len(topics),
                    _text(item.text, names),
                    item.user_id,
                    anchor=anchor,
                    log_url=f"{log_url}#{anchor}" if anchor else "",
                )
            )
            continue
        current = topics[-1]
        body = _text(item.text, names)
        owners: tuple[str, ...] = ()
        if item.kind == "action" and item.action_number is not None:
            match = by_number.get(item.action_number)
            if match is not None:
                body, owners = _text(match.text, names), match.owners
        current.entries.append(
            Entry(
                kind=item.kind,
                label=LABELS.get(item.kind, item.kind.title()),
                body=body,
                user_id=item.user_id,
                number=f"{current.number}.{len(current.entries) + 1}",
                action_number=item.action_number,
                owners=owners,
                owner_names=tuple("@" + names.get(o, o) for o in owners),
                anchor=anchor,
                log_url=f"{log_url}#{anchor}" if anchor else "",
            )
        )
    if not topics[0].entries:
        topics.pop(0)
    people = [
        Person(a.user_id, names.get(a.user_id, a.user_id), a.company or "", a.lines)
        for a in attendees
    ]
    attendee_table = sorted(people, key=lambda p: (p.company == "", p.company.lower(), p.name))
    by_lines = sorted((p for p in people if p.lines), key=lambda p: (-p.lines, p.name))
    start_local = meeting.started_at.astimezone(tz)
    next_session = None
    if next_slot is not None:
        times = []
        for zone_name, members in member_zones.items():
            local = next_slot.start.astimezone(zone(zone_name))
            times.append(
                (
                    local.utcoffset(),
                    ZoneTime(zone_name, local.strftime("%a %d %b %H:%M"), len(members)),
                )
            )
        times.sort(key=lambda t: (t[0], t[1].zone))
        next_session = NextSession(
            name=next_slot.name,
            start=next_slot.start,
            token=date_token(
                next_slot.start,
                "{date_long_pretty} {time}",
                next_slot.start.astimezone(ZoneInfo(next_slot.tz)).strftime(
                    f"%Y-%m-%d %H:%M {next_slot.tz}"
                ),
            ),
            times=tuple(t for _, t in times),
        )
    new_open = [a for a in actions_new if a.status == "open"]
    new_done = [a for a in actions_new if a.status == "done"]
    done_numbers = {a.number for a in new_done}
    done = sorted(
        [*new_done, *(a for a in actions_done if a.number not in done_numbers)],
        key=lambda a: a.number,
    )
    carried = [_action_row(a, names, now, tz) for a in actions_carried]
    return Minutes(
        id=meeting.id,
        name=_text(meeting.name, names),
        channel_id=meeting.channel_id,
        channel_name=channel_name,
        status=meeting.status,
        tz=meeting.tz,
        started_at=meeting.started_at,
        ended_at=meeting.ended_at,
        date=start_local.strftime("%A %d %B %Y"),
        time=f"{start_local:%H:%M}"
        + (f"–{meeting.ended_at.astimezone(tz):%H:%M}" if meeting.ended_at else "")
        + f" {meeting.tz} (UTC{start_local:%z})",
        medium="Slack",
        chairs=tuple(meeting.chairs),
        chair_names=tuple(names.get(c, c) for c in meeting.chairs),
        agenda_url=meeting.agenda_url,
        attendees=attendee_table,
        topics=topics,
        actions_new=[_action_row(a, names, now, tz) for a in new_open],
        actions_carried=[a for a in carried if not a.overdue],
        actions_overdue=[a for a in carried if a.overdue],
        actions_done=[_action_row(a, names, now, tz) for a in done],
        people=by_lines,
        next_session=next_session,
        html_url=f"{base}/minutes/{meeting.public_id}.html",
        md_url=f"{base}/minutes/{meeting.public_id}.md",
        lines=sum(p.lines for p in people),
        day=start_local.date().isoformat(),
        log_url=log_url,
        archive_url=f"{base}/minutes/archive/{archive_id}.html" if archive_id else "",
        log=log_entries,
    )


def parse_log_kind(text: str) -> str:
    """The minutes item a logged line recorded ("topic", "agreed"…), "" for talk."""
    stripped = text.lstrip()
    if not stripped.startswith("#"):
        return ""
    word = stripped[1:].split(maxsplit=1)[0].lower() if len(stripped) > 1 else ""
    return word if word in LABELS or word == "topic" else ""


# -- templates ------------------------------------------------------------------------


def _user_dirs(templates_dir: str | None) -> list[Path]:
    if not templates_dir:
        return []
    root = Path(templates_dir)
    return [d for d in (root / "minutes", root) if d.is_dir()]


def available(templates_dir: str | None) -> list[str]:
    """Template names: "default" and every <name>.{slack,md,html}.j2 of the configured dir."""
    names = {DEFAULT_TEMPLATE}
    for d in _user_dirs(templates_dir):
        for path in d.iterdir():
            for fmt in FORMATS:
                suffix = f".{fmt}.j2"
                if path.name.endswith(suffix) and path.is_file():
                    names.add(path.name[: -len(suffix)])
    return sorted(names, key=lambda n: (n != DEFAULT_TEMPLATE, n))


def _sandbox_for(templates_dir: str) -> SandboxedEnvironment:
    return _sandboxes.setdefault(templates_dir, sandbox(templates_dir))


_sandboxes: dict[str, SandboxedEnvironment] = {}


def render(doc: Minutes, fmt: str, *, template: str | None, templates_dir: str | None) -> str:
    """One rendering of the minutes; a group's own template runs in the sandbox."""
    name = template or DEFAULT_TEMPLATE
    if name != DEFAULT_TEMPLATE:
        for d in _user_dirs(templates_dir):
            path = d / f"{name}.{fmt}.j2"
            if path.is_file():
                rel = path.relative_to(Path(templates_dir or "")).as_posix()
                try:
                    return _sandbox_for(templates_dir or "").get_template(rel).render(m=doc)
                except jinja2.TemplateSyntaxError as exc:
                    raise TemplateProblem(
                        f"The minutes template `{name}` ({path.name}) has a syntax error on "
                        f"line {exc.lineno}: {escape(str(exc.message))}. Fix it, or go back to the default "
                        "with `/minutes template set default`."
                    ) from None
                except Exception as exc:  # sandbox refusals, undefined names, bad filters…
                    raise TemplateProblem(
                        f"The minutes template `{name}` ({path.name}) failed: "
                        f"{type(exc).__name__}: {escape(str(exc)[:300])}. Fix it, or go back to the "
                        "default with `/minutes template set default`."
                    ) from None
    return environment().get_template(f"minutes/default.{fmt}.j2").render(m=doc)


def log_lines_html(doc: Minutes) -> Markup:
    """The log's lines as HTML, every piece escaped.

    Built here rather than in the template: a meeting has thousands of lines and a
    template expression per field would cost most of the publishing budget.
    """
    out = []
    who: dict[str, str] = {}
    for line in doc.log:
        cls = "line item" if line.kind else "line"
        name = who.get(line.name)
        if name is None:
            name = who[line.name] = str(escape_html(line.name))
        out.append(
            f'<div class="{cls}" id="{line.anchor}"><span class="time">'
            f'<a href="#{line.anchor}">{line.time}</a></span>'
            f'<span class="who">{name}</span>'
            f'<span class="text">{linkify(line.body.text)}</span></div>\n'
        )
    return Markup("".join(out))  # noqa: S704 (every piece escaped above)


def render_log(doc: Minutes) -> str:
    """The meeting's full log page (the bot's own template: every line, anchored)."""
    return (
        environment()
        .get_template("minutes/log.html.j2")
        .render(m=doc, lines_html=log_lines_html(doc))
    )


@dataclass(frozen=True)
class ArchiveEntry:
    day: str
    name: str
    time: str
    html_url: str
    md_url: str
    log_url: str


def archive_entry(meeting: Meeting, public_url: str) -> ArchiveEntry:
    base = public_url.rstrip("/")
    tz = zone(meeting.tz)
    start = meeting.started_at.astimezone(tz)
    return ArchiveEntry(
        day=start.date().isoformat(),
        name=slacktext.to_plain(meeting.name),
        time=f"{start:%H:%M} {meeting.tz}",
        html_url=f"{base}/minutes/{meeting.public_id}.html",
        md_url=f"{base}/minutes/{meeting.public_id}.md",
        log_url=f"{base}/minutes/{meeting.public_id}/log.html",
    )


def render_archive(channel: str, entries: list[ArchiveEntry]) -> str:
    """A channel's published minutes, newest first."""
    return (
        environment()
        .get_template("minutes/archive.html.j2")
        .render(channel=channel, entries=entries)
    )


def warm() -> None:
    """Compile the default templates now, so the first publish does not pay for it."""
    for fmt in FORMATS:
        environment().get_template(f"minutes/default.{fmt}.j2")
    environment().get_template("minutes/log.html.j2")


@dataclass(frozen=True)
class _SampleLine:
    source_ts: str | None
    item_id: int | None
    user_id: str
    text: str
    said_at: datetime


def sample(public_url: str, now: datetime) -> Minutes:
    """A small made-up meeting, to try a template before a channel uses it."""
    meeting = Meeting(
        id=0,
        team_id="T",
        channel_id="C0",
        public_id="sample",
        name="Sample meeting",
        status="ended",
        chairs=["U0"],
        started_by="U0",
        tz="UTC",
        started_at=now,
        ended_at=now,
    )
    items = [
        MeetingItem(id=1, kind="topic", text="Welcome", user_id="U0", position=1, source_ts="1.1"),
        MeetingItem(id=2, kind="agreed", text="Ship it", user_id="U0", position=2),
        MeetingItem(
            id=3,
            kind="info",
            text="A note with <https://example.org|a link>",
            user_id="U0",
            position=3,
            source_ts="1.3",
        ),
    ]
    attendee = Attendee(user_id="U0", company="Example", lines=3, first_seen=now)
    earlier = now - timedelta(days=14)
    action = ItemView(
        7, "Write the <b>docs</b>", ("U0",), "U0", "C0", 0, None, None, "open", now, None
    )
    carried = ItemView(
        5, "Book a room", ("U0",), "U0", "C0", None, None, None, "open", earlier, None
    )
    overdue = ItemView(
        4, "Send the survey", (), "U0", "C0", None, earlier.date(), earlier, "open", earlier, None
    )
    done = ItemView(
        3, "Fix the wiki", ("U0",), "U0", "C0", None, None, None, "done", earlier, now, "U0"
    )
    log = [
        _SampleLine("1.1", None, "U0", "#topic Welcome", now),
        _SampleLine(None, 2, "U0", "#agreed Ship it", now),
        _SampleLine("1.3", None, "U0", "#info A note with <https://example.org|a link>", now),
    ]
    return build(
        meeting=meeting,
        items=items,
        attendees=[attendee],
        actions_new=[action],
        actions_carried=[carried, overdue],
        names={"U0": "sam"},
        channel_name="sample",
        next_slot=None,
        member_zones={},
        public_url=public_url,
        now=now,
        actions_done=[done],
        log=log,
        archive_id="sample-archive-000",
    )


def check_template(name: str, *, templates_dir: str | None, public_url: str, now: datetime) -> None:
    """Render the sample meeting with every format of `name`; raises TemplateProblem."""
    doc = sample(public_url, now)
    for fmt in FORMATS:
        render(doc, fmt, template=name, templates_dir=templates_dir)
    render_log(doc)
