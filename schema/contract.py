"""The partner contract's compatibility rule: nothing partners code against breaks without a deprecation first.

    python -m schema.contract --check     # exit 1 listing each breaking change against the released contract
    python -m schema.contract --release   # after a release: the current schema becomes the released contract

`schema/released.graphql` is the contract as last published. A change that
graphql-core's `find_breaking_changes` calls breaking (a field, argument or
enum value removed, a type changed, a required argument added) fails the
check, unless the element it breaks was already `@deprecated(reason:)` in the
released contract: deprecate in one release, remove in a later one.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from graphql import (
    BreakingChange,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
)

RELEASED_PATH = Path(__file__).resolve().parent / "released.graphql"
# "Field Type.field ...", "Argument Type.field(arg:) ...", "Enum value Enum.VALUE ...", "Type.field defaultValue ..."
_COORDINATE = re.compile(r"\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)(?:\(([A-Za-z_]\w*):\))?")


def _deprecated(schema: GraphQLSchema, type_name: str, member: str, argument: str | None) -> bool:
    """Whether the released schema already marked this field, argument, input field or enum value deprecated."""
    owner = schema.get_type(type_name)
    if isinstance(owner, GraphQLEnumType):
        value = owner.values.get(member)
        return bool(value and value.deprecation_reason)
    if isinstance(owner, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
        field = owner.fields.get(member)
        if field is None:
            return False
        if argument is not None and not isinstance(owner, GraphQLInputObjectType):
            arg = field.args.get(argument)  # type: ignore[union-attr]
            return bool(arg and arg.deprecation_reason) or bool(field.deprecation_reason)
        return bool(field.deprecation_reason)
    return False


def breaking_changes(released_sdl: str, current_sdl: str) -> list[BreakingChange]:
    """The breaking changes from the released contract to the current one that no prior deprecation allows."""
    released, current = build_schema(released_sdl), build_schema(current_sdl)
    refused = []
    for change in find_breaking_changes(released, current):
        match = _COORDINATE.search(change.description)
        if match and _deprecated(released, match.group(1), match.group(2), match.group(3)):
            continue  # announced as deprecated in the released contract: removing or changing it now is allowed
        refused.append(change)
    return refused


def check(released_path: Path = RELEASED_PATH) -> int:
    """0 when the current schema keeps the released contract, 1 (listing each break) otherwise."""
    from schema.export import current_sdl

    if not released_path.is_file():
        print(f"{released_path} is missing: the released contract is the baseline of this check", file=sys.stderr)
        return 1
    refused = breaking_changes(released_path.read_text(encoding="utf-8"), current_sdl())
    if not refused:
        print(f"no breaking change against {released_path.name}")
        return 0
    print(f"{len(refused)} breaking change(s) against the released contract ({released_path.name}):", file=sys.stderr)
    for change in refused:
        print(f"  {change.type.name}: {change.description}", file=sys.stderr)
    print("Deprecate the old field, argument or value first (@deprecated(reason:)), keep it for a release, then remove it.",
          file=sys.stderr)
    return 1


def release(released_path: Path = RELEASED_PATH) -> int:
    """Make the current schema the released contract (after publishing a release)."""
    from schema.export import current_sdl

    released_path.write_text(current_sdl(), encoding="utf-8")
    print(f"wrote {released_path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schema.contract", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true", help="exit 1 on a breaking change against the released contract")
    action.add_argument("--release", action="store_true", help="make the current schema the released contract")
    args = parser.parse_args(argv)
    return check() if args.check else release()


if __name__ == "__main__":
    sys.exit(main())
