"""Lookups say what they guessed: several matches are listed, typos get "did you mean".

Through the signed HTTP path, on the example catalog (F5's three OpenStack products,
Whamcloud and HPE for Lustre, EGI, ARC), as members in Paris, Los Angeles and Tokyo.
The matching rules themselves get property tests at the end.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.models import OutboxMessage
from bot.support.matching import (
    MAX_TYPOS,
    Candidate,
    closeness,
    fold,
    match_name,
    match_product,
    split_version,
)
from bot.support.misses import Choice, LookupMiss
from bot.support.models import SupportIssue, SupportIssueEvent
from tests.conftest import RunningBot
from tests.support.conftest import add_triage_channels, load_catalog
from tests.support.helpers import state

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "catalog.yaml"
# In catalog (name) order, as every list of matches is.
F5_PRODUCTS = (
    "F5 OpenStack Heat plugins",
    "F5 OpenStack LBaaSv1 plugin",
    "F5 OpenStack LBaaSv2 plugin",
)
PARIS, LOS_ANGELES, TOKYO = "U1", "U2", "U3"


@pytest.fixture
def shop(running: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunningBot:
    """A running bot whose workspace T1 has the example catalog."""
    add_triage_channels(running.fake)
    assert load_catalog(running, monkeypatch, tmp_path, EXAMPLE.read_text(encoding="utf-8")) == 0
    return running


def _ask(rb: RunningBot, text: str, user: str = PARIS) -> str:
    resp = rb.command("/support", text, user_id=user)
    assert resp.status == 200 and resp.json()["response_type"] == "ephemeral", text
    return resp.reply_text


def _rows(rb: RunningBot) -> tuple[int, int, int]:
    """Issues, issue events and outbox rows in the database."""
    with rb.bot.rt.db.read() as s:
        return tuple(  # type: ignore[return-value]
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (SupportIssue, SupportIssueEvent, OutboxMessage)
        )


def _ready_commands(text: str) -> list[str]:
    return re.findall(r"`(/[a-z]+ [^`]+)`", text)


# -- exact names answer; nothing else does silently ----------------------------------


def test_an_exact_name_alias_or_key_answers_without_a_note(shop: RunningBot) -> None:
    for query, product, provider in (
        ("OpenSFS Lustre 2.12 LTS", "OpenSFS Lustre 2.12 LTS", "Whamcloud"),
        ("arc-ce", "ARC Compute Element", "ARC Product Team"),
        ("ARC CE", "ARC Compute Element", "ARC Product Team"),  # dashes and case folded
        ("Lustré", "OpenSFS Lustre 2.15", "HPE Lustre Services"),  # accents folded
        ("apel", "EGI Accounting Service", "EGI Core Platform Team"),
    ):
        text = _ask(shop, query, user=TOKYO)
        assert product in text and provider in text and "S1 " in text, (query, text)
        assert "matches" not in text and "Did you mean" not in text, (query, text)
        assert f"/issue file S3 {product}: what is wrong" in text


def test_a_vendor_prefix_lists_every_product_and_provider_and_picks_none(
    shop: RunningBot,
) -> None:
    text = _ask(shop, "f5", user=LOS_ANGELES)
    assert text.startswith(":mag: *f5* matches 4 products and providers; I did not pick one.")
    for name in F5_PRODUCTS:
        assert f"`/support {name}`" in text, text
    # Each with who supports it, at which tier and level.
    assert "*F5 OpenStack LBaaSv2 plugin* — F5 OpenStack Team: extended L3" in text
    assert "*F5 OpenStack LBaaSv1 plugin* — F5 OpenStack Team: basic L2" in text
    assert "*F5 OpenStack Heat plugins* — F5 OpenStack Team: basic L2" in text
    assert "`/support provider F5 OpenStack Team`" in text
    # No product's answer was given: no targets, no filing hint, no triage channel.
    assert "S1 " not in text and "/issue file" not in text and "<#CF5>" not in text
    # Every ready command answers for exactly what it names.
    for command in _ready_commands(text):
        family, _, args = command.partition(" ")
        answer = shop.command(family, args, user_id=LOS_ANGELES).reply_text
        assert "I did not pick one" not in answer and "Did you mean" not in answer, command
        assert args.removeprefix("provider ") in answer


def test_a_partial_name_of_several_products_lists_them_all(shop: RunningBot) -> None:
    text = _ask(shop, "lustr", user=TOKYO)
    # HPE Lustre Services is named by it too.
    assert "*lustr* matches 4 products and providers; I did not pick one." in text
    assert "`/support provider HPE Lustre Services`" in text
    assert "*OpenSFS Lustre 2.15* — Whamcloud: extended L3; HPE Lustre Services: basic L2" in text
    assert "*OpenSFS Lustre 2.12 LTS* — Whamcloud: basic L3" in text
    assert "*Lustre tools* — Whamcloud: best-effort L2" in text
    # A partial name of exactly one product answers, and says it was partial.
    text = _ask(shop, "robin")
    assert "Only *Lustre tools* matches “robin” (part of its name)" in text
    assert "Whamcloud" in text and "best-effort" in text


def test_a_name_shared_by_versions_is_listed_and_an_unknown_version_is_not_guessed(
    shop: RunningBot,
) -> None:
    admin = {"user_id": "UADMIN"}
    shop.command("/support", "add product Lustre client 2.15 aliases=lustre client", **admin)
    shop.command("/support", "add product Lustre client 2.12 aliases=lustre client", **admin)
    shop.command("/support", "assign Lustre client 2.15 Whamcloud premium L3", **admin)
    text = _ask(shop, "lustre client")
    assert "*lustre client* matches 2 products; I did not pick one." in text
    assert "*Lustre client 2.15* — Whamcloud: premium L3" in text
    assert "*Lustre client 2.12* — no provider yet" in text
    # A release of a known version is that version, and the answer says so.
    text = _ask(shop, "lustre 2.12.9", user=LOS_ANGELES)
    assert "“lustre 2.12.9” is a version of *OpenSFS Lustre 2.12 LTS*" in text
    # A version the catalog does not have is not answered for the nearest one.
    text = _ask(shop, "lustre 3.0")
    assert text.startswith(":mag: No product or provider *lustre 3.0*. Did you mean")
    assert "`/support OpenSFS Lustre 2.15`" in text and "`/support OpenSFS Lustre 2.12 LTS`" in text
    assert "S1 " not in text


# -- misspellings: "did you mean", never the answer -----------------------------------


def test_a_misspelt_provider_gets_did_you_mean_with_a_ready_command(shop: RunningBot) -> None:
    text = _ask(shop, "provider Wamcloud", user=LOS_ANGELES)
    assert text.startswith(":mag: No provider *Wamcloud*. Did you mean *Whamcloud*?")
    assert _ready_commands(text) == ["/support provider Whamcloud"]
    assert "Open issues" not in text and "OpenSFS Lustre 2.15" not in text
    answer = _ask(shop, "provider Whamcloud", user=LOS_ANGELES)
    assert "*Open issues:* 0" in answer and "OpenSFS Lustre 2.15" in answer
    assert "matches" not in answer
    # The same typo as a plain lookup: offered as the provider it is.
    text = _ask(shop, "Wamcloud", user=TOKYO)
    assert text.startswith(":mag: No product or provider *Wamcloud*. Did you mean *Whamcloud*?")
    assert "`/support provider Whamcloud`" in text


def test_a_misspelt_product_gets_did_you_mean_and_only_close_names(shop: RunningBot) -> None:
    text = _ask(shop, "acounting")
    assert text.startswith(":mag: No product or provider *acounting*. Did you mean")
    assert _ready_commands(text) == ["/support EGI Accounting Service"]
    assert "EGI Accounting Service* — EGI Core Platform Team: premium L3" in text
    text = _ask(shop, "lbaaz plugin", user=TOKYO)
    assert "`/support F5 OpenStack LBaaSv2 plugin`" in text
    assert "Heat" not in text and "Lustre" not in text  # only the genuinely close


def test_no_close_match_says_so_without_unrelated_suggestions(shop: RunningBot) -> None:
    text = _ask(shop, "unknownthing", user=LOS_ANGELES)
    assert text == (
        ":mag: No product or provider matches *unknownthing*. "
        "`/support products` and `/support providers` list them all."
    )
    text = _ask(shop, "provider Acme Storage")
    assert text.startswith(":mag: No provider matches *Acme Storage*.")
    assert "Did you mean" not in text
    # What a member types is quoted back harmlessly.
    text = _ask(shop, "<!channel> *bold*")
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_a_provider_named_exactly_or_partly_answers_with_a_note(shop: RunningBot) -> None:
    text = _ask(shop, "Whamcloud", user=TOKYO)
    assert "*Whamcloud* is a provider; here is what it supports." in text
    assert "OpenSFS Lustre 2.12 LTS" in text and "*Open issues:* 0" in text
    text = _ask(shop, "provider hpe")
    assert "Only *HPE Lustre Services* matches “hpe”" in text
    text = _ask(shop, "provider team")
    assert "*team* matches 3 providers; I did not pick one." in text
    for name in ("EGI Core Platform Team", "ARC Product Team", "F5 OpenStack Team"):
        assert f"`/support provider {name}`" in text


# -- filing refuses guesses and writes nothing ---------------------------------------


def test_filing_about_an_unknown_product_is_refused_and_writes_nothing(shop: RunningBot) -> None:
    before = _rows(shop)
    resp = shop.command("/issue", "file S1 unknownthing: it broke", user_id=PARIS)
    assert resp.status == 200 and resp.json()["response_type"] == "ephemeral"
    assert resp.reply_text == (
        ":mag: No product matches *unknownthing*. `/support products` lists them all."
    )
    for args, ready in (
        ("file S2 lustree: MDS down", "/issue file S2 OpenSFS Lustre 2.15: MDS down"),
        # Filing writes: even a partial name of just one product is only offered.
        ("file S1 robin: OST flaps", "/issue file S1 Lustre tools: OST flaps"),
        ("file wamcloud: slow", None),
    ):
        text = shop.command("/issue", args, user_id=TOKYO).reply_text
        assert "Filed" not in text, args
        if ready:
            assert "Did you mean" in text and f"`{ready}`" in text, (args, text)
        else:
            assert "No product matches *wamcloud*" in text, text
    text = shop.command("/issue", "file S1 f5: VIP down", user_id=LOS_ANGELES).reply_text
    assert "*f5* matches 3 products; I did not pick one." in text
    assert _ready_commands(text) == [f"/issue file S1 {n}: VIP down" for n in F5_PRODUCTS]
    shop.deliver()
    assert _rows(shop) == before
    assert shop.fake.messages("CF5") == [] and shop.fake.messages("CLUSTRE") == []
    # The ready command files, about the product it names, at the severity asked.
    ready = _ready_commands(text)[0]
    filed = shop.command("/issue", ready.removeprefix("/issue "), user_id=LOS_ANGELES).reply_text
    assert "Filed *issue #1* (S1)" in filed and "F5 OpenStack Heat plugins" in filed
    assert _rows(shop)[0] == before[0] + 1


def test_the_forms_typed_product_refuses_guesses_beside_the_field(shop: RunningBot) -> None:
    """A large catalog's form has a text field for the product: the same rules, one line."""
    before = _rows(shop)
    for typed, expected in (
        ("f5", "“f5” matches 3: F5 OpenStack Heat plugins, F5 OpenStack LBaaSv1 plugin or "),
        ("acounting", "No product “acounting”. Did you mean EGI Accounting Service?"),
        ("unknownthing", "No product matches “unknownthing”."),
    ):
        values = state(
            title="pool flaps", product=typed, severity=("static_select", "S2"), description=""
        )
        resp = shop.sender.view_submission(
            "issue_file", values, private_metadata='{"channel": "C1"}', user_id=TOKYO
        )
        body = resp.json()
        assert body["response_action"] == "errors" and set(body["errors"]) == {"product"}
        assert body["errors"]["product"].startswith(expected), body["errors"]
        assert "*" not in body["errors"]["product"]  # plain text: a form shows no mrkdwn
    assert _rows(shop) == before


