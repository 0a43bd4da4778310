"""The in-memory screening index: which watchlist entry, if any, a name matches, with a score in [0, 1].

A name and every listed name (and alias) are normalised (normalise.py) into
tokens, then compared three ways; the best wins:

- token set: each token of the shorter name is paired with its most similar
  token of the other (Levenshtein ratio, in any order), and the pairs' similarity
  is averaged, weighted by token length. A listed token with no partner counts
  as a full miss; an extra token of the screened name (a middle name) counts
  a little (EXTRA_TOKEN_WEIGHT). Particles (al, bin, van, ltd) weigh little.
  Pairs less alike than PAIR_FLOOR count as unrelated (0), not as half a match;
- merged tokens: when the two names have different token counts, the same
  comparison after joining two adjacent tokens of the longer one
  ("Abdul Rahman" = "Abdulrahman");
- spacing-free: the tokens written together, in order and (for the listed
  name) in reverse order, compared by Levenshtein ratio ("Xi Jin Ping" =
  "Xijinping" = "Jinping Xi").

Date of birth and country only ever lower a score, and only when both sides
have them and they disagree: another birth year -0.12 (an exact name still
reaches the default threshold, a near one does not), the same year but
another day -0.04, another country -0.05. A name that does not match is never
lifted above the threshold by them.

The default threshold, 0.88, comes from bench/screening.py against a
10,000-entry list: there, 99.7% of respelled, reordered, re-spaced, accented
and Cyrillic variants of listed names match their entry, no ordinary name
(of 2,205) matches the list (the closest scores 0.78), and 0.4% of ordinary
names match another ordinary name (Eze/Ezeh, Olsen/Olsson). 0.86 gains a
little recall and triples the last figure; 0.90 loses recall on typos.

Candidate blocking keeps screening fast: every listed name is filed under
keys of its tokens (their consonant skeleton, the skeleton's and the
spelling's first letters), of its adjacent token pairs and of its whole
spacing-free form, each key with the token positions it covers. A listed name
is scored only when the screened name's keys cover two of its tokens (or its
only one), or when they share a key that few names have.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

from services.screening.normalise import is_particle, name_tokens, skeleton, spacing_free
from services.screening.similarity import similarity_at_least

THRESHOLD_ENV = "QIANBAO_SCREENING_THRESHOLD"
DEFAULT_THRESHOLD = 0.88
PAIR_FLOOR = 0.7  # token pairs less alike than this are unrelated, not 70% of a match
EXTRA_TOKEN_WEIGHT = 0.3  # a token only the screened name has: a middle name costs a little
PARTICLE_WEIGHT = 1.0  # "al", "bin", "ltd" weigh as one letter
DOB_YEAR_PENALTY = 0.12
DOB_DAY_PENALTY = 0.04
COUNTRY_PENALTY = 0.05
MAX_TOKENS = 12
PREFIX_KEY_LEN = 5  # a token's skeleton is also filed under its first 5 characters
JOINED_PREFIX_LEN = 8  # ... and several tokens written together under their first 8
LETTER_PREFIX_LEN = 4  # a token is also filed under its first 4 letters
RARE_KEY_NAMES = 8  # a key on at most this many names makes a candidate by itself
_POS_BITS = 4  # postings hold name number << 4 | token position (positions past 15 share 15)


@dataclass(frozen=True)
class WatchlistRecord:
    """One listed person or organisation, as the index needs it."""

    id: int
    list_id: str
    name: str
    aliases: tuple[str, ...] = ()
    date_of_birth: str | None = None  # YYYY-MM-DD or YYYY
    country: str | None = None


@dataclass(frozen=True)
class MatchResult:
    """The best-scoring entry for a screened name."""

    score: float
    entry_id: int
    list_id: str
    entry_name: str  # the entry's primary name
    matched_name: str  # the name or alias of the entry that scored best

    @property
    def score_bps(self) -> int:
        """The score in basis points (0..10000), for storing without floats."""
        return round(self.score * 10000)


def score_from_bps(score_bps: int) -> float:
    """A stored score (basis points, 0..10000) on the scale of the threshold and the API: 0 to 1, 4 decimals."""
    return round(score_bps / 10_000, 4)


class _Tokens:
    """A name's canonical tokens with what every comparison needs of them, computed once."""

    __slots__ = ("tokens", "weights", "joined", "joined_reversed")

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.weights = _weights(tokens)
        self.joined = spacing_free(tokens)
        self.joined_reversed = spacing_free(tokens[::-1])


