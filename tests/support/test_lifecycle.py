"""Lifecycle commands and the card's buttons: history, chat.update of the card."""

from __future__ import annotations

from tests.conftest import RunningBot
from tests.support.helpers import all_text, buttons, card, open_views, state


def _updates(rb: RunningBot) -> int:
    return len([c for c in rb.fake.calls_to("chat.update") if c.ok])


def test_each_lifecycle_command_updates_history_and_card(desk: RunningBot) -> None:
    desk.command("/issue", "file S2 lustre: MDS crashes", user_id="U1")
    desk.deliver()
    assert _updates(desk) == 0

    steps = [
        ("ack 1", "acknowledged issue #1", "acknowledged"),
        ("assign 1 <@U3|chie>", "assigned to <@U3>", "assigned to <@U3>"),
        (
            "comment 1 collecting <logs> & traces",
            "Comment added",
            "collecting &lt;logs&gt; &amp; traces",
        ),
        ("close 1 fixed by patch LU-1234", "is closed", "closed: fixed by patch LU-1234"),
        ("reopen 1", "open again", "reopened"),
    ]
    for n, (args, answer, on_card) in enumerate(steps, start=1):
        text = desk.command("/issue", args, user_id="U2").reply_text
        assert answer in text, (args, text)
        desk.deliver()
        assert _updates(desk) == n, args
        assert on_card in all_text(card(desk, "CLUSTRE", 1)), args

    show = desk.command("/issue", "show 1").reply_text
    for fragment in ("filed as S2", "acknowledged", "<@U3>", "collecting &lt;logs&gt;", "reopened"):
        assert fragment in show
    # Closing and reopening are reflected in the buttons.
    assert "issue_close" in buttons(card(desk, "CLUSTRE", 1))
    assert desk.fake.violations == []


def test_repeated_changes_are_polite_noops(desk: RunningBot) -> None:
    # U1 files; U2 (Whamcloud's escalation contact) handles it.
    desk.command("/issue", "file lustre: x")
    desk.command("/issue", "ack 1", user_id="U2")
    assert "already acknowledged" in desk.command("/issue", "ack 1", user_id="U2").reply_text
    desk.command("/issue", "close 1", user_id="U2")
    assert "already closed" in desk.command("/issue", "close 1", user_id="U2").reply_text
    assert "closed" in desk.command("/issue", "ack 1", user_id="U2").reply_text  # reopen first
    assert "not closed" in desk.command("/issue", "reopen 99").reply_text or "no issue" in (
        desk.command("/issue", "reopen 99").reply_text
    )


def test_list_scopes_and_filters(desk: RunningBot) -> None:
    desk.command("/issue", "file lustre: one", user_id="U1")
    desk.command("/issue", "file lbaas: two", user_id="U2")
    desk.command("/issue", "file lustre: three", user_id="U2")
    desk.command("/issue", "close 3", user_id="U2")
    desk.command("/issue", "assign 2 <@U1>", user_id="U3")  # U3 is in #f5-openstack

    text = desk.command("/issue", "list", user_id="U1").reply_text
    assert "Open issues*: 2" in text and "#1" in text and "#2" in text and "#3" not in text
    text = desk.command("/issue", "list mine", user_id="U1").reply_text
    assert "#1" in text and "#2" in text  # filed by U1, assigned to U1
    text = desk.command("/issue", "list mine", user_id="U3").reply_text
    assert "Nothing here" in text
    text = desk.command("/issue", "list all lustre").reply_text
    assert "#1" in text and "#3" in text and "#2" not in text
    text = desk.command("/issue", "list open F5 OpenStack Team").reply_text
    assert "#2" in text and "#1" not in text
    text = desk.command("/issue", "list all lustre Whamcloud").reply_text
    assert "#1" in text and "#3" in text
    text = desk.command("/issue", "list closed").reply_text
    assert "#3" in text and "#1" not in text


def test_list_paginates_with_a_count(desk: RunningBot) -> None:
    for i in range(25):
        desk.command("/issue", f"file lustre: issue {i}")
    text = desk.command("/issue", "list").reply_text
    assert "Open issues*: 25" in text and "page 1, issues 1–20" in text
    assert "#25" in text and "#6" in text and "#5 " not in text
    assert "/issue list open page 2" in text
    assert desk.fake.violations == []


def test_card_buttons(desk: RunningBot) -> None:
    desk.command("/issue", "file S1 lbaas: VIP down", user_id="U1")
    desk.deliver()
    msg = card(desk, "CF5", 1)
    resp = desk.sender.block_action("issue_ack", "1", user_id="U3", channel_id="CF5", message=msg)
    assert resp.status == 200
    desk.deliver()
    msg = card(desk, "CF5", 1)
    assert "acknowledged" in all_text(msg)
    assert "issue_ack" not in buttons(msg)
    assert any("acknowledged issue #1" in e["text"] for e in desk.fake.ephemerals)

    desk.sender.block_action("issue_assign", "1", user_id="U3", channel_id="CF5", message=msg)
    desk.fake.wait_until(lambda: bool(open_views(desk, "issue_assign")))
    modal = open_views(desk, "issue_assign")[0]
    desk.sender.view_submission(
        "issue_assign",
        state(assignee=("users_select", "U3")),
        private_metadata=modal["private_metadata"],
        user_id="U3",
    )
    desk.deliver()
    assert "assigned to <@U3>" in all_text(card(desk, "CF5", 1))

    desk.sender.block_action("issue_close", "1", user_id="U3", channel_id="CF5", message=msg)
    desk.deliver()
    msg = card(desk, "CF5", 1)
    assert "closed" in all_text(msg) and set(buttons(msg)) == {"issue_reopen"}
    desk.sender.block_action("issue_reopen", "1", user_id="U1", channel_id="CF5", message=msg)
    desk.deliver()
    assert "issue_close" in buttons(card(desk, "CF5", 1))
    assert desk.fake.violations == []
