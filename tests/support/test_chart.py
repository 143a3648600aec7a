"""The metrics chart: matplotlib, names in any script without a missing glyph, alt text."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.support import chart, metrics
from tests.conftest import IN_CI, T0, RunningBot
from tests.support.conftest import load_catalog

NAMES = [
    "Université de Genève",
    "Яндекс Облако",
    "さくらインターネット",
    "Εθνικό Δίκτυο Έρευνας και Τεχνολογίας",
    "中国科学技术网络",
    "한국과학기술정보연구원",
    "Łódź Ośrodek Przetwarzania Ąę",
]

UNICODE_CATALOG = """\
providers:
  - name: Université de Genève
    role: product team
    collaboration: integrated
    escalation: [U1]
  - name: Яндекс Облако
    role: product team
    collaboration: integrated
    escalation: [U2]
  - name: さくらインターネット
    role: product team
    collaboration: integrated
    escalation: [U3]
products:
  - name: Genève HPC
    aliases: [geneva]
    providers:
      - provider: Université de Genève
        tier: extended
  - name: Yandex Cloud
    aliases: [yandex]
    providers:
      - provider: Яндекс Облако
        tier: premium
  - name: Sakura VPS
    aliases: [sakura]
    providers:
      - provider: さくらインターネット
        tier: extended
"""


@pytest.fixture
def cjk_font() -> None:
    if not chart.has_cjk_font():
        message = "no CJK font installed (scripts/ensure-fonts installs fonts-noto-cjk)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def glyph_problems() -> Iterator[list[str]]:
    """Every warning and every matplotlib log line of WARNING or more, from any thread."""
    found: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            found.append(record.getMessage())

    handler = Collect(logging.WARNING)
    mpl_log = logging.getLogger("matplotlib")
    mpl_log.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield found
            found.extend(str(w.message) for w in caught)
    finally:
        mpl_log.removeHandler(handler)


def _weeks(n: int) -> list[chart.Week]:
    return [chart.Week(date(2026, 1, 5) + timedelta(7 * i), i % 7, i % 4) for i in range(n)]


@pytest.mark.usefixtures("cjk_font")
def test_names_in_every_script_render_without_a_missing_glyph() -> None:
    bars = [chart.ProviderBar(n, 40.0 + 9 * i, 12) for i, n in enumerate(NAMES)]
    bars.append(chart.ProviderBar("Nobody yet", None, 0))
    with glyph_problems() as problems:
        png = chart.draw("Support metrics — Q4 2026 so far · Genève", bars, _weeks(13), target=90)
        png_lines = chart.draw("Support metrics — all time", bars, _weeks(60), target=90)
    assert problems == []
    assert png.startswith(b"\x89PNG") and png_lines.startswith(b"\x89PNG")


def test_the_check_catches_a_missing_glyph(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the CJK fallback, DejaVu Sans lacks kana: the check above would see it."""
    monkeypatch.setattr(chart, "font_families", lambda: ["DejaVu Sans"])
    with glyph_problems() as problems:
        chart.draw("T", [chart.ProviderBar("さくらインターネット", 50.0, 2)], [], target=90)
    assert any("missing from font" in p for p in problems), problems


def test_long_names_wrap_and_end_in_an_ellipsis_when_cut() -> None:
    long = "Ελληνικό Δίκτυο Έρευνας και Τεχνολογίας Εθνικό Κέντρο Υπολογιστών"
    label = chart.wrap_label(long)
    lines = label.split("\n")
    assert len(lines) == chart.LABEL_LINES and label.endswith("…")
    assert all(len(line) <= chart.LABEL_WIDTH for line in lines)
    assert long.startswith(label.replace("\n", " ").removesuffix("…").rstrip())
    # Japanese has no spaces and each character is two columns wide.
    cjk = chart.wrap_label("さくらインターネット株式会社データセンター事業部門")
    cjk_lines = cjk.split("\n")
    assert len(cjk_lines) == 2 and cjk.endswith("…")
    assert all(sum(chart._width(c) for c in line) <= chart.LABEL_WIDTH for line in cjk_lines)
    assert "さくらインターネット株式会社データセンター事業部門".startswith(
        cjk.replace("\n", "").removesuffix("…")
    )
    for short in ("Whamcloud", "Université de Genève", "Яндекс Облако"):
        assert chart.wrap_label(short) == short


def test_matplotlib_is_not_loaded_at_start_up() -> None:
    code = "import sys, bot.app, bot.support.metrics; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert out.stdout.strip() == "False"


def _draws(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record what each chart was asked to show, and still draw it."""
    calls: list[dict[str, Any]] = []
    real: Callable[..., bytes] = chart.draw

    def recording(title: str, providers: Any, weeks: Any, **kw: Any) -> bytes:
        calls.append({"title": title, "labels": [p.label for p in providers], "weeks": weeks})
        return real(title, providers, weeks, **kw)

    monkeypatch.setattr(chart, "draw", recording)
    return calls


@pytest.mark.usefixtures("cjk_font")
def test_chart_of_providers_named_in_three_scripts_through_slack(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert load_catalog(running, monkeypatch, tmp_path, UNICODE_CATALOG) == 0
    calls = _draws(monkeypatch)

    def say(delta: timedelta, user: str, text: str) -> str:
        running.clock.set(T0 + delta)
        return running.command("/issue", text, user_id=user).reply_text

    assert "Filed" in say(timedelta(0), "U2", "file S2 geneva: quota")  # 1
    assert "Filed" in say(timedelta(0), "U3", "file S2 yandex: outage")  # 2
    assert "Filed" in say(timedelta(0), "U1", "file S2 sakura: DNS")  # 3
    assert "acknowledged" in say(timedelta(hours=1), "U1", "ack 1").lower()
    assert "acknowledged" in say(timedelta(hours=2), "U3", "ack 3").lower()
    running.clock.set(T0 + timedelta(days=2))

    with glyph_problems() as problems:
        resp = running.command("/support", "metrics quarter chart", user_id="U3", channel_id="C1")
        assert "chart is on its way" in resp.reply_text
        metrics.wait_for_charts()
    assert problems == []
    running.deliver()
    (f,) = running.fake.uploaded_files
    assert f.filename == "support-metrics-quarter.png"
    assert f.title == "Support metrics — Q4 2026 so far"
    assert f.content.startswith(b"\x89PNG")
    assert f.alt_txt is not None
    for name in ("Université de Genève", "Яндекс Облако", "さくらインターネット"):
        assert name in f.alt_txt
    assert "Яндекс Облако 0%" in f.alt_txt and "Université de Genève 100%" in f.alt_txt
    (call,) = calls
    assert call["title"] == "Support metrics — Q4 2026 so far"
    assert call["labels"] == ["Université de Genève", "Яндекс Облако", "さくらインターネット"]
    # The quarter's weeks, Monday 28 September (the week of 1 October) to this one.
    assert call["weeks"][0].start == date(2026, 9, 28)
    assert call["weeks"][-1].start == date(2026, 11, 23)
    assert sum(w.opened for w in call["weeks"]) == 3
    assert running.fake.violations == []