class _Name(_Tokens):
    """One listed name or alias, normalised once when the index is built."""

    __slots__ = ("record", "text", "need")

    def __init__(self, record: WatchlistRecord, text: str, tokens: list[str]) -> None:
        super().__init__(tokens)
        self.record, self.text = record, text
        self.need = min(2, len(tokens))  # token positions the screened name's keys must cover


def configured_threshold() -> float:
    """The match threshold: QIANBAO_SCREENING_THRESHOLD (a number in (0, 1]) or DEFAULT_THRESHOLD."""
    raw = os.environ.get(THRESHOLD_ENV, "").strip()
    if not raw:
        return DEFAULT_THRESHOLD
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{THRESHOLD_ENV} must be a number between 0 and 1, not {raw!r}") from None
    if not 0 < value <= 1:
        raise ValueError(f"{THRESHOLD_ENV} must be a number between 0 and 1, not {raw!r}")
    return value


def _weights(tokens: list[str]) -> list[float]:
    """Each token's weight in a comparison: its length, or PARTICLE_WEIGHT for a particle."""
    return [PARTICLE_WEIGHT if is_particle(t) else float(len(t)) for t in tokens]


def _keys(tokens: list[str]) -> dict[str, set[int]]:
    """Sound keys of the tokens, adjacent pairs and the whole name, with the token positions each covers.

    Each long key also files its start (PREFIX_KEY_LEN characters for a token,
    JOINED_PREFIX_LEN for several written together), so that a respelling or a
    typo late in a long name ("Esfandkhhahi") does not hide it from its candidates.
    """
    last = (1 << _POS_BITS) - 1
    keys: dict[str, set[int]] = {}

    def add(key: str, positions: set[int], prefix_len: int) -> None:
        keys.setdefault(key, set()).update(positions)
        if len(key) > prefix_len:
            keys.setdefault(key[:prefix_len] + "~", set()).update(positions)

    for i, token in enumerate(tokens):
        if is_particle(token):
            continue  # "al", "bin", "ltd": on too many names to narrow anything down
        add(skeleton(token), {min(i, last)}, PREFIX_KEY_LEN)
        if len(token) > LETTER_PREFIX_LEN:  # its first letters, for a typo in a consonant
            keys.setdefault(token[:LETTER_PREFIX_LEN] + "^", set()).add(min(i, last))
    for i in range(len(tokens) - 1):
        add(skeleton(tokens[i] + tokens[i + 1]), {min(i, last), min(i + 1, last)}, JOINED_PREFIX_LEN)
    every = {min(i, last) for i in range(len(tokens))}
    if len(tokens) > 2:
        add(skeleton(spacing_free(tokens)), every, JOINED_PREFIX_LEN)
    if len(tokens) > 1:
        add(skeleton(spacing_free(tokens[::-1])), every, JOINED_PREFIX_LEN)
    return keys


def _token_set_score(q: list[str], qw: list[float], e: list[str], ew: list[float]) -> float:
    """Greedy best pairing of tokens in any order; weighted mean similarity, misses and extras counted."""
    pairs = sorted(
        ((similarity_at_least(a, b, PAIR_FLOOR), i, j) for i, a in enumerate(q) for j, b in enumerate(e)), reverse=True
    )
    used_q: set[int] = set()
    used_e: set[int] = set()
    num = den = 0.0
    for sim, i, j in pairs:
        if i in used_q or j in used_e:
            continue
        used_q.add(i)
        used_e.add(j)
        weight = qw[i] + ew[j]
        num += sim * weight
        den += weight
    den += sum(2 * w for j, w in enumerate(ew) if j not in used_e)  # a listed token the name lacks
    den += sum(EXTRA_TOKEN_WEIGHT * w for i, w in enumerate(qw) if i not in used_q)  # a middle name, say
    return num / den if den else 0.0


def _merged_variants(tokens: list[str]) -> Iterable[list[str]]:
    """The token list with one pair of adjacent tokens written together, for each pair."""
    for i in range(len(tokens) - 1):
        yield tokens[:i] + [tokens[i] + tokens[i + 1]] + tokens[i + 2:]


def _score(q: _Tokens, e: _Tokens) -> float:
    """The name score of a screened name against one listed name (see the module docstring)."""
    best = _token_set_score(q.tokens, q.weights, e.tokens, e.weights)
    if best >= 1.0 or len(q.tokens) == len(e.tokens):
        return best
    longer, shorter = (q.tokens, e.tokens) if len(q.tokens) > len(e.tokens) else (e.tokens, q.tokens)
    for merged in _merged_variants(longer):
        a, b = (merged, shorter) if longer is q.tokens else (shorter, merged)
        best = max(best, _token_set_score(a, _weights(a), b, _weights(b)))
    for other in (e.joined, e.joined_reversed):
        best = max(best, similarity_at_least(q.joined, other, best))
    return best


