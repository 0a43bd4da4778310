"""The screening matcher: variants of listed names match their entry, ordinary names do not, context lowers scores."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.screening import build_list, ordinary_names
from services.screening.matcher import (
    DEFAULT_THRESHOLD, THRESHOLD_ENV, ScreeningIndex, WatchlistRecord, configured_threshold, name_score,
)
from services.screening.similarity import levenshtein, levenshtein_ratio
from services.screening.watchlist import read_watchlist_csv

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "watchlist" / "example.csv"
# Measured with bench/screening.py (seed 7) at the default threshold 0.88: no ordinary name matched the
# 10,000-entry list (the closest scored 0.78), and 0.36% of ordinary names matched another ordinary name.
# The bounds leave room for small changes to the rules, not for a matcher that matches everything.
MAX_FALSE_POSITIVE_RATE = 0.002
MAX_ORDINARY_CROSS_MATCH_RATE = 0.01


@pytest.fixture(scope="module")
def example() -> ScreeningIndex:
    records = read_watchlist_csv(EXAMPLE)
    return ScreeningIndex(
        WatchlistRecord(id=n, list_id=r.list_id, name=r.name, aliases=r.aliases, date_of_birth=r.date_of_birth,
                        country=r.country)
        for n, r in enumerate(records, 1)
    )


@pytest.mark.parametrize(
    ("screened", "listed"),
    [
        # transliterated
        ("Mohamed Zaid al-Qazwarani", "Muhammad Zayd al-Qazwarani"),
        ("Youssef Haddumi Tarbasheh", "Yusuf Haddoumi Tarbasheh"),
        ("Zinoviy Burlatsev", "Zinovy Burlatsev"),
        ("Aleksander Pljuskin", "Aleksandr Vorontsevich Plyuskin"),
        ("Tamerlan Iuzbaschkhanov", "Tamerlan Yuzbashkhanov"),
        ("Husain Abou Shaqlawa", "Hussein Abu Shaqlawa"),
        ("Khadidja bint Ferwani", "Khadija bint Ferwani"),
        ("Velimir Drajkov", "Velimir Drazhkov"),
        # word order
        ("Drazhkov Velimir", "Velimir Drazhkov"),
        ("Farsoukh Abdul Karim Nuraddin", "Abd al-Karim Nuraddin Farsoukh"),
        ("Quintanar Ignacio Bermudez", "Ignacio Bermúdez Quintanar"),
        ("Minghuan Zhao", "Zhao Minghuan"),
        # accents and case
        ("VELIMIR DRÁZHKOV", "Velimir Drazhkov"),
        ("jorg schroder-wettelbach", "Jörg Schröder-Wettelbach"),
        ("Nguyen thi hoang quyen", "Nguyễn Thị Hoàng Quyên"),
        ("Ignácio Bérmudez Quintanár", "Ignacio Bermúdez Quintanar"),
        # spacing
        ("ZhaoMinghuan", "Zhao Minghuan"),
        ("Gong Sun Li Qiao", "Gongsun Liqiao"),
        ("GONGSUNLIQIAO", "Gongsun Liqiao"),
        ("Hwang Jiseok Won", "Hwang Ji-Seokwon"),
        ("Pak Sun-Hwa-Ryong", "Pak Sun Hwaryong"),
        # another script
        ("Дариуш Эсфандхахи", "Dariush Esfandkhahi"),
        ("Оксана Грибаленко", "Oksana Hrybalenko"),
        ("Рі Чол Мансонг", "Ri Chol Mansong"),
        # companies: legal forms weigh little
        ("Korvath Maritime Holdings Limited", "Korvath Maritime Holdings Ltd"),
        ("Blue Lantern Zephyrine Trading L.L.C.", "Blue Lantern Zephyrine Trading LLC"),
        ("Dong-fang Jin-xiu Shipping Co", "Dongfang Jinxiu Shipping Company"),
    ],
)
def test_variants_of_a_listed_name_match_its_entry(example, screened, listed):
    found = example.match(screened)
    assert found is not None, example.best(screened)
    assert found.entry_name == listed
    assert 0 < found.score <= 1 and 0 < found.score_bps <= 10000


def test_aliases_match_and_report_which_name_matched(example):
    found = example.match("赵明焕")
    assert found is not None and found.entry_name == "Zhao Minghuan" and found.matched_name == "赵明焕"
    assert example.match("Welimir Draschkow").matched_name == "Welimir Draschkow"


def test_the_scores_order_exact_above_fuzzy_above_different():
    exact = name_score("Velimir Drazhkov", "Velimir Drazhkov")
    fuzzy = name_score("Velimir Drazhkof", "Velimir Drazhkov")
    other = name_score("Velimir Popov", "Velimir Drazhkov")
    assert exact == 1.0 > fuzzy >= DEFAULT_THRESHOLD > other
    assert name_score("", "Velimir Drazhkov") == 0.0


def test_ordinary_names_do_not_match_the_example_list(example):
    hits = {name: example.match(name) for name in ordinary_names()}
    assert len(hits) >= 2000
    assert {n: h.entry_name for n, h in hits.items() if h} == {}


def test_ordinary_names_rarely_match_a_ten_thousand_entry_list():
    index = ScreeningIndex(build_list(10_000, seed=7))
    names = ordinary_names()
    hits = [name for name in names if index.match(name)]
    assert len(hits) / len(names) <= MAX_FALSE_POSITIVE_RATE, hits[:20]


def test_distinct_ordinary_names_rarely_match_each_other():
    names = ordinary_names()
    index = ScreeningIndex(WatchlistRecord(id=n, list_id="ORD", name=name) for n, name in enumerate(names[::2]))
    hits = [(name, found.entry_name) for name in names[1::2] if (found := index.match(name))]
    assert len(hits) / len(names[1::2]) <= MAX_ORDINARY_CROSS_MATCH_RATE, hits


def test_a_different_date_of_birth_or_country_lowers_the_score(example):
    # Velimir Drazhkov: born 1968-03-14, RU.
    def bps(name: str, **context: str) -> int:
        return example.best(name, **context).score_bps

    assert bps("Velimir Drazhkov") == bps("Velimir Drazhkov", date_of_birth="1968-03-14", country="RU") == 10000
    assert bps("Velimir Drazhkov", date_of_birth="1968-07-01") == 9600  # same year, another day
    assert bps("Velimir Drazhkov", date_of_birth="1975-03-14") == 8800  # another year
    assert bps("Velimir Drazhkov", country="DE") == 9500
    assert bps("Velimir Drazhkov", date_of_birth="1975-03-14", country="DE") == 8300
    # An exact name born another year still hits; a near one does not.
    assert example.match("Velimir Drazhkov", date_of_birth="1975-03-14") is not None
    assert example.match("Velimir Drajkov") is not None
    assert example.match("Velimir Drajkov", date_of_birth="1975-03-14") is None


def test_a_year_only_date_of_birth_is_compared_by_year(example):
    # Radoslav Kveteshin: born 1959 (day unknown).
    assert example.best("Radoslav Kveteshin", date_of_birth="1959-11-30").score_bps == 10000
    assert example.best("Radoslav Kveteshin", date_of_birth="1960-01-01").score_bps == 8800


def test_context_never_lifts_a_name_that_does_not_match(example):
    for name in ordinary_names()[:300]:
        plain = example.best(name)
        if plain is None:
            continue
        agreeing = example.best(name, date_of_birth="1968-03-14", country="RU")
        assert agreeing.score <= plain.score


def test_the_threshold_comes_from_the_environment(example, monkeypatch):
    near = "Velimir Drajkov"  # scores about 0.93
    monkeypatch.delenv(THRESHOLD_ENV, raising=False)
    assert configured_threshold() == DEFAULT_THRESHOLD and example.match(near) is not None
    monkeypatch.setenv(THRESHOLD_ENV, "0.97")
    assert configured_threshold() == 0.97
    assert example.match(near) is None
    assert example.match("Velimir Drazhkov") is not None
    assert example.match(near, threshold=0.9) is not None  # an explicit threshold wins
    monkeypatch.setenv(THRESHOLD_ENV, "0.5")
    assert example.match("Velimir Drazhkova Petrenko") is not None


@pytest.mark.parametrize("bad", ["high", "0", "1.5", "-0.2"])
def test_a_malformed_threshold_is_refused_not_guessed(monkeypatch, bad):
    monkeypatch.setenv(THRESHOLD_ENV, bad)
    with pytest.raises(ValueError, match=THRESHOLD_ENV):
        configured_threshold()


def _table_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="abcdehkosz", max_size=24), st.text(alphabet="abcdehkosz", max_size=24))
def test_the_bit_parallel_edit_distance_equals_the_textbook_one(a, b):
    assert levenshtein(a, b) == _table_distance(a, b)
    ratio = levenshtein_ratio(a, b)
    assert 0.0 <= ratio <= 1.0 and (ratio == 1.0) == (a == b)


def test_an_empty_index_matches_nothing():
    empty = ScreeningIndex([])
    assert len(empty) == 0 and empty.best("Velimir Drazhkov") is None and empty.match("Velimir Drazhkov") is None
