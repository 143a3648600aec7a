"""Fuzzing the capture path of a LIVE meeting through signed message events.

`tests/test_fuzz.py` sends message events to a channel with no live meeting, where
capture returns at once. Here a meeting is started first (`/minutes start`), then
random lines are said in it — `#topic`, `#info`, `#action`, `#agreed`, `#link`,
`#undo` … followed by random unicode, Slack markup, very long text and control
characters, by a chair and by a plain member — and each line must have exactly one
visible outcome:

* stored: one new minutes item of that kind, by that person, for that message, whose
  text is what was said after the command word with its whitespace runs collapsed
  to one space and cut at 2,000 characters (what `bot.minutes.service` stores, as
  Slack sent it: escaping happens when it is shown), acknowledged with a reaction;
* answered: nothing stored, and a :warning: answer only its author sees saying why;
* `#undo`: the last item removed (a chair's any, anyone's own), or answered;
* any other line: nothing stored, nothing answered, one more line said in the
  attendance.

Never silently dropped, never a 5xx, never an error in the bot's log. The quick
profile runs in `make test`; the long one with `make test-slow` (--fuzz-examples=N).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.actions.models import ActionItem
from bot.minutes.models import Attendee, Meeting, MeetingItem
from tests.conftest import RunningBot, start_bot
from tests.harness.fakeslack import FakeSlack
from tests.harness.guards import BotErrorLog, describe_all
from tests.harness.rooms import Room, new_ts

CHANNEL = "C0123ABCD"
CHAIR = "U024BE7LH"
MEMBER = "U0MEMBER1"
MAX_ITEM = 2000  # what an item keeps of a line (README: minutes items)

QUICK = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
LONG_EXAMPLES = 2000  # as tests/test_fuzz.py gives each command family

# The capture vocabulary (README, "Running a meeting"), written independently of the code.
ALIASES = {"agree": "agreed", "decision": "agreed", "decided": "agreed"}
ITEM_WORDS = [
    "topic",
    "info",
    "action",
    "agreed",
    "link",
    "idea",
    "help",
    "accepted",
    "rejected",
    *ALIASES,
]
CHAIR_ONLY = {"topic", "agreed", "accepted", "rejected"}

markup = st.sampled_from(
    [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        f"<@{MEMBER}>",
        f"<@{CHAIR}|pat>",
        "<@U9NOBODY9>",
        f"<#{CHANNEL}|wg-fuzz>",
        "<https://evil.example|click me>",
        "<https://example.org/a?b=c&amp;d=e>",
        "<mailto:a@example.org|mail>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "<script>alert(1)</script>",
        "&amp;",
        "*bold* _it_ ~strike~ `code`",
        "```\nblock\n```",
        "> quote",
        ":tada:",
        "{{ 7*7 }}",
        "{% raw %}",
        "#topic",
        "#undo",
        "due tomorrow",
        "due 2020-01-01",
        "by friday",
        "by hand",
        "due feb 30",
        "\u202e\u200b\ufeff",
        "🙂👩🏽‍💻",
        "\x00",
        "\x1b[2J",
        "\r\n",
        "\x85\u2028\u2029\xa0",
    ]
)
control = st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=8)
piece = st.one_of(markup, st.text(min_size=1, max_size=40), control)
phrase = st.lists(piece, max_size=6).map(" ".join)
said_something = st.lists(piece, min_size=1, max_size=6).map(" ".join).filter(str.split)
# Longer than an item keeps (2,000 characters) even once whitespace runs are collapsed.
very_long = st.one_of(
    st.text(min_size=MAX_ITEM + 1, max_size=4500).filter(
        lambda t: len(" ".join(t.split())) > MAX_ITEM
    ),
    said_something.map(lambda t: " ".join([t] * (MAX_ITEM // len(" ".join(t.split())) + 2))),
)
body = st.integers(0, 5).flatmap(
    lambda n: {
        0: st.text(alphabet=" \t\n\r\x0b\x0c\u3000", max_size=6),  # nothing, or whitespace only
        1: very_long,
    }.get(n, said_something)
)
# One command word in five is #undo.
word = st.integers(0, 4).flatmap(
    lambda n: st.sampled_from(["undo"] if n == 0 else ITEM_WORDS).flatmap(
        lambda w: st.sampled_from([w, w.upper(), w.capitalize()])
    )
)
separator = st.sampled_from([" ", "   ", "\t", "\n", " \n\t"])
lead = st.sampled_from(["", "", " ", "\n"])
# Glued to the command word, a character that is neither an ASCII letter nor a space
# leaves an ordinary line: "#topic:", "#infoé".
# NUL is not glue: the edge drops it before anything reads the line.
glued = st.characters(exclude_categories=["Cs"]).filter(
    lambda c: not c.isspace() and not ("a" <= c.lower() <= "z") and c != "\x00"
)


@dataclass(frozen=True)
class Line:
    """A line someone says, and what the test knows about it by construction."""

    text: str
    speaker: str
    word: str | None = None  # the command word as typed, None for an ordinary line
    body: str = ""  # what was said after the command word


command_line = st.builds(
    lambda lead, w, sep, b, who: Line(f"{lead}#{w}{sep}{b}", who, w, b),
    lead,
    word,
    separator,
    body,
    st.sampled_from([CHAIR, CHAIR, MEMBER]),
)
# Not a command: plain text, or a command word glued to what follows ("#topic:", "#infoé").
ordinary_line = st.one_of(
    st.builds(
        lambda t, who: Line(t, who),
        st.one_of(phrase, st.text(max_size=300)).filter(
            lambda t: not t.replace("\x00", "").lstrip().startswith("#")
        ),
        st.sampled_from([CHAIR, MEMBER]),
    ),
    st.builds(
        lambda w, g, b, who: Line(f"#{w}{g}{b}", who),
        word,
        glued,
        phrase,
        st.sampled_from([CHAIR, MEMBER]),
    ),
)
# Mostly command lines (one_of would not weigh a repeated strategy more).
line = st.integers(0, 3).flatmap(lambda n: ordinary_line if n == 0 else command_line)
lines = st.lists(line, min_size=1, max_size=4)


def normalized(said: str) -> str:
    """What an item keeps of the text after the command word (NUL is dropped at the edge)."""
    return " ".join(said.replace("\x00", "").split())[:MAX_ITEM].rstrip()


@dataclass
class Snapshot:
    items: list[tuple[int, str, str, str, str | None, int | None]]  # id, kind, text, user, ts, n
    lines_said: dict[str, int]
    ephemerals: int


class LiveMeeting:
    """A live meeting in CHANNEL, chaired by CHAIR, that MEMBER attends."""

    def __init__(self, rb: RunningBot, errors: BotErrorLog) -> None:
        self.rb = rb
        self.errors = errors
        self.room = Room(rb, channel=CHANNEL)
        started = self.room.cmd("start Fuzzed meeting", user=CHAIR)
        assert "*Fuzzed meeting* has started" in started, started
        meeting = self.room.meeting()
        assert (meeting.status, meeting.live_channel, meeting.chairs) == (
            "live",
            CHANNEL,
            [CHAIR],
        )
        self.meeting_id = meeting.id
        self.said = 0

    def snapshot(self) -> Snapshot:
        with self.rb.bot.rt.db.read() as s:
            rows = (
                s.query(MeetingItem)
                .filter_by(meeting_id=self.meeting_id)
                .order_by(MeetingItem.position, MeetingItem.id)
                .all()
            )
            items = [(r.id, r.kind, r.text, r.user_id, r.source_ts, r.action_number) for r in rows]
            said = {
                a.user_id: a.lines
                for a in s.query(Attendee).filter_by(meeting_id=self.meeting_id).all()
            }
            live = s.get(Meeting, self.meeting_id)
            assert live is not None and live.status == "live", "the meeting is no longer live"
        return Snapshot(items, said, len(self.rb.fake.ephemerals))

    def action_row(self, number: int) -> ActionItem | None:
        with self.rb.bot.rt.db.read() as s:
            row = s.query(ActionItem).filter_by(team_id="T1", number=number).one_or_none()
            if row is not None:
                s.expunge(row)
            return row

    def say(self, line: Line) -> str:
        """Say the line and check its one outcome: stored, answered, undone or ordinary."""
        before = self.snapshot()
        ts = new_ts()
        resp = self.rb.sender.message(line.text, user_id=line.speaker, channel_id=CHANNEL, ts=ts)
        # An event is acknowledged with an empty 200 (never a 5xx, nothing to retry).
        assert resp.delivered and (resp.status, resp.body) == (200, b""), (
            line,
            resp.status,
            resp.text[:300],
        )
        self.rb.deliver()
        logged = self.errors.take()
        assert not logged, f"{line!r}: the bot logged errors:\n" + describe_all(logged)
        after = self.snapshot()
        answers = [
            e
            for e in self.rb.fake.ephemerals[before.ephemerals :]
            if (e["channel"], e["user"]) == (CHANNEL, line.speaker)
        ]
        reactions = self.rb.fake.reactions(CHANNEL, ts)
        context = (line, answers, reactions)
        # Every line counts in the attendance, command or not.
        assert after.lines_said.get(line.speaker, 0) == before.lines_said.get(line.speaker, 0) + 1
        assert self.rb.fake.ephemerals[before.ephemerals :] == answers, context
        self.said += 1
        if line.word is None:
            assert after.items == before.items, context
            assert answers == [] and reactions == [], context
            return "ordinary"
        if line.word.lower() == "undo":
            return self._check_undo(line, before, after, answers, reactions)
        return self._check_item(line, ts, before, after, answers, reactions)

    def _answered(self, answers: list[dict[str, Any]], why: str | None, context: object) -> None:
        assert len(answers) == 1, context
        text = answers[0]["text"]
        assert text.startswith(":warning: ") and len(text) > len(":warning: ") + 10, context
        if why is not None:
            assert why in text, context
        # The answer quotes nothing that would ping or link.
        assert not re.search(r"<!(channel|here|everyone)>|<https?:", text), context

    def _check_item(
        self,
        line: Line,
        ts: str,
        before: Snapshot,
        after: Snapshot,
        answers: list[dict[str, Any]],
        reactions: list[str],
    ) -> str:
        assert line.word is not None
        kind = ALIASES.get(line.word.lower(), line.word.lower())
        text = normalized(line.body)
        context = (line, kind, text[:80], answers, reactions)
        new = [i for i in after.items if i not in before.items]
        if not text:
            must: str | None = "answered"
            why: str | None = "nothing was recorded"
        elif kind in CHAIR_ONLY and line.speaker != CHAIR:
            must, why = "answered", "Only a chair can record"
        elif kind == "action" and ("<@" in text or re.search("by|due", text, re.IGNORECASE)):
            must, why = None, None  # owners only, or a due date that may be past or impossible
        else:
            must, why = "stored", None
        if new or must == "stored":
            assert must != "answered", context
            assert after.items == [*before.items, *new] and len(new) == 1, context
            _item_id, got_kind, got_text, user, source, number = new[0]
            assert (got_kind, user, source) == (kind, line.speaker, ts), context
            assert got_text == text, (context, got_text[:200])
            assert reactions == ["white_check_mark"] and answers == [], context
            if kind == "action":
                assert number is not None, context
                row = self.action_row(number)
                assert row is not None and row.meeting_id == self.meeting_id, context
                assert row.status == "open" and row.text and row.text in text, context
            else:
                assert number is None, context
            return "stored"
        assert after.items == before.items and reactions == [], context
        self._answered(answers, why, context)
        return "answered"

    def _check_undo(
        self,
        line: Line,
        before: Snapshot,
        after: Snapshot,
        answers: list[dict[str, Any]],
        reactions: list[str],
    ) -> str:
        context = (line, before.items[-1:], answers, reactions)
        if not before.items:
            assert after.items == [] and reactions == [], context
            self._answered(answers, "nothing to undo", context)
            return "answered"
        last = before.items[-1]
        if last[3] != line.speaker and line.speaker != CHAIR:
            assert after.items == before.items and reactions == [], context
            self._answered(answers, "Only a chair can undo", context)
            return "answered"
        assert after.items == before.items[:-1], context
        assert reactions == ["leftwards_arrow_with_hook"] and answers == [], context
        if last[5] is not None:  # an action item keeps its number, withdrawn
            row = self.action_row(last[5])
            assert row is not None and row.status == "withdrawn", context
        return "undone"


def _setup(rb: RunningBot, errors: BotErrorLog) -> LiveMeeting:
    rb.fake.add_user(CHAIR, tz="Europe/Paris", name="pat")
    rb.fake.add_user(MEMBER, tz="America/Los_Angeles", name="sam")
    rb.fake.add_channel(CHANNEL, "wg-fuzz", members=[CHAIR, MEMBER])
    return LiveMeeting(rb, errors)


def _run(live: LiveMeeting, profile: settings) -> None:
    @profile
    @given(lines)
    def run(said: list[Line]) -> None:
        for line in said:
            live.say(line)

    run()
    assert live.said > 0
    live.rb.deliver()
    assert live.rb.fake.violations == []


def test_fuzz_live_meeting_capture_quick(running: RunningBot, bot_errors: BotErrorLog) -> None:
    _run(_setup(running, bot_errors), QUICK)


@pytest.mark.slow
def test_fuzz_live_meeting_capture_long(
    running: RunningBot, bot_errors: BotErrorLog, request: pytest.FixtureRequest
) -> None:
    # An example says up to four lines: half as many examples as a command family gets.
    examples = max(1, (request.config.getoption("--fuzz-examples") or LONG_EXAMPLES) // 2)
    _run(_setup(running, bot_errors), settings(QUICK, max_examples=examples))


@pytest.mark.postgres
def test_a_nul_byte_is_dropped_on_postgres(
    pg_url: str, fake_slack: FakeSlack, bot_errors: BotErrorLog
) -> None:
    """PostgreSQL text cannot hold NUL: the edge drops it from what people type."""
    rb = start_bot(pg_url, fake_slack)
    try:
        live = _setup(rb, bot_errors)
        assert live.say(Line("#topic a\x00b", CHAIR, "topic", "a\x00b")) == "stored"
        answer = rb.command("/action", "add tidy\x00 up", user_id=CHAIR, channel_id=CHANNEL)
        assert "tidy up" in answer.reply_text, answer.reply_text
    finally:
        rb.stop()


def test_each_kind_of_outcome_happens(running_sqlite: RunningBot, bot_errors: BotErrorLog) -> None:
    """The fuzz's oracle on fixed lines: every branch (stored, answered, undone, ordinary)."""
    live = _setup(running_sqlite, bot_errors)
    long_body = "x " * 1500
    owner = f"<@{MEMBER}>"
    script = [
        (
            Line(
                "#topic  <!channel>\tplan \x00 \u202e",
                CHAIR,
                "topic",
                " <!channel>\tplan \x00 \u202e",
            ),
            "stored",
        ),
        (Line("#TOPIC rogue", MEMBER, "TOPIC", "rogue"), "answered"),
        (Line("#info", MEMBER, "info", ""), "answered"),
        (Line("#info \u3000 ", MEMBER, "info", "\u3000 "), "answered"),
        (Line(f"#info {long_body}", MEMBER, "info", long_body), "stored"),
        (Line("#undo", CHAIR, "undo"), "undone"),
        (
            Line(
                f"#action {owner} write it up by friday",
                MEMBER,
                "action",
                f"{owner} write it up by friday",
            ),
            "stored",
        ),
        (Line(f"#action {owner}", CHAIR, "action", owner), "answered"),
        (Line("#undo", MEMBER, "undo"), "undone"),
        (Line("#undo", MEMBER, "undo"), "answered"),
        (Line("#topic: glued", CHAIR), "ordinary"),
        (Line("#topicé glued", CHAIR), "ordinary"),
        (Line("just talking <!here>", MEMBER), "ordinary"),
        (
            Line(
                "\n#Decision\n<https://evil.example|click> &amp; go ",
                CHAIR,
                "Decision",
                "<https://evil.example|click> &amp; go ",
            ),
            "stored",
        ),
        (
            # Stored without its past due date (the thread is told why, see
            # tests/actions/test_owner_due.py).
            Line("#action fix it due 2020-01-01", CHAIR, "action", "fix it due 2020-01-01"),
            "stored",
        ),
    ]
    assert [live.say(line) for line, _ in script] == [outcome for _, outcome in script]
    with running_sqlite.bot.rt.db.read() as s:
        kept = [
            (i.kind, i.text)
            for i in s.query(MeetingItem)
            .filter_by(meeting_id=live.meeting_id)
            .order_by(MeetingItem.position)
        ]
    assert kept == [
        ("topic", "<!channel> plan \u202e"),  # NUL dropped at the edge
        ("agreed", "<https://evil.example|click> &amp; go"),
        ("action", "fix it due 2020-01-01"),
    ]
