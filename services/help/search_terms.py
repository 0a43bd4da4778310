"""How a search text becomes terms: pure code, no SQL (services.help.search runs them against the index).

Whatever the caller types, only runs of letters and digits survive: quotes, `*`, `^`, `:`, brackets, `-`,
`+` and every other FTS5 or LIKE operator character are separators, and words such as NEAR, AND, OR, NOT
become plain terms (the search always quotes each term as a phrase). Chinese has no spaces, so a run of
Chinese characters is a term itself and, when longer than two characters, also gives its two-character
words (bigrams): "如何转账" finds the article about 转账 even though no article contains "如何转账".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from services.errors import ValidationFailed

MAX_SEARCH_CHARS = 200
MAX_TERMS = 12
MIN_INDEXED_CHARS = 3  # the trigram index answers terms of 3 characters or more; shorter ones are scanned

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"[{_CJK}]+|[^{_CJK}]+")
_WORDS = re.compile(r"[^\W_]+")
_EN_STOP = frozenset(
    "a an and are at be by can do does for from how i in is it me my of on or the to what when where which why"
    " with you your".split()
)
# Question words and fillers that carry nothing when they appear as bigrams of a longer Chinese phrase.
_ZH_STOP = frozenset("如何 怎么 怎样 什么 为什么 我的 可以 是否 一个 哪里 我要 请问 需要 能否 么办 怎么办".split())


@dataclass(frozen=True)
class SearchTerm:
    """One lower-cased term and its weight: 2 for what the caller typed, 1 for a bigram derived from it."""

    text: str
    weight: int

    @property
    def indexed(self) -> bool:
        """Whether the trigram index can answer it (3 characters or more)."""
        return len(self.text) >= MIN_INDEXED_CHARS


def _is_cjk(run: str) -> bool:
    """Whether a run is of Chinese characters."""
    return bool(re.match(f"[{_CJK}]", run))


def _candidates(words: list[str]) -> list[SearchTerm]:
    """Every term of the words, in order (duplicates kept: the caller dedupes)."""
    terms = []
    for word in words:
        for run in _RUNS.findall(word):
            if not _is_cjk(run):
                terms.append(SearchTerm(run, 2))
                continue
            terms.append(SearchTerm(run, 2))
            if len(run) > 2:
                terms += [SearchTerm(run[i:i + 2], 1) for i in range(len(run) - 1) if run[i:i + 2] not in _ZH_STOP]
    return terms


def _meaningful(term: SearchTerm) -> bool:
    """Not an English stop word nor a lone ASCII letter or digit."""
    return not (term.text in _EN_STOP or (len(term.text) == 1 and term.text.isascii()))


def search_terms(text: str | None) -> list[SearchTerm]:
    """The terms of a search text, strongest first per position, without duplicates; [] for no search.

    VALIDATION (field search) when the text is longer than 200 characters.
    """
    if text is None:
        return []
    if len(text) > MAX_SEARCH_CHARS:
        raise ValidationFailed(f"search must be at most {MAX_SEARCH_CHARS} characters", field=["search"])
    words = _WORDS.findall(unicodedata.normalize("NFKC", text).lower())
    candidates = _candidates(words)
    kept = [term for term in candidates if _meaningful(term)] or candidates  # "how" alone still searches
    seen: dict[str, SearchTerm] = {}
    for term in kept:
        if term.text not in seen or seen[term.text].weight < term.weight:
            seen[term.text] = term
    return list(seen.values())[:MAX_TERMS]


def fts_phrase_query(terms: list[SearchTerm]) -> str | None:
    """The FTS5 MATCH expression for the indexed terms: each a quoted phrase, OR'd; None when there are none.

    Terms hold only letters and digits, and any double quote would be doubled anyway, so no input can
    reach FTS5's query syntax.
    """
    phrases = ['"' + term.text.replace('"', '""') + '"' for term in terms if term.indexed]
    return " OR ".join(phrases) if phrases else None


def like_pattern(term: SearchTerm) -> str:
    """A LIKE pattern matching the term anywhere (with `\\` escaping LIKE's own wildcards)."""
    escaped = term.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
