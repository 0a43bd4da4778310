"""Names and references: NFKC-normalised, invisible and text-direction characters refused (issue 19)."""

from __future__ import annotations

import pytest

from services.errors import ValidationFailed
from services.kyc.application import text
from services.validation import clean_name


@pytest.mark.parametrize("hostile", [
    "Alice\u202eecilA",  # right-to-left override: reads differently than it is stored
    "Bob\u200bLi",  # zero-width space: looks like "BobLi", screens like two tokens
    "\ufeffCarol",  # byte-order mark
    "Dan\u2066Wu\u2069",  # isolates
    "Eve\u200fChen",  # right-to-left mark
    "Fay\u00adZhou",  # soft hyphen (format character)
])
def test_invisible_and_bidi_characters_are_refused_in_names(hostile):
    with pytest.raises(ValidationFailed) as caught:
        clean_name(hostile, field="displayName", max_len=200)
    assert caught.value.field == ["displayName"] and "U+" in str(caught.value)
    with pytest.raises(ValidationFailed):
        text(hostile, ["legalName"], max_len=200)


def test_compatibility_forms_are_normalised_to_the_plain_name():
    assert clean_name("\uff21\uff4c\uff49\uff43\uff45\u3000Wang", field="displayName", max_len=200) == "Alice Wang"
    assert clean_name("  王小明  ", field="displayName", max_len=200) == "王小明"  # CJK untouched, trimmed
    assert text("Ｗｅｌｉｍｉｒ Draschkow", ["legalName"], max_len=200) == "Welimir Draschkow"
    assert clean_name(None, field="displayName", max_len=200, required=False) is None
    with pytest.raises(ValidationFailed):
        clean_name("x" * 201, field="displayName", max_len=200)
