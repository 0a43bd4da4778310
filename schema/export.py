"""Write the GraphQL SDL to schema.graphql, or check that the committed copy is current.

    python -m schema.export            # (re)write schema.graphql at the repository root
    python -m schema.export --check    # exit 1 with a short diff if it is stale or missing
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"
MAX_DIFF_LINES = 40


def current_sdl() -> str:
    """The SDL of the schema the API serves, ending in one newline."""
    from schema.build import schema

    return schema.as_str().rstrip("\n") + "\n"


def short_diff(old: str, new: str, path: Path) -> str:
    """A unified diff from the file on disk to the live schema, cut to MAX_DIFF_LINES."""
    lines = list(
        difflib.unified_diff(old.splitlines(), new.splitlines(), f"{path.name} (on disk)", f"{path.name} (schema.build)", lineterm="")
    )
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"... {len(lines) - MAX_DIFF_LINES} more diff lines"]
    return "\n".join(lines)


def check(path: Path) -> int:
    """0 when the file matches the live schema, 1 (with a message) otherwise."""
    sdl = current_sdl()
    if not path.is_file():
        print(f"{path} is missing: run `python -m schema.export` and commit it.", file=sys.stderr)
        return 1
    on_disk = path.read_text(encoding="utf-8")
    if on_disk == sdl:
        print(f"{path.name} is up to date")
        return 0
    print(f"{path} is stale: run `python -m schema.export` and commit it.", file=sys.stderr)
    print(short_diff(on_disk, sdl, path), file=sys.stderr)
    return 1


def write(path: Path) -> int:
    """Write the live schema's SDL to path."""
    path.write_text(current_sdl(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schema.export", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if the file is stale or missing")
    parser.add_argument("--output", type=Path, default=DEFAULT_PATH, help=f"the SDL file (default: {DEFAULT_PATH})")
    args = parser.parse_args(argv)
    return check(args.output) if args.check else write(args.output)


if __name__ == "__main__":
    sys.exit(main())
