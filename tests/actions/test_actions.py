"""/action through signed slash commands: numbers, owners, due dates, rules, reminders."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.actions.models import ActionItem
from bot.services import hooks
from tests.conftest import RunningBot
from tests.harness.guards import join_all
from tests.harness.rooms import Room, dm_texts


def act(running: RunningBot, text: str, user: str = "U1", **kw: str) -> str:
    resp = running.command("/action", text, user_id=user, **kw)
    assert resp.status == 200
    return resp.reply_text


def test_add_list_done_reopen_assign_due_show(running: RunningBot) -> None:
    # Monday 23 Nov 2026, 13:00 in Paris (alice).
    first = act(running, "add <@U2|bob> <@U3|chie> draft the charter by friday")
    assert "Action item #1" in first and "<@U2>, <@U3>" in first and "2026-11-27" in first
    assert "Action item #2" in act(running, "add tidy the wiki")  # nobody owns it yet
    assert "2026-12-05" in act(running, "add <@U2> book the room due dec 5")
    assert "2026-11-24" in act(running, "add <@U3> send notes by tomorrow")
    assert "2026-11-26" in act(running, "add <@U3> review by in 3 days")
    # "by" inside the task stays in the task.
    assert "write the by-laws" in act(running, "add write the by-laws")

    listing = act(running, "list")
    for n in range(1, 7):
        assert f"#{n}" in listing
    mine = act(running, "list mine", user="U2")
    assert "#1" in mine and "#3" in mine and "#4" not in mine
    assert "#4" in act(running, "list <@U3|chie>") and "#3" not in act(running, "list <@U3>")

    assert "Done" in act(running, "done 1", user="U3")  # an owner
    assert "#1" not in act(running, "list").split("Open action items")[1]
    assert "#1" in act(running, "list done")
    assert "already done" in act(running, "done 1", user="U2")
    assert "Reopened" in act(running, "reopen 1", user="U1")  # its creator
    assert "Reassigned" in act(running, "assign 2 <@U3>")
    assert "<@U3>" in act(running, "show 2")
    assert "nobody yet" in act(running, "assign 2 nobody")
    assert "2026-12-24" in act(running, "due 2 2026-12-24")
    assert "no date" in act(running, "due 2 none")
    assert "Action item #5" in act(running, "show #5")
    assert running.fake.violations == []


def test_permission_rule(running: RunningBot, room: Room) -> None:
    act(running, "add <@U2|bob> fix the build", user="U1")
    # U3 is neither owner, creator, chair nor admin.
    for text in ("done 1", "reopen 1", "assign 1 <@U3>", "due 1 friday"):
        assert "only an owner" in act(running, text, user="U3")
    # A chair of the channel's live meeting may.
    room.cmd("start Sync", user="U3")
    assert "Done" in act(running, "done 1", user="U3")
    room.cmd("end", user="U3")
    # So may a workspace admin, and a chair of the channel's meeting series.
    assert "Reopened" in act(running, "reopen 1", user="UADMIN")
    assert "only an owner" in act(running, "done 1", user="U3")


def test_series_chair_may_edit(
    running: RunningBot, scheduled_slot: list[hooks.MeetingSlot]
) -> None:
    now = running.clock.now()
    scheduled_slot.append(
        hooks.MeetingSlot(
            1,
            "Weekly",
            "C1",
            now + timedelta(days=1),
            now + timedelta(days=1, hours=1),
            "UTC",
            ("U3",),
        )
    )
    act(running, "add <@U2> prepare slides", user="U1")
    assert "Done" in act(running, "done 1", user="U3")


def test_bad_input(running: RunningBot) -> None:
    assert "Say what needs doing" in act(running, "add")
    assert "Say what needs doing" in act(running, "add <@U2>")
    assert "not a user I know" in act(running, "add @bob do it")
    assert "does not know the user" in act(running, "add <@U404NOBODY> do it")
    # A due date that cannot be used does not lose the item: it is recorded without
    # one, and only the writer is told why.
    assert "Action item #1" in act(running, "add <@U2> do it by 2026-01-01")
    assert "Action item #2" in act(running, "add <@U2> do it by 2026-02-30")
    running.deliver()
    told = [e["text"] for e in running.fake.ephemerals if e["user"] == "U1"]
    assert len(told) == 2, told
    assert "#1 without a due date" in told[0] and "in the past" in told[0]
    assert "#2 without a due date" in told[1] and "not a real date" in told[1]
    assert "no action item #42" in act(running, "done 42")
    assert "not a action item number" in act(running, "done many") or "number" in act(
        running, "done many"
    )
    assert "Which action item" in act(running, "show")
    assert "not a filter" in act(running, "list everything")
    act(running, "add <@U2> something")
    assert "not a date I understand" in act(running, "due 3 someday")
    assert "not a user mention" in act(running, "assign 3 bob")
    with running.bot.rt.db.read() as s:
        assert s.query(ActionItem).count() == 3
        assert all(a.due_date is None for a in s.query(ActionItem))


def test_concurrent_adds_get_gapless_unique_numbers(running: RunningBot) -> None:
    replies: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        for j in range(5):
            text = act(running, f"add <@U2> task {i}-{j}", user=["U1", "U2", "U3"][i % 3])
            with lock:
                replies.append(text)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    join_all(threads, 60)
    assert len(replies) == 40 and all("Action item #" in r for r in replies)
    with running.bot.rt.db.read() as s:
        numbers = sorted(a.number for a in s.query(ActionItem).filter_by(team_id="T1"))
    assert numbers == list(range(1, 41))
    # Another workspace has its own sequence.
    assert "Action item #1" in act(running, "add <@U2> elsewhere", team_id="T2")


def test_owner_reminders_day_before_and_overdue_once_each(running: RunningBot) -> None:
    # Alice (Paris) gives bob (Los Angeles) and chie (Tokyo) a due date of Friday 27 Nov:
    # a date of each owner's calendar, nudged in each owner's morning (09:00 there).
    act(running, "add <@U2|bob> <@U3|chie> send the survey by friday")
    act(running, "add nobody owns this by friday")
    act(running, "add <@U2|bob> later thing by dec 20")

    running.run_jobs(at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # Wednesday: too early
    assert dm_texts(running, "U2") == [] and dm_texts(running, "U3") == []
    # Thursday 00:30 in Paris (the writer's midnight): nobody's morning yet.
    running.run_jobs(at=datetime(2026, 11, 25, 23, 30, tzinfo=UTC))
    assert dm_texts(running, "U2") == [] and dm_texts(running, "U3") == []
    # Thursday 09:30 in Tokyo: chie's "due tomorrow"; bob is asleep (Wednesday 16:30).
    running.run_jobs(at=datetime(2026, 11, 26, 0, 30, tzinfo=UTC))
    assert len(dm_texts(running, "U3")) == 1 and "due tomorrow" in dm_texts(running, "U3")[0]
    assert dm_texts(running, "U2") == []
    # Thursday 09:01 in Los Angeles: bob's.
    running.run_jobs(at=datetime(2026, 11, 26, 17, 1, tzinfo=UTC))
    bob = dm_texts(running, "U2")
    assert len(bob) == 1 and "#1" in bob[0] and "due tomorrow" in bob[0]
    running.run_jobs(at=datetime(2026, 11, 27, 12, 0, tzinfo=UTC))  # again: nothing new
    assert len(dm_texts(running, "U2")) == 1 and len(dm_texts(running, "U3")) == 1
    # Saturday 09:30 in Tokyo: chie's "overdue"; bob's Friday is not over.
    running.run_jobs(at=datetime(2026, 11, 28, 0, 30, tzinfo=UTC))
    assert len(dm_texts(running, "U3")) == 2 and "overdue" in dm_texts(running, "U3")[1]
    assert len(dm_texts(running, "U2")) == 1
    # Saturday 09:01 in Los Angeles: bob's, once.
    running.run_jobs(at=datetime(2026, 11, 28, 17, 1, tzinfo=UTC))
    running.run_jobs(at=datetime(2026, 11, 28, 20, 0, tzinfo=UTC))
    bob = dm_texts(running, "U2")
    assert len(bob) == 2 and "overdue" in bob[1]
    # A done item is not nagged; moving a date earns a fresh reminder.
    act(running, "done 1", user="U2")
    act(running, "due 3 2026-11-30", user="U2")
    running.run_jobs(at=datetime(2026, 11, 29, 17, 1, tzinfo=UTC))  # Sunday 09:01 in LA
    bob = dm_texts(running, "U2")
    assert len(bob) == 3 and "#3" in bob[2]
    assert running.fake.violations == []


def test_reminder_section_lists_open_items_of_the_channel(running: RunningBot) -> None:
    act(running, "add <@U2|bob> one & <two> by friday")
    act(running, "add <@U3> elsewhere", channel_id="C2")
    act(running, "add done already")
    act(running, "done 3")
    with running.bot.rt.db.read() as s:
        sections = [
            f(s, "T1", "C1", running.clock.now()) for f in running.bot.rt.hooks.reminder_sections
        ]
        other = [
            f(s, "T2", "C1", running.clock.now()) for f in running.bot.rt.hooks.reminder_sections
        ]
    text = "\n".join(x for x in sections if x)
    assert "*#1* one &amp; &lt;two&gt; — <@U2> · due <!date^" in text
    assert "^{date_short_pretty}|2026-11-27>" in text
    assert "#2" not in text and "#3" not in text
    assert not any(other)


def test_app_home_lists_my_open_items(running: RunningBot) -> None:
    act(running, "add <@U2|bob> bring snacks by friday")
    act(running, "add <@U3> not bob's")
    running.sender.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    running.deliver()
    home = str(running.fake.home_tabs["U2"]["blocks"])
    assert "Your open action items" in home and "bring snacks" in home and "not bob" not in home
    assert running.fake.violations == []
