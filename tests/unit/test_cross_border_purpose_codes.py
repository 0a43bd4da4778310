"""Purpose code checking: required/optional, unknown codes refused naming purposeCode."""

import pytest

from services.cross_border.purpose_codes import DEFAULT_PURPOSE_CODES, check_purpose_code
from services.errors import ValidationFailed


def test_known_code_is_cleaned():
    assert check_purpose_code(" fam ", allowed=DEFAULT_PURPOSE_CODES, required=True) == "FAM"


def test_missing_code_when_required_names_the_field():
    with pytest.raises(ValidationFailed) as caught:
        check_purpose_code(None, allowed=DEFAULT_PURPOSE_CODES, required=True)
    assert caught.value.field == ["purposeCode"]


def test_missing_code_when_optional_is_none():
    assert check_purpose_code("", allowed=DEFAULT_PURPOSE_CODES, required=False) is None


def test_unknown_code_is_refused_even_when_optional():
    with pytest.raises(ValidationFailed) as caught:
        check_purpose_code("XYZ", allowed=DEFAULT_PURPOSE_CODES, required=False)
    assert caught.value.field == ["purposeCode"]
    assert "XYZ" in str(caught.value)
