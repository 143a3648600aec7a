"""/support lookups and admin edits, through the signed HTTP path."""

from __future__ import annotations

from tests.conftest import RunningBot


def test_tiers_show_defaults_and_promises(running: RunningBot) -> None:
    text = running.command("/support", "tiers").reply_text
    for name in ("best-effort", "basic", "extended", "premium"):
        assert name in text
    assert "cannot guarantee any minimum level of support" in text.lower()
    assert "S1 4h" in text  # extended's first response to S1
    assert running.fake.violations == []


def test_lookup_tolerates_case_versions_and_partial_names(desk: RunningBot) -> None:
    for query in ("lustre", "Lustre 2.15", "lustr", "LUSTRE", "lustre 2.15.3", "Lustré"):
        resp = desk.command("/support", query)
        text = resp.reply_text
        assert resp.json()["response_type"] == "ephemeral"
        assert "OpenSFS Lustre 2.15" in text, query
        assert "Whamcloud" in text and "extended" in text and "L3" in text
        assert "<#CLUSTRE>" in text or "#lustre-support" in text
        assert "S1 4h" in text  # the response targets
    assert "Whamcloud" in desk.command("/support", "lookup lustre").reply_text
    # Whatever was not typed in full is said to be so.
    assert (
        "Only *OpenSFS Lustre 2.15* matches “lustr”" in desk.command("/support", "lustr").reply_text
    )
    assert (
        "is a version of *OpenSFS Lustre 2.15*"
        in desk.command("/support", "lustre 2.15.3").reply_text
    )
    assert "matches" not in desk.command("/support", "lustre").reply_text.split("File an issue")[0]
    assert desk.fake.violations == []


def test_unknown_product_gets_did_you_mean(desk: RunningBot) -> None:
    text = desk.command("/support", "lbaaz plugin").reply_text
    assert "No product or provider *lbaaz plugin*. Did you mean" in text
    assert "`/support F5 OpenStack LBaaSv2 plugin`" in text and "S1 " not in text
    text = desk.command("/support", "zzzz").reply_text
    assert "No product or provider matches *zzzz*." in text and "/support products" in text
    assert "Did you mean" not in text


def test_lookup_shows_best_effort_and_unsupported(desk: RunningBot) -> None:
    text = desk.command("/support", "community scripts").reply_text
    assert "best-effort" in text and "no guaranteed target" in text
    text = desk.command("/support", "orphan tool").reply_text
    assert "No provider supports this product yet" in text


def test_providers_and_provider(desk: RunningBot) -> None:
    text = desk.command("/support", "providers").reply_text
    assert "Whamcloud" in text and "F5 OpenStack Team" in text and "Volunteers" in text
    desk.command("/issue", "file lustre: it broke")
    text = desk.command("/support", "provider whamcloud").reply_text
    assert "OpenSFS Lustre 2.15" in text and "extended" in text
    assert "*Open issues:* 1" in text
    assert "<@U2>" in text  # escalation contact
    assert "1 open issue(s)" in desk.command("/support", "providers").reply_text
    text = desk.command("/support", "provider wamcloud").reply_text
    assert "No provider *wamcloud*. Did you mean *Whamcloud*?" in text  # offered, not answered
    assert "`/support provider Whamcloud`" in text and "Open issues" not in text
    text = desk.command("/support", "provider Acme").reply_text
    assert "No provider matches *Acme*." in text and "Did you mean" not in text


def test_products_lists_everything(desk: RunningBot) -> None:
    text = desk.command("/support", "products").reply_text
    assert "Orphan tool" in text and "lbaas" in text


