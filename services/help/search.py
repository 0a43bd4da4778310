"""Ranked full-text search over help articles: one SQL statement per page, on either database.

Which articles match (through the full-text index):
- SQLite: the FTS5 table help_article_fts (trigram tokenizer, so Chinese needs no word splitting) answers
  every term of 3 characters or more, as quoted phrases OR'd; shorter terms ("转账", "qr") cannot be
  answered by a trigram index, so they are LIKE-matched on the article's own columns (the help corpus is
  small, and the locale/status index narrows the scan first).
- PostgreSQL: pg_trgm's GIN index on lower(title) || ' ' || lower(body) answers `LIKE '%term%'` for every
  term (of 3 characters or more through the index; PostgreSQL rechecks shorter ones itself).

How they are ranked, identically on both: each term found in the title counts 4, and each of its first three
occurrences in the body 1, times the term's weight (2 typed, 1 a derived Chinese bigram), so an article
about the words beats one that mentions them in passing. Ties go to the index's own relevance (SQLite bm25 with the title weighted 4:1, PostgreSQL trigram
similarity of the title to the search), then to the newest publication, then to the id: a total order,
so pages never overlap.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise import connections

from services.db.sql import as_uuid, fetch, is_postgres
from services.help.search_terms import SearchTerm, fts_phrase_query, like_pattern


@dataclass(frozen=True)
class SearchFilter:
    """Which articles are candidates at all: one locale, the statuses the caller may read, maybe one category/kind."""

    locale: str
    statuses: tuple[str, ...]
    category: str | None = None
    kind: str | None = None


class _Params:
    """`$n` placeholders for a statement's values, in order."""

    def __init__(self) -> None:
        """No values yet."""
        self.values: list[object] = []

    def __call__(self, value: object) -> str:
        """Bind one more value and return its placeholder."""
        self.values.append(value)
        return f"${len(self.values)}"


def _filter_sql(where: SearchFilter, p: _Params) -> list[str]:
    """The candidate conditions on the article table `a`."""
    clauses = [f"a.locale = {p(where.locale)}", f"a.status IN ({', '.join(p(s) for s in where.statuses)})"]
    if where.category is not None:
        clauses.append(f"a.category = {p(where.category)}")
    if where.kind is not None:
        clauses.append(f"a.kind = {p(where.kind)}")
    return clauses


def _score_sql(terms: list[SearchTerm], p: _Params, *, postgres: bool) -> str:
    """Σ weight × (4·[term in title] + occurrences in the body, at most 3): the same arithmetic on both databases."""
    parts = []
    for term in terms:
        t = f"{p(term.text)}::text" if postgres else p(term.text)
        title = f"(strpos(lower(a.title), {t}) > 0)::int" if postgres else f"(instr(lower(a.title), {t}) > 0)"
        # Occurrences = how much shorter the body gets without the term, in terms' lengths (integer division).
        count = f"(length(lower(a.body)) - length(replace(lower(a.body), {t}, ''))) / length({t})"
        body = f"LEAST(3, {count})" if postgres else f"MIN(3, {count})"
        parts.append(f"{term.weight} * (4 * {title} + {body})")
    return " + ".join(parts)


def _postgres_sql(terms: list[SearchTerm], p: _Params) -> tuple[str, str, str]:
    """(FROM clause, match condition, tie-break) for PostgreSQL's trigram index."""
    document = "(lower(a.title) || ' ' || lower(a.body))"  # the indexed expression, exactly
    match = " OR ".join(f"{document} LIKE {p(like_pattern(t))}" for t in terms)
    tie = f"similarity(lower(a.title), {p(' '.join(t.text for t in terms))}) DESC"
    return "help_article a", match, tie


def _sqlite_sql(terms: list[SearchTerm], p: _Params) -> tuple[str, str, str]:
    """(FROM clause, match condition, tie-break) for SQLite's FTS5 trigram table plus LIKE for short terms."""
    phrases = fts_phrase_query(terms)
    matches, source = [], "help_article a"
    if phrases is not None:
        # bm25 weights per column: article_id (unindexed) 0, title 4, body 1. Lower (more negative) is better.
        source = (f"help_article a LEFT JOIN (SELECT article_id, bm25(help_article_fts, 0.0, 4.0, 1.0) AS bm"
                  f" FROM help_article_fts WHERE help_article_fts MATCH {p(phrases)}) f ON f.article_id = a.id")
        matches.append("f.article_id IS NOT NULL")
    for term in terms:
        if not term.indexed:
            pattern = p(like_pattern(term))
            matches += [f"lower(a.title) LIKE {pattern} ESCAPE '\\'", f"lower(a.body) LIKE {pattern} ESCAPE '\\'"]
    tie = "COALESCE(f.bm, 0) ASC" if phrases is not None else "a.id"
    return source, " OR ".join(matches), tie


async def ranked_article_ids(*, where: SearchFilter, terms: list[SearchTerm], offset: int, limit: int) -> list[uuid.UUID]:
    """The ids of matching articles, best first: `limit` of them from position `offset`."""
    conn = connections.get("default")
    postgres = is_postgres(conn)
    p = _Params()
    clauses = _filter_sql(where, p)
    score = _score_sql(terms, p, postgres=postgres)
    source, match, tie = (_postgres_sql if postgres else _sqlite_sql)(terms, p)
    sql = (f"SELECT a.id AS id, {score} AS score FROM {source}"
           f" WHERE {' AND '.join(clauses)} AND ({match})"
           f" ORDER BY score DESC, {tie}, a.published_at DESC, a.id"
           f" LIMIT {p(limit)} OFFSET {p(offset)}")
    rows = await fetch(conn, sql, p.values)
    return [as_uuid(row["id"]) for row in rows]
