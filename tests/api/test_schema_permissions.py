"""Walk the whole GraphQL schema and fail on any field without a permission rule.

The rules (see schema/common/permissions.py):
1. every field of the root types (Query, Mutation, Subscription) has a permission class;
2. every object type either is listed in INHERITS_PARENT_ACCESS (reachable only
   through a guarded field, showing nothing more) or guards all of its fields;
3. a field that reaches another object (a Node implementation, or a *Connection
   of them) carries its own permission class, wherever it is declared.

Connections, their edges and mutation payloads are envelopes: their `node`,
`nodes` and payload object fields are the content of the guarded field that
returned the envelope, not links to somewhere else. Rule 4 keeps that safe:
4. an envelope is only ever returned by a guarded field (a *Connection), by a
   connection (an *Edge), or by a root Mutation field (a *Payload).
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, get_named_type
from strawberry.types.base import StrawberryObjectDefinition

from schema.build import schema as api_schema
from schema.common.permissions import INHERITS_PARENT_ACCESS, Authenticated, requires
from schema.common.relay import Connection, Node

ENVELOPE_SUFFIXES = ("Connection", "Edge", "Payload")


def _graphql_schema(schema: strawberry.Schema) -> GraphQLSchema:
    return schema._schema  # the graphql-core schema strawberry built


def _is_node(graphql_type: Any) -> bool:
    if isinstance(graphql_type, GraphQLInterfaceType):
        return graphql_type.name == "Node"
    return isinstance(graphql_type, GraphQLObjectType) and any(i.name == "Node" for i in graphql_type.interfaces)


def _is_envelope(type_name: str) -> bool:
    return type_name.endswith(ENVELOPE_SUFFIXES)


def permission_problems(schema: strawberry.Schema, inherits_parent_access: frozenset[str]) -> list[str]:
    """Every field of the schema that breaks one of the rules above, as readable lines."""
    graphql_schema = _graphql_schema(schema)
    roots = {t.name for t in (graphql_schema.query_type, graphql_schema.mutation_type,
                              graphql_schema.subscription_type) if t is not None}
    mutation_root = graphql_schema.mutation_type.name if graphql_schema.mutation_type else None
    problems: list[str] = []
    checked_fields = 0
    for type_name, graphql_type in sorted(graphql_schema.type_map.items()):
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        definition = schema.get_type_by_name(type_name)
        assert isinstance(definition, StrawberryObjectDefinition), type_name
        for field_name, graphql_field in graphql_type.fields.items():
            field = schema.get_field_for_type(field_name, type_name)
            assert field is not None, f"{type_name}.{field_name} has no strawberry field"
            assert field in definition.fields, f"{type_name}.{field_name} is not one of the type's fields"
            checked_fields += 1
            guarded = bool(field.permission_classes)
            where = f"{type_name}.{field_name}"
            target = get_named_type(graphql_field.type)
            if type_name in roots and not guarded:
                problems.append(f"{where}: root field without a permission class")
            elif type_name not in roots and type_name not in inherits_parent_access and not guarded:
                problems.append(f"{where}: {type_name} is not in INHERITS_PARENT_ACCESS and the field is unguarded")
            links = _is_node(target) or target.name.endswith("Connection")
            if links and not guarded and type_name not in roots and not _is_envelope(type_name):
                problems.append(f"{where}: reaches {target.name} without a permission class")
            problems += _envelope_problems(where, type_name, target.name, graphql_field, guarded, mutation_root)
    assert checked_fields > 0, "the walker saw no fields at all"
    return problems


def _envelope_problems(where: str, owner: str, target: str, graphql_field: GraphQLField, guarded: bool,
                       mutation_root: str | None) -> list[str]:
    if target.endswith("Connection") and not guarded:
        return [f"{where}: returns the connection {target} without a permission class"]
    if target.endswith("Edge") and not owner.endswith("Connection"):
        return [f"{where}: returns the edge {target} outside a connection"]
    if target.endswith("Payload") and not (owner == mutation_root and guarded):
        return [f"{where}: returns the payload {target} from somewhere other than a guarded mutation"]
    return []


def test_every_field_of_the_api_has_a_permission_rule():
    problems = permission_problems(api_schema, INHERITS_PARENT_ACCESS)
    assert problems == [], "fields without a permission rule:\n" + "\n".join(problems)


def test_the_walker_sees_every_type_and_root_field():
    graphql_schema = _graphql_schema(api_schema)
    query_fields = set(graphql_schema.query_type.fields)
    mutation_fields = set(graphql_schema.mutation_type.fields)
    assert {"viewer", "node", "customer", "customers", "wallet", "wallets", "transaction", "transactions"} <= query_fields
    assert {"customerCreate", "walletOpen", "walletTopUp", "transferCreate", "withdrawalCreate"} <= mutation_fields
    object_types = {name for name, t in graphql_schema.type_map.items()
                    if isinstance(t, GraphQLObjectType) and not name.startswith("__")}
    # A stale allow-list entry could silently cover a future type of that name.
    assert INHERITS_PARENT_ACCESS <= object_types, INHERITS_PARENT_ACCESS - object_types


# Mutations any verified caller may make, each limited to the caller's own
# things by its service (tokenRevoke: only tokens of one's own partner/customer).
SELF_SERVICE_MUTATIONS = {"tokenRevoke"}


# Compliance decisions are writes too, but each has a permission of its own
# that only the compliance role holds (auth/roles.py), not a generic ":write".
STAFF_DECISIONS = frozenset({"kyc:review", "aml:review", "wallets:freeze", "pii:reveal", "transactions:reverse",
                             "funding:review"})
# Issue 16 part 3 (helper F): a dispute decision (support and admin; for the customer it posts a refund).
STAFF_DECISIONS = STAFF_DECISIONS | {"disputes:decide"}
# Scopes that are writes by name: webhooks:manage (the partner contract's webhook scope) creates and changes endpoints.
MANAGE_SCOPES = frozenset({"webhooks:manage"})


def test_every_mutation_needs_a_write_scope():
    graphql_schema = _graphql_schema(api_schema)
    for field_name in graphql_schema.mutation_type.fields:
        field = api_schema.get_field_for_type(field_name, graphql_schema.mutation_type.name)
        if field_name in SELF_SERVICE_MUTATIONS:
            assert field.permission_classes, f"{field_name} has no permission rule at all"
            continue
        scopes = [getattr(permission, "scope", "") for permission in field.permission_classes]
        assert any(scope.endswith(":write") or scope in STAFF_DECISIONS | MANAGE_SCOPES for scope in scopes), (
            f"{field_name} needs no write scope: {scopes}"
        )


# --- the walker must catch what it is meant to catch ------------------------


@strawberry.type
class Secret(Node):
    """A Node type that is neither allow-listed nor guarded."""

    value: str


@strawberry.type
class Holder:
    """Allow-listed in the throwaway schema, but links to a Node without a guard."""

    label: str
    secret: Secret
    secrets: Connection[Secret]

    @strawberry.field(permission_classes=[Authenticated])
    def guarded_secret(self) -> Secret:
        raise NotImplementedError


@strawberry.type
class LeakyPayload:
    secret: Secret | None


@strawberry.type
class ThrowawayQuery:
    @strawberry.field
    def open_holder(self) -> Holder:
        raise NotImplementedError

    @strawberry.field(permission_classes=[Authenticated])
    def guarded_holder(self) -> Holder:
        raise NotImplementedError

    @strawberry.field(permission_classes=[Authenticated])
    def payload_from_a_query(self) -> LeakyPayload:
        raise NotImplementedError


@strawberry.type
class ThrowawayMutation:
    @strawberry.mutation
    def unguarded_change(self) -> LeakyPayload:
        raise NotImplementedError

    @strawberry.mutation(permission_classes=requires("wallets:write"))
    def guarded_change(self) -> LeakyPayload:
        raise NotImplementedError


def test_the_walker_catches_unguarded_fields():
    throwaway = strawberry.Schema(query=ThrowawayQuery, mutation=ThrowawayMutation)
    allow = frozenset({"Holder", "LeakyPayload", "PageInfo", "SecretConnection", "SecretEdge"})
    problems = permission_problems(throwaway, allow)
    text = "\n".join(problems)
    expected = [
        "ThrowawayQuery.openHolder: root field",
        "ThrowawayMutation.unguardedChange: root field",
        "Secret.value: Secret is not in INHERITS_PARENT_ACCESS",
        "Secret.id: Secret is not in INHERITS_PARENT_ACCESS",
        "Holder.secret: reaches Secret",
        "Holder.secrets: reaches SecretConnection",
        "Holder.secrets: returns the connection SecretConnection",
        "ThrowawayQuery.payloadFromAQuery: returns the payload LeakyPayload",
        "ThrowawayMutation.unguardedChange: returns the payload LeakyPayload",
    ]
    for line in expected:
        assert any(problem.startswith(line) for problem in problems), f"walker missed {line!r}:\n{text}"
    # Guarded fields and envelope contents are not reported.
    for quiet in ("Holder.guardedSecret", "Holder.label", "ThrowawayQuery.guardedHolder", "ThrowawayMutation.guardedChange",
                  "LeakyPayload.secret", "SecretEdge.node", "SecretConnection.nodes"):
        assert not any(problem.startswith(quiet + ":") for problem in problems), f"false alarm on {quiet}:\n{text}"
    assert len(problems) == len(expected), text
