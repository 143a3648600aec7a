"""/support metrics: volumes, medians, SLA compliance, and the PNG chart."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta

from tests.conftest import T0, RunningBot


def _at(rb: RunningBot, delta: timedelta, text: str) -> str:
    rb.clock.set(T0 + delta)
    return rb.command("/issue", text, user_id="U2").reply_text


def _scenario(desk: RunningBot) -> None:
    _at(desk, -timedelta(days=60), "file lustre: old one")  # 1
    _at(desk, -timedelta(days=59), "close 1")
    _at(desk, timedelta(0), "file S2 lustre: met everything")  # 2: 8h / 5d
    _at(desk, timedelta(0), "file S2 lustre: late everywhere")  # 3
    _at(desk, timedelta(0), "file S3 lbaas: never answered")  # 4: premium 8h / 10d
    _at(desk, timedelta(hours=1), "ack 2")
    _at(desk, timedelta(hours=10), "ack 3")
    _at(desk, timedelta(days=1), "close 2")
    _at(desk, timedelta(days=6), "close 3")
    desk.clock.set(T0 + timedelta(days=7))


def test_metrics_per_provider_and_tier(desk: RunningBot) -> None:
    _scenario(desk)
    text = desk.command("/support", "metrics 30d").reply_text
    assert "last 30 days" in text
    assert "*all providers*: 3 opened, 2 closed" in text
    assert "SLA met 40%" in text  # 2 of 5 due targets met
    assert (
        "*Whamcloud*: 2 opened, 2 closed · median first response 5.5h · "
        "median resolution 3.5d · SLA met 50%"
    ) in text
    assert "*F5 OpenStack Team*: 1 opened, 0 closed" in text and "SLA met 0%" in text
    assert "*extended*: 2 opened" in text and "*premium*: 1 opened" in text

    text = desk.command("/support", "metrics 90d").reply_text
    assert "*all providers*: 4 opened, 3 closed" in text
    assert "*all providers*: 4 opened" in desk.command("/support", "metrics all").reply_text
    assert "*all providers*: 3 opened" in desk.command("/support", "metrics").reply_text
    assert desk.fake.violations == []


def test_metrics_chart_is_a_png_uploaded_to_the_channel(desk: RunningBot) -> None:
    _scenario(desk)
    resp = desk.command("/support", "metrics 30d chart", channel_id="C1")
    assert "chart is on its way" in resp.reply_text
    desk.deliver()
    files = desk.fake.uploaded_files
    assert len(files) == 1
    f = files[0]
    assert f.filename == "support-metrics-30d.png"
    assert "C1" in [*f.channels, f.channel_id]
    assert f.content.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", f.content[16:24])
    assert (width, height) == (720, 400)
    # The image data inflates to one filter byte plus RGB per pixel on every row.
    idat = f.content[f.content.index(b"IDAT") + 4 : f.content.index(b"IEND") - 8]
    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)
    assert desk.fake.violations == []


def test_metrics_with_no_issues(desk: RunningBot) -> None:
    text = desk.command("/support", "metrics all").reply_text
    assert "0 opened, 0 closed" in text and "SLA met —" in text
