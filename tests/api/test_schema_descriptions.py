"""Walk the whole GraphQL schema and fail on any type, field, argument, input field or enum value
without a real description (issue 11 item 4, "A documented schema").

Partner developers read the schema in GraphiQL and in schema.graphql: every coordinate must say what it
is for, in which units, within which limits, which scope or role it needs and which errors it can answer.
A description counts when it is not blank, not just the coordinate's own name, and has at least
MIN_WORDS words or MIN_CHARS characters.

Also here: every ErrorCode member is listed in the README's Errors section, so that list cannot go stale.
"""

from __future__ import annotations

import re
from collections import defaultdict
from enum import Enum
from pathlib import Path

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
)

from schema.build import schema as api_schema
from schema.common.errors import ErrorCode

MIN_WORDS = 3
MIN_CHARS = 12
BUILT_IN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})
README = Path(__file__).resolve().parents[2] / "README.md"


def _graphql_schema(schema: strawberry.Schema | GraphQLSchema) -> GraphQLSchema:
    return schema if isinstance(schema, GraphQLSchema) else schema._schema  # the graphql-core schema strawberry built


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def is_described(description: str | None, name: str) -> bool:
    """A real description: not blank, not the name again, and long enough to say something."""
    text = (description or "").strip()
    if not text or _normalise(text) == _normalise(name):
        return False
    return len(text.split()) >= MIN_WORDS or len(text) >= MIN_CHARS


def _type_coordinates(graphql_type: GraphQLNamedType) -> list[tuple[str, str | None, str]]:
    """(coordinate, description, name) of the type and of everything declared inside it."""
    name = graphql_type.name
    found: list[tuple[str, str | None, str]] = [(name, graphql_type.description, name)]
    if isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType)):
        for field_name, field in graphql_type.fields.items():
            found.append((f"{name}.{field_name}", field.description, field_name))
            for arg_name, arg in field.args.items():
                found.append((f"{name}.{field_name}({arg_name}:)", arg.description, arg_name))
    elif isinstance(graphql_type, GraphQLInputObjectType):
        for field_name, input_field in graphql_type.fields.items():
            found.append((f"{name}.{field_name}", input_field.description, field_name))
    elif isinstance(graphql_type, GraphQLEnumType):
        for value_name, value in graphql_type.values.items():
            found.append((f"{name}.{value_name}", value.description, value_name))
    return found


def _is_checked(graphql_type: GraphQLNamedType) -> bool:
    if graphql_type.name.startswith("__") or graphql_type.name in BUILT_IN_SCALARS:
        return False
    kinds = (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType, GraphQLEnumType,
             GraphQLScalarType, GraphQLUnionType)
    return isinstance(graphql_type, kinds)


def missing_descriptions(schema: strawberry.Schema | GraphQLSchema) -> list[str]:
    """Every schema coordinate without a real description, e.g. "Wallet.balance" or "Query.wallet(id:)".

    Walks every named type except the GraphQL built-ins (String, Int, Float, Boolean, ID and the
    introspection types __*): the type itself, its fields and their arguments, input fields, enum values.
    """
    missing: list[str] = []
    checked = 0
    for _, graphql_type in sorted(_graphql_schema(schema).type_map.items()):
        if not _is_checked(graphql_type):
            continue
        for coordinate, description, name in _type_coordinates(graphql_type):
            checked += 1
            if not is_described(description, name):
                missing.append(coordinate)
    assert checked > 0, "the walker saw no types at all"
    return missing


def _grouped(missing: list[str]) -> str:
    by_type: dict[str, list[str]] = defaultdict(list)
    for coordinate in missing:
        by_type[coordinate.split(".", 1)[0].split("(", 1)[0]].append(coordinate)
    lines = []
    for type_name in sorted(by_type):
        lines.append(f"  {type_name} ({len(by_type[type_name])}):")
        lines += [f"    {coordinate}" for coordinate in by_type[type_name]]
    return "\n".join(lines)


def test_every_schema_coordinate_has_a_description() -> None:
    missing = missing_descriptions(api_schema)
    assert not missing, (
        f"{len(missing)} schema coordinates have no real description (at least {MIN_WORDS} words or"
        f" {MIN_CHARS} characters, not just the name), by type:\n{_grouped(missing)}"
    )


@strawberry.enum(name="Colour", description="Colours a test paints with.")
class _Colour(Enum):
    RED = strawberry.enum_value("RED", description="The colour of a stop sign.")
    BLUE = "BLUE"


@strawberry.input(name="PaintInput", description="What to paint, and in which colour.")
class _PaintInput:
    colour: _Colour = strawberry.field(description="colour")
    surface: str = strawberry.field(description="The wall to paint, by its name.")


@strawberry.type(name="Query")
class _PaintQuery:
    @strawberry.field(description="Paints a wall and answers what was painted.")
    def paint(self, input: _PaintInput, coats: int = 1) -> str:  # noqa: A002
        return "ok"


def test_the_walker_catches_missing_and_placeholder_descriptions() -> None:
    assert missing_descriptions(strawberry.Schema(query=_PaintQuery)) == [
        "Colour.BLUE", "PaintInput.colour", "Query", "Query.paint(input:)", "Query.paint(coats:)",
    ]


def _readme_errors_section() -> str:
    text = README.read_text(encoding="utf-8")
    # The section runs to the next heading of its level or above (its own #### sub-headings stay inside).
    match = re.search(r"^#{2,3} Errors[ \t]*$(.*?)(?=^#{1,3} |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, "README.md has no Errors section (a '## Errors' or '### Errors' heading)"
    return match.group(1)


def test_readme_errors_section_lists_every_error_code() -> None:
    section = _readme_errors_section()
    absent = [code.value for code in ErrorCode if f"`{code.value}`" not in section]
    assert not absent, f"README.md's Errors section does not list these ErrorCode values: {absent}"


def test_readme_errors_section_lists_the_graphql_error_codes() -> None:
    section = _readme_errors_section()
    graphql_codes = ("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION", "BAD_REQUEST", "RATE_LIMITED",
                     "TIMEOUT", "INTERNAL")
    absent = [code for code in graphql_codes if f"`{code}`" not in section]
    assert not absent, f"README.md's Errors section does not list these extensions.code values: {absent}"


def test_error_code_description_points_to_the_readme_errors_section() -> None:
    description = _graphql_schema(api_schema).type_map["ErrorCode"].description or ""
    assert "README" in description and "Errors section" in description, description
