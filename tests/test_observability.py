"""Observability: /metrics (Prometheus), /readyz, JSON logs with a request id.

Issue 15: there were no metrics and no structured logs. Metrics are process-wide
counters, so each test compares before and after.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import load_settings
from bot.errors import ConfigError
from bot.logs import JsonFormatter, RequestIdFilter, request_id
from bot.migrate import upgrade
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, RunningBot, start_bot
from tests.harness.fakeslack import FakeSlack
from tests.harness.rooms import Room
from tests.harness.slackclient import SlackSender
from tests.test_serve_process import free_port, wait_http

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(rb: RunningBot | SlackSender, headers: dict[str, str] | None = None) -> Samples:
    sender = rb.sender if isinstance(rb, RunningBot) else rb
    resp = sender.get("/metrics", headers=headers)
    assert resp.status == 200, resp.text
    assert resp.header("Content-Type", "").startswith("text/plain")
    out: Samples = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_commands_are_counted_by_family_and_outcome_with_latency(running: RunningBot) -> None:
    before = scrape(running)
    assert running.command("/wg", "help", user_id="U1").status == 200
    assert running.command("/meeting", "help", user_id="U2").status == 200
    # A usage error, a refusal (catalog edits are for admins), and /wg's umbrella.
    running.command("/meeting", "schedule nonsense", user_id="U3")
    running.command("/support", "add provider Acme collaboration=community", user_id="U2")
    running.command("/wg", "meeting help", user_id="U1")
    after = scrape(running)
    assert delta(before, after, "wgbot_commands_total", family="wg", outcome="ok") == 1
    assert delta(before, after, "wgbot_commands_total", family="meeting", outcome="ok") == 2
    assert (
        delta(before, after, "wgbot_commands_total", family="meeting", outcome="usage_error") == 1
    )
    assert delta(before, after, "wgbot_commands_total", family="support", outcome="denied") == 1
    assert delta(before, after, "wgbot_command_duration_seconds_count", family="meeting") == 3
    assert delta(before, after, "wgbot_command_duration_seconds_sum", family="meeting") > 0
    # A fast command lands in a low bucket: the histogram measures, not just counts.
    assert delta(before, after, "wgbot_command_duration_seconds_bucket", family="wg", le="5.0") == 1


def test_slack_calls_are_counted_by_method_and_status_429s_included(
    running_sqlite: RunningBot,
) -> None:
    rb = running_sqlite
    before = scrape(rb)
    rb.fake.fail("reactions.add", status=429, retry_after=1, times=1)
    room = Room(rb)
    room.cmd("start Ops review")
    topic_ts = room.say("#topic Budget")  # saved, then a reaction queued for Slack
    rb.deliver()
    rb.advance(timedelta(seconds=5))
    rb.deliver()
    after = scrape(rb)
    calls = "wgbot_slack_api_calls_total"
    assert delta(before, after, calls, method="reactions.add", status="429") == 1
    assert delta(before, after, calls, method="reactions.add", status="200") == 1
    assert rb.fake.reactions("C1", topic_ts), "the reaction went out after the 429"


def test_outbox_gauges_and_readyz_follow_the_oldest_pending_message(
    sqlite_url: str, fake_slack: FakeSlack
) -> None:
    rb = start_bot(sqlite_url, fake_slack, ready_outbox_age=120)
    try:
        ready = rb.sender.get("/readyz")
        assert ready.status == 200, ready.text
        assert ready.json()["outbox"]["pending"] == 0
        room = Room(rb)
        room.cmd("start Ops review")
        room.say("#topic Budget")  # a reaction is owed to Slack
        samples = scrape(rb)
        pending = value(samples, "wgbot_outbox_pending")
        assert pending >= 1
        assert value(samples, "wgbot_outbox_failed") == 0
        # Slack is away: nothing is delivered while the bot's clock moves on.
        rb.advance(timedelta(seconds=90))
        assert value(scrape(rb), "wgbot_outbox_oldest_pending_age_seconds") == pytest.approx(
            90, abs=1
        )
        assert rb.sender.get("/readyz").status == 200
        rb.advance(timedelta(seconds=60))
        not_ready = rb.sender.get("/readyz")
        assert not_ready.status == 503
        report = not_ready.json()
        assert report["status"] == "not ready" and report["outbox"]["ok"] is False
        assert report["outbox"]["oldest_pending_age_seconds"] == pytest.approx(150, abs=1)
        rb.deliver()
        assert rb.sender.get("/readyz").status == 200
        assert value(scrape(rb), "wgbot_outbox_pending") == 0
    finally:
        rb.stop()


def test_readyz_fails_when_the_scheduler_stops_ticking(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    rb.bot.start_background(delivery=False, scheduler=True, directory=False)
    try:
        ready = rb.sender.get("/readyz")
        assert ready.status == 200
        assert ready.json()["scheduler"]["running_here"] is True
        samples = scrape(rb)
        assert value(samples, "wgbot_scheduler_leader") == 1  # SQLite: always the leader
        assert value(samples, "wgbot_scheduler_last_tick_timestamp_seconds") == pytest.approx(
            rb.clock.now().timestamp(), abs=1
        )
    finally:
        rb.bot.scheduler.shutdown()
    # The scheduler is gone (as if its thread died): a minute later, not ready.
    rb.advance(timedelta(seconds=30))
    assert rb.sender.get("/readyz").status == 200
    rb.advance(timedelta(seconds=45))
    stale = rb.sender.get("/readyz")
    assert stale.status == 503
    assert stale.json()["scheduler"] == {
        "ok": False,
        "running_here": True,
        "last_tick_age_seconds": pytest.approx(75, abs=1),
    }


def test_reminders_sent_and_their_lag(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    answer = rb.command(
        "/meeting",
        'schedule "Ops weekly" every wednesday at 16:00 UTC remind 15m',
        user_id="U1",
    ).reply_text
    assert "Scheduled" in answer, answer
    before = scrape(rb)
    # Wednesday 25 November 2026, 15:45 UTC is when the reminder falls due; 7 s late.
    rb.run_jobs(at=rb.clock.now().replace(day=25, hour=15, minute=45, second=7))
    after = scrape(rb)
    assert delta(before, after, "wgbot_reminders_sent_total") == 1
    assert delta(before, after, "wgbot_reminder_lag_seconds_sum") == pytest.approx(7, abs=0.5)
    assert delta(before, after, "wgbot_reminder_lag_seconds_bucket", le="10.0") == 1
    assert delta(before, after, "wgbot_reminder_lag_seconds_bucket", le="5.0") == 0


def test_metrics_token_guards_metrics_but_not_health(
    sqlite_url: str, fake_slack: FakeSlack
) -> None:
    rb = start_bot(sqlite_url, fake_slack, metrics_token="s3cret-token")
    try:
        assert rb.sender.get("/metrics").status == 401
        assert rb.sender.get("/metrics", headers={"Authorization": "Bearer wrong"}).status == 401
        samples = scrape(rb, headers={"Authorization": "Bearer s3cret-token"})
        assert ("wgbot_outbox_pending", frozenset()) in samples
        assert rb.sender.get("/healthz").status == 200
        assert rb.sender.get("/readyz").status == 200
    finally:
        rb.stop()


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The bot's log as LOG_FORMAT=json writes it (the handler `wgbot serve` installs)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("bot")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def test_json_log_lines_carry_the_request_id(
    running_sqlite: RunningBot, json_log: io.StringIO
) -> None:
    rb = running_sqlite
    body = b"command=%2Fwg&text=help&team_id=T1&user_id=U1&channel_id=C1"
    ts = int(time.time())
    first = rb.sender.post_raw(body, "application/x-www-form-urlencoded", timestamp=ts)
    assert first.status == 200
    # The same signed request again: answered without running, and logged as a replay.
    again = rb.sender.post_raw(
        body,
        "application/x-www-form-urlencoded",
        timestamp=ts,
        headers={"X-Request-Id": "lb-7f3a9c"},
    )
    assert again.status == 200
    assert again.header("X-Request-Id") == "lb-7f3a9c"
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    replays = [x for x in lines if "replayed request" in x["message"]]
    assert replays, lines
    assert replays[0]["request_id"] == "lb-7f3a9c"
    assert replays[0]["level"] == "WARNING" and replays[0]["logger"] == "bot.slack.web"
    # Another request gets its own id, generated when none is offered.
    other = rb.sender.get("/healthz")
    assert other.header("X-Request-Id") not in (None, "lb-7f3a9c")


def test_json_log_format_from_the_command_line(tmp_path: Path, fake_slack: FakeSlack) -> None:
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(db)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PROMETHEUS"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=db,
        LOG_FORMAT="json",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        sender = SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET)
        assert (
            sender.post_raw(b"x=1", "application/x-www-form-urlencoded", sign=False).status == 401
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=15)
    lines = [line for line in err.splitlines() if line.strip().startswith("{")]
    assert lines, err
    records = [json.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    # Besides the one-line banner `wgbot serve` prints, every line is a JSON object.
    others = [x for x in err.splitlines() if x.strip() and not x.startswith(("{", "wgbot: "))]
    assert not others, others


@pytest.mark.postgres
def test_two_worker_processes_report_one_view(
    pg_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PROMETHEUS"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=pg_url,
    )
    cmd = [sys.executable, "-m", "bot", "serve", "--workers", "2", "--no-delivery"]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        sender = SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET, team_id="T1")
        for i in range(20):
            assert sender.command("/wg", "help", user_id=f"U{i % 3 + 1}").status == 200
        # Whichever worker answers the scrape, it counts every worker's commands, and
        # exactly one of them leads the scheduler.
        for _ in range(6):
            samples = scrape(sender)
            assert value(samples, "wgbot_commands_total", family="wg", outcome="ok") == 20
            assert value(samples, "wgbot_scheduler_leader") == 1
        assert sender.get("/readyz").status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


def test_the_fast_renderer_says_what_prometheus_client_says() -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from bot import metrics

    own = metrics._m()
    exposition = metrics.Exposition()
    exposition.render()  # series made before the ones below: these must still appear
    metrics.slack_call("renderer.check", 429)
    metrics.command("renderer-check", "ok", 0.07)
    metrics.reminders_sent([3.0])
    reference = CollectorRegistry(auto_describe=False)
    for metric in vars(own).values():
        reference.register(metric)

    def parsed(text: str) -> set[tuple[str, frozenset[tuple[str, str]], float]]:
        return {
            (s.name, frozenset(s.labels.items()), s.value)
            for family in text_string_to_metric_families(text)
            if family.name.startswith("wgbot_")
            for s in family.samples
            if not s.name.endswith("_created")
        }

    ours = parsed(exposition.render().decode())
    theirs = parsed(generate_latest(reference).decode())
    assert ours == theirs
    assert (
        "wgbot_slack_api_calls_total",
        frozenset({("method", "renderer.check"), ("status", "429")}),
        1.0,
    ) in ours


def test_observability_settings_and_request_ids() -> None:
    settings = load_settings(
        {"LOG_FORMAT": "JSON", "METRICS_TOKEN": "t0k", "WGBOT_READY_OUTBOX_AGE": "60"},
        dotenv=None,
    )
    assert (settings.log_format, settings.metrics_token, settings.ready_outbox_age) == (
        "json",
        "t0k",
        60,
    )
    with pytest.raises(ConfigError) as err:
        load_settings({"LOG_FORMAT": "xml"}, dotenv=None)
    assert err.value.variable == "LOG_FORMAT"
    # An offered id is kept only when it is short and plain (it goes into every log line).
    assert request_id("lb-7f3a9c") == "lb-7f3a9c"
    for bad in ("", "x" * 65, "a b", 'a"}\n{"level":"ERROR"'):
        fresh = request_id(bad)
        assert fresh != bad and len(fresh) == 16
