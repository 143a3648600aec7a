"""Filing: one line, the modal, the message shortcut; routing and the answer to the filer."""

from __future__ import annotations

import json
import re

from tests.conftest import RunningBot
from tests.support.helpers import all_text, buttons, card, issue_number, open_views, state


def test_one_line_filing_routes_to_the_provider_channel(desk: RunningBot) -> None:
    resp = desk.command("/issue", "file S2 lustre: MDS crashes on failover", user_id="U1")
    text = resp.reply_text
    assert resp.json()["response_type"] == "ephemeral"
    assert "issue #1" in text and "OpenSFS Lustre 2.15" in text and "Whamcloud" in text
    # Deadlines as date tokens: each reader sees their own time. Extended S2: 8h and 5d.
    tokens = [int(t) for t in re.findall(r"<!date\^(\d+)\^", text)]
    t0 = int(desk.clock.now().timestamp())
    assert tokens[:2] == [t0 + 8 * 3600, t0 + 5 * 86400]
    desk.deliver()
    msg = card(desk, "CLUSTRE", 1)
    body = all_text(msg)
    assert "MDS crashes on failover" in body and "S2" in body and "<@U1>" in body
    assert set(buttons(msg)) == {"issue_ack", "issue_assign", "issue_wait", "issue_close"}
    assert buttons(msg)["issue_ack"] == "1"
    assert desk.fake.violations == []


def test_default_severity_and_numbers_are_sequential(desk: RunningBot) -> None:
    first = desk.command("/issue", "file lbaas: pool member flaps").reply_text
    second = desk.command("/issue", "file lustre: slow ls").reply_text
    assert issue_number(first) == 1 and issue_number(second) == 2
    assert "(S3)" in first
    desk.deliver()
    assert "pool member flaps" in all_text(card(desk, "CF5", 1))


def test_routing_falls_back_to_default_then_filing_channel(desk: RunningBot) -> None:
    # Volunteers have no triage channel and the workspace has no default: the filing channel.
    text = desk.command("/issue", "file community scripts: typo", channel_id="C1").reply_text
    desk.deliver()
    assert "<#C1>" in text
    card(desk, "C1", issue_number(text))
    # With a default channel set, it goes there.
    desk.fake.add_channel("CDEF", "support")
    desk.command("/wg", "settings default-channel <#CDEF|support>", user_id="UADMIN")
    text = desk.command("/issue", "file community scripts: another", channel_id="C1").reply_text
    desk.deliver()
    card(desk, "CDEF", issue_number(text))
    # A product nobody supports still gets filed, without deadlines.
    text = desk.command("/issue", "file orphan tool: help").reply_text
    assert "No provider supports this product" in text and "no guaranteed target" in text


def test_modal_has_a_product_picker_and_files(desk: RunningBot) -> None:
    resp = desk.command("/issue", "", channel_id="C1")
    assert resp.status == 200
    desk.fake.wait_until(lambda: bool(open_views(desk, "issue_file")))
    modal = open_views(desk, "issue_file")[0]
    blocks = {b["block_id"]: b for b in modal["blocks"]}
    assert set(blocks) == {"title", "product", "severity", "description", "version"}
    options = {o["text"]["text"]: o["value"] for o in blocks["product"]["element"]["options"]}
    assert "OpenSFS Lustre 2.15" in options
    assert desk.fake.violations == []
    values = state(
        title="OST unreachable",
        product=("static_select", options["OpenSFS Lustre 2.15"]),
        severity=("static_select", "S1"),
        description="Since 10:00 <b>all</b> clients hang",
        version="2.15.3",
    )
    resp = desk.sender.view_submission(
        "issue_file", values, private_metadata=modal["private_metadata"], user_id="U3"
    )
    assert resp.status == 200
    desk.deliver()
    msg = card(desk, "CLUSTRE", 1)
    body = all_text(msg)
    assert "OST unreachable" in body and "S1" in body and "2.15.3" in body
    assert "&lt;b&gt;all&lt;/b&gt;" in body  # user text is escaped
    notices = [e for e in desk.fake.ephemerals if e["user"] == "U3"]
    assert notices and "issue #1" in notices[-1]["text"] and notices[-1]["channel"] == "C1"


def test_modal_errors_keep_it_open_and_write_nothing(desk: RunningBot) -> None:
    values = state(
        title="x" * 200, product=("static_select", None), severity=("static_select", "S3")
    )
    resp = desk.sender.view_submission("issue_file", values, private_metadata="{}")
    body = resp.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"title", "product"}
    assert "0" in desk.command("/issue", "list all").reply_text.split("\n")[0]


def test_message_shortcut_files_a_message_as_an_issue(desk: RunningBot) -> None:
    message = {"ts": "1700000000.000100", "user": "U2", "text": "lctl hangs on mount\nfull log: …"}
    resp = desk.sender.message_shortcut("file_issue", message, channel_id="C1", user_id="U1")
    assert resp.status == 200
    desk.fake.wait_until(lambda: bool(open_views(desk, "issue_file")))
    modal = open_views(desk, "issue_file")[0]
    blocks = {b["block_id"]: b for b in modal["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "lctl hangs on mount"
    assert "full log" in blocks["description"]["element"]["initial_value"]
    meta = json.loads(modal["private_metadata"])
    assert meta["source_ts"] == "1700000000.000100" and meta["link"].startswith("https://")
    options = {o["text"]["text"]: o["value"] for o in blocks["product"]["element"]["options"]}
    values = state(
        title=blocks["title"]["element"]["initial_value"],
        product=("static_select", options["OpenSFS Lustre 2.15"]),
        severity=("static_select", "S2"),
        description=blocks["description"]["element"]["initial_value"],
    )
    desk.sender.view_submission(
        "issue_file", values, private_metadata=modal["private_metadata"], user_id="U1"
    )
    desk.deliver()
    body = all_text(card(desk, "CLUSTRE", 1))
    assert "lctl hangs on mount" in body
    assert meta["link"] in body  # links back to the message
    text = desk.command("/issue", "show 1").reply_text
    assert "a message" in text and meta["link"] in text
    assert desk.fake.violations == []