def name_score(name: str, other: str) -> float:
    """How alike two names are, in [0, 1]: the best of token set, merged tokens and spacing-free comparison."""
    q, e = name_tokens(name)[:MAX_TOKENS], name_tokens(other)[:MAX_TOKENS]
    return _score(_Tokens(q), _Tokens(e)) if q and e else 0.0


def context_penalty(record: WatchlistRecord, *, date_of_birth: str | None, country: str | None) -> float:
    """How much a disagreeing date of birth or country lowers a score (0 when they agree or one is unknown)."""
    penalty = 0.0
    if date_of_birth and record.date_of_birth:
        if date_of_birth[:4] != record.date_of_birth[:4]:
            penalty += DOB_YEAR_PENALTY
        elif len(date_of_birth) == 10 and len(record.date_of_birth) == 10 and date_of_birth != record.date_of_birth:
            penalty += DOB_DAY_PENALTY
    if country and record.country and country.upper() != record.country.upper():
        penalty += COUNTRY_PENALTY
    return penalty


class ScreeningIndex:
    """Watchlist names and aliases, normalised and filed by sound key for fast screening."""

    def __init__(self, records: Iterable[WatchlistRecord]) -> None:
        self._names: list[_Name] = []
        self._postings: dict[str, list[int]] = {}
        self.entry_count = 0
        for record in records:
            self.entry_count += 1
            seen: set[tuple[str, ...]] = set()
            for text in (record.name, *record.aliases):
                tokens = name_tokens(text)[:MAX_TOKENS]
                if not tokens or tuple(tokens) in seen:
                    continue
                seen.add(tuple(tokens))
                number = len(self._names)
                self._names.append(_Name(record, text, tokens))
                for key, positions in _keys(tokens).items():
                    self._postings.setdefault(key, []).extend((number << _POS_BITS) | p for p in positions)

    def __len__(self) -> int:
        """Entries indexed (not names: an entry has one name and any number of aliases)."""
        return self.entry_count

    @property
    def name_count(self) -> int:
        """Listed names and aliases indexed (an entry has one or more)."""
        return len(self._names)

    def _candidates(self, tokens: list[str]) -> list[_Name]:
        """The listed names worth scoring against these tokens (see "Candidate blocking" above)."""
        postings, names = self._postings, self._names
        found = [postings[key] for key in _keys(tokens) if key in postings]
        hits = set(chain.from_iterable(found))
        covered = Counter(hit >> _POS_BITS for hit in hits)
        # A key on few names is telling enough alone ("Uche Norkaani" respelled "Ukhe Norqaani").
        rare = {hit >> _POS_BITS for p in found if len(p) <= RARE_KEY_NAMES for hit in p}
        return [names[n] for n, count in covered.items() if count >= names[n].need or n in rare]

    def best(self, name: str, *, date_of_birth: str | None = None, country: str | None = None) -> MatchResult | None:
        """The highest-scoring entry for a name (DOB/country penalties applied), whatever its score; None if no candidate."""
        tokens = name_tokens(name)[:MAX_TOKENS]
        if not tokens:
            return None
        query = _Tokens(tokens)
        best: tuple[float, int, _Name] | None = None
        for candidate in self._candidates(tokens):
            score = _score(query, candidate)
            score -= context_penalty(candidate.record, date_of_birth=date_of_birth, country=country)
            ranked = (score, -candidate.record.id, candidate)  # ties go to the lowest entry id: same answer every run
            if best is None or ranked[:2] > best[:2]:
                best = ranked
        if best is None:
            return None
        score, _, found = best
        return MatchResult(
            score=min(max(score, 0.0), 1.0), entry_id=found.record.id, list_id=found.record.list_id,
            entry_name=found.record.name, matched_name=found.text,
        )

    def match(
        self, name: str, *, date_of_birth: str | None = None, country: str | None = None, threshold: float | None = None
    ) -> MatchResult | None:
        """The best entry scoring at least the threshold (default: configured_threshold()), or None."""
        limit = configured_threshold() if threshold is None else threshold
        found = self.best(name, date_of_birth=date_of_birth, country=country)
        return found if found is not None and found.score_bps >= round(limit * 10000) else None
