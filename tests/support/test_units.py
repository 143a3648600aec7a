"""Pure parts: parsers, matching, durations, metrics arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.issue import parse_file, parse_list
from bot.commands.support import parse_add_provider, parse_assign, parse_metrics, parse_tier
from bot.errors import UsageError
from bot.support.matching import Candidate, match_name, match_product, split_version
from bot.support.metrics import IssueFacts, compute
from bot.support.periods import parse_period
from bot.support.vocab import (
    VocabError,
    format_duration,
    parse_duration,
    parse_severity,
    parse_targets,
)

PRODUCTS = [
    Candidate(1, "OpenSFS Lustre 2.15", ("lustre", "lustre 2.15"), "2.15"),
    Candidate(2, "OpenSFS Lustre 2.12 LTS", ("lustre 2.12",), "2.12"),
    Candidate(3, "F5 OpenStack LBaaSv2 plugin", ("lbaas",), None),
    Candidate(4, "Lustre tools", ("lfs",), None),
]


@pytest.mark.parametrize(
    ("query", "expected", "how"),
    [
        ("lustre", [1], "exact"),
        ("Lustre 2.15", [1], "exact"),
        ("LUSTRE  2.15", [1], "exact"),
        ("lustr", [1, 2, 4], "prefix"),  # several: all listed, none picked
        ("lustre 2.15.4", [1], "version"),
        ("lustre 2.12.9", [2], "version"),
        ("lustree", [], "none"),  # a misspelling is offered, never answered
        ("openstack lbaas", [3], "words"),
        ("lbaas", [3], "exact"),
    ],
)
def test_product_matching(query: str, expected: list[int], how: str) -> None:
    m = match_product(PRODUCTS, query)
    assert (m.ids, m.how) == (expected, how)


def test_unknown_product_suggests() -> None:
    m = match_product(PRODUCTS, "lbaaz plugin")
    assert not m.found and "F5 OpenStack LBaaSv2 plugin" in m.suggestions
    assert match_product(PRODUCTS, "lustree").suggestions[0] == "OpenSFS Lustre 2.15"
    assert match_product(PRODUCTS, "").ids == []
    assert match_product([], "lustre").ids == []


def test_split_version() -> None:
    assert split_version("Lustre 2.15.3") == ("lustre", "2.15.3")
    assert split_version("lustre") == ("lustre", None)
    assert split_version("arc v6") == ("arc", "6")


def test_match_name() -> None:
    names = ["Whamcloud", "F5 OpenStack Team"]
    assert match_name(names, "whamcloud").ids == [0] and match_name(names, "whamcloud").exact
    assert match_name(names, "wamcloud").ids == []
    assert match_name(names, "wamcloud").suggestions == ["Whamcloud"]
    assert (match_name(names, "f5").ids, match_name(names, "f5").how) == ([1], "prefix")
    assert match_name(names, "acme").ids == [] and match_name(names, "acme").suggestions == []


@given(st.integers(min_value=1, max_value=99999), st.sampled_from(["m", "h", "d", "w"]))
def test_duration_round_trip(n: int, unit: str) -> None:
    minutes = parse_duration(f"{n}{unit}")
    assert parse_duration(format_duration(minutes)) == minutes


def test_vocab_errors() -> None:
    for bad in ("", "4", "4x", "0h", "-1h"):
        with pytest.raises(VocabError):
            parse_duration(bad)
    assert parse_severity("s2") == "S2" and parse_severity("1") == "S1"
    with pytest.raises(VocabError):
        parse_severity("S5")
    assert parse_targets(["S1=4h", "s4=none"]) == {"S1": 240, "S4": -1}


def test_parse_file() -> None:
    assert parse_file("S2 lustre: MDS down") == parse_file("lustre: S2 MDS down")
    fa = parse_file("lustre 2.15: client: hangs")
    assert (fa.severity, fa.product, fa.title) == ("S3", "lustre 2.15", "client: hangs")
    for bad in ("", "lustre", "S2 : x", "lustre:", "S7 lustre: x", "lustre: " + "y" * 121):
        with pytest.raises(UsageError):
            parse_file(bad)


def test_parse_list() -> None:
    assert parse_list("").scope == "open"
    la = parse_list("mine lustre Whamcloud")
    assert (la.scope, la.filter_words) == ("mine", ["lustre", "Whamcloud"])


def test_parse_support_admin_commands() -> None:
    pa = parse_add_provider(
        ["Acme", "Inc", "role=Product-Team", "channel=<#C9|x>", "escalation=<@U1>,<@U2|b>"]
    )
    assert (pa.name, pa.role, pa.channel, pa.escalation) == (
        "Acme Inc",
        "product team",
        "C9",
        ["U1", "U2"],
    )
    a = parse_assign(["Lustre", "2.15", "Whamcloud", "Extended", "l3", "until=2027-01-31"])
    assert (a.names, a.tier, a.level, str(a.valid_until)) == (
        ["Lustre", "2.15", "Whamcloud"],
        "extended",
        "L3",
        "2027-01-31",
    )
    t = parse_tier(["basic", "response", "S1=4h", "S2=1d", "description", "Our", "basic"])
    assert (t.response, t.description) == ({"S1": 240, "S2": 1440}, "Our basic")
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    asked = parse_metrics(["90d", "CSV", "chart"], now=now, zone="Asia/Tokyo")
    assert (asked.period.text, asked.period.since, asked.chart, asked.csv) == (
        "90d",
        now - timedelta(days=90),
        True,
        True,
    )
    with pytest.raises(UsageError):
        parse_tier(["basic", "S1=4h"])
    with pytest.raises(UsageError):
        parse_assign(["x", "until=soon", "y", "basic"])


def test_metrics_arithmetic() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    h = timedelta(hours=1)
    facts = [
        IssueFacts.at("A", "basic", t0, t0 + h, t0 + 10 * h, t0 + 2 * h, t0 + 20 * h),  # met, met
        IssueFacts.at("A", "basic", t0, t0 + 3 * h, None, t0 + 2 * h, t0 + 20 * h),  # late, pending
        IssueFacts.at("B", "premium", t0, None, None, t0 + h, None),  # breached by now
    ]
    m = compute(facts, period=parse_period("all", now=t0 + 12 * h, zone="UTC"), now=t0 + 12 * h)
    a = next(r for r in m.by_provider if r.name == "A")
    assert (a.opened, a.closed, a.met, a.breached) == (2, 1, 2, 1)
    assert (a.response.met, a.response.breached, a.resolution.met) == (1, 1, 1)
    assert a.median_response == 2 * 3600 and a.median_resolution == 10 * 3600
    assert m.total.compliance == pytest.approx(50.0)
