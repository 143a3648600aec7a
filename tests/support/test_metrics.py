"""/support metrics: volumes, medians, SLA compliance, the table, the chart and the CSV."""

from __future__ import annotations

import csv
import io
import struct
from datetime import timedelta
from typing import Any

from bot.support import metrics
from bot.support.periods import parse_period
from tests.conftest import T0, RunningBot


def _at(rb: RunningBot, delta: timedelta, text: str, user: str = "U2") -> str:
    rb.clock.set(T0 + delta)
    return rb.command("/issue", text, user_id=user).reply_text


def _scenario(desk: RunningBot) -> None:
    """U1 (Paris) files; Whamcloud's contact U2 (Los Angeles) answers and closes."""
    _at(desk, -timedelta(days=60), "file lustre: old one", "U1")  # 1
    _at(desk, -timedelta(days=59), "close 1")
    _at(desk, timedelta(0), "file S2 lustre: met everything", "U1")  # 2: 8h / 5d
    _at(desk, timedelta(0), "file S2 lustre: late everywhere", "U1")  # 3
    _at(desk, timedelta(0), "file S3 lbaas: never answered", "U1")  # 4: premium 8h / 10d
    assert "acknowledged" in _at(desk, timedelta(hours=1), "ack 2").lower()
    assert "acknowledged" in _at(desk, timedelta(hours=10), "ack 3").lower()
    assert "closed" in _at(desk, timedelta(days=1), "close 2").lower()
    assert "closed" in _at(desk, timedelta(days=6), "close 3").lower()
    desk.clock.set(T0 + timedelta(days=7))


def deliver(desk: RunningBot) -> None:
    """Deliver what is queued, once the charts drawn after the answer are queued too."""
    metrics.wait_for_charts()
    desk.deliver()


def table(resp: Any) -> dict[str, dict[str, str]]:
    """The reply's Block Kit table as {row name: {column: cell}}."""
    blocks = [b for b in resp.json()["blocks"] if b["type"] == "table"]
    assert len(blocks) == 1  # Slack allows one table per message
    rows = [[c["text"].strip() for c in row] for row in blocks[0]["rows"]]
    header = rows[0]
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows[1:]}


def test_metrics_per_provider_and_tier(desk: RunningBot) -> None:
    _scenario(desk)
    resp = desk.command("/support", "metrics 30d", user_id="U3")
    text = resp.reply_text
    assert "last 30 days" in text and "Times in Asia/Tokyo" in text
    assert "*all providers*: 3 opened, 2 closed" in text
    assert "SLA met 40%" in text  # 2 of 5 due targets met
    rows = table(resp)
    assert rows["all providers"] == {
        "Opened": "3",
        "Closed": "2",
        "Response SLA": "33%",  # #2 answered in 1h; #3 after 10h and #4 never, target 8h
        "Resolution SLA": "50%",  # #2 in 1d, #3 in 6d (target 5d); #4 not due yet
        "Median response": "5.5h",
        "Median resolution": "3.5d",
        "SLA clock": "24×7 (wall clock)",
    }
    assert rows["Provider: Whamcloud"]["Response SLA"] == "50%"
    assert rows["Provider: F5 OpenStack Team"] == {
        "Opened": "1",
        "Closed": "0",
        "Response SLA": "0%",
        "Resolution SLA": "—",
        "Median response": "—",
        "Median resolution": "—",
        "SLA clock": "24×7 (wall clock)",
    }
    assert rows["Tier: extended"]["Opened"] == "2" and rows["Tier: premium"]["Opened"] == "1"
    # The fallback text carries the same numbers for clients that show no blocks.
    assert "Provider: Whamcloud · Opened 2 · Closed 2 · Response SLA 50%" in resp.json()["text"]

    assert table(desk.command("/support", "metrics 90d"))["all providers"]["Opened"] == "4"
    assert table(desk.command("/support", "metrics all"))["all providers"]["Opened"] == "4"
    assert table(desk.command("/support", "metrics"))["all providers"]["Opened"] == "3"
    # Five days back hold only the closing of #3 (on day 6): nothing was opened.
    week = table(desk.command("/support", "metrics 5d"))
    assert (week["all providers"]["Opened"], week["all providers"]["Closed"]) == ("0", "1")
    assert desk.fake.violations == []


def test_metrics_chart_is_a_png_with_alt_text_uploaded_to_the_channel(desk: RunningBot) -> None:
    _scenario(desk)
    resp = desk.command("/support", "metrics 30d chart", channel_id="C1")
    assert "chart is on its way" in resp.reply_text
    deliver(desk)
    files = desk.fake.uploaded_files
    assert len(files) == 1
    f = files[0]
    assert f.filename == "support-metrics-30d.png"
    assert f.title == "Support metrics — last 30 days"
    assert "C1" in [*f.channels, f.channel_id]
    assert f.content.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", f.content[16:24])
    assert width == 1200 and 400 < height < 1000
    assert f.alt_txt is not None
    assert "last 30 days" in f.alt_txt and "90% target" in f.alt_txt
    assert "Whamcloud 50%" in f.alt_txt and "F5 OpenStack Team 0%" in f.alt_txt
    assert "3 opened and 2 closed" in f.alt_txt
    assert desk.fake.violations == []


