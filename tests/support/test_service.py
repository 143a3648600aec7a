"""The support desk's rules at the service level: a real database session, no HTTP.

How a typed name becomes a product or a provider (with "did you mean"), that only
admins change the catalog (and a refusal writes nothing), and what `/issue` decides:
the product of a form, the filters of a list, who an issue may be assigned to.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import FakeClock
from bot.db import Database
from bot.directory import Directory
from bot.errors import NotFound, PermissionDenied, UsageError
from bot.support import admin, catalog, catalog_file, issues
from bot.support.models import SupportAssignment, SupportIssue, SupportProvider
from tests.conftest import T0
from tests.support.conftest import CATALOG

TEAM = "T0001"
OTHER_TEAM = "T0002"
CHANNEL = "C0123ABCD"
ADMIN = "U024BE7LH"
MEMBER = "U0G9QF9C6"
GRID_MEMBER = "W012A3CDE"
BOT = "U0BOTUSER"

PEOPLE: dict[str, dict[str, Any]] = {
    ADMIN: {"name": "maria", "tz": "UTC", "is_admin": True},
    MEMBER: {"name": "bob", "tz": "UTC"},
    GRID_MEMBER: {"name": "dana", "tz": "UTC"},
    BOT: {"name": "deploybot", "tz": "UTC", "is_bot": True},
}


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A migrated database whose workspace T0001 has the small test catalog."""
    database = Database(db_url)
    with database.write() as s:
        catalog_file.import_text(s, team_id=TEAM, text=CATALOG)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def directory() -> Directory:
    """The real directory, its Slack lookups answered from PEOPLE."""
    # Asked before the transactions, as the Dispatcher does: the directory never asks
    # Slack inside one (there, who it does not know yet is answered as unknown).
    found = Directory(FakeClock(T0), lambda _team, uid: PEOPLE.get(uid), lambda _t, _c: [])
    found.prefetch(TEAM, [*PEOPLE, "U404NOBODY"], deadline=None)
    return found


def _count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# -- how a typed name becomes a product or a provider --------------------------------


def test_a_lookup_resolves_names_aliases_versions_and_typos(db: Database) -> None:
    with db.read() as s:
        for query in ("lustre", "OpenSFS Lustre 2.15", "LUSTRE", "lustre 2.15.3", "Lustré"):
            found = catalog.lookup(s, team_id=TEAM, query=query, today=T0.date())
            assert [e.product.name for e in found.entries] == ["OpenSFS Lustre 2.15"], query
            (support,) = found.entries[0].supports
            assert (support.provider.name, support.tier.name, support.level) == (
                "Whamcloud",
                "extended",
                "L3",
            )
        assert catalog.lookup(s, team_id=TEAM, query="lustr", today=T0.date()).how == "prefix"
        orphan = catalog.lookup(s, team_id=TEAM, query="orphan tool", today=T0.date())
        assert orphan.entries[0].supports == [] and len(orphan.entries) == 1
        # A misspelling is offered back, never answered.
        with pytest.raises(NotFound, match=r"No product or provider \*lustree\*. Did you mean"):
            catalog.lookup(s, team_id=TEAM, query="lustree", today=T0.date())
        with pytest.raises(NotFound, match=r"No product or provider.*Did you mean.*LBaaSv2"):
            catalog.lookup(s, team_id=TEAM, query="lbaaz plugin", today=T0.date())
        # Another workspace has a catalog of its own (here: none).
        with pytest.raises(NotFound, match="no products yet"):
            catalog.lookup(s, team_id=OTHER_TEAM, query="lustre", today=T0.date())


