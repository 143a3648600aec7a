"""A closed-loop load generator: N client threads, keep-alive, signed slash commands."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import os
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class LoadResult:
    name: str
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        k = min(len(data) - 1, max(0, round(p / 100 * (len(data) - 1))))
        return data[k]

    def as_dict(self) -> dict[str, float | int | str]:
        return {
            "name": self.name,
            "clients": self.clients,
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.pct(50), 3),
            "p99_ms": round(self.pct(99), 3),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 3) if self.latencies_ms else None,  # type: ignore[dict-item]
        }


_TRIGGERS = itertools.count(1)


def signed_command(
    secret: str, command: str, text: str, *, user: str, channel: str = "C1", team: str = "T1"
) -> tuple[bytes, dict[str, str]]:
    body = urllib.parse.urlencode(
        {
            "token": "x",
            "team_id": team,
            "team_domain": "bench",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": "http://127.0.0.1:9/hook",
            # Unique, as Slack's are: the server ignores a replayed signed request, so
            # two identical bodies in one second would measure the replay guard.
            "trigger_id": f"{next(_TRIGGERS)}.{os.getpid()}.{time.time_ns()}",
        }
    ).encode()
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
    }
    return body, headers


def run_load(
    name: str,
    port: int,
    make_request: Callable[[int, int], tuple[bytes, dict[str, str]]],
    *,
    clients: int,
    seconds: float,
    warmup: float = 0.5,
    check: Callable[[int, bytes], bool] | None = None,
) -> LoadResult:
    """Each client sends requests back to back for `seconds` after a warm-up."""
    stop_at = time.perf_counter() + warmup + seconds
    measure_from = time.perf_counter() + warmup
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    counts = [0] * clients
    barrier = threading.Barrier(clients)

    def worker(idx: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        barrier.wait()
        seq = 0
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                break
            body, headers = make_request(idx, seq)
            seq += 1
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/slack/events", body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                ok = resp.status == 200 and (check is None or check(resp.status, data))
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            t1 = time.perf_counter()
            if t0 >= measure_from:
                counts[idx] += 1
                latencies[idx].append((t1 - t0) * 1000)
                if not ok:
                    errors[idx] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    merged = [x for lst in latencies for x in lst]
    return LoadResult(name, clients, sum(counts), sum(errors), seconds, merged)
