"""services.help.search_terms and services.help.catalog: what a hostile or ordinary search text becomes (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.errors import ValidationFailed
from services.help.catalog import MAX_TITLE_CHARS, check_locale, check_slug, check_text
from services.help.search_terms import MAX_TERMS, fts_phrase_query, like_pattern, search_terms


def _texts(text: str) -> list[str]:
    return [term.text for term in search_terms(text)]


def test_english_words_are_lower_cased_and_stop_words_dropped():
    assert _texts("How do I top up my Wallet?") == ["top", "up", "wallet"]
    assert _texts("the") == ["the"]  # nothing but stop words: still searched


def test_chinese_runs_are_terms_and_longer_ones_give_their_bigrams():
    assert _texts("转账") == ["转账"]
    terms = search_terms("如何转账")
    assert [t.text for t in terms] == ["如何转账", "何转", "转账"]  # 如何 is a question word: no bigram
    assert {t.text: t.weight for t in terms} == {"如何转账": 2, "何转": 1, "转账": 1}


def test_mixed_scripts_split_into_runs_and_full_width_is_folded():
    assert _texts("ＱＲ码支付") == ["qr", "码支付", "码支", "支付"]
    assert _texts("KYC实名") == ["kyc", "实名"]


@pytest.mark.parametrize("hostile", [
    '"', "'", "*", "NEAR(a b)", "a AND b OR NOT c", "title:x", "^start", "-minus +plus", "(((", "%", "_", "\\",
    "'; DROP TABLE help_article; --", '" OR 1=1 --', "转账*", "{title body}: x", "\x00", "",
])
def test_fts_and_like_syntax_never_survives(hostile):
    terms = search_terms(hostile)
    for term in terms:
        assert term.text.isalnum(), term
    query = fts_phrase_query(terms)
    if query is not None:
        for phrase in query.split(" OR "):
            assert phrase.startswith('"') and phrase.endswith('"') and '"' not in phrase[1:-1]


def test_operator_words_are_plain_quoted_terms():
    assert fts_phrase_query(search_terms("NEAR NOT fees")) == '"near" OR "not" OR "fees"'
    assert fts_phrase_query(search_terms("转账 qr")) is None  # 2-character terms: not for the trigram index


def test_too_long_a_search_is_a_validation_error_and_terms_are_capped():
    with pytest.raises(ValidationFailed) as refused:
        search_terms("x" * 201)
    assert refused.value.field == ["search"]
    assert len(search_terms(" ".join(f"w{i}" for i in range(30)))) == MAX_TERMS


def test_like_patterns_escape_wildcards():
    from services.help.search_terms import SearchTerm
    assert like_pattern(SearchTerm("a%b_c\\", 2)) == "%a\\%b\\_c\\\\%"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_alphanumeric_unique_terms(text):
    terms = search_terms(text)
    assert len({t.text for t in terms}) == len(terms) <= MAX_TERMS
    assert all(t.text and t.text.isalnum() and t.text == t.text.lower() for t in terms)


def test_catalog_checks():
    assert check_locale("zh-CN").value == "zh-CN"
    with pytest.raises(ValidationFailed):
        check_locale("fr")
    assert check_slug("lost-phone") == "lost-phone"
    for bad in ("ab", "Lost-Phone", "a--b", "-ab", "x" * 81, "a b c", None):
        with pytest.raises(ValidationFailed):
            check_slug(bad)
    assert check_text("  转账  ", field="title", limit=MAX_TITLE_CHARS) == "转账"
    for bad in ("", "   ", "x" * 201, "a\x00b", None):
        with pytest.raises(ValidationFailed):
            check_text(bad, field="title", limit=MAX_TITLE_CHARS)
