"""Which rails exist, by name: the simulated rail always; a bank registers its own at start-up."""

from __future__ import annotations

from services.rails.interface import Rail
from services.rails.simulated import SimulatedRail

DEFAULT_RAIL = "simulated"
_RAILS: dict[str, Rail] = {}


def register(rail: Rail) -> None:
    """Make a rail available by its name (replacing one of the same name)."""
    _RAILS[rail.name] = rail


def rail_named(name: str) -> Rail | None:
    """The rail of that name (the simulated one is created on first use), or None."""
    if name == DEFAULT_RAIL and name not in _RAILS:
        register(SimulatedRail(DEFAULT_RAIL))
    return _RAILS.get(name)


def known_rail_names() -> list[str]:
    """The names of the rails this process can submit to (the simulated one always)."""
    return sorted({DEFAULT_RAIL, *_RAILS})


def reset() -> None:
    """Forget every registered rail (tests; the simulated rail is recreated from the environment on next use)."""
    _RAILS.clear()
