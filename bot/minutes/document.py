"""The minutes as plain data, and their Slack, Markdown and HTML renderings.

Templates receive only this data. Every piece of text users typed is offered twice:
`mrkdwn` (already escaped for Slack, live mentions and links kept) and `text` (plain,
for Markdown and HTML; the HTML templates autoescape it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from bot.actions import text as slacktext
from bot.actions.dates import zone
from bot.actions.service import ItemView
from bot.errors import WgbotError
from bot.minutes.models import Attendee, Meeting, MeetingItem
from bot.render import environment, sandbox
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

    @property
    def owners_text(self) -> str:
        return ", ".join(self.owner_names)


@dataclass
class Topic:
    number: int  # 0 for what was said before the first #topic
    title: Text
    user_id: str
    entries: list[Entry] = field(default_factory=list)

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

    @property
    def owners_mrkdwn(self) -> str:
        return ", ".join(f"<@{o}>" for o in self.owners) or "_unassigned_"

    @property
    def owners_text(self) -> str:
        return ", ".join(self.owner_names) or "unassigned"


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
    actions_new: list[ActionRow]
    actions_carried: list[ActionRow]
    people: list[Person]
    next_session: NextSession | None
    html_url: str
    md_url: str
    lines: int

    @property
    def by_person(self) -> list[tuple[Person, list[ActionRow]]]:
        """MeetBot's "action items, by person"."""
        rows = self.actions_new + self.actions_carried
        out: list[tuple[Person, list[ActionRow]]] = []
        seen: dict[str, Person] = {p.user_id: p for p in self.attendees}
        owners = dict.fromkeys(o for r in rows for o in r.owners)
        for owner in owners:
            person = seen.get(owner) or Person(owner, owner, "", 0)
            out.append((person, [r for r in rows if owner in r.owners]))
        return out


def _text(raw: str, names: Mapping[str, str]) -> Text:
    return Text(mrkdwn=slacktext.to_mrkdwn(raw), text=slacktext.to_plain(raw, names))


def _action_row(item: ItemView, names: Mapping[str, str], now: datetime) -> ActionRow:
    return ActionRow(
        number=item.number,
        task=_text(item.text, names),
        owners=item.owners,
        owner_names=tuple("@" + names.get(o, o) for o in item.owners),
        due=item.due_date,
        status=item.status,
        overdue=item.overdue(now),
    )


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
) -> Minutes:
    """Group the captured items by topic and gather the tables of the document."""
    topics: list[Topic] = [Topic(0, Text("", ""), meeting.started_by)]
    by_number = {a.number: a for a in actions_new}
    for item in items:
        if item.kind == "topic":
            topics.append(Topic(len(topics), _text(item.text, names), item.user_id))
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
    tz = zone(meeting.tz)
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
    base = public_url.rstrip("/")
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
        actions_new=[_action_row(a, names, now) for a in actions_new],
        actions_carried=[_action_row(a, names, now) for a in actions_carried],
        people=by_lines,
        next_session=next_session,
        html_url=f"{base}/minutes/{meeting.public_id}.html",
        md_url=f"{base}/minutes/{meeting.public_id}.md",
        lines=sum(p.lines for p in people),
    )


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


def warm() -> None:
    """Compile the default templates now, so the first publish does not pay for it."""
    for fmt in FORMATS:
        environment().get_template(f"minutes/default.{fmt}.j2")


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
        MeetingItem(kind="topic", text="Welcome", user_id="U0", position=1),
        MeetingItem(kind="agreed", text="Ship it", user_id="U0", position=2),
        MeetingItem(
            kind="info", text="A note with <https://example.org|a link>", user_id="U0", position=3
        ),
    ]
    attendee = Attendee(user_id="U0", company="Example", lines=3, first_seen=now)
    action = ItemView(
        7, "Write the <b>docs</b>", ("U0",), "U0", "C0", 0, None, None, "open", now, None
    )
    return build(
        meeting=meeting,
        items=items,
        attendees=[attendee],
        actions_new=[action],
        actions_carried=[],
        names={"U0": "sam"},
        channel_name="sample",
        next_slot=None,
        member_zones={},
        public_url=public_url,
        now=now,
    )


def check_template(name: str, *, templates_dir: str | None, public_url: str, now: datetime) -> None:
    """Render the sample meeting with every format of `name`; raises TemplateProblem."""
    doc = sample(public_url, now)
    for fmt in FORMATS:
        render(doc, fmt, template=name, templates_dir=templates_dir)