def test_miss_answers_follow_catalog_changes(shop: RunningBot) -> None:
    """Misses are cached with the answers; a catalog edit makes them right at once."""
    assert "No product or provider matches *Acme FS*" in _ask(shop, "Acme FS")
    assert "No product or provider matches *Acme FS*" in _ask(shop, "Acme FS")
    shop.command("/support", "add product Acme FS", user_id="UADMIN")
    text = _ask(shop, "Acme FS")
    assert "No provider supports this product yet" in text and "No product" not in text


# -- the matching rules, for any catalog -------------------------------------------------

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789éü", min_size=1, max_size=9)
_NAME = st.lists(_WORD, min_size=1, max_size=4).map(" ".join)


def _catalog(names: list[str], aliases: list[list[str]]) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        forms = [a for a in [name, *aliases[i % len(aliases)]] if fold(a) not in seen]
        if not forms or forms[0] != name:
            continue
        seen.update(fold(a) for a in forms)
        out.append(Candidate(i, name, tuple(forms[1:])))
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_NAME, min_size=1, max_size=12),
    st.lists(st.lists(_NAME, max_size=2), min_size=1, max_size=4),
    st.data(),
)
def test_an_exact_name_or_alias_always_resolves_to_itself(
    names: list[str], aliases: list[list[str]], data: st.DataObject
) -> None:
    cands = _catalog(names, aliases)
    c = data.draw(st.sampled_from(cands))
    typed = data.draw(st.sampled_from([c.name, *c.aliases]))
    typed = data.draw(st.sampled_from([typed, typed.upper(), f"  {typed}  "]))
    m = match_product(cands, typed)
    assert (m.ids, m.how, m.exact) == ([c.id], "exact", True)


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAME, min_size=1, max_size=12), _NAME)
def test_a_guess_is_never_answered_as_if_it_were_exact(names: list[str], query: str) -> None:
    cands = _catalog(names, [[]])
    m = match_product(cands, query)
    q = fold(query)
    keys = {c.id: c.key_forms() for c in cands}
    if m.exact:
        # Exact means the name or alias as typed, or the name and a version that fits.
        (i,) = m.ids
        base = split_version(query)[0]
        assert q in keys[i] or (
            m.how == "version" and any(base in (k, split_version(k)[0]) for k in keys[i])
        )
    if m.how == "exact":
        assert all(q in keys[i] for i in m.ids)
    # Whatever is answered or listed contains what was typed (word starts, or a version):
    # a misspelling only ever comes back as a suggestion.
    for i in m.ids:
        base = q.rsplit(" ", 1)[0] if m.how == "version" else q
        assert any(
            all(any(kw.startswith(w) for kw in k.split()) for w in base.split()) for k in keys[i]
        )
    if m.suggestions:
        assert not m.ids
    # Suggestions are genuinely close: within the documented number of typos of a name.
    if split_version(query)[1] is not None:
        return  # a version the catalog lacks offers that product's other versions
    for cid in m.suggestion_ids:
        scores = [closeness(q, k) for k in keys[cid]]
        assert any(sc is not None and 0 < sc[1] <= MAX_TYPOS for sc in scores)


