"""The bot's Prometheus metrics, and one view of them however many processes serve.

Counters and histograms live in the process that counts. With `wgbot serve --workers N`
the parent points PROMETHEUS_MULTIPROC_DIR at a fresh directory before it forks, so
prometheus-client's multiprocess mode keeps each worker's values in files there and
/metrics, whichever worker answers, adds them up. What the database knows (the
outbox) is read from it at scrape time, so every process reports the same numbers.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OUTCOMES = ("ok", "usage_error", "denied", "error")


class _Metrics:
    """The metrics themselves, made on first use: after `enable_multiprocess` in a parent."""

    def __init__(self) -> None:
        # Not in the default registry: /metrics renders them itself (see Exposition).
        self.commands = Counter(
            "wgbot_commands",
            "Slash commands, buttons, forms and shortcuts handled, by family and outcome",
            ["family", "outcome"],
            registry=None,
        )
        self.command_seconds = Histogram(
            "wgbot_command_duration_seconds",
            "Time to answer a command, button, form or shortcut, by family",
            ["family"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=None,
        )
        self.slack_calls = Counter(
            "wgbot_slack_api_calls",
            "Slack Web API calls by method and HTTP status (error: no answer)",
            ["method", "status"],
            registry=None,
        )
        self.scheduler_leader = Gauge(
            "wgbot_scheduler_leader",
            "1 where the scheduler leads (does the periodic work), else 0",
            multiprocess_mode="livemax",
            registry=None,
        )
        self.scheduler_last_tick = Gauge(
            "wgbot_scheduler_last_tick_timestamp_seconds",
            "Unix time (bot clock) of the scheduler's last tick, led or followed",
            multiprocess_mode="max",
            registry=None,
        )
        self.reminders = Counter(
            "wgbot_reminders_sent",
            "Meeting reminders posted (queued for Slack)",
            registry=None,
        )
        self.reminder_lag = Histogram(
            "wgbot_reminder_lag_seconds",
            "From the time a meeting reminder fell due to the time it was posted",
            buckets=(0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0),
            registry=None,
        )


_made: list[_Metrics] = []
_lock = threading.Lock()


def _m() -> _Metrics:
    if not _made:
        with _lock:
            if not _made:
                _made.append(_Metrics())
    return _made[0]


def command(family: str, outcome: str, seconds: float) -> None:
    m = _m()
    m.commands.labels(family, outcome).inc()
    m.command_seconds.labels(family).observe(seconds)


def slack_call(method: str, status: int | str) -> None:
    _m().slack_calls.labels(method, str(status)).inc()


def scheduler_tick(*, leader: bool, timestamp: float) -> None:
    m = _m()
    m.scheduler_leader.set(1 if leader else 0)
    m.scheduler_last_tick.set(timestamp)


def reminders_sent(lags: Sequence[float]) -> None:
    m = _m()
    for lag in lags:
        m.reminders.inc()
        m.reminder_lag.observe(max(0.0, lag))


def enable_multiprocess(path: str) -> bool:
    """Before forking workers: their metrics go to files in `path` (False: too late)."""
    if _made:
        return False
    os.environ[MULTIPROC_ENV] = path
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    return True


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


class _Process(Collector):
    """This process's own metrics (the default registry) inside another registry."""

    def collect(self) -> Iterable[object]:  # type: ignore[override]
        return REGISTRY.collect()


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


class Exposition:
    """What /metrics shows, rendered fast enough for 10,000 series in a few milliseconds.

    prometheus-client's generic renderer builds a Sample tuple per series and escapes
    its labels on every scrape (about 20 µs a series). Here the text before each
    value is made once per series and kept; a scrape reads the values and joins.
    With several processes (multiprocess mode) the values are read from the workers'
    files by prometheus-client instead, which is slower but sums the workers.
    """

    def __init__(self, extra: Sequence[Collector] = ()) -> None:
        self.own = _m()
        self.multiprocess = multiprocess_dir()
        self.others = CollectorRegistry(auto_describe=False)
        if self.multiprocess:
            multiprocess.MultiProcessCollector(self.others, path=self.multiprocess)  # type: ignore[no-untyped-call]
        else:
            self.others.register(_Process())
        for collector in extra:
            self.others.register(collector)
        # Replaced whole by concurrent scrapes alike (same text): no lock needed.
        self._series: dict[str, list[Any]] = {}

    def render(self) -> bytes:
        parts: list[str] = []
        if not self.multiprocess:
            m = self.own
            own: tuple[Any, ...] = (
                m.commands,
                m.command_seconds,
                m.slack_calls,
                m.scheduler_leader,
                m.scheduler_last_tick,
                m.reminders,
                m.reminder_lag,
            )
            for metric in own:
                self._family(parts, metric)
        return "".join(parts).encode() + generate_latest(self.others)

    def _family(self, parts: list[str], metric: Any) -> None:
        name, kind = metric._name, metric._type
        full = name + "_total" if kind == "counter" else name
        parts.append(f"# HELP {full} {metric._documentation}\n# TYPE {full} {kind}\n")
        series = self._series_of(full, kind, metric)
        if kind != "histogram":
            # A float is read whole without its lock (the GIL): one scrape, one glance.
            parts.extend([f"{prefix}{value._value!r}\n" for prefix, value in series])
            return
        for prefixes, child in series:
            acc = 0.0
            for prefix, bucket in zip(prefixes, child._buckets, strict=False):
                acc += bucket._value
                parts.append(f"{prefix}{acc!r}\n")
            parts.append(f"{prefixes[-2]}{acc!r}\n{prefixes[-1]}{child._sum._value!r}\n")

    def _series_of(self, full: str, kind: str, metric: Any) -> list[Any]:
        """(text before the value, what holds the value) per series, kept between scrapes.

        Children are only ever added (in order), so new ones are appended as they come.
        """
        known: list[Any] = self._series.get(full, [])
        if not metric._labelnames:
            children = [((), metric)]
        else:
            with metric._lock:
                if len(metric._metrics) == len(known):
                    return known
                children = list(metric._metrics.items())
        if len(known) == len(children):
            return known
        made = list(known) if len(known) < len(children) else []
        for labelvalues, child in children[len(made) :]:
            prefixes = self._make_prefixes(full, kind, metric, labelvalues, child)
            made.append((prefixes[0], child._value) if kind != "histogram" else (prefixes, child))
        self._series[full] = made
        return made

    @staticmethod
    def _make_prefixes(
        full: str, kind: str, metric: Any, labelvalues: tuple[str, ...], child: Any
    ) -> tuple[str, ...]:
        pairs = [
            f'{k}="{_escape(v)}"' for k, v in zip(metric._labelnames, labelvalues, strict=True)
        ]
        if kind != "histogram":
            return (f"{full}{{{','.join(pairs)}}} " if pairs else f"{full} ",)
        out = []
        for bound in child._upper_bounds:
            le = 'le="' + ("+Inf" if bound == math.inf else repr(float(bound))) + '"'
            out.append(f"{full}_bucket{{{','.join([*pairs, le])}}} ")
        labels = f"{{{','.join(pairs)}}}" if pairs else ""
        out.append(f"{full}_count{labels} ")
        out.append(f"{full}_sum{labels} ")
        return tuple(out)


def registry(extra: Sequence[Collector] = ()) -> Exposition:
    """What /metrics shows: every process's metrics (or this one's), plus `extra`."""
    return Exposition(extra)


def exposition(reg: Exposition) -> bytes:
    return reg.render()


def process_dead(pid: int) -> None:
    """A worker is gone: its live gauges (leadership) no longer count."""
    path = multiprocess_dir()
    if path:
        multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]
