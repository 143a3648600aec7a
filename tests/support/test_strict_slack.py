"""The support desk against a Slack that refuses what Slack refuses (tests/harness/fakeslack.py).

Triage channels given by name are stored as ids (Slack edits a card, and reads a
channel's history, by id only); an issue filed in a DM among people is not routed
into that DM; the message shortcut's modal opens within its trigger's 3 seconds.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.models import OutboxMessage
from bot.support.models import SupportIssue, SupportProvider
from tests.conftest import RunningBot
from tests.support.conftest import CATALOG, load_catalog, run_cli
from tests.support.helpers import all_text, card, issue_number, open_views, state

PEOPLES_DM = "D0PEOPLE1"  # a DM between two people: the bot is not in it


def _provider_channels(rb: RunningBot) -> dict[str, str | None]:
    with rb.bot.rt.db.read() as s:
        return {p.name: p.channel for p in s.scalars(select(SupportProvider))}


# -- triage channels by name: stored, posted to and edited by id ----------------------


def test_triage_channel_by_name_is_stored_as_its_id_and_its_card_edited_by_id(
    desk: RunningBot,
) -> None:
    # The catalog says `channel: "#lustre-support"`: the import asked Slack for the id.
    assert _provider_channels(desk) == {
        "Whamcloud": "CLUSTRE",
        "F5 OpenStack Team": "CF5",
        "Volunteers": None,
    }
    assert desk.fake.calls_to("conversations.list"), "names are looked up in Slack"
    filed = desk.command("/issue", "file S2 lustre: MDS crashes on failover", user_id="U1")
    assert "<#CLUSTRE>" in filed.reply_text  # a channel link, not the bare name
    desk.deliver()
    [post] = [
        c for c in desk.fake.calls_to("chat.postMessage") if "MDS crashes" in c.params["text"]
    ]
    assert post.params["channel"] == "CLUSTRE" and post.ok
    assert "<#CLUSTRE>" in desk.command("/support", "lustre").reply_text
    # Acknowledging edits the card where it is, by its channel id and ts.
    desk.command("/issue", "ack 1", user_id="U2")
    desk.deliver()
    [update] = desk.fake.calls_to("chat.update")
    assert update.ok and update.params["channel"] == "CLUSTRE"
    assert update.params["ts"] == post.response["ts"]  # type: ignore[index]
    assert "acknowledged" in all_text(card(desk, "CLUSTRE", 1))


def test_a_card_whose_post_timed_out_is_looked_for_in_its_channel_by_id(
    desk: RunningBot,
) -> None:
    # Slack answers 500: maybe it posted, maybe not. Before posting again, the worker
    # reads the channel's history, which Slack serves by channel id only.
    desk.fake.fail("chat.postMessage", status=500, times=1)
    desk.command("/issue", "file S2 lustre: OST flaps", user_id="U1")
    desk.deliver()
    desk.advance(timedelta(minutes=2))
    desk.deliver()
    history = desk.fake.calls_to("conversations.history")
    assert history and all(c.ok and c.params["channel"] == "CLUSTRE" for c in history)
    cards = [m for m in desk.fake.messages("CLUSTRE") if "OST flaps" in str(m.get("text"))]
    assert len(cards) == 1
    with desk.bot.rt.db.read() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}


def test_an_unconfirmed_post_to_a_stored_name_is_found_by_id(desk: RunningBot) -> None:
    # A row from before names became ids: posted to "#lustre-support", outcome unknown.
    from bot import outbox

    with desk.bot.rt.db.write() as s:
        outbox.post_message(
            s, team_id="T1", channel="#lustre-support", text="legacy", now=desk.clock.now()
        )
    desk.fake.fail("chat.postMessage", status=500, times=1)
    desk.deliver()
    desk.advance(timedelta(minutes=2))
    desk.deliver()
    assert [m["text"] for m in desk.fake.messages("CLUSTRE") if m["text"] == "legacy"] == ["legacy"]
    assert desk.fake.last_call("conversations.history").params["channel"] == "CLUSTRE"


def test_an_import_naming_a_channel_slack_does_not_show_imports_nothing(
    running: RunningBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # #lustre-support exists but is private and the bot is not in it; #f5-openstack
    # does not exist at all.
    running.fake.add_channel("GLUSTRE", "lustre-support", is_private=True, is_member=False)
    assert load_catalog(running, monkeypatch, tmp_path) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err
    assert "catalog.yaml:5: there is no channel '#lustre-support'" in err
    assert "catalog.yaml:10: there is no channel '#f5-openstack'" in err
    assert "invite the bot" in err
    assert _provider_channels(running) == {}
    # Once Slack shows them (invited; created), the same file imports, with their ids.
    running.fake.invite_bot("GLUSTRE")
    running.fake.add_channel("CF5", "f5-openstack")
    assert load_catalog(running, monkeypatch, tmp_path) == 0
    assert _provider_channels(running)["Whamcloud"] == "GLUSTRE"


def test_an_import_by_name_without_slack_says_so_and_imports_nothing(
    running: RunningBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    url = running.bot.rt.settings.database_url
    # No SLACK_BOT_TOKEN: the names cannot be looked up.
    assert run_cli(monkeypatch, url, "catalog", "import", str(path), "--team", "T1") == 1
    err = capsys.readouterr().err
    assert "#lustre-support, #f5-openstack" in err and "Write channel ids" in err
    assert _provider_channels(running) == {}
    # A file with ids needs no Slack.
    with_ids = CATALOG.replace('"#lustre-support"', "CLUSTRE").replace('"#f5-openstack"', "CF5")
    path.write_text(with_ids, encoding="utf-8")
    assert run_cli(monkeypatch, url, "catalog", "import", str(path), "--team", "T1") == 0
    assert _provider_channels(running)["F5 OpenStack Team"] == "CF5"


def test_a_provider_channel_slack_did_not_link_is_refused(running: RunningBot) -> None:
    # With escaping on, Slack sends a channel it knows as <#C…|name>.
    refused = running.command(
        "/support", "add provider Acme channel=#acme-support", user_id="UADMIN"
    ).reply_text
    assert "cannot see a channel `#acme-support`" in refused
    assert _provider_channels(running) == {}
    running.command("/support", "add provider Acme channel=<#C1|general>", user_id="UADMIN")
    assert _provider_channels(running) == {"Acme": "C1"}


# -- no posting into people's DMs -----------------------------------------------------


def test_an_issue_filed_in_a_dm_among_people_goes_to_the_reporter(desk: RunningBot) -> None:
    # Volunteers have no triage channel and there is no default channel: the card used
    # to go to where it was filed, a DM the bot is not part of (Slack refuses).
    text = desk.command(
        "/issue", "file community scripts: typo in docs", user_id="U1", channel_id=PEOPLES_DM
    ).reply_text
    assert "direct message" in text and "/wg settings default-channel" in text
    assert "<#" not in text.split("went to", 1)[1]
    desk.deliver()
    assert "typo in docs" in all_text(card(desk, "DU1", issue_number(text)))
    assert desk.fake.messages(PEOPLES_DM) == []
    with desk.bot.rt.db.read() as s:
        issue = s.scalars(select(SupportIssue)).one()
        assert (issue.triage_channel, issue.filed_in) == ("U1", PEOPLES_DM)
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}


def test_the_forms_answer_from_a_dm_among_people_comes_as_a_dm(desk: RunningBot) -> None:
    desk.command("/issue", "", user_id="U3", channel_id=PEOPLES_DM)
    desk.fake.wait_until(lambda: bool(open_views(desk, "issue_file")))
    modal = open_views(desk, "issue_file")[0]
    options = {
        o["text"]["text"]: o["value"]
        for o in {b["block_id"]: b for b in modal["blocks"]}["product"]["element"]["options"]
    }
    values = state(
        title="OST unreachable",
        product=("static_select", options["OpenSFS Lustre 2.15"]),
        severity=("static_select", "S1"),
    )
    resp = desk.sender.view_submission(
        "issue_file", values, private_metadata=modal["private_metadata"], user_id="U3"
    )
    assert resp.status == 200
    desk.deliver()
    assert "OST unreachable" in all_text(card(desk, "CLUSTRE", 1))  # routed as usual
    # The filer's answer: not an ephemeral in a DM the bot is not in, but the bot's DM.
    assert not [e for e in desk.fake.ephemerals if e["channel"] == PEOPLES_DM]
    assert any("issue #1" in m["text"] for m in desk.fake.messages("DU3"))


# -- the shortcut's modal within its trigger's life -----------------------------------


def test_the_shortcuts_modal_opens_in_time_when_permalinks_are_slow(desk: RunningBot) -> None:
    # chat.getPermalink takes 2.5 s: asked before views.open, the modal would open
    # after 2.5 s of the trigger's 3; the link is built from the payload instead.
    desk.fake.latency("chat.getPermalink", 2.5)
    said = desk.fake.add_message("C1", "lctl hangs on mount", user="U2")
    sent = time.monotonic()
    resp = desk.sender.message_shortcut(
        "file_issue", {"ts": said, "user": "U2", "text": "lctl hangs on mount"}, user_id="U1"
    )
    assert resp.status == 200
    [opened] = desk.fake.wait_for_call("views.open", timeout=5)
    assert opened.ok, opened.response
    assert opened.monotonic - sent < 1.0, f"views.open {opened.monotonic - sent:.2f}s in"
    assert not desk.fake.calls_to("chat.getPermalink")
    meta = json.loads(opened.params["view"]["private_metadata"])
    assert meta["link"] == f"https://fake-team.slack.com/archives/C1/p{said.replace('.', '')}"


def test_the_link_to_a_reply_in_a_thread_names_its_thread(desk: RunningBot) -> None:
    parent = desk.fake.add_message("C1", "the thread", user="U2")
    reply = desk.fake.add_message("C1", "lctl hangs", user="U2", thread_ts=parent)
    desk.sender.message_shortcut(
        "file_issue", {"ts": reply, "thread_ts": parent, "user": "U2", "text": "lctl hangs"}
    )
    [opened] = desk.fake.wait_for_call("views.open", timeout=5)
    meta = json.loads(opened.params["view"]["private_metadata"])
    # What chat.getPermalink answers for that message (the fake answers as Slack does).
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-test", base_url=desk.fake.url)
    assert meta["link"] == client.chat_getPermalink(channel="C1", message_ts=reply)["permalink"]