def test_the_threshold_is_the_documented_one() -> None:
    cands = [Candidate(1, "Whamcloud"), Candidate(2, "Heat"), Candidate(3, "lfs")]
    assert match_name(["Whamcloud"], "Wamcloud").suggestions == ["Whamcloud"]  # 1 typo
    assert match_product(cands, "Wamclod").suggestions == ["Whamcloud"]  # 2 typos, 7 letters
    assert match_product(cands, "Wmclod").suggestions == []  # 3 typos
    assert match_product(cands, "haet").suggestions == ["Heat"]  # 1 typo in 4 letters
    assert match_product(cands, "hxxt").suggestions == []  # 2 typos in 4 letters
    assert match_product(cands, "lsf").suggestions == []  # under 4 letters: exact only
    assert match_product(cands, "l").ids == []  # one letter names nothing


def test_matching_stays_fast_on_a_large_catalog() -> None:
    """A miss compares against every name: 2,000 products answer well under a second."""
    cands = [
        Candidate(i, f"Product {i} storage", (f"p{i}", f"prod-{i}-fs"), str(i % 7))
        for i in range(2000)
    ]
    started = time.perf_counter()
    for query in ("unknownthing", "storagee 12", "prod 1999 fs", "p77"):
        match_product(cands, query)
    assert time.perf_counter() - started < 2.0


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["several", "guess", "none"]),
    st.text(max_size=80),
    st.lists(st.tuples(st.sampled_from(["product", "provider"]), st.text(min_size=1, max_size=90))),
    st.integers(min_value=0, max_value=50),
)
def test_a_miss_always_reads_as_one_safe_answer(
    kind: str, query: str, choices: list[tuple[str, str]], more: int
) -> None:
    miss = LookupMiss(
        what="product",
        query=query,
        kind=kind,
        choices=[Choice(k, n) for k, n in choices],
        more=more,
    )
    text = miss.text(lambda c: f"/support {c.name}")
    assert "<" not in text.replace("&lt;", "") and text.startswith(("*", "No "))
    assert len(miss.short()) <= 150 and "\n" not in miss.short()