def test_metrics_csv_export(desk: RunningBot) -> None:
    _scenario(desk)
    resp = desk.command("/support", "metrics csv 2026-11-01..2026-11-30 chart", user_id="U1")
    assert "The chart and the CSV file are on their way" in resp.reply_text
    deliver(desk)
    by_name = {f.filename: f for f in desk.fake.uploaded_files}
    assert set(by_name) == {
        "support-metrics-2026-11-01_to_2026-11-30.png",
        "support-metrics-2026-11-01_to_2026-11-30.csv",
    }
    f = by_name["support-metrics-2026-11-01_to_2026-11-30.csv"]
    assert f.title == "Support metrics — 1 Nov 2026 – 30 Nov 2026 (so far) (CSV)"
    rows = list(csv.DictReader(io.StringIO(f.content.decode("utf-8"))))
    assert {r["period"] for r in rows} == {"2026-11-01..2026-11-30"}
    groups = {(r["scope"], r["name"]): r for r in rows}
    total = groups[("all", "all providers")]
    assert (total["opened"], total["closed"]) == ("3", "2")
    assert (total["response_met"], total["response_missed"]) == ("1", "2")
    assert total["sla_met_pct"] == "40.00"
    assert total["median_first_response_hours"] == "5.50"
    assert total["median_resolution_hours"] == "84.00"
    wham = groups[("provider", "Whamcloud")]
    assert (wham["resolution_met"], wham["resolution_missed"], wham["resolution_sla_pct"]) == (
        "1",
        "1",
        "50.00",
    )
    assert groups[("tier", "premium")]["opened"] == "1"
    weeks = [r for r in rows if r["scope"] == "week"]
    # Mondays from 26 Oct (the week holding 1 Nov) to 30 Nov, in U1's zone.
    assert [w["name"] for w in weeks] == [
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
    ]
    assert [(w["opened"], w["closed"]) for w in weeks][-2:] == [("3", "2"), ("0", "0")]
    assert desk.fake.violations == []


def test_metrics_with_no_issues(desk: RunningBot) -> None:
    resp = desk.command("/support", "metrics all chart")
    text = resp.reply_text
    assert "0 opened, 0 closed" in text and "SLA met —" in text
    assert table(resp)["all providers"]["Opened"] == "0"
    deliver(desk)
    (f,) = desk.fake.uploaded_files
    assert f.content.startswith(b"\x89PNG") and "no issues" in (f.alt_txt or "")


def test_the_calendar_each_providers_clocks_counted_in(desk: RunningBot) -> None:
    text = desk.command(
        "/support",
        "calendar Volunteers zone Europe/Paris days mon-fri hours 09:00-17:00",
        user_id="UADMIN",
    ).reply_text
    assert "business hours" in text, text
    _at(desk, timedelta(0), "file Community scripts: a script", "U1")
    _at(desk, timedelta(0), "file lustre: a bug", "U1")
    desk.clock.set(T0 + timedelta(days=1))
    resp = desk.command("/support", "metrics 7d csv", user_id="U1")
    rows = table(resp)
    assert rows["Provider: Volunteers"]["SLA clock"] == "Mon–Fri 09:00–17:00 Europe/Paris"
    assert rows["Provider: Whamcloud"]["SLA clock"] == "24×7 (wall clock)"
    assert rows["all providers"]["SLA clock"] == "2 calendars"
    deliver(desk)
    (f,) = desk.fake.uploaded_files
    by_name = {r["name"]: r for r in csv.DictReader(io.StringIO(f.content.decode("utf-8")))}
    assert by_name["Volunteers"]["sla_clock"] == "Mon–Fri 09:00–17:00 Europe/Paris"


def test_the_table_stays_within_slacks_limit_and_the_csv_keeps_every_row() -> None:
    now = T0
    period = parse_period("30d", now=now, zone="UTC")
    facts = [
        metrics.IssueFacts.at(f"P{n:03}", "basic", now - timedelta(days=1), None, None, None, None)
        for n in range(120)
    ]
    facts.append(
        metrics.IssueFacts.at(
            '=HYPERLINK("http://x")', "basic", now - timedelta(hours=1), None, None, None, None
        )
    )
    m = metrics.compute(facts, period=period, now=now)
    rows = metrics.table_rows(m)
    assert len(rows) == metrics.TABLE_MAX_ROWS
    # Header, 98 of the 123 rows (total, 121 providers, 1 tier), and this line.
    assert rows[-1][0] == "… 25 more rows"
    assert all(len(r) == len(rows[0]) for r in rows)
    parsed = list(csv.DictReader(io.StringIO(metrics.csv_text(m))))
    names = [r["name"] for r in parsed if r["scope"] == "provider"]
    assert len(names) == 121
    assert '\'=HYPERLINK("http://x")' in names
