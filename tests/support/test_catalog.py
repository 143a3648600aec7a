"""The catalog file: import (good and broken, all or nothing), export, and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.support.catalog_file import CatalogError, parse_catalog
from tests.conftest import RunningBot
from tests.support.conftest import CATALOG, add_triage_channels, load_catalog, run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "catalog.yaml"

BROKEN = """\
providers:
  - name: Whamcloud
    role: vendor
    collaboration: integrated
    channel: "lustre support"
  - name: whamcloud
    escalation: [bob]
products:
  - name: OpenSFS Lustre 2.15
    colour: blue
    providers:
      - provider: Nobody Inc
        tier: platinum
        level: L9
  - aliases: [x]
"""


def test_the_issue_shape_imports() -> None:
    doc = parse_catalog(
        """\
providers:
  - name: Whamcloud
    role: product team
    collaboration: integrated
    channel: "#lustre-support"
products:
  - name: OpenSFS Lustre 2.15
    aliases: [lustre, lustre 2.15]
    providers:
      - provider: Whamcloud
        tier: extended
        level: L3
"""
    )
    assert doc.providers[0].channel == "#lustre-support"
    assert doc.products[0].assignments[0].level == "L3"


def test_versions_stay_text() -> None:
    doc = parse_catalog("products:\n  - name: Lustre\n    version: 2.10\n")
    assert doc.products[0].version == "2.10"


def test_example_catalog_parses() -> None:
    doc = parse_catalog(EXAMPLE.read_text(encoding="utf-8"))
    names = {p.name for p in doc.providers}
    assert {"Whamcloud", "F5 OpenStack Team", "EGI Core Platform Team"} <= names
    roles = {p.role for p in doc.providers}
    assert roles == {"product team", "platform integrator", "software service provider"}
    assert {p.collaboration for p in doc.providers} == {"community", "contributing", "integrated"}
    tiers = {a.tier for p in doc.products for a in p.assignments}
    assert tiers == {"best-effort", "basic", "extended", "premium"}
    lustre = next(p for p in doc.products if p.name == "OpenSFS Lustre 2.15")
    assert any(a.level == "L3" for a in lustre.assignments)
    assert any("LBaaS" in p.name for p in doc.products)


def test_broken_file_reports_every_problem_with_its_line() -> None:
    with pytest.raises(CatalogError) as info:
        parse_catalog(BROKEN)
    lines = {n for n, _ in info.value.problems}
    text = "\n".join(info.value.lines())
    assert 3 in lines and "not a role" in text  # role: vendor
    assert 5 in lines and "not a channel" in text
    assert 6 in lines and "already defined on line 2" in text
    assert 7 in lines and "not a Slack user id" in text
    assert 10 in lines and "unknown key `colour`" in text
    assert 14 in lines and "not a support level" in text
    assert 15 in lines and "needs `name`" in text


def test_yaml_syntax_error_names_its_line() -> None:
    with pytest.raises(CatalogError) as info:
        parse_catalog("providers:\n  - name: A\n    role: [unclosed\nproducts: []\n")
    assert info.value.problems[0][0] in (3, 4)
    assert "not valid YAML" in info.value.problems[0][1]


def test_empty_and_wrong_shape() -> None:
    with pytest.raises(CatalogError):
        parse_catalog("")
    with pytest.raises(CatalogError) as info:
        parse_catalog("- just a list\n")
    assert info.value.problems[0][0] == 1


def test_import_then_lookup_over_http(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    add_triage_channels(running.fake)  # the channels the catalog names exist
    assert load_catalog(running, monkeypatch, tmp_path) == 0
    text = running.command("/support", "lustre").reply_text
    assert "OpenSFS Lustre 2.15" in text and "Whamcloud" in text and "extended" in text


def test_broken_import_is_all_or_nothing(
    running: RunningBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_triage_channels(running.fake)  # the channels the catalog names exist
    # Valid syntax, but one assignment names an unknown provider and tier.
    bad = CATALOG + "  - name: Extra\n    providers:\n      - provider: Ghost\n        tier: gold\n"
    assert load_catalog(running, monkeypatch, tmp_path, bad) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err
    assert "catalog.yaml:35: the provider 'Ghost'" in err
    assert "Ghost" in err and "gold" in err
    # Nothing of the good part was written.
    assert "no products yet" in running.command("/support", "lustre").reply_text
    assert "no providers yet" in running.command("/support", "providers").reply_text


def test_export_round_trips(
    running: RunningBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_triage_channels(running.fake)  # the channels the catalog names exist
    assert load_catalog(running, monkeypatch, tmp_path, EXAMPLE.read_text()) == 0
    capsys.readouterr()
    url = running.bot.rt.settings.database_url
    out = tmp_path / "out.yaml"
    assert run_cli(monkeypatch, url, "catalog", "export", "--team", "T1", "-o", str(out)) == 0
    first = out.read_text()
    again = parse_catalog(first)
    assert len(again.products) == 9 and len(again.providers) == 6
    # Importing the export changes nothing: exporting again gives the same file.
    assert load_catalog(running, monkeypatch, tmp_path, first) == 0
    assert run_cli(monkeypatch, url, "catalog", "export", "--team", "T1", "-o", str(out)) == 0
    assert out.read_text() == first


def test_import_is_per_workspace(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    add_triage_channels(running.fake)  # the channels the catalog names exist
    assert load_catalog(running, monkeypatch, tmp_path, team="T2") == 0
    assert "no products yet" in running.command("/support", "lustre").reply_text
    assert "Whamcloud" in running.command("/support", "lustre", team_id="T2").reply_text
