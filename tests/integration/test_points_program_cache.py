"""services.points.programs.program_row: a programme is read from the database once per process, and the cached row
is still shown only to whom may see it."""

from __future__ import annotations

import pytest

from models import PointsProgram
from services.caches import POINTS_PROGRAMS, clear_all_caches
from services.errors import NotFound
from services.points.programs import managed_program, visible_program
from tests.integration.points_support import points_world
from tests.integration.service_support import new_partner


async def test_a_programme_is_read_once_then_served_from_the_cache(database_url, monkeypatch):
    world = await points_world()
    clear_all_caches()
    first = await visible_program(world.bank, world.program.id)
    assert first.id == world.program.id and world.program.id in POINTS_PROGRAMS

    async def no_database(*args, **kwargs):
        raise AssertionError("the programme was read from the database again")

    monkeypatch.setattr(PointsProgram, "get_or_none", no_database)
    again = await visible_program(world.bank, world.program.id)
    assert again is first and again.value_minor_per_point == 1
    assert (await managed_program(world.bank, world.program.id)) is first


async def test_a_cached_programme_is_still_refused_to_another_partner(database_url):
    world = await points_world()
    await visible_program(world.bank, world.program.id)  # now cached
    stranger = await new_partner("pts-stranger")
    with pytest.raises(NotFound):
        await visible_program(stranger, world.program.id)
    with pytest.raises(NotFound):
        await managed_program(stranger, world.program.id)


async def test_an_unknown_programme_is_not_found_and_not_remembered(database_url):
    world = await points_world()
    clear_all_caches()
    missing = world.program.id.__class__(int=world.program.id.int ^ 1)
    with pytest.raises(NotFound):
        await visible_program(world.bank, missing)
    assert missing not in POINTS_PROGRAMS
