"""What a GraphQL request asks for, read before it runs: its cost for the rate limit
(one unit per root field, aliases included) and its count of money-moving mutations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    parse,
)

# Every mutation that moves, holds or releases money: a request may carry at most one of them, so that one
# HTTP request is one money decision (tests/unit/test_request_shape.py checks that each mutation taking an
# idempotencyKey is listed here, so a new money mutation cannot be forgotten).
MONEY_MUTATIONS = frozenset({
    "walletTopUp", "transferCreate", "transfersCreate", "withdrawalCreate", "walletClose", "sandboxFund", "walletConvert",
    "paymentCreate", "paymentCollect", "refundCreate", "authorizationCreate", "authorizationCapture",
    "authorizationVoid", "transactionReverse", "internationalTransferCreate", "pointsRedeem",
    "bulkPayoutCreate", "bulkPayoutExecute",  # issue 16 part 7: a batch upload is keyed; executing moves money
    # Issue 16 part 6: a payout request holds funds (keyed), its approval posts them, its rejection releases them.
    "payoutRequestCreate", "payoutRequestApprove", "payoutRequestReject",
    # Issue 16 part 3: a decision for the customer posts a refund (keyed by the dispute itself, exactly once).
    "disputeDecide",
    "couponCampaignCreate",  # issue 15 part 4: moves the campaign's budget into its account (keyed)
})
MAX_OPERATIONS_PER_DOCUMENT = 20
MAX_QUERY_CHARS = 50_000


@dataclass(frozen=True)
class RequestShape:
    root_fields: int
    money_mutations: int
    operations: int


@lru_cache(maxsize=2048)
def request_shape(query: str, operation_name: str | None) -> RequestShape | None:
    """The shape of the operation that would run; None when it does not parse (strawberry reports why)."""
    if len(query) > MAX_QUERY_CHARS:
        return RequestShape(root_fields=1, money_mutations=0, operations=MAX_OPERATIONS_PER_DOCUMENT + 1)
    try:
        document = parse(query, max_tokens=5000)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    chosen = [op for op in operations if operation_name is None or (op.name and op.name.value == operation_name)]
    if len(chosen) != 1:
        return RequestShape(root_fields=1, money_mutations=0, operations=len(operations))
    names = _root_field_names(chosen[0].selection_set.selections, fragments, set())
    return RequestShape(
        root_fields=max(1, len(names)),
        money_mutations=sum(1 for name in names if name in MONEY_MUTATIONS) if chosen[0].operation.value == "mutation" else 0,
        operations=len(operations),
    )


def _root_field_names(selections, fragments: dict, seen: set[str]) -> list[str]:  # noqa: ANN001
    names: list[str] = []
    for selection in selections:
        if isinstance(selection, FieldNode):
            names.append(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names += _root_field_names(selection.selection_set.selections, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                names += _root_field_names(fragment.selection_set.selections, fragments, seen | {selection.name.value})
    return names