def test_admin_edits_from_slack(running: RunningBot) -> None:
    running.fake.add_channel("CACME", "acme-support")
    r = running.command(
        "/support",
        'add provider Acme Storage role="platform integrator" collaboration=contributing '
        "channel=<#CACME|acme-support> escalation=<@U3|chie>,<@U2|bob> url=https://acme.example",
        user_id="UADMIN",
    )
    assert "Provider *Acme Storage* added" in r.reply_text, r.reply_text
    r = running.command(
        "/support", "add product Acme FS 3.1 aliases=acmefs,afs version=3.1", user_id="UADMIN"
    )
    assert "Product *Acme FS 3.1* added" in r.reply_text
    r = running.command("/support", "assign Acme FS 3.1 Acme Storage premium L1", user_id="UADMIN")
    assert "now supports" in r.reply_text and "premium" in r.reply_text, r.reply_text
    r = running.command("/support", "tier premium response S1=30m S2=2h", user_id="UADMIN")
    assert "saved" in r.reply_text and "S1 30m" in r.reply_text and "S3 8h" in r.reply_text
    r = running.command(
        "/support",
        'tier gold response S1=15m resolution S1=4h description "Our own"',
        user_id="UADMIN",
    )
    assert "gold" in r.reply_text
    text = running.command("/support", "acmefs").reply_text
    assert "Acme Storage" in text and "premium" in text and "L1" in text and "S1 30m" in text
    assert "<#CACME>" in text
    # Changing a provider keeps the fields not mentioned.
    running.command(
        "/support", "add provider acme storage collaboration=integrated", user_id="UADMIN"
    )
    text = running.command("/support", "provider Acme Storage").reply_text
    assert "integrated" in text and "platform integrator" in text and "<@U3>" in text
    r = running.command("/support", '"unassign" "Acme FS 3.1" "Acme Storage"', user_id="UADMIN")
    r = running.command("/support", 'unassign "Acme FS 3.1" "Acme Storage"', user_id="UADMIN")
    assert "no longer supports" in r.reply_text
    assert running.fake.violations == []


def test_non_admins_get_a_polite_refusal_and_nothing_is_written(running: RunningBot) -> None:
    r = running.command("/support", "add provider Sneaky", user_id="U1")
    assert "only workspace admins and bot admins" in r.reply_text
    r = running.command("/support", "tier basic response S1=1m", user_id="U1")
    assert "only workspace admins" in r.reply_text
    assert "no providers yet" in running.command("/support", "providers").reply_text
    assert "S1 8h" in running.command("/support", "tiers").reply_text
    # A bot admin may.
    running.command("/wg", "admins add <@U1|alice>", user_id="UADMIN")
    r = running.command("/support", "add provider Friendly", user_id="U1")
    assert "added" in r.reply_text


def test_bad_admin_input_names_the_problem(running: RunningBot) -> None:
    cases = {
        "add provider X role=vendor": "not a role",
        "add provider X collaboration=tight": "not a collaboration level",
        "add provider X channel=ops": "not a channel",
        "add provider X escalation=bob": "not a user mention",
        "add provider": "Name the provider",
        "add widget X": "`provider` or a `product`",
        "assign lustre": "Name a product, a provider and a tier",
        "tier basic response S9=4h": "not a severity",
        "tier basic response S1=soon": "not a duration",
        "tier basic": "Give `response`",
        "metrics soon": "not a period",
        "metrics -7d": "no sign",
    }
    for args, expected in cases.items():
        text = running.command("/support", args, user_id="UADMIN").reply_text
        assert expected in text, (args, text)
        assert "Usage" in text, args
    running.command("/support", "add provider Acme", user_id="UADMIN")
    running.command("/support", "add product Thing", user_id="UADMIN")
    text = running.command("/support", "assign Thing Acme platinum", user_id="UADMIN").reply_text
    assert "There is no tier `platinum`" in text
    text = running.command("/support", "assign Nothing Acme basic", user_id="UADMIN").reply_text
    assert "No product *Nothing*. Did you mean *Thing*?" in text
    text = running.command("/support", "assign Thin Acme basic", user_id="UADMIN").reply_text
    assert "No product *Thin*. Did you mean *Thing*?" in text
    text = running.command("/support", "assign Thing Acmee basic", user_id="UADMIN").reply_text
    assert "No provider *Acmee*. Did you mean *Acme*?" in text


def test_help(running: RunningBot) -> None:
    text = running.command("/support", "help").reply_text
    assert "/support lookup" in text and "/support metrics" in text
    assert running.command("/support").reply_text == text


def test_cached_lookup_answers_follow_every_catalog_change(running: RunningBot) -> None:
    """Lookups are cached per catalog version: an edit is visible at once."""
    admin = {"user_id": "UADMIN"}
    running.command(
        "/support", 'add provider Acme role="product team" collaboration=community', **admin
    )
    running.command("/support", "add product Widget aliases=wdg", **admin)
    running.command("/support", "assign Widget Acme basic L1", **admin)
    first = running.command("/support", "lookup wdg").reply_text
    assert "basic" in first and running.command("/support", "lookup wdg").reply_text == first
    running.command("/support", "assign Widget Acme premium L3", **admin)
    after = running.command("/support", "lookup wdg").reply_text
    assert "premium" in after and after != first
    assert "S1 1d" in after
    running.command("/support", "tier premium resolution S1=2d", **admin)
    assert "S1 2d" in running.command("/support", "lookup wdg").reply_text