def test_providers_by_name_with_did_you_mean(db: Database) -> None:
    with db.read() as s:
        details = catalog.provider_details(s, team_id=TEAM, name="whamcloud")
        assert details.provider.name == "Whamcloud"
        assert [p.name for _, p in details.assignments] == ["OpenSFS Lustre 2.15"]
        assert "extended" in details.tiers and details.open_count == 0
        with pytest.raises(NotFound, match=r"No provider \*wamcloud\*. Did you mean \*Whamcloud"):
            catalog.provider_details(s, team_id=TEAM, name="wamcloud")
        with pytest.raises(NotFound, match=r"No provider matches \*Acme\*"):
            catalog.provider_details(s, team_id=TEAM, name="Acme")
        providers, counts = catalog.providers_with_counts(s, team_id=TEAM)
        assert [p.name for p in providers] == ["F5 OpenStack Team", "Volunteers", "Whamcloud"]
        assert counts == {}


def test_product_and_provider_split_where_the_provider_is_named(db: Database) -> None:
    with db.read() as s:
        split = catalog.product_and_provider
        prod, prov = split(s, team_id=TEAM, names="OpenSFS Lustre 2.15 Whamcloud".split())
        assert (prod.name, prov.name) == ("OpenSFS Lustre 2.15", "Whamcloud")
        # A product alias, and a provider of several words.
        prod, prov = split(s, team_id=TEAM, names=["lbaas", "F5", "OpenStack", "Team"])
        assert (prod.name, prov.name) == ("F5 OpenStack LBaaSv2 plugin", "F5 OpenStack Team")
        with pytest.raises(UsageError, match="Name a product and a provider") as one_word:
            split(s, team_id=TEAM, names=["lustre"], usage="/support unassign …")
        assert one_word.value.usage == "/support unassign …"
        # No split works: the error is about the likeliest culprit, with suggestions.
        with pytest.raises(NotFound, match=r"No provider matches \*Acme\*"):
            split(s, team_id=TEAM, names=["lustre", "Acme"])
        # A write never rests on a guess: a typo in the provider is offered back.
        with pytest.raises(NotFound, match=r"No provider \*Whamclod\*. Did you mean \*Whamcloud"):
            split(s, team_id=TEAM, names=["lustre", "Whamclod"])
        with pytest.raises(NotFound, match=r"No product \*Lustr\*. Did you mean"):
            split(s, team_id=TEAM, names=["Lustr", "Whamcloud"])


# -- only admins change the catalog --------------------------------------------------


def test_non_admins_are_refused_and_nothing_is_written(db: Database) -> None:
    refused = "only workspace admins and bot admins can change the support catalog"
    with db.write() as s:
        with pytest.raises(PermissionDenied, match=refused):
            admin.save_provider(s, team_id=TEAM, is_admin=False, name="Sneaky")
        with pytest.raises(PermissionDenied, match=refused):
            admin.save_product(s, team_id=TEAM, is_admin=lambda: False, name="Sneaky tool")
        with pytest.raises(PermissionDenied, match=refused):
            admin.assign_by_name(
                s,
                team_id=TEAM,
                is_admin=False,
                names=["Orphan", "tool", "Volunteers"],
                tier="basic",
            )
        with pytest.raises(PermissionDenied, match=refused):
            admin.unassign_by_name(s, team_id=TEAM, is_admin=False, names=["lustre", "Whamcloud"])
        with pytest.raises(PermissionDenied, match="can change the support tiers"):
            admin.change_tier(s, team_id=TEAM, is_admin=False, name="basic", response={"S1": 1})
        # The check comes first: a non-admin learns nothing about what they named.
        with pytest.raises(PermissionDenied):
            admin.unassign_by_name(s, team_id=TEAM, is_admin=False, names=["nothing"])
    with db.read() as s:
        assert catalog.provider_exact(s, team_id=TEAM, name="Sneaky") is None
        assert catalog.product_exact(s, team_id=TEAM, name="Sneaky tool") is None
        assert _count(s, SupportAssignment) == 3
        assert catalog.get_tier(s, team_id=TEAM, name="basic").response_minutes("S1") == 8 * 60


