"""Bad input gets an answer naming the problem, and nothing is half-written."""

from __future__ import annotations

from tests.conftest import RunningBot


def _count(rb: RunningBot) -> str:
    return rb.command("/issue", "list all").reply_text.split("\n")[0]


def test_filing_mistakes(desk: RunningBot) -> None:
    cases = {
        "file S9 lustre: x": "not a severity",
        "file lustre missing colon": "colon",
        "file : no product": "Name the product",
        "file lustre:": "needs a title",
        "file": "Say which product",
        "file nosuchthing: help": "No product matches",
        "file lustre: " + "x" * 200: "keep it under 120",
    }
    for args, expected in cases.items():
        resp = desk.command("/issue", args)
        assert resp.status == 200
        text = resp.reply_text
        assert expected in text, (args, text)
        assert "Traceback" not in text
    assert "All issues*: 0" in _count(desk)
    desk.deliver()
    assert desk.fake.messages("CLUSTRE") == []


def test_unknown_numbers_users_and_empty_text(desk: RunningBot) -> None:
    desk.command("/issue", "file lustre: real")
    cases = {
        "show 42": "no issue #42",
        "show abc": "not a valid issue number",
        "ack": "Give its number",
        "assign 1 bob": "not a user mention",
        "assign 1 <@UNOBODY|x>": "cannot find the user",
        "comment 1": "The comment is empty",
        "comment 1    ": "The comment is empty",
        "close 7": "no issue #7",
        "frobnicate 1": "has no subcommand",
    }
    for args, expected in cases.items():
        # U2 speaks for Whamcloud: what is refused is the input, not the person.
        text = desk.command("/issue", args, user_id="U2").reply_text
        assert expected in text, (args, text)
    assert "<@U" not in desk.command("/issue", "show 1").reply_text.split("Assignee")[1][:20]


def test_another_workspaces_issue_is_invisible(desk: RunningBot) -> None:
    desk.command("/issue", "file lustre: secret", user_id="U1")
    for args in ("show 1", "ack 1", "close 1", "comment 1 hi", "reopen 1"):
        text = desk.command("/issue", args, team_id="T2").reply_text
        assert "no issue #1" in text, args
    assert "secret" not in desk.command("/issue", "list all", team_id="T2").reply_text
    # T2's own numbering starts at 1 too.
    desk.command("/support", "add provider P", user_id="UADMIN", team_id="T2")
    desk.command("/support", "add product Q", user_id="UADMIN", team_id="T2")
    text = desk.command("/issue", "file Q: mine", team_id="T2").reply_text
    assert "issue #1" in text
    assert "acknowledged" not in desk.command("/issue", "show 1").reply_text.split("filed as")[0]


def test_a_failure_inside_the_transaction_writes_nothing(desk: RunningBot) -> None:
    # A provider lookup that fails after the product was parsed must not leave a half-issue.
    text = desk.command("/support", "assign lustre Ghost basic", user_id="UADMIN").reply_text
    assert "no provider" in text.lower()
    text = desk.command("/support", "lustre").reply_text
    assert "Ghost" not in text


EVIL = "<!channel> <http://evil.example|click> {{ 7*7 }} <script>x</script>"


def test_user_text_is_escaped_everywhere_it_is_echoed(desk: RunningBot) -> None:
    import json

    desk.command("/issue", f"file lustre: {EVIL}")
    desk.command("/issue", f"comment 1 {EVIL}")
    desk.command("/issue", "close 1 " + EVIL)
    acks = [desk.command("/issue", "show 1").text, desk.command("/issue", "list all").text]
    assert "{{ 7*7 }}" in acks[0]  # templates never evaluate user text
    acks.append(desk.command("/support", EVIL).text)
    desk.deliver()
    for call in desk.fake.calls:
        acks.append(json.dumps(call.params))
    for text in acks:
        for bad in ("<!channel>", "<http://evil", "<script>"):
            assert bad not in text.replace("&lt;script&gt;", ""), (bad, text[:300])
