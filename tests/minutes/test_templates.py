"""A channel's own minutes templates: chosen from the configured directory, sandboxed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunningBot, start_bot
from tests.harness.fakeslack import FakeSlack
from tests.harness.rooms import Room

FANCY_MD = """# {{ m.name.text }} (fancy)
{% for t in m.topics %}* {{ t.number }} {{ t.title.text }}
{% for d in t.decisions %}  - DECIDED {{ d.body.text }}
{% endfor %}{% endfor %}
{% for a in m.actions_new %}ACTION {{ a.number }} {{ a.task.text }} / {{ a.owners_text }}
{% endfor %}"""


@pytest.fixture
def custom_bot(sqlite_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[RunningBot]:
    tdir = tmp_path / "group-templates"
    tdir.mkdir()
    (tdir / "fancy.md.j2").write_text(FANCY_MD)
    (tdir / "broken.html.j2").write_text("<h1>{{ m.name.text }</h1>\n{% for %}")
    (tdir / "evil.slack.j2").write_text("{{ m.name.__class__.__mro__[1].__subclasses__() }}")
    rb = start_bot(sqlite_url, fake_slack, templates_dir=str(tdir))
    rb.extra["dir"] = tdir
    try:
        yield rb
    finally:
        rb.stop()


def test_template_list_set_and_errors(custom_bot: RunningBot) -> None:
    room = Room(custom_bot)
    listing = room.cmd("template list")
    for name in ("default", "fancy", "broken", "evil"):
        assert f"`{name}`" in listing
    assert "`default` ← this channel" in listing
    assert "no minutes template `nope`" in room.cmd("template set nope")
    broken = room.cmd("template set broken")
    assert "`broken`" in broken and "syntax error on line 1" in broken
    evil = room.cmd("template set evil")
    assert "`evil`" in evil and "SecurityError" in evil and "unsafe" in evil
    assert "`default` ← this channel" in room.cmd("template list")

    assert "now use the `fancy` template" in room.cmd("template set fancy")
    room.cmd("start Custom")
    room.say("#topic Money")
    room.say("#agreed spend <wisely>")
    room.say("#action <@U2|bob> count it")
    room.cmd("end")
    meeting = room.publish()
    md = custom_bot.sender.get(f"/minutes/{meeting.public_id}.md").text
    assert md.startswith("# Custom (fancy)")
    assert "- DECIDED spend <wisely>" in md
    assert "ACTION 1 count it / @bob" in md
    # Formats the group did not write fall back to the default ones.
    html = custom_bot.sender.get(f"/minutes/{meeting.public_id}.html").text
    assert "spend &lt;wisely&gt;" in html
    assert "*Decision:* spend &lt;wisely&gt;" in room.posted_text()
    assert custom_bot.fake.violations == []


def test_a_template_broken_after_choosing_it_gets_a_clear_answer(custom_bot: RunningBot) -> None:
    room = Room(custom_bot)
    room.cmd("template set fancy")
    room.cmd("start Later")
    room.say("#topic Something")
    room.cmd("end")
    (custom_bot.extra["dir"] / "fancy.md.j2").write_text("{{ m.nothing_here.deeper }}")
    meeting = room.publish()
    assert meeting.status == "ended"  # nothing half-published
    answer = custom_bot.fake.ephemerals[-1]["text"]
    assert "`fancy`" in answer and "failed" in answer and "/minutes template set default" in answer
    assert "Traceback" not in answer
    room.cmd("template set default")
    assert room.publish().status == "published"
