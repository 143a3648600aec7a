"""Finding a product from what a member typed: names, aliases, versions and typos.

Pure functions over plain data, so the rules are easy to test: exact name or alias
first, then the same without a trailing version ("Lustre 2.14" -> "lustre"), then
prefixes and whole words ("lustr", "lbaas"), then difflib's close matches.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from bot.support.vocab import normalize

_VERSION = re.compile(r"^v?\d+(?:[.\-]\w+)*$", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """What the matcher needs to know of a product."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()
    version: str | None = None

    def key_forms(self) -> list[str]:
        out = [normalize(self.name)]
        out += [normalize(a) for a in self.aliases if normalize(a)]
        return out


@dataclass
class Match:
    """The products a query names (best first), how they matched, and suggestions."""

    query: str
    ids: list[int] = field(default_factory=list)
    how: str = "none"  # exact | version | prefix | words | fuzzy | none
    suggestions: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.ids)

    @property
    def unique(self) -> bool:
        return len(self.ids) == 1


def split_version(query: str) -> tuple[str, str | None]:
    """("lustre 2.15.3" -> ("lustre", "2.15.3")); the version is the trailing number-ish word."""
    words = normalize(query).split()
    if len(words) >= 2 and _VERSION.match(words[-1]):
        return " ".join(words[:-1]), words[-1].lstrip("v")
    return " ".join(words), None


def _prefer_version(cands: list[Candidate], version: str | None) -> list[Candidate]:
    """Order candidates so that the one whose version fits the asked version comes first."""
    if not version or len(cands) < 2:
        return cands

    def score(c: Candidate) -> int:
        v = (c.version or "").lower()
        if not v:
            for word in reversed(normalize(c.name).split()):
                if _VERSION.match(word):
                    v = word.lstrip("v")
                    break
        if not v:
            return 0
        if v == version:
            return 3
        if version.startswith(v + ".") or v.startswith(version + "."):
            return 2
        return 0

    best = max(score(c) for c in cands)
    if best == 0:
        return cands
    return [c for c in cands if score(c) == best]


def match_product(candidates: list[Candidate], query: str) -> Match:
    """Which products `query` names; with none, up to three "did you mean" names."""
    q = normalize(query)
    result = Match(query=query)
    if not q or not candidates:
        return result

    def hits(pred: object) -> list[Candidate]:
        return [c for c in candidates if any(pred(k) for k in c.key_forms())]  # type: ignore[operator]

    exact = hits(lambda k: k == q)
    if exact:
        result.ids, result.how = [c.id for c in exact], "exact"
        return result
    base, version = split_version(q)
    if version:
        by_base = hits(lambda k: k == base or split_version(k)[0] == base)
        if by_base:
            chosen = _prefer_version(by_base, version)
            result.ids, result.how = [c.id for c in chosen], "version"
            return result
    prefixed = _best(hits(lambda k: k.startswith(q)), q, lambda k: k.startswith(q))
    if prefixed:
        result.ids, result.how = [c.id for c in prefixed], "prefix"
        return result
    words = q.split()

    def worded_key(k: str) -> bool:
        return all(any(w2.startswith(w) for w2 in k.split()) for w in words)

    worded = _best(hits(worded_key), q, worded_key)
    if worded:
        result.ids, result.how = [c.id for c in worded], "words"
        return result
    keys: dict[str, list[Candidate]] = {}
    for c in candidates:
        for k in c.key_forms():
            keys.setdefault(k, []).append(c)
    close = difflib.get_close_matches(q, list(keys), n=3, cutoff=0.85)
    if close:
        # Only the best-scoring key counts as a match.
        best = keys[close[0]]
        result.ids, result.how = [c.id for c in best], "fuzzy"
        return result
    result.suggestions = suggest(candidates, q)
    return result


def _best(cands: list[Candidate], q: str, pred: object) -> list[Candidate]:
    """The candidates whose matching name or alias is closest to `q` (ties kept)."""
    if len(cands) < 2:
        return cands

    def score(c: Candidate) -> float:
        return max(
            difflib.SequenceMatcher(None, q, k).ratio()
            for k in c.key_forms()
            if pred(k)  # type: ignore[operator]
        )

    scored = [(score(c), c) for c in cands]
    top = max(s for s, _ in scored)
    return [c for s, c in scored if s >= top - 1e-9]


def suggest(candidates: list[Candidate], query: str, n: int = 3) -> list[str]:
    """Product names that look like `query`, for "did you mean"."""
    q = normalize(query)
    by_key: dict[str, str] = {}
    for c in candidates:
        for k in c.key_forms():
            by_key.setdefault(k, c.name)
    names: list[str] = []
    for k in difflib.get_close_matches(q, list(by_key), n=n * 2, cutoff=0.45):
        if by_key[k] not in names:
            names.append(by_key[k])
    if len(names) < n:
        for word in q.split():
            for k, name in by_key.items():
                if len(word) >= 3 and word in k and name not in names:
                    names.append(name)
    return names[:n]


def match_name(names: list[str], query: str) -> tuple[str | None, list[str]]:
    """A provider (or tier) name from what was typed: (exact or unique close match, suggestions)."""
    q = normalize(query)
    by_key = {normalize(n): n for n in names}
    if q in by_key:
        return by_key[q], []
    prefixed = [n for k, n in by_key.items() if k.startswith(q)] if q else []
    if len(prefixed) == 1:
        return prefixed[0], []
    close = difflib.get_close_matches(q, list(by_key), n=3, cutoff=0.8)
    if len(close) == 1:
        return by_key[close[0]], []
    loose = difflib.get_close_matches(q, list(by_key), n=3, cutoff=0.45)
    return None, prefixed[:3] or [by_key[k] for k in loose]
