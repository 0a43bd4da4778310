"""The request-shape reader: every money mutation is counted, however it hides in a document."""

from __future__ import annotations

import re
from pathlib import Path

from api.request_shape import MONEY_MUTATIONS, request_shape

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"


def _mutations_taking_an_idempotency_key() -> set[str]:
    text = SCHEMA.read_text()
    keyed_inputs = {m.group(1) for m in re.finditer(r"\ninput (\w+) \{(.*?)\n\}", text, re.S) if "idempotencyKey:" in m.group(2)}
    mutation = re.search(r"\ntype Mutation \{(.*?)\n\}", text, re.S)
    assert mutation and keyed_inputs, "schema.graphql has a Mutation type and idempotent inputs"
    names = set()
    for m in re.finditer(r"\n  (\w+)\(([^)]*)\)", mutation.group(1)):
        if "idempotencyKey" in m.group(2) or any(re.search(rf"\b{name}\b", m.group(2)) for name in keyed_inputs):
            names.add(m.group(1))
    return names


def test_every_idempotent_mutation_counts_as_money_moving():
    keyed = _mutations_taking_an_idempotency_key()
    assert {"walletTopUp", "transferCreate", "paymentCreate", "walletConvert"} <= keyed
    assert keyed <= MONEY_MUTATIONS, sorted(keyed - MONEY_MUTATIONS)


def test_payment_and_conversion_in_one_document_count_twice():
    document = ('mutation { a: paymentCreate(input: {}) { payment { id } } '
                '... on Mutation { b: walletConvert(input: {}) { transaction { id } } } }')
    shape = request_shape(document, None)
    assert shape is not None and shape.money_mutations == 2 and shape.root_fields == 2
