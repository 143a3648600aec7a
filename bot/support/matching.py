"""Finding products and providers from what a member typed, without guessing silently.

Pure functions over plain data, so the rules are easy to test. A query is compared
with every name and alias in its folded form (lower case, accents and dashes gone,
single spaces), in this order:

1. exact: the folded query is a name or alias. One product: the answer; several
   (an alias two products share): all of them, and none is picked.
2. version: "Lustre 2.15.3" is the product called "lustre" whose version fits 2.15.
   When no such product's version fits, the query is treated as a misspelling.
3. partial: every word of the query starts a word of the name ("lustr", "f5",
   "openstack lbaas"). One product: the answer, said to be a partial match; several:
   all of them, and none is picked.
4. close: a misspelling. Nothing is answered; the close names are offered as
   "did you mean". Close means an optimal-string-alignment (Damerau-Levenshtein)
   distance of at most `allowed_typos(len(word))`: none below 4 characters, 1 for 4,
   2 from 5 on, for the whole name or for each typed word against a word of the name
   (or its start), at most 2 in all. Anything further is "no match" with no suggestion.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from bot.support.vocab import normalize

_VERSION = re.compile(r"^v?\d+(?:[.\-]\w+)*$", re.IGNORECASE)
#: A partial match needs this many typed characters: one letter names nothing.
MIN_PARTIAL = 2
#: The most typos a suggestion may be away from what was typed, in all.
MAX_TYPOS = 2


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """The comparison form: normalized, without accents, dashes and underscores as spaces."""
    decomposed = unicodedata.normalize("NFKD", normalize(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.replace("-", " ").replace("_", " ").split())


def allowed_typos(length: int) -> int:
    """How many typos a typed word of `length` characters may hold and still be close."""
    if length < 4:
        return 0
    return 1 if length == 4 else 2


# Catalog words repeat ("openstack", "plugin"), and so do the words members type.
@lru_cache(maxsize=65536)
def typo_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, or limit + 1 as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        # A transposition reaches back two rows, so both must already be over the limit.
        if min(cur) > limit and min(prev) >= limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


@dataclass(frozen=True)
class Candidate:
    """What the matcher needs to know of a product (or a provider: no aliases)."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()
    version: str | None = None

    def key_forms(self) -> list[str]:
        out: list[str] = []
        for raw in (self.name, *self.aliases):
            k = fold(raw)
            if k and k not in out:
                out.append(k)
        return out


@dataclass
class Match:
    """What a query names: the candidates it answers for (best first), or close names.

    `how` is exact | version | prefix | words | none. With several ids nothing is
    picked: the caller lists them all. With none, `suggestions` holds the names that
    are close to a misspelt query (empty when nothing is genuinely close).
    """

    query: str
    ids: list[int] = field(default_factory=list)
    how: str = "none"
    suggestions: list[str] = field(default_factory=list)
    suggestion_ids: list[int] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.ids)

    @property
    def unique(self) -> bool:
        return len(self.ids) == 1

    @property
    def several(self) -> bool:
        return len(self.ids) > 1

    @property
    def exact(self) -> bool:
        """One candidate, named by its name, an alias, or its name and a fitting version."""
        return self.unique and self.how in ("exact", "version")

    @property
    def partial(self) -> bool:
        return self.how in ("prefix", "words")


def split_version(query: str) -> tuple[str, str | None]:
    """("lustre 2.15.3" -> ("lustre", "2.15.3")); the version is the trailing number-ish word."""
    words = normalize(query).split()
    if len(words) >= 2 and _VERSION.match(words[-1]):
        return fold(" ".join(words[:-1])), words[-1].lstrip("v")
    return fold(" ".join(words)), None


def _version_of(c: Candidate) -> str:
    v = (c.version or "").lower().lstrip("v")
    if not v:
        for word in reversed(normalize(c.name).split()):
            if _VERSION.match(word):
                return word.lstrip("v")
    return v


def _fits(have: str, asked: str) -> int:
    """3: the same version; 2: one is a release of the other (2.15 and 2.15.3); 0: neither."""
    if have == asked:
        return 3
    if asked.startswith(have + ".") or have.startswith(asked + "."):
        return 2
    return 0


