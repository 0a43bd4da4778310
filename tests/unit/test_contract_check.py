"""schema.contract: a breaking change against the released contract fails, unless the element was deprecated first."""

from __future__ import annotations

import re

from schema.contract import RELEASED_PATH, breaking_changes, check
from schema.export import current_sdl

RELEASED = '''
type Query {
  wallet(id: ID!): Wallet
  legacy: String @deprecated(reason: "Use wallet.")
}

type Wallet {
  id: ID!
  currency: String!
  status: WalletStatus!
  nickname: String @deprecated(reason: "Use label.")
}

enum WalletStatus {
  ACTIVE
  FROZEN
  RETIRED @deprecated(reason: "Never used.")
}
'''


def _without(sdl: str, line: str) -> str:
    assert line in sdl
    return sdl.replace(line, "", 1)


def test_the_current_schema_keeps_the_released_contract():
    assert RELEASED_PATH.is_file()
    assert breaking_changes(RELEASED_PATH.read_text(encoding="utf-8"), current_sdl()) == []
    assert check() == 0


def test_adding_is_never_breaking():
    added = RELEASED.replace("  currency: String!\n", "  currency: String!\n  label: String\n")
    assert breaking_changes(RELEASED, added) == []


def test_removing_a_field_that_was_not_deprecated_is_refused():
    refused = breaking_changes(RELEASED, _without(RELEASED, "  currency: String!\n"))
    assert [change.description for change in refused] == ["Field Wallet.currency was removed."]


def test_changing_a_fields_type_is_refused():
    refused = breaking_changes(RELEASED, RELEASED.replace("currency: String!", "currency: Int!"))
    assert len(refused) == 1 and "Wallet.currency changed type" in refused[0].description


def test_removing_a_value_or_adding_a_required_argument_is_refused():
    no_frozen = breaking_changes(RELEASED, _without(RELEASED, "  FROZEN\n"))
    assert [c.description for c in no_frozen] == ["Enum value WalletStatus.FROZEN was removed."]
    required_arg = breaking_changes(RELEASED, RELEASED.replace("wallet(id: ID!)", "wallet(id: ID!, at: String!)"))
    assert len(required_arg) == 1 and "required argument" in required_arg[0].description


def test_removing_what_was_deprecated_first_is_allowed():
    removed = RELEASED
    for line in ('  legacy: String @deprecated(reason: "Use wallet.")\n', '  nickname: String @deprecated(reason: "Use label.")\n',
                 '  RETIRED @deprecated(reason: "Never used.")\n'):
        removed = _without(removed, line)
    assert breaking_changes(RELEASED, removed) == []


def test_the_real_contract_refuses_a_deliberately_removed_field():
    """On a copy of the live schema: drop a field partners use (with its description), and the check names it."""
    live = current_sdl()
    wallet = re.search(r"^type Wallet implements Node \{\n(?:.*\n)*?\}\n", live, re.MULTILINE)
    assert wallet, "type Wallet not found in the live SDL"
    # The field line and the description block (one line, or triple-quoted lines) just above it.
    field = re.search(r'(?:  """\n(?:(?!  """).*\n)*  """\n|  ".*"\n)?  currency: String!\n', wallet.group(0))
    assert field, "Wallet.currency not found in the live SDL"
    broken = live.replace(wallet.group(0), wallet.group(0).replace(field.group(0), "", 1), 1)
    refused = breaking_changes(live, broken)
    assert [change.description for change in refused] == ["Field Wallet.currency was removed."]