def test_admins_edit_the_catalog_by_name(db: Database) -> None:
    with db.write() as s:
        row, created = admin.save_provider(
            s, team_id=TEAM, is_admin=True, name="Acme Storage", role="platform integrator"
        )
        assert created and row.role == "platform integrator"
        # Changing a provider keeps the fields not mentioned.
        row, created = admin.save_provider(
            s, team_id=TEAM, is_admin=True, name="acme storage", collaboration="integrated"
        )
        assert not created and (row.role, row.collaboration) == (
            "platform integrator",
            "integrated",
        )
        product, created = admin.save_product(
            s, team_id=TEAM, is_admin=lambda: True, name="Acme FS 3.1", aliases=["acmefs"]
        )
        assert created and product.aliases == ["acmefs"]
        saved = admin.assign_by_name(
            s,
            team_id=TEAM,
            is_admin=True,
            names=["acmefs", "Acme", "Storage"],
            tier="Premium",
            level="L1",
        )
        assert (saved.product.name, saved.provider.name, saved.tier.name, saved.created) == (
            "Acme FS 3.1",
            "acme storage",
            "premium",
            True,
        )
        with pytest.raises(NotFound, match="There is no tier `platinum`"):
            admin.assign_by_name(
                s, team_id=TEAM, is_admin=True, names=["acmefs", "Acme Storage"], tier="platinum"
            )
        with pytest.raises(UsageError, match="`until` is before `from`") as backwards:
            admin.assign_by_name(
                s,
                team_id=TEAM,
                is_admin=True,
                names=["acmefs", "Acme Storage"],
                tier="basic",
                valid_from=date(2027, 1, 1),
                valid_until=date(2026, 1, 1),
                usage="/support assign …",
            )
        assert backwards.value.usage == "/support assign …"
        info = admin.change_tier(
            s, team_id=TEAM, is_admin=True, name="premium", response={"S1": 30}
        )
        assert info.response_minutes("S1") == 30
        gone = admin.unassign_by_name(
            s, team_id=TEAM, is_admin=True, names=["acmefs", "Acme Storage"]
        )
        assert gone.removed and gone.product.name == "Acme FS 3.1"
        again = admin.unassign_by_name(
            s, team_id=TEAM, is_admin=True, names=["acmefs", "Acme Storage"]
        )
        assert not again.removed


# -- what /issue decides -------------------------------------------------------------


def test_filing_by_a_typed_name_routes_to_the_provider(db: Database) -> None:
    with db.write() as s:
        issue = issues.file_by_name(
            s,
            team_id=TEAM,
            reporter=MEMBER,
            product="lustre",
            title="MDS crashes on failover",
            severity="S2",
            filed_in=CHANNEL,
            now=T0,
        )
        provider = s.get(SupportProvider, issue.provider_id)
        assert provider is not None and provider.name == "Whamcloud"
        assert (issue.number, issue.severity, issue.tier, issue.reporter) == (
            1,
            "S2",
            "extended",
            MEMBER,
        )
        with pytest.raises(NotFound, match=r"No product matches \*zzzz\*"):
            issues.file_by_name(s, team_id=TEAM, reporter=MEMBER, product="zzzz", title="x", now=T0)
        assert _count(s, SupportIssue) == 1