def _by_version(cands: list[Candidate], version: str) -> list[Candidate]:
    """The candidates whose version fits `version` best, else the unversioned ones."""
    scored = [(_fits(_version_of(c), version) if _version_of(c) else 0, c) for c in cands]
    best = max(s for s, _ in scored)
    if best > 0:
        return [c for s, c in scored if s == best]
    return [c for c in cands if not _version_of(c)]


def _starts_words(q: str, key: str) -> bool:
    """Every typed word starts some word of `key` ("f5 lbaas" in "f5 openstack lbaasv2")."""
    kw = key.split()
    return all(any(w2.startswith(w) for w2 in kw) for w in q.split())


def closeness(q: str, key: str) -> tuple[int, int] | None:
    """How close a folded query is to a folded key as a misspelling: (kind, typos), or None.

    Kind 0 is the whole name, kind 1 word by word; lower is closer. Exact and partial
    matches are not misspellings and are found before this is asked.
    """
    whole = typo_distance(q, key, min(allowed_typos(len(q)), MAX_TYPOS))
    if whole <= allowed_typos(len(q)):
        return (0, whole)
    total = 0
    for w in q.split():
        limit = allowed_typos(len(w))
        best = limit + 1
        for kw in key.split():
            if kw == w or (len(w) >= MIN_PARTIAL and kw.startswith(w)):
                best = 0
                break
            if limit:
                best = min(best, typo_distance(w, kw, limit), typo_distance(w, kw[: len(w)], limit))
        if best > limit:
            return None
        total += best
    if 0 < total <= MAX_TYPOS:
        return (1, total)
    return None


def close_names(candidates: list[Candidate], query: str, n: int = 3) -> list[tuple[int, str]]:
    """Up to `n` candidates (id, name) whose name or alias is a close misspelling of `query`."""
    q = fold(query)
    if not q:
        return []
    scored: list[tuple[tuple[int, int], str, int]] = []
    for c in candidates:
        scores = [s for k in c.key_forms() if (s := closeness(q, k)) is not None]
        if scores:
            scored.append((min(scores), c.name.lower(), c.id))
    scored.sort()
    names = {c.id: c.name for c in candidates}
    return [(cid, names[cid]) for _, _, cid in scored[:n]]


def match_product(candidates: list[Candidate], query: str) -> Match:
    """Which candidates `query` names (see the module docstring for the order of rules)."""
    q = fold(query)
    result = Match(query=query)
    if not q or not candidates:
        return result
    forms = [(c, c.key_forms()) for c in candidates]
    exact = [c for c, keys in forms if q in keys]
    if exact:
        result.ids, result.how = [c.id for c in exact], "exact"
        return result
    base, version = split_version(query)
    if version and base:
        by_base = [
            c for c, keys in forms if any(k == base or split_version(k)[0] == base for k in keys)
        ]
        if by_base:
            fitting = _by_version(by_base, version)
            if fitting:
                result.ids, result.how = [c.id for c in fitting], "version"
            else:
                # "lustre 3.0" when the catalog has 2.12 and 2.15: not an answer.
                result.suggestion_ids = [c.id for c in by_base[:3]]
                result.suggestions = [c.name for c in by_base[:3]]
            return result
    if len(q) >= MIN_PARTIAL:
        prefixed = [c for c, keys in forms if any(k.startswith(q) for k in keys)]
        worded = [c for c, keys in forms if any(_starts_words(q, k) for k in keys)]
        if worded:
            result.ids = [c.id for c in worded]
            result.how = "prefix" if len(prefixed) == len(worded) else "words"
            return result
    close = close_names(candidates, query)
    result.suggestion_ids = [cid for cid, _ in close]
    result.suggestions = [name for _, name in close]
    return result


def suggest(candidates: list[Candidate], query: str, n: int = 3) -> list[str]:
    """Names that are close misspellings of `query`, for "did you mean" (maybe none)."""
    return [name for _, name in close_names(candidates, query, n)]


def match_name(names: list[str], query: str) -> Match:
    """A provider (or tier) by name, under the same rules; ids index `names`."""
    return match_product([Candidate(i, n) for i, n in enumerate(names)], query)