def test_a_form_reports_every_wrong_field_at_once_and_files_nothing(db: Database) -> None:
    bad = issues.IssueForm(
        title="   ", product="lbaaz plugin", severity="S9", description="x" * 5000
    )
    with db.write() as s:
        with pytest.raises(issues.FormErrors) as caught:
            issues.file_from_form(s, team_id=TEAM, reporter=MEMBER, form=bad, now=T0)
        errors = caught.value.errors
        assert set(errors) == {"title", "product", "severity", "description"}
        assert errors["title"] == "The issue needs a title."
        assert "Did you mean" in errors["product"] and len(errors["product"]) <= 150
        assert errors["severity"] == "Pick a severity from S1 to S4."
        with pytest.raises(issues.FormErrors) as empty:
            issues.check_form(s, team_id=TEAM, form=issues.IssueForm(title="t", product=" "))
        assert empty.value.errors == {"product": "Pick a product."}
        assert _count(s, SupportIssue) == 0

        # The picker sends a product id; the text field (a large catalog) a name.
        lbaas = catalog.resolve_product(s, team_id=TEAM, query="lbaas")
        picked = issues.IssueForm(
            title="  pool   stuck ", product=str(lbaas.id), severity="S1", version="9.1"
        )
        issue = issues.file_from_form(s, team_id=TEAM, reporter=GRID_MEMBER, form=picked, now=T0)
        assert (issue.title, issue.product_id, issue.version) == ("pool stuck", lbaas.id, "9.1")
        typed = issues.IssueForm(title="slow", product="community scripts", filed_in=CHANNEL)
        issue = issues.file_from_form(s, team_id=TEAM, reporter=MEMBER, form=typed, now=T0)
        assert (issue.severity, issue.tier) == ("S3", "best-effort")


def test_issues_go_to_people_slack_knows_not_bots(db: Database, directory: Directory) -> None:
    def assign(who: str, number: int = 1) -> bool:
        return issues.assign_person(
            s,
            directory=directory,
            team_id=TEAM,
            number=number,
            assignee=who,
            actor=MEMBER,
            now=T0,
            usage="/issue assign <number> @user",
        )

    with db.write() as s:
        issues.file_by_name(s, team_id=TEAM, reporter=MEMBER, product="lustre", title="x", now=T0)
        with pytest.raises(NotFound, match=r"cannot find the user <@U404NOBODY>"):
            assign("U404NOBODY")
        with pytest.raises(UsageError, match="people, not bots") as bot:
            assign(BOT)
        assert bot.value.usage == "/issue assign <number> @user"
        with pytest.raises(NotFound, match="no issue #7"):
            assign(GRID_MEMBER, number=7)
        assert assign(GRID_MEMBER) is True
        assert assign(GRID_MEMBER) is False  # already theirs
        assert issues.get_issue(s, team_id=TEAM, number=1).assignee == GRID_MEMBER


def test_list_filters_name_a_product_a_provider_or_both(db: Database) -> None:
    with db.write() as s:
        for product in ("lustre", "lbaas", "lustre"):
            issues.file_by_name(
                s, team_id=TEAM, reporter=MEMBER, product=product, title="x", now=T0
            )

        def names(words: str) -> tuple[str | None, str | None]:
            prod, prov = issues.list_filter(s, team_id=TEAM, words=words.split())
            return (prod.name if prod else None, prov.name if prov else None)

        assert names("") == (None, None)
        assert names("whamcloud") == (None, "Whamcloud")
        assert names("lustre") == ("OpenSFS Lustre 2.15", None)
        assert names("lustre F5 OpenStack Team") == ("OpenSFS Lustre 2.15", "F5 OpenStack Team")
        assert names("wham") == (None, "Whamcloud")  # the start of a provider's name
        with pytest.raises(NotFound, match=r"No provider \*wamcloud\*. Did you mean"):
            names("wamcloud")  # a provider with a typo is offered, not used
        with pytest.raises(NotFound, match=r"No product matches \*zzzz\*"):
            names("zzzz")

        listing = issues.find_issues(s, team_id=TEAM, scope="open", filter_words=["lustre"])
        assert [i.number for i in listing.page.rows] == [3, 1] and listing.page.total == 2
        assert listing.product is not None and listing.provider is None
        assert set(listing.product_names.values()) == {"OpenSFS Lustre 2.15"}
        assert [p.name for p in listing.providers.values()] == ["Whamcloud"]
        everything = issues.find_issues(s, team_id=TEAM, scope="all")
        assert everything.page.total == 3 and everything.product is None
